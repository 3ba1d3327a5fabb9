// Checkpoint lines (megatron-log-format.md §4). Only "successfully saved" proves a checkpoint exists; "saving"
// only marks that the next iteration carries the save time. NVIDIA's current form adds a `[<ts>] ` stamp first,
// `saved checkpoint from iteration`, and a ` [ t 1/8, … ]` suffix.

import type { CheckpointLoadedEvent, CheckpointSavedEvent } from './events.js';

const SAVED = /^successfully saved checkpoint (?:at|from) iteration\s+(\d+) to (.*?)(?:\s+\[.*\])?\s*$/;
const LOADED = /^successfully loaded checkpoint from (.*?) at iteration (\d+)\s*$/;
const SAVING = /^saving checkpoint at iteration\s+\d+ to /;

type Base = { offset: number; line: number; rank: number | null };

/** `text` is the payload with leading blanks and any NVIDIA `[ts] ` stamp removed. */
export function parseCheckpointSaved(text: string, base: Base): CheckpointSavedEvent | null {
  const m = SAVED.exec(text);
  if (!m) return null;
  return {
    type: 'checkpoint_saved',
    offset: base.offset,
    line: base.line,
    rank: base.rank,
    iteration: Number(m[1]),
    path: m[2] || null,
  };
}

export function parseCheckpointLoaded(text: string, base: Base): CheckpointLoadedEvent | null {
  const m = LOADED.exec(text);
  if (!m) return null;
  return {
    type: 'checkpoint_loaded',
    offset: base.offset,
    line: base.line,
    rank: base.rank,
    iteration: Number(m[2]),
    path: m[1] || null,
  };
}

export function isCheckpointSaving(text: string): boolean {
  return SAVING.test(text);
}
