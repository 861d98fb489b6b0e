// @ts-check
// The dashboard's browser script (plain JS, no build step; embedded into client-script.generated.ts by
// `npm run embed` and served as /assets/app.js): live refresh of `<main>` by polling the page as a fragment (ETag, so
// unchanged pages cost no rendering in the browser), confirm dialogs for every action, and the payload viewer.
// Refresh pauses while a dialog is open or the tab is hidden. Type-checked by tsconfig.client.json: the casts below
// name what the page is known to contain (src/dashboard/pages/layout.ts), they convert nothing.

/**
 * The error of a message's last failed delivery, as `/api/messages/:id` returns it.
 * @typedef {{ attempt: number, failedAt: string, name: string, message: string, stack?: string }} LastError
 */

(() => {
  const body = document.body;
  const csrf = body.dataset.csrf;
  const period = Number(body.dataset.refreshMs || 2000);
  const live = document.querySelector(".live");
  const liveText = /** @type {Element} */ (live?.querySelector(".text"));
  /** @type {string | null} */
  let etag = null;
  let lastOk = Date.now(),
    busy = false,
    failed = false;

  function dialogOpen() {
    return document.querySelector("dialog[open]") !== null;
  }

  // A form marked data-keep-input (the run page's "send message") is not wiped by a refresh while it is being edited.
  function editing() {
    const fields = document.querySelectorAll("main form[data-keep-input] :is(input, textarea)");
    return [.../** @type {NodeListOf<HTMLInputElement | HTMLTextAreaElement>} */ (fields)].some(
      (f) => f === document.activeElement || f.value !== f.defaultValue,
    );
  }

  function openKeys() {
    const open = document.querySelectorAll("main details[open][data-key]");
    return new Set([.../** @type {NodeListOf<HTMLDetailsElement>} */ (open)].map((d) => d.dataset.key));
  }

  /**
   * Never rejects (a failure shows as "Reconnecting…"), so callers need not wait for it.
   * @param {boolean} force
   */
  async function refresh(force) {
    if (busy || (!force && (document.hidden || dialogOpen() || editing()))) return;
    busy = true;
    try {
      /** @type {Record<string, string>} */
      const headers = { "x-pgqrs-fragment": "1" };
      if (etag && !force) headers["if-none-match"] = etag;
      const res = await fetch(location.href, { headers, cache: "no-store" });
      if (res.status === 200) {
        const keep = openKeys();
        etag = res.headers.get("etag");
        const main = /** @type {HTMLElement} */ (document.querySelector("main"));
        main.innerHTML = await res.text();
        for (const d of main.querySelectorAll("details[data-key]")) {
          const details = /** @type {HTMLDetailsElement} */ (d);
          if (keep.has(details.dataset.key)) details.open = true;
        }
      }
      if (res.status === 401) {
        location.reload();
        return;
      }
      if (res.status === 200 || res.status === 304) {
        lastOk = Date.now();
        failed = false;
      } else failed = true;
    } catch {
      failed = true;
    }
    busy = false;
    tick();
  }

  function tick() {
    if (!live) return;
    const s = Math.round((Date.now() - lastOk) / 1000);
    live.classList.toggle("error", failed);
    live.classList.toggle("paused", !failed && document.hidden);
    liveText.textContent = failed ? "Reconnecting…" : s < 2 ? "Live" : "Live · " + s + " s ago";
  }

  setInterval(() => refresh(false), period);
  setInterval(tick, 1000);
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden) void refresh(false);
  });

  /**
   * @param {string} text
   * @param {boolean} ok
   * @param {string} [href] a page of this dashboard the outcome is on (a fork's new run), linked from the toast,
   *   which then stays longer.
   */
  function toast(text, ok, href) {
    const t = document.createElement("div");
    t.className = "toast" + (ok ? "" : " bad");
    t.setAttribute("role", "status");
    t.textContent = text;
    if (typeof href === "string" && href.startsWith("/") && !href.startsWith("//")) {
      const a = document.createElement("a");
      a.href = href;
      a.className = "toast-link";
      a.textContent = "Open it";
      t.append(" ", a);
    }
    document.body.appendChild(t);
    setTimeout(() => t.remove(), href ? 15000 : 4000);
  }

  const confirmDialog = /** @type {HTMLDialogElement} */ (document.getElementById("confirm"));
  /** @type {HTMLFormElement | null} */
  let pending = null;

  document.addEventListener("submit", (e) => {
    const form = e.target;
    if (!(form instanceof HTMLFormElement) || !form.dataset.confirm) return;
    e.preventDefault();
    pending = form;
    /** @type {HTMLElement} */ (confirmDialog.querySelector("h3")).textContent = form.dataset.title || "Are you sure?";
    /** @type {HTMLElement} */ (confirmDialog.querySelector("p")).textContent = form.dataset.confirm;
    const ok = /** @type {HTMLButtonElement} */ (confirmDialog.querySelector("button[value=ok]"));
    ok.textContent = form.dataset.verb || "Confirm";
    ok.className = form.dataset.danger ? "danger" : "primary";
    confirmDialog.showModal();
  });

  confirmDialog.addEventListener("close", async () => {
    const form = pending;
    pending = null;
    if (!form || confirmDialog.returnValue !== "ok") return;
    const headers = {
      "x-pgqrs-csrf": /** @type {string} */ (csrf),
      "content-type": "application/x-www-form-urlencoded",
      accept: "application/json",
    };
    try {
      const res = await fetch(form.action, { method: "POST", headers, body: formBody(form) });
      const out = await res.json().catch(() => ({ ok: false, message: "HTTP " + res.status }));
      if (res.status === 401) {
        location.reload();
        return;
      }
      toast(out.message, out.ok, out.ok ? out.location : undefined);
      // A refused form keeps what was typed (to fix it); the refresh comes when it is no longer edited.
      if (!out.ok && form.dataset.keepInput) return;
    } catch (err) {
      toast("Request failed: " + err, false);
      if (form.dataset.keepInput) return;
    }
    void refresh(true);
  });

  /**
   * The form's fields, URL-encoded.
   * @param {HTMLFormElement} form
   */
  function formBody(form) {
    // FormData is a valid init (file fields become their name); TypeScript's DOM types leave it out.
    return new URLSearchParams(/** @type {Record<string, string>} */ (/** @type {unknown} */ (new FormData(form))));
  }

  /**
   * The error of the message's last failed delivery, under its payload in the viewer (as text: never markup).
   * @param {LastError | null | undefined} e
   */
  function lastError(e) {
    if (!e) return "";
    return (
      "\n\nLast error (attempt " +
      e.attempt +
      ", failed at " +
      e.failedAt +
      "):\n" +
      e.name +
      ": " +
      e.message +
      (e.stack ? "\n" + e.stack : "")
    );
  }

  const viewer = /** @type {HTMLDialogElement} */ (document.getElementById("viewer"));
  document.addEventListener("click", async (e) => {
    const btn = /** @type {HTMLElement | null} */ (/** @type {Element} */ (e.target).closest("[data-payload]"));
    if (!btn) return;
    /** @type {HTMLElement} */ (viewer.querySelector("h3")).textContent = "Message " + btn.dataset.payload;
    const pre = /** @type {HTMLElement} */ (viewer.querySelector("pre"));
    pre.textContent = "Loading…";
    viewer.showModal();
    try {
      const res = await fetch("/api/messages/" + encodeURIComponent(/** @type {string} */ (btn.dataset.payload)));
      const m = await res.json();
      pre.textContent = res.ok ? JSON.stringify(m.payload, null, 2) + lastError(m.lastError) : m.message;
    } catch (err) {
      pre.textContent = String(err);
    }
  });
})();
