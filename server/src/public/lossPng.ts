// The loss curve as the 1200×630 PNG a shared link shows (og:image): the chart SVG rasterised by resvg off the
// event loop (renderAsync runs on libuv's pool), then stripped to the critical chunks: resvg writes none with text
// today, and the allow-list keeps it so (no tEXt/iTXt/zTXt/eXIf can ever carry anything out).
import { existsSync } from 'node:fs';
import { renderAsync, type ResvgRenderOptions } from '@resvg/resvg-js';
import { renderLossChart } from '@trainboard/shared/public/render/lossChart';
import { summaryLine } from '@trainboard/shared/public/render/words';
import type { PublicSnapshot } from '@trainboard/shared/public/snapshot';

export const PNG_WIDTH = 1200;
export const PNG_HEIGHT = 630;

const FONT_FILES = [
  '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf',
  '/usr/share/fonts/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf',
  '/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf',
  '/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf',
];

/** Known font files when present (loading them is fast); else every system font (slow, but text still draws). */
function fontOptions(): ResvgRenderOptions['font'] {
  const files = FONT_FILES.filter((f) => existsSync(f));
  return files.length > 0
    ? { loadSystemFonts: false, fontFiles: files, defaultFontFamily: 'DejaVu Sans' }
    : { loadSystemFonts: true };
}
let fonts: ResvgRenderOptions['font'] | undefined;

export function lossChartSvg(s: PublicSnapshot): string {
  return renderLossChart(s, {
    width: PNG_WIDTH,
    height: PNG_HEIGHT,
    heading: s.title.length > 60 ? `${s.title.slice(0, 59)}…` : s.title,
    subheading: summaryLine(s),
    maxPoints: 600,
    fontSize: 20,
    background: '#ffffff',
  });
}

export async function renderLossPng(s: PublicSnapshot): Promise<Buffer> {
  fonts ??= fontOptions();
  const image = await renderAsync(lossChartSvg(s), { fitTo: { mode: 'original' }, font: fonts, logLevel: 'off' });
  return criticalChunksOnly(image.asPng());
}

const KEEP = new Set(['IHDR', 'PLTE', 'tRNS', 'IDAT', 'IEND']);
const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** The chunks of a PNG, each as [type, whole chunk bytes (length, type, data, CRC)]. */
export function pngChunks(png: Buffer): [string, Buffer][] {
  if (!png.subarray(0, 8).equals(SIGNATURE)) throw new Error('not a PNG');
  const chunks: [string, Buffer][] = [];
  for (let at = 8; at + 12 <= png.length;) {
    const length = png.readUInt32BE(at);
    const end = at + 12 + length;
    chunks.push([png.toString('latin1', at + 4, at + 8), png.subarray(at, end)]);
    at = end;
  }
  return chunks;
}

/** The PNG with only its image chunks (copied whole, CRCs unchanged). */
export function criticalChunksOnly(png: Buffer): Buffer {
  const kept = pngChunks(png).filter(([type]) => KEEP.has(type));
  return Buffer.concat([SIGNATURE, ...kept.map(([, bytes]) => bytes)]);
}
