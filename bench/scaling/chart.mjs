/** Small SVG line charts for the scaling curves, in the style of bench/lib/report.mjs's bar chart. */

const COLORS = ["#2563eb", "#16a34a", "#d97706", "#9333ea", "#6b7280"];

const fmt = (v) => {
  if (v >= 1e6) return `${+(v / 1e6).toFixed(1)}M`;
  if (v >= 1e3) return `${+(v / 1e3).toFixed(1)}k`;
  return `${+v.toFixed(1)}`;
};

function escapeXml(s) {
  return String(s).replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

/** Ticks for a linear axis from 0 to at least max: about five round steps. */
function linearTicks(max) {
  const raw = max > 0 ? max / 5 : 1;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out = [];
  for (let v = 0; v < max + step - 1e-9; v += step) out.push(v);
  return out;
}

/**
 * series: [{ name, points: [[x, y], …], dashed? }]. `logX`: a base-10 x axis (values > 0). The y axis starts at 0,
 * so a flat line reads as flat and a drop reads as a fraction of the whole.
 */
export function lineChart({ title, xLabel, yLabel, series, logX = false, xTicks }) {
  const width = 640;
  const height = 300;
  const left = 64;
  const right = 150;
  const top = 36;
  const bottom = 44;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const all = series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  if (all.length === 0) return undefined;
  const tx = (x) => (logX ? Math.log10(x) : x);
  const xs = all.map(([x]) => tx(x));
  const x0 = Math.min(...xs);
  const x1 = Math.max(...xs) === x0 ? x0 + 1 : Math.max(...xs);
  const yTicks = linearTicks(Math.max(...all.map(([, y]) => y)) * 1.05);
  const yMax = yTicks.at(-1);
  const px = (x) => left + ((tx(x) - x0) / (x1 - x0)) * plotW;
  const py = (y) => top + plotH - (y / yMax) * plotH;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="20" font-size="14" font-weight="bold">${escapeXml(title)}</text>`,
    `<line x1="${left}" y1="${top + plotH}" x2="${left + plotW}" y2="${top + plotH}" stroke="#111"/>`,
    `<line x1="${left}" y1="${top}" x2="${left}" y2="${top + plotH}" stroke="#111"/>`,
  ];
  for (const v of yTicks) {
    parts.push(`<line x1="${left}" y1="${py(v)}" x2="${left + plotW}" y2="${py(v)}" stroke="#e5e7eb"/>`);
    parts.push(`<text x="${left - 4}" y="${py(v) + 4}" text-anchor="end">${fmt(v)}</text>`);
  }
  const ticks = xTicks ?? (logX ? [...new Set(all.map(([x]) => x))] : linearTicks(Math.max(...all.map(([x]) => x))));
  for (const v of ticks.filter((t) => tx(t) >= x0 - 1e-9 && tx(t) <= x1 + 1e-9)) {
    parts.push(`<text x="${px(v)}" y="${top + plotH + 14}" text-anchor="middle">${fmt(v)}</text>`);
  }
  parts.push(
    `<text x="${left + plotW / 2}" y="${height - 8}" text-anchor="middle">${escapeXml(xLabel)}</text>`,
    `<text x="14" y="${top + plotH / 2}" transform="rotate(-90 14 ${top + plotH / 2})" text-anchor="middle">${escapeXml(yLabel)}</text>`,
  );
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length];
    const pts = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)).sort((a, b) => a[0] - b[0]);
    const d = pts.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(" ");
    const dash = s.dashed ? ` stroke-dasharray="5 4"` : "";
    parts.push(`<polyline points="${d}" fill="none" stroke="${color}" stroke-width="2"${dash}/>`);
    if (pts.length <= 12) {
      for (const [x, y] of pts) parts.push(`<circle cx="${px(x)}" cy="${py(y)}" r="3" fill="${color}"/>`);
    }
    const ly = top + 10 + i * 16;
    parts.push(`<rect x="${left + plotW + 12}" y="${ly - 8}" width="10" height="10" fill="${color}"/>`);
    parts.push(`<text x="${left + plotW + 26}" y="${ly + 1}">${escapeXml(s.name)}</text>`);
  });
  parts.push("</svg>");
  return parts.join("\n");
}
