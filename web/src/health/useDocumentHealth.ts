// The tab says how the run is: its title (`⚠ crashed · run-name — Trainboard`) and its icon (a shape per severity),
// so a person with the tab in the background sees a crash without opening it. Restored when the page goes.
import { useEffect } from 'react';
import type { RunHealth } from '@trainboard/shared/dashboard/runHealth';
import { faviconDataUrl } from './favicon.js';
import { healthTitle } from './healthWords.js';

const DEFAULT_TITLE = 'Trainboard';

function iconLink(): HTMLLinkElement {
  let link = document.querySelector<HTMLLinkElement>('link[rel="icon"]');
  if (!link) {
    link = document.createElement('link');
    link.rel = 'icon';
    document.head.append(link);
  }
  return link;
}

export function useDocumentHealth(health: Pick<RunHealth, 'state' | 'severity'> | null, runName: string | null): void {
  const state = health?.state ?? null;
  const severity = health?.severity ?? null;
  useEffect(() => {
    if (state === null || severity === null || runName === null) return;
    document.title = healthTitle({ state, severity }, runName);
    const link = iconLink();
    link.type = 'image/svg+xml';
    link.href = faviconDataUrl(severity);
  }, [state, severity, runName]);
  useEffect(
    () => () => {
      document.title = DEFAULT_TITLE;
      document.querySelector('link[rel="icon"]')?.remove();
    },
    [],
  );
}
