/**
 * The admin page "Services" for the kinds that are not OpenID Connect: "Add service" offers each
 * kind with its own fields (a site's host names, a RADIUS client's networks and shared secret,
 * nothing more for an application), the answer shows what the proxy, the program or the device
 * needs, a service's page edits only its kind's fields, and each works where it is used.
 */
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { formHtml, labels, type PageClient, text } from '../helpers/page-client.js';
import { type AdminFixture, adminBrowser, createAdminFixture } from './admin-helpers.js';

let f: AdminFixture;
let admin: PageClient;
beforeEach(async () => {
  f = await createAdminFixture();
  admin = await adminBrowser(f);
});
afterEach(async () => {
  await f.close();
});

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');
const pathOf = (id: string) => `/admin/services/${id}`;

describe('"Add service" by kind', () => {
  test('offers the four kinds; each form has its own fields and none of the others', async () => {
    const oidc = await admin.get('/admin/services/new');
    expect(oidc.html).toMatch(/<a href="\/admin\/services\/new\?kind=oidc" aria-current="page">/);
    for (const name of ['OpenID Connect service', 'Protected site', 'Application', 'RADIUS client']) {
      expect(text(oidc.html)).toContain(name);
    }
    const fieldsOf = async (kind: string) => [
      ...labels(
        formHtml((await admin.get(`/admin/services/new?kind=${kind}`)).html, '/admin/services'),
      ).keys(),
    ];
    expect(await fieldsOf('oidc')).toEqual(expect.arrayContaining(['redirect_uris', 'scopes', 'mfa_policy']));
    expect(await fieldsOf('site')).toEqual(['name', 'client_id', 'hosts', 'mfa_policy']);
    expect(await fieldsOf('application')).toEqual(['name', 'client_id', 'mfa_policy']);
    expect(await fieldsOf('radius')).toEqual([
      'name',
      'client_id',
      'networks',
      'radius_secret',
      'mfa_policy',
    ]);
    // A kind that is none of them, from a hand-made link, shows the default form.
    const odd = await admin.get('/admin/services/new?kind=ldap');
    expect(odd.status).toBe(200);
    expect(odd.html).toMatch(/kind=oidc" aria-current="page"/);
  });

  test('a protected site: its host names, no secret, and the addresses its proxy asks', async () => {
    const created = await admin.submit('/admin/services/new?kind=site', '/admin/services', {
      name: 'Wiki',
      hosts: 'Wiki.Example.com\r\nadmin.example.com/panel/\r\n',
      mfa_policy: 'user_choice',
    });
    expect(created.status, created.html).toBe(201);
    const page = text(created.html);
    expect(page).toContain('Service Wiki was added.');
    expect(page).toContain('A protected site has no secret');
    expect(page).toContain('Forward-auth (Traefik, Caddy) http://localhost:8080/api/authz/forward-auth');
    expect(page).toContain('auth_request (nginx) http://localhost:8080/api/authz/auth-request');
    expect(page).toContain('Host names wiki.example.com admin.example.com/panel');
    expect(created.html).not.toContain('tf_cs_');
    const row = (await f.t.store.services.findByClientId('wiki'))!;
    expect(row).toMatchObject({ kind: 'site', mfa_policy: 'user_choice', secret_hash: null });
    expect(JSON.parse(row.hosts)).toEqual(['wiki.example.com', 'admin.example.com/panel']);
    // The proxy's question for that host is now answered by this site's policy.
    const site = await f.t.core.protectedSites.match('https://wiki.example.com/');
    expect(site?.id).toBe(row.id);

    const list = text((await admin.get('/admin/services')).html);
    expect(list).toContain('Wiki wiki Protected site');
    const own = await admin.get(pathOf(row.id));
    expect(text(own.html)).toContain('Kind Protected site Client id wiki Forward-auth');
    expect(own.html).not.toContain('New client secret');
    expect((await admin.get(`${pathOf(row.id)}/rotate-secret`)).status).toBe(400);
  });

  test('an application: a client secret shown once, stored as a hash, that the validate API takes', async () => {
    const created = await admin.submit('/admin/services/new?kind=application', '/admin/services', {
      name: 'Billing script',
      mfa_policy: 'required',
    });
    expect(created.status, created.html).toBe(201);
    const secret = /<code id="client-secret">(tf_cs_[\w-]+)<\/code>/.exec(created.html)?.[1];
    expect(secret).toBeDefined();
    expect(text(created.html)).toContain('Validate URL http://localhost:8080/api/v1/validate');
    expect(text(created.html)).toContain('it is shown only now, and Twofold stores it only as a hash');
    const row = (await f.t.store.services.findByClientId('billing-script'))!;
    expect(row).toMatchObject({ kind: 'application', secret_hash: sha256(secret!) });
    const service = await f.t.core.services.authenticateApplication('billing-script', secret!);
    expect(service.id).toBe(row.id);
    expect((await admin.get(pathOf(row.id))).html).not.toContain(secret!);
  });

  test('a RADIUS client: its networks and a shared secret, made or typed, sealed at rest', async () => {
    const made = await admin.submit('/admin/services/new?kind=radius', '/admin/services', {
      name: 'VPN',
      networks: '10.0.0.0/24\n192.0.2.7',
      radius_secret: '',
      mfa_policy: 'required',
    });
    expect(made.status, made.html).toBe(201);
    const secret = /<code id="radius-secret">([^<]+)<\/code>/.exec(made.html)?.[1];
    expect(secret).toBeDefined();
    expect(text(made.html)).toContain('Copy the shared secret now and set it on the device');
    expect(text(made.html)).toContain('Addresses or networks 10.0.0.0/24 192.0.2.7');
    const row = (await f.t.store.services.findByClientId('vpn'))!;
    expect(row.kind).toBe('radius');
    expect(row.radius_secret_sealed).not.toContain(secret!);
    expect(f.t.core.services.radiusSecretOf(row)).toBe(secret);

    const typed = await admin.submit('/admin/services/new?kind=radius', '/admin/services', {
      name: 'Switch',
      networks: '192.0.2.10',
      radius_secret: 'the-one-on-the-switch-42',
    });
    expect(typed.status, typed.html).toBe(201);
    const switchRow = (await f.t.store.services.findByClientId('switch'))!;
    expect(f.t.core.services.radiusSecretOf(switchRow)).toBe('the-one-on-the-switch-42');
    expect(text((await admin.get('/admin/services')).html)).toContain(
      'VPN vpn RADIUS client Required (always asks for a second factor) 10.0.0.0/24 192.0.2.7',
    );

    // A new shared secret after its confirmation, under its own name.
    const ask = await admin.get(`${pathOf(row.id)}/rotate-secret`);
    expect(text(ask.html)).toContain('A new shared secret for VPN?');
    const rotated = await admin.submit(
      `${pathOf(row.id)}/rotate-secret`,
      `${pathOf(row.id)}/rotate-secret`,
      {},
    );
    expect(rotated.status, rotated.html).toBe(200);
    const fresh = /<code id="radius-secret">([^<]+)<\/code>/.exec(rotated.html)?.[1];
    expect(text(rotated.html)).toContain('VPN has a new shared secret; the previous one no longer works.');
    expect(f.t.core.services.radiusSecretOf((await f.t.store.services.findByClientId('vpn'))!)).toBe(fresh);
    expect(fresh).not.toBe(secret);
  });

  test("what a kind's form gets wrong comes back in that kind's form, and nothing is stored", async () => {
    const badNetwork = await admin.submit('/admin/services/new?kind=radius', '/admin/services', {
      name: 'VPN',
      networks: 'vpn.example.com',
      radius_secret: 'typed-on-the-device-42',
    });
    expect(badNetwork.status).toBe(400);
    expect(badNetwork.html).toContain('vpn.example.com</textarea>');
    expect(badNetwork.html).toContain('<input type="hidden" name="kind" value="radius"/>');
    // The shared secret typed in is asked for again, never written back into the page.
    expect(badNetwork.html).not.toContain('typed-on-the-device-42');
    // A secret with a space at its end is refused, not trimmed into another one.
    const padded = await admin.submit('/admin/services/new?kind=radius', '/admin/services', {
      name: 'VPN',
      networks: '10.0.0.0/24',
      radius_secret: 'typed-on-the-device-42 ',
    });
    expect(padded.status).toBe(400);
    expect(text(padded.html)).toContain('16 to 128 characters without spaces');
    const noHosts = await admin.submit('/admin/services/new?kind=site', '/admin/services', {
      name: 'Wiki',
      hosts: '',
    });
    expect(noHosts.status).toBe(400);
    expect(text(noHosts.html)).toContain('A site needs at least one host name');
    expect(noHosts.html).toMatch(/id="hosts"/);
    // A kind the page does not know is refused with a message, never a 500.
    const odd = await admin.submit('/admin/services/new', '/admin/services', { name: 'Odd', kind: 'ldap' });
    expect(odd.status).toBe(400);
    expect(text(odd.html)).toContain('Invalid service kind "ldap"');
    expect(await f.t.store.services.list()).toEqual([]);
  });
});

describe("a service's page by kind", () => {
  test("edits a site's host names and policy, a RADIUS client's networks, an application's policy", async () => {
    const site = await f.t.core.services.register(
      { name: 'Wiki', kind: 'site', hosts: ['wiki.example.com'] },
      'cli',
    );
    const sitePath = pathOf(site.service.id);
    const page = await admin.get(sitePath);
    expect(page.html).toContain('wiki.example.com</textarea>');
    expect([...labels(formHtml(page.html, `${sitePath}/edit`)).keys()]).toEqual([
      'name',
      'hosts',
      'mfa_policy',
    ]);
    const saved = await admin.submit(sitePath, `${sitePath}/edit`, {
      name: 'Wiki',
      hosts: 'wiki.example.com\nwiki2.example.com',
      mfa_policy: 'not_required',
    });
    expect(saved).toMatchObject({ status: 303, location: sitePath });
    const siteRow = (await f.t.store.services.findByClientId('wiki'))!;
    expect(JSON.parse(siteRow.hosts)).toEqual(['wiki.example.com', 'wiki2.example.com']);
    expect(siteRow.mfa_policy).toBe('not_required');

    const vpn = await f.t.core.services.register(
      { name: 'VPN', kind: 'radius', networks: ['10.0.0.0/24'] },
      'cli',
    );
    const vpnPath = pathOf(vpn.service.id);
    // The shared secret is not on the edit form: a new one comes from "New shared secret".
    expect([...labels(formHtml((await admin.get(vpnPath)).html, `${vpnPath}/edit`)).keys()]).toEqual([
      'name',
      'networks',
      'mfa_policy',
    ]);
    expect(
      await admin.submit(vpnPath, `${vpnPath}/edit`, {
        name: 'VPN',
        networks: '10.0.1.0/24',
        mfa_policy: 'required',
      }),
    ).toMatchObject({ status: 303 });
    expect(JSON.parse((await f.t.store.services.findByClientId('vpn'))!.networks)).toEqual(['10.0.1.0/24']);
    const refused = await admin.submit(vpnPath, `${vpnPath}/edit`, {
      name: 'VPN',
      networks: 'not-a-network',
    });
    expect(refused.status).toBe(400);
    expect(refused.html).toContain('not-a-network</textarea>');
    expect(JSON.parse((await f.t.store.services.findByClientId('vpn'))!.networks)).toEqual(['10.0.1.0/24']);

    const app = await f.t.core.services.register({ name: 'Tool', kind: 'application' }, 'cli');
    const appPath = pathOf(app.service.id);
    expect(text((await admin.get(appPath)).html)).toContain(
      'Validate URL http://localhost:8080/api/v1/validate',
    );
    expect(
      await admin.submit(appPath, `${appPath}/edit`, { name: 'Tool', mfa_policy: 'user_choice' }),
    ).toMatchObject({ status: 303 });
    expect((await f.t.store.services.findByClientId('tool'))!.mfa_policy).toBe('user_choice');
  });
});
