// The audit view: every recorded mutation, newest first — who, when, what, on which target, the exact scheduler
// command and the result (in words and a symbol, never colour alone). Filtered by run through ?run= (shareable);
// older rows page in with `before`.
import { useState } from 'react';
import { useInfiniteQuery } from '@tanstack/react-query';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { runPath } from '@trainboard/shared/dashboard/appRoutes';
import type { AuditEntryDto } from '@trainboard/shared/control/api';
import { queryKeys } from '../data/runQueries.js';
import { controlApi } from './controlApi.js';
import { actionErrorText } from './actionDialog.js';

const PAGE = 100;
const RESULT_MARK: Record<string, string> = { ok: '✓', failed: '✗', refused: '⊘', requested: '…' };

const when = (ms: number) =>
  new Date(ms).toLocaleString([], {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });

export function AuditPage() {
  const runParam = useSearchParams()[0].get('run');
  const navigate = useNavigate();
  const run = runParam && /^\d{1,9}$/.test(runParam) ? Number(runParam) : undefined;
  const [filter, setFilter] = useState(runParam ?? '');
  const pages = useInfiniteQuery({
    queryKey: queryKeys.audit(run),
    queryFn: ({ pageParam }) => controlApi.audit({ run, before: pageParam, limit: PAGE }),
    initialPageParam: undefined as number | undefined,
    getNextPageParam: (page) => (page.length === PAGE ? page[page.length - 1]?.id : undefined),
  });
  const entries = pages.data?.pages.flat() ?? null;
  const more = pages.hasNextPage;
  const error = pages.error ? actionErrorText(pages.error) : null;

  return (
    <section className="audit" aria-labelledby="audit-title">
      <h1 id="audit-title">Audit{run !== undefined ? ` of run ${run}` : ''}</h1>
      <form
        className="inline"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          void navigate(/^\d{1,9}$/.test(filter.trim()) ? `/audit?run=${filter.trim()}` : '/audit');
        }}
      >
        <label htmlFor="audit-run">Run id</label>
        <input
          id="audit-run"
          inputMode="numeric"
          value={filter}
          onChange={(e) => setFilter(e.target.value)}
          placeholder="all runs"
        />
        <button type="submit">Filter</button>
        {run !== undefined && (
          <button type="button" onClick={() => (setFilter(''), void navigate('/audit'))}>
            Show all runs
          </button>
        )}
      </form>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {entries === null ? (
        !error && <p role="status">loading…</p>
      ) : entries.length === 0 ? (
        <p>Nothing recorded{run !== undefined ? ' for this run' : ''} yet.</p>
      ) : (
        <AuditTable entries={entries} />
      )}
      {more && entries && (
        <button type="button" onClick={() => void pages.fetchNextPage()}>
          Older entries
        </button>
      )}
    </section>
  );
}

function AuditTable({ entries }: { entries: AuditEntryDto[] }) {
  return (
    <div className="table-scroll">
      <table className="audit-table stacked" data-testid="audit">
        <caption className="visually-hidden">Audit entries, newest first</caption>
        <thead>
          <tr>
            <th scope="col">when</th>
            <th scope="col">who</th>
            <th scope="col">what</th>
            <th scope="col">target</th>
            <th scope="col">command</th>
            <th scope="col">result</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((e) => (
            <tr key={e.id} data-action={e.action}>
              <td data-label="when" className="nowrap">
                {when(e.atMs)}
              </td>
              <td data-label="who">
                {e.actorName}
                {e.actorKind !== 'user' && <span className="hint"> ({e.actorKind})</span>}
              </td>
              <td data-label="what">
                <code>{e.action}</code>
              </td>
              <td data-label="target">{target(e)}</td>
              <td data-label="command">
                {e.command ? <code className="command">{e.command}</code> : <span className="hint">—</span>}
              </td>
              <td data-label="result" className={`result result-${e.result}`}>
                <span aria-hidden="true">{RESULT_MARK[e.result] ?? ''}</span> {e.result}
                {e.errorCode && <span className="hint"> ({e.errorCode})</span>}
                {e.message && <div className="hint">{e.message}</div>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function target(e: AuditEntryDto) {
  const what = e.targetKind ? `${e.targetKind} ${e.targetId ?? ''}`.trim() : '';
  if (e.runId === null) return what || '—';
  return (
    <>
      <Link to={runPath(e.runId)}>run {e.runId}</Link>
      {what && e.targetKind !== 'run' && <span> · {what}</span>}
      {e.cluster && <span className="hint"> on {e.cluster}</span>}
    </>
  );
}
