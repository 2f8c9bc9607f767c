import type { Insertable, Kysely, QueryCreator, Selectable, Updateable } from 'kysely';
import { PreparedQuery } from './prepared.js';
import type { AuthenticatorsTable, Database } from './schema.js';

export type AuthenticatorRow = Selectable<AuthenticatorsTable>;
export type NewAuthenticatorRow = Insertable<AuthenticatorsTable>;
export type AuthenticatorPatch = Updateable<Omit<AuthenticatorsTable, 'id' | 'user_id' | 'kind'>>;

/** What checking a TOTP code needs of a device, and no more. */
export type TotpDeviceRow = Pick<
  AuthenticatorRow,
  'id' | 'secret_sealed' | 'digits' | 'period_seconds' | 'last_step'
>;

export type ActiveFactorRow = Pick<AuthenticatorRow, 'id' | 'kind' | 'digits'>;

export class AuthenticatorRepository {
  readonly #activeKinds: PreparedQuery<{ userId: string }, ActiveFactorRow>;

  constructor(private readonly db: Kysely<Database>) {
    // Read on every login, compiled once (prepared.ts).
    this.#activeKinds = new PreparedQuery(db, (p) =>
      db
        .selectFrom('authenticators')
        .select(['id', 'kind', 'digits'])
        .where('user_id', '=', p.userId)
        .where('status', '=', 'active'),
    );
  }

  async insert(row: NewAuthenticatorRow): Promise<void> {
    await this.db.insertInto('authenticators').values(row).execute();
  }

  async findById(id: string): Promise<AuthenticatorRow | undefined> {
    return this.db.selectFrom('authenticators').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async findByCredentialId(credentialId: string): Promise<AuthenticatorRow | undefined> {
    return this.db
      .selectFrom('authenticators')
      .selectAll()
      .where('credential_id', '=', credentialId)
      .executeTakeFirst();
  }

  /** All of a user's authenticators, oldest first (the order the account page lists them in). */
  async listByUser(userId: string): Promise<AuthenticatorRow[]> {
    return this.db
      .selectFrom('authenticators')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
  }

  async listActiveByUser(userId: string, kind?: AuthenticatorRow['kind']): Promise<AuthenticatorRow[]> {
    let query = this.db
      .selectFrom('authenticators')
      .selectAll()
      .where('user_id', '=', userId)
      .where('status', '=', 'active');
    if (kind) query = query.where('kind', '=', kind);
    return query.orderBy('created_at').orderBy('id').execute();
  }

  /** What a login must know of a user's active factors: whether any, and a TOTP code's length. */
  async listActiveFactors(userId: string): Promise<ActiveFactorRow[]> {
    return this.#activeKinds.rows({ userId });
  }

  async countActiveByUser(userId: string): Promise<number> {
    const row = await this.db
      .selectFrom('authenticators')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('user_id', '=', userId)
      .where('status', '=', 'active')
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /**
   * Turns a pending authenticator active, but only if it is still pending and unexpired: two
   * racing activations, or one after expiry, change nothing.
   */
  async activate(
    id: string,
    now: number,
    patch: { readonly name: string; readonly lastStep?: number; readonly lastUsedAt?: number },
  ): Promise<boolean> {
    const result = await this.db
      .updateTable('authenticators')
      .set({
        status: 'active',
        name: patch.name,
        activated_at: now,
        expires_at: null,
        ...(patch.lastStep === undefined ? {} : { last_step: patch.lastStep }),
        ...(patch.lastUsedAt === undefined ? {} : { last_used_at: patch.lastUsedAt }),
      })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .where('expires_at', '>', now)
      .executeTakeFirst();
    return result.numUpdatedRows === 1n;
  }

  async update(id: string, patch: AuthenticatorPatch): Promise<boolean> {
    const result = await this.db
      .updateTable('authenticators')
      .set(patch)
      .where('id', '=', id)
      .executeTakeFirst();
    return result.numUpdatedRows === 1n;
  }

  /** Removes one of the user's authenticators; another user's id removes nothing. */
  async remove(id: string, userId: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('authenticators')
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return result.numDeletedRows === 1n;
  }

  async removeAllForUser(userId: string): Promise<number> {
    const result = await this.db
      .deleteFrom('authenticators')
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** Pending authenticators past their expiry: they never logged anyone in, so they just go. */
  async removeExpiredPending(now: number): Promise<number> {
    const result = await this.db
      .deleteFrom('authenticators')
      .where('status', '=', 'pending')
      .where('expires_at', '<=', now)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async removePendingForUser(userId: string): Promise<number> {
    const result = await this.db
      .deleteFrom('authenticators')
      .where('user_id', '=', userId)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** Every sealed TOTP secret: for re-sealing under a new master key. */
  async listSealedSecrets(): Promise<{ id: string; secret_sealed: string }[]> {
    const rows = await this.db
      .selectFrom('authenticators')
      .select(['id', 'secret_sealed'])
      .where('secret_sealed', 'is not', null)
      .execute();
    return rows.map((r) => ({ id: r.id, secret_sealed: r.secret_sealed as string }));
  }
}

/** A user's active TOTP devices, in no particular order, with what checking a code needs of each. */
export function activeTotpQuery(db: Kysely<Database>, p: { userId: string }) {
  return db
    .selectFrom('authenticators')
    .select(['id', 'secret_sealed', 'digits', 'period_seconds', 'last_step'])
    .where('user_id', '=', p.userId)
    .where('status', '=', 'active')
    .where('kind', '=', 'totp');
}

/**
 * Records that the TOTP code of time step `step` was accepted (totp-attempts.ts). The
 * `last_step < step` condition is the replay guard of RFC 6238 §5.2: the database, not the
 * process, decides, so of two racing requests with the same code (on one instance or many)
 * exactly one updates the row and wins.
 */
export function acceptTotpStepQuery(
  db: QueryCreator<Database>,
  p: { id: string; step: number; now: number },
) {
  return db
    .updateTable('authenticators')
    .set({ last_step: p.step, last_used_at: p.now })
    .where('id', '=', p.id)
    .where('status', '=', 'active')
    .where('last_step', '<', p.step);
}
