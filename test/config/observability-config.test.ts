import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

describe('metrics and log settings', () => {
  it('serves no metrics and logs JSON unless told otherwise', () => {
    expect(loadConfig({})).toMatchObject({ metricsPort: undefined, logFormat: 'json' });
  });

  it('reads TWOFOLD_METRICS_PORT and TWOFOLD_LOG_FORMAT', () => {
    expect(loadConfig({ TWOFOLD_METRICS_PORT: '9464', TWOFOLD_LOG_FORMAT: 'Pretty' })).toMatchObject({
      metricsPort: 9464,
      logFormat: 'pretty',
    });
    // 0: any free port, which the start-up line names.
    expect(loadConfig({ TWOFOLD_METRICS_PORT: '0' }).metricsPort).toBe(0);
  });

  it('refuses a metrics port that is not a port, or is the public one', () => {
    expect(() => loadConfig({ TWOFOLD_METRICS_PORT: 'prometheus' })).toThrow(
      new ConfigError('TWOFOLD_METRICS_PORT', 'expected a whole number, got "prometheus"'),
    );
    expect(() => loadConfig({ TWOFOLD_METRICS_PORT: '70000' })).toThrow(/between 0 and 65535/);
    expect(() => loadConfig({ TWOFOLD_METRICS_PORT: '8080' })).toThrow(
      new ConfigError(
        'TWOFOLD_METRICS_PORT',
        "must differ from the server's port (8080): /metrics is never served on the public listener",
      ),
    );
    // The same with the port given as a flag.
    expect(() => loadConfig({ TWOFOLD_METRICS_PORT: '9000' }, { port: 9000 })).toThrow(/must differ/);
  });

  it('refuses a log format it does not know', () => {
    expect(() => loadConfig({ TWOFOLD_LOG_FORMAT: 'xml' })).toThrow(
      new ConfigError('TWOFOLD_LOG_FORMAT', 'expected json or pretty, got "xml"'),
    );
  });
});
