// A run's recovery policy (issue 15, Build 2): what Trainboard does by itself when an incident opens, editable by an
// operator (GET/PUT /api/runs/:id/recovery-policy, audited) and read by the server's incident policy and failure
// policy. The defaults are what a BLOOM-scale run wants: recover crashes, node failures and hangs automatically,
// exclude suspect nodes, back off exponentially, and never more than a few restarts in a window.
import { z } from 'zod';

export const recoveryPolicySchema = z
  .object({
    /** Master switch: off, incidents are shown and alerted but nothing is done automatically. */
    enabled: z.boolean(),
    /** Resubmit from the last checkpoint after a crash (F1), a node failure (F9) or a hang (F3). */
    resubmitOnCrash: z.boolean(),
    resubmitOnNodeFailure: z.boolean(),
    resubmitOnHang: z.boolean(),
    /** Exclude suspect nodes: ECC / XID text, repeated failures, named stragglers (F2, F7, F9). */
    excludeSuspectNodes: z.boolean(),
    /** Try a stack dump (py-spy through srun --overlap, else the template's signal trap) before cancelling a hang. */
    stackDumpOnHang: z.boolean(),
    /** Wait before the n-th automatic restart in the window: min(backoffMaxSeconds, backoffBaseSeconds × 2^(n−1)). */
    backoffBaseSeconds: z.number().int().min(0).max(3600),
    backoffMaxSeconds: z
      .number()
      .int()
      .min(0)
      .max(6 * 3600),
    /** At most this many automatic restarts within windowHours; past that a person decides (the run is held). */
    maxRestartsPerWindow: z.number().int().min(0).max(100),
    windowHours: z
      .number()
      .min(0.1)
      .max(24 * 14),
  })
  .strict();

export type RecoveryPolicy = z.infer<typeof recoveryPolicySchema>;

export const DEFAULT_RECOVERY_POLICY: RecoveryPolicy = {
  enabled: true,
  resubmitOnCrash: true,
  resubmitOnNodeFailure: true,
  resubmitOnHang: true,
  excludeSuspectNodes: true,
  stackDumpOnHang: true,
  backoffBaseSeconds: 30,
  backoffMaxSeconds: 30 * 60,
  maxRestartsPerWindow: 3,
  windowHours: 6,
};

/** GET /api/runs/:id/recovery-policy (viewers may read it; operators edit it with PUT of the same shape). */
export interface RecoveryPolicyDto {
  runId: number;
  policy: RecoveryPolicy;
  /** Automatic restarts inside the current window, and when the next one may happen (epoch ms) or null. */
  restartsInWindow: number;
  nextRestartNotBeforeMs: number | null;
  updatedAt: number | null;
  updatedBy: string | null;
}
