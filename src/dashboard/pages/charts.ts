/** Inline SVG charts: no library, rendered on the server. */
import { num } from "../format.js";
import { type Html, html, raw } from "../html.js";
import type { ThroughputSeries } from "../throughput.js";

/** Completed messages per minute over the last hour, with a light grid and time labels. */
export function throughputChart(s: ThroughputSeries): Html {
  const w = 720;
  const h = 140;
  const top = 8;
  const bottom = 18;
  const left = 34;
  const max = niceMax(Math.max(...s.counts, 1));
  const bw = (w - left) / s.counts.length;
  const y = (v: number) => top + (h - top - bottom) * (1 - v / max);
  const bars = s.counts.map((c, i) => {
    const minute = new Date(s.from.getTime() + i * 60_000);
    const label = `${minute.toISOString().slice(11, 16)} UTC: ${num(c)} completed`;
    return c === 0
      ? ""
      : html`<rect class="bar" x="${(left + i * bw + 1).toFixed(1)}" y="${y(c).toFixed(1)}" width="${Math.max(bw - 2, 1).toFixed(1)}"
          height="${(h - bottom - y(c)).toFixed(1)}" rx="1.5"><title>${label}</title></rect>`;
  });
  const grid = [0, 0.5, 1].map((f) => {
    const v = max * f;
    return html`<line class="grid-line" x1="${left}" x2="${w}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}"></line>
      <text class="axis" x="${left - 6}" y="${(y(v) + 3).toFixed(1)}" text-anchor="end">${num(Math.round(v))}</text>`;
  });
  const xs = [
    [left, "60 min ago", "start"],
    [left + (w - left) / 2, "30 min ago", "middle"],
    [w, "now", "end"],
  ] as const;
  const labels = xs.map(([x, t, a]) => html`<text class="axis" x="${x}" y="${h - 4}" text-anchor="${a}">${t}</text>`);
  return html`<svg class="chart" viewBox="0 0 ${w} ${h}" preserveAspectRatio="none" role="img"
    aria-label="Completed messages per minute, last hour">${grid}${bars}${labels}</svg>`;
}

/** A 60-bar sparkline for a table row. */
export function sparkline(counts: readonly number[]): Html {
  const max = Math.max(...counts, 1);
  const w = 120;
  const h = 24;
  const bw = w / counts.length;
  const bars = counts.map((c, i) =>
    c === 0
      ? ""
      : raw(
          `<rect x="${(i * bw).toFixed(2)}" y="${(h - (h * c) / max).toFixed(2)}" width="${Math.max(bw - 0.6, 0.8).toFixed(2)}" height="${((h * c) / max).toFixed(2)}"></rect>`,
        ),
  );
  return html`<svg class="spark" viewBox="0 0 ${w} ${h}" preserveAspectRatio="none" aria-hidden="true">${bars}</svg>`;
}

/** Horizontal bars for counts by status. */
export function statusBars(
  rows: readonly { label: Html | string; value: number; tone: string; href?: string; id: string }[],
): Html {
  const max = Math.max(...rows.map((r) => r.value), 1);
  return html`${rows.map(
    (r) => html`<div class="hbar">
      <div>${r.href === undefined ? r.label : html`<a href="${r.href}">${r.label}</a>`}</div>
      <div class="track"><div class="fill ${r.tone}" style="width:${((100 * r.value) / max).toFixed(1)}%"></div></div>
      <div class="n ${r.value === 0 ? "zero" : ""}" data-testid="${r.id}">${num(r.value)}</div>
    </div>`,
  )}`;
}

function niceMax(v: number): number {
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}
