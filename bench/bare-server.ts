// The HTTP ceiling: a bare Fastify 5 app with one route that reads the same JSON body and the
// same bearer header as POST /api/v1/me/verify and answers the same JSON, doing nothing else.
//
// With DATABASE_URL, the PostgreSQL floor over HTTP instead: the route also reads a session by
// its token's hash and then runs the accepted-step UPDATE with a step higher than any before
// (pool of 10, as `twofold serve`), on the rows of the bench users FLOOR_FROM … FLOOR_FROM +
// FLOOR_COUNT - 1 — the least a verification against shared state must do: authenticate the
// token, record the step. No user, counter, secret, audit or proof (bench/suites/pg.ts).
//
// With SQLITE_FILE, the same floor on SQLite (the http suite): both statements on a copy of the
// bench database, the UPDATEs of one event-loop turn committed together, with no fsync at all
// (synchronous=OFF) — more than any server that answers after its write is durable can do.
//
// With LOGIN_HASH, the login floor (the login suite): POST /api/v1/login checks the body's
// password, less the six-digit code typed after it, against that argon2id hash with
// @node-rs/argon2 on libuv's pool (sized by the bench, one thread per core, as the ceiling's) —
// the least a password login over HTTP must do. No user, session, code, throttle or write.

import { randomBytes } from 'node:crypto';
import { verify } from '@node-rs/argon2';
import SQLite from 'better-sqlite3';
import Fastify from 'fastify';
import pg from 'pg';
import { ACCEPT_STEP, FIND_SESSION, FLOOR_ROWS, SQLITE } from './accept-step.js';

/** The floor's work for one request, when this server is a floor; whether it did its part. */
const floorWork = process.env.SQLITE_FILE ? sqliteFloor(process.env.SQLITE_FILE) : await postgresFloor();
const app = Fastify({ logger: false });
app.get('/healthz', async () => ({ status: 'ok' }));
// The forward-auth ceiling (bench/suites/forward-auth.ts): read the cookie and the URL asked
// for, answer 200 with the identity headers Twofold sends. No session, site or policy.
app.get('/api/authz/forward-auth', async (request, reply) => {
  if (!request.headers.cookie || !request.headers['x-original-url']) throw new Error('no cookie or URL');
  reply.header('cache-control', 'no-store');
  reply.header('remote-user', 'user1');
  reply.header('remote-email', 'user1@bench.test');
  reply.header('remote-name', '');
  reply.header('remote-groups', '');
  return reply.code(200).send();
});
app.post<{ Body: { otp: string } }>(
  '/api/v1/me/verify',
  {
    schema: {
      body: {
        type: 'object',
        required: ['otp'],
        properties: { otp: { type: 'string', minLength: 1, maxLength: 64 } },
      },
      response: {
        200: {
          type: 'object',
          properties: { verifiedAt: { type: 'string' }, method: { type: 'string' } },
        },
      },
    },
  },
  async (request) => {
    if (!request.headers.authorization) throw new Error('no token');
    if (floorWork && !(await floorWork())) throw new Error('the session or the step was refused');
    return { verifiedAt: new Date().toISOString(), method: 'totp' };
  },
);

const loginHash = process.env.LOGIN_HASH;
if (loginHash) {
  app.post<{ Body: { username: string; password: string } }>(
    '/api/v1/login',
    {
      schema: {
        body: {
          type: 'object',
          required: ['username', 'password'],
          properties: {
            username: { type: 'string', minLength: 1, maxLength: 254 },
            password: { type: 'string', minLength: 7, maxLength: 1024 },
          },
        },
      },
    },
    async (request, reply) => {
      if (!(await verify(loginHash, request.body.password.slice(0, -6)))) {
        return reply.code(401).send({ error: 'invalid_credentials' });
      }
      return {
        token: randomBytes(32).toString('base64url'),
        tokenType: 'Bearer',
        expiresAt: new Date(Date.now() + 12 * 3600_000).toISOString(),
      };
    },
  );
}

process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });

/** With DATABASE_URL: reads the next session, records a step; whether both did their part. */
async function postgresFloor(): Promise<(() => Promise<boolean>) | undefined> {
  if (!process.env.DATABASE_URL) return undefined;
  const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
  const from = Number(process.env.FLOOR_FROM);
  const { rows } = await pool.query<{ id: string; id_hash: string }>(FLOOR_ROWS, [
    from,
    from + Number(process.env.FLOOR_COUNT),
  ]);
  if (rows.length === 0) throw new Error('no rows for the floor');
  let step = 0;
  return async () => {
    step += 1;
    const row = rows[step % rows.length]!;
    // Named: each connection parses and plans the two statements once, as `twofold serve` does.
    const session = await pool.query({ name: 'floor_session', text: FIND_SESSION, values: [row.id_hash] });
    const result = await pool.query({
      name: 'floor_step',
      text: ACCEPT_STEP,
      values: [step, Date.now(), row.id],
    });
    return session.rowCount === 1 && result.rowCount === 1;
  };
}

/** With SQLITE_FILE: reads the next session, records a step; whether both did their part. */
function sqliteFloor(file: string): () => Promise<boolean> {
  const db = new SQLite(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  const from = Number(process.env.FLOOR_FROM);
  const rows = db.prepare(SQLITE.floorRows).all({ from, to: from + Number(process.env.FLOOR_COUNT) }) as {
    id: string;
    id_hash: string;
  }[];
  if (rows.length === 0) throw new Error('no rows for the floor');
  const findSession = db.prepare(SQLITE.findSession);
  const update = db.prepare(SQLITE.acceptStep);
  let step = 0;
  let batch: { id: string; step: number; resolve: (accepted: boolean) => void }[] = [];
  const commit = db.transaction((writes: typeof batch) =>
    writes.map((write) => update.run({ step: write.step, now: Date.now(), id: write.id }).changes === 1),
  );
  return (): Promise<boolean> => {
    step += 1;
    const row = rows[step % rows.length]!;
    if (!findSession.get({ idHash: row.id_hash })) return Promise.resolve(false);
    if (batch.length === 0) {
      setImmediate(() => {
        const writes = batch;
        batch = [];
        const accepted = commit(writes);
        for (const [i, write] of writes.entries()) write.resolve(accepted[i]!);
      });
    }
    return new Promise((resolve) => batch.push({ id: row.id, step, resolve }));
  };
}
