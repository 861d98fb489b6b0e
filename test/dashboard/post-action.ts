/**
 * The HTTP side of the dashboard's action tests: POST a form to an action route as the page's script does (asking
 * for JSON) and read the reply, whatever it is (a refusal before the router may answer in plain text).
 */
import { expect } from "vitest";
import { SETTINGS_FORM_FIELDS } from "../../src/dashboard/queue-settings-form.js";
import { startDashboard } from "../../src/dashboard/server.js";
import type { Store } from "../../src/index.js";
import { TOKEN } from "./harness.js";

/** The queue settings form as the page posts it: every field, empty (cleared) unless `fields` gives it a value. */
export function settingsForm(fields: Record<string, string> = {}): Record<string, string> {
  return { ...Object.fromEntries(SETTINGS_FORM_FIELDS.map((name) => [name, ""])), ...fields };
}

/** A dashboard's answer to an action: its HTTP status and its JSON body (`{ message }` when it was not JSON). */
export interface ActionReply {
  status: number;
  body: { ok?: boolean; code?: string; message?: string; count?: number; location?: string };
}

/** POST `fields` as a form to `path` of the dashboard at `url`, with `headers` (the CSRF token, a bearer…). */
export async function postAction(
  url: string,
  path: string,
  headers: Record<string, string>,
  fields: Record<string, string> = {},
): Promise<ActionReply> {
  const res = await fetch(new URL(path, url), {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json", ...headers },
    body: new URLSearchParams(fields).toString(),
  });
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) as ActionReply["body"] };
  } catch {
    return { status: res.status, body: { message: text } };
  }
}

/** The page secret a dashboard's pages carry (`data-csrf`), read from the overview of the dashboard at `url`. */
export async function csrfOf(url: string, headers: Record<string, string> = {}): Promise<string> {
  const body = await (await fetch(new URL("/", url), { headers })).text();
  return /data-csrf="([^"]+)"/.exec(body)?.[1] ?? "";
}

/**
 * The two dashboards an action test talks to on `store`: `base` on loopback (no token) and `guarded` listening
 * beyond loopback with {@link TOKEN}; `close` stops both.
 */
export async function startDashboardPair(
  store: Store,
): Promise<{ base: string; guarded: string; close: () => Promise<void> }> {
  const view = await startDashboard({ store, host: "127.0.0.1", port: 0 });
  const beyond = await startDashboard({ store, host: "0.0.0.0", port: 0, token: TOKEN });
  return {
    base: `http://127.0.0.1:${new URL(view.url).port}`,
    guarded: `http://127.0.0.1:${new URL(beyond.url).port}`,
    close: async () => {
      await view.close().catch(() => undefined);
      await beyond.close().catch(() => undefined);
    },
  };
}

/**
 * Signs in to the guarded dashboard at `url` with {@link TOKEN} as a browser does, expecting the 303 and a page
 * secret on the signed-in pages; the session cookie and that secret.
 */
export async function signIn(url: string): Promise<{ cookie: string; csrf: string }> {
  const login = await fetch(`${url}/login`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ token: TOKEN, next: "/" }).toString(),
  });
  expect(login.status).toBe(303);
  const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
  const csrf = await csrfOf(url, { cookie });
  expect(csrf).not.toBe("");
  return { cookie, csrf };
}
