import { describe, expect, it } from 'vitest';
import { checkForm, editForm, emptyForm, formOf, publicLink, suggestSlug } from './publicationForm.js';

describe('the public page form', () => {
  it('suggests a slug from the title until the slug is typed', () => {
    let f = editForm(emptyForm, { title: 'BLOOM 176B — Démo run!' });
    expect(f.slug).toBe('bloom-176b-demo-run');
    f = editForm(f, { slug: 'my-own' });
    f = editForm(f, { title: 'Another title' });
    expect(f.slug).toBe('my-own');
    expect(suggestSlug('x'.repeat(80))).toHaveLength(64);
    expect(suggestSlug('---')).toBe('');
  });

  it('sends what the server accepts, and names each field it would refuse', () => {
    const good = checkForm({ ...emptyForm, slug: ' bloom ', title: 'BLOOM', showNodes: true });
    expect(good).toEqual({ ok: true, body: { slug: 'bloom', title: 'BLOOM', description: '', showNodes: true } });
    const bad = checkForm({ ...emptyForm, slug: 'Bad Slug', title: '', description: 'x'.repeat(501) });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(Object.keys(bad.errors).sort()).toEqual(['description', 'slug', 'title']);
  });

  it('starts from the existing publication, and builds the public link', () => {
    const f = formOf({
      runId: 1,
      slug: 'bloom',
      title: 'BLOOM',
      description: null,
      showNodes: true,
      createdAt: 0,
      updatedAt: 0,
      publishedBy: 'alice',
      path: '/p/bloom',
    });
    expect(f).toEqual({ slug: 'bloom', title: 'BLOOM', description: '', showNodes: true, slugEdited: true });
    expect(publicLink('https://tb.example.org/', 'bloom')).toBe('https://tb.example.org/p/bloom');
  });
});
