import type * as SimpleWebAuthn from '@simplewebauthn/server';
import type { RegistrationResponseJSON } from '@simplewebauthn/server';

/** Why a WebAuthn response was refused: for the audit log and the message a person sees. */
export type WebauthnFailureReason =
  | 'challenge'
  | 'origin'
  | 'rp_id'
  | 'unknown_key'
  | 'user_verification'
  | 'counter'
  | 'signature'
  | 'malformed';

/**
 * The relying party is the public URL and nothing else: its origin is the only one accepted in
 * clientDataJSON and its host name is the RP ID the authenticator scopes credentials to. A page
 * served under another address (or a phishing proxy) gets responses that are refused.
 *
 * @see https://www.w3.org/TR/webauthn-3/#rp-id
 */
export function relyingPartyOf(publicUrl: string): { rpId: string; origin: string } {
  let url: URL;
  try {
    url = new URL(publicUrl);
  } catch (cause) {
    throw new TypeError(`The public URL "${publicUrl}" is not a URL`, { cause });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new TypeError(`The public URL "${publicUrl}" must be http or https for WebAuthn`);
  }
  return { rpId: url.hostname, origin: url.origin };
}

/**
 * The challenge the browser says it signed, read from clientDataJSON, or undefined for anything
 * that is not a well-formed response. Only used to find the stored challenge; the library
 * checks it again against what was found.
 */
export function readClientChallenge(response: unknown): string | undefined {
  const clientDataJSON = (response as { response?: { clientDataJSON?: unknown } } | null)?.response
    ?.clientDataJSON;
  if (
    typeof clientDataJSON !== 'string' ||
    clientDataJSON.length > 4096 ||
    !/^[A-Za-z0-9_-]*={0,2}$/.test(clientDataJSON)
  ) {
    return undefined;
  }
  try {
    const clientData = JSON.parse(Buffer.from(clientDataJSON, 'base64url').toString('utf8')) as {
      challenge?: unknown;
    };
    const { challenge } = clientData;
    return typeof challenge === 'string' && /^[A-Za-z0-9_-]{16,128}$/.test(challenge) ? challenge : undefined;
  } catch {
    return undefined;
  }
}

/** Sorts a verification error of @simplewebauthn/server by what went wrong. */
export function classifyWebauthnFailure(error: unknown): WebauthnFailureReason {
  const message = error instanceof Error ? error.message : '';
  if (/origin/i.test(message)) return 'origin';
  if (/RP ?ID/i.test(message)) return 'rp_id';
  if (/challenge/i.test(message)) return 'challenge';
  if (/user verification/i.test(message)) return 'user_verification';
  if (/counter/i.test(message)) return 'counter';
  if (/signature/i.test(message)) return 'signature';
  return 'malformed';
}

/**
 * The name a key gets when the person gives none, from what kind of authenticator it is:
 * "Passkey" (synced), "Phone" (hybrid), "Built-in authenticator" (this computer's biometrics)
 * or "Security key" (USB, NFC, Bluetooth) — numbered when the name is taken.
 */
export function defaultKeyName(
  kind: {
    readonly transports: readonly string[];
    readonly attachment?: string | undefined;
    readonly backupEligible: boolean;
  },
  takenNames: readonly string[],
): string {
  const base = kind.backupEligible
    ? 'Passkey'
    : kind.transports.includes('hybrid')
      ? 'Phone'
      : kind.attachment === 'platform' || kind.transports.includes('internal')
        ? 'Built-in authenticator'
        : 'Security key';
  const taken = new Set(takenNames);
  if (!taken.has(base)) return base;
  for (let n = 2; ; n++) {
    if (!taken.has(`${base} ${n}`)) return `${base} ${n}`;
  }
}

/** Where a ceremony's request came from, for the audit log. */
export interface ClientContext {
  readonly ip?: string | undefined;
  readonly userAgent?: string | undefined;
}

let loading: Promise<typeof SimpleWebAuthn> | undefined;
/**
 * SimpleWebAuthn and its ASN.1 stack (~26 MB, ~150 modules) load on the first ceremony, not at
 * start: most requests never need them (measured start-up and idle memory, bench/footprint).
 */
export const simpleWebAuthn = (): Promise<typeof SimpleWebAuthn> => {
  loading ??= import('@simplewebauthn/server');
  return loading;
};

/** The transports stored with a key (comma-separated) as the browser API wants them. */
export function splitTransports(stored: string | null): AuthenticatorTransportFuture[] {
  if (!stored) return [];
  return stored.split(',').filter(Boolean) as AuthenticatorTransportFuture[];
}

type AuthenticatorTransportFuture = NonNullable<RegistrationResponseJSON['response']['transports']>[number];
