import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { BACKUP_CODE_HANDOUT_MS, type Core, isoTime, TwofoldError } from '../../core/index.js';
import { renderBackupCodesPdf } from '../backup-codes-pdf.js';
import { asSensitive, bearerAuthentication, loginSessionOf, principalOf } from './auth.js';
import { bearerSecurity, errorResponses, IsoTimeOrNull, loginTokenOnly, sensitive } from './schemas.js';

const StatusSchema = Type.Object(
  {
    total: Type.Integer({ description: 'Codes in the current set.' }),
    remaining: Type.Integer({ description: 'Codes not used yet. Generate a new set when few are left.' }),
    createdAt: IsoTimeOrNull,
    confirmed: Type.Boolean({ description: 'Whether the user said they saved the current set.' }),
  },
  { description: 'The current set, without its codes.' },
);

const GeneratedSchema = Type.Object(
  {
    codes: Type.Array(Type.String({ pattern: '^[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}$' }), {
      description: 'The ten codes, shown this once; each works once in place of a one-time code.',
    }),
    createdAt: Type.String({ format: 'date-time' }),
    pdfUntil: Type.String({
      format: 'date-time',
      description: 'Until when GET /api/v1/me/backup-codes.pdf renders this set with the same token.',
    }),
  },
  { description: 'Created; the old set no longer works.' },
);

const handoutGone = () =>
  new TwofoldError(
    'not_found',
    `Backup codes can be downloaded only within ${BACKUP_CODE_HANDOUT_MS / 60_000} minutes of generating them, ` +
      'with the same token. Generate a new set (POST /api/v1/me/backup-codes).',
  );

/** Backup codes (issue 5): generated as a set, shown once, single use, as a PDF right after. */
export const backupCodeRoutes: FastifyPluginAsyncTypebox<{ core: Core }> = async (app, { core }) => {
  const authenticate = bearerAuthentication(core);

  app.post(
    '/me/backup-codes',
    {
      onRequest: authenticate,
      schema: {
        tags: ['backup codes'],
        summary: 'Generate a new set of backup codes',
        description: `Replaces the whole set with ten new codes, returned once.${sensitive}${loginTokenOnly}`,
        security: bearerSecurity,
        response: { 201: GeneratedSchema, ...errorResponses(401, 403, 429) },
      },
    },
    async (request, reply) => {
      const session = loginSessionOf(request, 'generate backup codes');
      const codes = await asSensitive(() => core.backupCodes.generate(session, { ip: request.ip }));
      const now = core.clock.now();
      return reply
        .code(201)
        .send({ codes, createdAt: isoTime(now), pdfUntil: isoTime(now + BACKUP_CODE_HANDOUT_MS) });
    },
  );

  app.get(
    '/me/backup-codes',
    {
      onRequest: authenticate,
      schema: {
        tags: ['backup codes'],
        summary: 'How many backup codes remain',
        description: 'The count and date of the current set; never the codes.',
        security: bearerSecurity,
        response: { 200: StatusSchema, ...errorResponses(401) },
      },
    },
    async (request) => {
      const status = await core.backupCodes.status(principalOf(request).user);
      return { ...status, createdAt: status.createdAt === null ? null : isoTime(status.createdAt) };
    },
  );

  app.post(
    '/me/backup-codes/confirm',
    {
      onRequest: authenticate,
      schema: {
        tags: ['backup codes'],
        summary: '"I have my backup codes"',
        description: `Records that the current set was saved; the reminder stops.${loginTokenOnly}`,
        security: bearerSecurity,
        response: { 204: Type.Null({ description: 'Recorded.' }), ...errorResponses(401, 403) },
      },
    },
    async (request, reply) => {
      const session = loginSessionOf(request, 'confirm backup codes');
      await core.backupCodes.confirm(session, { ip: request.ip });
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/me/backup-codes.pdf',
    {
      onRequest: authenticate,
      schema: {
        tags: ['backup codes'],
        summary: 'The set just generated, as a one-page PDF',
        description: `Only within ${BACKUP_CODE_HANDOUT_MS / 60_000} minutes of POST /api/v1/me/backup-codes, with the same token.${loginTokenOnly}`,
        security: bearerSecurity,
        response: {
          200: {
            description: 'One page: the service name, the account, the date and the ten codes.',
            content: {
              'application/pdf': { schema: { type: 'string', contentMediaType: 'application/pdf' } },
            },
          },
          ...errorResponses(401, 403, 404),
        },
      },
    },
    async (request, reply) => {
      const session = loginSessionOf(request, 'download backup codes');
      const codes = core.backupCodes.handout(session);
      if (!codes) throw handoutGone();
      const status = await core.backupCodes.status(session.user);
      const pdf = await renderBackupCodesPdf({
        issuer: core.settings.issuer,
        account: session.user.username,
        createdAt: new Date(status.createdAt ?? core.clock.now()),
        codes,
      });
      return (
        reply
          .type('application/pdf')
          .header(
            'content-disposition',
            `attachment; filename="${core.settings.issuer.replace(/[^\w.-]+/g, '-')}-backup-codes.pdf"`,
          )
          .header('cache-control', 'no-store')
          // The typed reply expects the documented JSON shapes; a PDF goes out as raw bytes.
          .send(pdf as unknown as string)
      );
    },
  );
};
