// Public surface of the run-config module: schema, parsing, validation, planning, presets and rendering.
export * from './schema.js';
export * from './patterns.js';
export * from './issues.js';
export * from './parse.js';
export * from './validate.js';
export * from './plan.js';
export * from './rampup.js';
export * from './model.js';
export * from './memory.js';
export * from './presets.js';
export { RULES } from './rules/index.js';
export type { Rule } from './rules/index.js';
export * from './render/sbatch.js';
export { renderTemplate, placeholdersOf } from './render/template.js';
export { RenderError, shellPath, formatNumber } from './render/shellWords.js';
export { deepspeedConfig, deepspeedConfigJson } from './render/deepspeedConfig.js';
export type { DeepSpeedConfig } from './render/deepspeedConfig.js';
export { megatronArgs } from './render/megatronArgs.js';
