/**
 * An administrator who corrects a user's e-mail address does so because the old one reached the
 * wrong person. The password-setup link already sent there proves only that mailbox: if it kept
 * working, whoever reads the old mailbox could, for up to 72 hours, follow it, enrol their own
 * device and choose the password — the account would be theirs. So changing the e-mail cancels
 * the user's outstanding setup links, and ends a setup already begun from one; the administrator
 * is told that a new e-mail must go to the new address.
 */
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { hiddenFields, PageClient, text } from '../helpers/page-client.js';
import { firstLink } from '../helpers/smtp.js';
import {
  type AdminFixture,
  adminBrowser,
  adminToken,
  createAdminFixture,
  PASSWORD,
} from './admin-helpers.js';

let f: AdminFixture;
beforeEach(async () => {
  f = await createAdminFixture();
});
afterEach(async () => {
  await f.close();
});

/** Adds a user without a password and returns the path of the link mailed to them. */
async function invite(username: string, email: string): Promise<{ id: string; link: string }> {
  const { profile } = await f.t.core.administration.createUser(f.admin, { username, email });
  const mail = await f.smtp.waitFor((m) => m.to.includes(email));
  return { id: profile.id, link: new URL(firstLink(mail.text)).pathname };
}

const EXPIRED = 'This link has expired or has already been used.';

describe('changing the e-mail address of a user', () => {
  test('through the API: the link sent to the old address stops working', async () => {
    const { id, link } = await invite('nina', 'nina@wrong.example');
    const token = await adminToken(f);
    const changed = await f.t.app.inject({
      method: 'PATCH',
      url: `/api/v1/admin/users/${id}`,
      headers: { authorization: `Bearer ${token}` },
      payload: { email: 'nina@example.test' },
    });
    expect(changed.statusCode, changed.body).toBe(200);

    // Refused as any used or expired link is: looking at it, and clicking "continue".
    const browser = new PageClient(f.t.app);
    const landing = await browser.get(link);
    expect(landing.status).toBe(410);
    expect(text(landing.html)).toContain(EXPIRED);
    await expect(f.t.core.onboarding.begin(link.split('/').pop()!)).rejects.toMatchObject({
      code: 'expired',
    });

    // A new e-mail goes to the new address, and its link works.
    await f.t.core.administration.sendSetupEmail(f.admin, id);
    const mail = await f.smtp.waitFor((m) => m.to.includes('nina@example.test'));
    expect((await browser.get(new URL(firstLink(mail.text)).pathname)).status).toBe(200);
  });

  test('a setup begun from the old link ends', async () => {
    const { id, link } = await invite('olga', 'olga@wrong.example');
    const issued = await f.t.core.onboarding.begin(link.split('/').pop()!);
    expect((await f.t.core.sessions.resolve(issued.token))?.row.stage).toBe('setup');

    await f.t.core.administration.updateUser(f.admin, id, { email: 'olga@example.test' });
    expect(await f.t.core.sessions.resolve(issued.token)).toBeUndefined();
  });

  test('a signed-in user with a password stays signed in; a change of names alone cancels nothing', async () => {
    const user = await f.t.createUser('paul');
    const login = await f.t.core.signIn.login({ login: 'paul', password: PASSWORD, kind: 'api' });
    if (login.outcome !== 'signed_in') throw new Error('expected a session');
    await f.t.core.administration.updateUser(f.admin, user.id, { email: 'paul.new@example.test' });
    expect(await f.t.core.sessions.resolve(login.session.token)).toBeDefined();

    const { id, link } = await invite('quin', 'quin@example.test');
    await f.t.core.administration.updateUser(f.admin, id, { firstName: 'Quin', email: 'QUIN@example.test' });
    expect((await new PageClient(f.t.app).get(link)).status).toBe(200);
  });

  test('on the page: the administrator is told to send a new password-setup e-mail', async () => {
    const { id, link } = await invite('rita', 'rita@wrong.example');
    const admin = await adminBrowser(f);
    const edit = `/admin/users/${id}/edit`;
    const saved = await admin.post(edit, {
      ...hiddenFields((await admin.get(edit)).html, edit),
      email: 'rita@example.test',
    });
    expect(saved).toMatchObject({ status: 303, location: `/admin/users/${id}` });
    expect(text((await admin.get(saved.location!)).html)).toContain(
      'User rita was saved. The e-mail address changed, so earlier password-setup links no longer work: ' +
        'use "Send password-setup e-mail" to send one to rita@example.test.',
    );
    expect((await new PageClient(f.t.app).get(link)).status).toBe(410);
  });
});
