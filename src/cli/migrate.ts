import type { Command } from 'commander';
import { migrateToLatest, openDatabase } from '../store/index.js';
import { addDataDirOption, configWithDataDir } from './config-options.js';
import { StartupError } from './context.js';
import type { CliIo } from './io.js';

/** `twofold migrate`: bring the database schema up to date (serve also does this at start). */
export function registerMigrateCommand(program: Command, io: CliIo): void {
  addDataDirOption(program.command('migrate').description('apply pending database migrations')).action(
    async (options: { dataDir?: string }) => {
      const config = configWithDataDir(io, options);
      const database = openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
      try {
        const applied = await migrateToLatest(database.db).catch((error: Error) => {
          throw new StartupError(`cannot migrate the database at ${database.location}: ${error.message}`, {
            cause: error,
          });
        });
        io.out(
          applied.length === 0
            ? `The database at ${database.location} is up to date.\n`
            : `Applied ${applied.length} migration(s) to ${database.location}: ${applied.join(', ')}\n`,
        );
      } finally {
        await database.db.destroy();
      }
    },
  );
}
