import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMailTransport } from '../../src/cli/mail-transport.js';
import type { TwofoldError } from '../../src/core/index.js';
import type { UserRow } from '../../src/store/index.js';
import { firstLink, startSmtpServer, type TestSmtpServer } from '../helpers/smtp.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

describe('administration and onboarding (core, real SMTP)', () => {
  let t: TestApp;
  let smtp: TestSmtpServer;
  let admin: UserRow;

  beforeEach(async () => {
    smtp = await startSmtpServer();
    const mailer = createMailTransport({
      smtpUrl: smtp.url,
      from: 'Twofold <twofold@example.test>',
      outboxDir: '/nonexistent',
      log: () => {},
    });
    t = await createTestApp({ mailer });
    admin = await t.createUser('root', 'correct horse battery', { isAdmin: true });
  });
  afterEach(async () => {
    await t.core.notices.settled();
    await t.close();
    await smtp.close();
  });

  const admins = () => t.core.administration;
  const tokenOf = (url: string) => url.split('/').pop()!;

  it('onboards a new user with OTP Configured: e-mail link, enroll, password, then login needs the code', async () => {
    await admins().createUser(admin, { username: 'nina', email: 'nina@example.test', otpRequired: true });
    const mail = await smtp.waitFor((m) => m.to.includes('nina@example.test'));
    expect(mail.subject).toBe('Twofold: set up your account');
    const link = firstLink(mail.text);
    expect(link).toMatch(/^http:\/\/localhost:8080\/setup\/[A-Za-z0-9_-]{43}$/);

    expect((await t.core.onboarding.inspect(tokenOf(link))).mfaRequired).toBe(true);
    const issued = await t.core.onboarding.begin(tokenOf(link));
    await expect(t.core.onboarding.begin(tokenOf(link))).rejects.toMatchObject({ code: 'expired' });
    let session = (await t.core.sessions.resolve(issued.token))!;
    expect(session.row.stage).toBe('setup');

    // The password comes only after the required authenticator.
    await expect(
      t.core.onboarding.setPassword(session, { password: 'a new long password' }),
    ).rejects.toMatchObject({
      code: 'enrollment_required',
    });
    const enrollment = await t.core.totp.start(session.user);
    await t.core.totp.activate(session.user, enrollment.authenticatorId, {
      code: t.codeFor(enrollment.secret, -1),
      name: 'Phone',
      session,
    });
    session = (await t.core.sessions.resolve(issued.token))!;
    const full = await t.core.onboarding.setPassword(session, {
      password: 'a new long password',
      confirmation: 'a new long password',
    });
    expect(full.stage).toBe('full');
    const codes = await t.core.backupCodes.generate((await t.core.sessions.resolve(full.token))!);
    expect(codes).toHaveLength(10);

    const login = await t.core.signIn.login({ login: 'nina', password: 'a new long password', kind: 'api' });
    expect(login.outcome).toBe('second_factor_required');
    const withCode = await t.core.signIn.login({
      login: 'nina',
      password: `a new long password${t.codeFor(enrollment.secret)}`,
      kind: 'api',
    });
    expect(withCode.outcome).toBe('signed_in');
  });

  it('an existing user must enroll at next login once OTP is required; off and on again removes their devices', async () => {
    const user = await t.createUser('olaf');
    const { secret } = await t.enrollTotp(user);
    await admins().updateUser(admin, user.id, { otpRequired: true });
    expect((await admins().profile(admin, user.id)).authenticators).toHaveLength(1);

    await admins().updateUser(admin, user.id, { otpRequired: false });
    const profile = await admins().updateUser(admin, user.id, { otpRequired: true });
    expect(profile).toMatchObject({
      otpRequired: true,
      mfaRequired: true,
      mfaActive: false,
      authenticators: [],
    });

    const login = await t.core.signIn.login({
      login: 'olaf',
      password: 'correct horse battery',
      kind: 'browser',
    });
    if (login.outcome !== 'signed_in') throw new Error('expected a session');
    expect(login.session.stage).toBe('enrollment');
    // The old device is gone: its code neither completes a login nor passes as part of the password.
    await expect(
      t.core.signIn.login({
        login: 'olaf',
        password: `correct horse battery${t.codeFor(secret)}`,
        kind: 'api',
      }),
    ).rejects.toMatchObject({ code: 'invalid_credentials' });
    expect(await t.store.authenticators.listByUser(user.id)).toEqual([]);
  });

  it('unlocks a locked second factor and resets two-factor', async () => {
    const user = await t.createUser('pia');
    const { secret } = await t.enrollTotp(user);
    for (let i = 0; i < 100; i++) {
      await t.core.signIn
        .login({ login: 'pia', password: 'correct horse battery', otp: '000000', kind: 'api' })
        .catch(() => {});
      t.clock.advance(16 * 60_000);
    }
    expect((await admins().profile(admin, user.id)).secondFactor.locked).toBe(true);
    await smtp.waitFor((m) => m.to.includes('pia@example.test') && m.subject.includes('locked'));
    await admins().unlock(admin, user.id);
    expect((await admins().profile(admin, user.id)).secondFactor).toMatchObject({
      locked: false,
      failures: 0,
    });
    const ok = await t.core.signIn.login({
      login: 'pia',
      password: 'correct horse battery',
      otp: t.codeFor(secret),
      kind: 'api',
    });
    expect(ok.outcome).toBe('signed_in');

    await admins().resetMfa(admin, user.id);
    expect((await admins().profile(admin, user.id)).authenticators).toEqual([]);
  });

  it('refuses non-administrators, and never removes or demotes the last administrator', async () => {
    const user = await t.createUser('quinn');
    const refused = (await admins()
      .listUsers(user)
      .catch((e: TwofoldError) => e)) as TwofoldError;
    expect(refused).toMatchObject({ code: 'forbidden', status: 403 });
    await expect(admins().resetMfa(user, admin.id)).rejects.toMatchObject({ status: 403 });
    await expect(admins().updateUser(admin, admin.id, { isAdmin: false })).rejects.toMatchObject({
      code: 'conflict',
    });
    await expect(admins().removeUser(admin, admin.id)).rejects.toMatchObject({ code: 'conflict' });
  });

  it('audits admin actions with who did them, and e-mails users about device changes', async () => {
    const user = await t.createUser('rosa');
    await t.enrollTotp(user, 'Rosa phone');
    await smtp.waitFor(
      (m) => m.to.includes('rosa@example.test') && m.subject === 'Twofold: a sign-in device was added',
    );
    await admins().resetMfa(admin, user.id);
    const events = await admins().auditLog(admin, { userId: user.id, type: 'mfa.reset' });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ actorId: admin.id, detail: { authenticatorsRemoved: 1 } });
  });

  it('disabling a user ends their sessions and stops logins', async () => {
    const user = await t.createUser('sam');
    const login = await t.core.signIn.login({ login: 'sam', password: 'correct horse battery', kind: 'api' });
    if (login.outcome !== 'signed_in') throw new Error('expected a session');
    await admins().setDisabled(admin, user.id, true);
    expect(await t.core.sessions.resolve(login.session.token)).toBeUndefined();
    await expect(
      t.core.signIn.login({ login: 'sam', password: 'correct horse battery', kind: 'api' }),
    ).rejects.toMatchObject({ code: 'invalid_credentials' });
  });

  it('creates the first administrator from the start-up link only while there is none', async () => {
    await admins().setDisabled('cli', admin.id, false);
    await t.store.users.remove(admin.id);
    const url = (await t.core.onboarding.createAdminSetupLink())!;
    const issued = await t.core.onboarding.createFirstAdmin(tokenOf(url), {
      username: 'boss',
      email: 'boss@example.test',
      password: 'a long admin password',
    });
    expect(issued.stage).toBe('enrollment');
    expect(await t.core.onboarding.createAdminSetupLink()).toBeUndefined();
    await expect(
      t.core.onboarding.createFirstAdmin(tokenOf(url), {
        username: 'x',
        email: 'x@example.test',
        password: 'a long admin password',
      }),
    ).rejects.toMatchObject({ code: 'expired' });
  });
});

describe('administration when the mail server is down', () => {
  const tokenOf = (url: string) => url.split('/').pop()!;

  it('still creates the user (saying the mail did not go), and a resend answers 503, not 500', async () => {
    const t = await createTestApp({
      mailer: {
        send: async () => {
          throw new Error('connect ECONNREFUSED 127.0.0.1:25');
        },
      },
    });
    try {
      const admin = await t.createUser('root', 'correct horse battery', { isAdmin: true });
      const created = await t.core.administration.createUser(admin, {
        username: 'nina',
        email: 'nina@example.test',
      });
      expect(created.mailSent).toBe(false);
      expect(created.setupUrl).toMatch(/\/setup\//);
      expect(await t.store.users.findByUsername('nina')).toBeDefined();
      await expect(t.core.administration.sendSetupEmail(admin, created.profile.id)).rejects.toMatchObject({
        code: 'unavailable',
        status: 503,
      });
      // The resend that did not go cancelled nothing: the link the user may have still works.
      await expect(t.core.onboarding.inspect(tokenOf(created.setupUrl))).resolves.toMatchObject({
        user: { username: 'nina' },
      });
    } finally {
      await t.close();
    }
  });
});
