import type { Kysely } from 'kysely';

/**
 * Services that do not speak OpenID Connect: sites behind a reverse proxy (forward-auth, by host
 * name and path prefix), applications that call the validate API (their secret hashed, as an OIDC
 * client's), and RADIUS clients (by address or network, their shared secret sealed: RADIUS needs
 * it in clear to sign answers). A RADIUS challenge remembers the password step between the two
 * Access-Requests, in the database so any instance can take the second one.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('services')
    .addColumn('kind', 'text', (c) => c.notNull().defaultTo('oidc'))
    .execute();
  await db.schema
    .alterTable('services')
    .addColumn('hosts', 'text', (c) => c.notNull().defaultTo('[]'))
    .execute();
  await db.schema
    .alterTable('services')
    .addColumn('networks', 'text', (c) => c.notNull().defaultTo('[]'))
    .execute();
  await db.schema.alterTable('services').addColumn('radius_secret_sealed', 'text').execute();

  await db.schema
    .createTable('radius_challenges')
    .addColumn('state_hash', 'text', (c) => c.primaryKey())
    .addColumn('service_id', 'text', (c) => c.notNull().references('services.id').onDelete('cascade'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('radius_challenges_expires')
    .on('radius_challenges')
    .column('expires_at')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('radius_challenges').execute();
  await db.schema.alterTable('services').dropColumn('radius_secret_sealed').execute();
  await db.schema.alterTable('services').dropColumn('networks').execute();
  await db.schema.alterTable('services').dropColumn('hosts').execute();
  await db.schema.alterTable('services').dropColumn('kind').execute();
}
