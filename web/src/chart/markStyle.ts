// How each kind of vertical mark looks: a colour AND a dash pattern AND a glyph at the top of its line, so a mark
// is told apart without colour (issue 14 §7). Shared by the charts' frames and the marks legend.
import type { Annotation } from '../api.js';

/** The log's own marks, and the run's incidents (issue 15). */
export type MarkKind = Annotation['kind'] | 'incident';

/** A vertical mark for the charts: a log annotation or an incident, at an iteration. */
export interface ChartAnnotation {
  kind: MarkKind;
  iteration: number | null;
  timeMs: number | null;
  label: string;
}

export interface MarkStyle {
  /** A CSS colour (a variable of charts.css: darker in the light theme, so labels keep 4.5:1 contrast). */
  color: string;
  /** SVG stroke-dasharray; '' = solid. */
  dash: string;
  width: number;
  opacity: number;
  glyph: string;
  /** The legend's word for the kind. */
  word: string;
  /** Whether each mark's own label is printed beside its line (routine marks are many: glyph only). */
  labelled: boolean;
}

export const MARK_STYLES: Record<MarkKind, MarkStyle> = {
  incident: {
    color: 'var(--mark-incident)',
    dash: '8 2 2 2',
    width: 2.5,
    opacity: 0.95,
    glyph: '⚑',
    word: 'incident',
    labelled: true,
  },
  start: {
    color: 'var(--mark-start)',
    dash: '',
    width: 1.5,
    opacity: 0.9,
    glyph: '▶',
    word: 'job start',
    labelled: true,
  },
  restart: {
    color: 'var(--mark-restart)',
    dash: '6 3',
    width: 1.5,
    opacity: 0.9,
    glyph: '↻',
    word: 'restart',
    labelled: true,
  },
  failure: {
    color: 'var(--mark-failure)',
    dash: '',
    width: 2.5,
    opacity: 0.9,
    glyph: '✕',
    word: 'failure',
    labelled: true,
  },
  end: { color: 'var(--mark-end)', dash: '2 2', width: 1.5, opacity: 0.9, glyph: '■', word: 'end', labelled: true },
  checkpoint: {
    color: 'var(--mark-checkpoint)',
    dash: '1 3',
    width: 1,
    opacity: 0.6,
    glyph: '◆',
    word: 'checkpoint',
    labelled: false,
  },
  eval: {
    color: 'var(--mark-eval)',
    dash: '4 2 1 2',
    width: 1,
    opacity: 0.6,
    glyph: '●',
    word: 'evaluation',
    labelled: false,
  },
};

/** The legend's order: what matters first. */
export const MARK_KINDS: readonly MarkKind[] = ['incident', 'failure', 'restart', 'start', 'end', 'checkpoint', 'eval'];
