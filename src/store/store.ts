import type { Kysely } from 'kysely';
import { ApiTokenRepository } from './api-tokens.js';
import { AuditRepository } from './audit.js';
import { AuthenticatorRepository } from './authenticators.js';
import { BackupCodeRepository } from './backup-codes.js';
import { IdentityProviderRepository } from './identity-providers.js';
import { MetaRepository } from './meta.js';
import { OidcPayloadRepository } from './oidc-payloads.js';
import { OneTimeLinkRepository } from './one-time-links.js';
import { RadiusChallengeRepository } from './radius-challenges.js';
import type { Database } from './schema.js';
import { ServiceRepository } from './services.js';
import { SessionRepository } from './sessions.js';
import { SigningKeyRepository } from './signing-keys.js';
import { ThrottleRepository } from './throttles.js';
import { TotpAttemptRepository } from './totp-attempts.js';
import { UserRepository } from './users.js';
import { WebauthnChallengeRepository } from './webauthn-challenges.js';
import { WebauthnCredentialRepository } from './webauthn-credentials.js';

/**
 * Every repository over one database handle. `transaction` hands the callback the same set
 * bound to one transaction, so a use case that must change several tables does it whole or
 * not at all.
 */
export class Store {
  readonly users: UserRepository;
  readonly authenticators: AuthenticatorRepository;
  readonly backupCodes: BackupCodeRepository;
  readonly sessions: SessionRepository;
  readonly apiTokens: ApiTokenRepository;
  readonly throttles: ThrottleRepository;
  readonly totpAttempts: TotpAttemptRepository;
  readonly oneTimeLinks: OneTimeLinkRepository;
  readonly audit: AuditRepository;
  readonly meta: MetaRepository;
  readonly webauthnChallenges: WebauthnChallengeRepository;
  readonly webauthnCredentials: WebauthnCredentialRepository;
  readonly services: ServiceRepository;
  readonly signingKeys: SigningKeyRepository;
  readonly oidcPayloads: OidcPayloadRepository;
  readonly identityProviders: IdentityProviderRepository;
  readonly radiusChallenges: RadiusChallengeRepository;

  /** Inside a transaction: what waits for its commit (`afterCommit`). */
  readonly #afterCommit: (() => void)[] | undefined;

  constructor(
    readonly db: Kysely<Database>,
    afterCommit?: (() => void)[],
  ) {
    this.#afterCommit = afterCommit;
    this.users = new UserRepository(db);
    this.authenticators = new AuthenticatorRepository(db);
    this.backupCodes = new BackupCodeRepository(db);
    this.sessions = new SessionRepository(db);
    this.apiTokens = new ApiTokenRepository(db);
    this.throttles = new ThrottleRepository(db);
    this.oneTimeLinks = new OneTimeLinkRepository(db);
    this.audit = new AuditRepository(db);
    this.meta = new MetaRepository(db);
    this.webauthnChallenges = new WebauthnChallengeRepository(db);
    this.webauthnCredentials = new WebauthnCredentialRepository(db);
    this.totpAttempts = new TotpAttemptRepository(db, this.throttles);
    this.services = new ServiceRepository(db);
    this.signingKeys = new SigningKeyRepository(db);
    this.oidcPayloads = new OidcPayloadRepository(db);
    this.identityProviders = new IdentityProviderRepository(db);
    this.radiusChallenges = new RadiusChallengeRepository(db);
  }

  async transaction<T>(work: (store: Store) => Promise<T>): Promise<T> {
    if (this.db.isTransaction) return work(this);
    const afterCommit: (() => void)[] = [];
    const result = await this.db.transaction().execute((trx) => work(new Store(trx, afterCommit)));
    for (const action of afterCommit) action();
    return result;
  }

  /**
   * Runs `action` once what this store writes is committed: at once outside a transaction,
   * after the commit inside one, and never if it rolls back. For what tells the world of a
   * change, such as the security e-mail of an audit event: it must not tell of one that was
   * undone.
   */
  afterCommit(action: () => void): void {
    if (this.#afterCommit) this.#afterCommit.push(action);
    else action();
  }
}
