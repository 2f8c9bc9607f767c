/**
 * When the database goes away under a running instance, requests must fail as "unavailable"
 * (503, so a load balancer can route elsewhere) rather than as server errors, and the instance
 * must recover by itself once the database is back, without a restart.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Core, systemClock } from '../../src/core/index.js';
import { buildApp } from '../../src/http/app.js';
import { generateMasterKey, Keyring } from '../../src/security/index.js';
import { migrateToLatest, openDatabase, Store } from '../../src/store/index.js';
import { createTempPostgresDatabase, type TempPostgres } from '../helpers/postgres.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import { makeTempDir } from '../helpers/temp-dir.js';

describe('PostgreSQL outage', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('answers 503 while the database is away and recovers when it returns', async () => {
    const database: TempPostgres = await createTempPostgresDatabase();
    cleanups.push(() => database.drop());
    const target = new URL(database.url);
    const proxy = new TcpProxy(target.hostname, Number(target.port));
    await proxy.start();
    cleanups.push(() => proxy.cut());
    const viaProxy = new URL(database.url);
    viaProxy.port = String(proxy.port);

    const dir = makeTempDir();
    cleanups.push(async () => dir.remove());
    const { db } = openDatabase({ databaseUrl: viaProxy.toString(), dataDir: dir.path });
    cleanups.push(() => db.destroy());
    await migrateToLatest(db);
    const core = new Core({
      store: new Store(db),
      keyring: Keyring.fromKeys([generateMasterKey()]),
      clock: systemClock,
      settings: { publicUrl: 'http://localhost:8080', issuer: 'Twofold', setupLinkHours: 72 },
    });
    const app = await buildApp({ core, logger: false });
    cleanups.push(() => app.close());
    await core.accounts.createUser({
      username: 'alice',
      email: 'a@example.com',
      password: 'correct horse battery',
    });

    expect((await app.inject('/healthz')).statusCode).toBe(200);

    await proxy.cut();
    const health = await app.inject('/healthz');
    expect(health.statusCode).toBe(503);
    expect(health.json()).toEqual({ status: 'unavailable' });
    const login = await app.inject({
      method: 'POST',
      url: '/api/v1/login',
      payload: { username: 'alice', password: 'correct horse battery' },
    });
    expect(login.statusCode).toBe(503);
    expect(login.json()).toMatchObject({
      error: { code: 503, identity: null, title: 'Service Unavailable' },
    });
    expect(login.headers['retry-after']).toBe('5');

    await proxy.start();
    expect((await app.inject('/healthz')).statusCode).toBe(200);
    const after = await app.inject({
      method: 'POST',
      url: '/api/v1/login',
      payload: { username: 'alice', password: 'correct horse battery' },
    });
    expect(after.statusCode).toBe(200);
  });
});
