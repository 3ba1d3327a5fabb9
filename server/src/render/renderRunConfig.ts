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
import { renderK8sRun, type K8sRenderOptions } from '@trainboard/shared/k8s/render';
import { loadRunConfig, type RunConfigSource } from './loadRunConfig.js';
import { readK8sTemplates, readTemplate } from './templates.js';

export interface RenderRequest {
  source: RunConfigSource;
  template: TemplateName;
  /** Used by the fake-trainer template. */
  fakeTrainer: FakeTrainerOptions;
  /** slurm-templates/ unless set. */
  templatesDir?: string;
  /**
   * Set for a kubernetes cluster: the run renders to a manifest (k8s-templates/, the node script from `template`),
   * which is then what the preview shows and what SubmitSpec.script carries.
   */
  kubernetes?: K8sRenderOptions & { templatesDir?: string };
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
  const k8s = request.kubernetes;
  const rendered = k8s
    ? renderK8sRun(
        loaded.config,
        loaded.plan,
        await readK8sTemplates(request.template, k8s.workload, k8s.templatesDir),
        k8s,
        request.fakeTrainer,
      )
    : renderRun(
        loaded.config,
        loaded.plan,
        await readTemplate(request.template, request.templatesDir),
        request.fakeTrainer,
      );
  return { ok: true, config: loaded.config, plan: loaded.plan, rendered, issues: loaded.issues };
}
