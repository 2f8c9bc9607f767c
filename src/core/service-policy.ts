import { parseAmr } from './amr.js';
import type { MfaPolicy } from './services.js';

/**
 * How strongly a person proved who they are, weakest first: the password alone; a second factor
 * as well (a code or a key); a WebAuthn key (security key after the password, or a passkey),
 * which a phishing site cannot relay.
 */
export type AssuranceLevel = 'password' | 'mfa' | 'phishing_resistant';
const LEVELS: readonly AssuranceLevel[] = ['password', 'mfa', 'phishing_resistant'];

/** The `acr` values services may ask for and get back, one per level (`acr_values_supported`). */
export const ACR_BY_LEVEL: Readonly<Record<AssuranceLevel, string>> = {
  password: 'urn:twofold:acr:password',
  mfa: 'urn:twofold:acr:mfa',
  phishing_resistant: 'urn:twofold:acr:phishing-resistant',
};
export const ACR_VALUES: readonly string[] = LEVELS.map((level) => ACR_BY_LEVEL[level]);

const LEVEL_BY_ACR = new Map(LEVELS.map((level) => [ACR_BY_LEVEL[level], level]));

/** What the person has and chose, as far as one service's decision goes. */
export interface ServiceSignInFacts {
  readonly policy: MfaPolicy;
  /** "OTP Configured": the administrator requires MFA of this person, for every service. */
  readonly otpRequired: boolean;
  /** Active factors: any second factor, and WebAuthn keys among them. */
  readonly hasSecondFactor: boolean;
  readonly hasWebauthn: boolean;
  /** The person turned MFA off for this service in Service Settings. */
  readonly mfaOff: boolean;
  /** The service's `acr_values`, in its order of preference. */
  readonly requestedAcrs: readonly string[];
}

/** How the browser's session was authenticated: its stored RFC 8176 methods. */
export interface SessionProof {
  readonly amr: string;
}

export type ServiceDecision =
  /** The session is enough: sign the person in with these values. */
  | {
      readonly outcome: 'ok';
      readonly amr: readonly string[];
      readonly acr: string;
      readonly level: AssuranceLevel;
    }
  /** Not even the password was proven: the person logs in. */
  | { readonly outcome: 'login' }
  /** Ask for what is missing: a second factor (code or key), or a WebAuthn key. */
  | { readonly outcome: 'second_factor'; readonly required: AssuranceLevel }
  /** The person has no factor that reaches the level: they must set one up first. */
  | { readonly outcome: 'enroll'; readonly required: AssuranceLevel };

/** The level a service needs of this person, before looking at any session. */
export function requiredLevel(facts: ServiceSignInFacts): AssuranceLevel {
  const byPolicy = policyLevel(facts);
  const asked = requestedLevel(facts.requestedAcrs);
  return asked !== undefined && rank(asked) > rank(byPolicy) ? asked : byPolicy;
}

function policyLevel(facts: ServiceSignInFacts): AssuranceLevel {
  if (facts.otpRequired || facts.policy === 'required') return 'mfa';
  if (facts.policy === 'not_required') return 'password';
  return facts.hasSecondFactor && !facts.mfaOff ? 'mfa' : 'password';
}

/**
 * The least a service accepts among the values it asked for (each is acceptable to it); values
 * Twofold does not know are ignored, as OpenID Connect Core §3.1.2.1 lets a provider do.
 */
function requestedLevel(acrs: readonly string[]): AssuranceLevel | undefined {
  const known = acrs.map((acr) => LEVEL_BY_ACR.get(acr)).filter((level) => level !== undefined);
  if (known.length === 0) return undefined;
  return known.reduce((least, level) => (rank(level) < rank(least) ? level : least));
}

/** The level a session's methods reach; undefined when not even the password was proven. */
export function levelOf(amr: string): AssuranceLevel | undefined {
  const methods = new Set(parseAmr(amr));
  if (methods.has('hwk') && (methods.has('pwd') || methods.has('user'))) return 'phishing_resistant';
  if (methods.has('mfa')) return 'mfa';
  if (methods.has('pwd') || methods.has('user') || methods.has('fed')) return 'password';
  return undefined;
}

/**
 * Whether this session may sign the person in to the service, and if not, what to ask for. The
 * `acr` returned is the first value the service asked for that the session reaches, else the
 * session's own level, so a service that named what it wants gets that name back.
 */
export function decideServiceSignIn(facts: ServiceSignInFacts, session: SessionProof): ServiceDecision {
  const required = requiredLevel(facts);
  const reached = levelOf(session.amr);
  if (reached === undefined) return { outcome: 'login' };
  if (rank(reached) >= rank(required)) {
    const asked = facts.requestedAcrs.find((acr) => {
      const level = LEVEL_BY_ACR.get(acr);
      return level !== undefined && rank(level) <= rank(reached) && rank(level) >= rank(required);
    });
    return { outcome: 'ok', amr: parseAmr(session.amr), acr: asked ?? ACR_BY_LEVEL[reached], level: reached };
  }
  const canReach =
    required === 'phishing_resistant' ? facts.hasWebauthn : required === 'mfa' ? facts.hasSecondFactor : true;
  return canReach ? { outcome: 'second_factor', required } : { outcome: 'enroll', required };
}

function rank(level: AssuranceLevel): number {
  return LEVELS.indexOf(level);
}
