import type { Insertable, Kysely, Selectable, Updateable } from 'kysely';
import type {
  Database,
  ExternalSignInsTable,
  IdentityProvidersTable,
  LinkedIdentitiesTable,
} from './schema.js';

export type IdentityProviderRow = Selectable<IdentityProvidersTable>;
export type IdentityProviderPatch = Updateable<Omit<IdentityProvidersTable, 'id' | 'slug' | 'created_at'>>;
export type LinkedIdentityRow = Selectable<LinkedIdentitiesTable>;
export type ExternalSignInRow = Selectable<ExternalSignInsTable>;

/** External OpenID Connect providers, the accounts linked to them, and sign-ins under way. */
export class IdentityProviderRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(row: Insertable<IdentityProvidersTable>): Promise<void> {
    await this.db.insertInto('identity_providers').values(row).execute();
  }

  async findById(id: string): Promise<IdentityProviderRow | undefined> {
    return this.db.selectFrom('identity_providers').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async findBySlug(slug: string): Promise<IdentityProviderRow | undefined> {
    return this.db.selectFrom('identity_providers').selectAll().where('slug', '=', slug).executeTakeFirst();
  }

  async findByName(name: string): Promise<IdentityProviderRow | undefined> {
    return this.db.selectFrom('identity_providers').selectAll().where('name', '=', name).executeTakeFirst();
  }

  async list(): Promise<IdentityProviderRow[]> {
    return this.db.selectFrom('identity_providers').selectAll().orderBy('name').execute();
  }

  async update(id: string, patch: IdentityProviderPatch): Promise<boolean> {
    const result = await this.db
      .updateTable('identity_providers')
      .set(patch)
      .where('id', '=', id)
      .executeTakeFirst();
    return result.numUpdatedRows === 1n;
  }

  /** Removes the provider with its links and the sign-ins under way (foreign keys cascade). */
  async remove(id: string): Promise<boolean> {
    await this.db.deleteFrom('external_sign_ins').where('provider_id', '=', id).execute();
    await this.db.deleteFrom('linked_identities').where('provider_id', '=', id).execute();
    const result = await this.db.deleteFrom('identity_providers').where('id', '=', id).executeTakeFirst();
    return result.numDeletedRows === 1n;
  }

  async countLinks(providerId: string): Promise<number> {
    const row = await this.db
      .selectFrom('linked_identities')
      .select((eb) => eb.fn.countAll<number | string | bigint>().as('n'))
      .where('provider_id', '=', providerId)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async findLink(providerId: string, subject: string): Promise<LinkedIdentityRow | undefined> {
    return this.db
      .selectFrom('linked_identities')
      .selectAll()
      .where('provider_id', '=', providerId)
      .where('subject', '=', subject)
      .executeTakeFirst();
  }

  async findLinkOfUser(userId: string, providerId: string): Promise<LinkedIdentityRow | undefined> {
    return this.db
      .selectFrom('linked_identities')
      .selectAll()
      .where('user_id', '=', userId)
      .where('provider_id', '=', providerId)
      .executeTakeFirst();
  }

  async listLinksOfUser(userId: string): Promise<LinkedIdentityRow[]> {
    return this.db
      .selectFrom('linked_identities')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('linked_at')
      .execute();
  }

  async insertLink(row: LinkedIdentityRow): Promise<void> {
    await this.db.insertInto('linked_identities').values(row).execute();
  }

  async touchLink(providerId: string, subject: string, now: number): Promise<void> {
    await this.db
      .updateTable('linked_identities')
      .set({ last_used_at: now })
      .where('provider_id', '=', providerId)
      .where('subject', '=', subject)
      .execute();
  }

  async removeLink(userId: string, providerId: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('linked_identities')
      .where('user_id', '=', userId)
      .where('provider_id', '=', providerId)
      .executeTakeFirst();
    return result.numDeletedRows === 1n;
  }

  async insertSignIn(row: ExternalSignInRow): Promise<void> {
    await this.db.insertInto('external_sign_ins').values(row).execute();
  }

  /**
   * The sign-in a callback's `state` names, removed in the same step: of two callbacks carrying
   * one state (a replay, or two instances racing) only the one whose delete took it gets it.
   */
  async takeSignIn(stateHash: string, now: number): Promise<ExternalSignInRow | undefined> {
    const row = await this.db
      .selectFrom('external_sign_ins')
      .selectAll()
      .where('state_hash', '=', stateHash)
      .executeTakeFirst();
    if (!row) return undefined;
    const result = await this.db
      .deleteFrom('external_sign_ins')
      .where('state_hash', '=', stateHash)
      .executeTakeFirst();
    if (result.numDeletedRows !== 1n || row.expires_at <= now) return undefined;
    return row;
  }

  async listSignIns(): Promise<ExternalSignInRow[]> {
    return this.db.selectFrom('external_sign_ins').selectAll().orderBy('state_hash').execute();
  }

  async resealSignIn(stateHash: string, verifierSealed: string): Promise<void> {
    await this.db
      .updateTable('external_sign_ins')
      .set({ verifier_sealed: verifierSealed })
      .where('state_hash', '=', stateHash)
      .execute();
  }

  async removeExpiredSignIns(now: number): Promise<void> {
    await this.db.deleteFrom('external_sign_ins').where('expires_at', '<=', now).execute();
  }
}
