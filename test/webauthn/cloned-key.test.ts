/**
 * Threat: a cloned security key. A key whose private key was extracted (a side channel, a
 * firmware bug, a "backup" tool) works in two places. Each keeps its own signature counter, so
 * sooner or later one of them reports a counter not higher than the one last seen
 * (WebAuthn §6.1.1). Such an assertion is refused — the condition is part of the database
 * update, so two racing assertions cannot both pass — and audited as a possibly cloned key for
 * the administrators. Authenticators that keep no counter (always 0, as synced passkeys do)
 * are not mistaken for clones.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { UserRow } from '../../src/store/index.js';
import { createWebauthnTestApp, type WebauthnTestApp } from '../helpers/webauthn-app.js';
import type { SoftwareAuthenticator } from '../helpers/webauthn-authenticator.js';

let t: WebauthnTestApp;
let alice: UserRow;

beforeEach(async () => {
  t = await createWebauthnTestApp();
  alice = await t.createUser('alice');
});
afterEach(async () => t.close());

async function assertWith(key: SoftwareAuthenticator, signCount?: number) {
  const options = await t.core.webauthn.startSecondFactor(alice);
  return t.core.webauthn
    .verifySecondFactor(alice, key.assert(options, signCount === undefined ? {} : { signCount }), {
      purpose: 'login',
    })
    .then(
      () => 'accepted',
      (error: { code?: string; message?: string }) => `${error.code}: ${error.message}`,
    );
}

const clonedAudits = async () =>
  (
    await t.store.db
      .selectFrom('audit_events')
      .selectAll()
      .where('type', '=', 'authenticator.cloned_suspected')
      .execute()
  ).map((row) => JSON.parse(row.detail) as Record<string, unknown>);

describe('cloned key', () => {
  it('accepts a rising counter and stores it', async () => {
    const key = t.authenticator();
    await t.registerKey(await t.signedIn(alice), key);
    expect(await assertWith(key, 5)).toBe('accepted');
    expect(await assertWith(key, 6)).toBe('accepted');
    expect((await t.store.authenticators.listActiveByUser(alice.id))[0]?.sign_count).toBe(6);
  });

  it('refuses a counter that goes backwards, and audits a possibly cloned key', async () => {
    const key = t.authenticator();
    await t.registerKey(await t.signedIn(alice), key);
    expect(await assertWith(key, 10)).toBe('accepted');
    expect(await assertWith(key, 7)).toMatch(/^invalid_code: .*copied/);
    expect(await clonedAudits()).toEqual([
      expect.objectContaining({ kind: 'webauthn', storedSignCount: 10, receivedSignCount: 7 }),
    ]);
    // The stored counter is not lowered by the refused assertion.
    expect((await t.store.authenticators.listActiveByUser(alice.id))[0]?.sign_count).toBe(10);
  });

  it('refuses the same counter twice', async () => {
    const key = t.authenticator();
    await t.registerKey(await t.signedIn(alice), key);
    expect(await assertWith(key, 3)).toBe('accepted');
    expect(await assertWith(key, 3)).toMatch(/^invalid_code/);
  });

  it('refuses a counter that falls back to zero', async () => {
    const key = t.authenticator();
    await t.registerKey(await t.signedIn(alice), key);
    expect(await assertWith(key, 4)).toBe('accepted');
    expect(await assertWith(key, 0)).toMatch(/^invalid_code/);
    expect(await clonedAudits()).toHaveLength(1);
  });

  it('accepts an authenticator that keeps no counter (always zero)', async () => {
    const key = t.authenticator({ backupEligible: true });
    await t.registerKey(await t.signedIn(alice), key);
    expect(await assertWith(key, 0)).toBe('accepted');
    expect(await assertWith(key, 0)).toBe('accepted');
    expect(await clonedAudits()).toEqual([]);
  });

  it('refuses a counter lower than the one seen at registration', async () => {
    const key = t.authenticator();
    key.signCount = 50;
    await t.registerKey(await t.signedIn(alice), key);
    expect(await assertWith(key, 20)).toMatch(/^invalid_code/);
  });
});
