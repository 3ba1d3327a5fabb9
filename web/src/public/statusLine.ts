// The small "live" / "reconnecting…" line under the page: in words (a dot's colour alone says nothing to many
// readers), announced politely to screen readers, and marked with data-live for the stylesheet and tests.
import type { LiveStatus } from './publicLive.js';

export const STATUS_WORDS: Record<LiveStatus, string> = {
  connecting: 'Connecting for live updates…',
  live: '● Live: updates as the run trains',
  polling: 'Reconnecting… (checking for updates every 10 s)',
  ended: 'Not updating',
};

export function statusLine(doc: Document): { element: HTMLElement; set: (status: LiveStatus) => void } {
  const element = doc.createElement('p');
  element.className = 'live-status';
  element.setAttribute('role', 'status');
  const set = (status: LiveStatus) => {
    element.dataset.live = status;
    element.textContent = STATUS_WORDS[status];
  };
  set('connecting');
  return { element, set };
}
