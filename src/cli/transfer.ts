import type { Command } from 'commander';
import {
  countRows,
  migrateToLatest,
  openDatabase,
  readTable,
  TRANSFER_TABLES,
  type TransferRow,
  type TransferTable,
  writeRows,
} from '../store/index.js';
import { addDataDirOption, configWithDataDir } from './config-options.js';
import { StartupError } from './context.js';
import { type CliIo, UsageError } from './io.js';
import { ProgressBar } from './progress.js';

const FORMAT = 'twofold-export';
const VERSION = 1;
const BATCH = 500;

interface Header {
  readonly format: typeof FORMAT;
  readonly version: number;
  readonly exportedAt: string;
  readonly counts: Record<string, number>;
}

/**
 * `twofold export` / `twofold import`: every table as JSON lines, to move an installation
 * between SQLite and PostgreSQL. Secrets stay sealed: the target needs the same master key.
 */
export function registerTransferCommands(program: Command, io: CliIo): void {
  addDataDirOption(
    program
      .command('export')
      .description(
        'write all data as JSON lines to standard output (secrets stay sealed; move the master key separately)',
      ),
  ).action(async (options: { dataDir?: string }) => {
    const config = configWithDataDir(io, options);
    const { db, location } = openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
    try {
      await migrateOrExplain(db, location);
      const counts: Record<string, number> = {};
      for (const table of TRANSFER_TABLES) counts[table] = await countRows(db, table);
      const total = Object.values(counts).reduce((a, b) => a + b, 0);
      const header: Header = {
        format: FORMAT,
        version: VERSION,
        exportedAt: new Date().toISOString(),
        counts,
      };
      io.out(`${JSON.stringify(header)}\n`);
      const progress = new ProgressBar((s) => io.err(s), io.isTty, total);
      let done = 0;
      for (const table of TRANSFER_TABLES) {
        for await (const rows of readTable(db, table)) {
          io.out(rows.map((row) => `${JSON.stringify({ table, row })}\n`).join(''));
          done += rows.length;
          progress.update(done, table);
        }
      }
      progress.finish();
      io.err(`Exported ${done} rows from ${location}: ${summary(counts)}.\n`);
    } finally {
      await db.destroy();
    }
  });

  addDataDirOption(
    program
      .command('import')
      .description('read an export from standard input into this database, in one transaction')
      .option('--merge', 'import into a database that already has data, keeping existing rows'),
  ).action(async (options: { dataDir?: string; merge?: boolean }) => {
    const config = configWithDataDir(io, options);
    const { db, location } = openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
    try {
      await migrateOrExplain(db, location);
      if (!options.merge) {
        for (const table of TRANSFER_TABLES) {
          if ((await countRows(db, table)) > 0) {
            throw new UsageError(
              `the database at ${location} is not empty (table ${table} has rows): import into a fresh one, or pass --merge`,
            );
          }
        }
      }
      const lines = io.stdinLines()[Symbol.asyncIterator]();
      const header = parseHeader((await lines.next()).value);
      const total = Object.values(header.counts).reduce((a, b) => a + b, 0);
      const progress = new ProgressBar((s) => io.err(s), io.isTty, total);
      const imported: Record<string, number> = {};
      let read = 0;
      let lineNumber = 1;
      // One transaction: a broken line anywhere leaves the target exactly as it was.
      await db.transaction().execute(async (trx) => {
        let batch: TransferRow[] = [];
        let batchTable: TransferTable | undefined;
        const flush = async () => {
          if (batchTable && batch.length > 0) {
            imported[batchTable] =
              (imported[batchTable] ?? 0) +
              (await writeRows(trx, batchTable, batch, { merge: Boolean(options.merge) }));
          }
          batch = [];
        };
        for (let next = await lines.next(); !next.done; next = await lines.next()) {
          lineNumber += 1;
          if (next.value.trim() === '') continue;
          const { table, row } = parseLine(next.value, lineNumber);
          if (table !== batchTable || batch.length >= BATCH) {
            await flush();
            batchTable = table;
          }
          batch.push(row);
          read += 1;
          progress.update(read, table);
        }
        await flush();
      });
      progress.finish();
      const written = Object.values(imported).reduce((a, b) => a + b, 0);
      io.err(
        `Imported ${written} of ${read} rows into ${location}: ${summary(imported)}.` +
          `${written < read ? ' Rows already present were kept.' : ''}\n` +
          'Start the server with the master key of the exported installation (its master.key or TWOFOLD_MASTER_KEY).\n',
      );
    } finally {
      await db.destroy();
    }
  });
}

async function migrateOrExplain(db: Parameters<typeof migrateToLatest>[0], location: string): Promise<void> {
  try {
    await migrateToLatest(db);
  } catch (error) {
    throw new StartupError(`cannot open the database at ${location}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

function parseHeader(line: string | undefined): Header {
  let header: Partial<Header> | undefined;
  try {
    header = line ? (JSON.parse(line) as Partial<Header>) : undefined;
  } catch {
    header = undefined;
  }
  if (!header || header.format !== FORMAT) {
    throw new UsageError('standard input is not a Twofold export (its first line must be the export header)');
  }
  if (header.version !== VERSION) {
    throw new UsageError(
      `this export has format version ${header.version}; this Twofold reads version ${VERSION}`,
    );
  }
  return header as Header;
}

function parseLine(line: string, lineNumber: number): { table: TransferTable; row: TransferRow } {
  let parsed: { table?: unknown; row?: unknown };
  try {
    parsed = JSON.parse(line) as { table?: unknown; row?: unknown };
  } catch {
    throw new UsageError(`line ${lineNumber} of the export is not valid JSON; nothing was imported`);
  }
  if (
    !TRANSFER_TABLES.includes(parsed.table as TransferTable) ||
    typeof parsed.row !== 'object' ||
    !parsed.row
  ) {
    throw new UsageError(`line ${lineNumber} of the export is not a table row; nothing was imported`);
  }
  return { table: parsed.table as TransferTable, row: parsed.row as TransferRow };
}

const summary = (counts: Record<string, number>) =>
  Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([table, n]) => `${n} ${table}`)
    .join(', ') || 'nothing';
