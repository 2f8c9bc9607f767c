import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { UserRow } from '../../src/store/index.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import {
  ADDITIONAL_STEPS_BODY,
  bearer,
  loginToken,
  PASSWORD,
  personalToken,
  postLogin,
} from './api-helpers.js';

const run = promisify(execFile);
const CODE = /^[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}$/;

let t: TestApp;
let user: UserRow;
let secret: string;
let token: string;

beforeEach(async () => {
  t = await createTestApp({ issuer: 'Example Corp' });
  user = await t.createUser('alice');
  ({ secret } = await t.enrollTotp(user));
  token = await loginToken(t, 'alice', secret);
  t.clock.advance(30_000);
});
afterEach(async () => {
  await t.close();
});

const generate = (withToken = token) =>
  t.app.inject({ method: 'POST', url: '/api/v1/me/backup-codes', headers: bearer(withToken) });

describe('backup codes over the API', () => {
  test('POST gives ten codes once; GET tells the count and date, never the codes', async () => {
    const created = await generate();
    expect(created.statusCode).toBe(201);
    const { codes, createdAt } = created.json<{ codes: string[]; createdAt: string }>();
    expect(codes).toHaveLength(10);
    for (const code of codes) expect(code).toMatch(CODE);

    const status = await t.app.inject({ url: '/api/v1/me/backup-codes', headers: bearer(token) });
    expect(status.json()).toEqual({ total: 10, remaining: 10, createdAt, confirmed: false });
    expect(status.body).not.toContain(codes[0]!);

    const confirmed = await t.app.inject({
      method: 'POST',
      url: '/api/v1/me/backup-codes/confirm',
      headers: bearer(token),
    });
    expect(confirmed.statusCode).toBe(204);
    expect(
      (await t.app.inject({ url: '/api/v1/me/backup-codes', headers: bearer(token) })).json(),
    ).toMatchObject({
      confirmed: true,
    });
  });

  test('a backup code logs in once in the otp field, in any case and without dashes', async () => {
    const { codes } = (await generate()).json<{ codes: string[] }>();
    const first = await postLogin(t, { username: 'alice', password: PASSWORD, otp: codes[0]!.toLowerCase() });
    expect(first.statusCode).toBe(200);
    const again = await postLogin(t, { username: 'alice', password: PASSWORD, otp: codes[0] });
    expect(again.statusCode).toBe(401);
    expect(again.json()).toEqual(ADDITIONAL_STEPS_BODY);
    const undashed = await postLogin(t, {
      username: 'alice',
      password: PASSWORD,
      otp: codes[1]!.replaceAll('-', ''),
    });
    expect(undashed.statusCode).toBe(200);
    const status = await t.app.inject({ url: '/api/v1/me/backup-codes', headers: bearer(token) });
    expect(status.json()).toMatchObject({ remaining: 8 });
  });

  test('a backup code serves as a step-up', async () => {
    const { codes } = (await generate()).json<{ codes: string[] }>();
    const verified = await t.app.inject({
      method: 'POST',
      url: '/api/v1/me/verify',
      headers: bearer(token),
      payload: { otp: codes[4] },
    });
    expect(verified.statusCode).toBe(200);
    expect(verified.json()).toMatchObject({ method: 'backup_code' });
  });

  test('the PDF holds exactly the new codes (read by pdftotext), only right after generation', async () => {
    const { codes } = (await generate()).json<{ codes: string[] }>();
    const pdf = await t.app.inject({ url: '/api/v1/me/backup-codes.pdf', headers: bearer(token) });
    expect(pdf.statusCode).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect(pdf.headers['content-disposition']).toBe('attachment; filename="Example-Corp-backup-codes.pdf"');
    const file = join(t.dataDir, 'codes.pdf');
    writeFileSync(file, pdf.rawPayload);
    const { stdout } = await run('pdftotext', ['-layout', file, '-']);
    expect(stdout).toContain('Example Corp backup codes');
    expect(stdout).toContain('Account: alice');
    expect((stdout.match(/[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}/g) ?? []).sort()).toEqual(
      [...codes].sort(),
    );

    t.clock.advance(5 * 60_000);
    const late = await t.app.inject({ url: '/api/v1/me/backup-codes.pdf', headers: bearer(token) });
    expect(late.statusCode).toBe(404);
    expect(late.json().error.message).toMatch(/only within 5 minutes of generating them/);
  });

  test('a personal API token can neither generate codes nor download them', async () => {
    const personal = await personalToken(t, token);
    expect((await generate(personal.token)).statusCode).toBe(403);
    const pdf = await t.app.inject({ url: '/api/v1/me/backup-codes.pdf', headers: bearer(personal.token) });
    expect(pdf.statusCode).toBe(403);
    const status = await t.app.inject({ url: '/api/v1/me/backup-codes', headers: bearer(personal.token) });
    expect(status.statusCode).toBe(200);
  });

  test('generating needs a recent proof: after 5 minutes, 401 step_up_required', async () => {
    t.clock.advance(5 * 60_000);
    const late = await generate();
    expect(late.statusCode).toBe(401);
    expect(late.json().error.reason).toBe('step_up_required');
  });
});
