// The control plane's routes (PLAN-11 §3.5) as typed calls; shapes from @trainboard/shared/control/api.
import type {
  ActionAccepted,
  ActionPost,
  ActionPreview,
  ActionRequest,
  AuditEntryDto,
  RunControlDto,
  RunCreated,
  RunCreateInput,
  SubmitPreviewDto,
} from '@trainboard/shared/control/api';
import { get, post } from '../http.js';

export interface ClusterDto {
  name: string;
  kind: string;
}

export interface AuditFilter {
  run?: number;
  before?: number;
  limit?: number;
}

export const controlApi = {
  control: (runId: number) => get<RunControlDto>(`/api/runs/${runId}/control`),
  previewAction: (runId: number, action: ActionRequest) =>
    post<ActionPreview>(`/api/runs/${runId}/actions/preview`, action),
  requestAction: (runId: number, body: ActionPost) => post<ActionAccepted>(`/api/runs/${runId}/actions`, body),
  clusters: () =>
    get<{ clusters: ClusterDto[] } | ClusterDto[]>('/api/clusters').then((b) => (Array.isArray(b) ? b : b.clusters)),
  previewRun: (input: RunCreateInput) => post<SubmitPreviewDto>('/api/runs/preview', input),
  submitRun: (input: RunCreateInput) => post<RunCreated>('/api/runs', input),
  audit: (f: AuditFilter) => {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(f)) if (v !== undefined) q.set(k, String(v));
    return get<{ entries: AuditEntryDto[] } | AuditEntryDto[]>(`/api/audit${q.size ? `?${q.toString()}` : ''}`).then(
      (b) => (Array.isArray(b) ? b : b.entries),
    );
  },
};
