// A real relying party (openid-client) and a real browser (Chromium) against `twofold serve`.

import { createServer as createHttpServer } from 'node:http';
import * as client from 'openid-client';
import type { Page } from 'playwright-core';
import { Core, systemClock } from '../../src/core/index.js';
import { formatMasterKey, generateMasterKey, Keyring } from '../../src/security/index.js';
import { migrateToLatest, openDatabase, Store } from '../../src/store/index.js';
import { oathtoolTotp } from './oathtool.js';
import { freePort, type ServerProcess, startServerProcess } from './serve-process.js';

export const PASSWORD = 'correct horse battery';

export interface TwofoldInstance {
  readonly server: ServerProcess;
  readonly url: string;
}

/** The settings several `twofold serve` processes share: one database, one master key. */
export interface Deployment {
  readonly dataDir: string;
  readonly databaseUrl?: string | undefined;
  readonly masterKey: string;
}

export function newDeployment(dataDir: string, databaseUrl?: string): Deployment {
  return { dataDir, databaseUrl, masterKey: formatMasterKey(generateMasterKey()) };
}

/** `twofold serve` on a free port, its public URL (and so the issuer) naming that port. */
export async function startTwofold(
  deployment: Deployment,
  options: { publicUrl?: string; port?: number } = {},
): Promise<TwofoldInstance> {
  const port = options.port ?? (await freePort());
  const url = options.publicUrl ?? `http://localhost:${port}`;
  const server = await startServerProcess(
    deployment.dataDir,
    {
      TWOFOLD_PUBLIC_URL: url,
      TWOFOLD_MASTER_KEY: deployment.masterKey,
      ...(deployment.databaseUrl ? { TWOFOLD_DATABASE_URL: deployment.databaseUrl } : {}),
    },
    port,
  );
  return { server, url: `http://localhost:${port}` };
}

/**
 * The administrator's side, on the same database as the servers: users, their authenticators
 * and services are set up through the use cases, as the CLI and admin pages do.
 */
export async function openAdmin(deployment: Deployment): Promise<{ core: Core; close(): Promise<void> }> {
  const database = openDatabase({ dataDir: deployment.dataDir, databaseUrl: deployment.databaseUrl });
  await migrateToLatest(database.db);
  const core = new Core({
    store: new Store(database.db),
    keyring: Keyring.fromKeys([Buffer.from(deployment.masterKey, 'base64')]),
    clock: systemClock,
    settings: { publicUrl: 'http://localhost', issuer: 'Twofold', setupLinkHours: 72 },
  });
  return { core, close: () => database.db.destroy() };
}

/** A user with a password and an active TOTP device; the code of the current step stays unused. */
export async function userWithTotp(core: Core, username: string): Promise<{ id: string; secret: string }> {
  const { user } = await core.accounts.createUser({
    username,
    email: `${username}@example.test`,
    password: PASSWORD,
  });
  const row = await core.store.users.findById(user.id);
  if (!row) throw new Error('user not created');
  const enrollment = await core.totp.start(row);
  await core.totp.activate(row, enrollment.authenticatorId, {
    code: await totpAt(enrollment.secret, Date.now() - 30_000),
  });
  return { id: user.id, secret: enrollment.secret };
}

export function totpAt(secret: string, atMillis = Date.now()): Promise<string> {
  return oathtoolTotp({
    secretBase32: secret,
    unixSeconds: Math.floor(atMillis / 1000),
    algorithm: 'sha1',
    digits: 6,
    periodSeconds: 30,
  });
}

/** The relying party's view of Twofold: discovery, then everything through openid-client. */
export async function relyingParty(
  issuerUrl: string,
  clientId: string,
  clientSecret: string | undefined,
): Promise<client.Configuration> {
  return client.discovery(
    new URL(issuerUrl),
    clientId,
    undefined,
    clientSecret ? client.ClientSecretBasic(clientSecret) : client.None(),
    { execute: [client.allowInsecureRequests] },
  );
}

/** What the service remembers between sending the browser away and getting it back. */
export interface AuthorizationRequest {
  readonly url: URL;
  readonly verifier: string;
  readonly nonce: string;
  readonly state: string;
}

export async function authorizationRequest(
  config: client.Configuration,
  service: ServiceEndpoint,
  parameters: Record<string, string> = {},
): Promise<AuthorizationRequest> {
  const verifier = client.randomPKCECodeVerifier();
  const nonce = client.randomNonce();
  const state = client.randomState();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: service.redirectUri,
    scope: 'openid profile email',
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    nonce,
    state,
    ...parameters,
  });
  return { url, verifier, nonce, state };
}

/**
 * The service's own web server, as far as the browser sees it: it records every URL the browser
 * is sent to (the callback carries the code or the error back) and answers with a plain page.
 */
export interface ServiceEndpoint {
  readonly origin: string;
  readonly redirectUri: string;
  readonly logoutUri: string;
  readonly arrived: URL[];
  close(): Promise<void>;
}

export async function startServiceEndpoint(): Promise<ServiceEndpoint> {
  const arrived: URL[] = [];
  const server = createHttpServer((request, response) => {
    // What the browser asks for by itself (the favicon) is not a visit.
    if (request.url !== '/favicon.ico') arrived.push(new URL(request.url ?? '/', origin));
    response.writeHead(200, { 'content-type': 'text/html' }).end('<p>Back at the service</p>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const origin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return {
    origin,
    redirectUri: `${origin}/callback`,
    logoutUri: `${origin}/signed-out`,
    arrived,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** The `count`-th URL the browser brought to the service, once the page has landed there. */
export async function waitForCallback(service: ServiceEndpoint, page: Page, count = 1): Promise<URL> {
  const { arrived } = service;
  for (let i = 0; i < 200 && arrived.length < count; i++) await page.waitForTimeout(25);
  const url = arrived[count - 1];
  if (!url)
    throw new Error(
      `The browser never came back to the service; it is at ${page.url()}:\n${await page.content()}`,
    );
  // The page must have landed there too, or its navigation would cut short the test's next one.
  await page.waitForURL((current) => current.href === url.href, { waitUntil: 'load' });
  return url;
}

export async function submitPassword(page: Page, username: string, password = PASSWORD): Promise<void> {
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', password);
  await Promise.all([page.waitForNavigation(), page.click('form[action="/login"] button[type=submit]')]);
}

export async function submitCode(page: Page, code: string): Promise<void> {
  await page.fill('form[action="/login/code"] input[name=otp]', code);
  await Promise.all([page.waitForNavigation(), page.click('form[action="/login/code"] button[type=submit]')]);
}

export async function redeem(config: client.Configuration, callback: URL, request: AuthorizationRequest) {
  return client.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier: request.verifier,
    expectedNonce: request.nonce,
    expectedState: request.state,
  });
}

export { client };
