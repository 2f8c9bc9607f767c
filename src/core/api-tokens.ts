import { hashToken, randomId, randomToken } from '../security/index.js';
import type { ApiTokenRow, Store, UserRow } from '../store/index.js';
import type { AuditLog } from './audit.js';
import type { Clock } from './clock.js';
import { TwofoldError } from './errors.js';
import { isoTime } from './iso-time.js';
import { isMfaRequired } from './mfa-policy.js';
import { requireRecentAuthentication } from './recent-authentication.js';
import type { ActiveSession } from './sessions.js';
import { isoTimeOrNull } from './users.js';
import { normalizeName } from './validation.js';

/**
 * Every personal token starts with this, so secret scanners (GitHub push protection, gitleaks,
 * trufflehog) can recognise a leaked one by pattern, and so the server can tell it from an API
 * login token without a database lookup.
 */
export const API_TOKEN_PREFIX = 'tf_pat_';
/** How long a token lives when the caller does not say. */
export const API_TOKEN_DEFAULT_DAYS = 90;
export const API_TOKEN_MAX_DAYS = 3650;
/** Writing `last_used_at` on every call would turn each read into a write; once a minute is enough. */
const TOUCH_INTERVAL_MS = 60_000;
const DAY_MS = 24 * 60 * 60_000;

/** A personal token as lists show it: never the token itself, which only its hash remembers. */
export interface ApiTokenSummary {
  readonly id: string;
  readonly name: string;
  readonly createdAt: string;
  readonly lastUsedAt: string | null;
  /** Null for a token without an expiry (none are issued today; older rows may have one). */
  readonly expiresAt: string | null;
}

/** A token just created: `token` is shown this once and stored nowhere. */
export interface CreatedApiToken {
  readonly token: string;
  readonly apiToken: ApiTokenSummary;
}

/** Who a personal token speaks for. */
export interface ApiTokenPrincipal {
  readonly tokenId: string;
  readonly user: UserRow;
}

export interface NewApiToken {
  readonly name: string;
  /** Days until the token stops working: 1 to 3650, 90 when absent. */
  readonly expiresInDays?: number | undefined;
  readonly ip?: string | undefined;
}

export interface ApiTokensDependencies {
  readonly store: Store;
  readonly clock: Clock;
  readonly audit: AuditLog;
}

/**
 * Personal API tokens for scripts. Seed 001 warns against MFA on accounts used by automation,
 * because the API login then needs a code; instead, a person with MFA creates a token after a
 * fresh password and second factor, and the script uses that. A token authenticates API calls
 * without a code but can never do a sensitive action (new tokens, authenticators, password):
 * the HTTP layer gives those only to a signed-in session.
 */
export class ApiTokens {
  constructor(private readonly deps: ApiTokensDependencies) {}

  /**
   * A sensitive action (security rule 5 in docs/architecture.md): it needs a recent password and, with an active factor,
   * a recent second factor — the token will act without one for months.
   */
  async create(session: ActiveSession, input: NewApiToken): Promise<CreatedApiToken> {
    const { store, clock, audit } = this.deps;
    const hasActiveFactor = (await store.authenticators.countActiveByUser(session.user.id)) > 0;
    requireRecentAuthentication(session, hasActiveFactor, clock);
    // A user who must use MFA must not get a code-free way in before having a factor at all.
    if (isMfaRequired(session.user) && !hasActiveFactor) {
      throw new TwofoldError(
        'enrollment_required',
        'Two-factor authentication is required for your account: set up an authenticator before creating API tokens.',
      );
    }
    const name = normalizeName(input.name, '', 'name');
    if (name === '') throw new TwofoldError('invalid_input', 'Give the token a name.', { field: 'name' });
    const days = input.expiresInDays ?? API_TOKEN_DEFAULT_DAYS;
    if (!Number.isInteger(days) || days < 1 || days > API_TOKEN_MAX_DAYS) {
      throw new TwofoldError(
        'invalid_input',
        `The lifetime must be a whole number of days from 1 to ${API_TOKEN_MAX_DAYS}.`,
        { field: 'expiresInDays' },
      );
    }
    const now = clock.now();
    const token = `${API_TOKEN_PREFIX}${randomToken()}`;
    const row: ApiTokenRow = {
      id: randomId(),
      user_id: session.user.id,
      name,
      token_hash: hashToken(token),
      created_at: now,
      expires_at: now + days * DAY_MS,
      last_used_at: null,
      revoked_at: null,
    };
    await store.transaction(async (tx) => {
      await tx.apiTokens.insert(row);
      await audit.record(
        {
          type: 'api_token.created',
          userId: session.user.id,
          ip: input.ip,
          detail: { apiTokenId: row.id, name },
        },
        tx,
      );
    });
    return { token, apiToken: summarizeApiToken(row) };
  }

  /** The user's tokens that are not revoked, oldest first; expired ones stay listed until revoked. */
  async list(user: UserRow): Promise<ApiTokenSummary[]> {
    return (await this.deps.store.apiTokens.listByUser(user.id)).map(summarizeApiToken);
  }

  /** Revokes one of the user's tokens; it stops working with the next request. */
  async revoke(user: UserRow, tokenId: string, context: { ip?: string | undefined } = {}): Promise<void> {
    const { store, clock, audit } = this.deps;
    await store.transaction(async (tx) => {
      if (!(await tx.apiTokens.revoke(tokenId, user.id, clock.now()))) {
        throw new TwofoldError('not_found', 'No such API token on your account.');
      }
      await audit.record(
        { type: 'api_token.revoked', userId: user.id, ip: context.ip, detail: { apiTokenId: tokenId } },
        tx,
      );
    });
  }

  /**
   * The user behind a personal token, or undefined when the token is unknown, revoked, expired,
   * or its user is disabled. Looked up by hash only: the token is never compared or stored.
   */
  async authenticate(token: string): Promise<ApiTokenPrincipal | undefined> {
    if (!isApiToken(token) || token.length > 200) return undefined;
    const { store, clock } = this.deps;
    const now = clock.now();
    const row = await store.apiTokens.findUsable(hashToken(token), now);
    if (!row) return undefined;
    const user = await store.users.findById(row.user_id);
    if (!user || user.disabled === 1) return undefined;
    if (row.last_used_at === null || now - row.last_used_at >= TOUCH_INTERVAL_MS) {
      await store.apiTokens.touch(row.id, now);
    }
    return { tokenId: row.id, user };
  }
}

/** Whether a bearer value has the shape of a personal token (as opposed to an API login token). */
export const isApiToken = (value: string): boolean => value.startsWith(API_TOKEN_PREFIX);

export function summarizeApiToken(row: ApiTokenRow): ApiTokenSummary {
  return {
    id: row.id,
    name: row.name,
    createdAt: isoTime(row.created_at),
    lastUsedAt: isoTimeOrNull(row.last_used_at),
    expiresAt: isoTimeOrNull(row.expires_at),
  };
}
