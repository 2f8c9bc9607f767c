import type { Command } from 'commander';
import { type Config, ConfigError, loadConfig } from '../config.js';
import { type CliIo, UsageError } from './io.js';

/** `--data-dir` is shared by every command that opens the database. */
export function addDataDirOption(command: Command): Command {
  return command.option('--data-dir <dir>', 'data directory (default: $TWOFOLD_DATA_DIR or ./data)');
}

export function configFrom(io: CliIo, overrides: Partial<Config> = {}): Config {
  try {
    return loadConfig(io.env, overrides);
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.message);
    throw error;
  }
}

/** Config with the `--data-dir` flag applied, if given. */
export function configWithDataDir(io: CliIo, options: { dataDir?: string }): Config {
  return configFrom(io, options.dataDir ? { dataDir: options.dataDir } : {});
}
