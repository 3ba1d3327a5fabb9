// The server settings repository: install-wide values created on first use (`install_id`, `session_secret`), and
// values an operator sets (`alerts.run.<id>`, a run's alert routing as JSON). Values may be secrets: never log or
// send them.
import type Database from 'better-sqlite3';

export interface SettingsRepo {
  get(key: string): string | undefined;
  /** The stored value, or `make()` stored first; two processes racing keep the first value. */
  getOrCreate(key: string, make: () => string): string;
  /** Stores `value` under `key`, replacing what was there. */
  set(key: string, value: string): void;
}

export function createSettingsRepo(sqlite: Database.Database): SettingsRepo {
  const get = sqlite.prepare<[string], { value: string }>('SELECT value FROM server_settings WHERE key = ?');
  const insert = sqlite.prepare('INSERT INTO server_settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING');
  const upsert = sqlite.prepare(
    'INSERT INTO server_settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
  );
  return {
    get: (key) => get.get(key)?.value,
    getOrCreate(key, make) {
      const existing = get.get(key);
      if (existing) return existing.value;
      insert.run(key, make());
      return get.get(key)!.value;
    },
    set(key, value) {
      upsert.run(key, value);
    },
  };
}
