import { resolve } from 'node:path';

/**
 * Every setting Twofold reads, with its default. Read once by the CLI and passed down as values:
 * nothing below `cli/` looks at the environment.
 */
export interface Config {
  /** TCP port the server listens on. */
  readonly port: number;
  /** Interface the server binds; loopback by default so a fresh install is not exposed by accident. */
  readonly host: string;
  /** UDP port for RADIUS (on `host`); unset means no RADIUS server. */
  readonly radiusPort: number | undefined;
  /** Where the SQLite file, the master key and the mail outbox live. */
  readonly dataDir: string;
  /** `postgres://…` for PostgreSQL; unset means the embedded SQLite file `<dataDir>/twofold.db`. */
  readonly databaseUrl: string | undefined;
  /** Base64 master key(s), comma-separated, newest first; unset means `<dataDir>/master.key`. */
  readonly masterKey: string | undefined;
  /** The URL people reach Twofold at: the WebAuthn origin, links in e-mails, Secure cookies. */
  readonly publicUrl: string;
  /** The service name shown in authenticator apps and on backup-code sheets. */
  readonly issuer: string;
  /**
   * The domain the session cookie is shared with (`example.com`: every subdomain), so sites
   * behind forward-auth on sibling hosts see the Twofold session. Unset: Twofold's host only.
   */
  readonly cookieDomain: string | undefined;
  /** `smtp://…` or `smtps://…`; unset means messages are written to `<dataDir>/outbox`. */
  readonly smtpUrl: string | undefined;
  /** The From: address of every e-mail. */
  readonly mailFrom: string;
  /** How long a password-setup link stays valid, in hours. */
  readonly setupLinkHours: number;
  /** pino level: fatal, error, warn, info, debug, trace or silent. */
  readonly logLevel: string;
  /** `json` (pino's lines, for collectors) or `pretty` (one readable line each, for a terminal). */
  readonly logFormat: 'json' | 'pretty';
  /** TCP port of the separate `/metrics` listener (on `host`); unset means no metrics. */
  readonly metricsPort: number | undefined;
  /** SQLite durability: FULL (default) survives power loss after every commit; NORMAL may lose the last ones. */
  readonly sqliteSynchronous: 'FULL' | 'NORMAL';
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
  }
}

export type Environment = Readonly<Record<string, string | undefined>>;

const LOG_LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

function readInteger(env: Environment, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `expected a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max)
    throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

function readString(env: Environment, name: string): string | undefined {
  const raw = env[name]?.trim();
  return raw === undefined || raw === '' ? undefined : raw;
}

function readUrl(env: Environment, name: string, protocols: readonly string[]): string | undefined {
  const raw = readString(env, name);
  if (raw === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, `not a valid URL: "${raw}"`);
  }
  if (!protocols.includes(url.protocol)) {
    throw new ConfigError(name, `expected a ${protocols.join(' or ')} URL, got "${url.protocol}"`);
  }
  return raw;
}

/** Builds the configuration from the environment; `overrides` are command-line flags, which win. */
export function loadConfig(env: Environment, overrides: Partial<Config> = {}): Config {
  const port = overrides.port ?? readInteger(env, 'TWOFOLD_PORT', 8080, 0, 65535);
  const publicUrl = (
    readUrl(env, 'TWOFOLD_PUBLIC_URL', ['http:', 'https:']) ?? `http://localhost:${port}`
  ).replace(/\/+$/, '');
  const logLevel = readString(env, 'TWOFOLD_LOG_LEVEL') ?? 'info';
  if (!LOG_LEVELS.has(logLevel)) {
    throw new ConfigError(
      'TWOFOLD_LOG_LEVEL',
      `expected one of ${[...LOG_LEVELS].join(', ')}, got "${logLevel}"`,
    );
  }
  const mailFrom = readString(env, 'TWOFOLD_MAIL_FROM') ?? 'Twofold <twofold@localhost>';
  if (!mailFrom.includes('@'))
    throw new ConfigError('TWOFOLD_MAIL_FROM', `not an e-mail address: "${mailFrom}"`);

  const sqliteSynchronous = (readString(env, 'TWOFOLD_SQLITE_SYNCHRONOUS') ?? 'FULL').toUpperCase();
  if (sqliteSynchronous !== 'FULL' && sqliteSynchronous !== 'NORMAL') {
    throw new ConfigError(
      'TWOFOLD_SQLITE_SYNCHRONOUS',
      `expected FULL or NORMAL, got "${sqliteSynchronous}"`,
    );
  }

  const logFormat = (readString(env, 'TWOFOLD_LOG_FORMAT') ?? 'json').toLowerCase();
  if (logFormat !== 'json' && logFormat !== 'pretty') {
    throw new ConfigError('TWOFOLD_LOG_FORMAT', `expected json or pretty, got "${logFormat}"`);
  }
  const metricsPort =
    overrides.metricsPort ??
    (readString(env, 'TWOFOLD_METRICS_PORT') === undefined
      ? undefined
      : readInteger(env, 'TWOFOLD_METRICS_PORT', 0, 0, 65535));
  if (metricsPort !== undefined && metricsPort !== 0 && metricsPort === port) {
    throw new ConfigError(
      'TWOFOLD_METRICS_PORT',
      `must differ from the server's port (${port}): /metrics is never served on the public listener`,
    );
  }

  const cookieDomain = readString(env, 'TWOFOLD_COOKIE_DOMAIN')?.replace(/^\./, '').toLowerCase();
  if (cookieDomain !== undefined) {
    const publicHost = new URL(publicUrl).hostname;
    if (!/^[a-z0-9.-]+$/.test(cookieDomain) || !cookieDomain.includes('.')) {
      throw new ConfigError(
        'TWOFOLD_COOKIE_DOMAIN',
        `expected a domain such as example.com, got "${cookieDomain}"`,
      );
    }
    if (publicHost !== cookieDomain && !publicHost.endsWith(`.${cookieDomain}`)) {
      throw new ConfigError(
        'TWOFOLD_COOKIE_DOMAIN',
        `${cookieDomain} does not contain the host of TWOFOLD_PUBLIC_URL (${publicHost}): browsers would refuse the cookie`,
      );
    }
  }

  return {
    port,
    cookieDomain: overrides.cookieDomain ?? cookieDomain,
    host: overrides.host ?? readString(env, 'TWOFOLD_HOST') ?? '127.0.0.1',
    radiusPort:
      overrides.radiusPort ??
      (readString(env, 'TWOFOLD_RADIUS_PORT') === undefined
        ? undefined
        : readInteger(env, 'TWOFOLD_RADIUS_PORT', 0, 0, 65535)),
    dataDir: resolve(overrides.dataDir ?? readString(env, 'TWOFOLD_DATA_DIR') ?? 'data'),
    databaseUrl: overrides.databaseUrl ?? readUrl(env, 'TWOFOLD_DATABASE_URL', ['postgres:', 'postgresql:']),
    masterKey: overrides.masterKey ?? readString(env, 'TWOFOLD_MASTER_KEY'),
    publicUrl: overrides.publicUrl ?? publicUrl,
    issuer: overrides.issuer ?? readString(env, 'TWOFOLD_ISSUER') ?? 'Twofold',
    smtpUrl: overrides.smtpUrl ?? readUrl(env, 'TWOFOLD_SMTP_URL', ['smtp:', 'smtps:']),
    mailFrom: overrides.mailFrom ?? mailFrom,
    setupLinkHours: overrides.setupLinkHours ?? readInteger(env, 'TWOFOLD_SETUP_LINK_HOURS', 72, 1, 24 * 90),
    logLevel: overrides.logLevel ?? logLevel,
    logFormat: overrides.logFormat ?? logFormat,
    metricsPort,
    sqliteSynchronous: overrides.sqliteSynchronous ?? sqliteSynchronous,
  };
}
