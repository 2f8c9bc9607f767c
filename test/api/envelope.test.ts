import { afterEach, beforeEach, expect, test } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { bearer, expectEnvelope, loginToken } from './api-helpers.js';

let t: TestApp;
beforeEach(async () => {
  t = await createTestApp();
});
afterEach(async () => {
  await t.close();
});

const json = { 'content-type': 'application/json' };

test('malformed JSON is a 400 envelope', async () => {
  const response = await t.app.inject({
    method: 'POST',
    url: '/api/v1/login',
    headers: json,
    payload: '{"username":',
  });
  expectEnvelope(response, 400, { title: 'Bad Request', message: 'The request body is not valid JSON.' });
});

test('an empty JSON body is a 400 envelope', async () => {
  const response = await t.app.inject({ method: 'POST', url: '/api/v1/login', headers: json, payload: '' });
  expectEnvelope(response, 400, { title: 'Bad Request' });
});

test('a JSON body that is not an object is a 400 envelope', async () => {
  const response = await t.app.inject({
    method: 'POST',
    url: '/api/v1/login',
    headers: json,
    payload: '[1,2]',
  });
  expectEnvelope(response, 400, { reason: 'invalid_input' });
});

test('a field a call does not take is a 400 envelope that names it', async () => {
  const login = await t.app.inject({
    method: 'POST',
    url: '/api/v1/login',
    headers: json,
    payload: JSON.stringify({ username: 'alice', password: 'correct horse battery', code: '123456' }),
  });
  expectEnvelope(login, 400, {
    reason: 'invalid_input',
    message: 'Invalid request: body has a field this call does not take: "code". Check its spelling.',
  });
});

test('an oversized body is a 413 envelope, for anonymous and authenticated routes alike', async () => {
  const big = JSON.stringify({ username: 'alice', password: 'x'.repeat(100 * 1024) });
  const login = await t.app.inject({ method: 'POST', url: '/api/v1/login', headers: json, payload: big });
  expectEnvelope(login, 413, { title: 'Payload Too Large', message: 'The request body is too large.' });

  await t.createUser('alice');
  const token = await loginToken(t, 'alice');
  const password = await t.app.inject({
    method: 'POST',
    url: '/api/v1/me/password',
    headers: { ...json, ...bearer(token) },
    payload: big,
  });
  expectEnvelope(password, 413, { message: 'The request body is too large.' });
});

test('a body that is not JSON is a 4xx envelope: 415 for an unknown type, 400 for plain text', async () => {
  const xml = await t.app.inject({
    method: 'POST',
    url: '/api/v1/login',
    headers: { 'content-type': 'application/xml' },
    payload: '<login/>',
  });
  expectEnvelope(xml, 415, { message: 'Unsupported content type: send application/json.' });
  const text = await t.app.inject({
    method: 'POST',
    url: '/api/v1/login',
    headers: { 'content-type': 'text/plain' },
    payload: 'alice:secret',
  });
  expectEnvelope(text, 400, { reason: 'invalid_input' });
});

test('an unknown API path and a wrong method are 404 envelopes, even for a browser', async () => {
  expectEnvelope(await t.app.inject({ method: 'GET', url: '/api/v1/nothing-here' }), 404, {
    title: 'Not Found',
  });
  const wrongMethod = await t.app.inject({
    method: 'GET',
    url: '/api/v1/login',
    headers: { accept: 'text/html' },
  });
  expectEnvelope(wrongMethod, 404, { title: 'Not Found' });
});

test('an over-long field is a 400 that names it', async () => {
  const response = await t.app.inject({
    method: 'POST',
    url: '/api/v1/login',
    payload: { username: 'a'.repeat(321), password: 'x' },
  });
  expect(expectEnvelope(response, 400, { reason: 'invalid_input' }).message).toContain('username');
});
