import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import {
  type ActiveSession,
  AUDIT_EVENT_ID_MAX,
  type Core,
  isoTime,
  type UserProfile,
} from '../../core/index.js';
import { adminGuard, adminOnly } from './admin-guard.js';
import {
  AuthenticatorSchema,
  bearerSecurity,
  errorResponses,
  IsoTime,
  IsoTimeOrNull,
  RequestBody,
  sensitive,
} from './schemas.js';

const UserSummarySchema = {
  id: Type.String(),
  username: Type.String(),
  email: Type.String(),
  firstName: Type.String(),
  lastName: Type.String(),
  isAdmin: Type.Boolean(),
  otpRequired: Type.Boolean({ description: '"OTP Configured": a second factor is required of this user.' }),
  disabled: Type.Boolean(),
  hasPassword: Type.Boolean({ description: 'False until the user has followed the password-setup e-mail.' }),
  createdAt: IsoTime,
  lastLoginAt: IsoTimeOrNull,
};

const UserListItem = Type.Object({
  ...UserSummarySchema,
  mfaActive: Type.Boolean({ description: 'The user has at least one active authenticator.' }),
});

const UserProfileSchema = Type.Object(
  {
    ...UserSummarySchema,
    mfaRequired: Type.Boolean({ description: 'OTP Configured, or an administrator (who always needs MFA).' }),
    mfaActive: Type.Boolean(),
    authenticators: Type.Array(AuthenticatorSchema, { description: 'Active devices; never their secrets.' }),
    backupCodes: Type.Object({
      total: Type.Integer(),
      remaining: Type.Integer(),
      createdAt: IsoTimeOrNull,
      confirmed: Type.Boolean({ description: 'The user said "I have my backup codes".' }),
    }),
    secondFactor: Type.Object({
      failures: Type.Integer({ description: 'Wrong codes in a row.' }),
      blockedUntil: Type.Union([IsoTime, Type.Null()], { description: 'Throttled until then.' }),
      locked: Type.Boolean({ description: 'Locked after 100 wrong codes, until unlocked.' }),
    }),
  },
  { description: 'A user as an administrator sees them.' },
);

const CreatedUserSchema = Type.Object(
  {
    ...UserProfileSchema.properties,
    setupEmailSent: Type.Boolean({
      description:
        'False when the mail server did not accept the password-setup e-mail: the user exists, but has no ' +
        'link until one is sent again.',
    }),
  },
  { description: 'The user added, and whether their password-setup e-mail went.' },
);

const UserParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 320, description: 'The user id, user name or e-mail.' }),
});

const ListQuery = Type.Object({
  search: Type.Optional(Type.String({ maxLength: 200, description: 'Part of a user name, e-mail or name.' })),
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, default: 1 })),
  perPage: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 25 })),
});

const NewUserBody = RequestBody({
  username: Type.String({ minLength: 1, maxLength: 64 }),
  email: Type.String({ minLength: 3, maxLength: 320 }),
  firstName: Type.Optional(Type.String({ maxLength: 100 })),
  lastName: Type.Optional(Type.String({ maxLength: 100 })),
  otpRequired: Type.Optional(Type.Boolean({ description: '"OTP Configured". Default false.' })),
  isAdmin: Type.Optional(Type.Boolean({ description: 'Default false.' })),
});

const PatchBody = RequestBody({
  email: Type.Optional(Type.String({ minLength: 3, maxLength: 320 })),
  firstName: Type.Optional(Type.String({ maxLength: 100 })),
  lastName: Type.Optional(Type.String({ maxLength: 100 })),
  otpRequired: Type.Optional(
    Type.Boolean({
      description:
        '"OTP Configured". Turning it off removes every authenticator and backup code of the user; turning ' +
        'it on again makes them enroll anew at their next login (seed 003: a changed phone).',
    }),
  ),
  isAdmin: Type.Optional(Type.Boolean()),
});

const AuditQuery = Type.Object({
  user: Type.Optional(Type.String({ minLength: 1, maxLength: 320, description: 'User id, name or e-mail.' })),
  type: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'e.g. `mfa.reset`.' })),
  beforeId: Type.Optional(
    Type.Integer({ minimum: 1, maximum: AUDIT_EVENT_ID_MAX, description: 'Only events older than this id.' }),
  ),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
});

const AuditEventSchema = Type.Object({
  id: Type.Integer(),
  at: IsoTime,
  type: Type.String(),
  userId: Type.Union([Type.String(), Type.Null()]),
  actorId: Type.Union([Type.String(), Type.Null()], {
    description:
      'The administrator who did it; null for the user themselves or the command line (then `detail.via` is `cli`).',
  }),
  ip: Type.Union([Type.String(), Type.Null()]),
  detail: Type.Record(Type.String(), Type.Unknown()),
});

/** The profile in its JSON form (backup-code times as ISO-8601). */
const toJson = (profile: UserProfile) => {
  const { createdAt } = profile.backupCodes;
  return {
    ...profile,
    authenticators: [...profile.authenticators],
    backupCodes: { ...profile.backupCodes, createdAt: createdAt === null ? null : isoTime(createdAt) },
  };
};

/**
 * The administration API (issue 7), everything /admin/users and /admin/audit do: users listed,
 * added (with a password-setup e-mail), edited, reset, unlocked, disabled, removed; the audit
 * log. Every change is audited by core with the administrator as actor and needs a fresh
 * second factor, as in the browser.
 */
export const adminApiRoutes: FastifyPluginAsyncTypebox<{ core: Core }> = async (app, { core }) => {
  const admins = core.administration;
  const { guard, sessionOf, recent } = adminGuard(core);
  const tags = ['administration'];

  app.get(
    '/admin/users',
    {
      ...guard,
      schema: {
        tags,
        summary: 'Search and page through users',
        description: adminOnly,
        security: bearerSecurity,
        querystring: ListQuery,
        response: {
          200: Type.Object(
            {
              users: Type.Array(UserListItem),
              total: Type.Integer({ description: 'Users matching the search, on all pages.' }),
              page: Type.Integer(),
              perPage: Type.Integer(),
            },
            { description: 'One page of users, by user name.' },
          ),
          ...errorResponses(400, 401, 403),
        },
      },
    },
    async (request) => {
      const list = await admins.listUsers(sessionOf(request).user, request.query);
      return { ...list, users: [...list.users] };
    },
  );

  app.post(
    '/admin/users',
    {
      ...guard,
      schema: {
        tags,
        summary: 'Add a user; they get a password-setup e-mail',
        description:
          'The user has no password until they follow the single-use link e-mailed to them; with `otpRequired` ' +
          'they set up a mobile authenticator first. When the mail server refuses the e-mail, the user is ' +
          'still added and `setupEmailSent` is false: send it again with `POST /api/v1/admin/users/{id}/setup-email`.' +
          `${sensitive}${adminOnly}`,
        security: bearerSecurity,
        body: NewUserBody,
        response: { 201: CreatedUserSchema, ...errorResponses(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      const session = await recent(request);
      const { profile, mailSent } = await admins.createUser(session.user, request.body);
      return reply.code(201).send({ ...toJson(profile), setupEmailSent: mailSent });
    },
  );

  app.get(
    '/admin/users/:id',
    {
      ...guard,
      schema: {
        tags,
        summary: "A user's profile: MFA, authenticators, backup codes, lock state",
        description: `Never a secret: devices are listed by name, type and dates.${adminOnly}`,
        security: bearerSecurity,
        params: UserParams,
        response: { 200: UserProfileSchema, ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => toJson(await admins.profile(sessionOf(request).user, request.params.id)),
  );

  app.patch(
    '/admin/users/:id',
    {
      ...guard,
      schema: {
        tags,
        summary: 'Edit a user: e-mail, names, "OTP Configured", administrator',
        description:
          'Fields left out stay as they are. A new e-mail address cancels the password-setup links sent to the ' +
          'old one, and ends a setup begun from them: send a new one with `POST /api/v1/admin/users/{id}/setup-email`.' +
          `${sensitive}${adminOnly}`,
        security: bearerSecurity,
        params: UserParams,
        body: PatchBody,
        response: { 200: UserProfileSchema, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const session = await recent(request);
      return toJson(await admins.updateUser(session.user, request.params.id, request.body));
    },
  );

  const actions = [
    {
      path: 'reset-mfa',
      summary: 'Reset two-factor: remove every authenticator and backup code',
      description: 'When MFA is required, the user enrolls again at their next login.',
      run: (session: ActiveSession, id: string) => admins.resetMfa(session.user, id),
    },
    {
      path: 'unlock',
      summary: 'Unlock a second factor locked or throttled after wrong codes',
      description: '',
      run: (session: ActiveSession, id: string) => admins.unlock(session.user, id),
    },
    {
      path: 'disable',
      summary: 'Disable a user: every session ends, no login works',
      description: '',
      run: (session: ActiveSession, id: string) => admins.setDisabled(session.user, id, true),
    },
    {
      path: 'enable',
      summary: 'Enable a disabled user again',
      description: '',
      run: (session: ActiveSession, id: string) => admins.setDisabled(session.user, id, false),
    },
  ] as const;

  for (const action of actions) {
    app.post(
      `/admin/users/:id/${action.path}`,
      {
        ...guard,
        schema: {
          tags,
          summary: action.summary,
          description: `${action.description}${sensitive}${adminOnly}`.trim(),
          security: bearerSecurity,
          params: UserParams,
          response: { 200: UserProfileSchema, ...errorResponses(401, 403, 404, 409) },
        },
      },
      async (request) => {
        const session = await recent(request);
        return toJson(await action.run(session, request.params.id));
      },
    );
  }

  app.post(
    '/admin/users/:id/setup-email',
    {
      ...guard,
      schema: {
        tags,
        summary: 'Send a new password-setup e-mail',
        description:
          "A new single-use link goes to the user's e-mail address; once the mail server has accepted it, " +
          'earlier links stop working. If it refuses (503), nothing changes: earlier links stay good. The link ' +
          `itself is never returned.${sensitive}${adminOnly}`,
        security: bearerSecurity,
        params: UserParams,
        response: { 204: Type.Null({ description: 'Sent.' }), ...errorResponses(401, 403, 404, 503) },
      },
    },
    async (request, reply) => {
      const session = await recent(request);
      await admins.sendSetupEmail(session.user, request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.delete(
    '/admin/users/:id',
    {
      ...guard,
      schema: {
        tags,
        summary: 'Remove a user and all their authenticators',
        description: `The audit log keeps their history. The last administrator cannot be removed.${sensitive}${adminOnly}`,
        security: bearerSecurity,
        params: UserParams,
        response: { 204: Type.Null({ description: 'Removed.' }), ...errorResponses(401, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const session = await recent(request);
      await admins.removeUser(session.user, request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/admin/audit',
    {
      ...guard,
      schema: {
        tags,
        summary: 'The audit log, newest first, filtered by user and event type',
        description: `Page back with \`beforeId\` set to the last id received.${adminOnly}`,
        security: bearerSecurity,
        querystring: AuditQuery,
        response: {
          200: Type.Object(
            { events: Type.Array(AuditEventSchema) },
            { description: 'Events, newest first.' },
          ),
          ...errorResponses(400, 401, 403, 404),
        },
      },
    },
    async (request) => {
      const { user, type, beforeId, limit } = request.query;
      const userId = user ? (await admins.findUser(user)).id : undefined;
      return { events: await admins.auditLog(sessionOf(request).user, { userId, type, beforeId, limit }) };
    },
  );
};
