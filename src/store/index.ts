export type { ApiTokenRow } from './api-tokens.js';
export {
  AUDIT_EVENT_ID_MAX,
  type AuditEventRow,
  type ListAuditOptions,
  type NewAuditEvent,
} from './audit.js';
export type { AuthenticatorPatch, AuthenticatorRow, NewAuthenticatorRow } from './authenticators.js';
export type { BackupCodeRow } from './backup-codes.js';
export {
  type Engine,
  isDatabaseReachable,
  migrateToLatest,
  type OpenDatabaseOptions,
  type OpenedDatabase,
  openDatabase,
} from './database.js';
export { isDatabaseUnavailable, type UniqueViolation, uniqueViolation } from './errors.js';
export type {
  ExternalSignInRow,
  IdentityProviderPatch,
  IdentityProviderRow,
  LinkedIdentityRow,
} from './identity-providers.js';
export {
  type DatabaseObserver,
  QUERY_OPERATIONS,
  type QueryOperation,
} from './observer.js';
export type { OidcPayload } from './oidc-payloads.js';
export type { OneTimeLinkRow } from './one-time-links.js';
export type { RadiusChallengeRow } from './radius-challenges.js';
export type { Database } from './schema.js';
export type {
  NewServiceRow,
  ServiceKind,
  ServicePatch,
  ServicePreferenceRow,
  ServiceRow,
} from './services.js';
export type { NewSessionRow, SessionPatch, SessionRow } from './sessions.js';
export type { SigningKeyRow } from './signing-keys.js';
export { Store } from './store.js';
export type { AttemptReservation, ThrottleRow, ThrottleSchedule } from './throttles.js';
export type { TotpAttempt, TotpAttemptOutcome, TotpMatch } from './totp-attempts.js';
export {
  countRows,
  readTable,
  TRANSFER_TABLES,
  type TransferRow,
  type TransferTable,
  writeRows,
} from './transfer.js';
export type { ListUsersOptions, NewUserRow, UserPatch, UserRow } from './users.js';
export type { NewWebauthnChallengeRow, WebauthnChallengeRow } from './webauthn-challenges.js';
export type { NewWebauthnCredential } from './webauthn-credentials.js';
