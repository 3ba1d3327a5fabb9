// A job row's action buttons; each names its job for screen readers ("Cancel job 1234").
import type { Job } from '../api.js';
import { jobRowActions, type DialogRequest } from './dialogRequest.js';

export function JobRowButtons({
  job,
  jobs,
  onOpen,
}: {
  job: Job;
  jobs: readonly Job[];
  onOpen: (r: DialogRequest) => void;
}) {
  return (
    <>
      {jobRowActions(job, jobs).map((a) => (
        <button
          type="button"
          key={a.label}
          className={a.request.kind === 'cancel_job' ? 'danger small' : 'small'}
          aria-label={a.ariaLabel}
          onClick={() => onOpen(a.request)}
        >
          {a.label}
        </button>
      ))}
    </>
  );
}
