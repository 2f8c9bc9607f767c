import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const SECRET = /\n(tf_cs_[A-Za-z0-9_-]{43})\n/;

describe('twofold service', () => {
  let dir: ReturnType<typeof makeTempDir>;
  beforeEach(() => {
    dir = makeTempDir();
  });
  afterEach(() => dir.remove());
  const service = (...args: string[]) => runCli(['service', ...args, '--data-dir', dir.path]);
  const rows = () => {
    const db = new Database(join(dir.path, 'twofold.db'), { readonly: true });
    try {
      return db
        .prepare('select client_id, name, secret_hash, mfa_policy from services order by name')
        .all() as {
        client_id: string;
        name: string;
        secret_hash: string | null;
        mfa_policy: string;
      }[];
    } finally {
      db.close();
    }
  };

  it('adds a confidential service: the secret is printed once and only its SHA-256 is stored', async () => {
    const added = await service(
      'add',
      'Team Wiki',
      '--redirect-uri',
      'https://wiki.example.com/callback',
      '--mfa',
      'user_choice',
    );
    expect(added).toMatchObject({ code: 0, stderr: '' });
    expect(added.stdout).toMatch(/^Registered Team Wiki \(client id team-wiki\)\.\n/);
    expect(added.stdout).toContain('shown only this once');
    expect(added.stdout).toContain('Discovery URL: http://localhost:8080/.well-known/openid-configuration');
    const secret = SECRET.exec(added.stdout)?.[1];
    expect(secret).toBeDefined();
    const [row] = rows();
    expect(row).toMatchObject({ client_id: 'team-wiki', mfa_policy: 'user_choice' });
    expect(row?.secret_hash).toBe(createHash('sha256').update(secret!).digest('hex'));
    const files = ['twofold.db', 'twofold.db-wal'].map((name) => {
      try {
        return readFileSync(join(dir.path, name));
      } catch {
        return Buffer.alloc(0);
      }
    });
    for (const bytes of files) expect(bytes.includes(Buffer.from(secret!))).toBe(false);

    const shown = await service('show', 'team-wiki', '--json');
    expect(JSON.parse(shown.stdout)).toMatchObject({
      clientId: 'team-wiki',
      name: 'Team Wiki',
      type: 'confidential',
      mfaPolicy: 'user_choice',
      redirectUris: ['https://wiki.example.com/callback'],
    });
    expect(shown.stdout).not.toContain('tf_cs_');
  });

  it('adds a public service with no secret; lists and shows services', async () => {
    const added = await service(
      'add',
      'SPA',
      '--public',
      '--redirect-uri',
      'http://127.0.0.1:5173/cb',
      '--mfa',
      'not_required',
    );
    expect(added.code).toBe(0);
    expect(added.stdout).not.toMatch(SECRET);
    expect(added.stdout).toContain('no secret');
    expect(rows()[0]?.secret_hash).toBeNull();
    const listed = await service('list');
    expect(listed.stdout).toMatch(
      /^CLIENT ID +NAME +KIND +TYPE +MFA +REDIRECT URIS \/ HOSTS \/ NETWORKS\nspa +SPA +oidc +public +not_required +http:\/\/127\.0\.0\.1:5173\/cb\n$/,
    );
    expect(JSON.parse((await service('list', '--json')).stdout)).toHaveLength(1);
    expect((await service('show', 'SPA')).stdout).toContain('Type:           public');
  });

  it('adds a site, an application and a RADIUS client, each with what its kind needs', async () => {
    const site = await service('add', 'Grafana', '--kind', 'site', '--host', 'Grafana.Example.com/admin/');
    expect(site.code).toBe(0);
    expect(site.stdout).toContain('/api/authz/forward-auth');
    expect(site.stdout).not.toMatch(SECRET);

    const app = await service('add', 'Build bot', '--kind', 'application', '--mfa', 'not_required');
    expect(app.code).toBe(0);
    const appSecret = SECRET.exec(app.stdout)?.[1];
    expect(appSecret).toBeDefined();
    expect(app.stdout).toContain('POST http://localhost:8080/api/v1/validate');

    const vpn = await service(
      'add',
      'VPN',
      '--kind',
      'radius',
      '--network',
      '10.0.0.0/24',
      '--secret',
      'a-shared-secret-of-the-vpn',
    );
    expect(vpn.code).toBe(0);
    expect(vpn.stdout).toContain(
      'Shared secret (shown only this once; enter it on the device):\na-shared-secret-of-the-vpn\n',
    );

    const listed = (await service('list')).stdout;
    expect(listed).toMatch(/\ngrafana +Grafana +site +- +required +grafana\.example\.com\/admin\n/);
    expect(listed).toMatch(/\nbuild-bot +Build bot +application +- +not_required\n/);
    expect(listed).toMatch(/\nvpn +VPN +radius +- +required +10\.0\.0\.0\/24\n/);
    expect((await service('show', 'vpn')).stdout).toContain('Networks:       10.0.0.0/24\n');

    // Nothing of the secrets in the database file: a hash for the application, sealed for RADIUS.
    const file = readFileSync(join(dir.path, 'twofold.db')).toString('latin1');
    expect(file).not.toContain(appSecret!);
    expect(file).not.toContain('a-shared-secret-of-the-vpn');
    expect(rows().find((row) => row.client_id === 'build-bot')?.secret_hash).toBe(
      createHash('sha256').update(appSecret!).digest('hex'),
    );
  });

  it('refuses what a kind does not have, and a site without hosts, saying what to give', async () => {
    const hostless = await service('add', 'Grafana', '--kind', 'site');
    expect(hostless.code).not.toBe(0);
    expect(hostless.stderr).toContain('A site needs at least one host name');
    const mixed = await service(
      'add',
      'Grafana',
      '--kind',
      'site',
      '--host',
      'g.example.com',
      '--redirect-uri',
      'https://g.example.com/cb',
    );
    expect(mixed.stderr).toContain('A service of kind "site" has no redirectUris');
    const badNetwork = await service('add', 'VPN', '--kind', 'radius', '--network', '10.0.0.300');
    expect(badNetwork.stderr).toContain('Invalid network "10.0.0.300"');
    const badKind = await service('add', 'X', '--kind', 'ldap');
    expect(badKind.stderr).toContain('Invalid service kind "ldap"');
    await service('add', 'Grafana', '--kind', 'site', '--host', 'g.example.com');
    const clash = await service('add', 'Other', '--kind', 'site', '--host', 'G.example.com');
    expect(clash.stderr).toContain('The site "Grafana" already covers g.example.com.');
    expect(rows().map((row) => row.name)).toEqual(['Grafana']);
  });

  it('refuses redirect URIs that are not https (or http on loopback), naming the problem, and writes nothing', async () => {
    for (const [uri, reason] of [
      ['http://example.com/cb', 'use https, or http only on 127.0.0.1'],
      ['/callback', 'it must be an absolute URL'],
      ['https://app.example.com/cb#x', 'must not contain a fragment'],
    ] as const) {
      const refused = await service('add', 'Bad', '--redirect-uri', uri);
      expect(refused.code).toBe(2);
      expect(refused.stdout).toBe('');
      expect(refused.stderr).toContain(`Invalid redirect URI "${uri}"`);
      expect(refused.stderr).toContain(reason);
    }
    const badPolicy = await service(
      'add',
      'Bad',
      '--redirect-uri',
      'https://a.example/cb',
      '--mfa',
      'sometimes',
    );
    expect(badPolicy).toMatchObject({ code: 2 });
    expect(badPolicy.stderr).toContain('Invalid MFA policy "sometimes"');
    expect(rows()).toEqual([]);
  });

  it('refuses a second service of the same name; updates, rotates the secret, removes', async () => {
    expect((await service('add', 'Chat', '--redirect-uri', 'https://chat.example.com/cb')).code).toBe(0);
    const again = await service('add', 'Chat', '--redirect-uri', 'https://chat.example.com/cb');
    expect(again).toMatchObject({ code: 2 });
    expect(again.stderr).toBe('twofold: A service named "Chat" already exists.\n');

    const updated = await service('update', 'chat', '--mfa', 'not_required');
    expect(updated.code).toBe(0);
    expect(rows()[0]?.mfa_policy).toBe('not_required');

    const before = rows()[0]?.secret_hash;
    const rotated = await service('rotate-secret', 'chat');
    expect(rotated.code).toBe(0);
    const secret = SECRET.exec(rotated.stdout)?.[1];
    expect(rows()[0]?.secret_hash).toBe(createHash('sha256').update(secret!).digest('hex'));
    expect(rows()[0]?.secret_hash).not.toBe(before);

    expect((await service('remove', 'chat')).stdout).toBe('Removed Chat (client id chat).\n');
    const gone = await service('show', 'chat');
    expect(gone.code).toBe(2);
    expect(gone.stderr).toBe('twofold: No service "chat".\n');
  });

  it('shows every field, and update replaces only the values it names', async () => {
    await service(
      'add',
      'Docs',
      '--redirect-uri',
      'https://docs.example.com/cb',
      '--redirect-uri',
      'https://docs.example.com/cb2',
      '--logout-uri',
      'https://docs.example.com/bye',
      '--scopes',
      'openid,email',
      '--skip-consent',
      '--signing-alg',
      'RS256',
    );
    const json = JSON.parse((await service('show', 'docs', '--json')).stdout);
    expect(json).toMatchObject({
      clientId: 'docs',
      redirectUris: ['https://docs.example.com/cb', 'https://docs.example.com/cb2'],
      logoutUris: ['https://docs.example.com/bye'],
      scopes: ['openid', 'email'],
      skipConsent: true,
      mfaPolicy: 'required',
      signingAlg: 'RS256',
    });
    const text = (await service('show', 'Docs')).stdout;
    for (const line of [
      'Service:        Docs',
      'Client id:      docs',
      'Type:           confidential',
      'MFA policy:     required',
      'Redirect URIs:  https://docs.example.com/cb, https://docs.example.com/cb2',
      'Logout URIs:    https://docs.example.com/bye',
      'Scopes:         openid email',
      'Skip consent:   yes',
      'Signing:        RS256',
      `Created:        ${json.createdAt}`,
      `Updated:        ${json.updatedAt}`,
      `Id:             ${json.id}`,
    ]) {
      expect(text).toContain(`${line}\n`);
    }

    const updated = await service('update', json.id, '--no-skip-consent', '--scopes', 'openid profile');
    expect(updated.code).toBe(0);
    expect(JSON.parse((await service('show', 'docs', '--json')).stdout)).toMatchObject({
      name: 'Docs',
      redirectUris: ['https://docs.example.com/cb', 'https://docs.example.com/cb2'],
      scopes: ['openid', 'profile'],
      skipConsent: false,
      signingAlg: 'RS256',
    });
  });

  it('refuses to rotate the secret of a public service, and lists none when there are none', async () => {
    expect((await service('list')).stdout).toBe('No services.\n');
    await service('add', 'App', '--public', '--redirect-uri', 'https://app.example.com/cb');
    const refused = await service('rotate-secret', 'app');
    expect(refused).toMatchObject({ code: 2, stdout: '' });
    expect(refused.stderr).toContain('"App" is a public service');
    expect(rows()[0]?.secret_hash).toBeNull();
  });
});
