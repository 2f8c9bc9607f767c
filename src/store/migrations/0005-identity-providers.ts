import type { Kysely } from 'kysely';

/**
 * External OpenID Connect providers people may sign in with (their client secrets sealed), the
 * accounts linked to them, and the sign-ins under way (between sending the browser to the
 * provider and its return). A session remembers which provider made it and what that provider
 * said about how the person authenticated.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('sessions').addColumn('external_sign_in', 'text').execute();

  await db.schema
    .createTable('identity_providers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('slug', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('issuer', 'text', (c) => c.notNull())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('client_secret_sealed', 'text')
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('matching', 'text', (c) => c.notNull())
    .addColumn('email_domains', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('mfa_policy', 'text', (c) => c.notNull())
    .addColumn('mfa_acr_values', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('linked_identities')
    .addColumn('provider_id', 'text', (c) =>
      c.notNull().references('identity_providers.id').onDelete('cascade'),
    )
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('email', 'text')
    .addColumn('linked_at', 'bigint', (c) => c.notNull())
    .addColumn('last_used_at', 'bigint')
    .addPrimaryKeyConstraint('linked_identities_pk', ['provider_id', 'subject'])
    .addUniqueConstraint('linked_identities_one_per_user', ['user_id', 'provider_id'])
    .execute();

  await db.schema
    .createTable('external_sign_ins')
    .addColumn('state_hash', 'text', (c) => c.primaryKey())
    .addColumn('provider_id', 'text', (c) =>
      c.notNull().references('identity_providers.id').onDelete('cascade'),
    )
    .addColumn('browser_hash', 'text', (c) => c.notNull())
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.references('users.id').onDelete('cascade'))
    .addColumn('verifier_sealed', 'text', (c) => c.notNull())
    .addColumn('nonce', 'text', (c) => c.notNull())
    .addColumn('next', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('external_sign_ins_expires')
    .on('external_sign_ins')
    .column('expires_at')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('external_sign_ins').execute();
  await db.schema.dropTable('linked_identities').execute();
  await db.schema.dropTable('identity_providers').execute();
  await db.schema.alterTable('sessions').dropColumn('external_sign_in').execute();
}
