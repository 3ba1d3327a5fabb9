// Submit a run: a preset or a pasted/uploaded config, a cluster, a chain length → Preview (the server validates with
// the cluster's defaults and renders: findings with field, why and fix, and the exact sbatch script and commands) →
// Submit, enabled only for the form exactly as previewed. The run's page opens once it is created.
import { useEffect, useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { useNavigate } from 'react-router';
import { runPath } from '@trainboard/shared/dashboard/appRoutes';
import type { SubmitPreviewDto } from '@trainboard/shared/control/api';
import { queryKeys } from '../data/runQueries.js';
import { actionErrorText } from './actionDialog.js';
import { controlApi, type ClusterDto } from './controlApi.js';
import { useSubmitRun } from './useControlMutations.js';
import { buildRunCreate, type Finding, type SubmitForm } from './submitForm.js';
import { SubmitFields } from './SubmitFields.js';

const PRESETS = ['demo', 'bloom-7b1', 'bloom-176b'];
const NO_CLUSTERS: ClusterDto[] = [];
const EMPTY: SubmitForm = {
  cluster: '',
  source: 'preset',
  preset: 'demo',
  text: '',
  fileName: null,
  name: '',
  chainLength: '2',
};

export function SubmitPage() {
  const [form, setForm] = useState<SubmitForm>(EMPTY);
  const [preview, setPreview] = useState<{ form: SubmitForm; dto: SubmitPreviewDto } | null>(null);
  const [findings, setFindings] = useState<Finding[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const navigate = useNavigate();
  const submit = useSubmitRun();
  const clusterQuery = useQuery({ queryKey: queryKeys.clusters(), queryFn: controlApi.clusters });
  const clusters = clusterQuery.data ?? NO_CLUSTERS;
  useEffect(() => {
    if (clusterQuery.data) setForm((f) => (f.cluster ? f : { ...f, cluster: clusterQuery.data[0]?.name ?? '' }));
  }, [clusterQuery.data]);
  useEffect(() => void (clusterQuery.error && setError(actionErrorText(clusterQuery.error))), [clusterQuery.error]);

  const body = async () => {
    const { parseRunConfigText } = await import('@trainboard/shared/runconfig/parse');
    return buildRunCreate(form, parseRunConfigText);
  };
  const run = async (step: 'preview' | 'submit') => {
    setBusy(true);
    setError(null);
    try {
      const built = await body();
      if (!built.ok) return void (setFindings(built.findings), setPreview(null));
      if (step === 'preview') {
        const dto = await controlApi.previewRun(built.body);
        setFindings(dto.issues);
        setPreview({ form, dto });
      } else {
        const created = await submit.mutateAsync(built.body);
        void navigate(runPath(created.runId));
      }
    } catch (e) {
      setError(actionErrorText(e));
    } finally {
      setBusy(false);
    }
  };
  const previewed = preview !== null && preview.form === form && preview.dto.ok;

  return (
    <section className="submit" aria-labelledby="submit-title">
      <h1 id="submit-title">Submit a run</h1>
      <form onSubmit={(e) => (e.preventDefault(), void run('preview'))}>
        <SubmitFields form={form} setForm={setForm} clusters={clusters} presets={PRESETS} />
        <div className="dialog-buttons">
          <button type="submit" disabled={busy}>
            Preview
          </button>
          <button
            type="button"
            className="primary"
            disabled={busy || !previewed}
            onClick={() => void run('submit')}
            aria-describedby="submit-why"
          >
            Submit
          </button>
          <span id="submit-why" className="hint">
            {previewed ? 'Submits exactly what the preview shows.' : 'Preview first: Submit sends what you previewed.'}
          </span>
        </div>
      </form>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <Findings findings={findings} />
      {preview && <PreviewView dto={preview.dto} />}
    </section>
  );
}

function Findings({ findings }: { findings: Finding[] }) {
  if (findings.length === 0) return null;
  return (
    <section aria-labelledby="findings-title" data-testid="findings">
      <h2 id="findings-title">Findings ({findings.length})</h2>
      <ul className="findings">
        {findings.map((f, i) => (
          <li key={i} className={`finding ${f.severity}`}>
            <strong>{f.severity}</strong> <code>{f.path}</code>
            <div>
              <span className="label">why:</span> {f.why}
            </div>
            <div>
              <span className="label">fix:</span> {f.fix}
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}

function PreviewView({ dto }: { dto: SubmitPreviewDto }) {
  return (
    <section aria-labelledby="preview-title" data-testid="submit-preview">
      <h2 id="preview-title">
        {dto.ok ? 'Ready to submit' : 'Cannot submit: fix the errors above'} — {dto.runName ?? 'run'} on {dto.cluster},
        chain of {dto.chainLength}
      </h2>
      {dto.runDir && (
        <p>
          Run folder <code>{dto.runDir}</code>
          {dto.files.length > 0 && <> with {dto.files.join(', ')}</>}
        </p>
      )}
      <h3>Exact scheduler commands</h3>
      <pre className="commands">{dto.sbatchArgv.map((argv) => `$ ${argv.join(' ')}`).join('\n')}</pre>
      {dto.script && (
        <>
          <h3>sbatch script (sent on stdin)</h3>
          <pre className="script" tabIndex={0} aria-label="sbatch script">
            {dto.script}
          </pre>
        </>
      )}
    </section>
  );
}
