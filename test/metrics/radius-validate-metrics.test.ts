/**
 * The paths that are not pages count in the same metrics: RADIUS Access-Requests from radclient
 * (answers by code, drops by reason, sign-ins under path "radius") and validate calls from an
 * application (sign-ins under path "validate"), each moving its counters by exactly one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertOathtoolInstalled } from '../helpers/oathtool.js';
import { assertRadclientInstalled, radclient } from '../helpers/radclient.js';
import { codeOf, PASSWORD, type RadiusFixture, startRadiusFixture, wrongCodes } from '../radius/fixture.js';
import { changes, scrape } from './scrape.js';

const SECRET = 'metrics-radius-secret-0123';

describe('metrics of RADIUS and the validate API in twofold serve', () => {
  let fixture: RadiusFixture;
  let metricsUrl: string;
  let application: string;

  beforeAll(async () => {
    await assertRadclientInstalled();
    await assertOathtoolInstalled();
    fixture = await startRadiusFixture({
      users: ['vpnuser', 'apiuser'],
      withTotp: ['vpnuser', 'apiuser'],
      clients: [{ name: 'VPN', networks: ['127.0.0.1/32'], secret: SECRET, mfaPolicy: 'required' }],
      env: { TWOFOLD_METRICS_PORT: '0' },
    });
    const match = /Metrics listening on (http:\/\/127\.0\.0\.1:\d+\/metrics)/.exec(fixture.server.output());
    if (!match) throw new Error(`no metrics start-up line:\n${fixture.server.output()}`);
    metricsUrl = match[1]!;
    application = await fixture.withCore(async (core) => {
      const created = await core.services.register(
        { name: 'Billing script', kind: 'application', mfaPolicy: 'required' },
        'cli',
      );
      return `${created.service.clientId}:${created.clientSecret}`;
    });
  }, 60_000);

  afterAll(async () => {
    await fixture?.close();
  });

  const vpn = (password: string, secret = SECRET, state?: string) =>
    radclient({
      port: fixture.radiusPort,
      secret,
      userName: 'vpnuser',
      password,
      ...(state ? { state } : {}),
    });

  it('counts a challenge, its answer, a wrong code and a wrong shared secret, each once', async () => {
    const before = await scrape(metricsUrl);
    const challenge = await vpn(PASSWORD);
    expect(challenge.code, challenge.output).toBe('Access-Challenge');
    const accept = await vpn(await codeOf(fixture, 'vpnuser'), SECRET, challenge.attributes.State);
    expect(accept.code, accept.output).toBe('Access-Accept');
    const [wrong] = await wrongCodes(fixture, 'vpnuser', 1);
    const reject = await vpn(PASSWORD + wrong);
    expect(reject.code, reject.output).toBe('Access-Reject');
    const ignored = await vpn(PASSWORD, 'not-the-shared-secret');
    expect(ignored.code, ignored.output).toBeUndefined();
    const after = await scrape(metricsUrl);

    expect(changes(before, after, 'twofold_sign_ins_total')).toEqual({
      '{path="radius",result="second_factor_required"}': 1,
      '{path="radius",result="ok"}': 1,
      '{path="radius",result="wrong_code"}': 1,
    });
    expect(changes(before, after, 'twofold_radius_answers_total')).toEqual({
      '{answer="challenge"}': 1,
      '{answer="accept"}': 1,
      '{answer="reject"}': 1,
    });
    expect(changes(before, after, 'twofold_radius_dropped_total')).toEqual({
      '{reason="bad_message_authenticator"}': 1,
    });
    expect(changes(before, after, 'twofold_second_factor_checks_total')).toEqual({
      '{kind="totp",result="ok"}': 1,
      '{kind="totp",result="wrong"}': 1,
    });
  });

  it('counts validate calls under their own path', async () => {
    const validate = (body: Record<string, string>) =>
      fetch(`${fixture.server.url}/api/v1/validate`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Basic ${Buffer.from(application).toString('base64')}`,
        },
        body: JSON.stringify(body),
      }).then((response) => response.json() as Promise<{ ok: boolean }>);
    const before = await scrape(metricsUrl);
    const [wrong] = await wrongCodes(fixture, 'apiuser', 1);
    expect(await validate({ user: 'apiuser', code: wrong! })).toMatchObject({ ok: false });
    expect(await validate({ user: 'apiuser', code: await codeOf(fixture, 'apiuser') })).toMatchObject({
      ok: true,
    });
    const after = await scrape(metricsUrl);
    expect(changes(before, after, 'twofold_sign_ins_total')).toEqual({
      '{path="validate",result="ok"}': 1,
      '{path="validate",result="wrong_code"}': 1,
    });
  });
});
