/**
 * The login page: the only page served without the token when one is set. It carries no page secret and no data;
 * its stylesheet is inline because the stylesheet route needs the session too.
 */
import { STYLES } from "../assets/styles.js";
import { type Html, html, raw } from "../html.js";

export function loginPage(p: { next: string; failed: boolean }): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in · pgqrs</title>
<link rel="icon" href="data:,">
<style>${raw(STYLES)}
.login { max-width: 380px; margin: 12vh auto; }
.login input[type=password] { width: 100%; margin: 8px 0 12px; }
</style>
</head>
<body>
<main class="login">
  <div class="card">
    <h1><span class="brand"><span class="mark"></span>pgqrs</span></h1>
    <p class="sub">This dashboard needs its token (the value of PGQRS_DASHBOARD_TOKEN where it was started).</p>
    ${p.failed ? html`<p class="bad" role="alert" data-testid="login-failed">That token is not right.</p>` : ""}
    <form method="post" action="/login">
      <label for="token">Dashboard token</label>
      <input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
      <input type="hidden" name="next" value="${p.next}">
      <button type="submit" class="primary">Sign in</button>
    </form>
  </div>
</main>
</body>
</html>`;
}

/**
 * Where to go after signing in: a path of this server only (never `//host` or a full URL). Any control character
 * or backslash sends to `/`: browsers drop tabs and newlines from a URL and read a backslash as `/`, so
 * `/\t/evil.example` would become `//evil.example`.
 */
export function safeNext(next: string | null | undefined): string {
  if (next === null || next === undefined || !next.startsWith("/") || next.startsWith("//")) return "/";
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this refuses.
  if (next.startsWith("/login") || /[\u0000-\u001f\u007f\\]/.test(next)) return "/";
  return next.slice(0, 2_000);
}
