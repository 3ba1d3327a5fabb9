// The public page's other URLs (the page, its JSON and the script are in ../paths.ts).
import { publicPagePath } from '../paths.js';

export const PUBLIC_CSS_PATH = '/p/public.css';
export const publicLossPngPath = (slug: string): string => `${publicPagePath(slug)}/loss.png`;
export const publicBadgePath = (slug: string): string => `${publicPagePath(slug)}/badge.svg`;
export const publicWidgetPath = (slug: string): string => `${publicPagePath(slug)}/widget.svg`;
