import { Ajv2020 } from 'ajv/dist/2020.js';
import Fastify, { type RouteOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { apiRoutes } from '../../src/http/api/index.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

interface Operation {
  summary?: string;
  tags?: string[];
  security?: Record<string, string[]>[];
  parameters?: { in: string; name: string; required?: boolean }[];
  requestBody?: { content: Record<string, { schema: unknown }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: unknown }> }>;
}
interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, { type: string; scheme: string }> };
}

/** The operations issue 4 asks for. */
const REQUIRED = [
  'post /api/v1/login',
  'post /api/v1/logout',
  'get /api/v1/me',
  'post /api/v1/me/verify',
  'post /api/v1/me/password',
  'get /api/v1/me/authenticators',
  'post /api/v1/me/authenticators/totp',
  'post /api/v1/me/authenticators/{id}/activate',
  'delete /api/v1/me/authenticators/{id}',
  'post /api/v1/me/api-tokens',
  'get /api/v1/me/api-tokens',
  'delete /api/v1/me/api-tokens/{id}',
];

let t: TestApp;
let document: OpenApiDocument;
let operations: { key: string; path: string; method: string; operation: Operation }[];

beforeAll(async () => {
  t = await createTestApp();
  const response = await t.app.inject({ method: 'GET', url: '/api/openapi.json' });
  expect(response.statusCode).toBe(200);
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  document = JSON.parse(response.body);
  operations = Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, operation]) => ({
      key: `${method} ${path}`,
      path,
      method,
      operation,
    })),
  );
});
afterAll(async () => {
  await t.close();
});

describe('GET /api/openapi.json', () => {
  test('is an OpenAPI 3.1 document with a bearer scheme', () => {
    expect(document.openapi).toBe('3.1.0');
    expect(document.info.title).toBe('Twofold API');
    expect(document.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  test('describes every operation of issue 4', () => {
    expect(operations.map((op) => op.key).sort()).toEqual(expect.arrayContaining(REQUIRED));
  });

  test('describes every route the API serves under /api/v1, and nothing it does not serve', async () => {
    // The API plugin on its own, as app.ts registers it, with a hook that sees each route added.
    const routes: RouteOptions[] = [];
    const bare = Fastify({ logger: false });
    bare.addHook('onRoute', (route) => {
      routes.push(route);
    });
    await bare.register(apiRoutes, { core: t.core, prefix: '/api' });
    await bare.ready();
    const served = routes
      .flatMap((route) => [route.method].flat().map((method) => `${method.toLowerCase()} ${route.url}`))
      .filter((key) => key.includes(' /api/v1/') && !key.startsWith('head '))
      .map((key) => key.replace(/:(\w+)/g, '{$1}'))
      .sort();
    await bare.close();
    expect(served.length).toBeGreaterThanOrEqual(REQUIRED.length);
    expect(operations.map((op) => op.key).sort()).toEqual(served);
  });

  test('leaves out the documentation routes themselves', () => {
    expect(Object.keys(document.paths).filter((path) => !path.startsWith('/api/v1/'))).toEqual([]);
  });

  test('every operation has a summary, a tag, described responses and its path parameters', () => {
    for (const { key, path, operation } of operations) {
      expect(operation.summary, key).toBeTruthy();
      expect(operation.tags?.length, key).toBeGreaterThan(0);
      expect(Object.keys(operation.responses).length, key).toBeGreaterThan(1);
      for (const [status, response] of Object.entries(operation.responses)) {
        expect(status, key).toMatch(/^[1-5]\d\d$/);
        expect(response.description, `${key} ${status}`).toBeTruthy();
        expect(response.description, `${key} ${status}`).not.toBe('Default Response');
      }
      for (const [, name] of path.matchAll(/\{(\w+)\}/g)) {
        expect(operation.parameters, key).toContainEqual(
          expect.objectContaining({ in: 'path', name, required: true }),
        );
      }
    }
  });

  test('every authenticated operation names its scheme and its 401', () => {
    for (const { key, operation } of operations) {
      // The login operations are how a caller gets a token: they take a password, not a bearer.
      if (key === 'post /api/v1/login' || key.startsWith('post /api/v1/login/')) {
        expect(operation.security, key).toBeUndefined();
        continue;
      }
      // Validate is called by a registered application with its own id and secret, not a person's token.
      const scheme = key === 'post /api/v1/validate' ? 'basicAuth' : 'bearerAuth';
      expect(operation.security, key).toEqual([{ [scheme]: [] }]);
      expect(operation.responses, key).toHaveProperty('401');
    }
  });

  test('every error response is the envelope', () => {
    for (const { key, operation } of operations) {
      for (const [status, response] of Object.entries(operation.responses)) {
        if (Number(status) < 400) continue;
        const schema = response.content?.['application/json']?.schema as {
          required: string[];
          properties: { error: { required: string[]; properties: Record<string, { type: string }> } };
        };
        expect(schema.required, `${key} ${status}`).toEqual(['error']);
        expect([...schema.properties.error.required].sort()).toEqual([
          'code',
          'identity',
          'message',
          'title',
        ]);
        expect(schema.properties.error.properties.identity).toEqual({ type: 'null' });
      }
    }
  });

  test('every schema in it is valid JSON Schema 2020-12 (the dialect of OpenAPI 3.1)', () => {
    // Ajv is the validator Fastify itself runs on these schemas.
    const ajv = new Ajv2020({ strict: true, strictRequired: false, formats: { 'date-time': true } });
    let compiled = 0;
    for (const { key, operation } of operations) {
      const schemas = [
        ...Object.values(operation.requestBody?.content ?? {}).map((media) => media.schema),
        ...Object.values(operation.responses).flatMap((response) =>
          Object.values(response.content ?? {}).map((media) => media.schema),
        ),
      ];
      for (const schema of schemas) {
        expect(() => ajv.compile(schema as object), key).not.toThrow();
        compiled++;
      }
    }
    expect(compiled).toBeGreaterThan(operations.length);
  });

  test('a sample of real answers matches the documented schemas', async () => {
    const ajv = new Ajv2020({ strict: false, formats: { 'date-time': true } });
    const login = operations.find((op) => op.key === 'post /api/v1/login')!.operation;
    await t.createUser('schema-check');
    const ok = await t.app.inject({
      method: 'POST',
      url: '/api/v1/login',
      payload: { username: 'schema-check', password: 'correct horse battery' },
    });
    const okSchema = login.responses['200']!.content!['application/json']!.schema as object;
    expect(ajv.validate(okSchema, ok.json()), JSON.stringify(ajv.errors)).toBe(true);
    const refused = await t.app.inject({
      method: 'POST',
      url: '/api/v1/login',
      payload: { username: 'x', password: 'y' },
    });
    const errorSchema = login.responses['401']!.content!['application/json']!.schema as object;
    expect(ajv.validate(errorSchema, refused.json()), JSON.stringify(ajv.errors)).toBe(true);
  });
});

describe('GET /api/docs', () => {
  test('serves the browsable reference, whose scripts and styles load, on the same document', async () => {
    const page = await t.app.inject({ method: 'GET', url: '/api/docs' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    const assets = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]!);
    expect(assets.length).toBeGreaterThanOrEqual(3);
    for (const asset of assets) {
      expect(asset, asset).toMatch(/^\/api\/docs\//);
      expect((await t.app.inject({ method: 'GET', url: asset })).statusCode, asset).toBe(200);
    }
    const spec = await t.app.inject({ method: 'GET', url: '/api/docs/json' });
    expect(spec.json()).toEqual(document);
  });
});
