// The public page's stylesheet, served as /p/public.css (an external file: the CSP allows no inline style).
// Mobile first (one column at 390 px, a grid of stats from 640 px), light and dark by prefers-color-scheme, every
// text colour ≥ 4.5:1 on its background (muted #57606a on #fff is 6.4:1; #9198a1 on #0d1117 is 6.5:1; state and link colours ≥ 4.87:1).
export const PUBLIC_CSS = `:root {
  color-scheme: light dark;
  --bg: #ffffff;
  --fg: #1f2328;
  --muted: #57606a;
  --line: #d0d7de;
  --card: #f6f8fa;
  --accent: #0969da;
  --val: #cf222e;
  --ok: #1a7f37;
  --warn: #9a6700;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0d1117;
    --fg: #e6edf3;
    --muted: #9198a1;
    --line: #30363d;
    --card: #161b22;
    --accent: #4493f8;
    --val: #ff7b72;
    --ok: #3fb950;
    --warn: #d29922;
  }
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0;
  background: var(--bg);
  color: var(--fg);
  font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
}
main, footer { max-width: 60rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.6rem; line-height: 1.25; margin: 0.25rem 0; overflow-wrap: anywhere; }
h2 { font-size: 1.1rem; margin: 0 0 0.5rem; }
section { margin: 1.5rem 0; }
a { color: var(--accent); }
a:focus-visible { outline: 2px solid var(--accent); outline-offset: 2px; }
.description { color: var(--muted); margin: 0; overflow-wrap: anywhere; }
.state {
  display: inline-block;
  margin: 0;
  padding: 0.1rem 0.6rem;
  border: 1px solid currentColor;
  border-radius: 1rem;
  font-size: 0.875rem;
  font-weight: 600;
  color: var(--muted);
}
.state-training, .state-finished { color: var(--ok); }
.state-stalled, .state-restarting { color: var(--warn); }
progress {
  -webkit-appearance: none;
  appearance: none;
  display: block;
  width: 100%;
  height: 1rem;
  border: 1px solid var(--line);
  border-radius: 0.5rem;
  background: var(--card);
  overflow: hidden;
  color: var(--accent);
}
progress::-webkit-progress-bar { background: var(--card); }
progress::-webkit-progress-value { background: var(--accent); }
progress::-moz-progress-bar { background: var(--accent); }
.progress p { margin: 0.5rem 0 0; }
.percent { font-size: 1.25rem; }
.stats {
  display: grid;
  grid-template-columns: repeat(auto-fill, minmax(10.5rem, 1fr));
  gap: 0.75rem;
  margin: 1.5rem 0;
}
.stat { background: var(--card); border: 1px solid var(--line); border-radius: 0.5rem; padding: 0.6rem 0.8rem; }
.stat dt { color: var(--muted); font-size: 0.875rem; }
.stat dd { margin: 0; font-size: 1.2rem; font-weight: 600; font-variant-numeric: tabular-nums; }
.stat small { display: block; color: var(--muted); font-size: 0.8rem; font-weight: 400; }
figure { margin: 0; }
.loss-chart { display: block; width: 100%; max-width: 42rem; height: auto; }
.loss-chart .train { stroke: var(--accent); }
.loss-chart .val { fill: var(--val); }
.loss-chart .grid { stroke: var(--line); }
.loss-chart .axis { stroke: var(--muted); }
.loss-chart .tick { fill: var(--muted); }
figcaption { color: var(--muted); font-size: 0.875rem; }
.key::before { content: ""; display: inline-block; width: 0.9rem; height: 0.2rem; margin-right: 0.3rem; vertical-align: middle; }
.key-train::before { background: var(--accent); }
.key-val::before { width: 0.5rem; height: 0.5rem; border-radius: 50%; background: var(--val); }
.words { display: block; }
.timeline ol { list-style: none; margin: 0; padding: 0; }
.event { padding: 0.4rem 0; border-bottom: 1px solid var(--line); overflow-wrap: anywhere; }
.event time { display: block; color: var(--muted); font-size: 0.8rem; }
.event-hardware_failure span, .event-software_failure span, .event-hang span { color: var(--fg); font-weight: 600; }
.updated, footer { color: var(--muted); font-size: 0.875rem; }
footer code { overflow-wrap: anywhere; font-size: 0.8rem; }
@media (min-width: 40rem) {
  h1 { font-size: 2rem; }
  main, footer { padding: 1.5rem; }
}
@media (prefers-reduced-motion: reduce) { * { transition: none !important; animation: none !important; } }
`;
