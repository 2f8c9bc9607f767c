import { createInterface } from 'node:readline';

/** What a command may touch of the outside world; tests pass their own. */
export interface CliIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  out(text: string): void;
  err(text: string): void;
  /** The whole of standard input, as text. */
  readStdin(): Promise<string>;
  /** Standard input line by line, for inputs too large to hold (imports). */
  stdinLines(): AsyncIterable<string>;
  /** Whether standard error is a terminal (for progress bars). */
  readonly isTty: boolean;
}

/**
 * A mistake in how the command was called or in what it was given: printed as one line
 * `twofold: <message>` and the process exits 2, like oathtool and most Unix tools.
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export function processIo(): CliIo {
  return {
    env: process.env,
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
    stdinLines: () => createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY }),
    isTty: Boolean(process.stderr.isTTY),
  };
}
