/**
 * RADIUS against the real `twofold serve`, with FreeRADIUS's radclient as the device (a VPN
 * concentrator, a switch): the password with the code typed after it, the Access-Challenge when
 * the code is missing, each client's MFA policy, the replay rule and the throttle shared with the
 * login page. Codes come from oathtool at real time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEventType } from '../../src/core/index.js';
import { assertOathtoolInstalled } from '../helpers/oathtool.js';
import { hiddenFields } from '../helpers/page-client.js';
import { assertRadclientInstalled, radclient } from '../helpers/radclient.js';
import { startUdpRelay } from '../helpers/udp-relay.js';
import { codeOf, PASSWORD, type RadiusFixture, startRadiusFixture, wrongCodes } from './fixture.js';

const VPN_SECRET = 'vpn-shared-secret-0123';
const WIFI_SECRET = 'wifi-shared-secret-4567';
const USERS = ['accept', 'wrong', 'challenge', 'replay', 'dup', 'radthrottle', 'pagethrottle', 'noMfa'];

describe('RADIUS in twofold serve', () => {
  let fixture: RadiusFixture;

  beforeAll(async () => {
    await assertRadclientInstalled();
    await assertOathtoolInstalled();
    fixture = await startRadiusFixture({
      users: USERS,
      withTotp: USERS.filter((u) => u !== 'noMfa'),
      clients: [
        // Two clients on one address: the Message-Authenticator tells which one sent a packet.
        { name: 'VPN', networks: ['127.0.0.1/32'], secret: VPN_SECRET, mfaPolicy: 'required' },
        { name: 'Wi-Fi', networks: ['127.0.0.0/8'], secret: WIFI_SECRET, mfaPolicy: 'not_required' },
      ],
    });
  }, 60_000);

  afterAll(async () => {
    await fixture?.close();
  });

  const eventsOf = (username: string, type: AuditEventType) =>
    fixture.withCore(async (core) => {
      const user = await core.store.users.findByUsername(username);
      return core.store.audit.list({ userId: user!.id, type });
    });

  const vpn = (userName: string, password: string, state?: string) =>
    radclient({
      port: fixture.radiusPort,
      secret: VPN_SECRET,
      userName,
      password,
      ...(state ? { state } : {}),
    });

  it('accepts the password with the code typed after it, signed with the Message-Authenticator first', async () => {
    const reply = await vpn('accept', PASSWORD + (await codeOf(fixture, 'accept')));
    expect(reply.code, reply.output).toBe('Access-Accept');
    // radclient checked the Response Authenticator and the Message-Authenticator, or it would
    // have refused the reply; the Message-Authenticator comes first.
    expect(Object.keys(reply.attributes)[0]).toBe('Message-Authenticator');
    const [signedIn] = await eventsOf('accept', 'service.signed_in');
    expect(JSON.parse(signedIn!.detail)).toMatchObject({
      client_id: 'vpn',
      amr: expect.stringContaining('otp'),
    });
    expect(signedIn!.ip).toBe('127.0.0.1');
  });

  it('rejects a wrong code, saying why, and audits the failure', async () => {
    const [wrong] = await wrongCodes(fixture, 'wrong', 1);
    const reply = await vpn('wrong', PASSWORD + wrong);
    expect(reply.code, reply.output).toBe('Access-Reject');
    expect(reply.attributes['Reply-Message']).toMatch(/one-time code is not valid/);
    const bad = await vpn('wrong', 'not the password');
    expect(bad.code).toBe('Access-Reject');
    const failures = (await eventsOf('wrong', 'login.failed')).map((e) => JSON.parse(e.detail).reason);
    expect(failures).toEqual(['password', expect.stringMatching(/code/)]);
  });

  it('asks for the code with an Access-Challenge when the password comes alone, then accepts it once', async () => {
    const challenge = await vpn('challenge', PASSWORD);
    expect(challenge.code, challenge.output).toBe('Access-Challenge');
    expect(challenge.attributes['Reply-Message']).toBe('Enter your one-time code');
    const state = challenge.attributes.State!;
    // 256 random bits, base64url: 43 characters.
    expect(state).toMatch(/^0x[0-9a-f]{86}$/);

    const code = await codeOf(fixture, 'challenge');
    const accepted = await vpn('challenge', code, state);
    expect(accepted.code, accepted.output).toBe('Access-Accept');
    // Taken once: the same State does not open a second sign-in, even with a fresh code.
    const again = await vpn('challenge', await codeOf(fixture, 'challenge', 30), state);
    expect(again.code).toBe('Access-Reject');
    expect(again.attributes['Reply-Message']).toMatch(/sign in again/);
  });

  it("refuses a State with another person's name: the code would come without a password", async () => {
    const challenge = await vpn('challenge', PASSWORD);
    expect(challenge.code).toBe('Access-Challenge');
    const other = await vpn('replay', await codeOf(fixture, 'replay'), challenge.attributes.State);
    expect(other.code).toBe('Access-Reject');
  });

  it('refuses a code already used, on the same client', async () => {
    const code = await codeOf(fixture, 'replay');
    expect((await vpn('replay', PASSWORD + code)).code).toBe('Access-Accept');
    const replayed = await vpn('replay', PASSWORD + code);
    expect(replayed.code, replayed.output).toBe('Access-Reject');
  });

  it("follows each client's MFA policy: the password alone is enough where it is not required", async () => {
    const wifi = await radclient({
      port: fixture.radiusPort,
      secret: WIFI_SECRET,
      userName: 'challenge',
      password: PASSWORD,
    });
    expect(wifi.code, wifi.output).toBe('Access-Accept');
    // A person without a second factor where MFA is required is refused, with the reason.
    const vpnNoMfa = await vpn('noMfa', PASSWORD);
    expect(vpnNoMfa.code).toBe('Access-Reject');
    expect(vpnNoMfa.attributes['Reply-Message']).toMatch(/needs a second factor/);
  });

  it('answers a duplicated request once: both copies get the same answer, the code is checked once', async () => {
    const relay = await startUdpRelay({
      to: { host: '127.0.0.1', port: fixture.radiusPort },
      from: '127.0.0.1',
      copies: 2,
    });
    try {
      const reply = await radclient({
        port: relay.port,
        secret: VPN_SECRET,
        userName: 'dup',
        password: PASSWORD + (await codeOf(fixture, 'dup')),
      });
      expect(reply.code, reply.output).toBe('Access-Accept');
      for (let i = 0; i < 100 && relay.replies.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
      expect(relay.replies).toHaveLength(2);
      expect(relay.replies[1]!.equals(relay.replies[0]!)).toBe(true);
    } finally {
      await relay.close();
    }
  });

  it('shares the throttle with the login page: wrong codes over RADIUS make the code step wait', async () => {
    for (const wrong of await wrongCodes(fixture, 'radthrottle', 5)) {
      expect((await vpn('radthrottle', PASSWORD + wrong)).code).toBe('Access-Reject');
    }
    const page = await passwordStep(fixture.server.url, 'radthrottle');
    const codeStep = await page.enterCode(await codeOf(fixture, 'radthrottle'));
    expect(codeStep.status).toBe(429);
    expect(codeStep.headers.get('retry-after')).toMatch(/^\d+$/);
  });

  it('and the other way round: wrong codes on the login page make RADIUS wait too', async () => {
    const page = await passwordStep(fixture.server.url, 'pagethrottle');
    for (const wrong of await wrongCodes(fixture, 'pagethrottle', 5)) {
      expect((await page.enterCode(wrong)).status).toBe(401);
    }
    const reply = await vpn('pagethrottle', PASSWORD + (await codeOf(fixture, 'pagethrottle')));
    expect(reply.code).toBe('Access-Reject');
    expect(reply.attributes['Reply-Message']).toMatch(/Too many failed attempts/);
  });
});

/** The login page over real HTTP, as far as its password step: then `enterCode`, as often as wanted. */
async function passwordStep(baseUrl: string, username: string) {
  const cookies = new Map<string, string>();
  const request = async (path: string, form?: Record<string, string>) => {
    const response = await fetch(`${baseUrl}${path}`, {
      method: form ? 'POST' : 'GET',
      redirect: 'manual',
      headers: {
        accept: 'text/html',
        cookie: [...cookies].map(([name, value]) => `${name}=${value}`).join('; '),
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(form ? { body: new URLSearchParams(form).toString() } : {}),
    });
    for (const header of response.headers.getSetCookie()) {
      const [pair = ''] = header.split(';');
      const eq = pair.indexOf('=');
      cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
    return { status: response.status, headers: response.headers, html: await response.text() };
  };
  const form = await request('/login');
  const posted = await request('/login', {
    ...hiddenFields(form.html, '/login'),
    username,
    password: PASSWORD,
  });
  expect(posted.status).toBe(303);
  return {
    enterCode: async (otp: string) => {
      const step = await request('/login');
      return request('/login/code', { ...hiddenFields(step.html, '/login/code'), otp });
    },
  };
}
