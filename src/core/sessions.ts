import { hashToken, randomToken } from '../security/index.js';
import type { SessionRow, Store, UserRow } from '../store/index.js';
import { type Amr, addAmr } from './amr.js';
import type { Clock } from './clock.js';
import { TwofoldError } from './errors.js';
import type { ExternalSignInRecord } from './external-sign-in.js';

/** How long things last. */
export const SESSION_LIFETIME_MS = 12 * 60 * 60_000;
/** A password step waiting for its second factor is remembered this long (issue 3). */
export const PENDING_LOGIN_LIFETIME_MS = 5 * 60_000;
/** Sensitive actions need a proof of identity younger than this (security rule 5 in docs/architecture.md). */
export const RECENT_AUTHENTICATION_MS = 5 * 60_000;

export type SessionKind = SessionRow['kind'];
export type SessionStage = SessionRow['stage'];

/** A session as the use cases see it. `token` is only known right after creation or rotation. */
export interface IssuedSession {
  readonly token: string;
  readonly csrfToken: string;
  readonly expiresAt: number;
  readonly stage: SessionStage;
}

export interface ActiveSession {
  readonly idHash: string;
  readonly row: SessionRow;
  readonly user: UserRow;
}

export interface NewSession {
  readonly userId: string;
  readonly kind: SessionKind;
  readonly stage: SessionStage;
  readonly secondFactorAt: number | null;
  /** How the session was authenticated (RFC 8176): what services' policies check. */
  readonly amr?: readonly Amr[];
  readonly authenticatedAt?: number;
  readonly ip?: string | undefined;
  readonly userAgent?: string | undefined;
  /** A notice for the first page view. */
  readonly flash?: string | null;
  /** For a session made by an external identity provider: which, and what it said. */
  readonly externalSignIn?: ExternalSignInRecord;
}

/**
 * Browser sessions and API login tokens. Ids are 256 random bits; only their SHA-256 is stored,
 * so a database dump holds no usable session (security rule 7 in docs/architecture.md).
 */
export class Sessions {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  async create(session: NewSession, store: Store = this.store): Promise<IssuedSession> {
    const now = this.clock.now();
    const token = randomToken();
    const csrfToken = randomToken();
    const expiresAt = now + (session.stage === 'password' ? PENDING_LOGIN_LIFETIME_MS : SESSION_LIFETIME_MS);
    await store.sessions.insert({
      id_hash: hashToken(token),
      user_id: session.userId,
      kind: session.kind,
      stage: session.stage,
      csrf_token: csrfToken,
      created_at: now,
      expires_at: expiresAt,
      authenticated_at: session.authenticatedAt ?? now,
      second_factor_at: session.secondFactorAt,
      last_seen_at: now,
      user_agent: session.userAgent?.slice(0, 300) ?? null,
      ip: session.ip ?? null,
      flash: session.flash ?? null,
      amr: addAmr('', session.amr ?? []),
      external_sign_in: session.externalSignIn ? JSON.stringify(session.externalSignIn) : null,
    });
    return { token, csrfToken, expiresAt, stage: session.stage };
  }

  /** The live session behind a token, with its user; undefined when unknown, expired or disabled. */
  async resolve(token: string | undefined): Promise<ActiveSession | undefined> {
    if (!token || token.length > 200) return undefined;
    const idHash = hashToken(token);
    const found = await this.store.sessions.findLiveWithUser(idHash, this.clock.now());
    if (!found || found.user.disabled === 1) return undefined;
    return { idHash, row: found.session, user: found.user };
  }

  /**
   * Gives the session a new id (and CSRF token) while changing its stage or proof times: at
   * login and at every step-up, so an id planted or seen before cannot ride the new privileges.
   */
  async rotate(
    session: ActiveSession,
    change: {
      stage?: SessionStage;
      authenticatedAt?: number;
      secondFactorAt?: number | null;
      /** Methods just proven; added to those the session had. */
      amr?: readonly Amr[];
      flash?: string | null;
    },
  ): Promise<IssuedSession> {
    const now = this.clock.now();
    const token = randomToken();
    const csrfToken = randomToken();
    const stage = change.stage ?? session.row.stage;
    const expiresAt =
      stage === 'password'
        ? now + PENDING_LOGIN_LIFETIME_MS
        : Math.max(session.row.expires_at, now + SESSION_LIFETIME_MS);
    const rotated = await this.store.sessions.rotate(session.idHash, hashToken(token), {
      stage,
      csrf_token: csrfToken,
      expires_at: expiresAt,
      last_seen_at: now,
      ...(change.authenticatedAt === undefined ? {} : { authenticated_at: change.authenticatedAt }),
      ...(change.secondFactorAt === undefined ? {} : { second_factor_at: change.secondFactorAt }),
      ...(change.flash ? { flash: change.flash } : {}),
      ...(change.amr ? { amr: addAmr(session.row.amr, change.amr) } : {}),
    });
    if (!rotated) throw new TwofoldError('unauthenticated', 'Your session has ended. Please log in again.');
    return { token, csrfToken, expiresAt, stage };
  }

  async end(session: ActiveSession): Promise<void> {
    await this.store.sessions.remove(session.idHash);
  }

  async endToken(token: string): Promise<void> {
    await this.store.sessions.remove(hashToken(token));
  }

  /** Ends every other session of the user (after a password change or an admin reset). */
  async endOthers(userId: string, keep?: ActiveSession): Promise<number> {
    return this.store.sessions.removeAllForUser(userId, keep?.idHash);
  }

  async setFlash(session: ActiveSession, message: string | null): Promise<void> {
    await this.store.sessions.update(session.idHash, { flash: message });
  }
}
