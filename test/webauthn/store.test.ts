import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Core, ManualClock } from '../../src/core/index.js';
import { generateMasterKey, Keyring, randomId } from '../../src/security/index.js';
import type { Store, UserRow } from '../../src/store/index.js';
import { openTempPostgres } from '../helpers/postgres.js';
import { openTempSqlite } from '../helpers/sqlite-store.js';
import { TEST_EPOCH } from '../helpers/test-app.js';
import { SoftwareAuthenticator } from '../helpers/webauthn-authenticator.js';

/**
 * The WebAuthn state two instances must agree on — challenges and sign counters — decided by
 * the database, the same way on SQLite and PostgreSQL.
 */
const engines = [
  { engine: 'sqlite', open: openTempSqlite },
  { engine: 'postgres', open: openTempPostgres },
] as const;

for (const { engine, open } of engines) {
  describe(`WebAuthn state on ${engine}`, () => {
    let store: Store;
    let close: () => Promise<void>;
    let core: Core;
    let clock: ManualClock;
    let alice: UserRow;

    beforeEach(async () => {
      const database = await open();
      store = database.store;
      close = () => database.close();
      clock = new ManualClock(TEST_EPOCH);
      core = new Core({
        store,
        keyring: Keyring.fromKeys([generateMasterKey()]),
        clock,
        settings: { publicUrl: 'http://localhost:8080', issuer: 'Twofold', setupLinkHours: 72 },
      });
      const { user } = await core.accounts.createUser({
        username: 'alice',
        email: 'alice@example.test',
        password: 'correct horse battery',
      });
      alice = (await store.users.findById(user.id)) as UserRow;
    });
    afterEach(async () => close());

    const challenge = (
      purpose: 'registration' | 'authentication' | 'passkey',
      userId: string | null,
      value: string,
    ) =>
      store.webauthnChallenges.insert({
        id: randomId(),
        challenge: value,
        user_id: userId,
        purpose,
        created_at: clock.now(),
        expires_at: clock.now() + 5 * 60_000,
      });

    it('hands a challenge out once, to the right purpose and user, before it expires', async () => {
      await challenge('authentication', alice.id, 'challenge-one-aaaaaaaa');
      await challenge('passkey', null, 'challenge-two-aaaaaaaa');
      await challenge('registration', alice.id, 'challenge-three-aaaaaa');
      const consume = store.webauthnChallenges.consume.bind(store.webauthnChallenges);
      expect(await consume('challenge-one-aaaaaaaa', 'registration', alice.id, clock.now())).toBeUndefined();
      expect(await consume('challenge-one-aaaaaaaa', 'authentication', null, clock.now())).toBeUndefined();
      expect(await consume('challenge-one-aaaaaaaa', 'authentication', alice.id, clock.now())).toMatchObject({
        purpose: 'authentication',
      });
      expect(
        await consume('challenge-one-aaaaaaaa', 'authentication', alice.id, clock.now()),
      ).toBeUndefined();
      expect(await consume('challenge-two-aaaaaaaa', 'passkey', alice.id, clock.now())).toBeUndefined();
      expect(await consume('challenge-two-aaaaaaaa', 'passkey', null, clock.now())).toBeDefined();
      expect(
        await consume('challenge-three-aaaaaa', 'registration', alice.id, clock.now() + 5 * 60_000),
      ).toBeUndefined();
    });

    it('gives a challenge to exactly one of many racing requests', async () => {
      await challenge('authentication', alice.id, 'racing-challenge-aaaa');
      const results = await Promise.all(
        Array.from({ length: 8 }, () =>
          store.webauthnChallenges.consume('racing-challenge-aaaa', 'authentication', alice.id, clock.now()),
        ),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('runs a whole ceremony and refuses the replay and a backwards counter', async () => {
      const key = new SoftwareAuthenticator({ origin: 'http://localhost:8080', rpId: 'localhost' });
      const session = await core.sessions.create({
        userId: alice.id,
        kind: 'browser',
        stage: 'full',
        secondFactorAt: clock.now(),
      });
      const active = await core.sessions.resolve(session.token);
      if (!active) throw new Error('no session');
      const creation = await core.webauthn.startRegistration(active);
      await core.webauthn.finishRegistration(active, { response: key.register(creation) });

      const options = await core.webauthn.startSecondFactor(alice);
      const response = key.assert(options, { signCount: 9 });
      await expect(
        core.webauthn.verifySecondFactor(alice, response, { purpose: 'login' }),
      ).resolves.toMatchObject({
        method: 'webauthn',
      });
      await expect(
        core.webauthn.verifySecondFactor(alice, response, { purpose: 'login' }),
      ).rejects.toMatchObject({
        code: 'expired',
      });
      const again = await core.webauthn.startSecondFactor(alice);
      await expect(
        core.webauthn.verifySecondFactor(alice, key.assert(again, { signCount: 8 }), { purpose: 'login' }),
      ).rejects.toMatchObject({ code: 'invalid_code' });
      const [row] = await store.authenticators.listActiveByUser(alice.id, 'webauthn');
      expect(Number(row?.sign_count)).toBe(9);
    });
  });
}
