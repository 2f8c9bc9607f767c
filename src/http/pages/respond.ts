import type { FastifyReply } from 'fastify';
import type { VNode } from 'preact';
import type { ActiveSession } from '../../core/index.js';
import type { Viewer } from '../views/layout.js';
import { renderDocument } from '../views/render.js';

/**
 * Sends a rendered page. `no-store`: pages show secrets (the setup key) and personal data that
 * must not stay in a shared cache or the back-button history of a public computer.
 */
export function sendPage<Props>(reply: FastifyReply, page: VNode<Props>, status = 200): FastifyReply {
  return reply
    .code(status)
    .header('cache-control', 'no-store')
    .type('text/html; charset=utf-8')
    .send(renderDocument(page));
}

export const viewerOf = (session: ActiveSession): Viewer => ({
  username: session.user.username,
  csrfToken: session.row.csrf_token,
  isAdmin: session.user.is_admin === 1,
});
