/**
 * The administrator's commands of issue 7 in the real, built `twofold` (child processes on a
 * temp data dir): `user add --require-otp`, `user require-otp NAME on|off` (off and on again
 * removes the devices — seed 003's changed phone), `user reset-mfa NAME`, `user unlock NAME`.
 * What they did is checked in the database, and the audit log names the shell as actor (none).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Core, systemClock, throttleKeys } from '../../src/core/index.js';
import { generateTotp } from '../../src/otp/index.js';
import { Keyring, parseMasterKeys } from '../../src/security/index.js';
import { migrateToLatest, openDatabase, Store, type UserRow } from '../../src/store/index.js';
import { runCli } from '../helpers/run-cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';

let dir: ReturnType<typeof makeTempDir>;
beforeEach(() => {
  dir = makeTempDir();
});
afterEach(() => dir.remove());

const cli = (...args: string[]) => runCli(['user', ...args, '--data-dir', dir.path]);

/** The data dir opened as the server opens it. */
async function withCore<T>(
  work: (core: Core, user: (name: string) => Promise<UserRow>) => Promise<T>,
): Promise<T> {
  const { db } = openDatabase({ dataDir: dir.path });
  await migrateToLatest(db);
  try {
    const keys = parseMasterKeys(readFileSync(join(dir.path, 'master.key'), 'utf8'), 'file');
    const store = new Store(db);
    const core = new Core({
      store,
      keyring: Keyring.fromKeys(keys),
      clock: systemClock,
      settings: { publicUrl: 'http://localhost:8080', issuer: 'Twofold', setupLinkHours: 72 },
    });
    return await work(core, async (name) => (await store.users.findByUsername(name)) as UserRow);
  } finally {
    await db.destroy();
  }
}

async function enrollDevice(name: string): Promise<void> {
  await withCore(async (core, user) => {
    const row = await user(name);
    const enrollment = await core.totp.start(row);
    await core.totp.activate(row, enrollment.authenticatorId, {
      code: generateTotp({ secret: enrollment.secret, atMillis: Date.now() }),
      name: 'Phone',
    });
  });
}

const deviceCount = (name: string) =>
  withCore(async (core, user) => (await core.authenticators.list(await user(name))).length);

describe('twofold user (administration)', () => {
  it('add --require-otp sets "OTP Configured" and writes the setup e-mail to the outbox', async () => {
    const added = await cli('add', 'nina', '--email', 'nina@example.test', '--require-otp');
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toMatch(/^Created user nina <nina@example\.test>\.\n/);
    const shown = JSON.parse((await cli('show', 'nina', '--json')).stdout);
    expect(shown).toMatchObject({ otpRequired: true, hasPassword: false });
    const outbox = readdirSync(join(dir.path, 'outbox'));
    expect(outbox).toHaveLength(1);
    const mail = readFileSync(join(dir.path, 'outbox', outbox[0]!), 'utf8');
    expect(mail).toMatch(/Subject: Twofold: set up your account/);
    expect(mail).toMatch(/Content-Type: text\/html/);
  });

  it('require-otp off removes the devices; on again makes the user enroll anew', async () => {
    expect((await cli('add', 'olaf', '--email', 'olaf@example.test')).code).toBe(0);
    const on = await cli('require-otp', 'olaf', 'on');
    expect(on).toMatchObject({
      code: 0,
      stdout: 'OTP is required for olaf: they set up a mobile authenticator at their next login.\n',
    });
    await enrollDevice('olaf');
    expect(await deviceCount('olaf')).toBe(1);

    const off = await cli('require-otp', 'olaf@example.test', 'off');
    expect(off).toMatchObject({
      code: 0,
      stdout: 'OTP is no longer required for olaf; 1 authenticator and the backup codes were removed.\n',
    });
    expect(await deviceCount('olaf')).toBe(0);
    expect((await cli('require-otp', 'olaf', 'on')).code).toBe(0);
    expect(JSON.parse((await cli('show', 'olaf', '--json')).stdout)).toMatchObject({
      otpRequired: true,
      authenticators: [],
    });
    const audit = await withCore(async (core) =>
      core.administration.auditLog('cli', { type: 'mfa.required_changed' }),
    );
    expect(audit.map((e) => [e.detail.required, e.actorId])).toEqual([
      [true, null],
      [false, null],
      [true, null],
    ]);
  });

  it('reset-mfa removes every device and backup code', async () => {
    await cli('add', 'pia', '--email', 'pia@example.test', '--require-otp');
    await enrollDevice('pia');
    await enrollDevice('pia');
    const reset = await cli('reset-mfa', 'pia');
    expect(reset).toMatchObject({
      code: 0,
      stdout:
        'Removed 2 authenticators and the backup codes of pia. They set up a mobile authenticator at their next login.\n',
    });
    expect(await deviceCount('pia')).toBe(0);
    // The user is told by e-mail (written to the outbox, as no SMTP server is configured).
    const subjects = readdirSync(join(dir.path, 'outbox')).map(
      (file) => /Subject: (.*)/.exec(readFileSync(join(dir.path, 'outbox', file), 'utf8'))?.[1],
    );
    expect(subjects).toContain('Twofold: your sign-in devices were reset');
  });

  it('unlock clears a locked second factor', async () => {
    await cli('add', 'quin', '--email', 'quin@example.test');
    await withCore(async (core, user) => {
      const key = throttleKeys.secondFactor((await user('quin')).id);
      // The state 100 wrong codes leave behind (security rule 3 in docs/architecture.md), written as the throttle writes it.
      await core.store.db
        .insertInto('throttles')
        .values({ key, failures: 100, blocked_until: 0, locked: 1, updated_at: Date.now() })
        .execute();
    });
    const locked = await withCore(
      async (core, user) => (await core.administration.profile('cli', (await user('quin')).id)).secondFactor,
    );
    expect(locked.locked).toBe(true);
    expect(await cli('unlock', 'quin')).toMatchObject({
      code: 0,
      stdout: 'Unlocked two-factor sign-in of quin.\n',
    });
    const after = await withCore(
      async (core, user) => (await core.administration.profile('cli', (await user('quin')).id)).secondFactor,
    );
    expect(after).toEqual({ failures: 0, blockedUntil: null, locked: false });
  });

  it('refuses unknown users and settings with exit 2 and a clear message', async () => {
    const cases: [string[], string][] = [
      [['require-otp', 'nobody', 'on'], 'twofold: No user "nobody".\n'],
      [['require-otp', 'x', 'maybe'], 'twofold: require-otp: expected "on" or "off", got "maybe"\n'],
      [['reset-mfa', 'nobody'], 'twofold: No user "nobody".\n'],
      [['unlock', 'nobody'], 'twofold: No user "nobody".\n'],
    ];
    // The database is created by the first command; the refusals then run side by side.
    expect((await cli('add', 'someone', '--email', 's@example.test')).code).toBe(0);
    const results = await Promise.all(cases.map(([args]) => cli(...args)));
    results.forEach((result, index) => {
      expect(result, cases[index]![0].join(' ')).toMatchObject({
        code: 2,
        stdout: '',
        stderr: cases[index]![1],
      });
    });
  });

  it('has --help on the new commands', async () => {
    const commands = ['require-otp', 'reset-mfa', 'unlock'];
    const results = await Promise.all(commands.map((command) => runCli(['user', command, '--help'])));
    results.forEach((result, index) => {
      expect(result.code, commands[index]).toBe(0);
      expect(result.stdout).toMatch(new RegExp(`^Usage: twofold user ${commands[index]}`));
    });
  });
});
