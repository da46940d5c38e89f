"""The report page's stylesheet (inlined into the page; no fonts or images are fetched)."""

CSS = """
:root { --fg:#1d2430; --muted:#667085; --line:#e3e7ee; --bg:#f6f7f9; --card:#fff;
  --clean:#4f7fb0; --partial:#c98a00; --contaminated:#c8372d; }
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); color:var(--fg); font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif; }
main { max-width:1240px; margin:0 auto; padding:24px 28px 48px; }
h1 { font-size:24px; margin:0 0 6px; }
h2 { font-size:19px; margin:0 0 12px; padding-bottom:6px; border-bottom:1px solid var(--line); }
h3 { font-size:15px; margin:18px 0 8px; }
h2 small, h3 small { font-weight:400; color:var(--muted); font-size:13px; }
a { color:#2a5db0; text-decoration:none; } a:hover { text-decoration:underline; }
section, header.top { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:16px 20px; margin:0 0 18px; }
.meta { margin:2px 0; color:var(--muted); font-size:13px; }
nav { margin-top:8px; font-size:13px; }
.hint, .muted, .none { color:var(--muted); font-size:12.5px; }
.scroll { overflow-x:auto; }
table { border-collapse:collapse; width:100%; font-size:13px; }
th, td { text-align:left; padding:6px 8px; border-bottom:1px solid var(--line); vertical-align:top; }
th { background:#f1f3f7; font-weight:600; }
th small { font-weight:400; color:var(--muted); }
td small { color:var(--muted); }
.num { text-align:right; font-variant-numeric:tabular-nums; }
table.summary td.num { white-space:nowrap; }
.legend { font-size:12px; color:var(--muted); margin:4px 0 6px; } .legend mark { padding:0 4px; margin:0 2px; }
.cnt { color:var(--muted); }
.na { color:#aab; }
td.v-contaminated b { color:var(--contaminated); } td.v-partial b { color:var(--partial); }
.bar { display:flex; width:160px; height:12px; border-radius:3px; overflow:hidden; background:#eee; margin-top:3px; }
.seg { display:block; height:100%; flex-shrink:1; }
.seg.v-clean { background:#b9cde3; } .seg.v-partial { background:#f2b447; } .seg.v-contaminated { background:#d9534f; }
details { margin-top:10px; font-size:13px; } pre.settings { background:#f6f7f9; padding:8px; border-radius:6px; font-size:12px; }
.charts { display:flex; flex-wrap:wrap; gap:16px; align-items:flex-start; margin:4px 0 8px; }
.charts svg { background:#fff; border:1px solid var(--line); border-radius:6px; }
table.flagged td.src, .src { font-family:ui-monospace,"DejaVu Sans Mono",Menlo,monospace; font-size:12px; color:#444; }
.badge { display:inline-block; padding:1px 7px; border-radius:10px; font-size:11.5px; font-weight:600; color:#fff; }
.badge.v-contaminated { background:var(--contaminated); } .badge.v-partial { background:var(--partial); } .badge.v-clean { background:var(--clean); }
td.v-contaminated { color:var(--contaminated); font-weight:600; } td.v-partial { color:var(--partial); font-weight:600; }
article.item { border:1px solid var(--line); border-left:4px solid var(--partial); border-radius:6px; margin:14px 0; padding:10px 12px; }
article.item.v-contaminated { border-left-color:var(--contaminated); }
article.item .head { margin-bottom:8px; }
.fact { display:inline-block; margin-left:10px; font-size:12.5px; color:var(--muted); }
.fact.v-contaminated { color:var(--contaminated); } .fact.v-partial { color:var(--partial); }
.pair { display:grid; grid-template-columns:1fr 1fr; gap:12px; }
.docs { display:flex; flex-direction:column; gap:10px; min-width:0; }
.side { min-width:0; }
.label { font-size:12px; color:var(--muted); margin-bottom:3px; }
pre.text { margin:0; padding:8px 10px; background:#fafbfc; border:1px solid var(--line); border-radius:5px; white-space:pre-wrap;
  overflow-wrap:anywhere; font:12.5px/1.5 ui-monospace,"DejaVu Sans Mono",Menlo,Consolas,monospace; max-height:340px; overflow-y:auto; }
mark { color:inherit; border-radius:2px; }
mark.hl-shared { background:#cfe3fb; }
mark.hl-cover, mark.hl-cover.hl-shared { background:#fde9a9; }
mark.hl-match, mark.hl-match.hl-cover, mark.hl-match.hl-shared, mark.hl-match.hl-cover.hl-shared {
  background:#f7b267; box-shadow:inset 0 -2px 0 #d9822b; }
.cut { color:var(--muted); }
.omitted { margin-top:12px; padding:8px 12px; background:#fff8e6; border:1px solid #f3dfa8; border-radius:6px; font-size:13px; }
table.mia { width:auto; }
table.calibration { width:auto; } table.calibration td.num { min-width:120px; }
td.r-good b { color:#2e7d32; } td.r-mid b { color:var(--partial); } td.r-low b { color:var(--contaminated); }
footer { color:var(--muted); font-size:12px; margin-top:8px; }
footer mark { padding:0 3px; }
tr:target, article:target { outline:2px solid #2a5db0; }
@media (max-width: 900px) { .pair { grid-template-columns:1fr; } }
"""
