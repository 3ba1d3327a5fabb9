// Publishing a run at /p/<slug>: what an operator sends (validated with zod on the server, reused by the web form
// and the CLI) and what the server answers.
import { z } from 'zod';
import { PublicSlugSchema } from './snapshot.js';

export const PUBLICATION_TITLE_MAX = 120;
export const PUBLICATION_DESCRIPTION_MAX = 500;

export const PublicationInputSchema = z
  .object({
    slug: PublicSlugSchema,
    title: z.string().trim().min(1).max(PUBLICATION_TITLE_MAX),
    /** Empty or missing = none. */
    description: z
      .string()
      .trim()
      .max(PUBLICATION_DESCRIPTION_MAX)
      .nullish()
      .transform((d) => (d ? d : null)),
    /** Name nodes in the public timeline ("… on node jz-gpu-12"). */
    showNodes: z.boolean().default(false),
  })
  .strict();

export type PublicationInput = z.input<typeof PublicationInputSchema>;

export interface PublicationDto {
  runId: number;
  slug: string;
  title: string;
  description: string | null;
  showNodes: boolean;
  createdAt: number;
  updatedAt: number;
  publishedBy: string | null;
  /** The public page's path (`/p/<slug>`). */
  path: string;
}

/** GET /api/runs/:id/publication */
export interface PublicationResponse {
  publication: PublicationDto | null;
}
