import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/core/index.js';
import { launchChromium } from '../helpers/browser.js';
import { assertOathtoolInstalled } from '../helpers/oathtool.js';
import { createTempPostgresDatabase, type TempPostgres } from '../helpers/postgres.js';
import {
  authorizationRequest,
  client,
  newDeployment,
  openAdmin,
  redeem,
  relyingParty,
  type ServiceEndpoint,
  startServiceEndpoint,
  startTwofold,
  submitCode,
  submitPassword,
  type TwofoldInstance,
  totpAt,
  userWithTotp,
  waitForCallback,
} from '../helpers/relying-party.js';
import { makeTempDir } from '../helpers/temp-dir.js';

/**
 * Two `twofold serve` processes on one PostgreSQL database behind one public URL, as behind a
 * load balancer: what one issues, the other honours — and a code is still good only once.
 */
describe('OpenID Connect on two instances sharing PostgreSQL', () => {
  const dirs = [makeTempDir(), makeTempDir()];
  let database: TempPostgres;
  let first: TwofoldInstance;
  let second: TwofoldInstance;
  let admin: { core: Core; close(): Promise<void> };
  let browser: Browser;
  let rp: ServiceEndpoint;

  beforeAll(async () => {
    await assertOathtoolInstalled();
    database = await createTempPostgresDatabase();
    const shared = newDeployment(dirs[0]!.path, database.url);
    first = await startTwofold(shared);
    // The second instance serves the same issuer: the public URL is the load balancer's.
    second = await startTwofold({ ...shared, dataDir: dirs[1]!.path }, { publicUrl: first.url });
    admin = await openAdmin(shared);
    rp = await startServiceEndpoint();
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await rp?.close();
    await admin?.close();
    await first?.server.stop();
    await second?.server.stop();
    await database?.drop();
    for (const dir of dirs) dir.remove();
  });

  it('a code issued by one instance is redeemed at the other; redeemed twice, refused and its tokens revoked', async () => {
    const eve = await userWithTotp(admin.core, 'eve');
    const { service, clientSecret } = await admin.core.services.register(
      { name: 'Tracker', redirectUris: [rp.redirectUri], mfaPolicy: 'required', skipConsent: true },
      'cli',
    );
    const config = await relyingParty(first.url, service.clientId, clientSecret);
    // Every back-channel call of the service goes to the second instance.
    config[client.customFetch] = (url, options) =>
      fetch(url.replace(first.url, second.url), options as RequestInit);

    const context = await browser.newContext();
    const page = await context.newPage();
    const request = await authorizationRequest(config, rp);
    await page.goto(request.url.href);
    await submitPassword(page, 'eve');
    await submitCode(page, await totpAt(eve.secret));
    const callback = await waitForCallback(rp, page);

    const tokens = await redeem(config, callback, request);
    expect(tokens.claims()?.sub).toBe(eve.id);
    expect(tokens.claims()?.iss).toBe(first.url);
    await expect(client.fetchUserInfo(config, tokens.access_token, eve.id)).resolves.toMatchObject({
      preferred_username: 'eve',
    });

    // The same code at the first instance: refused, and the tokens it gave are revoked.
    const atFirst = await relyingParty(first.url, service.clientId, clientSecret);
    await expect(redeem(atFirst, callback, request)).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(client.fetchUserInfo(config, tokens.access_token, eve.id)).rejects.toThrow();
    await context.close();
  });
});
