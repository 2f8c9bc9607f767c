import { createPublicKey, verify } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/core/index.js';
import { launchChromium } from '../helpers/browser.js';
import {
  authorizationRequest,
  type Deployment,
  newDeployment,
  openAdmin,
  redeem,
  relyingParty,
  type ServiceEndpoint,
  startServiceEndpoint,
  startTwofold,
  submitPassword,
  type TwofoldInstance,
  waitForCallback,
} from '../helpers/relying-party.js';
import { runCli } from '../helpers/run-cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';

interface Jwk {
  readonly kid: string;
  readonly alg: string;
  readonly kty: string;
}

function header(jwt: string): { kid: string; alg: string } {
  return JSON.parse(Buffer.from(jwt.split('.')[0]!, 'base64url').toString('utf8'));
}

/** Verifies a JWT's signature against a published key, independently of openid-client's cache. */
function verifiesWith(jwt: string, jwk: Jwk): boolean {
  const [head, body, signature] = jwt.split('.') as [string, string, string];
  const key = createPublicKey({ key: jwk as never, format: 'jwk' });
  const data = Buffer.from(`${head}.${body}`);
  const sig = Buffer.from(signature, 'base64url');
  return jwk.kty === 'EC'
    ? verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, sig)
    : verify('sha256', data, key, sig);
}

describe('OpenID Connect signing keys', () => {
  const dir = makeTempDir();
  let deployment: Deployment;
  let twofold: TwofoldInstance;
  let admin: { core: Core; close(): Promise<void> };
  let browser: Browser;
  let rp: ServiceEndpoint;

  beforeAll(async () => {
    deployment = newDeployment(dir.path);
    twofold = await startTwofold(deployment);
    admin = await openAdmin(deployment);
    rp = await startServiceEndpoint();
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await rp?.close();
    await admin?.close();
    await twofold?.server.stop();
    dir.remove();
  });

  async function signIn(clientId: string, secret: string | undefined, username: string) {
    const config = await relyingParty(twofold.url, clientId, secret);
    const context = await browser.newContext();
    const page = await context.newPage();
    rp.arrived.length = 0;
    const request = await authorizationRequest(config, rp);
    await page.goto(request.url.href);
    await submitPassword(page, username);
    const tokens = await redeem(config, await waitForCallback(rp, page), request);
    await context.close();
    return tokens.id_token!;
  }

  async function jwks(): Promise<Jwk[]> {
    return ((await (await fetch(`${twofold.url}/oidc/jwks`)).json()) as { keys: Jwk[] }).keys;
  }

  it('are sealed at rest, sign with ES256 or RS256 per service, and after rotation old tokens still verify', async () => {
    await admin.core.accounts.createUser({
      username: 'fay',
      email: 'fay@example.test',
      password: 'correct horse battery',
    });
    const modern = await admin.core.services.register(
      { name: 'Modern', redirectUris: [rp.redirectUri], mfaPolicy: 'not_required', skipConsent: true },
      'cli',
    );
    const legacy = await admin.core.services.register(
      {
        name: 'Legacy',
        redirectUris: [rp.redirectUri],
        mfaPolicy: 'not_required',
        skipConsent: true,
        signingAlg: 'RS256',
      },
      'cli',
    );

    // The private keys are stored sealed: no JWK field of a private key is readable in the database.
    const rows = await admin.core.store.signingKeys.listAll();
    expect(rows.map((row) => row.alg).sort()).toEqual(['ES256', 'RS256']);
    for (const row of rows) expect(row.private_jwk_sealed).not.toMatch(/"d"|"kty"/);

    const before = await signIn(modern.service.clientId, modern.clientSecret, 'fay');
    expect(header(before).alg).toBe('ES256');
    const legacyToken = await signIn(legacy.service.clientId, legacy.clientSecret, 'fay');
    expect(header(legacyToken).alg).toBe('RS256');
    const oldKid = header(before).kid;

    const rotated = await runCli(['keys', 'rotate-signing', '--data-dir', dir.path], {
      env: { TWOFOLD_MASTER_KEY: deployment.masterKey },
    });
    expect(rotated.stderr).toBe('');
    expect(rotated.code).toBe(0);
    expect(rotated.stdout).toMatch(/^New signing keys /);

    await twofold.server.stop();
    twofold = await startTwofold(deployment, { port: Number(new URL(twofold.url).port) });
    const published = await jwks();
    expect(published).toHaveLength(4);
    const old = published.find((key) => key.kid === oldKid);
    expect(old).toBeDefined();
    expect(verifiesWith(before, old!)).toBe(true);

    const after = await signIn(modern.service.clientId, modern.clientSecret, 'fay');
    expect(header(after).kid).not.toBe(oldKid);
    expect(verifiesWith(after, published.find((key) => key.kid === header(after).kid)!)).toBe(true);
  });
});
