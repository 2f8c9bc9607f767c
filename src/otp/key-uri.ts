import {
  assertAlgorithm,
  assertCounter,
  assertDigits,
  assertPeriodSeconds,
  DEFAULT_ALGORITHM,
  DEFAULT_DIGITS,
  DEFAULT_PERIOD_SECONDS,
  type OtpAlgorithm,
  parseAlgorithm,
} from './algorithms.js';
import { decodeBase32, encodeBase32 } from './base32.js';
import { type OtpSecret, secretBytes } from './secret.js';

interface KeyUriFields {
  /** The service, shown above the code in the app; `undefined` when the URI names none. */
  readonly issuer: string | undefined;
  /** Whose authenticator it is, usually an e-mail address or user name. */
  readonly accountName: string;
  readonly secret: Uint8Array;
  readonly algorithm: OtpAlgorithm;
  readonly digits: number;
}

export interface TotpKeyUri extends KeyUriFields {
  readonly type: 'totp';
  readonly periodSeconds: number;
}

export interface HotpKeyUri extends KeyUriFields {
  readonly type: 'hotp';
  readonly counter: number;
}

/** What an `otpauth://` URI carries. */
export type KeyUri = TotpKeyUri | HotpKeyUri;

interface BuildKeyUriCommon {
  readonly issuer?: string | undefined;
  readonly accountName: string;
  readonly secret: OtpSecret;
  /** Default `sha1`. */
  readonly algorithm?: OtpAlgorithm;
  /** Default 6. */
  readonly digits?: number;
}

export type BuildKeyUriOptions =
  | (BuildKeyUriCommon & { readonly type: 'totp' /** Default 30. */; readonly periodSeconds?: number })
  | (BuildKeyUriCommon & { readonly type: 'hotp'; readonly counter: number });

/**
 * The `otpauth://` URI an authenticator app reads from a QR code:
 * `otpauth://totp/Issuer:account?secret=…&issuer=…&algorithm=SHA1&digits=6&period=30`.
 * Issuer and account are percent-encoded (spaces as `%20`, colons as `%3A`, UTF-8 for the rest);
 * the secret is base32 without padding; every parameter is written, defaults included, so no
 * app has to guess.
 *
 * @see https://github.com/google/google-authenticator/wiki/Key-Uri-Format
 */
export function buildKeyUri(options: BuildKeyUriOptions): string {
  const { issuer, accountName, algorithm = DEFAULT_ALGORITHM, digits = DEFAULT_DIGITS } = options;
  if (typeof accountName !== 'string' || accountName === '') {
    throw new TypeError('accountName must not be empty');
  }
  if (issuer !== undefined && (typeof issuer !== 'string' || issuer === '')) {
    throw new TypeError('issuer must be left out or not empty');
  }
  assertAlgorithm(algorithm);
  assertDigits(digits);
  const secret = encodeBase32(secretBytes(options.secret), { padding: false });

  const label = issuer === undefined ? encode(accountName) : `${encode(issuer)}:${encode(accountName)}`;
  let query = `secret=${secret}`;
  if (issuer !== undefined) query += `&issuer=${encode(issuer)}`;
  query += `&algorithm=${algorithm.toUpperCase()}&digits=${digits}`;
  if (options.type === 'totp') {
    const periodSeconds = options.periodSeconds ?? DEFAULT_PERIOD_SECONDS;
    assertPeriodSeconds(periodSeconds);
    query += `&period=${periodSeconds}`;
  } else if (options.type === 'hotp') {
    assertCounter('counter', options.counter);
    query += `&counter=${options.counter}`;
  } else {
    throw new TypeError(
      `type must be totp or hotp, not ${JSON.stringify((options as { type: unknown }).type)}`,
    );
  }
  return `otpauth://${options.type}/${label}?${query}`;
}

/**
 * Reads an `otpauth://` URI. Anything malformed — another scheme, an unknown type, an empty
 * label, a missing or non-base32 secret, an unsupported algorithm, digits or period, a missing
 * HOTP counter, a parameter given twice, an issuer parameter that disagrees with the label, bad
 * percent-encoding — throws a `TypeError` saying what is wrong. Unknown parameters (`image`, …)
 * are ignored, as apps do.
 *
 * @see https://github.com/google/google-authenticator/wiki/Key-Uri-Format
 */
export function parseKeyUri(uri: string): KeyUri {
  if (typeof uri !== 'string') throw new TypeError('otpauth URI must be a string');
  const match = /^otpauth:\/\/([^/?#]*)\/([^?#]*)(?:\?([^#]*))?$/i.exec(uri);
  if (!match) throw new TypeError('not an otpauth URI (expected otpauth://totp/Issuer:account?secret=…)');
  const type = match[1]!.toLowerCase();
  if (type !== 'totp' && type !== 'hotp') {
    throw new TypeError(`otpauth URI has unknown type ${JSON.stringify(match[1])} (expected totp or hotp)`);
  }
  const { issuer: labelIssuer, accountName } = parseLabel(match[2]!);
  const params = parseQuery(match[3] ?? '');

  const paramIssuer = params.get('issuer');
  if (paramIssuer === '') throw new TypeError('otpauth URI has an empty issuer parameter');
  if (labelIssuer !== undefined && paramIssuer !== undefined && labelIssuer !== paramIssuer) {
    throw new TypeError(
      `otpauth URI issuer parameter ${JSON.stringify(paramIssuer)} differs from the label's issuer ${JSON.stringify(labelIssuer)}`,
    );
  }
  const fields: KeyUriFields = {
    issuer: paramIssuer ?? labelIssuer,
    accountName,
    secret: parseSecret(params.get('secret')),
    algorithm: parseAlgorithmParam(params.get('algorithm')),
    digits: parseDigitsParam(params.get('digits')),
  };
  if (type === 'totp') {
    return { type, ...fields, periodSeconds: parsePeriodParam(params.get('period')) };
  }
  return { type, ...fields, counter: parseCounterParam(params.get('counter')) };
}

/** Percent-encodes everything but unreserved characters, so `:` and spaces never reach the URI raw. */
function encode(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    throw new TypeError('issuer and accountName must be well-formed Unicode (no lone surrogates)');
  }
}

function decode(text: string, where: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new TypeError(`otpauth URI has bad percent-encoding in the ${where}`);
  }
}

/**
 * The label is `account` or `Issuer:account`. The separator is the first literal colon; a colon
 * inside the issuer or account arrives as `%3A` and is decoded after the split. A label with no
 * literal colon may still use an encoded one as the separator (the format allows both).
 */
function parseLabel(raw: string): { issuer: string | undefined; accountName: string } {
  if (raw === '') throw new TypeError('otpauth URI has an empty label (expected Issuer:account)');
  const literal = raw.indexOf(':');
  let issuer: string | undefined;
  let accountName: string;
  if (literal >= 0) {
    issuer = decode(raw.slice(0, literal), 'label');
    accountName = decode(raw.slice(literal + 1), 'label');
  } else {
    const label = decode(raw, 'label');
    const encoded = label.indexOf(':');
    issuer = encoded >= 0 ? label.slice(0, encoded) : undefined;
    accountName = encoded >= 0 ? label.slice(encoded + 1) : label;
  }
  // Apps show "Issuer: account", so a space after the colon is layout, not part of the name.
  accountName = accountName.replace(/^ +/, '');
  if (issuer === '') throw new TypeError('otpauth URI label has an empty issuer before the colon');
  if (accountName === '') throw new TypeError('otpauth URI label has an empty account name');
  return { issuer, accountName };
}

function parseQuery(query: string): Map<string, string> {
  const params = new Map<string, string>();
  if (query === '') return params;
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    const equals = pair.indexOf('=');
    const rawName = equals < 0 ? pair : pair.slice(0, equals);
    const rawValue = equals < 0 ? '' : pair.slice(equals + 1);
    const name = decode(rawName.replaceAll('+', ' '), 'query').toLowerCase();
    if (params.has(name)) throw new TypeError(`otpauth URI has the ${name} parameter more than once`);
    // `+` is a space in query strings (URLSearchParams writes issuers that way).
    params.set(name, decode(rawValue.replaceAll('+', ' '), `${name} parameter`));
  }
  return params;
}

function parseSecret(value: string | undefined): Uint8Array {
  if (value === undefined || value === '') throw new TypeError('otpauth URI has no secret parameter');
  let secret: Uint8Array;
  try {
    secret = decodeBase32(value);
  } catch (error) {
    throw new TypeError(`otpauth URI secret is not base32: ${(error as Error).message}`);
  }
  if (secret.length === 0) throw new TypeError('otpauth URI has an empty secret');
  return secret;
}

function parseAlgorithmParam(value: string | undefined): OtpAlgorithm {
  if (value === undefined) return DEFAULT_ALGORITHM;
  const algorithm = parseAlgorithm(value);
  if (algorithm === undefined) {
    throw new TypeError(`otpauth URI algorithm ${JSON.stringify(value)} is not SHA1, SHA256 or SHA512`);
  }
  return algorithm;
}

function parseDigitsParam(value: string | undefined): number {
  if (value === undefined) return DEFAULT_DIGITS;
  if (value !== '6' && value !== '7' && value !== '8') {
    throw new TypeError(`otpauth URI digits ${JSON.stringify(value)} is not 6, 7 or 8`);
  }
  return Number(value);
}

function parsePeriodParam(value: string | undefined): number {
  if (value === undefined) return DEFAULT_PERIOD_SECONDS;
  const period = /^[0-9]{1,9}$/.test(value) ? Number(value) : 0;
  if (period < 1)
    throw new TypeError(`otpauth URI period ${JSON.stringify(value)} is not a positive whole number`);
  return period;
}

function parseCounterParam(value: string | undefined): number {
  if (value === undefined) throw new TypeError('otpauth URI of type hotp has no counter parameter');
  const counter = /^[0-9]{1,16}$/.test(value) ? Number(value) : -1;
  if (!Number.isSafeInteger(counter) || counter < 0) {
    throw new TypeError(
      `otpauth URI counter ${JSON.stringify(value)} is not a whole number from 0 to 2^53 - 1`,
    );
  }
  return counter;
}
