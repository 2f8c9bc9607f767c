import type { Migration, MigrationProvider } from 'kysely';
import * as initial from './0001-initial.js';

/**
 * Every migration in order, imported statically so the compiled package needs no directory
 * scanning. Names sort in the order they must run.
 */
const migrations: Record<string, Migration> = {
  '0001-initial': initial,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
