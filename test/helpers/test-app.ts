import type { FastifyInstance } from 'fastify';
import { Core, type Mailer, ManualClock, type TotpEnrollment } from '../../src/core/index.js';
import { buildApp } from '../../src/http/app.js';
import { generateTotp } from '../../src/otp/index.js';
import { generateMasterKey, Keyring } from '../../src/security/index.js';
import type { Store, UserRow } from '../../src/store/index.js';
import { openTempPostgres } from './postgres.js';
import { openTempSqlite, type TestDatabase } from './sqlite-store.js';

/** 2026-01-01T00:00:10Z: ten seconds into a 30-second TOTP step, so ±1 step is unambiguous. */
export const TEST_EPOCH = Date.UTC(2026, 0, 1, 0, 0, 10);

export interface TestApp {
  readonly app: FastifyInstance;
  readonly core: Core;
  readonly store: Store;
  readonly clock: ManualClock;
  readonly dataDir: string;
  /** A user with a password (and optionally active TOTP devices). */
  createUser(
    username: string,
    password?: string,
    options?: { isAdmin?: boolean; otpRequired?: boolean },
  ): Promise<UserRow>;
  /** Enrolls and activates a TOTP device for the user; returns its base32 secret. */
  enrollTotp(user: UserRow, name?: string): Promise<{ secret: string; authenticatorId: string }>;
  /** The code for a secret at the clock's current time (or `offsetSteps` steps away). */
  codeFor(secret: string, offsetSteps?: number): string;
  close(): Promise<void>;
}

/** The engines a test can run on: `describe.each(ENGINES)` runs it on both. */
export const ENGINES = ['sqlite', 'postgres'] as const;
export type Engine = (typeof ENGINES)[number];

/**
 * A whole Twofold app on a real SQLite file in a temp dir (or, with `engine: 'postgres'`, a
 * database of its own on the test PostgreSQL), with an injected clock: what the HTTP tests
 * drive through `app.inject()` or a real socket.
 */
export async function createTestApp(
  options: { publicUrl?: string; issuer?: string; mailer?: Mailer; engine?: Engine } = {},
): Promise<TestApp> {
  const database = await openTestDatabase(options.engine ?? 'sqlite');
  const clock = new ManualClock(TEST_EPOCH);
  const core = new Core({
    store: database.store,
    keyring: Keyring.fromKeys([generateMasterKey()]),
    clock,
    settings: {
      publicUrl: options.publicUrl ?? 'http://localhost:8080',
      issuer: options.issuer ?? 'Twofold',
      setupLinkHours: 72,
    },
    ...(options.mailer ? { mailer: options.mailer } : {}),
  });
  const app = await buildApp({ core, logger: false, durable: database.durable });
  await app.ready();

  const codeFor = (secret: string, offsetSteps = 0) =>
    generateTotp({ secret, atMillis: clock.now() + offsetSteps * 30_000 });

  return {
    app,
    core,
    store: database.store,
    clock,
    dataDir: database.dataDir,
    async createUser(username, password = 'correct horse battery', userOptions = {}) {
      const { user } = await core.accounts.createUser({
        username,
        email: `${username}@example.test`,
        password,
        isAdmin: userOptions.isAdmin,
        otpRequired: userOptions.otpRequired,
      });
      return (await database.store.users.findById(user.id)) as UserRow;
    },
    async enrollTotp(user, name) {
      const enrollment: TotpEnrollment = await core.totp.start(user);
      // The activation code uses the previous step, leaving the current one free for a login.
      await core.totp.activate(user, enrollment.authenticatorId, {
        code: codeFor(enrollment.secret, -1),
        name,
      });
      return { secret: enrollment.secret, authenticatorId: enrollment.authenticatorId };
    },
    codeFor,
    async close() {
      await app.close();
      await database.close();
    },
  };
}

async function openTestDatabase(engine: Engine): Promise<TestDatabase> {
  // As `twofold serve` runs: writes count at commit, answers wait for the fsync.
  if (engine === 'sqlite') return openTempSqlite({ acknowledgeWrites: 'committed' });
  const postgres = await openTempPostgres();
  return {
    store: postgres.store,
    durable: () => undefined,
    dataDir: postgres.dataDir,
    close: postgres.close,
  };
}
