/** The table (terminal and Markdown), the floors check, the SVG chart and docs/benchmarks.md. */

const fmt = (v, unit) => {
  if (v === null || v === undefined) return "—";
  if (unit === "ms") return v < 10 ? v.toFixed(2) : v.toFixed(1);
  return v >= 100 ? Math.round(v).toLocaleString("en-US") : v.toFixed(1);
};

/** pgqrs's advantage over another system: > 1 means pgqrs is better (faster, or lower latency). */
export function advantage(figure, subject, other) {
  const a = figure.values[subject]?.median;
  const b = figure.values[other]?.median;
  if (a === null || a === undefined || b === null || b === undefined || a === 0 || b === 0) return null;
  return figure.higherIsBetter ? a / b : b / a;
}

export function tableRows(figures, systems, comparisons) {
  const header = ["figure", ...systems, ...comparisons.map(([s, o]) => `${s} vs ${o}`)];
  const rows = figures.map((f) => [
    `${f.label} (${f.unit})`,
    ...systems.map((s) => {
      const v = f.values[s];
      if (v === undefined) return "";
      return fmt(v.median, f.unit) + (v.capped ? "*" : "");
    }),
    ...comparisons.map(([s, o]) => {
      const r = advantage(f, s, o);
      return r === null ? "" : `${r.toFixed(2)}x`;
    }),
  ]);
  return { header, rows };
}

export function terminalTable({ header, rows }) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) =>
    cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join("  ");
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

export function markdownTable({ header, rows }) {
  const esc = (c) => String(c).replaceAll("|", "\\|");
  return [
    `| ${header.map(esc).join(" | ")} |`,
    `|${header.map((_, i) => (i === 0 ? "---" : "---:")).join("|")}|`,
    ...rows.map((r) => `| ${r.map(esc).join(" | ")} |`),
  ].join("\n");
}

/** Grouped horizontal bars: each figure's value relative to the raw baseline (1.0 = raw). */
export function svgChart(figures, systems, baseline, title) {
  const colors = ["#2563eb", "#6b7280", "#16a34a", "#d97706", "#9333ea", "#dc2626"];
  const shown = figures.filter((f) => f.values[baseline]?.median);
  const others = systems.filter((s) => s !== baseline);
  const barH = 12;
  const groupH = others.length * barH + 14;
  const left = 190;
  const width = 760;
  const plotW = width - left - 80;
  const ratios = shown.flatMap((f) => others.map((s) => ratioTo(f, s, baseline) ?? 0));
  const max = Math.max(1.2, ...ratios);
  const height = 60 + shown.length * groupH + 30;
  const x = (v) => left + (Math.min(v, max) / max) * plotW;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="20" font-size="14" font-weight="bold">${escapeXml(title)}</text>`,
  ];
  others.forEach((s, i) => {
    parts.push(`<rect x="${10 + i * 150}" y="30" width="10" height="10" fill="${colors[i % colors.length]}"/>`);
    parts.push(`<text x="${24 + i * 150}" y="39">${escapeXml(s)}</text>`);
  });
  const top = 55;
  parts.push(
    `<line x1="${x(1)}" y1="${top - 5}" x2="${x(1)}" y2="${height - 25}" stroke="#111" stroke-dasharray="4 3"/>`,
  );
  parts.push(`<text x="${x(1) + 3}" y="${height - 12}">1.0 = ${escapeXml(baseline)}</text>`);
  shown.forEach((f, gi) => {
    const y0 = top + gi * groupH;
    parts.push(`<text x="${left - 6}" y="${y0 + groupH / 2}" text-anchor="end">${escapeXml(f.label)}</text>`);
    others.forEach((s, i) => {
      const r = ratioTo(f, s, baseline);
      if (r === null) return;
      const y = y0 + i * barH;
      parts.push(
        `<rect x="${left}" y="${y}" width="${Math.max(1, x(r) - left)}" height="${barH - 2}" fill="${colors[i % colors.length]}"/>`,
      );
      parts.push(`<text x="${x(r) + 4}" y="${y + barH - 3}">${r.toFixed(2)}</text>`);
    });
  });
  parts.push("</svg>");
  return parts.join("\n");
}

/** Another system's figure as a multiple of the baseline's, oriented so that > 1 is better. */
function ratioTo(figure, system, baseline) {
  const a = figure.values[system]?.median;
  const b = figure.values[baseline]?.median;
  if (!a || !b) return null;
  return figure.higherIsBetter ? a / b : b / a;
}

function escapeXml(s) {
  return String(s).replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}
