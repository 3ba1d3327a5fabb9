import { parseRunConfigText } from '@trainboard/shared/runconfig/parse';
import { describe, expect, it } from 'vitest';
import { buildRunCreate, type SubmitForm } from './submitForm.js';

const form = (patch: Partial<SubmitForm>): SubmitForm => ({
  cluster: 'dev',
  source: 'preset',
  preset: 'demo',
  text: '',
  fileName: null,
  name: '',
  chainLength: '3',
  ...patch,
});

describe('the submit form', () => {
  it('sends a preset by name with the chain length', () => {
    expect(buildRunCreate(form({ name: 'night-1' }), parseRunConfigText)).toEqual({
      ok: true,
      body: { cluster: 'dev', config: { preset: 'demo' }, chainLength: 3, name: 'night-1' },
    });
  });

  it('parses pasted YAML and uploaded JSON into the config object', () => {
    const yaml = buildRunCreate(form({ source: 'text', text: 'model:\n  num_layers: 2\n' }), parseRunConfigText);
    expect(yaml).toMatchObject({ ok: true, body: { config: { model: { num_layers: 2 } } } });
    const json = buildRunCreate(
      form({ source: 'text', text: '{"model": {"num_layers": 4}}', fileName: 'run.JSON' }),
      parseRunConfigText,
    );
    expect(json).toMatchObject({ ok: true, body: { config: { model: { num_layers: 4 } } } });
  });

  it('names each problem with its field, why and fix, and sends nothing', () => {
    const r = buildRunCreate(
      form({ cluster: '', chainLength: '11', name: 'bad name', source: 'text', text: 'a: [1,' }),
      parseRunConfigText,
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.findings.map((f) => f.path)).toEqual(['cluster', 'chainLength', 'name', '(file)']);
    for (const f of r.findings) expect(f.why.length * f.fix.length).toBeGreaterThan(0);
    expect(buildRunCreate(form({ source: 'text', text: '- 1\n- 2\n' }), parseRunConfigText)).toMatchObject({
      ok: false,
      findings: [{ path: 'config' }],
    });
  });
});
