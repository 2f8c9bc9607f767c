import type { FastifyReply, FastifyRequest } from 'fastify';
import { type ActiveSession, type Core, type IssuedSession, TwofoldError } from '../../core/index.js';
import { randomToken, timingSafeEqualStrings } from '../../security/index.js';

/** The browser session id: 256 random bits, only its hash is stored (security rule 7 in docs/architecture.md). */
export const SESSION_COOKIE = 'twofold_session';
/** The double-submit CSRF token of the anonymous login form. */
export const LOGIN_CSRF_COOKIE = 'twofold_csrf';

/** Whether cookies must carry `Secure`: whenever people reach us over https. */
export const isHttps = (core: Core): boolean => core.settings.publicUrl.startsWith('https:');

/** Lax, not Strict: a link from a mail or another site to /account must find the person signed in. */
export function setSessionCookie(reply: FastifyReply, core: Core, session: IssuedSession): void {
  reply.setCookie(SESSION_COOKIE, session.token, {
    httpOnly: true,
    sameSite: 'lax',
    path: '/',
    secure: isHttps(core),
    ...cookieDomain(core),
    // Relative, so a browser whose clock is off still keeps it exactly as long as the server does.
    maxAge: Math.max(0, Math.floor((session.expiresAt - core.clock.now()) / 1000)),
  });
}

export function clearSessionCookie(reply: FastifyReply, core: Core): void {
  reply.clearCookie(SESSION_COOKIE, {
    httpOnly: true,
    sameSite: 'lax',
    path: '/',
    secure: isHttps(core),
    ...cookieDomain(core),
  });
}

/**
 * TWOFOLD_COOKIE_DOMAIN: the session is sent to every host of that domain, so sites behind
 * forward-auth see it — and so does any other host there (docs/forward-auth.md says what it risks).
 */
const cookieDomain = (core: Core): { domain?: string } =>
  core.settings.cookieDomain ? { domain: core.settings.cookieDomain } : {};

/**
 * The browser session behind the request's cookie, at whatever stage; undefined when there is
 * none. An API login token copied into the cookie is not one: it never passed this site's CSRF
 * and rotation rules.
 */
export async function currentSession(
  core: Core,
  request: FastifyRequest,
): Promise<ActiveSession | undefined> {
  const session = await core.sessions.resolve(request.cookies[SESSION_COOKIE]);
  return session?.row.kind === 'browser' ? session : undefined;
}

/**
 * The signed-in session of a page, or undefined after answering with a redirect to the login
 * page (which comes back here afterwards). A session still waiting for its code is not signed in.
 */
export async function requireSignedIn(
  core: Core,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<ActiveSession | undefined> {
  const session = await currentSession(core, request);
  if (session?.row.stage === 'full') return session;
  // A login that must first enroll a required factor, or a setup link half done, continues
  // there and nowhere else (issue 7).
  if (session?.row.stage === 'enrollment' || session?.row.stage === 'setup') {
    reply.redirect('/setup/enroll', 303);
    return undefined;
  }
  reply.redirect(loginUrl({ next: pathOf(request) }), 303);
  return undefined;
}

/**
 * Sends a person whose proof is too old to prove it again, then back to `next` (seed 000: "You
 * will be asked to login again"). Only `reauthentication_required` and `step_up_required` are
 * handled; any other error is re-thrown for the error page.
 */
export function askToAuthenticateAgain(reply: FastifyReply, error: unknown, next: string): FastifyReply {
  if (error instanceof TwofoldError && error.code === 'reauthentication_required') {
    return reply.redirect(loginUrl({ next, notice: 'reauth' }), 303);
  }
  if (error instanceof TwofoldError && error.code === 'step_up_required') {
    return reply.redirect(`/account/verify?${new URLSearchParams({ next })}`, 303);
  }
  throw error;
}

export function loginUrl(query: { next?: string | undefined; notice?: LoginNotice }): string {
  const params = new URLSearchParams();
  if (query.notice) params.set('notice', query.notice);
  if (query.next && query.next !== '/account') params.set('next', query.next);
  const search = params.toString();
  return search ? `/login?${search}` : '/login';
}

/** The notices the login page may show, by key: the query string never carries text to display. */
export const LOGIN_NOTICES = {
  reauth: 'For your security, please log in again to continue.',
  logged_out: 'You have been logged out.',
  expired: 'Your login has expired. Please log in again.',
  password_changed: 'Your password has been changed. Please log in with the new one.',
} as const;
export type LoginNotice = keyof typeof LOGIN_NOTICES;

const PATH_BASE = 'http://twofold.invalid';

/**
 * `next` after a login, only when it is a path on this site, so the login page cannot be used as
 * an open redirect. It is resolved the way a browser would resolve it (WHATWG URL: a backslash counts
 * as "/", tabs and newlines are dropped) and kept only when it stays on our origin; what is
 * returned is the parser's own serialization, never the raw input.
 *
 * A path that resolves to two leading slashes is refused as well: `/..//evil.example` stays on
 * our origin for the parser (a `..` at the root removes nothing, the empty segment stays), but
 * written into `Location` as `//evil.example` it sends the browser to another site.
 */
export function safeNextPath(raw: unknown): string | undefined {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > 512) return undefined;
  let url: URL;
  try {
    url = new URL(raw, PATH_BASE);
  } catch {
    return undefined;
  }
  if (url.origin !== PATH_BASE || url.pathname.startsWith('//')) return undefined;
  return url.pathname + url.search;
}

export function pathOf(request: FastifyRequest): string {
  return safeNextPath(request.url) ?? '/account';
}

/** One text field of a url-encoded form; absent or repeated fields read as '' or the first value. */
export function formField(request: FastifyRequest, name: string): string {
  const body = request.body;
  if (body === null || typeof body !== 'object') return '';
  const value = (body as Record<string, unknown>)[name];
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' ? first : '';
}

export function queryField(request: FastifyRequest, name: string): string {
  const value = (request.query as Record<string, unknown> | undefined)?.[name];
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' ? first : '';
}

const csrfRefused = () =>
  new TwofoldError(
    'csrf',
    'This form has expired or was not sent from this site, so it was refused. Go back, reload the page and try again.',
  );

/**
 * Every form of a session carries the session's CSRF token; a request from another site cannot
 * know it. Compared in constant time (security rule 6 in docs/architecture.md).
 */
export function checkSessionCsrf(request: FastifyRequest, session: ActiveSession): void {
  const sent = formField(request, '_csrf');
  if (!sent || !timingSafeEqualStrings(sent, session.row.csrf_token)) throw csrfRefused();
}

/**
 * The login form has no session yet: its token is a double-submit cookie (HttpOnly,
 * SameSite=Strict), which another site can neither read nor send along.
 */
export function loginCsrfToken(core: Core, request: FastifyRequest, reply: FastifyReply): string {
  const existing = request.cookies[LOGIN_CSRF_COOKIE];
  if (existing && /^[A-Za-z0-9_-]{32,128}$/.test(existing)) return existing;
  const token = randomToken();
  reply.setCookie(LOGIN_CSRF_COOKIE, token, {
    httpOnly: true,
    sameSite: 'strict',
    path: '/',
    secure: isHttps(core),
  });
  return token;
}

export function checkLoginCsrf(request: FastifyRequest): void {
  const cookie = request.cookies[LOGIN_CSRF_COOKIE];
  const sent = formField(request, '_csrf');
  if (!cookie || !sent || !timingSafeEqualStrings(sent, cookie)) throw csrfRefused();
}

export function clientOf(request: FastifyRequest): { ip: string; userAgent: string | undefined } {
  return { ip: request.ip, userAgent: request.headers['user-agent'] };
}
