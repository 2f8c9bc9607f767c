/**
 * The admin page "Identity providers" through `app.inject()`: the list, "Add identity provider"
 * with a real discovery (another Twofold on loopback is the provider) and the redirect URI to
 * register shown first on the provider's page, the form coming back with the message and what
 * was typed (never the secret) when core refuses it, editing the second-factor policy with each
 * option's trade-off beside it, removal after its confirmation, the audit filter, and the CSRF
 * and five-minute rules every administrator's change follows.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import type { IdentityProviderSummary, NewIdentityProvider } from '../../src/core/index.js';
import { closedIssuerUrl, type RunningIssuer, startIssuer } from '../helpers/issuer.js';
import { formHtml, hiddenFields, labels, type PageClient, text } from '../helpers/page-client.js';
import {
  type AdminFixture,
  adminBrowser,
  createAdminFixture,
  PASSWORD,
  userBrowser,
} from './admin-helpers.js';

const SECRET = 'secret the provider issued';
const LIST = '/admin/identity-providers';
const NEW = '/admin/identity-providers/new';
const pathOf = (id: string) => `${LIST}/${id}`;

let issuer: RunningIssuer;
let f: AdminFixture;
let admin: PageClient;
beforeAll(async () => {
  issuer = await startIssuer();
});
afterAll(async () => {
  await issuer.close();
});
beforeEach(async () => {
  f = await createAdminFixture();
  admin = await adminBrowser(f);
});
afterEach(async () => {
  await f.close();
});

const addProvider = (
  name: string,
  extra: Partial<NewIdentityProvider> = {},
): Promise<IdentityProviderSummary> =>
  f.t.core.identityProviders.add({ name, issuer: issuer.url, clientId: name.toLowerCase(), ...extra }, 'cli');
const stored = (slug: string) => f.t.store.identityProviders.findBySlug(slug);
/** Every field of the form, as a browser sends it; `fields` replace some. */
const form = (fields: Record<string, string> = {}) => ({
  name: 'Staff SSO',
  slug: '',
  issuer: issuer.url,
  client_id: 'twofold',
  client_secret: '',
  scopes: 'openid email profile',
  matching: 'linked',
  email_domains: '',
  mfa_policy: 'trust_provider',
  mfa_acr_values: '',
  ...fields,
});

describe('/admin/identity-providers', () => {
  test('lists each provider with its issuer, account matching, second-factor policy and redirect URI', async () => {
    expect(text((await admin.get(LIST)).html)).toContain('No identity providers yet.');
    await addProvider('Staff', { matching: 'email', mfaPolicy: 'always_twofold' });
    await addProvider('Partners', { slug: 'partners', matching: 'create', mfaPolicy: 'trust_provider_mfa' });
    const list = await admin.get(LIST);
    expect(list.status).toBe(200);
    const page = text(list.html);
    expect(page).toContain('2 identity providers');
    expect(page).toContain(
      `Partners ${issuer.url} By verified e-mail, and create accounts Trust the provider's MFA http://localhost:8080/login/idp/partners/callback`,
    );
    expect(page).toContain(
      `Staff ${issuer.url} By verified e-mail Always require a Twofold factor http://localhost:8080/login/idp/staff/callback`,
    );
    expect(list.html).toMatch(
      /<a href="\/admin\/identity-providers" aria-current="page">Identity providers<\/a>/,
    );
    // The other admin pages link to it too.
    for (const other of ['/admin/users', '/admin/services', '/admin/audit']) {
      expect((await admin.get(other)).html).toMatch(
        /<a href="\/admin\/identity-providers">Identity providers/,
      );
    }
  });

  test('a non-administrator gets 403', async () => {
    await f.t.createUser('pat', PASSWORD);
    const pat = await userBrowser(f.t, 'pat');
    expect((await pat.get(LIST)).status).toBe(403);
    expect((await pat.get(NEW)).status).toBe(403);
    const { id } = await addProvider('Staff');
    expect((await pat.get(pathOf(id))).status).toBe(403);
  });
});

describe('"Add identity provider"', () => {
  test('states the trade-off of each second-factor policy beside it', async () => {
    const page = await admin.get(NEW);
    expect(page.status).toBe(200);
    const fieldLabels = labels(page.html);
    expect(fieldLabels.get('issuer')).toBe('Issuer');
    expect(fieldLabels.get('client_secret')).toBe('Client secret');
    const hint = (id: string) =>
      text(new RegExp(`<small id="${id}">([^<]*)</small>`).exec(page.html)?.[1] ?? '');
    for (const [policy, label, tradeOff] of [
      [
        'trust_provider',
        'Trust the provider',
        "No Twofold code is asked, which is convenient, but an account is then only as safe as the provider's own sign-in, which may be a password alone.",
      ],
      [
        'trust_provider_mfa',
        "Trust the provider's MFA",
        'The Twofold code is skipped only when the provider\'s ID token reports multi-factor (amr "mfa", or one of the acr values below), so you rely on the provider reporting it truthfully, and everyone else is asked for a Twofold factor.',
      ],
      [
        'always_twofold',
        'Always require a Twofold factor',
        'A Twofold factor is asked after every sign-in with the provider, the strongest choice, but people who have none cannot sign in this way.',
      ],
    ] as const) {
      expect(fieldLabels.get(`mfa_policy_${policy}`)).toBe(label);
      expect(page.html).toMatch(
        new RegExp(`id="mfa_policy_${policy}"[^>]*aria-describedby="mfa-policy-${policy}-hint"`),
      );
      expect(hint(`mfa-policy-${policy}-hint`)).toBe(tradeOff);
    }
    // The default for a new provider is the issue's (seed 003's) behaviour.
    expect(page.html).toMatch(/id="mfa_policy_trust_provider"[^>]*checked/);
    expect(page.html).toMatch(/id="matching_linked"[^>]*checked/);
    expect(page.html).toMatch(
      /id="mfa_policy_trust_provider"[^>]*aria-describedby="mfa-policy-trust_provider-hint"/,
    );
  });

  test('saves after discovery and shows the redirect URI to register first; the secret is sealed and never shown', async () => {
    const added = await admin.submit(
      NEW,
      LIST,
      form({
        client_secret: SECRET,
        matching: 'create',
        email_domains: 'example.com staff.example.org',
        mfa_policy: 'trust_provider_mfa',
        mfa_acr_values: 'gold silver',
        scopes: 'openid email',
      }),
    );
    const row = (await stored('staff-sso'))!;
    expect(row).toMatchObject({
      name: 'Staff SSO',
      issuer: issuer.url,
      client_id: 'twofold',
      scopes: 'openid email',
      matching: 'create',
      email_domains: 'example.com staff.example.org',
      mfa_policy: 'trust_provider_mfa',
      mfa_acr_values: 'gold silver',
    });
    expect(added).toMatchObject({ status: 303, location: pathOf(row.id) });
    expect(f.t.core.identityProviders.clientSecretOf(row)).toBe(SECRET);
    const audit = await f.t.store.audit.list({ type: 'idp.added' });
    expect(audit[0]?.actor_id).toBe(f.admin.id);

    const own = await admin.get(pathOf(row.id));
    expect(own.status).toBe(200);
    const page = text(own.html);
    expect(page).toContain(
      'Identity provider Staff SSO was added. Register its redirect URI at the provider.',
    );
    expect(page).toContain(
      'Register this redirect URI at Staff SSO for the client twofold : http://localhost:8080/login/idp/staff-sso/callback',
    );
    // Before the form: the first thing to do with a new provider.
    expect(own.html.indexOf('id="redirect-uri"')).toBeLessThan(
      own.html.indexOf(`action="${pathOf(row.id)}/edit"`),
    );
    expect(page).toContain('Slug staff-sso Client secret Set (sealed; never shown)');
    expect(own.html).toMatch(/id="mfa_policy_trust_provider_mfa"[^>]*checked/);
    expect(own.html).toMatch(/id="matching_create"[^>]*checked/);
    expect(own.html).toContain('value="gold silver"');
    expect(own.html).toContain('value="example.com staff.example.org"');
    expect(own.html).not.toContain(SECRET);
    expect(text((await admin.get(LIST)).html)).toContain('Staff SSO');
    // Found by the slug as typed, too.
    expect((await admin.get(pathOf('staff-sso'))).status).toBe(200);
  });

  test('an issuer that does not answer, or is not an OpenID Connect issuer, comes back in the form with why (400)', async () => {
    const closed = await closedIssuerUrl();
    for (const [url, reason] of [
      [closed, 'ECONNREFUSED'],
      [issuer.url.replace('127.0.0.1', 'localhost'), 'issuer does not match the expected issuer'],
      [`${issuer.url}/realms/staff`, 'unexpected HTTP response status code'],
    ] as const) {
      const refused = await admin.submit(
        NEW,
        LIST,
        form({ issuer: url, client_secret: SECRET, mfa_policy: 'always_twofold', slug: 'staff' }),
      );
      expect(refused.status).toBe(400);
      const page = text(refused.html);
      expect(page).toContain(
        `Twofold could not read the OpenID Connect discovery document of "${url}" (${url}/.well-known/openid-configuration)`,
      );
      expect(page).toContain(reason);
      expect(refused.html).toContain(`value="${url}"`);
      expect(refused.html).toContain('value="Staff SSO"');
      expect(refused.html).toContain('value="staff"');
      expect(refused.html).toMatch(/id="mfa_policy_always_twofold"[^>]*checked/);
      // What was typed comes back, except the secret, which is asked for again.
      expect(refused.html).not.toContain(SECRET);
      expect(page).toContain('The client secret was not kept with the refused form: enter it again.');
    }
    expect(await f.t.store.identityProviders.list()).toEqual([]);
    expect(await f.t.store.audit.list({ type: 'idp.added' })).toEqual([]);
  });

  test('what the form does not offer, a bad slug and a name taken are form errors too, never a 500', async () => {
    const policy = await admin.submit(NEW, LIST, form({ mfa_policy: 'sometimes' }));
    expect(policy.status).toBe(400);
    expect(text(policy.html)).toContain('Invalid second-factor policy "sometimes"');
    const matching = await admin.submit(NEW, LIST, form({ matching: 'anyone' }));
    expect(matching.status).toBe(400);
    expect(text(matching.html)).toContain('Invalid account matching "anyone"');
    const slug = await admin.submit(NEW, LIST, form({ slug: 'Staff SSO' }));
    expect(slug.status).toBe(400);
    expect(text(slug.html)).toContain('Invalid slug "Staff SSO"');
    const http = await admin.submit(NEW, LIST, form({ issuer: 'http://idp.example.com' }));
    expect(http.status).toBe(400);
    expect(text(http.html)).toContain('use https, or http only on 127.0.0.1, [::1] or localhost.');
    const empty = await admin.submit(NEW, LIST, form({ name: '', issuer: '', client_id: '' }));
    expect(empty.status).toBe(400);
    expect(text(empty.html)).toContain('An identity provider needs a name');

    await addProvider('Staff SSO', { clientId: 'twofold' });
    const taken = await admin.submit(NEW, LIST, form({ client_id: 'other' }));
    expect(taken.status).toBe(409);
    expect(text(taken.html)).toContain('An identity provider named "Staff SSO" already exists.');
    expect(taken.html).toContain('value="other"');
    expect(await f.t.store.identityProviders.list()).toHaveLength(1);
  });
});

describe("a provider's page", () => {
  test('edits the second-factor policy: only what changed is sent, the secret kept when left empty', async () => {
    const provider = await addProvider('Staff', { clientSecret: SECRET });
    const path = pathOf(provider.id);
    const saved = await admin.submit(
      path,
      `${path}/edit`,
      form({ name: 'Staff', client_id: 'staff', mfa_policy: 'always_twofold' }),
    );
    expect(saved).toMatchObject({ status: 303, location: path });
    const page = await admin.get(path);
    expect(text(page.html)).toContain('Identity provider Staff was saved.');
    expect(page.html).toMatch(/id="mfa_policy_always_twofold"[^>]*checked/);
    const row = (await stored('staff'))!;
    expect(row.mfa_policy).toBe('always_twofold');
    expect(f.t.core.identityProviders.clientSecretOf(row)).toBe(SECRET);
    const [event] = await f.t.store.audit.list({ type: 'idp.updated' });
    expect(event?.actor_id).toBe(f.admin.id);
    expect(JSON.parse(event!.detail)).toEqual({
      provider: 'Staff',
      changed: 'mfa_policy',
      mfa_policy_from: 'trust_provider',
      mfa_policy: 'always_twofold',
    });

    const unchanged = await admin.submit(
      path,
      `${path}/edit`,
      form({ name: 'Staff', client_id: 'staff', mfa_policy: 'always_twofold' }),
    );
    expect(unchanged).toMatchObject({ status: 303, location: path });
    expect(text((await admin.get(path)).html)).toContain('Nothing was changed.');
    expect(await f.t.store.audit.list({ type: 'idp.updated' })).toHaveLength(1);
  });

  test('the policy can change while the provider is unreachable; a new issuer that does not answer is refused in the form', async () => {
    const down = await startIssuer();
    const provider = await addProvider('Staff', { issuer: down.url });
    await down.close();
    const path = pathOf(provider.id);
    const saved = await admin.submit(
      path,
      `${path}/edit`,
      form({ name: 'Staff', issuer: down.url, client_id: 'staff', mfa_policy: 'always_twofold' }),
    );
    expect(saved).toMatchObject({ status: 303, location: path });
    expect((await stored('staff'))?.mfa_policy).toBe('always_twofold');

    const closed = await closedIssuerUrl();
    const refused = await admin.submit(
      path,
      `${path}/edit`,
      form({ name: 'Staff', issuer: closed, client_id: 'staff', mfa_policy: 'trust_provider' }),
    );
    expect(refused.status).toBe(400);
    expect(text(refused.html)).toContain(
      `could not read the OpenID Connect discovery document of "${closed}"`,
    );
    expect(refused.html).toContain(`value="${closed}"`);
    expect(refused.html).toMatch(/id="mfa_policy_trust_provider"[^>]*checked/);
    // Still the provider's page: its redirect URI, and the form posting to its edit.
    expect(formHtml(refused.html, `${path}/edit`)).toContain('Save');
    expect(await stored('staff')).toMatchObject({ issuer: down.url, mfa_policy: 'always_twofold' });
  });

  test('a new secret replaces the old; removing it makes a public client; both at once is a form error', async () => {
    const provider = await addProvider('Staff', { clientSecret: SECRET });
    const path = pathOf(provider.id);
    const base = form({ name: 'Staff', client_id: 'staff' });
    const both = await admin.submit(path, `${path}/edit`, {
      ...base,
      client_secret: 'new one',
      remove_client_secret: 'on',
    });
    expect(both.status).toBe(400);
    expect(text(both.html)).toContain(
      'Either enter a new client secret or remove the current one, not both.',
    );
    expect(both.html).not.toContain('new one');
    expect(f.t.core.identityProviders.clientSecretOf((await stored('staff'))!)).toBe(SECRET);

    expect((await admin.submit(path, `${path}/edit`, { ...base, client_secret: 'new one' })).status).toBe(
      303,
    );
    expect(f.t.core.identityProviders.clientSecretOf((await stored('staff'))!)).toBe('new one');
    expect((await admin.get(path)).html).not.toContain('new one');

    expect((await admin.submit(path, `${path}/edit`, { ...base, remove_client_secret: 'on' })).status).toBe(
      303,
    );
    expect((await stored('staff'))?.client_secret_sealed).toBeNull();
    const page = await admin.get(path);
    expect(text(page.html)).toContain('Client secret None: a public client, PKCE only');
    expect(page.html).not.toContain('remove_client_secret');
  });

  test('removal through the confirmation page; then the page is 404', async () => {
    const provider = await addProvider('Staff');
    const path = `${pathOf(provider.id)}/remove`;
    const own = await admin.get(pathOf(provider.id));
    expect(formHtml(own.html, path)).toMatch(/method="get"[\s\S]*Remove identity provider/);
    const ask = await admin.get(path);
    expect(ask.status).toBe(200);
    expect(text(ask.html)).toContain('Remove Staff?');
    expect(text(ask.html)).toContain(
      "Nobody can sign in with Staff any more, sign-ins with it under way stop, and every account's link to it is removed",
    );
    expect(ask.html).toMatch(/<a href="\/admin\/identity-providers" aria-current="page">/);
    expect(await stored('staff')).toBeDefined();

    const removed = await admin.post(path, hiddenFields(ask.html, path));
    expect(removed).toMatchObject({ status: 303, location: LIST });
    expect(text((await admin.get(LIST)).html)).toContain('Identity provider Staff was removed.');
    expect(await stored('staff')).toBeUndefined();
    expect((await admin.get(pathOf(provider.id))).status).toBe(404);
    expect((await admin.get(path)).status).toBe(404);
    const audit = await f.t.store.audit.list({ type: 'idp.removed' });
    expect(audit[0]?.actor_id).toBe(f.admin.id);
  });
});

test('the audit log can be filtered by the identity-provider and external sign-in events', async () => {
  const all = await admin.get('/admin/audit');
  for (const type of [
    'idp.added',
    'idp.updated',
    'idp.removed',
    'idp.linked',
    'idp.unlinked',
    'external_login.succeeded',
    'external_login.failed',
  ]) {
    expect(all.html).toContain(`<option value="${type}">`);
  }
  await addProvider('Staff');
  const filtered = await admin.get('/admin/audit?type=idp.added');
  expect(filtered.status).toBe(200);
  expect(filtered.html).toMatch(/<option value="idp.added" selected/);
  const rows = text(filtered.html).split('Details')[1];
  expect(rows).toContain(`idp.added — — — provider: Staff, issuer: ${issuer.url}`);
  // The administrator's own login is in the log, but not under this filter.
  expect(rows).not.toContain('login.succeeded');
  expect(text((await admin.get('/admin/audit')).html).split('Details')[1]).toContain('login.succeeded');
});

describe('the rules of every change', () => {
  test('a form without the right CSRF token is refused, and nothing changes', async () => {
    const provider = await addProvider('Staff');
    expect((await admin.post(`${pathOf(provider.id)}/remove`, { _csrf: 'forged' })).status).toBe(403);
    expect((await admin.post(`${pathOf(provider.id)}/edit`, { ...form(), _csrf: 'forged' })).status).toBe(
      403,
    );
    expect((await admin.post(LIST, form({ name: 'Sneaky' }))).status).toBe(403);
    expect((await f.t.store.identityProviders.list()).map((row) => [row.name, row.mfa_policy])).toEqual([
      ['Staff', 'trust_provider'],
    ]);
  });

  test('after five minutes, a change asks to log in again (with a code) and comes back', async () => {
    const provider = await addProvider('Staff');
    const path = `${pathOf(provider.id)}/remove`;
    const csrf = hiddenFields((await admin.get(path)).html, path)._csrf!;
    f.t.clock.advance(6 * 60_000);
    expect((await admin.get(pathOf(provider.id))).status).toBe(200); // reading is fine
    expect(await admin.get(NEW)).toMatchObject({
      status: 303,
      location: `/login?notice=reauth&next=${encodeURIComponent(NEW)}`,
    });
    const edit = await admin.post(`${pathOf(provider.id)}/edit`, {
      ...form({ name: 'Staff', client_id: 'staff', mfa_policy: 'always_twofold' }),
      _csrf: csrf,
    });
    expect(edit).toMatchObject({
      status: 303,
      location: `/login?notice=reauth&next=${encodeURIComponent(pathOf(provider.id))}`,
    });
    const refused = await admin.post(path, { _csrf: csrf });
    expect(refused).toMatchObject({
      status: 303,
      location: `/login?notice=reauth&next=${encodeURIComponent(path)}`,
    });
    expect(await stored('staff')).toMatchObject({ mfa_policy: 'trust_provider' });

    const again = await admin.login('root', `${PASSWORD}${f.t.codeFor(f.adminSecret)}`, path);
    expect(again).toMatchObject({ status: 303, location: path });
    const confirm = await admin.get(path);
    expect((await admin.post(path, hiddenFields(confirm.html, path))).status).toBe(303);
    expect(await stored('staff')).toBeUndefined();
  });
});
