// Footprint (issue 9, item 5): time from `twofold serve` to the first /healthz 200, and resident
// memory idle and under verify and login load.
import { loginCase, verifyCase } from '../cases.js';
import { scratchDir, sqliteDataDir, TEMPLATE_USERS } from '../fixtures.js';
import {
  CodePlan,
  failures,
  fmt,
  formatTable,
  type Goal,
  median,
  QUICK,
  round,
  rssMegabytes,
  type SuiteResult,
  sampleRss,
  startTwofold,
} from '../harness.js';

const STARTS = 3;
const SECONDS = QUICK ? 2 : 5;

export async function run(): Promise<SuiteResult> {
  const dataDir = await sqliteDataDir('footprint');
  const startsPopulated: number[] = [];
  const startsEmpty: number[] = [];
  for (let i = 0; i < STARTS; i++) {
    const empty = await startTwofold('twofold serve (empty data dir)', scratchDir('footprint-empty'));
    startsEmpty.push(empty.startMillis);
    await empty.stop();
    const populated = await startTwofold('twofold serve', dataDir);
    startsPopulated.push(populated.startMillis);
    await populated.stop();
  }
  const serve = await startTwofold('twofold serve', dataDir);
  try {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const idle = rssMegabytes(serve.process.pid!);
    const plan = new CodePlan({ from: 0, count: TEMPLATE_USERS });
    let stop = sampleRss(serve.process.pid!);
    const verifyRun = await verifyCase('verify', serve, plan).measure(SECONDS);
    const underVerify = stop();
    stop = sampleRss(serve.process.pid!);
    const loginRun = await loginCase(serve, plan).measure(SECONDS);
    const underLogin = stop();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const idleAfter = rssMegabytes(serve.process.pid!);
    const startMillis = median(startsPopulated);
    const peak = Math.max(underVerify, underLogin);
    const goals: Goal[] = [
      {
        description: 'resident memory under load ≤ 150 MB',
        met: peak <= 150,
        measured: `${Math.round(peak)} MB (verify ${Math.round(underVerify)}, login ${Math.round(underLogin)})`,
      },
      {
        description: '`twofold serve` to the first /healthz 200 ≤ 1.5 s',
        met: startMillis <= 1500,
        measured: `${fmt(startMillis)} ms (median of ${STARTS}, ${TEMPLATE_USERS.toLocaleString('en-US')}-user database)`,
      },
    ];
    const table = formatTable([
      ['measure', 'value'],
      [
        `start to /healthz 200, ${TEMPLATE_USERS.toLocaleString('en-US')} users (median of ${STARTS})`,
        `${fmt(startMillis)} ms`,
      ],
      [`start to /healthz 200, empty data dir (median of ${STARTS})`, `${fmt(median(startsEmpty))} ms`],
      ['RSS idle after start', `${round(idle, 0)} MB`],
      [`RSS peak, verify load (${fmt(verifyRun.perSecond)}/s)`, `${round(underVerify, 0)} MB`],
      [`RSS peak, login load (${fmt(loginRun.perSecond)}/s)`, `${round(underLogin, 0)} MB`],
      ['RSS idle after load', `${round(idleAfter, 0)} MB`],
    ]);
    return {
      table,
      data: {
        method:
          'Start: spawn `node bin/twofold.js serve` and poll GET /healthz every 5 ms until 200. RSS: idle is VmRSS ' +
          "from /proc/<pid>/status; a peak is the kernel's high-water mark VmHWM, reset through /proc/<pid>/clear_refs " +
          `before each of ${SECONDS} s of verify and then login load at 50 connections.`,
        startMillis: { populated: startsPopulated.map(Math.round), empty: startsEmpty.map(Math.round) },
        rssMegabytes: {
          idle: round(idle, 1),
          underVerifyLoad: round(underVerify, 1),
          underLoginLoad: round(underLogin, 1),
          idleAfterLoad: round(idleAfter, 1),
        },
        loadRuns: {
          verify: { perSecond: Math.round(verifyRun.perSecond), failures: failures(verifyRun) },
          login: { perSecond: Math.round(loginRun.perSecond), failures: failures(loginRun) },
        },
      },
      goals,
    };
  } finally {
    await serve.stop();
  }
}
