import type { Config } from '../config.js';
import { type Context, openContext } from './context.js';
import type { CliIo } from './io.js';

/**
 * Runs a one-off command's `work` with an open context and always closes the database
 * afterwards. What it records in the audit log is marked as done from the command line.
 */
export async function withContext<T>(
  config: Config,
  io: CliIo,
  work: (context: Context) => Promise<T>,
): Promise<T> {
  const context = await openContext(config, io, { auditOrigin: 'cli' });
  try {
    return await work(context);
  } finally {
    await context.close();
  }
}
