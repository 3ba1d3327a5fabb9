// How the log viewer shows lines: one row each with sideways scroll, wrapped, or iteration lines as columns.
// A reading preference of the person, not part of the view a share link conveys: kept in localStorage.

export const LOG_DISPLAYS = ['scroll', 'wrap', 'columns'] as const;
export type LogDisplay = (typeof LOG_DISPLAYS)[number];
export const LOG_DISPLAY_LABELS: Record<LogDisplay, string> = {
  scroll: 'one row each (scroll sideways)',
  wrap: 'wrapped',
  columns: 'iteration columns',
};
const KEY = 'trainboard.logDisplay';

export function parseLogDisplay(value: string | null | undefined): LogDisplay {
  return LOG_DISPLAYS.find((d) => d === value) ?? 'scroll';
}

export function loadLogDisplay(): LogDisplay {
  try {
    return parseLogDisplay(localStorage.getItem(KEY));
  } catch {
    return 'scroll'; // storage disabled (privacy mode): the default, every time
  }
}

export function saveLogDisplay(display: LogDisplay): void {
  try {
    localStorage.setItem(KEY, display);
  } catch {
    // storage disabled: the choice lasts this page only
  }
}
