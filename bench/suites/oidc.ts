// OpenID Connect for an already signed-in person (issue 29): one sign-in to a service — the
// authorization request answered at once with a code, the code exchanged at the token endpoint,
// userinfo read with the access token — per cycle, with 10 cycles in flight. Twofold (its
// policy check, claims, sign-in record) beside bare oidc-provider on the same adapter and
// database, no Twofold around it, in the same run.

import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, createServer, request as httpRequest, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Provider from 'oidc-provider';
import { Core, systemClock } from '../../src/core/index.js';
import { buildApp } from '../../src/http/app.js';
import { SESSION_COOKIE } from '../../src/http/pages/page-session.js';
import { compareHashedClientSecret, oidcAdapterFactory } from '../../src/oidc/adapter.js';
import { generateMasterKey, Keyring } from '../../src/security/index.js';
import { migrateToLatest, openDatabase, Store } from '../../src/store/index.js';
import { fmt, formatTable, type Goal, QUICK, round, type SuiteResult } from '../harness.js';

const SECONDS = QUICK ? 2 : 4;
const WARMUP_SECONDS = QUICK ? 1 : 3;
const IN_FLIGHT = 10;
const ROUNDS = QUICK ? 1 : 3;
const REDIRECT_URI = 'https://app.example.com/callback';
const VERIFIER = 'bench-verifier-bench-verifier-bench-verifier-0123456789';
// S256 of VERIFIER, as the service would compute it.
const CHALLENGE = (await import('node:crypto')).createHash('sha256').update(VERIFIER).digest('base64url');

interface Target {
  readonly name: string;
  readonly origin: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** The browser's cookies once signed in (Twofold's session and the provider's). */
  cookie: string;
  close(): Promise<void>;
}

const agent = new Agent({ keepAlive: true, maxSockets: IN_FLIGHT * 2 });

interface Answer {
  readonly status: number;
  readonly location: string;
  readonly setCookie: readonly string[];
  readonly body: string;
}

function send(method: string, url: string, headers: Record<string, string>, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(url, { method, headers, agent }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          location: response.headers.location ?? '',
          setCookie: response.headers['set-cookie'] ?? [],
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
      response.on('error', reject);
    });
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

const get = (url: string, cookie: string) => send('GET', url, cookie ? { cookie } : {});

function authorizeUrl(target: Target): string {
  const params = new URLSearchParams({
    client_id: target.clientId,
    response_type: 'code',
    scope: 'openid profile email',
    redirect_uri: REDIRECT_URI,
    code_challenge: CHALLENGE,
    code_challenge_method: 'S256',
  });
  return `${target.origin}/oidc/auth?${params}`;
}

/** One sign-in to the service: authorize (a code at once), token, userinfo. */
async function cycle(target: Target): Promise<void> {
  const authorized = await get(authorizeUrl(target), target.cookie);
  const code = authorized.location.startsWith(REDIRECT_URI)
    ? new URL(authorized.location).searchParams.get('code')
    : null;
  if (authorized.status !== 303 || !code)
    throw new Error(`${target.name}: no code (${authorized.status} ${authorized.location})`);
  const token = await send(
    'POST',
    `${target.origin}/oidc/token`,
    {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${target.clientId}:${target.clientSecret}`).toString('base64')}`,
    },
    new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT_URI,
      code_verifier: VERIFIER,
    }).toString(),
  );
  const tokens = JSON.parse(token.body) as { access_token?: string };
  if (token.status !== 200 || !tokens.access_token) throw new Error(`${target.name}: token ${token.status}`);
  const userinfo = await send('GET', `${target.origin}/oidc/userinfo`, {
    authorization: `Bearer ${tokens.access_token}`,
  });
  const claims = JSON.parse(userinfo.body) as { sub?: string };
  if (userinfo.status !== 200 || !claims.sub) throw new Error(`${target.name}: userinfo ${userinfo.status}`);
}

/** Follows a first sign-in through the interaction, so later cycles find the person signed in. */
async function signInOnce(target: Target): Promise<void> {
  let url = authorizeUrl(target);
  for (let hop = 0; hop < 10; hop++) {
    const answer = await get(url, target.cookie);
    for (const line of answer.setCookie) {
      const [pair] = line.split(';');
      const [name] = pair!.split('=');
      const kept = target.cookie.split('; ').filter((c) => c && !c.startsWith(`${name}=`));
      target.cookie = [...kept, pair!].join('; ');
    }
    if (answer.location.startsWith(REDIRECT_URI)) return;
    if (answer.status === 200) {
      // Twofold's same-origin step to the service (interaction-routes.ts): its meta refresh.
      const next = /url=([^"]+)"/.exec(answer.body)?.[1];
      if (!next) throw new Error(`${target.name}: stuck at ${url}`);
      url = next.replaceAll('&amp;', '&');
      continue;
    }
    url = new URL(answer.location, target.origin).href;
  }
  throw new Error(`${target.name}: the first sign-in did not finish`);
}

async function measure(target: Target, seconds: number): Promise<{ perSecond: number; errors: number }> {
  const until = performance.now() + seconds * 1000;
  let done = 0;
  let errors = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (performance.now() < until) {
        try {
          await cycle(target);
          done++;
        } catch {
          errors++;
        }
      }
    }),
  );
  return { perSecond: done / seconds, errors };
}

async function openStore(dir: string) {
  const database = openDatabase({ dataDir: dir, acknowledgeWrites: 'committed' });
  await migrateToLatest(database.db);
  return { store: new Store(database.db), database };
}

async function startTwofoldTarget(dir: string): Promise<Target> {
  const { store, database } = await openStore(dir);
  const port = await listenPort();
  const origin = `http://127.0.0.1:${port}`;
  const core = new Core({
    store,
    keyring: Keyring.fromKeys([generateMasterKey()]),
    clock: systemClock,
    settings: { publicUrl: origin, issuer: 'Twofold', setupLinkHours: 72 },
  });
  const { user } = await core.accounts.createUser({
    username: 'ann',
    email: 'ann@example.test',
    password: 'correct horse battery',
  });
  const { service, clientSecret } = await core.services.register(
    { name: 'Bench', redirectUris: [REDIRECT_URI], mfaPolicy: 'not_required', skipConsent: true },
    'cli',
  );
  const session = await core.sessions.create({
    userId: user.id,
    kind: 'browser',
    stage: 'full',
    secondFactorAt: Date.now(),
    amr: ['pwd', 'otp'],
  });
  const app = await buildApp({ core, logger: false, durable: database.durable });
  await app.listen({ host: '127.0.0.1', port });
  return {
    name: 'twofold',
    origin,
    clientId: service.clientId,
    clientSecret: clientSecret ?? '',
    cookie: `${SESSION_COOKIE}=${session.token}`,
    close: async () => {
      await app.close();
      await database.db.destroy();
    },
  };
}

/** oidc-provider alone on the same adapter: the account is known, every interaction says yes. */
async function startBareTarget(dir: string): Promise<Target> {
  const { store, database } = await openStore(dir);
  const port = await listenPort();
  const origin = `http://127.0.0.1:${port}`;
  const core = new Core({
    store,
    keyring: Keyring.fromKeys([generateMasterKey()]),
    clock: systemClock,
    settings: { publicUrl: origin, issuer: 'bare', setupLinkHours: 72 },
  });
  const { service, clientSecret } = await core.services.register(
    { name: 'Bench', redirectUris: [REDIRECT_URI], mfaPolicy: 'not_required', skipConsent: true },
    'cli',
  );
  const keys = await core.signingKeys.load();
  const provider = new Provider(origin, {
    adapter: oidcAdapterFactory(store, systemClock),
    jwks: { keys: keys as never },
    cookies: { keys: await core.signingKeys.cookieKeys() },
    findAccount: async (_ctx, sub) => ({
      accountId: sub,
      claims: async () => ({
        sub,
        preferred_username: 'ann',
        email: 'ann@example.test',
        email_verified: true,
      }),
    }),
    claims: { openid: ['sub'], profile: ['preferred_username'], email: ['email', 'email_verified'] },
    scopes: ['openid', 'profile', 'email', 'offline_access'],
    responseTypes: ['code'],
    pkce: { required: () => true },
    clientDefaults: { id_token_signed_response_alg: 'ES256' },
    features: { devInteractions: { enabled: false } },
    ttl: { Interaction: 1800, Grant: 30 * 86400, Session: 12 * 3600 },
    routes: {
      authorization: '/oidc/auth',
      token: '/oidc/token',
      userinfo: '/oidc/userinfo',
      jwks: '/oidc/jwks',
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    loadExistingGrant: async (ctx) => {
      const grantId = ctx.oidc.session?.grantIdFor(ctx.oidc.client!.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client!.clientId,
        accountId: ctx.oidc.session!.accountId!,
      });
      grant.addOIDCScope('openid profile email');
      await grant.save();
      return grant;
    },
  });
  provider.Client.prototype.compareClientSecret = compareHashedClientSecret;
  const callback = provider.callback();
  const server: Server = createServer((req, res) => {
    if (req.url?.startsWith('/interaction/')) {
      void provider.interactionFinished(
        req,
        res,
        { login: { accountId: 'bench-user' } },
        { mergeWithLastSubmission: false },
      );
      return;
    }
    callback(req, res);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    name: 'bare oidc-provider',
    origin,
    clientId: service.clientId,
    clientSecret: clientSecret ?? '',
    cookie: '',
    close: async () => {
      await new Promise((resolve) => server.close(resolve));
      await database.db.destroy();
    },
  };
}

async function listenPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  return typeof address === 'object' && address ? address.port : 0;
}

export async function run(): Promise<SuiteResult> {
  const dirs = [
    mkdtempSync(join(tmpdir(), 'twofold-oidc-bench-')),
    mkdtempSync(join(tmpdir(), 'bare-oidc-bench-')),
  ];
  const targets = [await startTwofoldTarget(dirs[0]!), await startBareTarget(dirs[1]!)];
  const rates: Record<string, number[]> = {};
  let errors = 0;
  try {
    for (const target of targets) {
      await signInOnce(target);
      await measure(target, WARMUP_SECONDS);
    }
    // Alternating rounds, so drift on the machine falls on both alike.
    for (let roundIndex = 0; roundIndex < ROUNDS; roundIndex++) {
      for (const target of targets) {
        const result = await measure(target, SECONDS);
        rates[target.name] = [...(rates[target.name] ?? []), result.perSecond];
        errors += result.errors;
      }
    }
  } finally {
    for (const target of targets) await target.close();
    agent.destroy();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }
  const median = (values: readonly number[]) =>
    [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
  const twofold = median(rates.twofold ?? []);
  const bare = median(rates['bare oidc-provider'] ?? []);
  const ratio = bare > 0 ? twofold / bare : 0;
  const table = formatTable([
    ['server', 'sign-ins per second (authorize + token + userinfo)', 'rounds'],
    ['twofold', fmt(twofold), (rates.twofold ?? []).map((r) => fmt(r)).join(' / ')],
    ['bare oidc-provider', fmt(bare), (rates['bare oidc-provider'] ?? []).map((r) => fmt(r)).join(' / ')],
    ['twofold / bare', `${round(ratio * 100, 1)}%`, ''],
  ]);
  const goals: Goal[] = [
    {
      description: 'an already signed-in person: Twofold at least 80% of bare oidc-provider',
      met: errors === 0 && ratio >= 0.8,
      measured: `${round(ratio * 100, 1)}%${errors ? ` (${errors} failed cycles: invalid)` : ''}`,
    },
  ];
  return {
    table,
    goals,
    data: {
      method:
        `${IN_FLIGHT} sign-ins in flight over keep-alive connections from the bench process, ${SECONDS} s per round, ` +
        `${ROUNDS} alternating rounds after ${WARMUP_SECONDS} s of warm-up; both on SQLite (committed writes), ` +
        'the same adapter and signing keys code; Twofold also checks its session and the service policy on every authorization and records the sign-in.',
      perSecond: { twofold: rates.twofold, bare: rates['bare oidc-provider'] },
      errors,
    },
  };
}
