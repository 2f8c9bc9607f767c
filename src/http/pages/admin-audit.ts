import type { FastifyInstance } from 'fastify';
import { h } from 'preact';
import { AUDIT_EVENT_ID_MAX, type AuditEventType, type Core, TwofoldError } from '../../core/index.js';
import { AdminAuditPage, type AdminAuditRow } from '../views/admin-audit-page.js';
import { requireAdmin } from './admin-session.js';
import { queryField } from './page-session.js';
import { sendPage, viewerOf } from './respond.js';

const PAGE_SIZE = 50;

/** The event types the filter offers, in the order a person thinks of them. */
export const AUDIT_EVENT_TYPES = [
  'login.succeeded',
  'login.failed',
  'external_login.succeeded',
  'external_login.failed',
  'logout',
  'step_up.succeeded',
  'step_up.failed',
  'password.set',
  'password.changed',
  'authenticator.enrollment_started',
  'authenticator.added',
  'authenticator.removed',
  'authenticator.cloned_suspected',
  'backup_codes.generated',
  'backup_codes.confirmed',
  'backup_code.used',
  'second_factor.locked',
  'second_factor.unlocked',
  'mfa.required_changed',
  'mfa.reset',
  'user.created',
  'user.updated',
  'user.removed',
  'setup_link.created',
  'api_token.created',
  'api_token.revoked',
  'keys.rotated',
  'keys.signing_rotated',
  'service.signed_in',
  'service.mfa_changed',
  'service.access_revoked',
  'service.registered',
  'service.updated',
  'service.removed',
  'service.secret_rotated',
  'idp.linked',
  'idp.unlinked',
  'idp.added',
  'idp.updated',
  'idp.removed',
] as const satisfies readonly AuditEventType[];

/** /admin/audit: every event, newest first, filtered by user and event type. */
export async function adminAuditRoutes(app: FastifyInstance, { core }: { core: Core }): Promise<void> {
  const admins = core.administration;

  app.get('/admin/audit', async (request, reply) => {
    const session = await requireAdmin(core, request, reply);
    if (!session) return reply;
    const filter = { user: queryField(request, 'user').trim(), type: queryField(request, 'type') };
    const type = (AUDIT_EVENT_TYPES as readonly string[]).includes(filter.type) ? filter.type : '';
    const before = Number.parseInt(queryField(request, 'before'), 10);
    const viewer = viewerOf(session);
    const page = (props: { events: AdminAuditRow[]; olderHref?: string; error?: string }, status = 200) =>
      sendPage(
        reply,
        h(AdminAuditPage, { viewer, eventTypes: AUDIT_EVENT_TYPES, filter: { ...filter, type }, ...props }),
        status,
      );

    let userId: string | undefined;
    if (filter.user) {
      try {
        userId = (await admins.findUser(filter.user)).id;
      } catch (error) {
        if (!(error instanceof TwofoldError) || error.code !== 'not_found') throw error;
        return page({ events: [], error: error.message }, 404);
      }
    }
    const entries = await admins.auditLog(session.user, {
      userId,
      type: type || undefined,
      // An id no event can have is as unusable as any other bad value in a link: ignored.
      beforeId:
        Number.isSafeInteger(before) && before > 0 && before <= AUDIT_EVENT_ID_MAX ? before : undefined,
      limit: PAGE_SIZE,
    });

    // Names instead of ids; a removed user's id stays as it was recorded.
    const names = new Map<string, string>();
    for (const id of new Set(entries.flatMap((e) => [e.userId, e.actorId]).filter((id) => id !== null))) {
      const user = await admins.findUser(id).catch(() => undefined);
      names.set(id, user ? user.username : `${id} (removed)`);
    }
    const events = entries.map((entry) => ({
      id: entry.id,
      at: entry.at,
      type: entry.type,
      user: entry.userId === null ? null : (names.get(entry.userId) ?? entry.userId),
      actor: entry.actorId === null ? null : (names.get(entry.actorId) ?? entry.actorId),
      ip: entry.ip,
      detail: entry.detail,
    }));
    const last = events.at(-1);
    const olderHref =
      events.length === PAGE_SIZE && last
        ? `/admin/audit?${new URLSearchParams({
            ...(filter.user ? { user: filter.user } : {}),
            ...(type ? { type } : {}),
            before: String(last.id),
          })}`
        : undefined;
    return page(olderHref ? { events, olderHref } : { events });
  });
}
