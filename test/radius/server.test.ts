/**
 * The RADIUS server in this process, on a test app's Core with its injected clock: what the
 * real-process tests cannot see — the answer waiting for durability, the drop counters and log
 * lines, a challenge's expiry, and the register followed without a restart. radclient is still
 * the client.
 */
import { createSocket } from 'node:dgram';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CHALLENGE_TTL_MS } from '../../src/radius/challenges.js';
import { CLIENTS_MAX_AGE_MS } from '../../src/radius/clients.js';
import { RadiusServer } from '../../src/radius/server.js';
import { assertRadclientInstalled, radclient } from '../helpers/radclient.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { startUdpRelay } from '../helpers/udp-relay.js';

const PASSWORD = 'correct horse battery';
const SECRET = 'in-process-secret-0123';

describe('RadiusServer', () => {
  let t: TestApp;
  let server: RadiusServer;
  let gate: Promise<void> | undefined;
  let durableCalls: number;
  const logged: { level: string; fields: Record<string, unknown>; message: string }[] = [];

  beforeAll(async () => {
    await assertRadclientInstalled();
  });

  beforeEach(async () => {
    t = await createTestApp();
    gate = undefined;
    durableCalls = 0;
    logged.length = 0;
    const log = (level: string) => (fields: Record<string, unknown>, message: string) => {
      logged.push({ level, fields, message });
    };
    server = await RadiusServer.start({
      core: t.core,
      host: '127.0.0.1',
      port: 0,
      durable: () => {
        durableCalls += 1;
        return gate;
      },
      logger: { info: log('info'), warn: log('warn'), error: log('error') },
    });
    await t.createUser('alice', PASSWORD);
    await t.core.services.register(
      {
        name: 'Switch',
        kind: 'radius',
        networks: ['127.0.0.1'],
        radiusSecret: SECRET,
        mfaPolicy: 'not_required',
      },
      'cli',
    );
  });

  afterEach(async () => {
    await server.close();
    await t.close();
  });

  const send = (
    options: {
      secret?: string;
      password?: string;
      port?: number;
      messageAuthenticator?: boolean;
      state?: string;
    } = {},
  ) =>
    radclient({
      port: options.port ?? server.address().port,
      secret: options.secret ?? SECRET,
      userName: 'alice',
      password: options.password ?? PASSWORD,
      ...(options.state ? { state: options.state } : {}),
      ...(options.messageAuthenticator === false ? { messageAuthenticator: false } : {}),
    });

  it('sends no answer before the writes it reports are durable', async () => {
    let release: () => void = () => {};
    gate = new Promise((resolve) => {
      release = resolve;
    });
    const relay = await startUdpRelay({
      to: { host: '127.0.0.1', port: server.address().port },
      from: '127.0.0.1',
    });
    try {
      const reply = send({ port: relay.port });
      for (let i = 0; i < 200 && durableCalls === 0; i++) await new Promise((r) => setTimeout(r, 5));
      expect(durableCalls).toBe(1);
      // The sign-in is written, the answer worked out, and held: nothing has left.
      expect(relay.replies).toHaveLength(0);
      release();
      expect((await reply).code).toBe('Access-Accept');
      expect(relay.replies).toHaveLength(1);
    } finally {
      await relay.close();
    }
  });

  it('counts and logs what it drops, never with the secret or the password', async () => {
    expect((await send({ secret: 'not-the-secret-at-all' })).code).toBeUndefined();
    expect((await send({ messageAuthenticator: false })).code).toBeUndefined();
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) =>
      socket.send('not radius', server.address().port, '127.0.0.1', () => resolve()),
    );
    socket.close();
    // Still answering what is right.
    expect((await send()).code).toBe('Access-Accept');

    expect(server.counters).toMatchObject({
      received: 4,
      accepted: 1,
      dropped: {
        bad_message_authenticator: 1,
        missing_message_authenticator: 1,
        malformed: 1,
        unknown_client: 0,
      },
    });
    const warnings = logged.filter((l) => l.level === 'warn');
    expect(warnings.map((w) => w.fields.reason).sort()).toEqual([
      'bad_message_authenticator',
      'malformed',
      'missing_message_authenticator',
    ]);
    const text = JSON.stringify(logged);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain('not-the-secret-at-all');
    expect(text).not.toContain(PASSWORD);
  });

  it('lets a challenge expire after two minutes', async () => {
    const user = await t.createUser('bob', PASSWORD);
    const { secret } = await t.enrollTotp(user);
    await t.core.services.register(
      {
        name: 'VPN',
        kind: 'radius',
        networks: ['127.0.0.1'],
        radiusSecret: `${SECRET}-vpn`,
        mfaPolicy: 'required',
      },
      'cli',
    );
    const ask = (password: string, state?: string) =>
      radclient({
        port: server.address().port,
        secret: `${SECRET}-vpn`,
        userName: 'bob',
        password,
        ...(state ? { state } : {}),
      });
    const challenge = await ask(PASSWORD);
    expect(challenge.code, challenge.output).toBe('Access-Challenge');
    t.clock.advance(CHALLENGE_TTL_MS + 1_000);
    const late = await ask(t.codeFor(secret), challenge.attributes.State);
    expect(late.code).toBe('Access-Reject');
    expect(late.attributes['Reply-Message']).toMatch(/expired or was already answered/);
    // The next challenge sweeps the expired one away.
    expect((await ask(PASSWORD)).code).toBe('Access-Challenge');
    expect(await t.store.db.selectFrom('radius_challenges').selectAll().execute()).toHaveLength(1);
  });

  it('follows the register without a restart: a rotated secret works, the old one stops', async () => {
    expect((await send()).code).toBe('Access-Accept');
    const { clientSecret } = await t.core.services.rotateSecret('switch', 'cli');
    // A packet whose secret fits no client reads the register again, at most once a second.
    t.clock.advance(1_000);
    expect((await send({ secret: clientSecret })).code).toBe('Access-Accept');
    t.clock.advance(CLIENTS_MAX_AGE_MS);
    expect((await send()).code).toBeUndefined();
  });
});
