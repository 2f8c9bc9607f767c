import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLIENT_SECRET_PREFIX, type NewService, TwofoldError } from '../../src/core/index.js';
import { hashToken } from '../../src/security/index.js';
import type { UserRow } from '../../src/store/index.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

describe('the service register (core, real SQLite)', () => {
  let t: TestApp;
  let admin: UserRow;

  beforeEach(async () => {
    t = await createTestApp();
    admin = await t.createUser('root', 'correct horse battery', { isAdmin: true });
  });
  afterEach(async () => {
    await t.close();
  });

  const services = () => t.core.services;
  const register = (input: Partial<NewService> = {}) =>
    services().register({ name: 'Wiki', redirectUris: ['https://wiki.example.com/cb'], ...input }, 'cli');
  const refusal = async (work: Promise<unknown>): Promise<TwofoldError> => {
    const error = await work.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(TwofoldError);
    return error as TwofoldError;
  };
  const rows = () => t.store.services.list();
  const auditOf = (type: string) => t.store.audit.list({ type });

  describe('register', () => {
    it('a confidential service gets a tf_cs_ secret, stored only as its SHA-256', async () => {
      const { service, clientSecret } = await register();
      expect(clientSecret).toMatch(/^tf_cs_[A-Za-z0-9_-]{43}$/);
      expect(clientSecret!.startsWith(CLIENT_SECRET_PREFIX)).toBe(true);
      expect(service).toMatchObject({
        clientId: 'wiki',
        name: 'Wiki',
        type: 'confidential',
        redirectUris: ['https://wiki.example.com/cb'],
        logoutUris: [],
        scopes: ['openid', 'profile', 'email', 'offline_access'],
        skipConsent: false,
        mfaPolicy: 'required',
        signingAlg: 'ES256',
      });
      expect(service).not.toHaveProperty('secretHash');
      expect(JSON.stringify(service)).not.toContain(clientSecret!);

      const row = await t.store.services.findByClientId('wiki');
      expect(row?.secret_hash).toBe(hashToken(clientSecret!));
      expect(row?.secret_hash).toMatch(/^[0-9a-f]{64}$/);
      const stored = JSON.stringify(row);
      expect(stored).not.toContain(clientSecret!);
      expect(stored).not.toContain(clientSecret!.slice(CLIENT_SECRET_PREFIX.length));

      const [event] = await auditOf('service.registered');
      expect(JSON.parse(event!.detail)).toEqual({ service: 'Wiki', client_id: 'wiki', kind: 'oidc' });
      expect(event!.detail).not.toContain(clientSecret!);
    });

    it('each confidential service gets its own secret', async () => {
      const a = await register({ name: 'A' });
      const b = await register({ name: 'B' });
      expect(a.clientSecret).not.toBe(b.clientSecret);
    });

    it('a public service has no secret', async () => {
      const spa = await register({ name: 'SPA', type: 'public', redirectUris: ['http://127.0.0.1:5173/cb'] });
      expect(spa.clientSecret).toBeUndefined();
      expect(spa).not.toHaveProperty('clientSecret');
      expect(spa.service.type).toBe('public');
      expect((await t.store.services.findByClientId('spa'))?.secret_hash).toBeNull();
      expect((await services().show('spa')).type).toBe('public');
    });

    it.each([
      ['Wiki', 'wiki'],
      ['My Wiki (Prod)!', 'my-wiki-prod'],
      ['  Team   Chat  ', 'team-chat'],
      ['git.example', 'git-example'],
    ])('the client id defaults to a slug of the name: %j → %s', async (name, clientId) => {
      const { service } = await register({ name });
      expect(service.clientId).toBe(clientId);
      expect(await t.store.services.findByClientId(clientId)).toBeDefined();
    });

    it('the name is trimmed with its spaces collapsed; an explicit client id is kept', async () => {
      const { service } = await register({ name: '  Team   Chat ', clientId: 'chat.prod_1' });
      expect(service.name).toBe('Team Chat');
      expect(service.clientId).toBe('chat.prod_1');
    });

    it.each([
      ['http://example.com/cb', 'use https, or http only on 127.0.0.1, [::1] or localhost.'],
      ['/relative', 'it must be an absolute URL'],
      ['not a url', 'it must be an absolute URL'],
      ['https://a.example/cb#x', 'it must not contain a fragment (#).'],
      ['https://a.example/cb#', 'it must not contain a fragment (#).'],
      ['https://user:pw@a.example/cb', 'it must not contain a user name or password.'],
      ['https://user@a.example/cb', 'it must not contain a user name or password.'],
      ['ftp://a.example/cb', 'use https'],
      ['http://127.0.0.2/cb', 'use https'],
    ])('refuses the redirect URI %s, names the problem, and writes nothing', async (uri, reason) => {
      const error = await refusal(register({ redirectUris: [uri] }));
      expect(error.code).toBe('invalid_input');
      expect(error.message).toContain(`Invalid redirect URI "${uri}"`);
      expect(error.message).toContain(reason);
      expect(error.field).toBe('redirectUris');
      expect(await rows()).toEqual([]);
      expect(await auditOf('service.registered')).toEqual([]);
    });

    it('a bad URI among good ones refuses the lot', async () => {
      const error = await refusal(
        register({ redirectUris: ['https://a.example/cb', 'http://example.com/cb'] }),
      );
      expect(error.code).toBe('invalid_input');
      expect(error.message).toContain('"http://example.com/cb"');
      expect(await rows()).toEqual([]);
    });

    it.each([
      ['no list at all', []],
      ['only blanks', ['', '   ']],
    ])('refuses a service without a redirect URI (%s) and writes nothing', async (_name, uris) => {
      const error = await refusal(register({ redirectUris: uris }));
      expect(error.code).toBe('invalid_input');
      expect(error.message).toBe('A service needs at least one redirect URI.');
      expect(await rows()).toEqual([]);
    });

    it('refuses a bad logout URI, naming it as such', async () => {
      const error = await refusal(register({ logoutUris: ['http://example.com/bye'] }));
      expect(error.code).toBe('invalid_input');
      expect(error.message).toContain('Invalid logout URI "http://example.com/bye"');
      expect(await rows()).toEqual([]);
    });

    it('accepts https redirect URIs, and http only on loopback, stored as typed', async () => {
      const uris = [
        'https://app.example.com/cb',
        'http://127.0.0.1:8080/cb',
        'http://localhost/cb',
        'http://[::1]:9000/cb',
      ];
      const { service } = await register({ redirectUris: uris, logoutUris: ['https://app.example.com/bye'] });
      expect(service.redirectUris).toEqual(uris);
      expect(service.logoutUris).toEqual(['https://app.example.com/bye']);
      expect(JSON.parse((await t.store.services.findByClientId('wiki'))!.redirect_uris)).toEqual(uris);
    });

    it('drops repeated and surrounding blanks but keeps each URI once', async () => {
      const { service } = await register({
        redirectUris: [' https://a.example/cb ', 'https://a.example/cb', ''],
      });
      expect(service.redirectUris).toEqual(['https://a.example/cb']);
    });

    it('refuses an unknown scope and writes nothing', async () => {
      const error = await refusal(register({ scopes: ['openid', 'admin'] }));
      expect(error.code).toBe('invalid_input');
      expect(error.message).toContain('Unknown scope "admin"');
      expect(error.field).toBe('scopes');
      expect(await rows()).toEqual([]);
    });

    it.each([
      [['email'], ['openid', 'email']],
      [[], ['openid']],
      [['profile email'], ['openid', 'profile', 'email']],
      [
        ['email,offline_access', 'openid'],
        ['openid', 'email', 'offline_access'],
      ],
    ])('openid is always among the scopes: %j → %j', async (scopes, expected) => {
      const { service } = await register({ scopes });
      expect(service.scopes).toEqual(expected);
      expect((await t.store.services.findByClientId('wiki'))?.scopes).toBe(expected.join(' '));
    });

    it('refuses a bad MFA policy and writes nothing', async () => {
      const error = await refusal(register({ mfaPolicy: 'sometimes' as never }));
      expect(error.code).toBe('invalid_input');
      expect(error.message).toBe(
        'Invalid MFA policy "sometimes": use one of required, user_choice, not_required.',
      );
      expect(await rows()).toEqual([]);
    });

    it('keeps each MFA policy it is given', async () => {
      for (const mfaPolicy of ['required', 'user_choice', 'not_required'] as const) {
        const { service } = await register({ name: `S ${mfaPolicy}`, mfaPolicy });
        expect(service.mfaPolicy).toBe(mfaPolicy);
      }
    });

    it('refuses a bad name, client id, type or signing algorithm', async () => {
      for (const input of [
        { name: '   ' },
        { name: 'x'.repeat(101) },
        { clientId: 'Upper' },
        { clientId: '-dash-first' },
        { type: 'secret' as never },
        { signingAlg: 'HS256' as never },
      ]) {
        expect((await refusal(register(input))).code).toBe('invalid_input');
      }
      expect(await rows()).toEqual([]);
    });

    it('refuses a duplicate name, and a duplicate client id, as conflicts', async () => {
      await register();
      const sameName = await refusal(register({ clientId: 'wiki-2' }));
      expect(sameName.code).toBe('conflict');
      expect(sameName.message).toBe('A service named "Wiki" already exists.');

      const sameClientId = await refusal(register({ name: 'Other', clientId: 'wiki' }));
      expect(sameClientId.code).toBe('conflict');
      expect(sameClientId.message).toBe('A service with client id "wiki" already exists.');

      // A different name whose slug is taken is a client-id conflict.
      const sameSlug = await refusal(register({ name: 'WIKI!' }));
      expect(sameSlug.code).toBe('conflict');
      expect(sameSlug.message).toBe('A service with client id "wiki" already exists.');

      expect(await rows()).toHaveLength(1);
      expect(await auditOf('service.registered')).toHaveLength(1);
    });
  });

  describe('update', () => {
    it('changes the MFA policy, and the audit log says who changed what', async () => {
      const { service } = await register();
      t.clock.advance(60_000);
      const updated = await services().update('wiki', { mfaPolicy: 'user_choice' }, admin.id);
      expect(updated.mfaPolicy).toBe('user_choice');
      expect(updated.updatedAt).not.toBe(service.updatedAt);
      expect(updated.createdAt).toBe(service.createdAt);
      const row = await t.store.services.findByClientId('wiki');
      expect(row?.mfa_policy).toBe('user_choice');
      expect(row?.updated_at).toBe(t.clock.now());
      expect(row?.secret_hash).not.toBeNull();

      const [event] = await auditOf('service.updated');
      expect(event?.actor_id).toBe(admin.id);
      expect(JSON.parse(event!.detail)).toEqual({ service: 'Wiki', changed: 'mfa_policy' });
    });

    it('changes several fields; the command line is audited without an actor', async () => {
      await register();
      const updated = await services().update(
        'Wiki',
        { name: 'Team Wiki', scopes: ['email'], skipConsent: true, redirectUris: ['https://new.example/cb'] },
        'cli',
      );
      expect(updated).toMatchObject({
        clientId: 'wiki',
        name: 'Team Wiki',
        scopes: ['openid', 'email'],
        skipConsent: true,
        redirectUris: ['https://new.example/cb'],
      });
      expect(await services().show('Team Wiki')).toEqual(updated);
      const [event] = await auditOf('service.updated');
      expect(event?.actor_id).toBeNull();
      expect(JSON.parse(event!.detail)).toMatchObject({
        service: 'Team Wiki',
        changed: 'name redirect_uris scopes skip_consent',
      });
    });

    it('refuses a bad policy, a bad URI, or a taken name, and changes nothing', async () => {
      await register();
      await register({ name: 'Chat', redirectUris: ['https://chat.example/cb'] });
      const before = await t.store.services.findByClientId('wiki');

      const policy = await refusal(services().update('wiki', { mfaPolicy: 'never' as never }, admin.id));
      expect(policy.code).toBe('invalid_input');
      expect(policy.message).toContain('Invalid MFA policy "never"');

      const uri = await refusal(
        services().update('wiki', { redirectUris: ['http://example.com/cb'] }, admin.id),
      );
      expect(uri.code).toBe('invalid_input');
      expect(uri.message).toContain('Invalid redirect URI "http://example.com/cb"');

      const name = await refusal(services().update('wiki', { name: 'Chat' }, admin.id));
      expect(name.code).toBe('conflict');

      expect(await t.store.services.findByClientId('wiki')).toEqual(before);
      expect(await auditOf('service.updated')).toEqual([]);
    });

    it('keeping the same name is not a conflict', async () => {
      await register();
      const updated = await services().update('wiki', { name: 'Wiki', mfaPolicy: 'not_required' }, admin.id);
      expect(updated).toMatchObject({ name: 'Wiki', mfaPolicy: 'not_required' });
    });

    it('an unknown service is not found', async () => {
      expect((await refusal(services().update('nope', { mfaPolicy: 'required' }, admin.id))).code).toBe(
        'not_found',
      );
    });
  });

  describe('rotateSecret', () => {
    it('replaces the hash: the new secret is the only one that matches', async () => {
      const { clientSecret: first } = await register();
      const before = (await t.store.services.findByClientId('wiki'))!;
      t.clock.advance(1_000);
      const rotated = await services().rotateSecret('Wiki', admin.id);
      expect(rotated.clientSecret).toMatch(/^tf_cs_[A-Za-z0-9_-]{43}$/);
      expect(rotated.clientSecret).not.toBe(first);
      expect(rotated.service.type).toBe('confidential');

      const after = (await t.store.services.findByClientId('wiki'))!;
      expect(after.secret_hash).toBe(hashToken(rotated.clientSecret!));
      expect(after.secret_hash).not.toBe(before.secret_hash);
      expect(after.secret_hash).not.toBe(hashToken(first!));
      expect(after.updated_at).toBe(t.clock.now());
      expect(JSON.stringify(after)).not.toContain(rotated.clientSecret!);

      const [event] = await auditOf('service.secret_rotated');
      expect(event?.actor_id).toBe(admin.id);
      expect(JSON.parse(event!.detail)).toEqual({ service: 'Wiki' });
    });

    it('is refused for a public service, which keeps no secret', async () => {
      await register({ name: 'SPA', type: 'public', redirectUris: ['http://localhost:5173/cb'] });
      const error = await refusal(services().rotateSecret('spa', 'cli'));
      expect(error.code).toBe('invalid_input');
      expect(error.message).toContain('"SPA" is a public service');
      expect((await t.store.services.findByClientId('spa'))?.secret_hash).toBeNull();
      expect(await auditOf('service.secret_rotated')).toEqual([]);
    });
  });

  describe('remove', () => {
    it('deletes the service, the choices people made for it, and everything issued to it', async () => {
      const { service } = await register();
      const other = await register({ name: 'Chat', redirectUris: ['https://chat.example/cb'] });
      const ann = await t.createUser('ann');
      const bob = await t.createUser('bob');
      const now = t.clock.now();
      await t.store.services.setMfaOff(ann.id, service.id, true, now);
      await t.store.services.recordSignIn(bob.id, service.id, now);
      await t.store.services.setMfaOff(ann.id, other.service.id, true, now);
      await t.store.oidcPayloads.upsert('AccessToken', 'x', { clientId: 'wiki', grantId: 'g' }, null);
      await t.store.oidcPayloads.upsert(
        'RefreshToken',
        'r1',
        { clientId: 'wiki', accountId: ann.id, grantId: 'g' },
        null,
      );
      await t.store.oidcPayloads.upsert('AccessToken', 'y', { clientId: 'chat', grantId: 'h' }, null);

      const removed = await services().remove('wiki', admin.id);
      expect(removed.clientId).toBe('wiki');

      expect(await t.store.services.findById(service.id)).toBeUndefined();
      expect(await rows()).toHaveLength(1);
      await expect(services().show('wiki')).rejects.toMatchObject({ code: 'not_found' });

      const preferences = await t.store.db
        .selectFrom('service_preferences')
        .selectAll()
        .where('service_id', '=', service.id)
        .execute();
      expect(preferences).toEqual([]);
      expect(await t.store.services.preference(ann.id, other.service.id)).toMatchObject({ mfa_off: 1 });

      const payloads = await t.store.db
        .selectFrom('oidc_payloads')
        .select(['model', 'id'])
        .where('client_id', '=', 'wiki')
        .execute();
      expect(payloads).toEqual([]);
      expect(await t.store.oidcPayloads.find('AccessToken', 'x', t.clock.now())).toBeUndefined();
      expect(await t.store.oidcPayloads.find('AccessToken', 'y', t.clock.now())).toBeDefined();

      const [event] = await auditOf('service.removed');
      expect(event?.actor_id).toBe(admin.id);
      expect(JSON.parse(event!.detail)).toEqual({ service: 'Wiki', client_id: 'wiki' });
    });

    it('an unknown service is not found, and nothing is removed', async () => {
      await register();
      expect((await refusal(services().remove('nope', 'cli'))).code).toBe('not_found');
      expect(await rows()).toHaveLength(1);
    });
  });

  describe('show and list', () => {
    it('finds a service by name, by client id, or by id', async () => {
      const { service } = await register({ name: 'Team Wiki', clientId: 'wiki' });
      expect(await services().show('Team Wiki')).toEqual(service);
      expect(await services().show('wiki')).toEqual(service);
      expect(await services().show(service.id)).toEqual(service);
      expect(await services().show('  wiki  ')).toEqual(service);
      expect(await services().list()).toEqual([service]);
    });

    it('an unknown service is not found', async () => {
      await register();
      const error = await refusal(services().show('nope'));
      expect(error.code).toBe('not_found');
      expect(error.message).toBe('No service "nope".');
    });
  });
});
