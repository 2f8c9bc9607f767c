import type { Command } from 'commander';
import type pino from 'pino';
import type { Config } from '../config.js';
import { buildApp } from '../http/app.js';
import type { MetricsServer, PrometheusMetrics } from '../metrics/index.js';
import { RadiusServer } from '../radius/server.js';
import { configFrom } from './config-options.js';
import { type Context, openContext, StartupError } from './context.js';
import { type CliIo, UsageError } from './io.js';
import { createLogger } from './logger.js';
import { logSecurityEvents } from './security-log.js';

interface ServeOptions {
  readonly port?: string;
  readonly host?: string;
  readonly dataDir?: string;
}

/** `twofold serve`: what `npm start` runs. */
export function registerServeCommand(program: Command, io: CliIo): void {
  program
    .command('serve')
    .description('run the Twofold server')
    .option('--port <port>', 'TCP port (default: $TWOFOLD_PORT or 8080)')
    .option('--host <host>', 'interface to bind (default: $TWOFOLD_HOST or 127.0.0.1)')
    .option('--data-dir <dir>', 'data directory (default: $TWOFOLD_DATA_DIR or ./data)')
    .action(async (options: ServeOptions) => {
      await serve(configFrom(io, toOverrides(options)), io);
    });
}

function toOverrides(options: ServeOptions): Partial<Config> {
  const overrides: { port?: number; host?: string; dataDir?: string } = {};
  if (options.port !== undefined) {
    if (!/^\d+$/.test(options.port) || Number(options.port) > 65535) {
      throw new UsageError(`--port: expected a port number from 0 to 65535, got "${options.port}"`);
    }
    overrides.port = Number(options.port);
  }
  if (options.host !== undefined) overrides.host = options.host;
  if (options.dataDir !== undefined) overrides.dataDir = options.dataDir;
  return overrides;
}

/** Starts the server and resolves once it has stopped (SIGINT or SIGTERM). */
export async function serve(config: Config, io: CliIo): Promise<void> {
  const logger = createLogger(config);
  // Loaded only when asked for: prom-client and its collectors cost a server without them nothing.
  const metrics =
    config.metricsPort === undefined
      ? undefined
      : new (await import('../metrics/index.js')).PrometheusMetrics();
  const context = await openContext(config, io, {
    log: (level, fields, message) => logger[level](fields, message),
    acknowledgeWritesAtCommit: true,
    ...(metrics ? { metrics } : {}),
  });
  logSecurityEvents(context.core, (fields, message) => logger.info(fields, message));
  const app = await buildApp({
    core: context.core,
    logger,
    durable: context.database.durable,
    ...(metrics ? { observeRequest: metrics.observeRequest } : {}),
  });
  // Signing keys are loaded (or, on a fresh database, generated) before the first request.
  const issuer = (await app.oidcProvider()).issuer;
  const radius = config.radiusPort === undefined ? undefined : await startRadius(config, context, logger);
  if (metrics && radius) metrics.watchRadius(radius.counters);
  const metricsServer = metrics && (await startMetrics(config, metrics, context, logger));
  const stopped = new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      logger.info({ signal }, 'Twofold is stopping');
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void Promise.all([app.close(), radius?.close(), metricsServer?.close()])
        .then(() => context.close())
        .then(() => {
          logger.info('Twofold stopped');
          logger.flush();
          resolve();
        });
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await app.listen({
    port: config.port,
    host: config.host,
    listenTextResolver: (address) =>
      `Twofold listening on ${address} (public URL ${config.publicUrl}, OpenID Connect issuer ${issuer}, ${context.database.engine} at ${context.database.location})`,
  });
  // Route schemas compile on a route's first request, and only then: compiling all of them
  // would hold ~7 MB for routes a deployment may never see (test/http/lazy-schemas.test.ts
  // compiles them all, so none fails at run time).
  const adminSetupUrl = await context.core.onboarding.createAdminSetupLink();
  if (adminSetupUrl) {
    logger.warn(
      { url: adminSetupUrl },
      `No administrator yet: open ${adminSetupUrl} to create the first one (valid 24 hours), or run \`twofold user add NAME --email E --admin\``,
    );
  }
  await stopped;
}

/** GET /metrics on a listener of its own, on the HTTP interface (TWOFOLD_HOST): TWOFOLD_METRICS_PORT. */
async function startMetrics(
  config: Config,
  metrics: PrometheusMetrics,
  context: Context,
  logger: pino.Logger,
): Promise<MetricsServer> {
  const port = config.metricsPort as number;
  let server: MetricsServer;
  try {
    const { startMetricsServer } = await import('../metrics/index.js');
    server = await startMetricsServer(metrics, { host: config.host, port });
  } catch (error) {
    await context.close();
    throw new StartupError(
      `cannot listen for metrics on ${config.host}:${port} (TWOFOLD_METRICS_PORT): ${(error as Error).message}`,
      { cause: error },
    );
  }
  logger.info({ url: server.url }, `Metrics listening on ${server.url}`);
  return server;
}

/** RADIUS on UDP, on the HTTP interface (TWOFOLD_HOST), when TWOFOLD_RADIUS_PORT is set. */
async function startRadius(config: Config, context: Context, logger: pino.Logger): Promise<RadiusServer> {
  const port = config.radiusPort as number;
  let server: RadiusServer;
  try {
    server = await RadiusServer.start({
      core: context.core,
      host: config.host,
      port,
      durable: context.database.durable,
      logger,
    });
  } catch (error) {
    await context.close();
    throw new StartupError(
      `cannot listen for RADIUS on UDP ${config.host}:${port} (TWOFOLD_RADIUS_PORT): ${(error as Error).message}`,
      { cause: error },
    );
  }
  const { address, port: bound } = server.address();
  const clients = (await context.store.services.listByKind('radius')).length;
  logger.info(
    { address, port: bound, clients },
    `RADIUS listening on UDP ${address}:${bound} for ${clients} registered RADIUS client(s)`,
  );
  return server;
}
