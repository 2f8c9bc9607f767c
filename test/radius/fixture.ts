import { Core, type MfaPolicy, systemClock } from '../../src/core/index.js';
import { formatMasterKey, generateMasterKey, Keyring } from '../../src/security/index.js';
import { migrateToLatest, openDatabase, Store, type UserRow } from '../../src/store/index.js';
import { oathtoolTotp } from '../helpers/oathtool.js';
import { type ServerProcess, startServerProcess } from '../helpers/serve-process.js';
import { makeTempDir } from '../helpers/temp-dir.js';

export const PASSWORD = 'correct horse battery';

export interface RadiusClientSpec {
  readonly name: string;
  readonly networks: readonly string[];
  readonly secret: string;
  readonly mfaPolicy?: MfaPolicy;
}

export interface RadiusFixture {
  readonly server: ServerProcess;
  /** The UDP port `twofold serve` answers RADIUS on. */
  readonly radiusPort: number;
  /** Each user's TOTP secret (base32), by name; users without one are absent. */
  readonly totpSecrets: ReadonlyMap<string, string>;
  /** A new database handle on the server's data, for looking at what it wrote. */
  withCore<T>(task: (core: Core) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** The current TOTP code of a user's device, from oathtool at real time. */
export async function codeOf(fixture: RadiusFixture, user: string, offsetSeconds = 0): Promise<string> {
  const secretBase32 = fixture.totpSecrets.get(user);
  if (!secretBase32) throw new Error(`${user} has no TOTP device`);
  return oathtoolTotp({
    secretBase32,
    unixSeconds: Math.floor(Date.now() / 1000) + offsetSeconds,
    algorithm: 'sha1',
    digits: 6,
    periodSeconds: 30,
  });
}

/** `count` codes that the user's device gives for none of the steps accepted now (±1). */
export async function wrongCodes(fixture: RadiusFixture, user: string, count: number): Promise<string[]> {
  const valid = new Set(await Promise.all([-30, 0, 30].map((offset) => codeOf(fixture, user, offset))));
  const wrong: string[] = [];
  for (let n = 0; wrong.length < count; n++) {
    const candidate = String(n * 111_111 + 12_345)
      .padStart(6, '0')
      .slice(-6);
    if (!valid.has(candidate) && !wrong.includes(candidate)) wrong.push(candidate);
  }
  return wrong;
}

/**
 * A data directory with these users (password PASSWORD; those in `withTotp` with an active TOTP
 * device, activated with the previous step's code so the current one is fresh) and RADIUS
 * clients, then the real `twofold serve` on it with RADIUS on a free loopback UDP port.
 */
export async function startRadiusFixture(options: {
  readonly users: readonly string[];
  readonly withTotp: readonly string[];
  readonly clients: readonly RadiusClientSpec[];
  /** More of the server's environment (TWOFOLD_METRICS_PORT, say). */
  readonly env?: Readonly<Record<string, string>>;
}): Promise<RadiusFixture> {
  const dir = makeTempDir();
  const key = generateMasterKey();
  const withCore = async <T>(task: (core: Core) => Promise<T>): Promise<T> => {
    const { db } = openDatabase({ dataDir: dir.path });
    try {
      await migrateToLatest(db);
      const core = new Core({
        store: new Store(db),
        keyring: Keyring.fromKeys([key]),
        clock: systemClock,
        settings: { publicUrl: 'http://localhost:8080', issuer: 'Twofold', setupLinkHours: 72 },
      });
      return await task(core);
    } finally {
      await db.destroy();
    }
  };
  const totpSecrets = new Map<string, string>();
  await withCore(async (core) => {
    for (const username of options.users) {
      await core.accounts.createUser({ username, email: `${username}@example.test`, password: PASSWORD });
      if (!options.withTotp.includes(username)) continue;
      const user = (await core.store.users.findByUsername(username)) as UserRow;
      const enrollment = await core.totp.start(user);
      const code = await oathtoolTotp({
        secretBase32: enrollment.secret,
        unixSeconds: Math.floor(Date.now() / 1000) - 30,
        algorithm: 'sha1',
        digits: 6,
        periodSeconds: 30,
      });
      await core.totp.activate(user, enrollment.authenticatorId, { code });
      totpSecrets.set(username, enrollment.secret);
    }
    for (const client of options.clients) {
      await core.services.register(
        {
          name: client.name,
          kind: 'radius',
          networks: client.networks,
          radiusSecret: client.secret,
          mfaPolicy: client.mfaPolicy ?? 'required',
        },
        'cli',
      );
    }
  });
  const server = await startServerProcess(dir.path, {
    TWOFOLD_MASTER_KEY: formatMasterKey(key),
    TWOFOLD_RADIUS_PORT: '0',
    ...options.env,
  });
  const match = /RADIUS listening on UDP [^\s]+:(\d+)/.exec(server.output());
  if (!match) {
    await server.stop();
    dir.remove();
    throw new Error(`no RADIUS start-up line:\n${server.output()}`);
  }
  return {
    server,
    radiusPort: Number(match[1]),
    totpSecrets,
    withCore,
    close: async () => {
      await server.stop();
      dir.remove();
    },
  };
}
