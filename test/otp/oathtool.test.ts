// Cross-check against oathtool: hundreds of random secrets, times, algorithms and digit counts,
// each computed by OATH Toolkit and by src/otp, which must agree exactly.
import { describe, expect, test } from 'vitest';
import {
  encodeBase32,
  generateHotp,
  generateTotp,
  OTP_ALGORITHMS,
  type OtpAlgorithm,
  verifyTotp,
} from '../../src/otp/index.js';
import {
  assertOathtoolInstalled,
  mapLimited,
  oathtoolHotp,
  oathtoolTotp,
  seededRandom,
} from '../helpers/oathtool.js';

const random = seededRandom(0x2f01d);
const randomInt = (below: number) => Math.floor(random() * below);
const randomSecret = () => {
  // 1 to 140 bytes: short keys, the usual 20/32/64, and keys longer than a SHA-512 block (128).
  const lengths = [20, 20, 32, 64, 10, 16, 1 + randomInt(140)];
  return Uint8Array.from({ length: lengths[randomInt(lengths.length)]! }, () => randomInt(256));
};
const PERIODS = [30, 30, 30, 60, 15, 1, 45, 3600];
const SPECIAL_TIMES = [0, 1, 29, 30, 59, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 20_000_000_000, 2 ** 32 * 30 + 7];
const randomTime = (i: number) => SPECIAL_TIMES[i] ?? randomInt(2 ** 35);

interface TotpCase {
  readonly secret: Uint8Array;
  readonly unixSeconds: number;
  readonly algorithm: OtpAlgorithm;
  readonly digits: number;
  readonly periodSeconds: number;
}

const TOTP_CASES: TotpCase[] = [];
for (const algorithm of OTP_ALGORITHMS) {
  for (const digits of [6, 7, 8]) {
    for (let i = 0; i < 30; i++) {
      TOTP_CASES.push({
        secret: randomSecret(),
        unixSeconds: randomTime(i),
        algorithm,
        digits,
        periodSeconds: PERIODS[randomInt(PERIODS.length)]!,
      });
    }
  }
}
const HOTP_CASES = Array.from({ length: 30 }, (_, i) => ({
  secret: randomSecret(),
  counter: i < 3 ? [0, 2 ** 32 - 1, 2 ** 32][i]! : randomInt(2 ** 40),
  digits: 6 + (i % 3),
}));

const describeCase = (c: TotpCase) =>
  `${c.algorithm} ${c.digits} digits ${c.periodSeconds}s at ${c.unixSeconds} with ${encodeBase32(c.secret, { padding: false })}`;

describe('cross-check with oathtool', () => {
  test(`TOTP: ${TOTP_CASES.length} random cases (sha1/sha256/sha512 × 6/7/8 digits) give oathtool's code`, async () => {
    await assertOathtoolInstalled(); // fails, never skips, when oathtool is missing
    const expected = await mapLimited(TOTP_CASES, 16, (c) =>
      oathtoolTotp({ ...c, secretBase32: encodeBase32(c.secret, { padding: false }) }),
    );
    const mismatches: string[] = [];
    TOTP_CASES.forEach((c, i) => {
      const atMillis = c.unixSeconds * 1000;
      const ours = generateTotp({ ...c, atMillis });
      if (ours !== expected[i]) mismatches.push(`${describeCase(c)}: oathtool ${expected[i]}, ours ${ours}`);
      const verified = verifyTotp({ ...c, code: expected[i]!, atMillis, windowSteps: 0 });
      if (!verified.valid)
        mismatches.push(`${describeCase(c)}: verifyTotp refused oathtool's ${expected[i]}`);
    });
    expect(mismatches).toEqual([]);
    expect(expected.every((code, i) => code.length === TOTP_CASES[i]!.digits)).toBe(true);
  });

  test(`HOTP: ${HOTP_CASES.length} random cases (sha1 × 6/7/8 digits) give oathtool's code`, async () => {
    await assertOathtoolInstalled(); // fails, never skips, when oathtool is missing
    const expected = await mapLimited(HOTP_CASES, 16, (c) =>
      oathtoolHotp({ ...c, secretBase32: encodeBase32(c.secret) }),
    );
    expect(HOTP_CASES.map((c) => generateHotp(c))).toEqual(expected);
  });
});
