import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { renderBackupCodesPdf } from '../../src/http/backup-codes-pdf.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const run = promisify(execFile);

describe('backup-code PDF', () => {
  const dir = makeTempDir();
  afterAll(() => dir.remove());

  it('is one page whose text, read back by pdftotext, holds the issuer, account, date and exactly the codes', async () => {
    const codes = [...'23456789AC'].map((c) => `AB${c}D-EFGH-JK${c}M`);
    const pdf = await renderBackupCodesPdf({
      issuer: 'Example Corp',
      account: 'alice',
      createdAt: new Date('2026-11-23T10:00:00Z'),
      codes,
    });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const file = join(dir.path, 'codes.pdf');
    writeFileSync(file, pdf);
    const { stdout: info } = await run('pdfinfo', [file]);
    expect(info).toMatch(/^Pages:\s+1$/m);
    const { stdout: text } = await run('pdftotext', ['-layout', file, '-']);
    expect(text).toContain('Example Corp backup codes');
    expect(text).toContain('Account: alice');
    expect(text).toContain('Created: 2026-11-23');
    const found = text.match(/[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}/g) ?? [];
    expect(found.sort()).toEqual([...codes].sort());
  });
});
