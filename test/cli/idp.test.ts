import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { closedIssuerUrl, type RunningIssuer, startIssuer } from '../helpers/issuer.js';
import { runCli } from '../helpers/run-cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const SECRET = 'provider-issued secret 0123456789';
// The command's default public URL (nothing in its environment sets one).
const REDIRECT = (slug: string) => `http://localhost:8080/login/idp/${slug}/callback`;

/**
 * `twofold idp`, the real built command against a real data directory. The provider is another
 * Twofold listening on loopback in this process, so `add` and `update` fetch and check a real
 * discovery document.
 */
describe('twofold idp', () => {
  let issuer: RunningIssuer;
  let dir: ReturnType<typeof makeTempDir>;
  beforeAll(async () => {
    issuer = await startIssuer();
  });
  afterAll(async () => {
    await issuer.close();
  });
  beforeEach(() => {
    dir = makeTempDir();
  });
  afterEach(() => dir.remove());

  const idp = (args: string[], input?: string) =>
    runCli(['idp', ...args, '--data-dir', dir.path], input === undefined ? {} : { input });
  const query = <T>(sql: string): T[] => {
    const db = new Database(join(dir.path, 'twofold.db'), { readonly: true });
    try {
      return db.prepare(sql).all() as T[];
    } finally {
      db.close();
    }
  };
  const rows = () =>
    query<{
      slug: string;
      name: string;
      issuer: string;
      client_id: string;
      client_secret_sealed: string | null;
      matching: string;
      email_domains: string;
      mfa_policy: string;
      mfa_acr_values: string;
    }>('select * from identity_providers order by name');
  const auditTypes = () =>
    query<{ type: string; actor_id: string | null }>(
      "select type, actor_id from audit_events where type like 'idp.%' order by id",
    );

  it('adds a provider with the secret from standard input: every field and the redirect URI are printed, the secret never', async () => {
    const added = await idp(
      [
        'add',
        'Staff SSO',
        '--issuer',
        issuer.url,
        '--client-id',
        'twofold-staff',
        '--client-secret-stdin',
        '--matching',
        'create',
        '--email-domains',
        'example.com, @staff.example.org',
        '--mfa-policy',
        'trust_provider_mfa',
        '--mfa-acr-values',
        'urn:mace:incommon:iap:silver',
        '--scopes',
        'openid,email',
      ],
      `${SECRET}\n`,
    );
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    expect(added.stdout).toMatch(/^Added Staff SSO \(slug staff-sso\)\.\n/);
    const [row] = rows();
    expect(row).toMatchObject({
      slug: 'staff-sso',
      issuer: issuer.url,
      client_id: 'twofold-staff',
      matching: 'create',
      email_domains: 'example.com staff.example.org',
      mfa_policy: 'trust_provider_mfa',
      mfa_acr_values: 'urn:mace:incommon:iap:silver',
    });
    expect(row?.client_secret_sealed).toBeTruthy();
    expect(row?.client_secret_sealed).not.toContain(SECRET);
    for (const name of ['twofold.db', 'twofold.db-wal']) {
      let bytes = Buffer.alloc(0);
      try {
        bytes = readFileSync(join(dir.path, name));
      } catch {}
      expect(bytes.includes(Buffer.from(SECRET))).toBe(false);
    }

    const json = JSON.parse((await idp(['show', 'staff-sso', '--json'])).stdout);
    expect(json).toMatchObject({
      slug: 'staff-sso',
      name: 'Staff SSO',
      hasClientSecret: true,
      scopes: ['openid', 'email'],
      emailDomains: ['example.com', 'staff.example.org'],
      mfaAcrValues: ['urn:mace:incommon:iap:silver'],
      redirectUri: REDIRECT('staff-sso'),
    });
    expect(JSON.stringify(json)).not.toContain(SECRET);

    for (const output of [added.stdout, (await idp(['show', 'Staff SSO'])).stdout]) {
      for (const line of [
        'Identity provider:  Staff SSO',
        'Slug:               staff-sso',
        `Issuer:             ${issuer.url}`,
        'Client id:          twofold-staff',
        'Client secret:      set (sealed; never shown)',
        'Scopes:             openid email',
        'Account matching:   create (by verified e-mail, and a new account for someone unknown)',
        'E-mail domains:     example.com staff.example.org',
        "Second factor:      trust_provider_mfa (the Twofold code is skipped only when the provider's ID token reports multi-factor, so you rely on the provider reporting it truthfully)",
        'MFA acr values:     urn:mace:incommon:iap:silver',
        `Redirect URI:       ${REDIRECT('staff-sso')}`,
        `Created:            ${json.createdAt}`,
        `Updated:            ${json.updatedAt}`,
        `Id:                 ${json.id}`,
      ]) {
        expect(output).toContain(`${line}\n`);
      }
      expect(output).toMatch(
        new RegExp(
          `\\nRegister this redirect URI at Staff SSO for client twofold-staff:\\n  ${REDIRECT('staff-sso')}\\n$`,
        ),
      );
      expect(output).not.toContain(SECRET);
    }
    expect(auditTypes()).toEqual([{ type: 'idp.added', actor_id: null }]);
  });

  it('takes the name from --name and the defaults from core; lists the providers', async () => {
    expect((await idp(['list'])).stdout).toBe('No identity providers.\n');
    const added = await idp(['add', '--name', 'Keycloak', '--issuer', issuer.url, '--client-id', 'kc']);
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toContain('Client secret:      none (a public client, PKCE only)\n');
    expect(added.stdout).toContain('Scopes:             openid email profile\n');
    expect(added.stdout).toContain(
      "Second factor:      trust_provider (no Twofold code is asked, so an account is only as safe as the provider's own sign-in, perhaps a password alone)\n",
    );
    expect(rows()[0]).toMatchObject({ client_secret_sealed: null, matching: 'linked' });
    const secondIssuer = `${issuer.url}/`;
    expect(
      (await idp(['add', 'Office', '--slug', 'o365', '--issuer', secondIssuer, '--client-id', 'office']))
        .code,
    ).toBe(0);
    const listed = await idp(['list']);
    expect(listed.stdout).toBe(
      [
        'SLUG      NAME      MATCHING  SECOND FACTOR   ISSUER',
        `keycloak  Keycloak  linked    trust_provider  ${issuer.url}`,
        `o365      Office    linked    trust_provider  ${secondIssuer}`,
        '',
      ].join('\n'),
    );
    expect(JSON.parse((await idp(['list', '--json'])).stdout)).toHaveLength(2);
  });

  it('refuses an issuer that is not reachable, or not an OpenID Connect issuer, with the reason, and saves nothing', async () => {
    const closed = await closedIssuerUrl();
    const cases: [string, RegExp][] = [
      [closed, /ECONNREFUSED/],
      // Discovery answers, but its issuer is 127.0.0.1: an issuer must be named exactly.
      [issuer.url.replace('127.0.0.1', 'localhost'), /issuer does not match the expected issuer/],
      [`${issuer.url}/realms/staff`, /unexpected HTTP response status code/],
    ];
    for (const [url, reason] of cases) {
      const refused = await idp(['add', 'Bad', '--issuer', url, '--client-id', 'c']);
      expect(refused.code).toBe(2);
      expect(refused.stdout).toBe('');
      expect(refused.stderr).toContain(
        `twofold: Twofold could not read the OpenID Connect discovery document of "${url}" (${url}/.well-known/openid-configuration)`,
      );
      expect(refused.stderr).toMatch(reason);
      expect(refused.stderr).toContain('Check the issuer URL');
    }
    const plainHttp = await idp(['add', 'Bad', '--issuer', 'http://idp.example.com', '--client-id', 'c']);
    expect(plainHttp).toMatchObject({ code: 2, stdout: '' });
    expect(plainHttp.stderr).toContain('use https, or http only on 127.0.0.1, [::1] or localhost.');
    const badPolicy = await idp([
      'add',
      'Bad',
      '--issuer',
      issuer.url,
      '--client-id',
      'c',
      '--mfa-policy',
      'sometimes',
    ]);
    expect(badPolicy.code).toBe(2);
    expect(badPolicy.stderr).toContain('Invalid second-factor policy "sometimes"');
    expect(rows()).toEqual([]);
    expect(auditTypes()).toEqual([]);
  });

  it('refuses a name given twice, no name, a secret given twice or missing on standard input', async () => {
    const base = ['--issuer', issuer.url, '--client-id', 'c'];
    const cases: [string[], string | undefined, string][] = [
      [['add', ...base], undefined, 'idp add: give the name'],
      [['add', 'One', '--name', 'Two', ...base], undefined, 'two names given, "One" and --name "Two"'],
      [
        ['add', 'One', ...base, '--client-secret', 'x', '--client-secret-stdin'],
        'y\n',
        'either with --client-secret or on standard input, not both',
      ],
      [['add', 'One', ...base, '--client-secret-stdin'], '', 'no client secret on standard input'],
    ];
    for (const [args, input, message] of cases) {
      const refused = await idp(args, input);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain(message);
    }
    // Refused before the database was even opened.
    expect(existsSync(join(dir.path, 'twofold.db'))).toBe(false);
  });

  it('update replaces only what it names (the secret too, or removes it); a taken name; remove', async () => {
    const add = await idp([
      'add',
      'Staff',
      '--issuer',
      issuer.url,
      '--client-id',
      'staff',
      '--client-secret',
      'first secret',
      '--matching',
      'email',
    ]);
    expect(add.code, add.stderr).toBe(0);
    const sealed = rows()[0]?.client_secret_sealed;
    expect(await idp(['add', 'Other', '--issuer', issuer.url, '--client-id', 'o'])).toMatchObject({
      code: 0,
    });

    const updated = await idp([
      'update',
      'staff',
      '--mfa-policy',
      'always_twofold',
      '--email-domains',
      'a.example',
    ]);
    expect(updated.code, updated.stderr).toBe(0);
    expect(updated.stdout).toMatch(/^Updated Staff\.\n/);
    expect(updated.stdout).toContain(
      'Second factor:      always_twofold (a Twofold factor is asked after every sign-in with the provider, the safest, but people without one cannot sign in this way)\n',
    );
    expect(rows()[1]).toMatchObject({
      name: 'Staff',
      matching: 'email',
      mfa_policy: 'always_twofold',
      email_domains: 'a.example',
      client_secret_sealed: sealed,
    });

    expect((await idp(['update', 'Staff', '--client-secret-stdin'], 'second secret\n')).code).toBe(0);
    const resealed = rows()[1]?.client_secret_sealed;
    expect(resealed).toBeTruthy();
    expect(resealed).not.toBe(sealed);
    expect((await idp(['update', 'staff', '--no-client-secret', '--email-domains', ''])).code).toBe(0);
    expect(rows()[1]).toMatchObject({ client_secret_sealed: null, email_domains: '' });

    const taken = await idp(['update', 'staff', '--name', 'Other']);
    expect(taken).toMatchObject({ code: 2, stdout: '' });
    expect(taken.stderr).toBe('twofold: An identity provider named "Other" already exists.\n');
    const badIssuer = await idp(['update', 'staff', '--issuer', await closedIssuerUrl()]);
    expect(badIssuer.code).toBe(2);
    expect(badIssuer.stderr).toContain('could not read the OpenID Connect discovery document');
    expect(rows()[1]?.issuer).toBe(issuer.url);

    expect((await idp(['remove', 'staff'])).stdout).toBe('Removed Staff (slug staff).\n');
    const gone = await idp(['show', 'staff']);
    expect(gone).toMatchObject({ code: 2, stdout: '' });
    expect(gone.stderr).toBe('twofold: No identity provider "staff".\n');
    expect(rows().map((row) => row.name)).toEqual(['Other']);
    expect(auditTypes().map((event) => event.type)).toEqual([
      'idp.added',
      'idp.added',
      'idp.updated',
      'idp.updated',
      'idp.updated',
      'idp.removed',
    ]);
  });
});
