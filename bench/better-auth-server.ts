// The peer: better-auth with its two-factor plugin on SQLite (better-sqlite3), served by its own
// Node adapter (`toNodeHandler`) on node:http, as its documentation sets it up. The database is
// given WAL and synchronous=FULL, Twofold's own durability, so neither side pays for a weaker
// or a slower journal than the other.
//
// Env: PORT, BA_DB (file), BA_USERS (how many users to create with TOTP on), BA_FAST_HASH=1 to
// store passwords with one SHA-256 instead of scrypt (for the verify case, where sign-in is only
// the setup that hands out two-factor cookies and is not measured).
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { betterAuth } from 'better-auth';
import { hashPassword, symmetricEncrypt } from 'better-auth/crypto';
import { getMigrations } from 'better-auth/db/migration';
import { toNodeHandler } from 'better-auth/node';
import { twoFactor } from 'better-auth/plugins/two-factor';
import SQLite from 'better-sqlite3';
import { BENCH_PASSWORD, benchUsername, betterAuthSecret } from './harness.js';

const users = Number(process.env.BA_USERS ?? 1000);
const fastHash = process.env.BA_FAST_HASH === '1';
const sqlite = new SQLite(process.env.BA_DB ?? 'better-auth.db');
sqlite.pragma('journal_mode = WAL');
sqlite.pragma('synchronous = FULL');

const sha256 = (password: string) => createHash('sha256').update(password).digest('hex');
const port = Number(process.env.PORT);
const auth = betterAuth({
  database: sqlite,
  secret: 'twofold-bench-better-auth-secret-0123456789',
  baseURL: `http://127.0.0.1:${port}`,
  emailAndPassword: {
    enabled: true,
    ...(fastHash
      ? {
          password: {
            hash: async (password: string) => sha256(password),
            verify: async ({ hash, password }: { hash: string; password: string }) =>
              hash === sha256(password),
          },
        }
      : {}),
  },
  // The in-memory per-IP limiter would refuse a load generator on one address; Twofold's
  // counters are per account and stay on.
  rateLimit: { enabled: false },
  telemetry: { enabled: false },
  plugins: [twoFactor({ twoFactorCookieMaxAge: 3600 })],
});

const { runMigrations } = await getMigrations(auth.options);
await runMigrations();

const context = await auth.$context;
const existing = (sqlite.prepare('select count(*) as n from user').get() as { n: number }).n;
const passwordHash = fastHash ? sha256(BENCH_PASSWORD) : await hashPassword(BENCH_PASSWORD);
for (let i = existing; i < users; i++) {
  const username = benchUsername(i);
  const user = await context.internalAdapter.createUser(
    {
      email: `${username}@bench.test`,
      name: username,
      emailVerified: true,
      twoFactorEnabled: true,
    },
    { method: 'email-password' },
  );
  await context.internalAdapter.linkAccount({
    userId: user.id,
    providerId: 'credential',
    accountId: user.id,
    password: passwordHash,
  });
  await context.adapter.create({
    model: 'twoFactor',
    data: {
      userId: user.id,
      secret: await symmetricEncrypt({ key: context.secretConfig, data: betterAuthSecret(i) }),
      backupCodes: await symmetricEncrypt({ key: context.secretConfig, data: '[]' }),
      verified: true,
    },
  });
}

const handler = toNodeHandler(auth);
const server = createServer((request, response) => {
  if (request.url === '/healthz') {
    response.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    return;
  }
  void handler(request, response);
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));
server.listen(port, '127.0.0.1');
