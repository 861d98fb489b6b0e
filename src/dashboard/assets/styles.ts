/** The dashboard's one stylesheet: system fonts, CSS variables, light and dark. */
export const STYLES = `
:root {
  --bg: #f6f7f9; --panel: #ffffff; --text: #1b1f24; --muted: #667085; --line: #e4e7ec; --soft: #f2f4f7;
  --accent: #3b5bdb; --accent-soft: #e8edff;
  --blue: #1d6fd8; --blue-bg: #e6f0fd; --green: #1a7f4b; --green-bg: #e3f5ea; --amber: #a15c00; --amber-bg: #fdf1dc;
  --red: #c0262d; --red-bg: #fde8e8; --gray: #555e6b; --gray-bg: #eef0f3;
  --mono: ui-monospace, SFMono-Regular, "JetBrains Mono", Menlo, Consolas, monospace;
  color-scheme: light;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0f1115; --panel: #171a21; --text: #e6e8ec; --muted: #8b93a1; --line: #262b35; --soft: #1d2129;
    --accent: #7c93ff; --accent-soft: #222a45;
    --blue: #6aa8ff; --blue-bg: #15263f; --green: #4cc38a; --green-bg: #12291e; --amber: #f0b452; --amber-bg: #33260f;
    --red: #ff6b6b; --red-bg: #3a1719; --gray: #a3abb8; --gray-bg: #232833;
    color-scheme: dark;
  }
}
* { box-sizing: border-box; }
html, body { margin: 0; }
body { background: var(--bg); color: var(--text); font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
header.top { position: sticky; top: 0; z-index: 5; display: flex; align-items: center; gap: 24px; padding: 0 28px; height: 52px;
  background: var(--panel); border-bottom: 1px solid var(--line); }
.brand { font-weight: 700; letter-spacing: -0.01em; color: var(--text); display: flex; align-items: center; gap: 8px; }
.brand .mark { width: 18px; height: 18px; border-radius: 5px; background: linear-gradient(135deg, var(--accent), #9b5de5); }
nav { display: flex; gap: 4px; }
nav a { color: var(--muted); padding: 6px 10px; border-radius: 6px; font-weight: 500; }
nav a:hover { background: var(--soft); text-decoration: none; color: var(--text); }
nav a.active { color: var(--text); background: var(--soft); }
.top .right { margin-left: auto; display: flex; align-items: center; gap: 12px; color: var(--muted); font-size: 12px; }
.live { display: inline-flex; align-items: center; gap: 6px; }
.live .dot { width: 8px; height: 8px; border-radius: 50%; background: var(--green); box-shadow: 0 0 0 3px var(--green-bg); }
.live.paused .dot, .live.error .dot { background: var(--amber); box-shadow: 0 0 0 3px var(--amber-bg); }
.badge { border: 1px solid var(--line); border-radius: 999px; padding: 2px 8px; font-family: var(--mono); font-size: 11px; }
.badge.read-only { color: var(--amber); background: var(--amber-bg); border-color: var(--amber); font-family: inherit; }
main { max-width: 1280px; margin: 0 auto; padding: 24px 28px 64px; }
h1 { font-size: 20px; margin: 0 0 4px; letter-spacing: -0.01em; display: flex; align-items: center; gap: 10px; flex-wrap: wrap; }
h2 { font-size: 13px; text-transform: uppercase; letter-spacing: 0.06em; color: var(--muted); margin: 0 0 12px; font-weight: 600; }
.sub { color: var(--muted); margin: 0 0 20px; }
.grid { display: grid; gap: 16px; }
.cards { grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); }
.two { grid-template-columns: 1fr 1fr; }
@media (max-width: 900px) { .two { grid-template-columns: 1fr; } }
.card { background: var(--panel); border: 1px solid var(--line); border-radius: 10px; padding: 16px 18px; min-width: 0; }
main > .card + .card, main > .grid + .card, main > .card + .grid, main > .grid + .grid, main > .toolbar + .card { margin-top: 16px; }
.stat .label { color: var(--muted); font-size: 12px; font-weight: 500; }
.stat .value { font-size: 26px; font-weight: 650; letter-spacing: -0.02em; font-variant-numeric: tabular-nums; margin-top: 2px; }
.stat .hint { color: var(--muted); font-size: 12px; }
.stat.warn .value { color: var(--red); }
table { width: 100%; border-collapse: collapse; font-variant-numeric: tabular-nums; }
th { text-align: left; font-weight: 600; color: var(--muted); font-size: 12px; padding: 8px 10px; border-bottom: 1px solid var(--line); white-space: nowrap; }
td { padding: 9px 10px; border-bottom: 1px solid var(--line); vertical-align: middle; }
tr:last-child td { border-bottom: 0; }
tbody tr:hover td { background: var(--soft); }
td.n, th.n { text-align: right; }
td.mono, .mono { font-family: var(--mono); font-size: 12px; }
tr.zombie td { background: var(--red-bg); }
tr.zombie:hover td { background: var(--red-bg); }
.muted { color: var(--muted); }
.zero { color: var(--muted); opacity: 0.6; }
.pill { display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 12px; font-weight: 600; line-height: 18px; white-space: nowrap; }
.pill.blue { color: var(--blue); background: var(--blue-bg); } .pill.green { color: var(--green); background: var(--green-bg); }
.pill.amber { color: var(--amber); background: var(--amber-bg); } .pill.red { color: var(--red); background: var(--red-bg); }
.pill.gray { color: var(--gray); background: var(--gray-bg); }
.tabs { display: flex; gap: 6px; flex-wrap: wrap; margin-bottom: 12px; align-items: center; }
.tabs a { padding: 4px 10px; border: 1px solid var(--line); border-radius: 999px; color: var(--muted); background: var(--panel); font-size: 13px; }
.tabs a.active { color: var(--accent); border-color: var(--accent); background: var(--accent-soft); }
.tabs a:hover { text-decoration: none; color: var(--text); }
.tabs .count { font-variant-numeric: tabular-nums; opacity: 0.8; margin-left: 4px; }
.toolbar { display: flex; align-items: center; gap: 12px; justify-content: space-between; flex-wrap: wrap; margin-bottom: 12px; }
button, .btn { font: inherit; font-size: 13px; font-weight: 500; padding: 5px 12px; border-radius: 6px; border: 1px solid var(--line);
  background: var(--panel); color: var(--text); cursor: pointer; }
button:hover { background: var(--soft); }
button.danger { color: var(--red); border-color: color-mix(in srgb, var(--red) 35%, var(--line)); }
button.danger:hover { background: var(--red-bg); }
button.primary { background: var(--accent); border-color: var(--accent); color: #fff; }
button.small { padding: 2px 8px; font-size: 12px; }
button.link { border: 0; background: none; color: var(--accent); padding: 0; font-family: var(--mono); font-size: 12px; text-align: left; }
button.link:hover { text-decoration: underline; background: none; }
form.inline { display: inline; margin: 0; }
.actions { display: flex; gap: 6px; justify-content: flex-end; }
input[type=search], input[type=password], select { font: inherit; font-size: 13px; padding: 5px 10px; border: 1px solid var(--line);
  border-radius: 6px; background: var(--panel); color: var(--text); }
input[type=search] { width: 260px; }
.pager { display: flex; gap: 8px; justify-content: flex-end; align-items: center; margin-top: 12px; color: var(--muted); font-size: 13px; }
.pager a, .pager span.off { padding: 4px 10px; border: 1px solid var(--line); border-radius: 6px; background: var(--panel); }
.pager span.off { opacity: 0.4; }
.chart { width: 100%; height: 140px; display: block; }
.chart .bar { fill: var(--accent); opacity: 0.85; }
.chart .bar:hover { opacity: 1; }
.chart .axis { fill: var(--muted); font-size: 10px; }
.chart .grid-line { stroke: var(--line); stroke-width: 1; }
.spark { width: 120px; height: 24px; display: block; }
.spark rect { fill: var(--accent); opacity: 0.7; }
.chart-head { display: flex; align-items: baseline; justify-content: space-between; }
.chart-head .big { font-size: 22px; font-weight: 650; font-variant-numeric: tabular-nums; }
.hbar { display: grid; grid-template-columns: 110px 1fr 60px; align-items: center; gap: 10px; padding: 4px 0; }
.hbar .track { height: 8px; border-radius: 4px; background: var(--soft); overflow: hidden; }
.hbar .fill { height: 100%; border-radius: 4px; }
.hbar .fill.blue { background: var(--blue); } .hbar .fill.green { background: var(--green); } .hbar .fill.amber { background: var(--amber); }
.hbar .fill.red { background: var(--red); } .hbar .fill.gray { background: var(--gray); }
.hbar .n { text-align: right; font-variant-numeric: tabular-nums; font-weight: 600; }
.kv { display: grid; grid-template-columns: repeat(auto-fit, minmax(170px, 1fr)); gap: 12px 20px; }
.kv div span { display: block; color: var(--muted); font-size: 12px; }
.kv div b { font-weight: 600; font-variant-numeric: tabular-nums; }
pre.json { margin: 0; padding: 12px 14px; background: var(--soft); border: 1px solid var(--line); border-radius: 8px; font: 12px/1.5 var(--mono);
  overflow: auto; max-height: 420px; white-space: pre-wrap; word-break: break-word; }
pre.json.error { background: var(--red-bg); border-color: color-mix(in srgb, var(--red) 30%, var(--line)); }
.io { display: grid; grid-template-columns: repeat(auto-fit, minmax(260px, 1fr)); gap: 12px; }
.io h3 { margin: 0 0 6px; font-size: 12px; color: var(--muted); font-weight: 600; }
.timeline { display: grid; gap: 0; }
.tl-axis { display: grid; grid-template-columns: 220px 1fr 150px; gap: 14px; font-size: 11px; color: var(--muted); padding: 0 0 6px; }
.tl-axis .ticks { display: flex; justify-content: space-between; }
.step { border-top: 1px solid var(--line); }
.step > summary { list-style: none; display: grid; grid-template-columns: 220px 1fr 150px; gap: 14px; align-items: center; padding: 10px 0; cursor: pointer; }
.step > summary::-webkit-details-marker { display: none; }
.step > summary:hover { background: var(--soft); }
.step .name { font-weight: 600; display: flex; gap: 8px; align-items: center; min-width: 0; }
.step .name code { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; font-family: var(--mono); font-size: 12.5px; }
.step .track { position: relative; height: 22px; background: var(--soft); border-radius: 5px; }
.step .seg { position: absolute; top: 4px; height: 14px; border-radius: 4px; min-width: 3px; }
.seg.green { background: var(--green); } .seg.red { background: var(--red); } .seg.blue { background: var(--blue); }
.seg.amber { background: var(--amber); } .seg.gray { background: var(--gray); }
.step .retry { position: absolute; top: 1px; width: 2px; height: 20px; background: var(--amber); }
.step .retry::after { content: "retry"; position: absolute; left: 4px; top: 3px; font-size: 10px; color: var(--amber); }
.step .meta { font-size: 12px; color: var(--muted); text-align: right; font-variant-numeric: tabular-nums; }
.step .body { padding: 4px 0 16px; }
.empty { color: var(--muted); text-align: center; padding: 28px 0; }
dialog { border: 1px solid var(--line); border-radius: 12px; padding: 20px 22px; background: var(--panel); color: var(--text);
  width: min(560px, 92vw); box-shadow: 0 20px 60px rgba(0,0,0,0.25); }
dialog.wide { width: min(900px, 94vw); }
dialog::backdrop { background: rgba(15, 17, 21, 0.45); }
dialog h3 { margin: 0 0 8px; font-size: 16px; }
dialog p { margin: 0 0 14px; color: var(--muted); }
dialog .buttons { display: flex; justify-content: flex-end; gap: 8px; margin-top: 16px; }
dialog label { display: block; font-size: 12px; color: var(--muted); margin-bottom: 4px; }
dialog input { width: 100%; }
.toast { position: fixed; right: 20px; bottom: 20px; z-index: 20; padding: 10px 14px; border-radius: 8px; background: var(--text); color: var(--bg);
  box-shadow: 0 10px 30px rgba(0,0,0,0.2); font-weight: 500; max-width: 420px; }
.toast.bad { background: var(--red); color: #fff; }
.toast a.toast-link { color: inherit; font-weight: 600; text-decoration: underline; }
.note { font-size: 12px; color: var(--muted); margin-top: 8px; }
.card.wait { display: flex; gap: 12px; align-items: center; background: var(--blue-bg); border-color: color-mix(in srgb, var(--blue) 30%, var(--line)); }
.card.wait .wait-dot { flex: none; width: 8px; height: 8px; border-radius: 50%; background: var(--blue); box-shadow: 0 0 0 3px color-mix(in srgb, var(--blue) 25%, transparent); }
h2 .count { font-variant-numeric: tabular-nums; opacity: 0.8; margin-left: 4px; }
form.send-message { display: grid; grid-template-columns: minmax(160px, 260px) 1fr auto; gap: 12px; align-items: end; }
form.send-message label { display: grid; gap: 4px; font-size: 12px; color: var(--muted); }
form.send-message input, form.send-message textarea { font: 12px/1.5 var(--mono); padding: 6px 10px; border: 1px solid var(--line);
  border-radius: 6px; background: var(--panel); color: var(--text); width: 100%; resize: vertical; }
form.queue-settings { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 12px; align-items: end; margin-top: 12px; }
form.queue-settings label { display: grid; gap: 4px; font-size: 12px; color: var(--muted); }
form.queue-settings input { font: 12px/1.5 var(--mono); padding: 6px 10px; border: 1px solid var(--line); border-radius: 6px;
  background: var(--panel); color: var(--text); width: 100%; }
.card.settings details { margin-top: 14px; }
form.send-message.enqueue { grid-template-columns: 1fr minmax(120px, 180px) auto; }
tr:target td { background: var(--blue-bg); }
.card.settings summary { cursor: pointer; color: var(--muted); font-size: 13px; }
.kv div b span { display: inline; font-weight: 400; font-size: 12px; }
td.error { max-width: 280px; color: var(--red); white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
/* Phones: the page never scrolls sideways; the nav and each wide table scroll within themselves instead. */
@media (max-width: 640px) {
  header.top { gap: 12px; padding: 0 12px; }
  nav { overflow-x: auto; min-width: 0; }
  nav a { padding: 6px 8px; white-space: nowrap; }
  .top .right { display: none; }
  main { padding: 16px 12px 48px; }
  h1 { overflow-wrap: anywhere; }
  .card { padding: 12px; }
  table { display: block; overflow-x: auto; }
  .step > summary, .tl-axis { grid-template-columns: minmax(0, 1.2fr) minmax(0, 1fr); gap: 8px; }
  .tl-axis > :nth-child(3) { display: none; }
  .step .meta { grid-column: 1 / -1; text-align: left; }
}
`;
