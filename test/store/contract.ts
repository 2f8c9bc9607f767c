import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TotpDeviceRow } from '../../src/store/authenticators.js';
import type { NewAuditEvent, NewUserRow, Store, ThrottleSchedule, TotpMatch } from '../../src/store/index.js';

/**
 * The store's behaviour, written once and run against every engine (SQLite and PostgreSQL):
 * each engine's test file passes a factory that opens a fresh, migrated database.
 */
export interface StoreFactory {
  readonly engine: string;
  open(): Promise<{ store: Store; close(): Promise<void> }>;
}

const T0 = 1_700_000_000_000;

export function newUser(overrides: Partial<NewUserRow> = {}): NewUserRow {
  const id = randomUUID();
  return {
    id,
    username: `user-${id.slice(0, 8)}`,
    email: `${id.slice(0, 8)}@example.test`,
    created_at: T0,
    updated_at: T0,
    ...overrides,
  };
}

export function createStoreContractTests(factory: StoreFactory): void {
  describe(`store contract (${factory.engine})`, () => {
    let store: Store;
    let close: () => Promise<void>;

    beforeEach(async () => {
      ({ store, close } = await factory.open());
    });
    afterEach(async () => {
      await close();
    });

    async function addTotp(userId: string, overrides: Record<string, unknown> = {}) {
      const id = randomUUID();
      await store.authenticators.insert({
        id,
        user_id: userId,
        kind: 'totp',
        name: 'Phone',
        status: 'active',
        secret_sealed: 'v1.key.sealed',
        algorithm: 'sha1',
        digits: 6,
        period_seconds: 30,
        created_at: T0,
        ...overrides,
      });
      return id;
    }

    describe('users', () => {
      it('finds a user by name or e-mail, in any case', async () => {
        const user = newUser({ username: 'alice', email: 'alice@example.test' });
        await store.users.insert(user);
        expect((await store.users.findByLogin('ALICE'))?.id).toBe(user.id);
        expect((await store.users.findByLogin(' Alice@Example.test '))?.id).toBe(user.id);
        expect(await store.users.findByLogin('bob')).toBeUndefined();
      });

      it('refuses a second user with the same name or e-mail', async () => {
        await store.users.insert(newUser({ username: 'alice', email: 'a@example.test' }));
        await expect(store.users.insert(newUser({ username: 'alice' }))).rejects.toThrow();
        await expect(store.users.insert(newUser({ email: 'a@example.test' }))).rejects.toThrow();
        expect(await store.users.count()).toBe(1);
      });

      it('searches and pages, treating % and _ literally', async () => {
        for (const name of ['anna', 'bert', 'carl_x', 'carlx'])
          await store.users.insert(newUser({ username: name }));
        expect((await store.users.list({ search: 'car' })).map((u) => u.username)).toEqual([
          'carl_x',
          'carlx',
        ]);
        expect((await store.users.list({ search: '_' })).map((u) => u.username)).toEqual(['carl_x']);
        expect(await store.users.count('%')).toBe(0);
        expect((await store.users.list({ offset: 1, limit: 2 })).map((u) => u.username)).toEqual([
          'bert',
          'carl_x',
        ]);
      });

      it('removes a user with everything that is theirs', async () => {
        const user = newUser();
        await store.users.insert(user);
        await addTotp(user.id);
        expect(await store.users.remove(user.id)).toBe(true);
        expect(await store.authenticators.listByUser(user.id)).toEqual([]);
        expect(await store.users.remove(user.id)).toBe(false);
      });
    });

    describe('authenticators', () => {
      it('activates a pending authenticator once, and not after it expired', async () => {
        const user = newUser();
        await store.users.insert(user);
        const fresh = await addTotp(user.id, { status: 'pending', expires_at: T0 + 900_000 });
        const stale = await addTotp(user.id, { status: 'pending', expires_at: T0 + 1_000 });
        expect(
          await store.authenticators.activate(fresh, T0 + 2_000, { name: 'Work phone', lastStep: 7 }),
        ).toBe(true);
        expect(await store.authenticators.activate(fresh, T0 + 3_000, { name: 'again' })).toBe(false);
        expect(await store.authenticators.activate(stale, T0 + 2_000, { name: 'late' })).toBe(false);
        const row = await store.authenticators.findById(fresh);
        expect(row).toMatchObject({ status: 'active', name: 'Work phone', last_step: 7, expires_at: null });
        expect(await store.authenticators.removeExpiredPending(T0 + 2_000)).toBe(1);
        expect(await store.authenticators.countActiveByUser(user.id)).toBe(1);
      });

      it('accepts a time step only when it is newer than the last one (RFC 6238 §5.2)', async () => {
        const user = newUser();
        await store.users.insert(user);
        const id = await addTotp(user.id);
        const accept = async (step: number, now: number) =>
          (
            await store.totpAttempts.attempt({
              throttleKey: `mfa:user:${user.id}`,
              userId: user.id,
              now,
              schedule: { freeFailures: 10, baseDelayMs: 1, maxDelayMs: 2, lockAfterFailures: null },
              check: () => [{ authenticatorId: id, step }],
            })
          ).status === 'accepted';
        expect(await accept(100, T0)).toBe(true);
        expect(await accept(100, T0)).toBe(false);
        expect(await accept(99, T0)).toBe(false);
        expect(await accept(101, T0 + 1)).toBe(true);
        expect(await store.authenticators.findById(id)).toMatchObject({
          last_step: 101,
          last_used_at: T0 + 1,
        });
      });

      it('never accepts a step for a pending authenticator', async () => {
        const user = newUser();
        await store.users.insert(user);
        const id = await addTotp(user.id, { status: 'pending', expires_at: T0 + 900_000 });
        const outcome = await store.totpAttempts.attempt({
          throttleKey: `mfa:user:${user.id}`,
          userId: user.id,
          now: T0,
          schedule: { freeFailures: 10, baseDelayMs: 1, maxDelayMs: 2, lockAfterFailures: null },
          // A check that (wrongly) claims the pending device: the UPDATE still refuses it.
          check: () => [{ authenticatorId: id, step: 5 }],
        });
        expect(outcome).toMatchObject({ status: 'failed', replayed: true });
        expect((await store.authenticators.findById(id))?.last_step).toBe(0);
      });

      it("removes only the owner's authenticator", async () => {
        const [alice, bob] = [newUser(), newUser()];
        await store.users.insert(alice);
        await store.users.insert(bob);
        const id = await addTotp(alice.id);
        expect(await store.authenticators.remove(id, bob.id)).toBe(false);
        expect(await store.authenticators.remove(id, alice.id)).toBe(true);
      });
    });

    describe('throttles', () => {
      const schedule: ThrottleSchedule = {
        freeFailures: 5,
        baseDelayMs: 30_000,
        maxDelayMs: 900_000,
        lockAfterFailures: 8,
      };

      it('blocks after the free failures, doubling the wait, then locks', async () => {
        let now = T0;
        for (let i = 1; i <= 4; i++) {
          expect(await store.throttles.reserveAttempt('k', now, schedule)).toEqual({
            allowed: true,
            failures: i,
          });
        }
        expect(await store.throttles.reserveAttempt('k', now, schedule)).toEqual({
          allowed: true,
          failures: 5,
        });
        expect(await store.throttles.reserveAttempt('k', now + 29_999, schedule)).toEqual({
          allowed: false,
          blockedUntil: now + 30_000,
          locked: false,
        });
        now += 30_000;
        expect(await store.throttles.reserveAttempt('k', now, schedule)).toEqual({
          allowed: true,
          failures: 6,
        });
        expect((await store.throttles.find('k'))?.blocked_until).toBe(now + 60_000);
        now += 60_000;
        expect(await store.throttles.reserveAttempt('k', now, schedule)).toEqual({
          allowed: true,
          failures: 7,
        });
        now += 120_000;
        expect(await store.throttles.reserveAttempt('k', now, schedule)).toEqual({
          allowed: true,
          failures: 8,
        });
        now += 10_000_000;
        const locked = await store.throttles.reserveAttempt('k', now, schedule);
        expect(locked).toMatchObject({ allowed: false, locked: true });
      });

      it('keeps a lock through a success unless told to clear it', async () => {
        for (let i = 0; i < 8; i++) await store.throttles.reserveAttempt('k', T0 + i * 1_000_000, schedule);
        await store.throttles.recordSuccess('k', T0);
        expect((await store.throttles.find('k'))?.locked).toBe(1);
        await store.throttles.recordSuccess('k', T0, { clearLock: true });
        expect(await store.throttles.find('k')).toMatchObject({ locked: 0, failures: 0, blocked_until: 0 });
      });

      it('counts every one of many racing attempts, and lets no more through than allowed', async () => {
        const results = await Promise.all(
          Array.from({ length: 40 }, () => store.throttles.reserveAttempt('race', T0, schedule)),
        );
        expect(results.filter((r) => r.allowed)).toHaveLength(5);
        expect((await store.throttles.find('race'))?.failures).toBe(5);
      });

      it('a success ends the failures in a row', async () => {
        await store.throttles.reserveAttempt('k', T0, schedule);
        await store.throttles.reserveAttempt('k', T0, schedule);
        await store.throttles.recordSuccess('k', T0);
        expect(await store.throttles.reserveAttempt('k', T0, schedule)).toEqual({
          allowed: true,
          failures: 1,
        });
      });
    });

    describe('TOTP attempts', () => {
      const schedule: ThrottleSchedule = {
        freeFailures: 2,
        baseDelayMs: 30_000,
        maxDelayMs: 900_000,
        lockAfterFailures: 4,
      };

      async function userWithSession() {
        const user = newUser();
        await store.users.insert(user);
        const idHash = `session-${user.id}`;
        await store.sessions.insert({
          id_hash: idHash,
          user_id: user.id,
          kind: 'api',
          stage: 'full',
          csrf_token: 'c',
          created_at: T0,
          expires_at: T0 + 3_600_000,
          authenticated_at: T0,
          last_seen_at: T0,
        });
        return { user, idHash, key: `mfa:user:${user.id}` };
      }

      /** A check that finds nothing (a wrong code), counting its calls. */
      function wrongCode() {
        const check = Object.assign(
          (_devices: readonly TotpDeviceRow[]): TotpMatch[] => {
            check.calls += 1;
            return [];
          },
          { calls: 0 },
        );
        return check;
      }

      const attempt = (
        user: { id: string },
        key: string,
        now: number,
        check: (devices: readonly TotpDeviceRow[]) => readonly TotpMatch[],
        more: { sessionIdHash?: string; audit?: NewAuditEvent; schedule?: ThrottleSchedule } = {},
      ) =>
        store.totpAttempts.attempt({
          throttleKey: key,
          userId: user.id,
          now,
          schedule: more.schedule ?? schedule,
          check,
          sessionIdHash: more.sessionIdHash,
          audit: more.audit,
        });

      it("checks the code against the user's active TOTP devices only, and counts a failure", async () => {
        const { user, key } = await userWithSession();
        const other = newUser();
        await store.users.insert(other);
        const phone = await addTotp(user.id, { last_step: 41 });
        const tablet = await addTotp(user.id);
        await addTotp(user.id, { status: 'pending', expires_at: T0 + 900_000 });
        await addTotp(other.id);
        let seen: TotpDeviceRow[] = [];
        const outcome = await attempt(user, key, T0, (devices) => {
          seen = [...devices].sort((a, b) => a.last_step - b.last_step);
          return [];
        });
        expect(outcome).toEqual({ status: 'failed', failures: 1, replayed: false });
        expect(seen.map((d) => d.id)).toEqual([tablet, phone]);
        expect(seen[1]).toMatchObject({ secret_sealed: 'v1.key.sealed', digits: 6, period_seconds: 30 });
        expect((await store.throttles.find(key))?.failures).toBe(1);
      });

      it('refuses an attempt while blocked, says until when, and neither checks nor counts it', async () => {
        const { user, key } = await userWithSession();
        await addTotp(user.id);
        const check = wrongCode();
        await attempt(user, key, T0, check);
        expect(await attempt(user, key, T0, check)).toEqual({
          status: 'failed',
          failures: 2,
          replayed: false,
        });
        expect(await attempt(user, key, T0 + 29_999, check)).toEqual({
          status: 'refused',
          blockedUntil: T0 + 30_000,
          locked: false,
        });
        expect(check.calls).toBe(2);
        expect((await store.throttles.find(key))?.failures).toBe(2);
        expect(await attempt(user, key, T0 + 30_000, check)).toMatchObject({ status: 'failed', failures: 3 });
      });

      it('checks no more of many parallel wrong codes than the throttle allows, counting each', async () => {
        const { user, key } = await userWithSession();
        await addTotp(user.id);
        const check = wrongCode();
        const lenient = { ...schedule, freeFailures: 5, lockAfterFailures: null };
        const outcomes = await Promise.all(
          Array.from({ length: 40 }, () => attempt(user, key, T0, check, { schedule: lenient })),
        );
        expect(outcomes.filter((o) => o.status === 'failed')).toHaveLength(5);
        expect(outcomes.filter((o) => o.status === 'refused')).toHaveLength(35);
        expect(check.calls).toBe(5);
        expect((await store.throttles.find(key))?.failures).toBe(5);
      });

      it('accepts a step once; only then ends the failures, proves the session and audits', async () => {
        const { user, idHash, key } = await userWithSession();
        const id = await addTotp(user.id);
        await attempt(user, key, T0, wrongCode());
        const audit = {
          type: 'step_up.succeeded',
          userId: user.id,
          ip: '192.0.2.1',
          detail: { method: 'totp' },
          at: T0 + 5,
        };
        const valid = () => [{ authenticatorId: id, step: 100 }];
        expect(await attempt(user, key, T0 + 5, valid, { sessionIdHash: idHash, audit })).toEqual({
          status: 'accepted',
          authenticatorId: id,
        });
        expect(await store.throttles.find(key)).toMatchObject({ failures: 0, blocked_until: 0 });
        expect(await store.sessions.findLive(idHash, T0)).toMatchObject({
          second_factor_at: T0 + 5,
          last_seen_at: T0 + 5,
        });
        expect(await store.authenticators.findById(id)).toMatchObject({
          last_step: 100,
          last_used_at: T0 + 5,
        });
        const [event] = await store.audit.list({ userId: user.id });
        expect(event).toMatchObject({
          type: 'step_up.succeeded',
          ip: '192.0.2.1',
          created_at: T0 + 5,
          actor_id: null,
        });
        expect(JSON.parse(event!.detail)).toEqual({ method: 'totp' });

        // The same step again is a replay: counted, and nothing of what follows a success happens.
        const again = await attempt(user, key, T0 + 9, valid, {
          sessionIdHash: idHash,
          audit: { ...audit, at: T0 + 9 },
        });
        expect(again).toEqual({ status: 'failed', failures: 1, replayed: true });
        expect((await store.sessions.findLive(idHash, T0))?.second_factor_at).toBe(T0 + 5);
        expect(await store.audit.list({ userId: user.id })).toHaveLength(1);
      });

      it('accepts without a session or an audit event, leaving no failures behind', async () => {
        const { user, key } = await userWithSession();
        const id = await addTotp(user.id);
        expect(await attempt(user, key, T0, () => [{ authenticatorId: id, step: 1 }])).toMatchObject({
          status: 'accepted',
        });
        expect((await store.throttles.find(key))?.failures ?? 0).toBe(0);
        expect(await store.audit.list({ userId: user.id })).toHaveLength(0);
      });

      it('locks after the last allowed failure; a right code at that attempt still gets in', async () => {
        const { user, key } = await userWithSession();
        const id = await addTotp(user.id);
        const check = wrongCode();
        for (let i = 0; i < 3; i++) await attempt(user, key, T0 + i * 10_000_000, check);
        // The fourth attempt would lock the key; being right, it signs in and leaves it open.
        const right = await attempt(user, key, T0 + 30_000_000, () => [{ authenticatorId: id, step: 7 }]);
        expect(right).toMatchObject({ status: 'accepted' });
        expect(await store.throttles.find(key)).toMatchObject({ locked: 0, failures: 0 });
        for (let i = 0; i < 4; i++) await attempt(user, key, T0 + (4 + i) * 10_000_000, check);
        expect(await attempt(user, key, T0 + 100_000_000, check)).toMatchObject({
          status: 'refused',
          locked: true,
        });
        expect(check.calls).toBe(7);
      });

      it('lets exactly one of many racing attempts with one valid code in, and audits it once', async () => {
        const { user, idHash, key } = await userWithSession();
        const id = await addTotp(user.id);
        const lenient = { ...schedule, freeFailures: 100, lockAfterFailures: null };
        const outcomes = await Promise.all(
          Array.from({ length: 25 }, (_, i) =>
            attempt(user, key, T0 + i, () => [{ authenticatorId: id, step: 777 }], {
              schedule: lenient,
              sessionIdHash: idHash,
              audit: { type: 'step_up.succeeded', userId: user.id, at: T0 + i },
            }),
          ),
        );
        const winner = outcomes.findIndex((o) => o.status === 'accepted');
        expect(outcomes.filter((o) => o.status === 'accepted')).toHaveLength(1);
        expect(outcomes.filter((o) => o.status === 'failed' && o.replayed)).toHaveLength(24);
        expect(await store.audit.list({ userId: user.id })).toMatchObject([{ created_at: T0 + winner }]);
        expect((await store.sessions.findLive(idHash, T0))?.second_factor_at).toBe(T0 + winner);
      });
    });

    describe('sessions', () => {
      it('rotates the id so the old one stops working', async () => {
        const user = newUser();
        await store.users.insert(user);
        await store.sessions.insert({
          id_hash: 'old',
          user_id: user.id,
          kind: 'browser',
          stage: 'password',
          csrf_token: 'c',
          created_at: T0,
          expires_at: T0 + 300_000,
          authenticated_at: T0,
          last_seen_at: T0,
        });
        expect(await store.sessions.rotate('old', 'new', { stage: 'full', second_factor_at: T0 })).toBe(true);
        expect(await store.sessions.findLive('old', T0)).toBeUndefined();
        expect(await store.sessions.findLive('new', T0)).toMatchObject({ stage: 'full', user_id: user.id });
        expect(await store.sessions.findLive('new', T0 + 300_000)).toBeUndefined();
      });

      it('finds a live session with its user, every column of each as stored', async () => {
        const user = newUser({ first_name: 'Ada', last_login_at: T0 - 1 });
        await store.users.insert(user);
        const session = {
          id_hash: 'h',
          user_id: user.id,
          kind: 'api' as const,
          stage: 'full' as const,
          csrf_token: 'c',
          created_at: T0,
          expires_at: T0 + 300_000,
          authenticated_at: T0 + 1,
          second_factor_at: T0 + 2,
          last_seen_at: T0 + 3,
          user_agent: 'agent',
          ip: '192.0.2.1',
          flash: 'notice',
          backup_codes_sealed: 'sealed',
          backup_codes_until: T0 + 4,
          amr: 'pwd otp mfa',
          external_sign_in: '{"providerId":"p","name":"Example","amr":["pwd"],"acr":null}',
        };
        await store.sessions.insert(session);
        const found = await store.sessions.findLiveWithUser('h', T0);
        expect(found?.session).toStrictEqual(await store.sessions.findLive('h', T0));
        expect(found?.session).toEqual(session);
        expect(found?.user).toStrictEqual(await store.users.findById(user.id));
        expect(await store.sessions.findLiveWithUser('h', T0 + 300_000)).toBeUndefined();
        expect(await store.sessions.findLiveWithUser('other', T0)).toBeUndefined();
      });
    });

    describe('services', () => {
      it("finds a service with one person's choice and whether they have a factor, a WebAuthn one", async () => {
        const alice = newUser();
        const bob = newUser();
        await store.users.insert(alice);
        await store.users.insert(bob);
        const serviceId = randomUUID();
        await store.services.insert({
          id: serviceId,
          client_id: 'wiki',
          name: 'Wiki',
          kind: 'site',
          secret_hash: null,
          hosts: '["wiki.example.com"]',
          redirect_uris: '[]',
          logout_uris: '[]',
          scopes: 'openid',
          mfa_policy: 'user_choice',
          created_at: T0,
          updated_at: T0,
        });
        const facts = async (userId: string) => {
          const row = await store.services.findForSignIn('wiki', userId);
          return {
            name: row?.name,
            mfaOff: row?.mfa_off ?? null,
            hasFactor: Boolean(row?.has_factor),
            hasWebauthn: Boolean(row?.has_webauthn),
          };
        };
        expect(await facts(alice.id)).toEqual({
          name: 'Wiki',
          mfaOff: null,
          hasFactor: false,
          hasWebauthn: false,
        });

        await addTotp(alice.id, { status: 'pending' });
        expect(await facts(alice.id)).toMatchObject({ hasFactor: false });
        await addTotp(alice.id);
        await store.services.setMfaOff(alice.id, serviceId, true, T0);
        expect(await facts(alice.id)).toEqual({
          name: 'Wiki',
          mfaOff: 1,
          hasFactor: true,
          hasWebauthn: false,
        });
        await addTotp(alice.id, {
          kind: 'webauthn',
          secret_sealed: null,
          algorithm: null,
          digits: null,
          period_seconds: null,
        });
        expect(await facts(alice.id)).toMatchObject({ hasFactor: true, hasWebauthn: true });
        // Another person's factors and choice are not hers, nor hers his.
        expect(await facts(bob.id)).toEqual({
          name: 'Wiki',
          mfaOff: null,
          hasFactor: false,
          hasWebauthn: false,
        });
        expect(await store.services.findForSignIn('other', alice.id)).toBeUndefined();
      });
    });

    describe('one-time links', () => {
      it('can be used once, and not after expiry', async () => {
        const user = newUser();
        await store.users.insert(user);
        await store.oneTimeLinks.insert({
          id: 'l1',
          token_hash: 'h1',
          user_id: user.id,
          purpose: 'password_setup',
          created_at: T0,
          expires_at: T0 + 1000,
        });
        expect((await store.oneTimeLinks.findUsable('h1', T0))?.id).toBe('l1');
        expect(await store.oneTimeLinks.findUsable('h1', T0 + 1000)).toBeUndefined();
        const results = await Promise.all([
          store.oneTimeLinks.consume('l1', T0),
          store.oneTimeLinks.consume('l1', T0),
        ]);
        expect(results.filter(Boolean)).toHaveLength(1);
        expect(await store.oneTimeLinks.findUsable('h1', T0)).toBeUndefined();
      });
    });

    describe('api tokens', () => {
      it('finds live tokens only, and revokes for the owner only', async () => {
        const user = newUser();
        await store.users.insert(user);
        await store.apiTokens.insert({
          id: 't1',
          user_id: user.id,
          name: 'ci',
          token_hash: 'th',
          created_at: T0,
        });
        await store.apiTokens.insert({
          id: 't2',
          user_id: user.id,
          name: 'old',
          token_hash: 'th2',
          created_at: T0,
          expires_at: T0 + 10,
        });
        expect((await store.apiTokens.findUsable('th', T0 + 100))?.id).toBe('t1');
        expect(await store.apiTokens.findUsable('th2', T0 + 10)).toBeUndefined();
        expect(await store.apiTokens.revoke('t1', 'someone-else', T0)).toBe(false);
        expect(await store.apiTokens.revoke('t1', user.id, T0)).toBe(true);
        expect(await store.apiTokens.findUsable('th', T0)).toBeUndefined();
      });
    });

    describe('audit and meta', () => {
      it('lists audit events newest first, by user and type', async () => {
        await store.audit.append({
          type: 'login.succeeded',
          userId: 'u1',
          at: T0,
          detail: { method: 'totp' },
        });
        await store.audit.append({ type: 'login.failed', userId: 'u1', at: T0 + 1 });
        await store.audit.append({ type: 'login.failed', userId: 'u2', at: T0 + 2 });
        expect((await store.audit.list()).map((e) => e.created_at)).toEqual([T0 + 2, T0 + 1, T0]);
        expect(await store.audit.list({ userId: 'u1', type: 'login.failed' })).toHaveLength(1);
        const [first] = await store.audit.list({ type: 'login.succeeded' });
        expect(JSON.parse(first!.detail)).toEqual({ method: 'totp' });
      });

      it('keeps named values', async () => {
        expect(await store.meta.get('k')).toBeUndefined();
        await store.meta.set('k', 'v1');
        await store.meta.set('k', 'v2');
        expect(await store.meta.get('k')).toBe('v2');
      });
    });

    describe('transactions', () => {
      it('leave nothing behind when the work fails', async () => {
        const user = newUser();
        await expect(
          store.transaction(async (tx) => {
            await tx.users.insert(user);
            throw new Error('boom');
          }),
        ).rejects.toThrow('boom');
        expect(await store.users.findById(user.id)).toBeUndefined();
      });
    });
  });
}
