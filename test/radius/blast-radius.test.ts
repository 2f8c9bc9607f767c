/**
 * Threat: someone who can send UDP to Twofold, or sits on the path between a device and Twofold,
 * tries to get an Access-Accept without the password and code. With RADIUS's MD5 Response
 * Authenticator alone, an attacker in the path can forge an Accept from a Reject by a chosen-
 * prefix collision (Blast-RADIUS, CVE-2024-3596); the fix is the Message-Authenticator, required
 * on every request and placed first in every answer. Anything Twofold cannot prove comes from a
 * registered client — a wrong shared secret, a missing Message-Authenticator, an address in no
 * client's networks, bytes that are not RADIUS — gets no answer at all, so there is nothing to
 * forge from and nothing to learn.
 */
import { createSocket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertOathtoolInstalled } from '../helpers/oathtool.js';
import { assertRadclientInstalled, radclient } from '../helpers/radclient.js';
import { startUdpRelay } from '../helpers/udp-relay.js';
import { PASSWORD, type RadiusFixture, startRadiusFixture } from './fixture.js';

const SECRET = 'the-real-shared-secret';

describe('RADIUS refuses what it cannot authenticate', () => {
  let fixture: RadiusFixture;

  beforeAll(async () => {
    await assertRadclientInstalled();
    await assertOathtoolInstalled();
    fixture = await startRadiusFixture({
      users: ['alice'],
      withTotp: [],
      // 127.0.0.3 stands for a second device; 127.0.0.2 is registered nowhere.
      clients: [
        {
          name: 'Switch',
          networks: ['127.0.0.1', '127.0.0.3/32'],
          secret: SECRET,
          mfaPolicy: 'not_required',
        },
      ],
    });
  }, 60_000);

  afterAll(async () => {
    await fixture?.close();
  });

  const ask = (options: { secret?: string; port?: number; messageAuthenticator?: boolean } = {}) =>
    radclient({
      port: options.port ?? fixture.radiusPort,
      secret: options.secret ?? SECRET,
      userName: 'alice',
      password: PASSWORD,
      ...(options.messageAuthenticator === false ? { messageAuthenticator: false } : {}),
    });

  it('answers the registered client with the right secret (the control)', async () => {
    const reply = await ask();
    expect(reply.code, reply.output).toBe('Access-Accept');
  });

  it('ignores a request signed with the wrong shared secret', async () => {
    const reply = await ask({ secret: 'a-guessed-shared-secret' });
    expect(reply.code, reply.output).toBeUndefined();
    expect(reply.output).toMatch(/No reply from server/);
  });

  it('ignores a request without a Message-Authenticator, even with the right secret', async () => {
    const reply = await ask({ messageAuthenticator: false });
    expect(reply.code, reply.output).toBeUndefined();
  });

  it("ignores a request from an address in no client's networks", async () => {
    const to = { host: '127.0.0.1', port: fixture.radiusPort };
    const stranger = await startUdpRelay({ to, from: '127.0.0.2' });
    const secondDevice = await startUdpRelay({ to, from: '127.0.0.3' });
    try {
      expect((await ask({ port: stranger.port })).code).toBeUndefined();
      expect(stranger.replies).toHaveLength(0);
      // The relay itself is not the reason: from a registered address it gets its answer.
      expect((await ask({ port: secondDevice.port })).code).toBe('Access-Accept');
    } finally {
      await stranger.close();
      await secondDevice.close();
    }
  });

  it('ignores bytes that are not RADIUS, and goes on answering', async () => {
    const socket = createSocket('udp4');
    const replies: Buffer[] = [];
    socket.on('message', (m) => replies.push(m));
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
    // An Access-Request header claiming more bytes than sent, and one with a broken attribute.
    const truncated = Buffer.alloc(20);
    truncated.writeUInt8(1, 0);
    truncated.writeUInt16BE(200, 2);
    const brokenAttribute = Buffer.concat([Buffer.alloc(20), Buffer.from([1, 0])]);
    brokenAttribute.writeUInt8(1, 0);
    brokenAttribute.writeUInt16BE(22, 2);
    for (const datagram of [Buffer.from('GET / HTTP/1.1\r\n\r\n'), truncated, brokenAttribute]) {
      await new Promise<void>((resolve) =>
        socket.send(datagram, fixture.radiusPort, '127.0.0.1', () => resolve()),
      );
    }
    expect((await ask()).code).toBe('Access-Accept');
    socket.close();
    expect(replies).toHaveLength(0);
  });

  it('logs each drop at warn with its reason, never the secret or the password', () => {
    const lines = fixture.server
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { level: number; reason?: string; msg: string });
    const reasons = new Set(lines.filter((l) => l.level === 40 && l.reason).map((l) => l.reason));
    expect([...reasons].sort()).toEqual([
      'bad_message_authenticator',
      'malformed',
      'missing_message_authenticator',
      'unknown_client',
    ]);
    expect(fixture.server.output()).not.toContain(SECRET);
    expect(fixture.server.output()).not.toContain('a-guessed-shared-secret');
    expect(fixture.server.output()).not.toContain(PASSWORD);
  });
});
