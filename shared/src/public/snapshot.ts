// The public snapshot: the ONLY shape that leaves the server for an anonymous reader (/p/<slug>, its JSON, PNG,
// badge, widget and the /public socket namespace). It is an allow-list: every object is `.strict()`, so a field that
// is not named here fails validation instead of leaking. Builders produce it from private data; every public
// response is rendered from a parsed PublicSnapshot and nothing else.
import { z } from 'zod';

/** The public word for the run's state: no node, job or failure detail (the timeline says what happened, sanitised). */
export const PUBLIC_STATES = ['queued', 'training', 'stalled', 'restarting', 'finished', 'stopped', 'unknown'] as const;
export type PublicState = (typeof PUBLIC_STATES)[number];

const finite = z.number().finite();
const count = z.number().int().nonnegative();
const isoTime = z.iso.datetime();

/** One validation result: the iteration, the (first group's) lm loss and its perplexity. */
export const PublicValidationSchema = z
  .object({ iteration: count, loss: finite, perplexity: finite.nullable() })
  .strict();

/** A curve as [iteration, value] pairs, downsampled on the server (at most MAX_PUBLIC_POINTS pairs). */
export const MAX_PUBLIC_POINTS = 600;
const curve = z.array(z.tuple([count, finite])).max(MAX_PUBLIC_POINTS);

/** The kinds of public timeline entries. Their texts are written by the server from these kinds, never copied from
 *  a log: "restarted after a hardware failure", never the failure's own text. */
export const PUBLIC_TIMELINE_KINDS = [
  'started',
  'checkpoint',
  'validation',
  'hardware_failure',
  'software_failure',
  'hang',
  'restarted',
  'time_limit',
  'finished',
  'stopped',
] as const;
export type PublicTimelineKind = (typeof PUBLIC_TIMELINE_KINDS)[number];

export const PublicTimelineEntrySchema = z
  .object({
    at: isoTime,
    kind: z.enum(PUBLIC_TIMELINE_KINDS),
    iteration: count.nullable(),
    /** Server-written words for the kind (and, only when the owner opted in, node names). */
    text: z.string().max(200),
  })
  .strict();

export const PublicSnapshotSchema = z
  .object({
    v: z.literal(1),
    slug: z.string().regex(/^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/),
    /** The title the publisher chose (not the private run name). */
    title: z.string().min(1).max(120),
    description: z.string().max(500).nullable(),
    state: z.enum(PUBLIC_STATES),
    progress: z
      .object({
        iteration: count.nullable(),
        iterationTarget: count.nullable(),
        tokensSeen: z.number().nonnegative().nullable(),
        tokenTarget: z.number().positive().nullable(),
        /** 0..1 of the token target (of the iteration target without one); null when neither is known. */
        fraction: z.number().min(0).max(1).nullable(),
        /** Expected finish, ISO; null when unknown or not training. */
        etaAt: isoTime.nullable(),
      })
      .strict(),
    validation: z
      .object({ current: PublicValidationSchema.nullable(), best: PublicValidationSchema.nullable() })
      .strict(),
    loss: z.object({ train: curve, validation: curve }).strict(),
    throughput: z
      .object({
        tokensPerSecond: z.number().nonnegative().nullable(),
        tflopsPerGpu: z.number().nonnegative().nullable(),
      })
      .strict(),
    time: z
      .object({
        startedAt: isoTime.nullable(),
        /** Wall time with a job of the run training, seconds. */
        trainedSeconds: z.number().nonnegative(),
        /** trainedSeconds over the wall time since the first start, 0..1; null before a start. */
        uptime: z.number().min(0).max(1).nullable(),
      })
      .strict(),
    timeline: z.array(PublicTimelineEntrySchema).max(200),
    /** When the newest data in this snapshot was produced (the last logged iteration), ISO; null with no data. */
    updatedAt: isoTime.nullable(),
  })
  .strict();

export type PublicSnapshot = z.infer<typeof PublicSnapshotSchema>;
export type PublicValidation = z.infer<typeof PublicValidationSchema>;
export type PublicTimelineEntry = z.infer<typeof PublicTimelineEntrySchema>;

/** A publication's slug: lower-case DNS-label-like, 1–64 characters (it is a URL path segment). */
export const PublicSlugSchema = PublicSnapshotSchema.shape.slug;
