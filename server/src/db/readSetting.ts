// One settings row read as JSON and validated (recovery policy, pending restart, alert routing): null when the row
// is missing, not JSON, or no longer fits the schema — a bad row never breaks a caller, it reads as "not set".
import type { z } from 'zod';
import type { Repositories } from './repositories.js';

export function readSetting<T>(
  settings: Pick<Repositories['settings'], 'get'>,
  key: string,
  schema: z.ZodType<T>,
): T | null {
  const raw = settings.get(key);
  if (raw === undefined) return null;
  try {
    const r = schema.safeParse(JSON.parse(raw));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}
