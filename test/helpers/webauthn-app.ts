import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { Core, type IssuedSession, ManualClock } from '../../src/core/index.js';
import { buildApp } from '../../src/http/app.js';
import { webauthnApiRoutes } from '../../src/http/webauthn/index.js';
import { generateTotp } from '../../src/otp/index.js';
import { generateMasterKey, Keyring } from '../../src/security/index.js';
import type { Store, UserRow } from '../../src/store/index.js';
import { openTempSqlite } from './sqlite-store.js';
import { TEST_EPOCH } from './test-app.js';
import { SoftwareAuthenticator, type SoftwareAuthenticatorOptions } from './webauthn-authenticator.js';

export const PASSWORD = 'correct horse battery';
export const PUBLIC_URL = 'http://localhost:8080';

/** A browser session as a cookie header plus its CSRF token. */
export interface BrowserSession {
  readonly cookie: string;
  readonly csrf: string;
  readonly token: string;
}

export interface WebauthnTestApp {
  readonly app: FastifyInstance;
  readonly core: Core;
  readonly store: Store;
  readonly clock: ManualClock;
  createUser(username: string): Promise<UserRow>;
  enrollTotp(user: UserRow): Promise<{ secret: string; authenticatorId: string }>;
  codeFor(secret: string): string;
  /** A software authenticator for this app's origin and RP ID (both overridable). */
  authenticator(options?: Partial<SoftwareAuthenticatorOptions>): SoftwareAuthenticator;
  /** A signed-in browser session, as if the user had just logged in (with a fresh second factor). */
  signedIn(user: UserRow): Promise<BrowserSession>;
  /** The pending browser session the password step leaves when a second factor is needed. */
  passwordStep(username: string): Promise<BrowserSession>;
  /** POST a JSON body to a page ceremony URL with the session's cookie and CSRF token. */
  postJson(
    url: string,
    session: BrowserSession | undefined,
    body?: Record<string, unknown>,
  ): Promise<LightMyRequestResponse>;
  /** Registers the authenticator through the account pages; returns the verification response. */
  registerKey(
    session: BrowserSession,
    key: SoftwareAuthenticator,
    name?: string,
  ): Promise<LightMyRequestResponse>;
  /** Options for the login second step, then the key's answer to them. */
  loginAssertion(session: BrowserSession, key: SoftwareAuthenticator): Promise<AuthenticationResponseJSON>;
  close(): Promise<void>;
}

/**
 * The whole app on a temp SQLite file with a manual clock, and the WebAuthn API routes mounted
 * under /api/v1 when the API plugin does not mount them itself yet.
 */
export async function createWebauthnTestApp(options: { publicUrl?: string } = {}): Promise<WebauthnTestApp> {
  const publicUrl = options.publicUrl ?? PUBLIC_URL;
  const database = await openTempSqlite();
  const clock = new ManualClock(TEST_EPOCH);
  const core = new Core({
    store: database.store,
    keyring: Keyring.fromKeys([generateMasterKey()]),
    clock,
    settings: { publicUrl, issuer: 'Twofold', setupLinkHours: 72 },
  });
  const app = await buildApp({ core, logger: false });
  if (!app.hasRoute({ method: 'POST', url: '/api/v1/me/authenticators/webauthn/registration' })) {
    await app.register(webauthnApiRoutes, { core, prefix: '/api/v1' });
  }
  await app.ready();
  const { rpId, origin } = { rpId: new URL(publicUrl).hostname, origin: new URL(publicUrl).origin };

  const toSession = (issued: IssuedSession): BrowserSession => ({
    cookie: `twofold_session=${issued.token}`,
    csrf: issued.csrfToken,
    token: issued.token,
  });

  const postJson = (url: string, session: BrowserSession | undefined, body: Record<string, unknown> = {}) =>
    app.inject({
      method: 'POST',
      url,
      headers: { accept: 'application/json', ...(session ? { cookie: session.cookie } : {}) },
      payload: { _csrf: session?.csrf ?? 'none', ...body },
    });

  return {
    app,
    core,
    store: database.store,
    clock,
    async createUser(username) {
      const { user } = await core.accounts.createUser({
        username,
        email: `${username}@example.test`,
        password: PASSWORD,
      });
      return (await database.store.users.findById(user.id)) as UserRow;
    },
    async enrollTotp(user) {
      const enrollment = await core.totp.start(user);
      await core.totp.activate(user, enrollment.authenticatorId, {
        code: generateTotp({ secret: enrollment.secret, atMillis: clock.now() - 30_000 }),
      });
      return { secret: enrollment.secret, authenticatorId: enrollment.authenticatorId };
    },
    codeFor: (secret) => generateTotp({ secret, atMillis: clock.now() }),
    authenticator: (overrides = {}) => new SoftwareAuthenticator({ origin, rpId, ...overrides }),
    async signedIn(user) {
      const now = clock.now();
      return toSession(
        await core.sessions.create({ userId: user.id, kind: 'browser', stage: 'full', secondFactorAt: now }),
      );
    },
    async passwordStep(username) {
      const result = await core.signIn.login({ login: username, password: PASSWORD, kind: 'browser' });
      if (result.outcome !== 'second_factor_required' || !result.pending) {
        throw new Error(`expected a second step for ${username}, got ${result.outcome}`);
      }
      return toSession(result.pending);
    },
    postJson,
    async registerKey(session, key, name) {
      const started = await postJson('/account/security-keys/options', session);
      if (started.statusCode !== 200)
        throw new Error(`registration options: ${started.statusCode} ${started.body}`);
      const { options } = started.json<{ options: PublicKeyCredentialCreationOptionsJSON }>();
      const response: RegistrationResponseJSON = key.register(options);
      return postJson('/account/security-keys', session, { response, ...(name ? { name } : {}) });
    },
    async loginAssertion(session, key) {
      const started = await postJson('/login/security-key/options', session);
      if (started.statusCode !== 200) throw new Error(`login options: ${started.statusCode} ${started.body}`);
      return key.assert(started.json<{ options: PublicKeyCredentialRequestOptionsJSON }>().options);
    },
    async close() {
      await app.close();
      await database.close();
    },
  };
}

/** The new session cookie a response sets, as a cookie header. */
export function sessionCookieOf(response: LightMyRequestResponse): string {
  const cookie = response.cookies.find((c) => c.name === 'twofold_session');
  if (!cookie) throw new Error(`no session cookie in ${response.statusCode} ${response.body}`);
  return `twofold_session=${cookie.value}`;
}
