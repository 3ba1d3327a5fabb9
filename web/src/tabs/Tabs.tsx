// Tabs with real semantics (WAI-ARIA tabs pattern): a tablist of buttons with aria-selected and aria-controls, a
// roving tabindex (Tab enters the list at the selected tab, the arrows, Home and End move and select), and one
// tabpanel per tab labelled by its tab. Only the selected panel has content, so hidden tabs poll nothing.
import { useId, useRef, type KeyboardEvent, type ReactNode } from 'react';
import { tabIndexForKey } from './tabKeys.js';

export interface TabSpec<K extends string> {
  key: K;
  label: ReactNode;
  testId?: string;
}

export interface TabsProps<K extends string> {
  /** The tablist's accessible name, e.g. "run details". */
  label: string;
  tabs: readonly TabSpec<K>[];
  selected: K;
  onSelect(key: K): void;
  /** The selected tab's panel content. */
  children: ReactNode;
}

export function Tabs<K extends string>({ label, tabs, selected, onSelect, children }: TabsProps<K>) {
  const base = useId();
  const buttons = useRef<(HTMLButtonElement | null)[]>([]);
  const tabId = (key: K) => `${base}-tab-${key}`;
  const panelId = (key: K) => `${base}-panel-${key}`;

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const current = tabs.findIndex((t) => t.key === selected);
    const next = tabIndexForKey(e.key, current, tabs.length);
    if (next === null) return;
    e.preventDefault();
    onSelect((tabs[next] as TabSpec<K>).key);
    buttons.current[next]?.focus();
  };

  return (
    <>
      <div className="tabs" role="tablist" aria-label={label} onKeyDown={onKeyDown}>
        {tabs.map((t, i) => (
          <button
            key={t.key}
            ref={(el) => void (buttons.current[i] = el)}
            type="button"
            role="tab"
            id={tabId(t.key)}
            aria-selected={t.key === selected}
            aria-controls={panelId(t.key)}
            tabIndex={t.key === selected ? 0 : -1}
            className={t.key === selected ? 'active' : ''}
            onClick={() => onSelect(t.key)}
            data-testid={t.testId}
          >
            {t.label}
          </button>
        ))}
      </div>
      {tabs.map((t) => (
        <div
          key={t.key}
          role="tabpanel"
          id={panelId(t.key)}
          aria-labelledby={tabId(t.key)}
          hidden={t.key !== selected}
          tabIndex={t.key === selected ? 0 : undefined}
          className="tab-panel"
        >
          {t.key === selected ? children : null}
        </div>
      ))}
    </>
  );
}
