import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

describe('route schemas compiled on first use', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await createTestApp();
  });
  afterEach(() => t.close());

  it('validates a request exactly as before: a bad body is a 400 naming the field', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/v1/login',
      payload: { username: 'alice' },
    });
    expect(response.statusCode).toBe(400);
    expect(response.body).toMatch(/password/);
  });

  it('compiles every remaining schema of every route without an error', async () => {
    await expect(t.app.compilePendingSchemas()).resolves.toBeUndefined();
  });
});
