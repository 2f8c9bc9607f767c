import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ActiveSession, BACKUP_CODE_COUNT, type TwofoldError } from '../../src/core/index.js';
import type { UserRow } from '../../src/store/index.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

describe('backup codes (core)', () => {
  let t: TestApp;
  let user: UserRow;
  let secret: string;
  beforeEach(async () => {
    t = await createTestApp();
    user = await t.createUser('alice');
    ({ secret } = await t.enrollTotp(user));
  });
  afterEach(async () => {
    await t.close();
  });

  async function freshSession(): Promise<ActiveSession> {
    return (await freshLogin()).session;
  }

  async function freshLogin(): Promise<{ session: ActiveSession; token: string }> {
    const result = await t.core.signIn.login({
      login: 'alice',
      password: 'correct horse battery',
      otp: t.codeFor(secret),
      kind: 'browser',
    });
    if (result.outcome !== 'signed_in') throw new Error('expected to sign in');
    t.clock.advance(30_000); // the next login needs the next step's code
    const session = (await t.core.sessions.resolve(result.session.token))!;
    return { session, token: result.session.token };
  }

  const loginWith = (otp: string) =>
    t.core.signIn.login({ login: 'alice', password: 'correct horse battery', otp, kind: 'api' });

  it('makes ten distinct codes in groups of four from an unambiguous alphabet, shown once', async () => {
    const { session, token } = await freshLogin();
    const codes = await t.core.backupCodes.generate(session);
    expect(codes).toHaveLength(BACKUP_CODE_COUNT);
    expect(new Set(codes).size).toBe(BACKUP_CODE_COUNT);
    for (const code of codes) expect(code).toMatch(/^[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}$/);
    const reloaded = (await t.core.sessions.resolve(token))!;
    expect(t.core.backupCodes.handout(reloaded)).toEqual(codes);
    t.clock.advance(5 * 60_000);
    expect(t.core.backupCodes.handout(reloaded)).toBeUndefined();
    expect(await t.core.backupCodes.status(user)).toMatchObject({
      total: 10,
      remaining: 10,
      confirmed: false,
    });
  });

  it('lets each code in once, with or without dashes, in any case', async () => {
    const codes = await t.core.backupCodes.generate(await freshSession());
    expect(await loginWith(codes[0]!)).toMatchObject({
      outcome: 'signed_in',
      proof: { method: 'backup_code', remaining: 9 },
    });
    expect(await loginWith(codes[0]!)).toMatchObject({
      outcome: 'second_factor_required',
      codeWasWrong: true,
    });
    expect(await loginWith(codes[1]!.replaceAll('-', '').toLowerCase())).toMatchObject({
      outcome: 'signed_in',
    });
    expect(await loginWith(` ${codes[2]!.toLowerCase()} `)).toMatchObject({ outcome: 'signed_in' });
    expect((await t.core.backupCodes.status(user)).remaining).toBe(7);
  });

  it('of two racing uses of one code, exactly one wins', async () => {
    const codes = await t.core.backupCodes.generate(await freshSession());
    const results = await Promise.all(Array.from({ length: 4 }, () => loginWith(codes[3]!)));
    expect(results.filter((r) => r.outcome === 'signed_in')).toHaveLength(1);
  });

  it('a new set replaces the old one entirely', async () => {
    const old = await t.core.backupCodes.generate(await freshSession());
    const fresh = await t.core.backupCodes.generate(await freshSession());
    expect(await loginWith(old[0]!)).toMatchObject({ codeWasWrong: true });
    expect(await loginWith(fresh[0]!)).toMatchObject({ outcome: 'signed_in' });
  });

  it('needs a recent login and second factor to generate', async () => {
    const session = await freshSession();
    t.clock.advance(5 * 60_000 + 1);
    await expect(t.core.backupCodes.generate(session)).rejects.toMatchObject({
      code: 'reauthentication_required',
    });
  });

  it('lifts the lock after 100 wrong codes in a row, which a right TOTP code cannot', async () => {
    const codes = await t.core.backupCodes.generate(await freshSession());
    const wrong = (offset: number) => (t.codeFor(secret, offset) === '000000' ? '111111' : '000000');
    for (let i = 0; i < 100; i++) {
      await loginWith(wrong(0));
      t.clock.advance(16 * 60_000);
    }
    const locked = (await loginWith(t.codeFor(secret)).catch((e: TwofoldError) => e)) as TwofoldError;
    expect(locked).toMatchObject({ code: 'locked', status: 423 });
    expect(await loginWith(codes[5]!)).toMatchObject({ outcome: 'signed_in' });
    t.clock.advance(30_000);
    expect(await loginWith(t.codeFor(secret))).toMatchObject({ outcome: 'signed_in' });
    const types = (await t.store.audit.list({ userId: user.id, limit: 1000 })).map((e) => e.type);
    expect(types).toContain('second_factor.locked');
    expect(types).toContain('second_factor.unlocked');
  });

  it('stores no code in clear anywhere in the database files', async () => {
    const codes = await t.core.backupCodes.generate(await freshSession());
    const contents = readdirSync(t.dataDir)
      .filter((f) => f.startsWith('twofold.db'))
      .map((f) => readFileSync(join(t.dataDir, f)));
    for (const code of codes) {
      for (const form of [code, code.replaceAll('-', ''), code.replaceAll('-', '').toLowerCase()]) {
        expect(contents.some((c) => c.includes(Buffer.from(form)))).toBe(false);
      }
    }
  });
});
