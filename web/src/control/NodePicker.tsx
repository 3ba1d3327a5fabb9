// Checkboxes for the run's nodes, each saying why it is listed; suspects (named by a failure) first and marked in
// words, not only by colour. A node typed by hand covers one the run never used (a known-bad node of the cluster).
import { useState } from 'react';
import type { NodeChoice } from './nodeChoices.js';

export function NodePicker({
  choices,
  chosen,
  onChange,
}: {
  choices: NodeChoice[];
  chosen: string[];
  onChange: (chosen: string[]) => void;
}) {
  const [extra, setExtra] = useState('');
  const toggle = (name: string, on: boolean) => onChange(on ? [...chosen, name] : chosen.filter((n) => n !== name));
  const typed = chosen.filter((n) => !choices.some((c) => c.name === n));
  return (
    <fieldset className="node-picker" data-testid="node-picker">
      <legend>Nodes to exclude</legend>
      {choices.length === 0 && <p className="hint">No node of this run is known yet: type one below.</p>}
      <ul>
        {[...choices, ...typed.map((name) => ({ name, why: 'typed by you', suspect: false, excluded: false }))].map(
          (c) => (
            <li key={c.name}>
              <label>
                <input
                  type="checkbox"
                  checked={chosen.includes(c.name)}
                  onChange={(e) => toggle(c.name, e.target.checked)}
                />{' '}
                <code>{c.name}</code>
                {c.suspect && <span className="tag bad">suspect</span>}
                {c.excluded && <span className="tag">already excluded</span>}
                <span className="hint"> — {c.why}</span>
              </label>
            </li>
          ),
        )}
      </ul>
      <form
        className="inline"
        onSubmit={(e) => {
          e.preventDefault();
          const name = extra.trim();
          if (name && !chosen.includes(name)) onChange([...chosen, name]);
          setExtra('');
        }}
      >
        <label htmlFor="extra-node">Another node</label>
        <input id="extra-node" value={extra} onChange={(e) => setExtra(e.target.value)} placeholder="c7" />
        <button type="submit">Add</button>
      </form>
    </fieldset>
  );
}
