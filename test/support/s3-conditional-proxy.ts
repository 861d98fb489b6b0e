/**
 * A loopback HTTP proxy in front of an S3 emulator that enforces S3's conditional writes, which the emulator lacks:
 * a PUT with `If-None-Match: *` on an existing object, or with `If-Match: <etag>` whose ETag is not the object's,
 * gets 412 PreconditionFailed, and `If-Match` on a missing object gets 404 NoSuchKey, as S3 answers. The check and
 * the write run under one lock per object path, so two racing conditional PUTs cannot both pass (S3 does the same
 * atomically). Everything else is forwarded unchanged. It also counts the requests it saw, by method.
 */
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface ConditionalProxy {
  /** `http://127.0.0.1:<port>`: what AWS_ENDPOINT_URL names in the tests. */
  readonly endpoint: string;
  /** Requests seen, by method (`PUT`, `GET`, `HEAD`, …), and conditional PUTs refused. */
  readonly counts: Record<string, number>;
  /**
   * Hold the next `n` conditional PUTs until all `n` have arrived, then let them through in arrival order: two
   * writers' publishes are made to race for certain (the first wins, the others meet its ETag).
   */
  raceNextPuts(n: number): void;
  /** Delay every conditional PUT by this many milliseconds before it is checked (latency, to widen races). */
  putDelayMs: number;
  stop(): Promise<void>;
}

const xmlError = (code: string, message: string): string =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`;

/** Start the proxy on a free loopback port, forwarding to `upstream` (`http://127.0.0.1:<port>`). */
export async function startConditionalProxy(upstream: string): Promise<ConditionalProxy> {
  const target = new URL(upstream);
  const locks = new Map<string, Promise<void>>();
  const counts: Record<string, number> = {};
  let race: { remaining: number; waiting: (() => void)[] } | undefined;
  const control = { putDelayMs: 0 };
  const joinRace = async (): Promise<void> => {
    if (race === undefined) return;
    const current = race;
    current.remaining -= 1;
    if (current.remaining === 0) {
      race = undefined;
      for (const go of current.waiting) go();
      return;
    }
    await new Promise<void>((resolve) => current.waiting.push(resolve));
  };

  const forward = (req: IncomingMessage, body: Buffer, method = req.method ?? "GET") =>
    new Promise<{ status: number; headers: IncomingMessage["headers"]; body: Buffer }>((resolve, reject) => {
      const headers = { ...req.headers, "content-length": String(body.length) };
      delete headers.expect;
      if (method === "HEAD") headers["content-length"] = "0";
      const out = httpRequest({ host: target.hostname, port: target.port, method, path: req.url, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on("error", reject);
      });
      out.on("error", reject);
      out.end(method === "HEAD" ? undefined : body);
    });

  const withLock = async <T>(path: string, fn: () => Promise<T>): Promise<T> => {
    const before = locks.get(path) ?? Promise.resolve();
    let release = (): void => {};
    const mine = new Promise<void>((r) => {
      release = r;
    });
    const chained = before.then(() => mine);
    locks.set(path, chained);
    await before;
    try {
      return await fn();
    } finally {
      release();
      if (locks.get(path) === chained) locks.delete(path);
    }
  };

  const reply = (res: ServerResponse, r: { status: number; headers: IncomingMessage["headers"]; body: Buffer }) => {
    res.writeHead(r.status, r.headers);
    res.end(r.body);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> => {
    const method = req.method ?? "GET";
    counts[method] = (counts[method] ?? 0) + 1;
    const ifMatch = req.headers["if-match"];
    const ifNoneMatch = req.headers["if-none-match"];
    if (method !== "PUT" || (ifMatch === undefined && ifNoneMatch === undefined)) {
      reply(res, await forward(req, body));
      return;
    }
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    if (control.putDelayMs > 0) await new Promise((r) => setTimeout(r, control.putDelayMs));
    await joinRace();
    await withLock(path, async () => {
      const head = await forward(req, Buffer.alloc(0), "HEAD");
      const exists = head.status === 200;
      const etag = head.headers.etag;
      let refusal: { status: number; code: string; message: string } | undefined;
      if (ifNoneMatch === "*" && exists) {
        refusal = {
          status: 412,
          code: "PreconditionFailed",
          message: "At least one of the pre-conditions you specified did not hold",
        };
      } else if (ifMatch !== undefined && !exists) {
        refusal = { status: 404, code: "NoSuchKey", message: "The specified key does not exist." };
      } else if (ifMatch !== undefined && ifMatch !== etag) {
        refusal = {
          status: 412,
          code: "PreconditionFailed",
          message: "At least one of the pre-conditions you specified did not hold",
        };
      }
      if (refusal !== undefined) {
        counts.refused = (counts.refused ?? 0) + 1;
        res.writeHead(refusal.status, { "content-type": "application/xml" });
        res.end(xmlError(refusal.code, refusal.message));
        return;
      }
      reply(res, await forward(req, body));
    });
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      handle(req, res, Buffer.concat(chunks)).catch((err: unknown) => {
        res.writeHead(502, { "content-type": "application/xml" });
        res.end(xmlError("BadGateway", String(err)));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    counts,
    raceNextPuts(n: number) {
      race = { remaining: n, waiting: [] };
    },
    get putDelayMs() {
      return control.putDelayMs;
    },
    set putDelayMs(ms: number) {
      control.putDelayMs = ms;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
