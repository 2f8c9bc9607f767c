/**
 * Several instances on one PostgreSQL must behave as one: otherwise an attacker who reaches
 * two instances behind a load balancer could replay a code on the second, or double the guesses
 * the throttle allows. Two real `twofold serve` processes share a database here, and a thousand
 * concurrent requests are spread over both.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Core, systemClock } from '../../src/core/index.js';
import { generateTotp } from '../../src/otp/index.js';
import { formatMasterKey, generateMasterKey, Keyring } from '../../src/security/index.js';
import { migrateToLatest, openDatabase, Store, type UserRow } from '../../src/store/index.js';
import { createTempPostgresDatabase, type TempPostgres } from '../helpers/postgres.js';
import { type ServerProcess, startServerProcess } from '../helpers/serve-process.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const PASSWORD = 'correct horse battery';

describe('two instances on one PostgreSQL', () => {
  let database: TempPostgres;
  let dir: ReturnType<typeof makeTempDir>;
  let servers: ServerProcess[] = [];
  let core: Core;
  let closeDb: () => Promise<void>;

  beforeAll(async () => {
    database = await createTempPostgresDatabase();
    dir = makeTempDir();
    const key = generateMasterKey();
    const env = {
      TWOFOLD_DATABASE_URL: database.url,
      TWOFOLD_MASTER_KEY: formatMasterKey(key),
    };
    servers = [await startServerProcess(dir.path, env), await startServerProcess(dir.path, env)];
    const { db } = openDatabase({ databaseUrl: database.url, dataDir: dir.path });
    await migrateToLatest(db);
    closeDb = () => db.destroy();
    core = new Core({
      store: new Store(db),
      keyring: Keyring.fromKeys([key]),
      clock: systemClock,
      settings: { publicUrl: 'http://localhost:8080', issuer: 'Twofold', setupLinkHours: 72 },
    });
  }, 60_000);

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await closeDb?.();
    await database?.drop();
    dir?.remove();
  });

  /** A user with a login token from instance A and an active TOTP device. */
  async function userWithDevice(username: string) {
    await core.accounts.createUser({ username, email: `${username}@example.test`, password: PASSWORD });
    const login = await post(servers[0]!, '/api/v1/login', { username, password: PASSWORD });
    expect(login.status).toBe(200);
    const { token } = (await login.json()) as { token: string };
    const user = (await core.store.users.findByUsername(username)) as UserRow;
    const enrollment = await core.totp.start(user);
    await core.totp.activate(user, enrollment.authenticatorId, {
      code: generateTotp({ secret: enrollment.secret, atMillis: Date.now() - 30_000 }),
    });
    return { token, secret: enrollment.secret, user };
  }

  function post(server: ServerProcess, path: string, body: unknown, token?: string) {
    return fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
  }

  async function spread(count: number, send: (server: ServerProcess) => Promise<Response>) {
    const responses = await Promise.all(Array.from({ length: count }, (_, i) => send(servers[i % 2]!)));
    const statuses = new Map<number, number>();
    for (const r of responses) {
      statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      await r.arrayBuffer();
    }
    return statuses;
  }

  it('accepts one valid code exactly once among 1,000 concurrent submissions on both, with a session made on one', async () => {
    const { token, secret } = await userWithDevice('alice');
    const code = generateTotp({ secret, atMillis: Date.now() });
    const statuses = await spread(1000, (server) => post(server, '/api/v1/me/verify', { otp: code }, token));
    expect(statuses.get(200)).toBe(1);
    expect([...statuses.keys()].every((s) => s === 200 || s === 401 || s === 429)).toBe(true);
    expect([...statuses.values()].reduce((a, b) => a + b, 0)).toBe(1000);
  });

  it('counts 1,000 concurrent wrong codes without losing one, and the throttle then holds on both', async () => {
    const { token, secret, user } = await userWithDevice('bob');
    const right = generateTotp({ secret, atMillis: Date.now() });
    const wrong = right === '000000' ? '111111' : '000000';
    const statuses = await spread(1000, (server) => post(server, '/api/v1/me/verify', { otp: wrong }, token));
    expect(statuses.get(200)).toBeUndefined();
    // Every attempt that was checked is on the shared counter: exactly the free ones, no more.
    const state = await core.throttle.state(`mfa:user:${user.id}`);
    expect(statuses.get(401)).toBe(5);
    expect(statuses.get(429)).toBe(995);
    expect(state?.failures).toBe(5);
    for (const server of servers) {
      const response = await post(server, '/api/v1/me/verify', { otp: right }, token);
      expect(response.status).toBe(429);
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
    }
  });

  it('a login token made on one instance works on the other, and logging out on one ends it on both', async () => {
    await core.accounts.createUser({ username: 'carol', email: 'carol@example.test', password: PASSWORD });
    const login = await post(servers[1]!, '/api/v1/login', { username: 'carol', password: PASSWORD });
    const { token } = (await login.json()) as { token: string };
    const me = await fetch(`${servers[0]!.url}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { username: string }).username).toBe('carol');
    expect((await post(servers[0]!, '/api/v1/logout', {}, token)).status).toBeLessThan(300);
    const after = await fetch(`${servers[1]!.url}/api/v1/me`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(after.status).toBe(401);
  });
});
