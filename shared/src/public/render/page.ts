// The public progress page as HTML. renderPublicMain is the live part (the inner HTML of <main id="public-root">):
// pure and browser-safe, so the page's script re-renders it with this very function on each live snapshot.
// renderPublicPage wraps it in the whole document the server sends, readable with no JavaScript. Every text is
// escaped; no inline script or style (the CSP forbids both), so the progress bar is a <progress> element.
import { PUBLIC_ROOT_ID, PUBLIC_SLUG_ATTRIBUTE, publicSnapshotPath } from '../paths.js';
import type { PublicSnapshot, PublicTimelineEntry } from '../snapshot.js';
import { esc } from './escape.js';
import { renderLossChart } from './lossChart.js';
import { PUBLIC_CSS_PATH, publicBadgePath, publicWidgetPath } from './urls.js';
import {
  formatCount,
  formatDuration,
  formatPercent,
  formatRate,
  formatUtc,
  formatValue,
  STATE_WORDS,
  summaryLine,
} from './words.js';

export interface PublicMainOptions {
  /** Now (ms): adds "(5m ago)" to the update time. The server omits it (its render is shared and cached). */
  now?: number;
}

export interface PublicPageOptions {
  /** Absolute URL of this page (og:url, canonical link). */
  canonicalUrl: string;
  /** Absolute URL of the loss PNG (og:image). */
  imageUrl: string;
  /** The page's script (PUBLIC_SCRIPT_PATH). */
  scriptPath: string;
}

/** 1,234,567 */
export const grouped = (n: number): string => String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');

const time = (iso: string | null): string =>
  iso === null ? '—' : `<time datetime="${esc(iso)}">${esc(formatUtc(iso))}</time>`;

function stat(label: string, value: string, note = ''): string {
  return `<div class="stat"><dt>${esc(label)}</dt><dd>${value}${note ? ` <small>${note}</small>` : ''}</dd></div>`;
}

function progressSection(s: PublicSnapshot): string {
  const p = s.progress;
  const percent = formatPercent(p.fraction);
  const bar =
    p.fraction === null
      ? '<progress aria-labelledby="progress-h"></progress>'
      : `<progress max="1" value="${p.fraction}" aria-labelledby="progress-h">${esc(percent)}</progress>`;
  const target = p.tokenTarget !== null ? `of ${esc(formatCount(p.tokenTarget))} tokens` : 'of the target';
  const iterations =
    p.iteration === null
      ? ''
      : ` · iteration ${grouped(p.iteration)}${p.iterationTarget !== null ? ` of ${grouped(p.iterationTarget)}` : ''}`;
  return (
    `<section class="progress"><h2 id="progress-h">Progress</h2>${bar}` +
    `<p><strong class="percent">${esc(percent)}</strong> ${target}${iterations}</p></section>`
  );
}

function statsList(s: PublicSnapshot): string {
  const { progress: p, validation: v, throughput: t, time: tm } = s;
  const perplexity = (x: number | null | undefined) => (x == null ? '' : `perplexity ${esc(formatValue(x))}`);
  return (
    '<dl class="stats">' +
    stat(
      'Tokens seen',
      esc(formatCount(p.tokensSeen)),
      p.tokenTarget !== null ? `of ${esc(formatCount(p.tokenTarget))}` : '',
    ) +
    stat('Expected finish', time(p.etaAt)) +
    stat('Validation loss', esc(formatValue(v.current?.loss ?? null)), perplexity(v.current?.perplexity)) +
    stat(
      'Best validation loss',
      esc(formatValue(v.best?.loss ?? null)),
      v.best ? `at iteration ${grouped(v.best.iteration)}` : '',
    ) +
    stat(
      'Throughput',
      esc(formatRate(t.tokensPerSecond)),
      t.tflopsPerGpu === null ? '' : `${esc(formatValue(t.tflopsPerGpu))} TFLOPS per GPU`,
    ) +
    stat(
      'Time trained',
      esc(formatDuration(tm.trainedSeconds * 1000)),
      tm.startedAt ? `since ${time(tm.startedAt)}` : '',
    ) +
    stat('Uptime', esc(formatPercent(tm.uptime))) +
    '</dl>'
  );
}

function chartSection(s: PublicSnapshot): string {
  const chart = renderLossChart(s, { width: 420, height: 240, maxPoints: 200, fontSize: 13 });
  const last = s.loss.train.at(-1);
  const words = last
    ? `Train loss ${esc(formatValue(last[1]))} at iteration ${grouped(last[0])}; ${s.loss.validation.length} validation points.`
    : 'No loss reported yet.';
  return (
    `<section class="chart"><h2>Loss</h2><figure>${chart}<figcaption>` +
    `<span class="key key-train">train loss</span> <span class="key key-val">validation loss</span> ` +
    `<span class="words">${words}</span></figcaption></figure></section>`
  );
}

function timelineItem(e: PublicTimelineEntry): string {
  return `<li class="event event-${esc(e.kind)}">${time(e.at)} <span>${esc(e.text)}</span></li>`;
}

function timelineSection(s: PublicSnapshot): string {
  const items = [...s.timeline].reverse().map(timelineItem).join('');
  return `<section class="timeline"><h2>Timeline</h2>${items ? `<ol reversed>${items}</ol>` : '<p>Nothing yet.</p>'}</section>`;
}

function updated(s: PublicSnapshot, now: number | undefined): string {
  if (s.updatedAt === null) return '<p class="updated">No data yet.</p>';
  const ago = now === undefined ? '' : ` (${esc(formatDuration(Math.max(0, now - Date.parse(s.updatedAt))))} ago)`;
  return `<p class="updated">Last updated ${time(s.updatedAt)}${ago}</p>`;
}

/** The inner HTML of <main id="public-root">: everything that changes with the snapshot. */
export function renderPublicMain(s: PublicSnapshot, o: PublicMainOptions = {}): string {
  const description = s.description ? `<p class="description">${esc(s.description)}</p>` : '';
  return (
    `<header class="hero"><p class="state state-${esc(s.state)}">${esc(STATE_WORDS[s.state])}</p>` +
    `<h1>${esc(s.title)}</h1>${description}</header>` +
    progressSection(s) +
    statsList(s) +
    chartSection(s) +
    timelineSection(s) +
    updated(s, o.now)
  );
}

function metaTags(s: PublicSnapshot, o: PublicPageOptions): string {
  const title = esc(s.title);
  const description = esc(s.description ? `${summaryLine(s)}. ${s.description}` : summaryLine(s));
  const prop = (name: string, content: string) => `<meta property="${name}" content="${content}">`;
  const named = (name: string, content: string) => `<meta name="${name}" content="${content}">`;
  return [
    named('description', description),
    `<link rel="canonical" href="${esc(o.canonicalUrl)}">`,
    prop('og:type', 'website'),
    prop('og:title', title),
    prop('og:description', description),
    prop('og:url', esc(o.canonicalUrl)),
    prop('og:image', esc(o.imageUrl)),
    prop('og:image:type', 'image/png'),
    prop('og:image:width', '1200'),
    prop('og:image:height', '630'),
    prop('og:image:alt', esc(`Loss curve of ${s.title}`)),
    named('twitter:card', 'summary_large_image'),
    named('twitter:title', title),
    named('twitter:description', description),
    named('twitter:image', esc(o.imageUrl)),
  ].join('\n');
}

function footer(s: PublicSnapshot, o: PublicPageOptions): string {
  const badge = `[![${s.title}](${o.canonicalUrl}/badge.svg)](${o.canonicalUrl})`;
  return (
    `<footer><p>Embed: <a href="${esc(publicBadgePath(s.slug))}">badge</a> · ` +
    `<a href="${esc(publicWidgetPath(s.slug))}">widget</a> · ` +
    `<a href="${esc(publicSnapshotPath(s.slug))}">JSON</a></p>` +
    `<p class="embed"><code>${esc(badge)}</code></p></footer>`
  );
}

/** The whole document the server sends for /p/:slug. */
export function renderPublicPage(s: PublicSnapshot, o: PublicPageOptions): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${esc(s.title)} · training progress</title>
${metaTags(s, o)}
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${PUBLIC_CSS_PATH}">
<link rel="alternate" type="application/json" href="${esc(publicSnapshotPath(s.slug))}">
<script type="module" src="${esc(o.scriptPath)}"></script>
</head>
<body ${PUBLIC_SLUG_ATTRIBUTE}="${esc(s.slug)}">
<main id="${PUBLIC_ROOT_ID}" aria-live="off">${renderPublicMain(s)}</main>
${footer(s, o)}
</body>
</html>
`;
}

/** The generic page for an unknown or unpublished slug (says nothing about which). */
export function renderPublicNotFound(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Not found</title>
<link rel="stylesheet" href="${PUBLIC_CSS_PATH}">
</head>
<body>
<main id="${PUBLIC_ROOT_ID}"><h1>Not found</h1><p>There is no public page at this address.</p></main>
</body>
</html>
`;
}
