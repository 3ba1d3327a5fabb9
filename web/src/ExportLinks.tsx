// Download the run's whole series (every stored iteration, every metric) as CSV or JSON, from the export API
// (server/src/routes/runs.router.ts). Plain links: the browser streams the file to disk, the page holds none of it.
import './ExportLinks.css';

export function exportUrl(runId: number, format: 'csv' | 'json'): string {
  return `/api/runs/${runId}/export.${format}`;
}

export function ExportLinks({ runId }: { runId: number }) {
  return (
    <span className="export" role="group" aria-label="export the run's series">
      export{' '}
      <a href={exportUrl(runId, 'csv')} download={`run-${runId}.csv`} data-testid="export-csv">
        CSV
      </a>{' '}
      <a href={exportUrl(runId, 'json')} download={`run-${runId}.json`} data-testid="export-json">
        JSON
      </a>
    </span>
  );
}
