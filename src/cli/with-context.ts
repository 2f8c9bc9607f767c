import type { Config } from '../config.js';
import { type Context, openContext } from './context.js';
import type { CliIo } from './io.js';

/** Runs `work` with an open context and always closes the database afterwards. */
export async function withContext<T>(
  config: Config,
  io: CliIo,
  work: (context: Context) => Promise<T>,
): Promise<T> {
  const context = await openContext(config, io);
  try {
    return await work(context);
  } finally {
    await context.close();
  }
}
