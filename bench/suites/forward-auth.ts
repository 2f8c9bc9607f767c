// Forward-auth decisions for signed-in people (issue 31): a reverse proxy asks
// GET /api/authz/forward-auth before each request to a protected site, with the browser's
// session cookie and the URL asked for. Twofold finds the site, reads the session, applies the
// site's MFA policy and the person's choice, and answers 200 with the Remote-* headers. Beside
// it, in the same run: a bare Fastify route that reads the same headers and answers the same
// ones, doing nothing else (the ceiling).

import { Core, systemClock } from '../../src/core/index.js';
import { Keyring } from '../../src/security/index.js';
import { migrateToLatest, openDatabase, Store } from '../../src/store/index.js';
import { startBare } from '../cases.js';
import { scratchDir } from '../fixtures.js';
import {
  type Case,
  type ChildServer,
  fmt,
  type Goal,
  load,
  log,
  MASTER_KEY,
  measureCases,
  round,
  type SuiteResult,
  startTwofold,
  statsTable,
} from '../harness.js';

const PEOPLE = 1000;
const SITE_URL = 'https://wiki.bench.test/page/1';

/** A database with a required-MFA site and PEOPLE browser sessions that proved two factors. */
async function prepare(dataDir: string): Promise<string[]> {
  const keyring = Keyring.fromKeys([Buffer.from(MASTER_KEY, 'base64')]);
  const database = openDatabase({ dataDir });
  try {
    await migrateToLatest(database.db);
    const store = new Store(database.db);
    const core = new Core({
      store,
      keyring,
      clock: systemClock,
      settings: { publicUrl: 'http://127.0.0.1', issuer: 'Bench', setupLinkHours: 72 },
    });
    await core.services.register(
      { name: 'Wiki', kind: 'site', hosts: ['wiki.bench.test'], mfaPolicy: 'required' },
      'cli',
    );
    const tokens: string[] = [];
    for (let i = 0; i < PEOPLE; i++) {
      const { user } = await core.accounts.createUser({
        username: `person${i}`,
        email: `person${i}@bench.test`,
      });
      const session = await core.sessions.create({
        userId: user.id,
        kind: 'browser',
        stage: 'full',
        secondFactorAt: Date.now(),
        amr: ['pwd', 'otp'],
      });
      tokens.push(session.token);
    }
    return tokens;
  } finally {
    await database.db.destroy();
  }
}

function decisions(server: ChildServer, tokens: readonly string[]): Case {
  let next = 0;
  return {
    name: server.name,
    server,
    measure: (seconds) =>
      load({
        url: server.url,
        method: 'GET',
        path: '/api/authz/forward-auth',
        seconds,
        build: () => ({
          headers: {
            cookie: `twofold_session=${tokens[next++ % tokens.length]}`,
            'x-original-url': SITE_URL,
            accept: 'text/html',
          },
        }),
      }),
  };
}

export async function run(): Promise<SuiteResult> {
  const dataDir = scratchDir('forward-auth');
  log(`preparing ${PEOPLE} signed-in people and a site`);
  const tokens = await prepare(dataDir);
  const twofold = await startTwofold('twofold', dataDir);
  const bare = await startBare();
  try {
    // Twofold must say yes: a 302 would be measured as a refusal.
    const probe = await fetch(`${twofold.url}/api/authz/forward-auth`, {
      headers: { cookie: `twofold_session=${tokens[0]}`, 'x-original-url': SITE_URL },
      redirect: 'manual',
    });
    if (probe.status !== 200 || probe.headers.get('remote-user') !== 'person0') {
      throw new Error(`forward-auth answered ${probe.status} for a signed-in person`);
    }
    const stats = await measureCases([decisions(twofold, tokens), decisions(bare, tokens)]);
    const [own, ceiling] = stats as [(typeof stats)[0], (typeof stats)[0]];
    const share = own.perSecond / ceiling.perSecond;
    const goals: Goal[] = [
      {
        description: 'forward-auth decisions ≥ 50% of a bare Fastify route with the same headers',
        met: share >= 0.5 && own.failures === 0,
        measured: `${Math.round(share * 100)}% (${fmt(own.perSecond)}/s of ${fmt(ceiling.perSecond)}/s)`,
      },
    ];
    return {
      table: statsTable(stats, 'bare Fastify'),
      goals,
      data: {
        method: `${PEOPLE} browser sessions (two factors) cycled, one required-MFA site, 50 connections; median of rounds`,
        cases: stats,
        share: round(share, 3),
      },
    };
  } finally {
    await twofold.stop();
    await bare.stop();
  }
}
