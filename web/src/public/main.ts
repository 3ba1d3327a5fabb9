// The public page's own script (/p-assets/public.js): no React, no dashboard. The server already rendered the page;
// this re-renders <main id="public-root"> with the same pure renderer on each live snapshot, and says in words
// whether the page is live. No inline code and no eval: the page's CSP is script-src 'self'.
import { io } from 'socket.io-client';
import { PUBLIC_NAMESPACE } from '@trainboard/shared/public/publicRealtime';
import { PUBLIC_ROOT_ID, PUBLIC_SLUG_ATTRIBUTE } from '@trainboard/shared/public/paths';
import { renderPublicMain } from '@trainboard/shared/public/render/page';
import { pollSnapshot } from './poll.js';
import { startPublicLive, type PublicSocketLike } from './publicLive.js';
import { statusLine } from './statusLine.js';

const POLL_MS = 10_000;

function start(): void {
  const slug = document.body.getAttribute(PUBLIC_SLUG_ATTRIBUTE);
  const root = document.getElementById(PUBLIC_ROOT_ID);
  if (!slug || !root) return;
  const line = statusLine(document);
  root.append(line.element);
  const socket = io(PUBLIC_NAMESPACE, { reconnectionDelayMax: 30_000 });
  startPublicLive({
    slug,
    socket: socket as unknown as PublicSocketLike,
    poll: (etag) => pollSnapshot(slug, etag),
    render(snapshot) {
      root.innerHTML = renderPublicMain(snapshot, { now: Date.now() });
      root.append(line.element); // the renderer's output replaced it
    },
    status: line.set,
    ended() {
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
