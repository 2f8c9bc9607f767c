import type { Kysely } from 'kysely';

/**
 * Freshly generated backup codes stay available to their session for a few minutes (sealed),
 * so "Download" and "Print" can render them after the page that showed them.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('sessions').addColumn('backup_codes_sealed', 'text').execute();
  await db.schema.alterTable('sessions').addColumn('backup_codes_until', 'bigint').execute();
  await db.schema.createIndex('backup_codes_user').on('backup_codes').column('user_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('backup_codes_user').execute();
  await db.schema.alterTable('sessions').dropColumn('backup_codes_until').execute();
  await db.schema.alterTable('sessions').dropColumn('backup_codes_sealed').execute();
}
