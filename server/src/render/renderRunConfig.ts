// The one path from a run config to a job script: load (file or preset, merged over its cluster profile),
// validate, plan, then render the template. `trainboard render` and the demo's job both go through it, so a preset
// renders the same script from either.
import { renderRun } from '@trainboard/shared/runconfig/index';
import type {
  ConfigIssue,
  FakeTrainerOptions,
  RenderedRun,
  RunConfig,
  RunPlan,
  TemplateName,
} from '@trainboard/shared/runconfig/index';
import { loadRunConfig, type RunConfigSource } from './loadRunConfig.js';
import { readTemplate } from './templates.js';

export interface RenderRequest {
  source: RunConfigSource;
  template: TemplateName;
  /** Used by the fake-trainer template. */
  fakeTrainer: FakeTrainerOptions;
  /** slurm-templates/ unless set. */
  templatesDir?: string;
}

export type RenderOutcome =
  | { ok: false; issues: ConfigIssue[] }
  | { ok: true; config: RunConfig; plan: RunPlan; rendered: RenderedRun; /** Warnings only. */ issues: ConfigIssue[] };

/**
 * Refuses (ok: false, with the findings) a config with errors and renders nothing then.
 * @throws RenderError when a valid config still cannot be rendered safely (e.g. a path that is no shell word).
 */
export async function renderRunConfig(request: RenderRequest): Promise<RenderOutcome> {
  const loaded = await loadRunConfig(request.source, request.templatesDir);
  if (!loaded.ok) return loaded;
  const template = await readTemplate(request.template, request.templatesDir);
  const rendered = renderRun(loaded.config, loaded.plan, template, request.fakeTrainer);
  return { ok: true, config: loaded.config, plan: loaded.plan, rendered, issues: loaded.issues };
}
