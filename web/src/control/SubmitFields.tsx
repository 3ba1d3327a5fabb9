// The submit form's fields, each with its label: cluster, where the config comes from (preset, or pasted/uploaded
// text), the run name and the chain length.
import { MAX_CHAIN_LENGTH } from '@trainboard/shared/control/api';
import type { ClusterDto } from './controlApi.js';
import type { SubmitForm } from './submitForm.js';

export function SubmitFields({
  form,
  setForm,
  clusters,
  presets,
}: {
  form: SubmitForm;
  setForm: (f: SubmitForm) => void;
  clusters: ClusterDto[];
  presets: string[];
}) {
  const set = (patch: Partial<SubmitForm>) => setForm({ ...form, ...patch });
  return (
    <div className="fields">
      <div className="field">
        <label htmlFor="submit-cluster">Cluster</label>
        <select id="submit-cluster" value={form.cluster} onChange={(e) => set({ cluster: e.target.value })}>
          {clusters.length === 0 && <option value="">no cluster configured</option>}
          {clusters.map((c) => (
            <option key={c.name} value={c.name}>
              {c.name} ({c.kind})
            </option>
          ))}
        </select>
      </div>
      <fieldset className="field">
        <legend>Config</legend>
        <label>
          <input type="radio" checked={form.source === 'preset'} onChange={() => set({ source: 'preset' })} /> a preset
        </label>
        <label>
          <input type="radio" checked={form.source === 'text'} onChange={() => set({ source: 'text' })} /> my own (paste
          or upload)
        </label>
      </fieldset>
      {form.source === 'preset' ? (
        <div className="field">
          <label htmlFor="submit-preset">Preset</label>
          <select id="submit-preset" value={form.preset} onChange={(e) => set({ preset: e.target.value })}>
            {presets.map((p) => (
              <option key={p}>{p}</option>
            ))}
          </select>
        </div>
      ) : (
        <ConfigText form={form} set={set} />
      )}
      <label className="field">
        <span>Run name (optional)</span>
        <input value={form.name} onChange={(e) => set({ name: e.target.value })} placeholder="from the config" />
      </label>
      <label className="field">
        <span>Chain length (jobs kept queued)</span>
        <input
          type="number"
          min={1}
          max={MAX_CHAIN_LENGTH}
          value={form.chainLength}
          onChange={(e) => set({ chainLength: e.target.value })}
        />
      </label>
    </div>
  );
}

/** A pasted config, or an uploaded file's text shown in the same box (editable before the preview). */
function ConfigText({ form, set }: { form: SubmitForm; set: (patch: Partial<SubmitForm>) => void }) {
  return (
    <>
      <label className="field">
        <span>Config file (YAML or JSON)</span>
        <input
          type="file"
          accept=".yaml,.yml,.json,text/yaml,application/json"
          onChange={(e) => {
            const file = e.target.files?.[0];
            if (file) void file.text().then((text) => set({ text, fileName: file.name }));
          }}
        />
      </label>
      <label className="field wide">
        <span>Run config{form.fileName ? ` (from ${form.fileName})` : ''}</span>
        <textarea
          rows={14}
          spellCheck={false}
          value={form.text}
          onChange={(e) => set({ text: e.target.value })}
          placeholder="model:&#10;  num_layers: 24&#10;…"
        />
      </label>
    </>
  );
}
