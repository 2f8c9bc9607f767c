// Driving the better-auth peer (better-auth-server.ts) the way a client must: sign in with the
// password, which answers `twoFactorRedirect` and sets a one-use two-factor cookie, then
// POST /api/auth/two-factor/verify-totp with that cookie and a current code.
import { generateTotp } from '../src/otp/index.js';
import { scratchDir } from './fixtures.js';
import {
  BENCH_PASSWORD,
  benchUsername,
  betterAuthSecret,
  type Case,
  type ChildServer,
  CONNECTIONS,
  freePort,
  type LoadResult,
  load,
  log,
  startServer,
} from './harness.js';

export const BETTER_AUTH_USERS = 500;

export function startBetterAuth(options: { fastHash: boolean; users?: number }): Promise<ChildServer> {
  const port = freePort();
  return startServer({
    name: 'better-auth',
    args: ['--import', 'tsx', 'bench/better-auth-server.ts'],
    env: {
      PORT: String(port),
      BA_DB: `${scratchDir('better-auth')}/better-auth.db`,
      BA_USERS: String(options.users ?? BETTER_AUTH_USERS),
      BA_FAST_HASH: options.fastHash ? '1' : '0',
    },
    port,
    timeoutMillis: 120_000,
  });
}

export interface TwoFactorChallenge {
  readonly user: number;
  readonly cookie: string;
}

/** Signs in `count` times (50 at a time), round-robin over the users; returns the two-factor cookies. */
export async function signInMany(
  server: ChildServer,
  count: number,
  users = BETTER_AUTH_USERS,
): Promise<TwoFactorChallenge[]> {
  const challenges: TwoFactorChallenge[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const user = next++ % users;
      const response = await fetch(`${server.url}/api/auth/sign-in/email`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: server.url },
        body: JSON.stringify({ email: `${benchUsername(user)}@bench.test`, password: BENCH_PASSWORD }),
      });
      const body = await response.text();
      const cookie = response.headers
        .getSetCookie()
        .map((c) => c.split(';')[0]!)
        .find((c) => c.startsWith('better-auth.two_factor=') && c.length > 'better-auth.two_factor='.length);
      if (response.status !== 200 || !cookie) {
        throw new Error(
          `better-auth sign-in answered ${response.status} without a two-factor cookie: ${body}`,
        );
      }
      challenges.push({ user, cookie });
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, worker));
  return challenges;
}

/** verify-totp requests, one per challenge, each with a current code of its user. */
export function betterAuthVerifyRequests(
  server: ChildServer,
  challenges: readonly TwoFactorChallenge[],
): () => { headers: Record<string, string>; body: string } | undefined {
  let i = 0;
  const secrets = new Map<number, Buffer>();
  return () => {
    const challenge = challenges[i++];
    if (!challenge) return undefined;
    let secret = secrets.get(challenge.user);
    if (!secret) {
      secret = Buffer.from(betterAuthSecret(challenge.user), 'utf8');
      secrets.set(challenge.user, secret);
    }
    return {
      headers: { cookie: challenge.cookie, origin: server.url },
      body: `{"code":"${generateTotp({ secret, atMillis: Date.now() })}"}`,
    };
  };
}

export interface BetterAuthPeer {
  readonly case: Case;
  readonly notes: readonly string[];
}

/**
 * better-auth's verify-totp as a bench case. Each verification needs its own two-factor cookie
 * (the cookie is consumed on success), so before each timed run the bench signs in as many
 * times as the run will verify (not timed; passwords stored with one SHA-256 in this instance
 * so the setup stays short) and the run stops after that many requests.
 */
export async function betterAuthCase(): Promise<BetterAuthPeer> {
  const server = await startBetterAuth({ fastHash: true });
  // Its first guess: ~200 verifications a second on this machine type. Each run prepares as many
  // sign-ins as the last run's rate would verify in it, so a run takes about its seconds.
  let rate = 200;
  const measure = async (seconds: number): Promise<LoadResult> => {
    const amount = Math.max(300, Math.min(30_000, Math.round(rate * seconds)));
    const challenges = await signInMany(server, amount);
    const result = await load({
      url: server.url,
      path: '/api/auth/two-factor/verify-totp',
      build: betterAuthVerifyRequests(server, challenges),
      amount,
    });
    if (result.perSecond > 0) rate = result.perSecond;
    log(`better-auth: ${amount} sign-ins prepared, verified at ${Math.round(result.perSecond)}/s`);
    return result;
  };
  return {
    case: { name: 'better-auth verify-totp', server, measure, warmupSeconds: 2 },
    notes: [
      'better-auth 1.x, twoFactor plugin, SQLite through better-sqlite3 with WAL and synchronous=FULL, served by toNodeHandler on node:http.',
      'Its per-IP rate limiter is off (one load generator address); its per-account 2FA lockout stays on.',
      'A run stops after as many requests as cookies were prepared (about the case rate × run length).',
      'better-auth keeps no last-used step: the same code is accepted again while it is in the window (no RFC 6238 §5.2 replay check), so it writes no step.',
    ],
  };
}
