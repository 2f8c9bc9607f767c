import type { Command } from 'commander';
import { type Clock, systemClock } from '../core/clock.js';
import { decodeBase32, generateHotp, generateTotp, type OtpAlgorithm, parseAlgorithm } from '../otp/index.js';
import { type CliIo, UsageError } from './io.js';

/** The options of `twofold code` as commander hands them over: flags and unparsed strings. */
export interface CodeCommandOptions {
  readonly totp?: boolean;
  readonly hotp?: boolean;
  readonly base32?: string;
  readonly algorithm?: string;
  readonly digits?: string;
  readonly period?: string;
  readonly now?: string;
  readonly counter?: string;
}

/**
 * `twofold code`: prints one TOTP or HOTP code, the same one `oathtool` prints for the same
 * inputs, so either tool can check the other.
 */
export function registerCodeCommand(program: Command, io: CliIo, clock: Clock = systemClock): void {
  program
    .command('code')
    .description('print the TOTP or HOTP code for a base32 secret (like oathtool)')
    .option('--totp', 'time-based code (RFC 6238)')
    .option('--hotp', 'counter-based code (RFC 4226)')
    .option('-b, --base32 <secret>', 'the shared secret in base32 (any case, spaces allowed)')
    .option('--algorithm <name>', 'sha1, sha256 or sha512 (default sha1)')
    .option('--digits <n>', '6, 7 or 8 (default 6)')
    .option('--period <seconds>', 'TOTP time step (default 30)')
    .option('--now <time>', 'TOTP time: ISO-8601 (2009-02-13T23:31:30Z) or unix seconds (default: now)')
    .option('--counter <n>', 'HOTP counter')
    .action((options: CodeCommandOptions) => {
      io.out(`${runCodeCommand(options, clock)}\n`);
    });
}

/** The code `twofold code` prints for these options; bad input throws `UsageError`. */
export function runCodeCommand(options: CodeCommandOptions, clock: Clock): string {
  if (options.totp && options.hotp) throw new UsageError('choose one of --totp and --hotp, not both');
  if (!options.totp && !options.hotp) throw new UsageError('choose --totp or --hotp');
  const secret = parseSecret(options.base32);
  const algorithm = parseAlgorithmOption(options.algorithm);
  const digits = parseDigits(options.digits);

  if (options.hotp) {
    if (options.period !== undefined) throw new UsageError('--period applies to --totp only');
    if (options.now !== undefined) throw new UsageError('--now applies to --totp only');
    if (options.counter === undefined) throw new UsageError('--hotp needs --counter <n>');
    return generateHotp({ secret, counter: parseCounter(options.counter), algorithm, digits });
  }
  if (options.counter !== undefined) throw new UsageError('--counter applies to --hotp only');
  const periodSeconds = parsePeriod(options.period);
  const atMillis = options.now === undefined ? clock.now() : parseNow(options.now);
  return generateTotp({ secret, atMillis, algorithm, digits, periodSeconds });
}

function parseSecret(text: string | undefined): Uint8Array {
  if (text === undefined) throw new UsageError('missing -b/--base32 <secret>');
  let secret: Uint8Array;
  try {
    secret = decodeBase32(text);
  } catch (error) {
    throw new UsageError(`-b/--base32 is not base32: ${(error as Error).message}`);
  }
  if (secret.length === 0) throw new UsageError('-b/--base32 is empty');
  return secret;
}

function parseAlgorithmOption(text: string | undefined): OtpAlgorithm {
  if (text === undefined) return 'sha1';
  const algorithm = parseAlgorithm(text);
  if (algorithm === undefined) {
    throw new UsageError(`--algorithm must be sha1, sha256 or sha512, not ${JSON.stringify(text)}`);
  }
  return algorithm;
}

function parseDigits(text: string | undefined): number {
  if (text === undefined) return 6;
  if (text !== '6' && text !== '7' && text !== '8') {
    throw new UsageError(`--digits must be 6, 7 or 8, not ${JSON.stringify(text)}`);
  }
  return Number(text);
}

function parsePeriod(text: string | undefined): number {
  if (text === undefined) return 30;
  const period = /^[0-9]{1,9}$/.test(text) ? Number(text) : 0;
  if (period < 1)
    throw new UsageError(
      `--period must be a whole number of seconds, 1 or more, not ${JSON.stringify(text)}`,
    );
  return period;
}

function parseCounter(text: string): number {
  const counter = /^[0-9]{1,16}$/.test(text) ? Number(text) : -1;
  if (!Number.isSafeInteger(counter) || counter < 0) {
    throw new UsageError(`--counter must be a whole number from 0 to 2^53 - 1, not ${JSON.stringify(text)}`);
  }
  return counter;
}

/** `YYYY-MM-DD`, optionally followed by a time of day that must then carry a zone. */
const ISO_8601 =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(?:([Zz])|([+-])(\d{2}):?(\d{2}))?)?$/;

/**
 * Unix seconds (`1234567890`, fractions allowed) or an ISO-8601 date or date-time. A time of day
 * without `Z` or an offset is refused rather than guessed: local time would give a code that
 * depends on the machine's time zone.
 */
function parseNow(text: string): number {
  if (/^[0-9]{1,15}(\.[0-9]+)?$/.test(text)) return Number(text) * 1000;
  const match = ISO_8601.exec(text);
  if (!match) {
    throw new UsageError(
      `--now must be ISO-8601 (2009-02-13T23:31:30Z) or unix seconds, not ${JSON.stringify(text)}`,
    );
  }
  const [
    ,
    year,
    month,
    day,
    hour,
    minute,
    second = '0',
    fraction = '0',
    zulu,
    sign,
    offsetHours,
    offsetMinutes,
  ] = match;
  if (hour !== undefined && zulu === undefined && sign === undefined) {
    throw new UsageError(
      `--now needs a time zone (Z or +hh:mm), as in 2009-02-13T23:31:30Z, not ${JSON.stringify(text)}`,
    );
  }
  const y = Number(year);
  const m = Number(month);
  const d = Number(day);
  const h = Number(hour ?? 0);
  const min = Number(minute ?? 0);
  const s = Number(second);
  const daysInMonth = m >= 1 && m <= 12 ? new Date(Date.UTC(y, m, 0)).getUTCDate() : 0;
  const offset =
    sign === undefined ? 0 : (sign === '-' ? -1 : 1) * (Number(offsetHours) * 60 + Number(offsetMinutes));
  if (d < 1 || d > daysInMonth || h > 23 || min > 59 || s > 59 || Math.abs(offset) >= 24 * 60) {
    throw new UsageError(`--now is not a real date and time: ${JSON.stringify(text)}`);
  }
  const millis =
    Date.UTC(y, m - 1, d, h, min, s) + Math.floor(Number(`0.${fraction}`) * 1000) - offset * 60_000;
  // Date.UTC reads years 0–99 as 1900–1999, so the year is checked as written too.
  if (y < 1970 || millis < 0)
    throw new UsageError(`--now must not be before 1970, not ${JSON.stringify(text)}`);
  return millis;
}
