import type { Insertable, Kysely, Selectable } from 'kysely';
import type { Database, SigningKeysTable } from './schema.js';

export type SigningKeyRow = Selectable<SigningKeysTable>;

/** The OpenID Connect provider's signing keys, newest first; private parts sealed. */
export class SigningKeyRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(row: Insertable<SigningKeysTable>): Promise<void> {
    await this.db.insertInto('signing_keys').values(row).execute();
  }

  /** Keys still published: the current ones and those retired after `retiredAfter`. */
  async listPublished(retiredAfter: number): Promise<SigningKeyRow[]> {
    return this.db
      .selectFrom('signing_keys')
      .selectAll()
      .where((eb) => eb.or([eb('retired_at', 'is', null), eb('retired_at', '>', retiredAfter)]))
      .orderBy('created_at', 'desc')
      .orderBy('kid')
      .execute();
  }

  async listAll(): Promise<SigningKeyRow[]> {
    return this.db.selectFrom('signing_keys').selectAll().orderBy('created_at', 'desc').execute();
  }

  async retireCurrent(alg: SigningKeyRow['alg'], now: number): Promise<number> {
    const result = await this.db
      .updateTable('signing_keys')
      .set({ retired_at: now })
      .where('alg', '=', alg)
      .where('retired_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  async reseal(kid: string, sealed: string): Promise<void> {
    await this.db
      .updateTable('signing_keys')
      .set({ private_jwk_sealed: sealed })
      .where('kid', '=', kid)
      .execute();
  }
}
