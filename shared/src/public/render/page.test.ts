import { describe, expect, it } from 'vitest';
import { eventAttributes } from '../../testing/markup.js';
import { samplePublicSnapshot } from '../../testing/publicSnapshot.js';
import { PUBLIC_SCRIPT_PATH } from '../paths.js';
import { renderPublicMain, renderPublicNotFound, renderPublicPage } from './page.js';

const HOSTILE = "</title><script>alert(1)</script>\"onload='x' <img src=x onerror=alert(2)>";
const opts = {
  canonicalUrl: 'https://example.org/p/bloom-demo',
  imageUrl: 'https://example.org/p/bloom-demo/loss.png',
  scriptPath: PUBLIC_SCRIPT_PATH,
};

describe('renderPublicPage()', () => {
  const html = renderPublicPage(samplePublicSnapshot(), opts);

  it('shows the numbers without any script: progress, tokens, ETA, losses, throughput, time, timeline, update', () => {
    for (const text of [
      '<progress max="1" value="0.24"',
      '24%',
      '1.26B', // tokens seen
      '5.24B', // token target
      'iteration 1,200 of 5,000',
      '<time datetime="2026-12-07T06:00:00.000Z">2026-12-07 06:00 UTC</time>',
      'perplexity 29.96',
      'at iteration 1,000',
      '52k tokens/s',
      '148.2 TFLOPS per GPU',
      '7h 00m',
      '93%',
      'Restarted after a hardware failure, from the checkpoint at iteration 600',
      'Last updated <time datetime="2026-12-06T17:00:00.000Z">',
      '>Training<',
    ])
      expect(html, text).toContain(text);
    expect(html).toMatch(/<dd>3\.4 <small>perplexity/);
  });

  it('has the meta tags a shared link needs, the stylesheet and the module script', () => {
    expect(html).toContain('<meta property="og:image" content="https://example.org/p/bloom-demo/loss.png">');
    expect(html).toContain('<meta property="og:url" content="https://example.org/p/bloom-demo">');
    expect(html).toContain('<meta property="og:title" content="BLOOM demo run">');
    expect(html).toContain('<meta name="twitter:card" content="summary_large_image">');
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(html).toContain('<link rel="stylesheet" href="/p/public.css">');
    expect(html).toContain('<script type="module" src="/p-assets/public.js"></script>');
    expect(html).toContain('<body data-slug="bloom-demo">');
  });

  it('needs no inline script or style (strict CSP)', () => {
    expect(html.match(/<script/g)).toHaveLength(1);
    expect(html).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
    expect(html).not.toContain('javascript:');
  });

  it('puts renderPublicMain() inside <main id="public-root">', () => {
    const main = /<main id="public-root"[^>]*>([\s\S]*)<\/main>/.exec(html)?.[1];
    expect(main).toBe(renderPublicMain(samplePublicSnapshot()));
  });

  it('escapes a hostile title and description everywhere (text, attributes, meta tags)', () => {
    const s = samplePublicSnapshot({ title: HOSTILE.slice(0, 120), description: HOSTILE });
    const out = renderPublicPage(s, opts);
    expect(out).not.toContain('<script>alert');
    expect(out).not.toContain('"onload=');
    expect(out).not.toContain('<img src=x');
    expect(eventAttributes(out)).toEqual([]);
    expect(out.match(/<script/g)).toHaveLength(1);
    expect(out.match(/<\/title>/g)).toHaveLength(1);
    expect(out).toContain('&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt;&quot;onload=&#39;x&#39;');
  });

  it('renders a snapshot with nothing known yet', () => {
    const s = samplePublicSnapshot({
      state: 'queued',
      description: null,
      progress: {
        iteration: null,
        iterationTarget: null,
        tokensSeen: null,
        tokenTarget: null,
        fraction: null,
        etaAt: null,
      },
      validation: { current: null, best: null },
      loss: { train: [], validation: [] },
      throughput: { tokensPerSecond: null, tflopsPerGpu: null },
      time: { startedAt: null, trainedSeconds: 0, uptime: null },
      timeline: [],
      updatedAt: null,
    });
    const out = renderPublicMain(s);
    expect(out).toContain('No loss reported yet');
    expect(out).toContain('No data yet.');
    expect(out).toContain('>Queued<');
    expect(out).not.toContain('NaN');
  });
});

describe('renderPublicMain()', () => {
  it('adds how long ago only when given now (the server render is shared, so it has none)', () => {
    const s = samplePublicSnapshot();
    expect(renderPublicMain(s)).not.toContain(' ago)');
    expect(renderPublicMain(s, { now: Date.parse('2026-12-06T17:05:00Z') })).toContain('(5m 00s ago)');
  });

  it('lists the timeline newest first', () => {
    const out = renderPublicMain(samplePublicSnapshot());
    expect(out.indexOf('Restarted after')).toBeLessThan(out.indexOf('Training started'));
  });
});

describe('renderPublicNotFound()', () => {
  it('is generic', () => {
    expect(renderPublicNotFound()).toContain('There is no public page at this address.');
  });
});
