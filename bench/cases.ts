// The servers and requests several suites measure: Twofold from bench/server-entry.ts, the bare
// Fastify route of bench/bare-server.ts, and the verify and login loads. Imports no suite.
import {
  BENCH_PASSWORD,
  benchUsername,
  type Case,
  type ChildServer,
  type CodePlan,
  freePort,
  load,
  loadFromAddresses,
  START_ENV,
  START_FLAGS,
  startServer,
  twofoldEnv,
  verifyRequests,
} from './harness.js';

/** POST /api/v1/me/verify, each request a fresh valid code and its user's token. */
export function verifyCase(name: string, server: ChildServer, plan: CodePlan): Case {
  return {
    name,
    server,
    measure: (seconds) =>
      load({ url: server.url, path: '/api/v1/me/verify', build: verifyRequests(plan), seconds }),
  };
}

/**
 * Logins, each with the next fresh code of its user typed after the password. From 50 loopback
 * addresses by default; from one (autocannon) with `oneAddress`, where the per-address throttle
 * refuses most of them.
 */
export function loginCase(
  server: ChildServer,
  plan: CodePlan,
  name = 'twofold POST /api/v1/login',
  oneAddress = false,
): Case {
  return {
    name,
    server,
    measure: (seconds) =>
      (oneAddress ? load : loadFromAddresses)({
        url: server.url,
        path: '/api/v1/login',
        seconds,
        build: () => {
          const next = plan.next();
          if (!next) return undefined;
          return {
            body: JSON.stringify({
              username: benchUsername(next.user),
              password: `${BENCH_PASSWORD}${next.code}`,
            }),
          };
        },
      }),
  };
}

/**
 * Twofold from bench/server-entry.ts (the compiled app, built as `twofold serve` builds it) for
 * what `twofold serve` cannot express: SQLite synchronous=NORMAL, a fast clock.
 */
export async function startEntry(
  name: string,
  dataDir: string,
  env: Record<string, string> = {},
  databaseUrl?: string,
): Promise<ChildServer> {
  const port = freePort();
  return startServer({
    name,
    // With `npm start`'s node flags and environment, as `twofold serve` runs in these suites:
    // without them the NORMAL case ran V8 with semi-spaces twice as large as the FULL case it is
    // compared with.
    args: [...START_FLAGS, '--import', 'tsx', 'bench/server-entry.ts'],
    env: { ...START_ENV, ...twofoldEnv(dataDir, port, databaseUrl), ...env },
    port,
  });
}

/** The bare Fastify route (bare-server.ts); with `env.DATABASE_URL`, the PostgreSQL floor. */
export async function startBare(
  env: Record<string, string> = {},
  options: { wrapper?: readonly string[]; timeoutMillis?: number } = {},
): Promise<ChildServer> {
  const port = freePort();
  return startServer({
    name: 'bare Fastify',
    args: ['--import', 'tsx', 'bench/bare-server.ts'],
    env: { PORT: String(port), ...env },
    port,
    ...options,
  });
}

/** The bare route's request: a bearer header and a code, as the verification's requests carry. */
export const BARE_REQUEST = {
  path: '/api/v1/me/verify',
  headers: { authorization: 'Bearer x' },
  body: '{"otp":"123456"}',
} as const;

/** Load on the bare route. */
export function bareCase(name: string, server: ChildServer, warmupSeconds?: number): Case {
  return {
    name,
    server,
    measure: (seconds) => load({ url: server.url, ...BARE_REQUEST, seconds }),
    ...(warmupSeconds === undefined ? {} : { warmupSeconds }),
  };
}
