import { createServer, type IncomingMessage } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';

/**
 * An OpenID Connect provider that answers as a test script tells it to: the ID token it signs
 * can carry another audience, an expiry in the past, `email_verified: false`, any `amr`/`acr`,
 * and its authorization endpoint can refuse. It exists to show that openid-client's checks, and
 * Twofold's rules after them, hold against a provider that gets things wrong — which a real,
 * certified provider (a second Twofold, oidc-provider) will not do on request.
 */
export interface ScriptedIdp {
  readonly issuer: string;
  /** Claims merged into the next ID tokens (over sub, email, email_verified, aud, exp, …). */
  claims: Record<string, unknown>;
  /** When set, the authorization endpoint sends the browser back with this error. */
  refuseWith: string | undefined;
  close(): Promise<void>;
}

/** `at`: an issuer URL of an earlier one, to come back on its port. */
export async function startScriptedIdp(clientId: string, at?: string): Promise<ScriptedIdp> {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'scripted', alg: 'ES256', use: 'sig' };
  const codes = new Map<string, { nonce: string }>();
  let issuer = '';
  const idp: ScriptedIdp = {
    get issuer() {
      return issuer;
    },
    claims: {},
    refuseWith: undefined,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };

  const server = createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', issuer);
    const json = (body: unknown, status = 200) =>
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    switch (url.pathname) {
      case '/.well-known/openid-configuration':
        return json({
          issuer,
          authorization_endpoint: `${issuer}/authorize`,
          token_endpoint: `${issuer}/token`,
          jwks_uri: `${issuer}/jwks`,
          response_types_supported: ['code'],
          subject_types_supported: ['public'],
          id_token_signing_alg_values_supported: ['ES256'],
          code_challenge_methods_supported: ['S256'],
          token_endpoint_auth_methods_supported: ['client_secret_basic'],
        });
      case '/jwks':
        return json({ keys: [jwk] });
      case '/authorize': {
        const back = new URL(url.searchParams.get('redirect_uri') ?? '');
        back.searchParams.set('state', url.searchParams.get('state') ?? '');
        if (idp.refuseWith) {
          back.searchParams.set('error', idp.refuseWith);
        } else {
          const code = `code-${codes.size + 1}`;
          codes.set(code, { nonce: url.searchParams.get('nonce') ?? '' });
          back.searchParams.set('code', code);
        }
        return response.writeHead(302, { location: back.href }).end();
      }
      case '/token': {
        const form = new URLSearchParams(await body(request));
        const grant = codes.get(form.get('code') ?? '');
        if (!grant) return json({ error: 'invalid_grant' }, 400);
        codes.delete(form.get('code') ?? '');
        const now = Math.floor(Date.now() / 1000);
        const idToken = await new SignJWT({
          iss: issuer,
          sub: 'person-1',
          aud: clientId,
          iat: now,
          exp: now + 300,
          nonce: grant.nonce,
          email: 'pat@example.test',
          email_verified: true,
          ...idp.claims,
        })
          .setProtectedHeader({ alg: 'ES256', kid: 'scripted' })
          .sign(privateKey);
        return json({
          access_token: 'scripted-access-token',
          token_type: 'Bearer',
          expires_in: 300,
          id_token: idToken,
        });
      }
      default:
        return json({ error: 'not_found' }, 404);
    }
  });
  await new Promise<void>((resolve) =>
    server.listen(at ? Number(new URL(at).port) : 0, '127.0.0.1', resolve),
  );
  const address = server.address();
  issuer = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return idp;
}

function body(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    request.on('data', (chunk: Buffer) => {
      text += chunk.toString();
    });
    request.on('end', () => resolve(text));
    request.on('error', reject);
  });
}
