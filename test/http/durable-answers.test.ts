import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

// `twofold serve` acknowledges SQLite writes at commit and holds every answer until the WAL is
// fsynced (src/store/group-commit-sqlite.ts). The barrier here is the test's, so it can be held.
describe('answers wait for the durability barrier', () => {
  let t: TestApp;
  let release: () => void;
  let fail: (error: Error) => void;
  let barrier: Promise<void> | undefined;
  let app: Awaited<ReturnType<typeof buildApp>>;

  beforeEach(async () => {
    t = await createTestApp();
    app = await buildApp({ core: t.core, logger: false, durable: () => barrier });
    await app.ready();
  });
  afterEach(async () => {
    await app.close();
    await t.close();
  });

  const hold = () => {
    barrier = new Promise<void>((resolve, reject) => {
      release = () => {
        barrier = undefined;
        resolve();
      };
      fail = (error) => {
        barrier = undefined;
        reject(error);
      };
    });
  };

  it('sends nothing until the writes before it are on disk', async () => {
    await t.createUser('alice');
    hold();
    let answered = false;
    const response = app
      .inject({
        method: 'POST',
        url: '/api/v1/login',
        payload: { username: 'alice', password: 'correct horse battery' },
      })
      .then((r) => {
        answered = true;
        return r;
      });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(answered).toBe(false);
    release();
    expect((await response).statusCode).toBe(200);
  });

  it('answers 503, not the result, when the fsync fails', async () => {
    await t.createUser('alice');
    hold();
    const response = app.inject({
      method: 'POST',
      url: '/api/v1/login',
      payload: { username: 'alice', password: 'correct horse battery' },
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    fail(new Error('EIO'));
    const answer = await response;
    expect(answer.statusCode).toBe(503);
    expect(answer.json()).toMatchObject({ error: { reason: 'unavailable' } });
    expect(answer.body).not.toMatch(/token/);
  });

  it('answers at once when nothing waits to be synced', async () => {
    const response = await app.inject({ method: 'GET', url: '/healthz' });
    expect(response.statusCode).toBe(200);
  });
});
