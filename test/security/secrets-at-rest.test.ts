/**
 * Threat: someone gets a copy of the database (a backup, a stolen disk, a SQL injection
 * elsewhere). TOTP secrets must be sealed under the master key, which lives apart from the
 * database, so the copy logs nobody in. This test enrolls devices through the real use cases,
 * then reads every byte of every database file (main file, WAL and shared memory) looking for
 * each secret in raw, base32 and lower-case base32 form.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeBase32 } from '../../src/otp/index.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

describe('secrets at rest', () => {
  let testApp: TestApp | undefined;
  afterEach(async () => {
    await testApp?.close();
  });

  it('no TOTP secret, active or pending, appears in the database files in any form', async () => {
    testApp = await createTestApp();
    const secrets: string[] = [];
    for (const name of ['alice', 'bob', 'carol']) {
      const user = await testApp.createUser(name);
      secrets.push((await testApp.enrollTotp(user, 'Phone')).secret);
      secrets.push((await testApp.enrollTotp(user, 'Laptop')).secret);
      secrets.push((await testApp.core.totp.start(user)).secret); // left pending
    }
    const files = readdirSync(testApp.dataDir).filter((f) => f.startsWith('twofold.db'));
    const contents = files.map((f) => readFileSync(join(testApp!.dataDir, f)));
    expect(files).toContain('twofold.db');
    expect(contents.reduce((n, c) => n + c.length, 0)).toBeGreaterThan(10_000);

    for (const secret of secrets) {
      expect(secret).toMatch(/^[A-Z2-7]{32}$/);
      const forms = [
        Buffer.from(decodeBase32(secret)),
        Buffer.from(secret),
        Buffer.from(secret.toLowerCase()),
      ];
      for (const [index, content] of contents.entries()) {
        for (const form of forms)
          expect(content.includes(form), `${files[index]} holds a secret`).toBe(false);
      }
    }
    // The scan itself can find what it looks for: the sealed values are there.
    const sealed = await testApp.store.authenticators.listSealedSecrets();
    expect(sealed).toHaveLength(9);
    expect(contents.some((c) => c.includes(Buffer.from(sealed[0]!.secret_sealed)))).toBe(true);
  });
});
