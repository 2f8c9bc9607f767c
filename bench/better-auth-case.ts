// better-auth's verify-totp as a bench case. Each verification needs its own two-factor cookie
// (the cookie is consumed on success), so before each timed run the bench signs in as many
// times as the run will verify (not timed; passwords stored with one SHA-256 in this instance
// so the setup stays short) and the run stops after that many requests.
import { betterAuthVerifyRequests, signInMany, startBetterAuth } from './better-auth-peer.js';
import { type LoadResult, load, log } from './harness.js';
import type { Case } from './http.js';

export interface BetterAuthPeer {
  readonly case: Case;
  readonly notes: readonly string[];
}

export async function betterAuthCase(): Promise<BetterAuthPeer> {
  const server = await startBetterAuth({ fastHash: true });
  let rate = 1000;
  const measure = async (seconds: number): Promise<LoadResult> => {
    const amount = Math.max(1000, Math.min(30_000, Math.round(rate * seconds)));
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
    case: { name: 'better-auth verify-totp', server, measure },
    notes: [
      'better-auth 1.x, twoFactor plugin, SQLite through better-sqlite3 with WAL and synchronous=FULL, served by toNodeHandler on node:http.',
      'Its per-IP rate limiter is off (one load generator address); its per-account 2FA lockout stays on.',
      'A run stops after as many requests as cookies were prepared (about the case rate × run length).',
      'better-auth keeps no last-used step: the same code is accepted again while it is in the window (no RFC 6238 §5.2 replay check), so it writes no step.',
    ],
  };
}
