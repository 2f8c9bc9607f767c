// A Twofold server for the cases `twofold serve` cannot express yet, built exactly as
// src/cli/context.ts + serve.ts build it (same Core, same buildApp, same database code):
//
//   BENCH_SQLITE_SYNCHRONOUS=NORMAL   SQLite `synchronous` (serve always uses FULL)
//   BENCH_CLOCK=<t0>,<speed>          the server's clock runs `speed` times as fast as the real
//                                      one from the real instant t0 (ms). Lets a database of few
//                                      users answer many fresh codes: the TOTP steps come faster.
//
// plus the TWOFOLD_* variables (data dir, port, master key, database URL, log level).
import pino from 'pino';
import type { Clock } from '../src/core/index.js';

// The compiled build (what `twofold serve` runs), typed by the sources.
const dist = (path: string) => new URL(`../dist/${path}`, import.meta.url).href;
const { loadConfig } = (await import(dist('config.js'))) as typeof import('../src/config.js');
const { Core, systemClock, verifyMasterKey } = (await import(
  dist('core/index.js')
)) as typeof import('../src/core/index.js');
const { buildApp } = (await import(dist('http/app.js'))) as typeof import('../src/http/app.js');
const { Keyring, parseMasterKeys } = (await import(
  dist('security/index.js')
)) as typeof import('../src/security/index.js');
const { migrateToLatest, openDatabase, Store } = (await import(
  dist('store/index.js')
)) as typeof import('../src/store/index.js');

/** The bench clock; harness.ts `benchClockNow` computes the same function. */
function benchClock(spec: string | undefined): Clock {
  if (!spec) return systemClock;
  const [t0, speed] = spec.split(',').map(Number) as [number, number];
  return { now: () => t0 + (Date.now() - t0) * speed };
}

const config = loadConfig(process.env);
const synchronous = process.env.BENCH_SQLITE_SYNCHRONOUS === 'NORMAL' ? 'NORMAL' : 'FULL';
const database = openDatabase({
  databaseUrl: config.databaseUrl,
  dataDir: config.dataDir,
  sqliteSynchronous: synchronous,
});
await migrateToLatest(database.db);
const store = new Store(database.db);
const keyring = Keyring.fromKeys(parseMasterKeys(config.masterKey ?? '', 'TWOFOLD_MASTER_KEY'));
await verifyMasterKey(store, keyring);
const core = new Core({
  store,
  keyring,
  clock: benchClock(process.env.BENCH_CLOCK),
  settings: { publicUrl: config.publicUrl, issuer: config.issuer, setupLinkHours: config.setupLinkHours },
});
const logger = pino({ level: config.logLevel, base: undefined });
const app = await buildApp({ core, logger });
const stop = () => {
  void app
    .close()
    .then(() => database.db.destroy())
    .then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
await app.listen({ port: config.port, host: config.host });
