// The "Public page…" form's logic, pure: the fields as typed, what to send (checked with the same zod schema the
// server applies, so the form says what is wrong before asking), a slug suggested from the title, and the link.
import {
  PublicationInputSchema,
  type PublicationDto,
  type PublicationInput,
} from '@trainboard/shared/public/publication';
import { publicPagePath } from '@trainboard/shared/public/paths';

export interface PublicationForm {
  slug: string;
  title: string;
  description: string;
  showNodes: boolean;
  /** The operator typed a slug: stop suggesting one from the title. */
  slugEdited: boolean;
}

export const emptyForm: PublicationForm = { slug: '', title: '', description: '', showNodes: false, slugEdited: false };

/** The form for an existing publication, or an empty one. */
export function formOf(p: PublicationDto | null): PublicationForm {
  if (!p) return emptyForm;
  return { slug: p.slug, title: p.title, description: p.description ?? '', showNodes: p.showNodes, slugEdited: true };
}

/** A URL-safe slug from a title: lower case, runs of other characters as one hyphen, at most 64 characters. */
export function suggestSlug(title: string): string {
  return title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, 64)
    .replace(/^-+|-+$/g, '');
}

/** A field edit; while the slug was not typed, it follows the title. */
export function editForm(form: PublicationForm, patch: Partial<Omit<PublicationForm, 'slugEdited'>>): PublicationForm {
  const next = { ...form, ...patch };
  if (patch.slug !== undefined) next.slugEdited = true;
  else if (patch.title !== undefined && !form.slugEdited) next.slug = suggestSlug(patch.title);
  return next;
}

export type FormCheck =
  | { ok: true; body: PublicationInput }
  | { ok: false; errors: Partial<Record<'slug' | 'title' | 'description', string>> };

const MESSAGES = {
  slug: 'Lower-case letters, digits and hyphens (not at either end), 1–64 characters.',
  title: 'A title of 1–120 characters.',
  description: 'At most 500 characters.',
} as const;

/** What the server would accept, or a message per field that it would refuse. */
export function checkForm(form: PublicationForm): FormCheck {
  const body = { slug: form.slug.trim(), title: form.title, description: form.description, showNodes: form.showNodes };
  const r = PublicationInputSchema.safeParse(body);
  if (r.success) return { ok: true, body };
  const errors: Partial<Record<keyof typeof MESSAGES, string>> = {};
  for (const issue of r.error.issues) {
    const field = issue.path[0];
    if (field === 'slug' || field === 'title' || field === 'description') errors[field] = MESSAGES[field];
  }
  return { ok: false, errors };
}

/** The public page's full address on this server. */
export function publicLink(origin: string, slug: string): string {
  return `${origin.replace(/\/$/, '')}${publicPagePath(slug)}`;
}
