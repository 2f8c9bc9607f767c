// What the PostgreSQL suite runs raw as its ceiling, and behind bare Fastify as the floor (suites/pg.ts).

/** The conditional UPDATE that records an accepted TOTP step. */
export const ACCEPT_STEP =
  "UPDATE authenticators SET last_step=$1, last_used_at=$2 WHERE id=$3 AND status='active' AND last_step < $1";

/** A session by the hash of its token: the least a request authenticated by a bearer token reads. */
export const FIND_SESSION = 'SELECT * FROM sessions WHERE id_hash=$1';

/**
 * For each of the bench users `user<$1>` … `user<$2 - 1>`: an authenticator id and the hash of a
 * session token.
 */
export const FLOOR_ROWS =
  'select a.id, s.id_hash from authenticators a join users u on u.id = a.user_id ' +
  'join sessions s on s.user_id = u.id ' +
  "where u.username = any(select 'user' || n from generate_series($1::int, $2::int - 1) as n)";

/** The same three statements in SQLite's spelling (better-sqlite3 binds `@name`). */
export const SQLITE = {
  acceptStep:
    "UPDATE authenticators SET last_step=@step, last_used_at=@now WHERE id=@id AND status='active' AND last_step < @step",
  findSession: 'SELECT * FROM sessions WHERE id_hash=@idHash',
  // The cast: better-sqlite3 binds a JS number as a REAL, which would spell `user0.0`.
  floorRows:
    'select a.id, s.id_hash from authenticators a join users u on u.id = a.user_id ' +
    'join sessions s on s.user_id = u.id ' +
    "where u.username in (with recursive n(i) as (select cast(@from as integer) union all select i + 1 from n where i + 1 < @to) select 'user' || i from n)",
} as const;
