import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { launchChromium, screenshotPath } from '../helpers/browser.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

/** /api/docs in a real Chromium, under the app's strict Content-Security-Policy. */
let t: TestApp;
let browser: Browser;
let base: string;

beforeAll(async () => {
  t = await createTestApp();
  base = await t.app.listen({ port: 0, host: '127.0.0.1' });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await t.close();
});

test('the API reference renders every operation from /api/openapi.json', async () => {
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));

  await page.goto(`${base}/api/docs`);
  await page
    .locator('.opblock-summary-path', { hasText: '/api/v1/login' })
    .first()
    .waitFor({ timeout: 15_000 });
  const paths = await page.locator('.opblock-summary-path').allTextContents();
  await page.screenshot({ path: screenshotPath('api-docs'), fullPage: true });
  await page.close();

  const document = (await t.app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
  const operationCount = Object.values(document.paths as Record<string, object>).reduce(
    (sum, item) => sum + Object.keys(item).length,
    0,
  );
  expect(paths.map((path) => path.replace(/\u200b/g, ''))).toContain('/api/v1/me/api-tokens/{id}');
  expect(paths).toHaveLength(operationCount);
  expect(problems).toEqual([]);
});
