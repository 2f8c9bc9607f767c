import { Command, CommanderError } from 'commander';
import { isTwofoldError, MasterKeyMismatchError } from '../core/index.js';
import { StartupError } from './context.js';
import { type CliIo, UsageError } from './io.js';

/** Builds the `twofold` command with every subcommand registered; `main.ts` only runs it. */
export function createProgram(io: CliIo): Command {
  const program = new Command('twofold')
    .description('Twofold: a self-hosted multi-factor authentication server')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .showHelpAfterError(false);
  return program;
}

/** Runs the program on argv and returns the process exit code: 0 ok, 2 refused input, 1 cannot run. */
export async function runProgram(program: Command, argv: readonly string[], io: CliIo): Promise<number> {
  try {
    await program.parseAsync(argv as string[], { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander already printed its message (or the help text, which exits 0).
      return error.exitCode === 0 ? 0 : 2;
    }
    // Refusals of the input (bad name, duplicate, unknown user) are usage errors to the shell.
    if (error instanceof UsageError || isTwofoldError(error)) {
      io.err(`twofold: ${error.message}\n`);
      return 2;
    }
    if (error instanceof StartupError || error instanceof MasterKeyMismatchError) {
      io.err(`twofold: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}
