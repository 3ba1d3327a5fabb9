// The public page's own script (/p-assets/public.js): no React, no dashboard. The server already rendered the page;
// this re-renders <main id="public-root"> with the same pure renderer on each live snapshot, and says in words
// whether the page is live. No inline code and no eval: the page's CSP is script-src 'self'.
import { io } from 'socket.io-client';
import { PUBLIC_NAMESPACE } from '@trainboard/shared/public/publicRealtime';
import { PUBLIC_ROOT_ID, PUBLIC_SLUG_ATTRIBUTE } from '@trainboard/shared/public/paths';
import { renderPublicMain } from '@trainboard/shared/public/render/page';
import type { PublicSnapshot } from '@trainboard/shared/public/snapshot';
import { pollSnapshot } from './poll.js';
import { startPublicLive, type PublicSocketLike } from './publicLive.js';
import { statusLine } from './statusLine.js';

const POLL_MS = 10_000;
/** "Last updated … (2m ago)" is redrawn this often, so a run that stopped logging does not keep saying "0s ago". */
const AGO_MS = 15_000;

function start(): void {
  const slug = document.body.getAttribute(PUBLIC_SLUG_ATTRIBUTE);
  const root = document.getElementById(PUBLIC_ROOT_ID);
  if (!slug || !root) return;
  const line = statusLine(document);
  root.append(line.element);
  const socket = io(PUBLIC_NAMESPACE, { reconnectionDelayMax: 30_000 });
  let shown: PublicSnapshot | null = null;
  const draw = (snapshot: PublicSnapshot) => {
    root.innerHTML = renderPublicMain(snapshot, { now: Date.now() });
    root.append(line.element); // the renderer's output replaced it
  };
  const ago = window.setInterval(() => shown && draw(shown), AGO_MS);
  startPublicLive({
    slug,
    socket: socket as unknown as PublicSocketLike,
    poll: (etag) => pollSnapshot(slug, etag),
    render(snapshot) {
      shown = snapshot;
      draw(snapshot);
    },
    status: line.set,
    ended() {
      window.clearInterval(ago);
      const note = document.createElement('h1');
      note.className = 'unpublished';
      note.textContent = 'This run is no longer public';
      root.replaceChildren(note);
      // The embed links below the page name the badge, widget and JSON that now answer 404.
      document.querySelector('body > footer')?.remove();
    },
    pollMs: POLL_MS,
    setInterval: (fn, ms) => window.setInterval(fn, ms),
    clearInterval: (handle) => window.clearInterval(handle as number),
  });
}

start();
