// Test vectors copied from the RFCs, as data. Tests name the section they come from.
import type { OtpAlgorithm } from '../../src/otp/index.js';

/**
 * RFC 4226 Appendix D – HOTP Algorithm: Test Values.
 * Secret = the ASCII string "12345678901234567890" (0x3132333435363738393031323334353637383930).
 */
export const RFC4226_SECRET = '12345678901234567890';

export interface Rfc4226Vector {
  readonly count: number;
  /** Table 1: HMAC-SHA-1(secret, count) in hex. */
  readonly hmacSha1: string;
  /** Table 2: the truncated value in hex, as the RFC prints it (no leading zeros). */
  readonly truncatedHex: string;
  /** Table 2: the truncated value in decimal. */
  readonly truncatedDecimal: number;
  /** Table 2: the 6-digit HOTP value. */
  readonly hotp: string;
}

// biome-ignore format: the RFC's tables, one row a line
export const RFC4226_APPENDIX_D: readonly Rfc4226Vector[] = [
  { count: 0, hmacSha1: 'cc93cf18508d94934c64b65d8ba7667fb7cde4b0', truncatedHex: '4c93cf18', truncatedDecimal: 1284755224, hotp: '755224' },
  { count: 1, hmacSha1: '75a48a19d4cbe100644e8ac1397eea747a2d33ab', truncatedHex: '41397eea', truncatedDecimal: 1094287082, hotp: '287082' },
  { count: 2, hmacSha1: '0bacb7fa082fef30782211938bc1c5e70416ff44', truncatedHex: '82fef30', truncatedDecimal: 137359152, hotp: '359152' },
  { count: 3, hmacSha1: '66c28227d03a2d5529262ff016a1e6ef76557ece', truncatedHex: '66ef7655', truncatedDecimal: 1726969429, hotp: '969429' },
  { count: 4, hmacSha1: 'a904c900a64b35909874b33e61c5938a8e15ed1c', truncatedHex: '61c5938a', truncatedDecimal: 1640338314, hotp: '338314' },
  { count: 5, hmacSha1: 'a37e783d7b7233c083d4f62926c7a25f238d0316', truncatedHex: '33c083d4', truncatedDecimal: 868254676, hotp: '254676' },
  { count: 6, hmacSha1: 'bc9cd28561042c83f219324d3c607256c03272ae', truncatedHex: '7256c032', truncatedDecimal: 1918287922, hotp: '287922' },
  { count: 7, hmacSha1: 'a4fb960c0bc06e1eabb804e5b397cdc4b45596fa', truncatedHex: '4e5b397', truncatedDecimal: 82162583, hotp: '162583' },
  { count: 8, hmacSha1: '1b3c89f65e6c9e883012052823443f048b4332db', truncatedHex: '2823443f', truncatedDecimal: 673399871, hotp: '399871' },
  { count: 9, hmacSha1: '1637409809a679dc698207310c8c7fc07290d9e5', truncatedHex: '2679dc69', truncatedDecimal: 645520489, hotp: '520489' },
];

/**
 * RFC 6238 Appendix B – Test Vectors: 8 digits, X = 30 s, T0 = 0.
 * The seeds are those of the RFC's reference code (Appendix A): the ASCII digits repeated to 20,
 * 32 and 64 bytes for HMAC-SHA1, -SHA256 and -SHA512. (The table's prose names only the 20-byte
 * seed; the published values come from the longer ones.)
 */
export const RFC6238_SECRETS: Readonly<Record<OtpAlgorithm, string>> = {
  sha1: '12345678901234567890',
  sha256: '12345678901234567890123456789012',
  sha512: '1234567890123456789012345678901234567890123456789012345678901234',
};

export interface Rfc6238Vector {
  /** Unix time in seconds. */
  readonly time: number;
  /** The UTC time column. */
  readonly utc: string;
  /** The T column: the time step in hex, 16 digits. */
  readonly stepHex: string;
  readonly totp: string;
  readonly algorithm: OtpAlgorithm;
}

// biome-ignore format: the RFC's table, one row a line
export const RFC6238_APPENDIX_B: readonly Rfc6238Vector[] = [
  { time: 59, utc: '1970-01-01 00:00:59', stepHex: '0000000000000001', totp: '94287082', algorithm: 'sha1' },
  { time: 59, utc: '1970-01-01 00:00:59', stepHex: '0000000000000001', totp: '46119246', algorithm: 'sha256' },
  { time: 59, utc: '1970-01-01 00:00:59', stepHex: '0000000000000001', totp: '90693936', algorithm: 'sha512' },
  { time: 1111111109, utc: '2005-03-18 01:58:29', stepHex: '00000000023523EC', totp: '07081804', algorithm: 'sha1' },
  { time: 1111111109, utc: '2005-03-18 01:58:29', stepHex: '00000000023523EC', totp: '68084774', algorithm: 'sha256' },
  { time: 1111111109, utc: '2005-03-18 01:58:29', stepHex: '00000000023523EC', totp: '25091201', algorithm: 'sha512' },
  { time: 1111111111, utc: '2005-03-18 01:58:31', stepHex: '00000000023523ED', totp: '14050471', algorithm: 'sha1' },
  { time: 1111111111, utc: '2005-03-18 01:58:31', stepHex: '00000000023523ED', totp: '67062674', algorithm: 'sha256' },
  { time: 1111111111, utc: '2005-03-18 01:58:31', stepHex: '00000000023523ED', totp: '99943326', algorithm: 'sha512' },
  { time: 1234567890, utc: '2009-02-13 23:31:30', stepHex: '000000000273EF07', totp: '89005924', algorithm: 'sha1' },
  { time: 1234567890, utc: '2009-02-13 23:31:30', stepHex: '000000000273EF07', totp: '91819424', algorithm: 'sha256' },
  { time: 1234567890, utc: '2009-02-13 23:31:30', stepHex: '000000000273EF07', totp: '93441116', algorithm: 'sha512' },
  { time: 2000000000, utc: '2033-05-18 03:33:20', stepHex: '0000000003F940AA', totp: '69279037', algorithm: 'sha1' },
  { time: 2000000000, utc: '2033-05-18 03:33:20', stepHex: '0000000003F940AA', totp: '90698825', algorithm: 'sha256' },
  { time: 2000000000, utc: '2033-05-18 03:33:20', stepHex: '0000000003F940AA', totp: '38618901', algorithm: 'sha512' },
  { time: 20000000000, utc: '2603-10-11 11:33:20', stepHex: '0000000027BC86AA', totp: '65353130', algorithm: 'sha1' },
  { time: 20000000000, utc: '2603-10-11 11:33:20', stepHex: '0000000027BC86AA', totp: '77737706', algorithm: 'sha256' },
  { time: 20000000000, utc: '2603-10-11 11:33:20', stepHex: '0000000027BC86AA', totp: '47863826', algorithm: 'sha512' },
];
