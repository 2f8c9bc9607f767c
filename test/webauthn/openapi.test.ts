import swagger from '@fastify/swagger';
import Fastify from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { webauthnApiRoutes } from '../../src/http/webauthn/index.js';
import { createWebauthnTestApp, type WebauthnTestApp } from '../helpers/webauthn-app.js';

/**
 * The WebAuthn endpoints document themselves from their TypeBox schemas. Here they are mounted
 * under /api/v1 beside @fastify/swagger, the way the API plugin mounts its features.
 */
let t: WebauthnTestApp;
beforeEach(async () => {
  t = await createWebauthnTestApp();
});
afterEach(async () => t.close());

async function documentOf(): Promise<{
  paths: Record<string, Record<string, { requestBody?: unknown; responses: Record<string, unknown> }>>;
}> {
  const app = Fastify({ logger: false });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'test', version: '1' },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } },
    },
  });
  app.decorateRequest('apiPrincipal', null);
  await app.register(webauthnApiRoutes, { core: t.core, prefix: '/api/v1' });
  await app.ready();
  const document = app.swagger() as never;
  await app.close();
  return document;
}

describe('WebAuthn endpoints in the OpenAPI document', () => {
  it('describes registration and second-factor authentication, options and verification', async () => {
    const { paths } = await documentOf();
    expect(Object.keys(paths).sort()).toEqual([
      '/api/v1/login/webauthn',
      '/api/v1/login/webauthn/options',
      '/api/v1/me/authenticators/webauthn/registration',
      '/api/v1/me/authenticators/webauthn/registration/options',
      '/api/v1/me/verify/webauthn',
      '/api/v1/me/verify/webauthn/options',
    ]);
    const registration = paths['/api/v1/me/authenticators/webauthn/registration']?.post;
    expect(JSON.stringify(registration?.requestBody)).toContain('attestationObject');
    expect(Object.keys(registration?.responses ?? {})).toEqual(
      expect.arrayContaining(['201', '400', '401', '410']),
    );
    const login = paths['/api/v1/login/webauthn']?.post;
    expect(JSON.stringify(login?.requestBody)).toContain('authenticatorData');
  });
});
