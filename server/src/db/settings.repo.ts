// The server settings repository: install-wide values created on first use (`install_id`, `session_secret`).
// Values may be secrets: never log or send them.
import type Database from 'better-sqlite3';

export interface SettingsRepo {
  get(key: string): string | undefined;
  /** The stored value, or `make()` stored first; two processes racing keep the first value. */
  getOrCreate(key: string, make: () => string): string;
}

export function createSettingsRepo(sqlite: Database.Database): SettingsRepo {
  const get = sqlite.prepare<[string], { value: string }>('SELECT value FROM server_settings WHERE key = ?');
  const insert = sqlite.prepare('INSERT INTO server_settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING');
  return {
    get: (key) => get.get(key)?.value,
    getOrCreate(key, make) {
      const existing = get.get(key);
      if (existing) return existing.value;
      insert.run(key, make());
      return get.get(key)!.value;
    },
  };
}
