import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readMasterKeyFile, writeMasterKeyFile } from '../../src/cli/master-key-file.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'twofold-master-key-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('master key file', () => {
  it('reads back the keys it wrote, current first, without warnings', async () => {
    const path = join(dir, 'master.key');
    const keys = [randomBytes(32), randomBytes(32)];
    await writeMasterKeyFile(path, keys);
    expect(await readMasterKeyFile(path)).toEqual({ keys, warnings: [] });
  });

  it('writes a header comment and one base64 key per line', async () => {
    const path = join(dir, 'master.key');
    const keys = [randomBytes(32), randomBytes(32)];
    await writeMasterKeyFile(path, keys);
    expect(await readFile(path, 'utf8')).toBe(
      '# Twofold master keys — current first. Losing this file loses every sealed secret.\n' +
        `${keys[0]!.toString('base64')}\n${keys[1]!.toString('base64')}\n`,
    );
  });

  it.each([
    ['0000', 0o000],
    ['0277', 0o277],
  ])('gives the file mode 0600 under umask %s', async (_name, umask) => {
    const path = join(dir, 'master.key');
    const previous = process.umask(umask);
    try {
      await writeMasterKeyFile(path, [randomBytes(32)]);
    } finally {
      process.umask(previous);
    }
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it('creates missing directories', async () => {
    const path = join(dir, 'data', 'nested', 'master.key');
    const keys = [randomBytes(32)];
    await writeMasterKeyFile(path, keys);
    expect((await readMasterKeyFile(path))?.keys).toEqual(keys);
  });

  it('replaces an existing file, a readable one included, and leaves no temporary file', async () => {
    const path = join(dir, 'master.key');
    await writeFile(path, 'old content\n', { mode: 0o644 });
    const keys = [randomBytes(32), randomBytes(32)];
    await writeMasterKeyFile(path, keys);
    expect((await readMasterKeyFile(path))?.keys).toEqual(keys);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readdir(dir)).toEqual(['master.key']);
  });

  it('returns undefined when there is no file', async () => {
    expect(await readMasterKeyFile(join(dir, 'missing.key'))).toBeUndefined();
  });

  it('names the path when the content is not master keys', async () => {
    const path = join(dir, 'master.key');
    await writeFile(path, `# header\n${randomBytes(16).toString('base64')}\n`, { mode: 0o600 });
    await expect(readMasterKeyFile(path)).rejects.toThrow(
      new TypeError(`master key file ${path}: key 1 is 16 bytes, expected 32 (base64 of 32 random bytes)`),
    );
  });

  it('names the path when the file is empty', async () => {
    const path = join(dir, 'master.key');
    await writeFile(path, '', { mode: 0o600 });
    await expect(readMasterKeyFile(path)).rejects.toThrow(`master key file ${path}: no master key found`);
  });

  it('names the path when the file cannot be read', async () => {
    const path = join(dir, 'master.key');
    await mkdir(path);
    await expect(readMasterKeyFile(path)).rejects.toThrow(`Cannot read the master key file ${path}: `);
  });

  it('warns when other users can read the file', async () => {
    const path = join(dir, 'master.key');
    const keys = [randomBytes(32)];
    await writeMasterKeyFile(path, keys);
    await chmod(path, 0o644);
    expect(await readMasterKeyFile(path)).toEqual({
      keys,
      warnings: [
        `The master key file ${path} can be read by other users (mode 0644); run: chmod 600 ${path}`,
      ],
    });
  });

  it('refuses to write no key', async () => {
    await expect(writeMasterKeyFile(join(dir, 'master.key'), [])).rejects.toThrow(TypeError);
    expect(await readdir(dir)).toEqual([]);
  });

  it('refuses a key that is not 32 bytes and leaves the old file alone', async () => {
    const path = join(dir, 'master.key');
    const keys = [randomBytes(32)];
    await writeMasterKeyFile(path, keys);
    await expect(writeMasterKeyFile(path, [randomBytes(32), randomBytes(8)])).rejects.toThrow(TypeError);
    expect((await readMasterKeyFile(path))?.keys).toEqual(keys);
    expect(await readdir(dir)).toEqual(['master.key']);
  });
});
