// Every validation rule, in the order findings are reported. docs/RUN-CONFIG.md lists the same ids.
import { batchRules } from './batch.js';
import { operationsRules } from './operations.js';
import { optimizationRules } from './optimization.js';
import { parallelismRules } from './parallelism.js';
import type { Rule } from './rule.js';

export type { Rule, RuleContext } from './rule.js';

export const RULES: readonly Rule[] = [...parallelismRules, ...batchRules, ...optimizationRules, ...operationsRules];
