import { describe, expect, test } from 'vitest';
import { registerCodeCommand } from '../../src/cli/code.js';
import type { CliIo } from '../../src/cli/io.js';
import { createProgram, runProgram } from '../../src/cli/program.js';
import { ManualClock } from '../../src/core/clock.js';
import { encodeBase32, OTP_ALGORITHMS } from '../../src/otp/index.js';
import { assertOathtoolInstalled, mapLimited, oathtoolTotp, seededRandom } from '../helpers/oathtool.js';

/** The RFC 4226 / RFC 6238 SHA-1 secret "12345678901234567890" in base32. */
const RFC_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';

interface Run {
  readonly exitCode: number;
  readonly out: string;
  readonly err: string;
}

/** Runs `twofold code …` in-process with a fixed clock and collects what it prints. */
async function twofold(args: readonly string[], clock = new ManualClock(1_111_111_109_000)): Promise<Run> {
  let out = '';
  let err = '';
  const io: CliIo = {
    env: {},
    out: (text) => {
      out += text;
    },
    err: (text) => {
      err += text;
    },
    readStdin: async () => '',
    stdinLines: async function* () {},
    isTty: false,
  };
  const program = createProgram(io);
  registerCodeCommand(program, io, clock);
  const exitCode = await runProgram(program, args, io);
  return { exitCode, out, err };
}

describe('twofold code', () => {
  test('prints the RFC 6238 Appendix B SHA256 code at 1234567890 (8 digits, --now in unix seconds)', async () => {
    const run = await twofold([
      'code',
      '--totp',
      '-b',
      RFC_SECRET,
      '--algorithm',
      'sha256',
      '--digits',
      '8',
      '--now',
      '1234567890',
    ]);
    // The RFC's SHA-256 seed is 32 bytes; with the 20-byte one oathtool prints 42829826.
    expect(run).toEqual({ exitCode: 0, out: '42829826\n', err: '' });
  });

  test.each([
    ['2009-02-13T23:31:30Z'],
    ['2009-02-13 23:31:30Z'],
    ['2009-02-13T23:31:30.999Z'],
    ['2009-02-14T00:31:30+01:00'],
    ['2009-02-13T18:31:30-0500'],
    ['1234567890'],
    ['1234567890.5'],
  ])('accepts --now %s (RFC 6238 Appendix B – SHA1 at 1234567890)', async (now) => {
    const run = await twofold(['code', '--totp', '-b', RFC_SECRET, '--digits', '8', '--now', now]);
    expect(run).toEqual({ exitCode: 0, out: '89005924\n', err: '' });
  });

  test('without --now it uses the clock', async () => {
    const run = await twofold(
      ['code', '--totp', '--base32', RFC_SECRET, '--digits=8'],
      new ManualClock(59_000),
    );
    expect(run).toEqual({ exitCode: 0, out: '94287082\n', err: '' });
  });

  test('accepts a lower-case secret with spaces, SHA512 in capitals and a period', async () => {
    const run = await twofold([
      'code',
      '--totp',
      '-b',
      'gezd gnbv gy3t qojq gezd gnbv gy3t qojq',
      '--algorithm',
      'SHA512',
      '--period',
      '60',
      '--now',
      '0',
    ]);
    expect(run.exitCode).toBe(0);
    expect(run.out).toMatch(/^\d{6}\n$/);
  });

  test('prints HOTP codes (RFC 4226 Appendix D – HOTP at count 9)', async () => {
    expect(await twofold(['code', '--hotp', '-b', RFC_SECRET, '--counter', '9'])).toEqual({
      exitCode: 0,
      out: '520489\n',
      err: '',
    });
  });

  test('--help prints the usage and exits 0', async () => {
    const run = await twofold(['code', '--help']);
    expect(run.exitCode).toBe(0);
    expect(run.out).toContain('Usage: twofold code [options]');
    expect(run.out).toContain('--base32 <secret>');
    expect(run.out).toContain('--now <time>');
  });

  test.each([
    [['--totp'], 'missing -b/--base32 <secret>'],
    [['-b', RFC_SECRET], 'choose --totp or --hotp'],
    [['--totp', '--hotp', '-b', RFC_SECRET], 'choose one of --totp and --hotp, not both'],
    [['--totp', '-b', 'GEZ1GNBV'], '-b/--base32 is not base32: invalid base32 character "1" at position 4'],
    [['--totp', '-b', 'GEZD-GNBV'], '-b/--base32 is not base32: invalid base32 character "-" at position 5'],
    [['--totp', '-b', ''], '-b/--base32 is empty'],
    [['--totp', '-b', RFC_SECRET, '--digits', '9'], '--digits must be 6, 7 or 8, not "9"'],
    [
      ['--totp', '-b', RFC_SECRET, '--algorithm', 'md5'],
      '--algorithm must be sha1, sha256 or sha512, not "md5"',
    ],
    [
      ['--totp', '-b', RFC_SECRET, '--period', '0'],
      '--period must be a whole number of seconds, 1 or more, not "0"',
    ],
    [
      ['--totp', '-b', RFC_SECRET, '--now', 'yesterday'],
      '--now must be ISO-8601 (2009-02-13T23:31:30Z) or unix seconds, not "yesterday"',
    ],
    [
      ['--totp', '-b', RFC_SECRET, '--now', '-5'],
      '--now must be ISO-8601 (2009-02-13T23:31:30Z) or unix seconds, not "-5"',
    ],
    [
      ['--totp', '-b', RFC_SECRET, '--now', '2009-02-13T23:31:30'],
      '--now needs a time zone (Z or +hh:mm), as in 2009-02-13T23:31:30Z, not "2009-02-13T23:31:30"',
    ],
    [
      ['--totp', '-b', RFC_SECRET, '--now', '2009-02-30T00:00:00Z'],
      '--now is not a real date and time: "2009-02-30T00:00:00Z"',
    ],
    [
      ['--totp', '-b', RFC_SECRET, '--now', '1969-12-31T23:59:59Z'],
      '--now must not be before 1970, not "1969-12-31T23:59:59Z"',
    ],
    [['--totp', '-b', RFC_SECRET, '--counter', '1'], '--counter applies to --hotp only'],
    [['--hotp', '-b', RFC_SECRET], '--hotp needs --counter <n>'],
    [
      ['--hotp', '-b', RFC_SECRET, '--counter', 'x'],
      '--counter must be a whole number from 0 to 2^53 - 1, not "x"',
    ],
    [['--hotp', '-b', RFC_SECRET, '--counter', '1', '--period', '30'], '--period applies to --totp only'],
    [['--hotp', '-b', RFC_SECRET, '--counter', '1', '--now', '0'], '--now applies to --totp only'],
  ])('%j exits 2 with one line naming the problem', async (args, message) => {
    expect(await twofold(['code', ...args])).toEqual({ exitCode: 2, out: '', err: `twofold: ${message}\n` });
  });

  test('an unknown option exits 2 (commander says which)', async () => {
    const run = await twofold(['code', '--totp', '-b', RFC_SECRET, '--frobnicate']);
    expect(run.exitCode).toBe(2);
    expect(run.out).toBe('');
    expect(run.err).toMatch(/unknown option '--frobnicate'/);
  });
});

describe('twofold code agrees with oathtool', () => {
  const random = seededRandom(0xc0de);
  const cases = Array.from({ length: 18 }, (_, i) => ({
    secretBase32: encodeBase32(
      Uint8Array.from({ length: 20 + (i % 3) * 12 }, () => Math.floor(random() * 256)),
    ),
    unixSeconds: Math.floor(random() * 4_000_000_000),
    algorithm: OTP_ALGORITHMS[i % 3]!,
    digits: 6 + (Math.floor(i / 3) % 3),
    periodSeconds: i % 2 === 0 ? 30 : 60,
  }));

  test(`${cases.length} random secrets, times, algorithms and digit counts`, async () => {
    await assertOathtoolInstalled(); // fails, never skips, when oathtool is missing
    const expected = await mapLimited(cases, 16, oathtoolTotp);
    const ours = [];
    for (const [i, c] of cases.entries()) {
      // Half the cases give --now as ISO-8601, half as unix seconds.
      const now = i % 2 === 0 ? new Date(c.unixSeconds * 1000).toISOString() : String(c.unixSeconds);
      const run = await twofold([
        'code',
        '--totp',
        '-b',
        c.secretBase32,
        '--algorithm',
        c.algorithm,
        '--digits',
        String(c.digits),
        '--period',
        String(c.periodSeconds),
        '--now',
        now,
      ]);
      ours.push(run.exitCode === 0 ? run.out.trim() : run.err);
    }
    expect(ours).toEqual(expected);
  });
});
