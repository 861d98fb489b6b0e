/**
 * Drives the production guide's Next.js route handlers as Next.js would: import the route modules written from the
 * guide (in the directory given as the first argument) and call their `POST` and `GET` with real `Request`s. In
 * between, this process's own consumer claims and archives the message the way a worker would. Prints one JSON line
 * per call: `{ step, status, body }`.
 */
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type * as pgqrs from "pgqrs";

type Post = (request: Request) => Promise<Response>;
type Get = (request: Request, context: { params: Promise<{ id: string }> }) => Promise<Response>;

const dir = process.argv[2];
if (dir === undefined) throw new Error("usage: next-route-driver.ts <dir with lib/ and app/>");
const load = (path: string) => import(pathToFileURL(join(dir, path)).href);
const { POST } = (await load("app/api/emails/route.ts")) as { POST: Post };
const { GET } = (await load("app/api/emails/[id]/route.ts")) as { GET: Get };
const { getStore } = (await load("lib/pgqrs.ts")) as { getStore: () => Promise<pgqrs.Store> };

async function report(step: string, response: Response): Promise<unknown> {
  const body: unknown = await response.json();
  console.log(JSON.stringify({ step, status: response.status, body }));
  return body;
}
const post = (body: string) =>
  POST(
    new Request("http://localhost/api/emails", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    }),
  );
const get = (id: string) => GET(new Request(`http://localhost/api/emails/${id}`), { params: Promise.resolve({ id }) });

const created = (await report("post", await post(JSON.stringify({ to: "ada@example.com" })))) as { id: number };
await report("queued", await get(String(created.id)));
const store = await getStore();
const consumer = await store.consumer("emails");
const [claimed] = await consumer.dequeue({ batchSize: 1, vtSeconds: 60 });
if (claimed?.id !== created.id) throw new Error(`claimed ${claimed?.id}, expected ${created.id}`);
await report("processing", await get(String(created.id)));
await consumer.archive(created.id);
await report("done", await get(String(created.id)));
await report("bad", await post("{"));
await report("missing", await get("999999999"));
await report("not a number", await get("abc"));
await consumer.suspend();
await consumer.shutdown();
await store.close();
