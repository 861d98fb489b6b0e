/**
 * The HTTP side of the dashboard's action tests: POST a form to an action route as the page's script does (asking
 * for JSON) and read the reply, whatever it is (a refusal before the router may answer in plain text).
 */
import { SETTINGS_FORM_FIELDS } from "../../src/dashboard/queue-settings-form.js";

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
