// TOTP speed, side by side in one process: the raw HMAC-SHA1 ceiling, src/otp and its peers
// (otpauth, otplib, speakeasy, @oslojs/otp), each given the fastest input its API accepts
// (raw key bytes where it takes them). Every case is checked for the right answer first.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { generateTOTP, verifyTOTPWithGracePeriod } from '@oslojs/otp';
import * as OTPAuth from 'otpauth';
import { type CryptoPlugin, generateSync, verifySync } from 'otplib';
import speakeasy from 'speakeasy';
import { encodeBase32, generateTotp, verifyTotp } from '../../src/otp/index.js';
import type { Goal, SuiteResult } from '../harness.js';

/**
 * Measurement rounds; the median is reported. Cases take turns within a round, each round
 * starting at another case, so background load and clock-speed changes spread over all cases
 * instead of landing on whichever runs at a fixed position.
 */
const ROUNDS = 7;
const ROUND_MILLIS = 80;
const WARMUP_MILLIS = 150;
const BATCH = 64;

const PERIOD_MILLIS = 30_000;
/** A fixed instant in the middle of a step, for the libraries that take the time as an argument. */
const AT_MILLIS = 1_700_000_010_000;
const AT_SECONDS = AT_MILLIS / 1000;

const key = randomBytes(20);
const keyBase32 = encodeBase32(key, { padding: false });
const otpauthSecret = OTPAuth.Secret.fromHex(key.toString('hex'));

/** Same HMAC as otplib's default (noble, pure JS) but through node:crypto, for a fair second row. */
const otplibNodeCrypto: CryptoPlugin = {
  name: 'node',
  hmac: (algorithm, hmacKey, data) => createHmac(algorithm, hmacKey).update(data).digest(),
  randomBytes: (length) => randomBytes(length),
  constantTimeEqual: (a, b) => {
    const x = typeof a === 'string' ? Buffer.from(a) : a;
    const y = typeof b === 'string' ? Buffer.from(b) : b;
    return x.length === y.length && timingSafeEqual(x, y);
  },
};

type Operation = 'generate' | 'verify valid' | 'verify invalid';
const OPERATIONS: readonly Operation[] = ['generate', 'verify valid', 'verify invalid'];

interface Contender {
  readonly name: string;
  readonly peer: boolean;
  /** The instant the library computes at: fixed, or the real clock for @oslojs/otp, which reads it. */
  readonly atMillis: () => number;
  generate(): string;
  verify(code: string): boolean;
}

const contenders: readonly Contender[] = [
  {
    name: 'twofold',
    peer: false,
    atMillis: () => AT_MILLIS,
    generate: () => generateTotp({ secret: key, atMillis: AT_MILLIS }),
    verify: (code) => verifyTotp({ code, secret: key, atMillis: AT_MILLIS, windowSteps: 1 }).valid,
  },
  {
    name: 'twofold (base32 secret)',
    peer: false,
    atMillis: () => AT_MILLIS,
    generate: () => generateTotp({ secret: keyBase32, atMillis: AT_MILLIS }),
    verify: (code) => verifyTotp({ code, secret: keyBase32, atMillis: AT_MILLIS, windowSteps: 1 }).valid,
  },
  {
    name: 'otpauth',
    peer: true,
    atMillis: () => AT_MILLIS,
    generate: () => OTPAuth.TOTP.generate({ secret: otpauthSecret, timestamp: AT_MILLIS }),
    verify: (token) =>
      OTPAuth.TOTP.validate({ token, secret: otpauthSecret, timestamp: AT_MILLIS, window: 1 }) !== null,
  },
  {
    name: 'otplib',
    peer: true,
    atMillis: () => AT_MILLIS,
    generate: () => generateSync({ secret: key, epoch: AT_SECONDS }),
    verify: (token) => verifySync({ secret: key, token, epoch: AT_SECONDS, epochTolerance: 30 }).valid,
  },
  {
    name: 'otplib (node:crypto plugin)',
    peer: true,
    atMillis: () => AT_MILLIS,
    generate: () => generateSync({ secret: key, epoch: AT_SECONDS, crypto: otplibNodeCrypto }),
    verify: (token) =>
      verifySync({ secret: key, token, epoch: AT_SECONDS, epochTolerance: 30, crypto: otplibNodeCrypto })
        .valid,
  },
  {
    name: 'speakeasy',
    peer: true,
    atMillis: () => AT_MILLIS,
    // speakeasy's types say string, but it takes a Buffer as the raw key (and skips decoding).
    generate: () => speakeasy.totp({ secret: key as unknown as string, time: AT_SECONDS }),
    verify: (token) =>
      speakeasy.totp.verifyDelta({ secret: key as unknown as string, token, time: AT_SECONDS, window: 1 }) !==
      undefined,
  },
  {
    name: '@oslojs/otp',
    peer: true,
    // Its TOTP functions read Date.now() themselves; a ±30 s grace period is the ±1 step window.
    atMillis: () => Date.now(),
    generate: () => generateTOTP(key, 30, 6),
    verify: (otp) => verifyTOTPWithGracePeriod(key, 30, 6, otp, 30),
  },
];

interface Case {
  readonly contender: string;
  readonly operation: Operation | 'ceiling';
  /** Called before each round: fixes the codes for the instant the library will see. */
  prepare(): () => unknown;
}

/** Codes are recomputed per round so a library that reads the clock still gets a current code. */
function casesFor(contender: Contender): Case[] {
  const codesNow = () => {
    const at = contender.atMillis();
    const valid = generateTotp({ secret: key, atMillis: at });
    return { valid, invalid: codeOutsideWindow(at) };
  };
  return OPERATIONS.map((operation) => ({
    contender: contender.name,
    operation,
    prepare: () => {
      const { valid, invalid } = codesNow();
      if (operation === 'generate') {
        check(contender.generate() === valid, `${contender.name} generated a wrong code`);
        return () => contender.generate();
      }
      const code = operation === 'verify valid' ? valid : invalid;
      check(
        contender.verify(code) === (operation === 'verify valid'),
        `${contender.name} ${operation} gave the wrong answer`,
      );
      return () => contender.verify(code);
    },
  }));
}

/** The ceiling: one HMAC-SHA1 of an 8-byte counter, what one TOTP check cannot avoid. */
const ceiling: Case = {
  contender: 'node:crypto createHmac (1 HMAC-SHA1)',
  operation: 'ceiling',
  prepare: () => {
    const counter = Buffer.alloc(8);
    counter.writeUInt32BE(Math.floor(AT_MILLIS / PERIOD_MILLIS), 4);
    return () => createHmac('sha1', key).update(counter).digest();
  },
};

/** A 6-digit code that matches no step within ±2 of the instant. */
function codeOutsideWindow(atMillis: number): string {
  const near = new Set<string>();
  for (let delta = -2; delta <= 2; delta++)
    near.add(generateTotp({ secret: key, atMillis: atMillis + delta * PERIOD_MILLIS }));
  for (let n = 0; ; n++) {
    const code = String(n).padStart(6, '0');
    if (!near.has(code)) return code;
  }
}

function check(ok: boolean, message: string): void {
  if (!ok) throw new Error(`bench sanity check failed: ${message}`);
}

let sink: unknown;

// A full collection before each measurement, so one case's garbage is not paid for by the next
// (the script runs without --expose-gc, so the flag is set here).
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/** Calls per second of `fn` over about `millis` milliseconds. */
function measure(fn: () => unknown, millis: number): number {
  collectGarbage();
  const budget = BigInt(millis) * 1_000_000n;
  const start = process.hrtime.bigint();
  let calls = 0;
  let elapsed = 0n;
  do {
    for (let i = 0; i < BATCH; i++) sink = fn();
    calls += BATCH;
    elapsed = process.hrtime.bigint() - start;
  } while (elapsed < budget);
  return (calls * 1e9) / Number(elapsed);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export async function run(): Promise<SuiteResult> {
  const cases = [ceiling, ...contenders.flatMap(casesFor)];
  for (const c of cases) measure(c.prepare(), WARMUP_MILLIS);
  const samples = new Map<Case, number[]>(cases.map((c) => [c, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (let i = 0; i < cases.length; i++) {
      const c = cases[(i + round * 7) % cases.length]!;
      samples.get(c)!.push(measure(c.prepare(), ROUND_MILLIS));
    }
  }
  if (sink === Symbol.for('never')) process.stdout.write('');

  const opsPerSecond = (contender: string, operation: Case['operation']) =>
    median(samples.get(cases.find((c) => c.contender === contender && c.operation === operation)!)!);
  const ceilingOps = opsPerSecond(ceiling.contender, 'ceiling');
  const results = contenders.map((contender) => ({
    library: contender.name,
    peer: contender.peer,
    opsPerSecond: Object.fromEntries(
      OPERATIONS.map((operation) => [operation, Math.round(opsPerSecond(contender.name, operation))]),
    ) as Record<Operation, number>,
  }));
  const ours = results.find((r) => r.library === 'twofold')!;
  const peers = results.filter((r) => r.peer);
  const fastestPeer = Object.fromEntries(
    OPERATIONS.map((operation) => {
      const best = peers.reduce((a, b) => (b.opsPerSecond[operation] > a.opsPerSecond[operation] ? b : a));
      return [operation, { library: best.library, opsPerSecond: best.opsPerSecond[operation] }];
    }),
  ) as Record<Operation, { library: string; opsPerSecond: number }>;
  const ratios = {
    vsFastestPeer: Object.fromEntries(
      OPERATIONS.map((operation) => [
        operation,
        round2(ours.opsPerSecond[operation] / fastestPeer[operation].opsPerSecond),
      ]),
    ),
    vsCeiling: Object.fromEntries(
      OPERATIONS.map((operation) => [operation, round2(ours.opsPerSecond[operation] / ceilingOps)]),
    ),
  } as { vsFastestPeer: Record<Operation, number>; vsCeiling: Record<Operation, number> };

  const goals: Goal[] = [
    {
      description: 'verify valid ≥ 1.3× the fastest peer',
      met: ratios.vsFastestPeer['verify valid'] >= 1.3,
      measured: `${ratios.vsFastestPeer['verify valid']}× (${fastestPeer['verify valid'].library})`,
    },
    {
      description: 'verify invalid ≥ 1.3× the fastest peer',
      met: ratios.vsFastestPeer['verify invalid'] >= 1.3,
      measured: `${ratios.vsFastestPeer['verify invalid']}× (${fastestPeer['verify invalid'].library})`,
    },
    {
      description: 'verify valid ≥ 0.8× the one-HMAC ceiling',
      met: ratios.vsCeiling['verify valid'] >= 0.8,
      measured: `${ratios.vsCeiling['verify valid']}×`,
    },
  ];

  return {
    table: formatTable(ceilingOps, results, ratios),
    data: {
      method: `median of ${ROUNDS} rounds of ${ROUND_MILLIS} ms per case, cases interleaved; TOTP SHA-1, 6 digits, 30 s, window ±1 step, 20-byte key`,
      ceiling: { description: ceiling.contender, opsPerSecond: Math.round(ceilingOps) },
      results,
      fastestPeer,
      ratios,
    },
    goals,
  };
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

function formatTable(
  ceilingOps: number,
  results: ReadonlyArray<{ library: string; peer: boolean; opsPerSecond: Record<Operation, number> }>,
  ratios: { vsFastestPeer: Record<Operation, number>; vsCeiling: Record<Operation, number> },
): string {
  const ops = (n: number) => Math.round(n).toLocaleString('en-US');
  const rows: string[][] = [['library (ops/s)', ...OPERATIONS]];
  rows.push([ceiling.contender, ops(ceilingOps), '', '']);
  for (const r of results) rows.push([r.library, ...OPERATIONS.map((o) => ops(r.opsPerSecond[o]))]);
  rows.push(['twofold ÷ fastest peer', ...OPERATIONS.map((o) => `${ratios.vsFastestPeer[o]}×`)]);
  rows.push(['twofold ÷ ceiling', ...OPERATIONS.map((o) => `${ratios.vsCeiling[o]}×`)]);
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows
    .map((row) =>
      row
        .map((cell, column) => (column === 0 ? cell.padEnd(widths[0]!) : cell.padStart(widths[column]!)))
        .join('  '),
    )
    .join('\n');
}
