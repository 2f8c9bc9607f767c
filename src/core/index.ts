export type { CreatedUser, NewUser, UserDetails } from './accounts.js';
export type { AuditEntry, AuditEventType } from './audit.js';
export { type Clock, ManualClock, systemClock } from './clock.js';
export { Core, type CoreDependencies, type CoreSettings } from './core.js';
export { isTwofoldError, TwofoldError, type TwofoldErrorCode } from './errors.js';
export {
  holdsSealedData,
  MasterKeyMismatchError,
  type RotationResult,
  resealAll,
  verifyMasterKey,
} from './master-key-check.js';
export type { AuthenticatorSummary, UserSummary } from './users.js';
export { PASSWORD_MIN_LENGTH } from './validation.js';
