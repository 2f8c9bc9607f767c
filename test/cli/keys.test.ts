import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Core, systemClock } from '../../src/core/index.js';
import { decodeBase32, generateTotp } from '../../src/otp/index.js';
import { Keyring, parseMasterKeys } from '../../src/security/index.js';
import { migrateToLatest, openDatabase, Store, type UserRow } from '../../src/store/index.js';
import { runCli } from '../helpers/run-cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';

/** Opens the data dir the way the server does, with the keys given, and enrolls or checks devices. */
async function withCore<T>(dataDir: string, keys: Buffer[], work: (core: Core) => Promise<T>): Promise<T> {
  const { db } = openDatabase({ dataDir });
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

const keysInFile = (dataDir: string) =>
  parseMasterKeys(readFileSync(join(dataDir, 'master.key'), 'utf8'), 'file');

describe('twofold keys rotate', () => {
  let dir: ReturnType<typeof makeTempDir>;
  beforeEach(() => {
    dir = makeTempDir();
  });
  afterEach(() => dir.remove());

  it('re-seals every secret under a new key file in one go; devices keep working, the old key opens nothing', async () => {
    expect(
      (await runCli(['user', 'add', 'alice', '--email', 'a@example.com', '--data-dir', dir.path])).code,
    ).toBe(0);
    const oldKeys = keysInFile(dir.path);
    const secrets = await withCore(dir.path, oldKeys, async (core) => {
      const user = (await core.store.users.findByUsername('alice')) as UserRow;
      const out: string[] = [];
      for (let i = 0; i < 3; i++) {
        const enrollment = await core.totp.start(user);
        await core.totp.activate(user, enrollment.authenticatorId, {
          code: generateTotp({ secret: enrollment.secret, atMillis: Date.now() }),
        });
        out.push(enrollment.secret);
      }
      return out;
    });

    const result = await runCli(['keys', 'rotate', '--data-dir', dir.path]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Re-sealed 3 secret\(s\) under the new key [0-9a-f]{16};/);

    const newKeys = keysInFile(dir.path);
    expect(newKeys).toHaveLength(1);
    expect(newKeys[0]!.equals(oldKeys[0]!)).toBe(false);

    await withCore(dir.path, newKeys, async (core) => {
      const rows = await core.store.authenticators.listSealedSecrets();
      expect(rows).toHaveLength(3);
      const opened = rows.map((r) =>
        core.keyring.unseal(r.secret_sealed, `totp-secret:${r.id}`).toString('hex'),
      );
      expect(opened.sort()).toEqual(secrets.map((s) => Buffer.from(decodeBase32(s)).toString('hex')).sort());
      for (const row of rows) expect(core.keyring.isSealedWithCurrentKey(row.secret_sealed)).toBe(true);
      const oldKeyring = Keyring.fromKeys(oldKeys);
      expect(() => oldKeyring.unseal(rows[0]!.secret_sealed, `totp-secret:${rows[0]!.id}`)).toThrow(
        /master key/,
      );
      // A device still logs in: its code is checked with the re-sealed secret.
      const user = (await core.store.users.findByUsername('alice')) as UserRow;
      const code = generateTotp({ secret: secrets[1]!, atMillis: Date.now() + 30_000 });
      await expect(core.secondFactor.verify(user, code, { purpose: 'login' })).resolves.toMatchObject({
        method: 'totp',
      });
    });

    // The server starts with the rotated key file and the CLI still reads the database.
    expect((await runCli(['user', 'show', 'alice', '--data-dir', dir.path])).code).toBe(0);
  });

  it("re-seals identity providers' client secrets and the code verifiers of sign-ins under way", async () => {
    expect((await runCli(['keys', 'rotate', '--data-dir', dir.path])).code).toBe(0);
    const oldKeys = keysInFile(dir.path);
    await withCore(dir.path, oldKeys, async (core) => {
      // Inserted as the use case would, without its discovery fetch: this test is about sealing.
      await core.store.identityProviders.insert({
        id: 'idp-1',
        slug: 'corp',
        name: 'Corp',
        issuer: 'https://login.example.com',
        client_id: 'twofold',
        client_secret_sealed: core.keyring.seal('provider-secret', 'idp-client-secret:idp-1'),
        scopes: 'openid',
        matching: 'linked',
        email_domains: '',
        mfa_policy: 'trust_provider',
        mfa_acr_values: '',
        created_at: 1,
        updated_at: 1,
      });
      await core.store.identityProviders.insertSignIn({
        state_hash: 'state-hash',
        provider_id: 'idp-1',
        browser_hash: 'browser-hash',
        purpose: 'login',
        user_id: null,
        verifier_sealed: core.keyring.seal('the-verifier', 'idp-code-verifier:state-hash'),
        nonce: 'n',
        next: null,
        created_at: Date.now(),
        expires_at: Date.now() + 600_000,
      });
    });

    const result = await runCli(['keys', 'rotate', '--data-dir', dir.path]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Re-sealed 1 secret\(s\)/);

    await withCore(dir.path, keysInFile(dir.path), async (core) => {
      const provider = await core.store.identityProviders.findById('idp-1');
      expect(core.keyring.isSealedWithCurrentKey(provider!.client_secret_sealed!)).toBe(true);
      expect(core.identityProviders.clientSecretOf(provider!)).toBe('provider-secret');
      const [signIn] = await core.store.identityProviders.listSignIns();
      expect(core.keyring.unseal(signIn!.verifier_sealed, 'idp-code-verifier:state-hash').toString()).toBe(
        'the-verifier',
      );
    });
  });

  it("re-seals RADIUS clients' shared secrets, which the devices keep unchanged", async () => {
    const secret = 'the-switch-shared-secret';
    const added = await runCli([
      'service',
      'add',
      'Core switch',
      '--kind',
      'radius',
      '--network',
      '10.0.0.0/24',
      '--secret',
      secret,
      '--data-dir',
      dir.path,
    ]);
    expect(added.code, added.stderr).toBe(0);
    const oldKeys = keysInFile(dir.path);

    const result = await runCli(['keys', 'rotate', '--data-dir', dir.path]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Re-sealed 1 secret\(s\)/);

    await withCore(dir.path, keysInFile(dir.path), async (core) => {
      const [client] = await core.store.services.listByKind('radius');
      expect(core.keyring.isSealedWithCurrentKey(client!.radius_secret_sealed!)).toBe(true);
      expect(core.services.radiusSecretOf(client!)).toBe(secret);
      expect(() =>
        Keyring.fromKeys(oldKeys).unseal(client!.radius_secret_sealed!, `radius-secret:${client!.id}`),
      ).toThrow(/master key/);
    });
  });

  it('with TWOFOLD_MASTER_KEY, re-seals under the first key given and says the others can go', async () => {
    const oldKey = (await runCli(['keys', 'generate'])).stdout.trim();
    const newKey = (await runCli(['keys', 'generate'])).stdout.trim();
    expect(oldKey).not.toBe(newKey);
    const env = { TWOFOLD_MASTER_KEY: oldKey };
    expect(
      (await runCli(['user', 'add', 'bob', '--email', 'b@example.com', '--data-dir', dir.path], { env }))
        .code,
    ).toBe(0);
    await withCore(dir.path, parseMasterKeys(oldKey, 'k'), async (core) => {
      const user = (await core.store.users.findByUsername('bob')) as UserRow;
      await core.totp.start(user);
    });
    // The new key alone cannot open the database yet: start-up refuses instead of guessing.
    const refused = await runCli(['user', 'list', '--data-dir', dir.path], {
      env: { TWOFOLD_MASTER_KEY: newKey },
    });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^twofold: the master key does not open this database's secrets/);

    const rotated = await runCli(['keys', 'rotate', '--data-dir', dir.path], {
      env: { TWOFOLD_MASTER_KEY: `${newKey},${oldKey}` },
    });
    expect(rotated.code).toBe(0);
    expect(rotated.stdout).toMatch(/^Re-sealed 1 secret\(s\) under key [0-9a-f]{16}/);
    const after = await runCli(['user', 'list', '--data-dir', dir.path], {
      env: { TWOFOLD_MASTER_KEY: newKey },
    });
    expect(after.code).toBe(0);
  });
});
