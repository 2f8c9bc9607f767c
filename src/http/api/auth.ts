import type { FastifyReply, FastifyRequest } from 'fastify';
import { type ActiveSession, type Core, isApiToken, TwofoldError } from '../../core/index.js';
import type { UserRow } from '../../store/index.js';

/** Who is calling: a login token from POST /api/v1/login, or a personal API token. */
export type ApiPrincipal =
  | { readonly kind: 'session'; readonly user: UserRow; readonly session: ActiveSession }
  | { readonly kind: 'api_token'; readonly user: UserRow; readonly tokenId: string };

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the bearer hook on authenticated API routes. */
    apiPrincipal: ApiPrincipal | null;
  }
}

/** `Authorization: Bearer <token>` (RFC 6750 §2.1), or undefined. */
function bearerToken(request: FastifyRequest): string | undefined {
  const match = /^Bearer +([\x21-\x7e]+) *$/i.exec(request.headers.authorization ?? '');
  return match?.[1];
}

export interface BearerOptions {
  /**
   * Whether a login of a user who must set up a required second factor first (stage
   * `enrollment`) may call the route: only what enrolling needs (see the profile, add a TOTP
   * device, log out). Everything else answers 401 `enrollment_required`.
   */
  readonly duringEnrollment?: boolean;
}

/**
 * The onRequest hook of every authenticated API route. It runs before the body is read, so an
 * anonymous caller learns nothing about what the route would accept.
 */
export function bearerAuthentication(core: Core, options: BearerOptions = {}) {
  return async function authenticate(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const unauthenticated = (message: string) => {
      reply.header('www-authenticate', 'Bearer realm="twofold"');
      return new TwofoldError('unauthenticated', message);
    };
    const token = bearerToken(request);
    if (!token) {
      throw unauthenticated(
        'Log in first (POST /api/v1/login) and send the token as "Authorization: Bearer <token>".',
      );
    }
    if (isApiToken(token)) {
      const principal = await core.apiTokens.authenticate(token);
      if (!principal) {
        throw unauthenticated('This API token is not valid: it is unknown, revoked or expired.');
      }
      request.apiPrincipal = { kind: 'api_token', user: principal.user, tokenId: principal.tokenId };
    } else {
      const session = await core.sessions.resolve(token);
      // A browser session id is not a bearer token (it lives in an HttpOnly cookie guarded by
      // CSRF tokens), and a password step still waiting for its code is no login at all.
      const usable = session?.row.stage === 'full' || session?.row.stage === 'enrollment';
      if (session?.row.kind !== 'api' || !usable) {
        throw unauthenticated(
          'Your login token is not valid or has expired. Log in again (POST /api/v1/login).',
        );
      }
      if (session.row.stage === 'enrollment' && !options.duringEnrollment) {
        throw new TwofoldError(
          'enrollment_required',
          'Two-factor authentication is required for your account: set up an authenticator first ' +
            '(POST /api/v1/me/authenticators/totp, then …/{id}/activate).',
        );
      }
      request.apiPrincipal = { kind: 'session', user: session.user, session };
    }
  };
}

/** The caller of an authenticated route. */
export function principalOf(request: FastifyRequest): ApiPrincipal {
  if (!request.apiPrincipal) throw new TypeError(`Route ${request.url} has no bearer authentication hook`);
  return request.apiPrincipal;
}

/**
 * The login session of the caller, for what a personal API token may never do (create tokens,
 * add or remove authenticators, change the password, step up): a token made for a script must
 * not be able to entrench itself or take the account over if it leaks.
 */
export function loginSessionOf(request: FastifyRequest, action: string): ActiveSession {
  const principal = principalOf(request);
  if (principal.kind !== 'session') {
    throw new TwofoldError(
      'forbidden',
      `A personal API token cannot ${action}. Log in with POST /api/v1/login (password and code) and use that token.`,
    );
  }
  return principal.session;
}

/**
 * Runs a sensitive use case and words its "prove yourself again" denial for API clients. The core
 * asks for a password younger than five minutes and, with an active factor, as fresh a code; an
 * API client gets both as reason `step_up_required`, with the remedy that applies.
 */
export async function asSensitive<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof TwofoldError && error.code === 'reauthentication_required') {
      throw new TwofoldError(
        'step_up_required',
        'Your login is more than 5 minutes old. For your security, log in again (POST /api/v1/login) and repeat this request.',
        { cause: error },
      );
    }
    if (error instanceof TwofoldError && error.code === 'step_up_required') {
      throw new TwofoldError(
        'step_up_required',
        'For your security, confirm with a fresh code from one of your authenticators (POST /api/v1/me/verify) ' +
          'or a security key (POST /api/v1/me/verify/webauthn), then repeat this request.',
        { cause: error },
      );
    }
    throw error;
  }
}
