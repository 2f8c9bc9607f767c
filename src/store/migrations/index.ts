import type { Migration, MigrationProvider } from 'kysely';
import * as initial from './0001-initial.js';
import * as backupCodeHandout from './0002-backup-code-handout.js';
import * as keyedTables from './0003-keyed-tables.js';
import * as servicesAndOidc from './0004-services-and-oidc.js';
import * as identityProviders from './0005-identity-providers.js';
import * as serviceKinds from './0006-service-kinds.js';

/**
 * Every migration in order, imported statically so the compiled package needs no directory
 * scanning. Names sort in the order they must run.
 */
const migrations: Record<string, Migration> = {
  '0001-initial': initial,
  '0002-backup-code-handout': backupCodeHandout,
  '0003-keyed-tables': keyedTables,
  '0004-services-and-oidc': servicesAndOidc,
  '0005-identity-providers': identityProviders,
  '0006-service-kinds': serviceKinds,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
