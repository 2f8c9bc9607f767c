import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { securityLogFields } from '../../src/cli/security-log.js';
import {
  type AuditEntry,
  Core,
  type MailMessage,
  ManualClock,
  THROTTLE_POLICIES,
} from '../../src/core/index.js';
import { buildApp } from '../../src/http/app.js';
import { type MetricsServer, PrometheusMetrics, startMetricsServer } from '../../src/metrics/index.js';
import { INTERACTION_PREFIX } from '../../src/oidc/paths.js';
import { generateTotp } from '../../src/otp/index.js';
import { generateMasterKey, Keyring } from '../../src/security/index.js';
import { migrateToLatest, openDatabase, Store, type UserRow } from '../../src/store/index.js';
import { PageClient } from '../helpers/page-client.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { TEST_EPOCH } from '../helpers/test-app.js';
import { changes, scrape } from './scrape.js';

const PASSWORD = 'correct horse battery';

/**
 * The login pages, with the clock injected: the code step, a login for an OpenID Connect
 * service, the throttle's wait and its lock, enrollments, an administrator's MFA reset and the
 * security e-mails, each read back from a real /metrics listener.
 */
describe('sign-in metrics on the login pages', () => {
  const dir = makeTempDir();
  const clock = new ManualClock(TEST_EPOCH);
  const metrics = new PrometheusMetrics();
  const sent: MailMessage[] = [];
  const audited: AuditEntry[] = [];
  let core: Core;
  let app: Awaited<ReturnType<typeof buildApp>>;
  let listener: MetricsServer;
  let destroy: () => Promise<void>;

  beforeAll(async () => {
    const database = openDatabase({ dataDir: dir.path, acknowledgeWrites: 'committed', observer: metrics });
    await migrateToLatest(database.db);
    destroy = () => database.db.destroy();
    core = new Core({
      store: new Store(database.db),
      keyring: Keyring.fromKeys([generateMasterKey()]),
      clock,
      settings: { publicUrl: 'http://localhost:8080', issuer: 'Twofold', setupLinkHours: 72 },
      mailer: { send: async (message) => void sent.push(message) },
      metrics,
    });
    core.audit.subscribe((entry) => audited.push(entry));
    app = await buildApp({
      core,
      logger: false,
      durable: database.durable,
      observeRequest: metrics.observeRequest,
    });
    await app.ready();
    listener = await startMetricsServer(metrics, { host: '127.0.0.1', port: 0 });
  });

  afterAll(async () => {
    await listener?.close();
    await app?.close();
    await destroy?.();
    dir.remove();
  });

  async function userWithTotp(username: string): Promise<{ user: UserRow; secret: string }> {
    await core.accounts.createUser({ username, email: `${username}@example.test`, password: PASSWORD });
    const user = (await core.store.users.findByUsername(username)) as UserRow;
    const enrollment = await core.totp.start(user);
    await core.totp.activate(user, enrollment.authenticatorId, {
      code: generateTotp({ secret: enrollment.secret, atMillis: clock.now() - 30_000 }),
    });
    return { user, secret: enrollment.secret };
  }

  const code = (secret: string) => generateTotp({ secret, atMillis: clock.now() });
  /** Ten steps ahead: a code the server accepts in none of the steps it checks. */
  const wrongCode = (secret: string) => generateTotp({ secret, atMillis: clock.now() + 300_000 });

  it('counts enrollments and the security e-mail they send', async () => {
    const before = await scrape(listener.url);
    await userWithTotp('erin');
    await core.notices.settled();
    const after = await scrape(listener.url);
    expect(changes(before, after, 'twofold_authenticator_changes_total')).toEqual({
      '{change="added",kind="totp"}': 1,
    });
    expect(changes(before, after, 'twofold_emails_total')).toEqual({ '{result="sent"}': sent.length });
    expect(sent.length).toBe(1);
  });

  it('counts the password step, a wrong code and the right one on the pages', async () => {
    const { secret } = await userWithTotp('bob');
    const browser = new PageClient(app);
    const before = await scrape(listener.url);
    expect((await browser.login('bob', PASSWORD)).status).toBe(303);
    expect((await browser.enterCode(wrongCode(secret))).status).toBe(401);
    const signedIn = await browser.enterCode(code(secret));
    expect(signedIn.location).toBe('/account');
    const after = await scrape(listener.url);
    expect(changes(before, after, 'twofold_sign_ins_total')).toEqual({
      '{path="pages",result="second_factor_required"}': 1,
      '{path="pages",result="wrong_code"}': 1,
      '{path="pages",result="ok"}': 1,
    });
    expect(changes(before, after, 'twofold_second_factor_checks_total')).toEqual({
      '{kind="totp",result="ok"}': 1,
      '{kind="totp",result="wrong"}': 1,
    });
    expect(changes(before, after, 'twofold_http_request_duration_seconds_count')).toMatchObject({
      '{method="POST",route="/login",status="303"}': 1,
      '{method="POST",route="/login/code",status="401"}': 1,
      '{method="POST",route="/login/code",status="303"}': 1,
    });
  });

  it('counts a login made for an OpenID Connect service under oidc, and a wrong password', async () => {
    await userWithTotp('carol');
    const browser = new PageClient(app);
    const before = await scrape(listener.url);
    const next = `${INTERACTION_PREFIX}abc123`;
    expect((await browser.login('carol', PASSWORD, next)).status).toBe(303);
    expect((await new PageClient(app).login('carol', 'not the password', next)).status).toBe(401);
    expect((await new PageClient(app).login('nobody', PASSWORD)).status).toBe(401);
    const after = await scrape(listener.url);
    expect(changes(before, after, 'twofold_sign_ins_total')).toEqual({
      '{path="oidc",result="second_factor_required"}': 1,
      '{path="oidc",result="wrong_password"}': 1,
      '{path="pages",result="wrong_password"}': 1,
    });
    // The audit log tells the two wrong passwords apart.
    expect(changes(before, after, 'twofold_login_failures_total')).toEqual({
      '{reason="second_factor_missing"}': 1,
      '{reason="password"}': 1,
      '{reason="unknown_user"}': 1,
    });
  });

  it('counts the throttle’s wait, then its lock, and a sign-in refused by each', async () => {
    const { user, secret } = await userWithTotp('dave');
    const browser = new PageClient(app, '198.51.100.9');
    expect((await browser.login('dave', PASSWORD)).status).toBe(303);
    const { freeFailures, lockAfterFailures, maxDelayMs } = THROTTLE_POLICIES.secondFactor;
    for (let i = 0; i < freeFailures; i++)
      expect((await browser.enterCode(wrongCode(secret))).status).toBe(401);

    let before = await scrape(listener.url);
    expect((await browser.enterCode(code(secret))).status).toBe(429);
    let after = await scrape(listener.url);
    expect(changes(before, after, 'twofold_sign_ins_total')).toEqual({
      '{path="pages",result="throttled"}': 1,
    });
    expect(changes(before, after, 'twofold_throttle_refusals_total')).toEqual({
      '{policy="second_factor",state="wait"}': 1,
    });
    // Refused before any check: no code was checked.
    expect(changes(before, after, 'twofold_second_factor_checks_total')).toEqual({});

    before = after;
    for (let i = freeFailures; i < lockAfterFailures; i++) {
      clock.advance(maxDelayMs + 1_000);
      await expect(
        core.secondFactor.verify(user, wrongCode(secret), { purpose: 'login' }),
      ).rejects.toMatchObject({ code: 'invalid_code' });
    }
    after = await scrape(listener.url);
    expect(changes(before, after, 'twofold_second_factor_locks_total')).toEqual({ '{}': 1 });
    expect(after.value('twofold_audit_events_total', { type: 'second_factor.locked' })).toBe(1);

    before = after;
    clock.advance(maxDelayMs + 1_000);
    const again = new PageClient(app, '198.51.100.9');
    expect((await again.login('dave', PASSWORD)).status).toBe(303);
    expect((await again.enterCode(code(secret))).status).toBe(423);
    after = await scrape(listener.url);
    expect(changes(before, after, 'twofold_sign_ins_total')).toEqual({
      '{path="pages",result="second_factor_required"}': 1,
      '{path="pages",result="locked"}': 1,
    });
    expect(changes(before, after, 'twofold_throttle_refusals_total')).toEqual({
      '{policy="second_factor",state="locked"}': 1,
    });
  });

  it('counts an administrator’s MFA reset, and logs it with both ids and nothing else', async () => {
    const { user } = await userWithTotp('frank');
    await core.accounts.createUser({
      username: 'root',
      email: 'root@example.test',
      password: PASSWORD,
      isAdmin: true,
    });
    const actor = (await core.store.users.findByUsername('root')) as UserRow;
    const before = await scrape(listener.url);
    audited.length = 0;
    await core.administration.resetMfa(actor, user.id);
    const after = await scrape(listener.url);
    expect(changes(before, after, 'twofold_audit_events_total')).toMatchObject({ '{type="mfa.reset"}': 1 });
    const reset = audited.find((entry) => entry.type === 'mfa.reset')!;
    expect(securityLogFields(reset)).toEqual({
      event: 'mfa.reset',
      userId: user.id,
      actorId: actor.id,
      authenticatorsRemoved: 1,
    });
  });

  it('never uses a user name, an address or a code as a label value', async () => {
    const { samples } = await scrape(listener.url);
    const names = ['erin', 'bob', 'carol', 'dave', 'frank', 'root', 'nobody', 'example.test', '198.51.100.9'];
    for (const sample of samples) {
      for (const value of Object.values(sample.labels)) {
        for (const name of names) expect(value).not.toContain(name);
        expect(value).not.toMatch(/^\d{6,8}$/);
      }
    }
  });
});
