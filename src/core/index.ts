export { AUDIT_EVENT_ID_MAX, isDatabaseUnavailable, uniqueViolation } from '../store/index.js';
export type { CreatedUser, NewUser, UserDetails } from './accounts.js';
export type {
  Actor,
  Administration,
  AdminNewUser,
  AdminUserPatch,
  UserListPage,
  UserProfile,
} from './administration.js';
export {
  API_TOKEN_PREFIX,
  type ApiTokenPrincipal,
  type ApiTokenSummary,
  ApiTokens,
  type CreatedApiToken,
  isApiToken,
  type NewApiToken,
} from './api-tokens.js';
export type { AuditEntry, AuditEventType, AuditOrigin } from './audit.js';
export type { Authenticators } from './authenticators.js';
export {
  BACKUP_CODE_COUNT,
  BACKUP_CODE_HANDOUT_MS,
  type BackupCodeStatus,
  formatBackupCode,
  normalizeBackupCode,
} from './backup-codes.js';
export { type Clock, ManualClock, systemClock } from './clock.js';
export { Core, type CoreDependencies, type CoreSettings } from './core.js';
export type {
  CredentialCheck,
  CredentialInput,
  CredentialRefusal,
  CredentialResult,
} from './credential-check.js';
export { isTwofoldError, TwofoldError, type TwofoldErrorCode } from './errors.js';
export {
  EXTERNAL_SIGN_IN_LIFETIME_MS,
  type ExternalSignInRecord,
  type ExternalSignInResult,
  type LinkedProvider,
} from './external-sign-in.js';
export {
  ACCOUNT_MATCHING,
  type AccountMatching,
  DEFAULT_PROVIDER_SCOPES,
  type IdentityProviderPatch,
  type IdentityProviderSummary,
  type NewIdentityProvider,
  PROVIDER_MFA_POLICIES,
  type ProviderMfaPolicy,
} from './identity-providers.js';
export { isoTime } from './iso-time.js';
export { mailMessages } from './mail-messages.js';
export { discardMailer, type Mailer, type MailMessage } from './mailer.js';
export {
  holdsSealedData,
  MasterKeyMismatchError,
  type RotationResult,
  resealAll,
  totpSecretContext,
  verifyMasterKey,
} from './master-key-check.js';
export {
  AUTHENTICATOR_KINDS,
  type AuthenticatorKind,
  countSignIn,
  credentialResultOf,
  LOGIN_FAILURE_REASONS,
  type LoginFailureReason,
  loginResultOf,
  MAIL_RESULTS,
  type MailResult,
  type Metrics,
  noMetrics,
  SECOND_FACTOR_KINDS,
  SECOND_FACTOR_RESULTS,
  type SecondFactorKind,
  type SecondFactorResult,
  SIGN_IN_PATHS,
  SIGN_IN_RESULTS,
  type SignInPath,
  type SignInResult,
  signInResultOfError,
  THROTTLE_STATES,
  type ThrottleState,
} from './metrics.js';
export { isMfaRequired } from './mfa-policy.js';
export { ADMIN_SETUP_LINK_MS } from './onboarding.js';
export type { PasswordChangeInput } from './passwords.js';
export { type ProtectedSites, parseSiteUrl } from './protected-sites.js';
export { isRecentlyAuthenticated, requireRecentAuthentication } from './recent-authentication.js';
export type { SecondFactorProof } from './second-factor.js';
export { SecurityNotices } from './security-notices.js';
export type {
  RecentServiceSignIn,
  ServiceAccess,
  ServiceSetting,
  ServiceSignInRecord,
} from './service-access.js';
export {
  ACR_BY_LEVEL,
  ACR_VALUES,
  type AssuranceLevel,
  decideServiceSignIn,
  levelOf,
  requiredLevel,
  type ServiceDecision,
  type ServiceSignInFacts,
} from './service-policy.js';
export {
  CLIENT_SECRET_PREFIX,
  KNOWN_SCOPES,
  MFA_POLICIES,
  type MfaPolicy,
  type NewService,
  SERVICE_KINDS,
  type ServiceKind,
  type ServicePatch,
  type ServiceSummary,
  Services,
  type ServiceWithSecret,
  SIGNING_ALGS,
  type SigningAlg,
} from './services.js';
export {
  type ActiveSession,
  type IssuedSession,
  PENDING_LOGIN_LIFETIME_MS,
  RECENT_AUTHENTICATION_MS,
  SESSION_LIFETIME_MS,
  type SessionKind,
} from './sessions.js';
export { invalidCredentials, LOGIN_MAX_LENGTH, type LoginInput, type LoginResult } from './sign-in.js';
export { RETIRED_KEY_PUBLISHED_MS, type SigningJwk, SigningKeys } from './signing-keys.js';
export { describeWait, THROTTLE_POLICIES, type ThrottlePolicy, throttleKeys } from './throttle.js';
export {
  type ActivatedAuthenticator,
  PENDING_AUTHENTICATOR_LIFETIME_MS,
  type TotpEnrollment,
} from './totp-enrollment.js';
export {
  type AuthenticatorSummary,
  summarizeAuthenticator,
  summarizeUser,
  type UserSummary,
} from './users.js';
export { normalizeName, PASSWORD_MIN_LENGTH } from './validation.js';
export { Webauthn, type WebauthnProof } from './webauthn.js';
export { WEBAUTHN_CHALLENGE_LIFETIME_MS } from './webauthn-challenges.js';
export type { WebauthnRegistration } from './webauthn-registration.js';
export { relyingPartyOf, type WebauthnFailureReason } from './webauthn-support.js';
