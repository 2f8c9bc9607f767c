/**
 * Authentication Method Reference values (RFC 8176) that Twofold records on a session and
 * reports to services: how the person proved who they are.
 *
 * - `pwd`: the password.
 * - `otp`: a one-time code (TOTP, or a backup code).
 * - `hwk`: a WebAuthn key (security key or passkey): proof of a key held in an authenticator.
 * - `user`: the authenticator verified the user (passkey sign-in, which stands for the password).
 * - `fed`: signed in through an external identity provider (as Microsoft Entra ID reports it;
 *   RFC 8176 registers no value for federation). It stands for the first factor.
 * - `mfa`: added when the methods above cover two factors, or when an external provider's
 *   multi-factor sign-in was trusted (src/core/external-sign-in.ts).
 *
 * @see https://www.rfc-editor.org/rfc/rfc8176#section-2
 */
export type Amr = 'pwd' | 'otp' | 'hwk' | 'swk' | 'user' | 'fed' | 'mfa';

const ORDER: readonly Amr[] = ['pwd', 'otp', 'hwk', 'swk', 'user', 'fed', 'mfa'];

/** The stored form: known values, in one order, separated by spaces. */
export function formatAmr(values: Iterable<Amr>): string {
  const set = new Set(values);
  return ORDER.filter((value) => set.has(value)).join(' ');
}

export function parseAmr(stored: string): Amr[] {
  const words = new Set(stored.split(' '));
  return ORDER.filter((value) => words.has(value));
}

/**
 * The stored value after more methods were proven, with `mfa` when something the person knows
 * (password, or a sign-in at an external provider) or is (user verification) and something they
 * have (code, key) were both shown.
 */
export function addAmr(stored: string, proven: readonly Amr[]): string {
  const values = new Set([...parseAmr(stored), ...proven]);
  const knows = values.has('pwd') || values.has('user') || values.has('fed');
  const has = values.has('otp') || values.has('hwk') || values.has('swk');
  if (knows && has) values.add('mfa');
  return formatAmr(values);
}

/** True when the stored methods include a second factor (a code or a key). */
export function hasSecondFactor(stored: string): boolean {
  const values = parseAmr(stored);
  return values.includes('otp') || values.includes('hwk') || values.includes('swk');
}
