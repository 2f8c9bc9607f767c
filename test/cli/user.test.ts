import { statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';

describe('twofold user', () => {
  let dir: ReturnType<typeof makeTempDir>;
  beforeEach(() => {
    dir = makeTempDir();
  });
  afterEach(() => dir.remove());
  const user = (...args: string[]) => ['user', ...args, '--data-dir', dir.path];

  it('adds a user with a password from standard input, and creates the data directory and master key', async () => {
    const result = await runCli(user('add', 'alice', '--email', 'Alice@Example.com', '--password-stdin'), {
      input: 'correct horse battery\n',
    });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toBe('Created user alice <alice@example.com>.\n');
    expect(statSync(join(dir.path, 'master.key')).mode & 0o777).toBe(0o600);

    const shown = await runCli(user('show', 'alice@example.com', '--json'));
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({
      username: 'alice',
      email: 'alice@example.com',
      isAdmin: false,
      hasPassword: true,
      authenticators: [],
    });
  });

  it('prints a single-use password-setup link when no password is given', async () => {
    const result = await runCli(user('add', 'bob', '--email', 'bob@example.com', '--admin'));
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Created user bob <bob@example\.com> \(administrator\)\.\n/);
    expect(result.stdout).toMatch(/\nhttp:\/\/localhost:8080\/setup\/[A-Za-z0-9_-]{43}\n$/);
    const shown = JSON.parse((await runCli(user('show', 'bob', '--json'))).stdout);
    expect(shown).toMatchObject({ isAdmin: true, hasPassword: false });
  });

  it('lists users as a table and as JSON', async () => {
    await runCli(user('add', 'alice', '--email', 'a@example.com'));
    await runCli(user('add', 'bob', '--email', 'b@example.com', '--require-otp'));
    const table = await runCli(user('list'));
    expect(table.stdout.split('\n')[0]).toMatch(/^USER\s+E-MAIL\s+ROLE\s+OTP\s+STATE\s+CREATED$/);
    expect(table.stdout).toMatch(/\nbob\s+b@example\.com\s+required\s+\d{4}-\d\d-\d\d\n/);
    const json = JSON.parse((await runCli(user('list', '--json'))).stdout);
    expect(json.map((u: { username: string }) => u.username)).toEqual(['alice', 'bob']);
    expect(JSON.stringify(json)).not.toContain('password');
  });

  it.each([
    [['add', 'x', '--email', 'not-an-email'], 'twofold: Invalid e-mail address "not-an-email".\n'],
    [['add', 'bad name!', '--email', 'x@example.com'], /^twofold: Invalid user name "bad name!"/],
    [['add', 'x'], "error: required option '--email <email>' not specified\n"],
    [['show', 'nobody'], 'twofold: No user "nobody".\n'],
    [['remove', 'nobody'], 'twofold: No user "nobody".\n'],
  ])('refuses %j with exit 2 and a clear message', async (args, message) => {
    const result = await runCli(user(...args));
    expect(result.code).toBe(2);
    if (typeof message === 'string') expect(result.stderr).toBe(message);
    else expect(result.stderr).toMatch(message);
    expect(result.stdout).toBe('');
  });

  it('refuses weak passwords and duplicates, and leaves no trace of the refused user', async () => {
    const weak = await runCli(user('add', 'carol', '--email', 'c@example.com', '--password-stdin'), {
      input: 'short123\n',
    });
    expect(weak).toMatchObject({
      code: 2,
      stderr: 'twofold: The password is too short: use at least 10 characters.\n',
    });
    expect(await runCli(user('add', 'carol', '--email', 'c@example.com'))).toMatchObject({ code: 0 });
    expect(await runCli(user('add', 'CAROL', '--email', 'd@example.com'))).toMatchObject({
      code: 2,
      stderr: 'twofold: A user named "carol" already exists.\n',
    });
    expect(await runCli(user('add', 'dave', '--email', 'C@example.com'))).toMatchObject({
      code: 2,
      stderr: 'twofold: A user with the e-mail address "c@example.com" already exists.\n',
    });
    const list = JSON.parse((await runCli(user('list', '--json'))).stdout);
    expect(list.map((u: { username: string }) => u.username)).toEqual(['carol']);
  });

  it('removes a user', async () => {
    await runCli(user('add', 'alice', '--email', 'a@example.com'));
    expect(await runCli(user('remove', 'alice'))).toMatchObject({ code: 0, stdout: 'Removed user alice.\n' });
    expect((await runCli(user('list'))).stdout).toBe('No users.\n');
  });

  it('keeps the last administrator, as the admin API does', async () => {
    await runCli(user('add', 'root', '--email', 'root@example.com', '--admin'));
    expect(await runCli(user('remove', 'root'))).toMatchObject({
      code: 2,
      stdout: '',
      stderr: 'twofold: Cannot remove root: they are the only administrator.\n',
    });
    await runCli(user('add', 'second', '--email', 'second@example.com', '--admin'));
    expect(await runCli(user('remove', 'root'))).toMatchObject({ code: 0, stdout: 'Removed user root.\n' });
    const list = JSON.parse((await runCli(user('list', '--json'))).stdout);
    expect(list.map((u: { username: string }) => u.username)).toEqual(['second']);
  });

  it('marks what it does in the audit log as done from the command line', async () => {
    await runCli(user('add', 'alice', '--email', 'a@example.com', '--require-otp'));
    await runCli(user('remove', 'alice'));
    const db = new Database(join(dir.path, 'twofold.db'), { readonly: true });
    try {
      const events = db.prepare('select type, actor_id, detail from audit_events order by id').all() as {
        type: string;
        actor_id: string | null;
        detail: string;
      }[];
      expect(events.map((e) => e.type)).toEqual(['user.created', 'setup_link.created', 'user.removed']);
      for (const event of events) {
        expect(event.actor_id).toBeNull();
        expect(JSON.parse(event.detail)).toMatchObject({ via: 'cli' });
      }
    } finally {
      db.close();
    }
  });

  it('has --help on every command', async () => {
    for (const args of [
      [],
      ['user'],
      ['user', 'add'],
      ['serve'],
      ['code'],
      ['migrate'],
      ['keys', 'rotate'],
    ]) {
      const result = await runCli([...args, '--help']);
      expect(result.code, args.join(' ')).toBe(0);
      expect(result.stdout).toMatch(/^Usage: twofold/);
    }
  });
});
