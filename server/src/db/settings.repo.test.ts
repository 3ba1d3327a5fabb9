import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type OpenDatabase } from './client.js';
import { createRepositories, type Repositories } from './repositories.js';

let conn: OpenDatabase;
afterEach(() => conn.close());

function repositories(): Repositories {
  conn = openDatabase(':memory:');
  return createRepositories(conn.sqlite);
}

describe('SettingsRepo', () => {
  it('getOrCreate stores the first value and returns it afterwards without calling make again', () => {
    const repos = repositories();
    expect(repos.settings.get('install_id')).toBeUndefined();
    expect(repos.settings.getOrCreate('install_id', () => 'a1b2c3')).toBe('a1b2c3');
    expect(
      repos.settings.getOrCreate('install_id', () => {
        throw new Error('must not be called');
      }),
    ).toBe('a1b2c3');
  });

  it('set replaces the stored value', () => {
    const repos = repositories();
    repos.settings.set('alerts.run.1', '{"a":1}');
    repos.settings.set('alerts.run.1', '{"a":2}');
    expect(repos.settings.get('alerts.run.1')).toBe('{"a":2}');
    expect(repos.settings.get('alerts.run.2')).toBeUndefined();
  });
});
