import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { h } from 'preact';
import {
  type ActiveSession,
  type AdminUserPatch,
  type Core,
  TwofoldError,
  type UserProfile,
} from '../../core/index.js';
import { AdminConfirmPage } from '../views/admin-confirm-page.js';
import { AdminUserFormPage, type AdminUserFormValues } from '../views/admin-user-form-page.js';
import { AdminUserPage } from '../views/admin-user-page.js';
import { AdminUsersPage } from '../views/admin-users-page.js';
import { requireAdmin, requireRecentAdmin } from './admin-session.js';
import { formField, queryField } from './page-session.js';
import { sendPage, viewerOf } from './respond.js';

type ById = { Params: { id: string } };

const PER_PAGE = 25;
const userPath = (id: string) => `/admin/users/${encodeURIComponent(id)}`;

/** Field errors a person fixes in the form; anything else goes to the error page. */
const isFormError = (error: unknown): error is TwofoldError =>
  error instanceof TwofoldError && (error.code === 'invalid_input' || error.code === 'conflict');

/**
 * /admin/users (seed 003): search and pages of users, "Add User", "Edit User" with "OTP
 * Configured", the profile and its actions. Reading needs an administrator; every change also
 * needs a login younger than five minutes with a fresh code (security rule 5 in docs/architecture.md), and is audited
 * by core with the administrator as actor.
 */
export async function adminUserRoutes(app: FastifyInstance, { core }: { core: Core }): Promise<void> {
  const admins = core.administration;

  /** Shows the session's one-shot notice once. */
  async function takeNotice(session: ActiveSession): Promise<string | null> {
    const notice = session.row.flash;
    if (notice) await core.sessions.setFlash(session, null);
    return notice;
  }

  async function done(session: ActiveSession, reply: FastifyReply, notice: string, to: string) {
    await core.sessions.setFlash(session, notice);
    return reply.redirect(to, 303);
  }

  app.get('/admin/users', async (request, reply) => {
    const session = await requireAdmin(core, request, reply);
    if (!session) return reply;
    const search = queryField(request, 'q').trim().slice(0, 200);
    const page = Number.parseInt(queryField(request, 'page'), 10);
    const list = await admins.listUsers(session.user, {
      search,
      page: Number.isSafeInteger(page) && page > 0 ? page : 1,
      perPage: PER_PAGE,
    });
    return sendPage(
      reply,
      h(AdminUsersPage, { viewer: viewerOf(session), list, search, notice: await takeNotice(session) }),
    );
  });

  // ---- Add User ----

  app.get('/admin/users/new', async (request, reply) => {
    const session = await requireRecentAdmin(core, request, reply, '/admin/users/new', { csrf: false });
    if (!session) return reply;
    return sendPage(reply, h(AdminUserFormPage, { viewer: viewerOf(session), values: emptyForm }));
  });

  app.post('/admin/users', async (request, reply) => {
    const session = await requireRecentAdmin(core, request, reply, '/admin/users/new', { csrf: true });
    if (!session) return reply;
    const values = formValues(request);
    try {
      const { profile, mailSent } = await admins.createUser(session.user, {
        username: values.username,
        email: values.email,
        firstName: values.firstName,
        lastName: values.lastName,
        otpRequired: values.otpRequired,
        isAdmin: values.isAdmin,
      });
      return done(
        session,
        reply,
        mailSent
          ? `User ${profile.username} was added. A password-setup e-mail was sent to ${profile.email}.`
          : `User ${profile.username} was added, but the password-setup e-mail could not be sent. ` +
              'Use "Send password-setup e-mail" once the mail server works again.',
        userPath(profile.id),
      );
    } catch (error) {
      if (!isFormError(error)) throw error;
      return sendPage(
        reply,
        h(AdminUserFormPage, { viewer: viewerOf(session), values, error: error.message }),
        error.status,
      );
    }
  });

  // ---- The profile ----

  app.get<ById>('/admin/users/:id', async (request, reply) => {
    const session = await requireAdmin(core, request, reply);
    if (!session) return reply;
    const profile = await admins.profile(session.user, request.params.id);
    return sendPage(
      reply,
      h(AdminUserPage, { viewer: viewerOf(session), profile, notice: await takeNotice(session) }),
    );
  });

  // ---- Edit User ----

  app.get<ById>('/admin/users/:id/edit', async (request, reply) => {
    const back = `${userPath(request.params.id)}/edit`;
    const session = await requireRecentAdmin(core, request, reply, back, { csrf: false });
    if (!session) return reply;
    const profile = await admins.profile(session.user, request.params.id);
    return sendPage(
      reply,
      h(AdminUserFormPage, { viewer: viewerOf(session), userId: profile.id, values: profile }),
    );
  });

  app.post<ById>('/admin/users/:id/edit', async (request, reply) => {
    const back = `${userPath(request.params.id)}/edit`;
    const session = await requireRecentAdmin(core, request, reply, back, { csrf: true });
    if (!session) return reply;
    const before = await admins.profile(session.user, request.params.id);
    const values = { ...formValues(request), username: before.username };
    const patch: AdminUserPatch = {
      email: values.email,
      firstName: values.firstName,
      lastName: values.lastName,
      otpRequired: values.otpRequired,
      isAdmin: values.isAdmin,
    };
    const turningOtpOff = before.otpRequired && !values.otpRequired;
    const removesSomething = before.authenticators.length > 0 || before.backupCodes.total > 0;
    // Seed 003's remedy for a changed phone is "off, then on again": off removes the devices, so
    // the administrator is told so and confirms before anything happens.
    if (turningOtpOff && removesSomething && formField(request, 'confirm') !== 'yes') {
      const devices = before.authenticators.length;
      return sendPage(
        reply,
        h(AdminConfirmPage, {
          viewer: viewerOf(session),
          title: `Turn off "OTP Configured" for ${before.username}?`,
          action: `${userPath(before.id)}/edit`,
          confirmLabel: 'Turn off and remove devices',
          cancelHref: userPath(before.id),
          fields: {
            email: values.email,
            first_name: values.firstName,
            last_name: values.lastName,
            ...(values.isAdmin ? { is_admin: 'on' } : {}),
            confirm: 'yes',
          },
          explanation:
            `The user's devices will be removed: ${devices} authenticator${devices === 1 ? '' : 's'} and ` +
            `all backup codes of ${before.username}. Their codes stop working at once. When you turn ` +
            '"OTP Configured" on again, they must set up a mobile authenticator anew at their next login — ' +
            'the way to move them to a new phone.',
        }),
      );
    }
    let after: UserProfile;
    try {
      after = await admins.updateUser(session.user, before.id, patch);
    } catch (error) {
      if (!isFormError(error)) throw error;
      return sendPage(
        reply,
        h(AdminUserFormPage, { viewer: viewerOf(session), userId: before.id, values, error: error.message }),
        error.status,
      );
    }
    const turningOtpOn = !before.otpRequired && values.otpRequired;
    const notice = turningOtpOff
      ? `"OTP Configured" is off for ${before.username}; their devices and backup codes were removed.`
      : turningOtpOn
        ? `"OTP Configured" is on for ${before.username}: they set up a mobile authenticator at their next login.`
        : `User ${before.username} was saved.`;
    // Core cancelled the links sent to the old address; a user without a password has no other
    // way in, so the administrator is told what to do next.
    const resend =
      after.email !== before.email && !before.hasPassword
        ? ' The e-mail address changed, so earlier password-setup links no longer work: ' +
          `use "Send password-setup e-mail" to send one to ${after.email}.`
        : '';
    return done(session, reply, `${notice}${resend}`, userPath(before.id));
  });

  // ---- Actions that ask first: reset two-factor, disable, remove ----

  const confirmed: {
    readonly path: string;
    readonly title: (username: string) => string;
    readonly label: string;
    readonly explain: (profile: Awaited<ReturnType<typeof admins.profile>>) => string;
    readonly run: (session: ActiveSession, id: string) => Promise<{ notice: string; to?: string }>;
  }[] = [
    {
      path: 'reset-mfa',
      title: (username) => `Reset two-factor of ${username}?`,
      label: 'Reset two-factor',
      explain: (p) =>
        `This removes all ${p.authenticators.length} authenticator(s) and every backup code of ${p.username}. ` +
        (p.mfaRequired
          ? 'Two-factor authentication stays required: they set up a mobile authenticator at their next login.'
          : 'Two-factor authentication is not required of them, so they can then log in with the password alone.'),
      run: async (session, id) => {
        const profile = await admins.resetMfa(session.user, id);
        return {
          notice: `Two-factor of ${profile.username} was reset: every device and backup code was removed.`,
        };
      },
    },
    {
      path: 'disable',
      title: (username) => `Disable ${username}?`,
      label: 'Disable user',
      explain: (p) =>
        `${p.username} is logged out everywhere at once and cannot log in until enabled again. Nothing is deleted.`,
      run: async (session, id) => {
        const profile = await admins.setDisabled(session.user, id, true);
        return { notice: `User ${profile.username} was disabled.` };
      },
    },
    {
      path: 'remove',
      title: (username) => `Remove ${username}?`,
      label: 'Remove user',
      explain: (p) =>
        `The account ${p.username} <${p.email}>, its devices and backup codes are deleted for good. ` +
        'The audit log keeps its history.',
      run: async (session, id) => {
        const profile = await admins.profile(session.user, id);
        await admins.removeUser(session.user, id);
        return { notice: `User ${profile.username} was removed.`, to: '/admin/users' };
      },
    },
  ];

  for (const action of confirmed) {
    app.get<ById>(`/admin/users/:id/${action.path}`, async (request, reply) => {
      const path = `${userPath(request.params.id)}/${action.path}`;
      const session = await requireRecentAdmin(core, request, reply, path, { csrf: false });
      if (!session) return reply;
      const profile = await admins.profile(session.user, request.params.id);
      return sendPage(
        reply,
        h(AdminConfirmPage, {
          viewer: viewerOf(session),
          title: action.title(profile.username),
          action: path,
          confirmLabel: action.label,
          cancelHref: userPath(profile.id),
          explanation: action.explain(profile),
        }),
      );
    });

    app.post<ById>(`/admin/users/:id/${action.path}`, async (request, reply) => {
      const path = `${userPath(request.params.id)}/${action.path}`;
      const session = await requireRecentAdmin(core, request, reply, path, { csrf: true });
      if (!session) return reply;
      const { notice, to } = await action.run(session, request.params.id);
      return done(session, reply, notice, to ?? userPath(request.params.id));
    });
  }

  // ---- Actions without a confirmation page: unlock, enable, send the setup e-mail ----

  const direct: {
    readonly path: string;
    readonly run: (session: ActiveSession, id: string) => Promise<string>;
  }[] = [
    {
      path: 'unlock',
      run: async (session, id) => {
        const profile = await admins.unlock(session.user, id);
        return `Two-factor sign-in of ${profile.username} was unlocked.`;
      },
    },
    {
      path: 'enable',
      run: async (session, id) => {
        const profile = await admins.setDisabled(session.user, id, false);
        return `User ${profile.username} was enabled.`;
      },
    },
    {
      path: 'setup-email',
      run: async (session, id) => {
        await admins.sendSetupEmail(session.user, id);
        const user = await admins.findUser(id);
        return `A password-setup e-mail was sent to ${user.email}. Earlier links no longer work.`;
      },
    },
  ];

  for (const action of direct) {
    app.post<ById>(`/admin/users/:id/${action.path}`, async (request, reply) => {
      const back = userPath(request.params.id);
      const session = await requireRecentAdmin(core, request, reply, back, { csrf: true });
      if (!session) return reply;
      return done(session, reply, await action.run(session, request.params.id), back);
    });
  }
}

const emptyForm: AdminUserFormValues = {
  username: '',
  email: '',
  firstName: '',
  lastName: '',
  otpRequired: false,
  isAdmin: false,
};

/** The form as typed; an unchecked check box sends nothing, so absence means off. */
function formValues(request: FastifyRequest): AdminUserFormValues {
  return {
    username: formField(request, 'username').trim(),
    email: formField(request, 'email').trim(),
    firstName: formField(request, 'first_name'),
    lastName: formField(request, 'last_name'),
    otpRequired: formField(request, 'otp_required') === 'on',
    isAdmin: formField(request, 'is_admin') === 'on',
  };
}
