import { join } from 'node:path';
import type { Config } from '../config.js';
import {
  type AuditOrigin,
  Core,
  holdsSealedData,
  type Mailer,
  type Metrics,
  systemClock,
  verifyMasterKey,
} from '../core/index.js';
import { generateMasterKey, Keyring, parseMasterKeys } from '../security/index.js';
import {
  type DatabaseObserver,
  migrateToLatest,
  type OpenedDatabase,
  openDatabase,
  Store,
} from '../store/index.js';
import type { CliIo } from './io.js';
import { createMailTransport } from './mail-transport.js';
import { readMasterKeyFile, writeMasterKeyFile } from './master-key-file.js';

/** Everything a command needs once the database is open and the master key checked. */
export interface Context {
  readonly config: Config;
  readonly database: OpenedDatabase;
  readonly store: Store;
  readonly core: Core;
  /** Where the keys came from, for messages. */
  readonly keySource: KeySource;
  close(): Promise<void>;
}

export type KeySource = { readonly kind: 'env' } | { readonly kind: 'file'; readonly path: string };

/** A start-up problem a person must fix (wrong key, unreachable database): printed, exit 1. */
export class StartupError extends Error {
  override readonly name = 'StartupError';
}

export const masterKeyPath = (config: Config): string => join(config.dataDir, 'master.key');

/**
 * Opens the database, applies migrations and loads the keyring. A master key is generated only
 * for a database that holds nothing sealed yet; a missing or wrong key over existing data is an
 * error, never a silent new key (which would make every enrolled device useless).
 */
export interface ContextOptions {
  /** Where the server's own messages go (outbox mail, mail failures); the CLI stays quiet. */
  readonly log?: (level: 'info' | 'error', fields: Record<string, unknown>, message: string) => void;
  /**
   * The server's mode: writes count as done at their commit, and mail waits until they are on
   * disk; its answers wait too (`buildApp`'s `durable`). See src/store/group-commit-sqlite.ts.
   */
  readonly acknowledgeWritesAtCommit?: boolean;
  /** `cli` for a one-off command: its audit events say so (the operator has no account). */
  readonly auditOrigin?: AuditOrigin;
  /** The server's metrics (TWOFOLD_METRICS_PORT): what the core and the database report. */
  readonly metrics?: Metrics & DatabaseObserver;
}

export async function openContext(config: Config, io: CliIo, options: ContextOptions = {}): Promise<Context> {
  const database = openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    sqliteSynchronous: config.sqliteSynchronous,
    acknowledgeWrites: options.acknowledgeWritesAtCommit ? 'committed' : 'durable',
    observer: options.metrics,
  });
  try {
    try {
      await migrateToLatest(database.db);
    } catch (error) {
      throw new StartupError(
        `cannot open the database at ${database.location}: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
    const store = new Store(database.db);
    const { keyring, source } = await loadKeyring(config, store, io);
    await verifyMasterKey(store, keyring);
    const log = options.log ?? (() => {});
    const core = new Core({
      store,
      keyring,
      clock: systemClock,
      settings: {
        publicUrl: config.publicUrl,
        issuer: config.issuer,
        setupLinkHours: config.setupLinkHours,
        cookieDomain: config.cookieDomain,
      },
      mailer: afterDurable(
        database,
        createMailTransport({
          smtpUrl: config.smtpUrl,
          from: config.mailFrom,
          outboxDir: join(config.dataDir, 'outbox'),
          log: (fields, message) => log('info', fields, message),
        }),
      ),
      onMailError: (error) => log('error', { err: error }, 'an e-mail could not be sent'),
      ...(options.auditOrigin ? { auditOrigin: options.auditOrigin } : {}),
      ...(options.metrics ? { metrics: options.metrics } : {}),
    });
    return { config, database, store, core, keySource: source, close: () => database.db.destroy() };
  } catch (error) {
    await database.db.destroy();
    throw error;
  }
}

async function loadKeyring(
  config: Config,
  store: Store,
  io: CliIo,
): Promise<{ keyring: Keyring; source: KeySource }> {
  if (config.masterKey !== undefined) {
    try {
      return {
        keyring: Keyring.fromKeys(parseMasterKeys(config.masterKey, 'TWOFOLD_MASTER_KEY')),
        source: { kind: 'env' },
      };
    } catch (error) {
      throw new StartupError((error as Error).message, { cause: error });
    }
  }
  const path = masterKeyPath(config);
  let file: Awaited<ReturnType<typeof readMasterKeyFile>>;
  try {
    file = await readMasterKeyFile(path);
  } catch (error) {
    throw new StartupError((error as Error).message, { cause: error });
  }
  if (file) {
    for (const warning of file.warnings) io.err(`twofold: warning: ${warning}\n`);
    return { keyring: Keyring.fromKeys(file.keys), source: { kind: 'file', path } };
  }
  if (await holdsSealedData(store)) {
    throw new StartupError(
      `the master key is missing: ${path} does not exist and TWOFOLD_MASTER_KEY is not set, but the database ` +
        'holds sealed secrets. Restore the key file from your backup (a new key cannot open them).',
    );
  }
  const key = generateMasterKey();
  await writeMasterKeyFile(path, [key]);
  return { keyring: Keyring.fromKeys([key]), source: { kind: 'file', path } };
}

/** A link in an e-mail must not point at a row a power loss could still take back. */
export function afterDurable(database: Pick<OpenedDatabase, 'durable'>, mailer: Mailer): Mailer {
  return {
    send: async (message) => {
      await database.durable();
      await mailer.send(message);
    },
  };
}
