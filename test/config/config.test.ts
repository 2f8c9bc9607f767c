import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

describe('configuration', () => {
  it('has working defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      publicUrl: 'http://localhost:8080',
      issuer: 'Twofold',
      databaseUrl: undefined,
      smtpUrl: undefined,
      setupLinkHours: 72,
      logLevel: 'info',
      sqliteSynchronous: 'FULL',
    });
    expect(config.dataDir).toMatch(/\/data$/);
  });

  it('reads every variable and lets flags win', () => {
    const config = loadConfig(
      {
        TWOFOLD_PORT: '9000',
        TWOFOLD_PUBLIC_URL: 'https://mfa.example.com/',
        TWOFOLD_ISSUER: 'Example',
        TWOFOLD_DATABASE_URL: 'postgres://u@db/twofold',
        TWOFOLD_SMTP_URL: 'smtp://mail:25',
        TWOFOLD_SQLITE_SYNCHRONOUS: 'normal',
      },
      { port: 9100 },
    );
    expect(config).toMatchObject({
      port: 9100,
      publicUrl: 'https://mfa.example.com',
      issuer: 'Example',
      databaseUrl: 'postgres://u@db/twofold',
      smtpUrl: 'smtp://mail:25',
      sqliteSynchronous: 'NORMAL',
    });
  });

  it('runs RADIUS only when TWOFOLD_RADIUS_PORT is set', () => {
    expect(loadConfig({}).radiusPort).toBeUndefined();
    expect(loadConfig({ TWOFOLD_RADIUS_PORT: '' }).radiusPort).toBeUndefined();
    expect(loadConfig({ TWOFOLD_RADIUS_PORT: '1812' }).radiusPort).toBe(1812);
  });

  it.each([
    [{ TWOFOLD_PORT: 'http' }, 'TWOFOLD_PORT: expected a whole number, got "http"'],
    [{ TWOFOLD_PORT: '70000' }, 'TWOFOLD_PORT: must be between 0 and 65535, got 70000'],
    [
      { TWOFOLD_PUBLIC_URL: 'localhost:8080' },
      'TWOFOLD_PUBLIC_URL: expected a http: or https: URL, got "localhost:"',
    ],
    [
      { TWOFOLD_DATABASE_URL: 'mysql://x' },
      'TWOFOLD_DATABASE_URL: expected a postgres: or postgresql: URL, got "mysql:"',
    ],
    [{ TWOFOLD_LOG_LEVEL: 'loud' }, /^TWOFOLD_LOG_LEVEL: expected one of fatal, error/],
    [{ TWOFOLD_MAIL_FROM: 'nobody' }, 'TWOFOLD_MAIL_FROM: not an e-mail address: "nobody"'],
    [{ TWOFOLD_SQLITE_SYNCHRONOUS: 'OFF' }, 'TWOFOLD_SQLITE_SYNCHRONOUS: expected FULL or NORMAL, got "OFF"'],
    [{ TWOFOLD_RADIUS_PORT: 'radius' }, 'TWOFOLD_RADIUS_PORT: expected a whole number, got "radius"'],
    [{ TWOFOLD_RADIUS_PORT: '99999' }, 'TWOFOLD_RADIUS_PORT: must be between 0 and 65535, got 99999'],
  ])('names the variable at fault: %j', (env, message) => {
    const error = (() => {
      try {
        loadConfig(env);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ConfigError);
    if (typeof message === 'string') expect((error as Error).message).toBe(message);
    else expect((error as Error).message).toMatch(message);
  });

  it('shares the session cookie with a domain only when it contains the public host', () => {
    const env = { TWOFOLD_PUBLIC_URL: 'https://auth.example.com' };
    expect(loadConfig(env).cookieDomain).toBeUndefined();
    expect(loadConfig({ ...env, TWOFOLD_COOKIE_DOMAIN: '.Example.com' }).cookieDomain).toBe('example.com');
    expect(() => loadConfig({ ...env, TWOFOLD_COOKIE_DOMAIN: 'example.org' })).toThrow(
      'TWOFOLD_COOKIE_DOMAIN: example.org does not contain the host of TWOFOLD_PUBLIC_URL (auth.example.com)',
    );
    expect(() => loadConfig({ ...env, TWOFOLD_COOKIE_DOMAIN: 'com' })).toThrow(ConfigError);
  });
});
