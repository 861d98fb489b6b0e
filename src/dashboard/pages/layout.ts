/** The page shell (header, navigation, dialogs) and the small components every page uses. */
import { type Html, type HtmlValue, html } from "../html.js";
import { num } from "../format.js";

export type Section = "overview" | "workers" | "workflows" | "queue" | "run" | "schedules";

export interface Shell {
  title: string;
  section: Section;
  csrf: string;
  /** The dashboard has a token, so the user signed in (a sign-out button is shown). */
  signedIn: boolean;
  /** The dashboard serves a view only (`readOnly`): the header says so. */
  readOnly: boolean;
  backend: string;
  refreshMs: number;
}

export function layout(shell: Shell, main: Html): Html {
  const nav = (href: string, label: string, active: boolean) =>
    html`<a href="${href}" class="${active ? "active" : ""}">${label}</a>`;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${shell.title} · pgqrs</title>
<link rel="stylesheet" href="/assets/app.css">
<link rel="icon" href="data:,">
</head>
<body data-csrf="${shell.csrf}" data-refresh-ms="${shell.refreshMs}">
<header class="top">
  <a class="brand" href="/"><span class="mark"></span>pgqrs</a>
  <nav>
    ${nav("/", "Overview", shell.section === "overview" || shell.section === "queue")}
    ${nav("/workers", "Workers", shell.section === "workers")}
    ${nav("/workflows", "Workflows", shell.section === "workflows" || shell.section === "run")}
    ${nav("/schedules", "Schedules", shell.section === "schedules")}
  </nav>
  <div class="right">
    <span class="live"><span class="dot"></span><span class="text">Live</span></span>
    <span class="badge">${shell.backend}</span>
    ${shell.readOnly ? html`<span class="badge read-only" data-testid="read-only" title="This dashboard shows; it takes no actions">read-only</span>` : ""}
    ${shell.signedIn ? html`<form method="post" action="/logout" class="inline"><button type="submit" class="small" data-testid="sign-out">Sign out</button></form>` : ""}
  </div>
</header>
<main>${main}</main>
<dialog id="confirm">
  <form method="dialog">
    <h3></h3><p></p>
    <div class="buttons"><button value="cancel">Cancel</button><button value="ok">Confirm</button></div>
  </form>
</dialog>
<dialog id="viewer" class="wide">
  <form method="dialog"><h3></h3><pre class="json"></pre><div class="buttons"><button value="close">Close</button></div></form>
</dialog>
<script src="/assets/app.js" defer></script>
</body>
</html>`;
}

/** A big number with a label. */
export function stat(label: string, value: number, opts: { id: string; hint?: HtmlValue; warn?: boolean }): Html {
  return html`<div class="card stat ${opts.warn && value > 0 ? "warn" : ""}">
    <div class="label">${label}</div>
    <div class="value" data-testid="${opts.id}">${num(value)}</div>
    ${opts.hint === undefined ? "" : html`<div class="hint">${opts.hint}</div>`}
  </div>`;
}

/** A number cell, dimmed when zero. */
export function cell(value: number, id?: string): Html {
  return html`<td class="n ${value === 0 ? "zero" : ""}" data-testid="${id}">${num(value)}</td>`;
}

/** Filter chips: one link per option, the current one highlighted. */
export function tabs(options: readonly { label: string; href: string; active: boolean; count?: number }[]): Html {
  return html`<div class="tabs">${options.map(
    (o) =>
      html`<a href="${o.href}" class="${o.active ? "active" : ""}">${o.label}${
        o.count === undefined ? "" : html`<span class="count">${num(o.count)}</span>`
      }</a>`,
  )}</div>`;
}

/** Previous / next links for a `limit + 1` page. */
export function pager(page: number, hasNext: boolean, href: (page: number) => string): Html {
  if (page === 0 && !hasNext) return html``;
  const prev =
    page > 0 ? html`<a href="${href(page - 1)}" rel="prev">← Newer</a>` : html`<span class="off">← Newer</span>`;
  const next = hasNext
    ? html`<a href="${href(page + 1)}" rel="next">Older →</a>`
    : html`<span class="off">Older →</span>`;
  return html`<div class="pager">${prev}<span>Page ${page + 1}</span>${next}</div>`;
}

/** A POST form that the browser script confirms in a dialog before sending. */
export function actionForm(p: {
  action: string;
  label: string;
  title: string;
  confirm: string;
  danger?: boolean;
  small?: boolean;
}): Html {
  return html`<form class="inline" method="post" action="${p.action}" data-title="${p.title}" data-confirm="${p.confirm}"
    data-verb="${p.label}" data-danger="${p.danger ? "1" : ""}"><button type="submit"
    class="${p.danger ? "danger" : ""} ${p.small ? "small" : ""}">${p.label}</button></form>`;
}

/** Build a query string from the defined values. */
export function query(base: string, params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== "" && v !== 0) q.set(k, String(v));
  const s = q.toString();
  return s === "" ? base : `${base}?${s}`;
}
