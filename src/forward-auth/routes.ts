import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Core } from '../core/index.js';
import { SESSION_COOKIE } from '../http/pages/page-session.js';
import { apiAnswerHeaders } from '../http/security-headers.js';
import { fromBrowser, originalUrl } from './original-url.js';
import { siteSession } from './site-session.js';

/** Where a proxy sends people who must sign in first; the page sends them back to the site. */
export const CONTINUE_PATH = '/authz/continue';

/** What the proxy passes on to the site when the person may in (and strips from the client). */
const IDENTITY_HEADERS = ['remote-user', 'remote-email', 'remote-name', 'remote-groups'] as const;

/**
 * Forward-auth: before each request to a protected site the reverse proxy asks Twofold, with the
 * browser's cookies and the URL asked for. 200 with the person in `Remote-*` headers when their
 * Twofold session satisfies the site's MFA policy (and their Service Settings); otherwise the
 * way to sign in. Two endpoints, one decision: nginx's `auth_request` understands only 2xx,
 * 401 and 403, so it gets 401 with a Location that its `error_page` turns into the redirect;
 * Traefik's `forwardAuth` and Caddy's `forward_auth` pass Twofold's own 302 to the browser.
 */
export async function forwardAuthRoutes(app: FastifyInstance, { core }: { core: Core }): Promise<void> {
  // The proxy reads these answers; no browser renders them (a redirect is followed, not shown),
  // so they take the JSON API's two headers, not helmet's dozen: a tenth of a decision's CPU.
  apiAnswerHeaders(app);
  const methods = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
  app.route({
    method: [...methods],
    url: '/api/authz/forward-auth',
    handler: (request, reply) => decide(core, request, reply, 'redirect'),
  });
  app.route({
    method: [...methods],
    url: '/api/authz/auth-request',
    handler: (request, reply) => decide(core, request, reply, 'location'),
  });
}

async function decide(
  core: Core,
  request: FastifyRequest,
  reply: FastifyReply,
  style: 'redirect' | 'location',
): Promise<FastifyReply> {
  reply.header('cache-control', 'no-store');
  const url = originalUrl(request);
  if (!url) {
    return reply
      .code(400)
      .type('text/plain; charset=utf-8')
      .send(
        'Twofold could not tell which URL was asked for: configure the proxy to send X-Original-URL, or X-Forwarded-Proto, X-Forwarded-Host and X-Forwarded-Uri.\n',
      );
  }
  const site = await core.protectedSites.match(url);
  if (!site) {
    return reply
      .code(403)
      .type('text/plain; charset=utf-8')
      .send(`${url.slice(0, 300)} is not a site registered with Twofold.\n`);
  }
  const session = await siteSession(core, request.cookies[SESSION_COOKIE]);
  const decision = session ? await core.serviceAccess.decide(session, site.client_id, []) : undefined;
  if (session && decision?.outcome === 'ok') {
    const { user } = session;
    const name = `${user.first_name} ${user.last_name}`.trim();
    const values = [user.username, user.email, name, user.is_admin === 1 ? 'admins' : ''];
    IDENTITY_HEADERS.forEach((header, i) => {
      // Header values travel as bytes: UTF-8 names reach the site intact, as they do from Authelia.
      reply.header(header, Buffer.from(values[i]!, 'utf8').toString('latin1'));
    });
    return reply.code(200).send();
  }
  const signIn = `${core.settings.publicUrl}${CONTINUE_PATH}?${new URLSearchParams({ rd: url })}`;
  if (!fromBrowser(request)) {
    return reply
      .code(401)
      .header('www-authenticate', 'Cookie realm="Twofold"')
      .header('location', signIn)
      .type('text/plain; charset=utf-8')
      .send(`Sign in at ${signIn}\n`);
  }
  if (style === 'location') return reply.code(401).header('location', signIn).send();
  return reply.redirect(signIn, 302);
}
