/**
 * The administration pages (seed 003) through `app.inject()`: "Add User" with "OTP Configured"
 * (the setup e-mail arrives at a real SMTP server), the profile with devices and actions, "Edit
 * User" turning OTP off (with a confirmation that says the devices go) and on again, reset,
 * unlock, disable, remove, the audit log, and the re-login every change needs after 5 minutes.
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { hiddenFields, type PageClient, text } from '../helpers/page-client.js';
import { firstLink } from '../helpers/smtp.js';
import { type AdminFixture, adminBrowser, createAdminFixture, PASSWORD } from './admin-helpers.js';

let f: AdminFixture;
let admin: PageClient;
beforeEach(async () => {
  f = await createAdminFixture();
  admin = await adminBrowser(f);
});
afterEach(async () => {
  await f.close();
});

const csrfOf = async (url: string, action: string) =>
  hiddenFields((await admin.get(url)).html, action)._csrf!;

describe('/admin/users', () => {
  test('lists and searches users, with pages', async () => {
    for (let i = 0; i < 27; i++) await f.t.createUser(`user${String(i).padStart(2, '0')}`);
    const first = await admin.get('/admin/users');
    expect(first.status).toBe(200);
    expect(text(first.html)).toContain('28 users, page 1 of 2');
    expect(first.html).toContain('href="/admin/users?page=2"');
    const second = await admin.get('/admin/users?page=2');
    expect(text(second.html)).toContain('user26');
    expect(text(second.html)).not.toContain('user05');
    const search = await admin.get('/admin/users?q=user1');
    expect(text(search.html)).toContain('10 users matching "user1"');
    await expect(admin.get('/admin')).resolves.toMatchObject({ status: 303, location: '/admin/users' });
  });

  test('"Add User" with "OTP Configured": the user is created and the setup e-mail sent', async () => {
    const form = await admin.get('/admin/users/new');
    expect(form.status).toBe(200);
    expect(text(form.html)).toContain('OTP Configured');
    const created = await admin.post('/admin/users', {
      ...hiddenFields(form.html, '/admin/users'),
      username: 'nina',
      email: 'nina@example.test',
      first_name: 'Nina',
      last_name: 'Berg',
      otp_required: 'on',
    });
    expect(created.status, created.html).toBe(303);
    const profile = await admin.get(created.location!);
    expect(text(profile.html)).toContain(
      'User nina was added. A password-setup e-mail was sent to nina@example.test.',
    );
    expect(text(profile.html)).toMatch(/OTP Configured yes/);
    expect(text(profile.html)).toContain('not set yet (password-setup e-mail pending)');
    const mail = await f.smtp.waitFor((m) => m.to.includes('nina@example.test'));
    expect(firstLink(mail.text)).toMatch(/\/setup\/[\w-]{43}$/);
    const user = (await f.t.store.users.findByUsername('nina'))!;
    expect(user).toMatchObject({ otp_required: 1, is_admin: 0, password_hash: null, first_name: 'Nina' });

    // A mistake comes back in the form, with what was typed.
    const again = await admin.post('/admin/users', {
      ...hiddenFields((await admin.get('/admin/users/new')).html, '/admin/users'),
      username: 'nina',
      email: 'other@example.test',
    });
    expect(again.status).toBe(409);
    expect(text(again.html)).toContain('A user named "nina" already exists.');
    expect(again.html).toContain('value="other@example.test"');
  });

  test('the profile shows devices and state, never a secret', async () => {
    const user = await f.t.createUser('olga');
    const { secret } = await f.t.enrollTotp(user, 'Olga phone');
    const profile = await admin.get(`/admin/users/${user.id}`);
    expect(profile.status).toBe(200);
    const page = text(profile.html);
    expect(page).toMatch(/Olga phone TOTP 2026-01-01 \d\d:\d\d UTC/);
    expect(page).toContain('MFA active yes');
    expect(page).toContain('Backup codes none');
    expect(profile.html).not.toContain(secret);
    for (const action of [
      'Edit User',
      'Reset two-factor',
      'Send password-setup e-mail',
      'Disable user',
      'Remove user',
    ]) {
      expect(page).toContain(action);
    }
    expect(page).not.toContain('Unlock'); // nothing to unlock
    expect((await admin.get('/admin/users/nobody')).status).toBe(404);
  });
});

describe('"Edit User": OTP Configured off and on again (a changed phone)', () => {
  test('asks first, saying the devices will be removed; then the user must enroll anew', async () => {
    const user = await f.t.createUser('olaf', PASSWORD, { otpRequired: true });
    const { secret } = await f.t.enrollTotp(user, 'Old phone');
    const edit = `/admin/users/${user.id}/edit`;
    const form = await admin.get(edit);
    expect(form.html).toMatch(/id="otp_required"[^>]*checked/);
    const fields = hiddenFields(form.html, edit);

    const asked = await admin.post(edit, { ...fields, email: 'olaf@example.test' });
    expect(asked.status).toBe(200);
    expect(text(asked.html)).toContain(
      "The user's devices will be removed: 1 authenticator and all backup codes of olaf.",
    );
    expect(await f.t.core.authenticators.list(user)).toHaveLength(1); // nothing happened yet

    const confirmed = await admin.post(edit, hiddenFields(asked.html, edit));
    expect(confirmed.status).toBe(303);
    expect(text((await admin.get(confirmed.location!)).html)).toContain(
      '"OTP Configured" is off for olaf; their devices and backup codes were removed.',
    );
    expect(await f.t.core.authenticators.list(user)).toEqual([]);

    const on = await admin.post(edit, {
      ...hiddenFields((await admin.get(edit)).html, edit),
      email: 'olaf@example.test',
      otp_required: 'on',
    });
    expect(on.status).toBe(303);
    expect(text((await admin.get(on.location!)).html)).toContain(
      'sets up a mobile authenticator at the next login',
    );
    // The old phone's code is no longer part of any login.
    const login = await f.t.core.signIn
      .login({
        login: 'olaf',
        password: `${PASSWORD}${f.t.codeFor(secret)}`,
        kind: 'api',
      })
      .catch((error: Error) => error);
    expect(login).toMatchObject({ code: 'invalid_credentials' });
  });

  test('saves names and e-mail without asking when no device is affected', async () => {
    const user = await f.t.createUser('paul');
    const edit = `/admin/users/${user.id}/edit`;
    const saved = await admin.post(edit, {
      ...hiddenFields((await admin.get(edit)).html, edit),
      email: 'paul.new@example.test',
      first_name: 'Paul',
      last_name: 'Lind',
    });
    expect(saved.status).toBe(303);
    expect(await f.t.store.users.findById(user.id)).toMatchObject({
      email: 'paul.new@example.test',
      first_name: 'Paul',
      last_name: 'Lind',
    });
    const bad = await admin.post(edit, {
      ...hiddenFields((await admin.get(edit)).html, edit),
      email: 'nope',
    });
    expect(bad.status).toBe(400);
    expect(text(bad.html)).toContain('Invalid e-mail address');
  });
});

describe('actions', () => {
  test('reset two-factor after a confirmation page', async () => {
    const user = await f.t.createUser('pia', PASSWORD, { otpRequired: true });
    await f.t.enrollTotp(user);
    const path = `/admin/users/${user.id}/reset-mfa`;
    const confirm = await admin.get(path);
    expect(text(confirm.html)).toContain('they set up a mobile authenticator at their next login');
    const done = await admin.post(path, hiddenFields(confirm.html, path));
    expect(done).toMatchObject({ status: 303, location: `/admin/users/${user.id}` });
    expect(await f.t.core.authenticators.list(user)).toEqual([]);
    await f.smtp.waitFor((m) => m.to.includes('pia@example.test') && /were reset/.test(m.subject));
  });

  test('unlock a throttled second factor', async () => {
    const user = await f.t.createUser('quin');
    await f.t.enrollTotp(user);
    for (let i = 0; i < 5; i++) {
      await f.t.core.signIn
        .login({ login: 'quin', password: PASSWORD, otp: '000000', kind: 'api' })
        .catch(() => {});
    }
    const profile = await admin.get(`/admin/users/${user.id}`);
    expect(text(profile.html)).toMatch(/Two-factor sign-in throttled until/);
    const unlock = `/admin/users/${user.id}/unlock`;
    const done = await admin.post(unlock, hiddenFields(profile.html, unlock));
    expect(done.status).toBe(303);
    expect(text((await admin.get(done.location!)).html)).toContain('Two-factor sign-in normal');
  });

  test('disable and enable, send the setup e-mail, and remove', async () => {
    const user = await f.t.createUser('rosa');
    const base = `/admin/users/${user.id}`;
    const disable = await admin.post(
      `${base}/disable`,
      hiddenFields((await admin.get(`${base}/disable`)).html, `${base}/disable`),
    );
    expect(disable.status).toBe(303);
    expect((await f.t.store.users.findById(user.id))?.disabled).toBe(1);
    const enable = await admin.post(`${base}/enable`, { _csrf: await csrfOf(base, `${base}/enable`) });
    expect(enable.status).toBe(303);
    expect((await f.t.store.users.findById(user.id))?.disabled).toBe(0);

    const sent = await admin.post(`${base}/setup-email`, {
      _csrf: await csrfOf(base, `${base}/setup-email`),
    });
    expect(sent.status).toBe(303);
    await f.smtp.waitFor((m) => m.to.includes('rosa@example.test') && /set up your account/.test(m.subject));

    const removed = await admin.post(
      `${base}/remove`,
      hiddenFields((await admin.get(`${base}/remove`)).html, `${base}/remove`),
    );
    expect(removed).toMatchObject({ status: 303, location: '/admin/users' });
    expect(text((await admin.get('/admin/users')).html)).toContain('User rosa was removed.');
    expect(await f.t.store.users.findById(user.id)).toBeUndefined();
  });

  test('a form without the session CSRF token is refused', async () => {
    const user = await f.t.createUser('sara');
    const response = await admin.post(`/admin/users/${user.id}/disable`, { _csrf: 'forged' });
    expect(response.status).toBe(403);
    expect((await f.t.store.users.findById(user.id))?.disabled).toBe(0);
  });

  test('after five minutes, a change asks to log in again (with a code) and comes back', async () => {
    const user = await f.t.createUser('tina');
    const path = `/admin/users/${user.id}/disable`;
    const csrf = hiddenFields((await admin.get(path)).html, path)._csrf!;
    f.t.clock.advance(6 * 60_000);
    expect((await admin.get(`/admin/users/${user.id}`)).status).toBe(200); // reading is fine
    const refused = await admin.post(path, { _csrf: csrf });
    expect(refused.status).toBe(303);
    expect(refused.location).toBe(`/login?notice=reauth&next=${encodeURIComponent(path)}`);
    expect((await f.t.store.users.findById(user.id))?.disabled).toBe(0);

    const again = await admin.login('root', `${PASSWORD}${f.t.codeFor(f.adminSecret)}`, path);
    expect(again).toMatchObject({ status: 303, location: path });
    const confirm = await admin.get(path);
    expect(confirm.status).toBe(200);
    expect((await admin.post(path, hiddenFields(confirm.html, path))).status).toBe(303);
    expect((await f.t.store.users.findById(user.id))?.disabled).toBe(1);
  });
});

describe('/admin/audit', () => {
  test('shows who did what to whom, filtered by user and event type', async () => {
    const user = await f.t.createUser('uwe');
    await f.t.core.administration.resetMfa(f.admin, user.id);
    await f.t.core.administration.unlock(f.admin, user.id);
    const all = await admin.get('/admin/audit');
    expect(all.status).toBe(200);
    expect(text(all.html)).toMatch(/mfa\.reset uwe root/);
    const filtered = await admin.get('/admin/audit?user=uwe&type=mfa.reset');
    const rows = text(filtered.html);
    expect(rows).toMatch(/mfa\.reset uwe root/);
    expect(rows).not.toContain('second_factor.unlocked uwe');
    expect(filtered.html).toMatch(/<option value="mfa.reset" selected/);
    const unknown = await admin.get('/admin/audit?user=nobody');
    expect(unknown.status).toBe(404);
    expect(text(unknown.html)).toContain('No user "nobody".');
  });
});
