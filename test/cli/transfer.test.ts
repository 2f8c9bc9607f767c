import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Core, systemClock } from '../../src/core/index.js';
import { generateTotp } from '../../src/otp/index.js';
import { Keyring, parseMasterKeys } from '../../src/security/index.js';
import { migrateToLatest, openDatabase, Store, type UserRow } from '../../src/store/index.js';
import { createTempPostgresDatabase, type TempPostgres } from '../helpers/postgres.js';
import { runCli } from '../helpers/run-cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';

async function withCore<T>(
  where: { dataDir: string; databaseUrl?: string },
  keys: Buffer[],
  work: (core: Core) => Promise<T>,
): Promise<T> {
  const { db } = openDatabase(where);
  await migrateToLatest(db);
  try {
    const core = new Core({
      store: new Store(db),
      keyring: Keyring.fromKeys(keys),
      clock: systemClock,
      settings: { publicUrl: 'http://localhost:8080', issuer: 'Twofold', setupLinkHours: 72 },
    });
    return await work(core);
  } finally {
    await db.destroy();
  }
}

describe('twofold export / import', () => {
  let dir: ReturnType<typeof makeTempDir>;
  let pg: TempPostgres;
  beforeEach(async () => {
    dir = makeTempDir();
    pg = await createTempPostgresDatabase();
  });
  afterEach(async () => {
    dir.remove();
    await pg.drop();
  });

  it('moves an installation from SQLite to PostgreSQL: same password, same TOTP device', async () => {
    const sqliteDir = join(dir.path, 'sqlite');
    const added = await runCli(
      ['user', 'add', 'alice', '--email', 'a@example.com', '--password-stdin', '--data-dir', sqliteDir],
      {
        input: 'correct horse battery\n',
      },
    );
    expect(added.code).toBe(0);
    const keys = parseMasterKeys(readFileSync(join(sqliteDir, 'master.key'), 'utf8'), 'file');
    const secret = await withCore({ dataDir: sqliteDir }, keys, async (core) => {
      const user = (await core.store.users.findByUsername('alice')) as UserRow;
      const enrollment = await core.totp.start(user);
      await core.totp.activate(user, enrollment.authenticatorId, {
        code: generateTotp({ secret: enrollment.secret, atMillis: Date.now() - 30_000 }),
        name: 'Phone',
      });
      return enrollment.secret;
    });

    const exported = await runCli(['export', '--data-dir', sqliteDir]);
    expect(exported.code).toBe(0);
    expect(exported.stderr).toMatch(/^Exported \d+ rows from .*: 1 meta, 1 users, 1 authenticators, /);
    const lines = exported.stdout.trim().split('\n');
    expect(JSON.parse(lines[0]!)).toMatchObject({
      format: 'twofold-export',
      version: 1,
      counts: { users: 1 },
    });
    expect(exported.stdout).not.toContain(secret);

    const pgEnv = { TWOFOLD_DATABASE_URL: pg.url };
    const imported = await runCli(['import', '--data-dir', join(dir.path, 'pg')], {
      input: exported.stdout,
      env: pgEnv,
    });
    expect(imported.stderr).toMatch(
      /^Imported \d+ of \d+ rows into postgres:\/\/127\.0\.0\.1:\d+\/twofold_test_/,
    );
    expect(imported.code).toBe(0);

    // A second import into the now non-empty database is refused, and changes nothing.
    const again = await runCli(['import', '--data-dir', join(dir.path, 'pg')], {
      input: exported.stdout,
      env: pgEnv,
    });
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(
      /is not empty \(table meta has rows\): import into a fresh one, or pass --merge/,
    );

    await withCore({ dataDir: dir.path, databaseUrl: pg.url }, keys, async (core) => {
      const result = await core.signIn.login({
        login: 'alice',
        password: `correct horse battery${generateTotp({ secret, atMillis: Date.now() })}`,
        kind: 'api',
      });
      expect(result.outcome).toBe('signed_in');
    });
  });

  it('refuses input that is not an export, and a broken line, importing nothing', async () => {
    const target = join(dir.path, 'target');
    const notExport = await runCli(['import', '--data-dir', target], { input: '{"hello":1}\n' });
    expect(notExport).toMatchObject({ code: 2 });
    expect(notExport.stderr).toBe(
      'twofold: standard input is not a Twofold export (its first line must be the export header)\n',
    );
    const header = JSON.stringify({ format: 'twofold-export', version: 1, exportedAt: '', counts: {} });
    const user = { id: 'u1', username: 'x', email: 'x@example.com', created_at: 1, updated_at: 1 };
    // The users row is written (another table follows it) before the broken line is read.
    const meta = { key: 'k', value: 'v' };
    const broken = [
      header,
      JSON.stringify({ table: 'users', row: user }),
      JSON.stringify({ table: 'meta', row: meta }),
      '{not json',
    ].join('\n');
    const result = await runCli(['import', '--data-dir', target], { input: broken });
    expect(result).toMatchObject({
      code: 2,
      stderr: 'twofold: line 4 of the export is not valid JSON; nothing was imported\n',
    });
    const list = await runCli(['user', 'list', '--data-dir', target]);
    expect(list.stdout).toBe('No users.\n');
  });
});
