import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Core, systemClock } from '../../src/core/index.js';
import { formatMasterKey, generateMasterKey, Keyring } from '../../src/security/index.js';
import { migrateToLatest, openDatabase, Store, type UserRow } from '../../src/store/index.js';
import { assertOathtoolInstalled, oathtoolTotp } from '../helpers/oathtool.js';
import { type ServerProcess, startServerProcess } from '../helpers/serve-process.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { changes, scrape } from './scrape.js';

const PASSWORD = 'correct horse battery';
const USERNAME = 'mallory.metrics';
const EMAIL = 'mallory.metrics@example.test';

const codeAt = (secretBase32: string, offsetSeconds: number) =>
  oathtoolTotp({
    secretBase32,
    unixSeconds: Math.floor(Date.now() / 1000) + offsetSeconds,
    algorithm: 'sha1',
    digits: 6,
    periodSeconds: 30,
  });

/**
 * `twofold serve` with TWOFOLD_METRICS_PORT: a scripted API sign-in — one wrong code, then the
 * right one (both from oathtool) — moves exactly the counters it should, by exactly one; the
 * scrape names no user and no code; /metrics is not on the public port; every answer carries an
 * X-Request-Id that its log line carries too.
 */
describe('metrics and request logs of twofold serve', () => {
  const dir = makeTempDir();
  const key = generateMasterKey();
  let server: ServerProcess;
  let metricsUrl: string;
  let user: UserRow;
  let secret: string;
  const codesUsed: string[] = [];

  beforeAll(async () => {
    await assertOathtoolInstalled();
    const { db } = openDatabase({ dataDir: dir.path });
    try {
      await migrateToLatest(db);
      const core = new Core({
        store: new Store(db),
        keyring: Keyring.fromKeys([key]),
        clock: systemClock,
        settings: { publicUrl: 'http://localhost:8080', issuer: 'Twofold', setupLinkHours: 72 },
      });
      await core.accounts.createUser({ username: USERNAME, email: EMAIL, password: PASSWORD });
      user = (await core.store.users.findByUsername(USERNAME)) as UserRow;
      const enrollment = await core.totp.start(user);
      secret = enrollment.secret;
      // The previous step's code activates it, leaving the current one for the sign-in.
      await core.totp.activate(user, enrollment.authenticatorId, { code: await codeAt(secret, -30) });
    } finally {
      await db.destroy();
    }
    server = await startServerProcess(dir.path, {
      TWOFOLD_MASTER_KEY: formatMasterKey(key),
      TWOFOLD_METRICS_PORT: '0',
    });
    const match = /Metrics listening on (http:\/\/127\.0\.0\.1:\d+\/metrics)/.exec(server.output());
    if (!match) throw new Error(`no metrics start-up line:\n${server.output()}`);
    metricsUrl = match[1]!;
  }, 30_000);

  afterAll(async () => {
    await server?.stop();
    dir.remove();
  });

  const login = (otp: string, headers: Record<string, string> = {}) =>
    fetch(`${server.url}/api/v1/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ username: USERNAME, password: PASSWORD, otp }),
    });

  /** A code valid in none of the steps the server accepts now. */
  async function wrongCode(): Promise<string> {
    const valid = new Set(await Promise.all([-60, -30, 0, 30, 60].map((offset) => codeAt(secret, offset))));
    for (let offset = 3_600; ; offset += 30) {
      const code = await codeAt(secret, offset);
      if (!valid.has(code)) return code;
    }
  }

  it('counts one wrong and one right code exactly, and nothing else', async () => {
    const before = await scrape(metricsUrl);
    const wrong = await wrongCode();
    const wrongAnswer = await login(wrong);
    expect(wrongAnswer.status).toBe(401);
    const right = await codeAt(secret, 0);
    const rightAnswer = await login(right);
    expect(rightAnswer.status).toBe(200);
    codesUsed.push(wrong, right);
    const after = await scrape(metricsUrl);

    expect(changes(before, after, 'twofold_sign_ins_total')).toEqual({
      '{path="api",result="ok"}': 1,
      '{path="api",result="wrong_code"}': 1,
    });
    expect(changes(before, after, 'twofold_second_factor_checks_total')).toEqual({
      '{kind="totp",result="ok"}': 1,
      '{kind="totp",result="wrong"}': 1,
    });
    expect(changes(before, after, 'twofold_login_failures_total')).toEqual({ '{reason="code_invalid"}': 1 });
    expect(changes(before, after, 'twofold_replays_refused_total')).toEqual({});
    expect(changes(before, after, 'twofold_throttle_refusals_total')).toEqual({});
    expect(changes(before, after, 'twofold_second_factor_locks_total')).toEqual({});
    expect(changes(before, after, 'twofold_audit_events_total')).toEqual({
      '{type="login.failed"}': 1,
      '{type="login.succeeded"}': 1,
    });
    expect(changes(before, after, 'twofold_http_request_duration_seconds_count')).toEqual({
      '{method="POST",route="/api/v1/login",status="200"}': 1,
      '{method="POST",route="/api/v1/login",status="401"}': 1,
    });
    // The writes went through the database, its group commit and the fsync of its WAL.
    expect(after.value('twofold_db_query_duration_seconds_count', { operation: 'select' })).toBeGreaterThan(
      before.value('twofold_db_query_duration_seconds_count', { operation: 'select' }),
    );
    expect(after.value('twofold_sqlite_batch_writes_count')).toBeGreaterThan(
      before.value('twofold_sqlite_batch_writes_count'),
    );
    expect(after.value('twofold_sqlite_fsync_duration_seconds_count')).toBeGreaterThan(
      before.value('twofold_sqlite_fsync_duration_seconds_count'),
    );
    // Node's own process metrics.
    expect(after.samples.some((s) => s.name === 'process_cpu_user_seconds_total')).toBe(true);
    expect(after.samples.some((s) => s.name === 'nodejs_eventloop_lag_seconds')).toBe(true);
  });

  it('counts the same right code sent again as a replay', async () => {
    const before = await scrape(metricsUrl);
    const replayed = codesUsed[1]!;
    expect((await login(replayed)).status).toBe(401);
    const after = await scrape(metricsUrl);
    expect(changes(before, after, 'twofold_sign_ins_total')).toEqual({
      '{path="api",result="wrong_code"}': 1,
    });
    expect(changes(before, after, 'twofold_second_factor_checks_total')).toEqual({
      '{kind="totp",result="replayed"}': 1,
    });
    expect(changes(before, after, 'twofold_replays_refused_total')).toEqual({ '{kind="totp"}': 1 });
    expect(changes(before, after, 'twofold_login_failures_total')).toEqual({ '{reason="code_replayed"}': 1 });
  });

  it('has no user name, address, id, password or code among its label values', async () => {
    const { samples } = await scrape(metricsUrl);
    const secrets = [USERNAME, EMAIL, user.id, PASSWORD, secret, ...codesUsed];
    expect(codesUsed.length).toBeGreaterThan(0);
    for (const sample of samples) {
      for (const value of Object.values(sample.labels)) {
        for (const forbidden of secrets) expect(value).not.toContain(forbidden);
        // A route is a pattern, never a URL with its ids: no digits-only segment, no query.
        expect(value).not.toMatch(/\?|\/\d{6}(\/|$)/);
      }
    }
  });

  it('serves /metrics only on its own port', async () => {
    const onMain = await fetch(`${server.url}/metrics`);
    expect(onMain.status).toBe(404);
    expect(await onMain.text()).not.toContain('twofold_');
    const metricsOrigin = new URL(metricsUrl).origin;
    expect((await fetch(`${metricsOrigin}/healthz`)).status).toBe(404);
    expect((await fetch(`${metricsOrigin}/api/v1/login`, { method: 'POST' })).status).toBe(404);
    expect((await fetch(metricsUrl)).status).toBe(200);
  });

  it('answers with an X-Request-Id that its one log line carries, with route, status and duration', async () => {
    const answer = await fetch(`${server.url}/api/v1/me`);
    expect(answer.status).toBe(401);
    const id = answer.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    // A proxy's sane id is kept; one with spaces (or too long) is replaced.
    const kept = await fetch(`${server.url}/healthz`, { headers: { 'x-request-id': 'edge-7f3a.42' } });
    expect(kept.headers.get('x-request-id')).toBe('edge-7f3a.42');
    const replaced = await fetch(`${server.url}/api/v1/me`, { headers: { 'x-request-id': 'a b"c' } });
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const tooLong = await fetch(`${server.url}/api/v1/me`, { headers: { 'x-request-id': 'x'.repeat(129) } });
    expect(tooLong.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);

    const line = await logLine((record) => record.reqId === id);
    expect(line).toMatchObject({
      level: 30,
      msg: 'request',
      method: 'GET',
      route: '/api/v1/me',
      status: 401,
    });
    expect(typeof line.durationMs).toBe('number');
    // An unknown URL is logged under no route of its own.
    const missing = await fetch(`${server.url}/no/such/page/123456`);
    const missingLine = await logLine((record) => record.reqId === missing.headers.get('x-request-id'));
    expect(missingLine).toMatchObject({ route: 'unmatched', status: 404 });
  });

  it('logs the sign-ins as security events with the user id, never a code or the password', async () => {
    const failed = await logLine(
      (record) => record.msg === 'security event' && record.event === 'login.failed',
    );
    expect(failed).toMatchObject({ level: 30, userId: user.id, reason: 'code_invalid' });
    const succeeded = await logLine(
      (record) => record.msg === 'security event' && record.event === 'login.succeeded',
    );
    expect(succeeded).toMatchObject({ userId: user.id, method: 'totp' });
    for (const record of logRecords()) {
      for (const value of Object.values(record)) {
        const text = typeof value === 'string' ? value : JSON.stringify(value);
        for (const code of codesUsed) expect(text).not.toBe(code);
        expect(text).not.toContain(PASSWORD);
        expect(text).not.toContain(secret);
      }
    }
  });

  function logRecords(): Record<string, unknown>[] {
    return server
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  /** The first log record that matches, waiting a little for the child's output to arrive. */
  async function logLine(
    match: (record: Record<string, unknown>) => boolean,
  ): Promise<Record<string, unknown>> {
    for (let attempt = 0; attempt < 50; attempt++) {
      const found = logRecords().find(match);
      if (found) return found;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`no such log line in:\n${server.output()}`);
  }
});
