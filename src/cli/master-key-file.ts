import { randomUUID } from 'node:crypto';
import { mkdir, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { formatMasterKey, parseMasterKeys } from '../security/index.js';

const HEADER = '# Twofold master keys — current first. Losing this file loses every sealed secret.';
// Owner read/write only: the file opens every sealed secret in the database.
const FILE_MODE = 0o600;
const DIR_MODE = 0o700;
// Windows has no Unix permission bits; its modes say nothing about who can read the file.
const hasUnixModes = process.platform !== 'win32';

/** The keys of a master key file, current first, and what is wrong with how the file is kept. */
export interface MasterKeyFile {
  readonly keys: Buffer[];
  /** E.g. that the file is readable by other users; printed, not fatal. */
  readonly warnings: string[];
}

const isErrorCode = (error: unknown, code: string): boolean =>
  error instanceof Error && (error as NodeJS.ErrnoException).code === code;

/**
 * Reads a master key file: one base64 key per line, current first, `#` lines ignored.
 *
 * @returns `undefined` when there is no file at `path`.
 * @throws {Error} When the file exists but cannot be read, naming the path.
 * @throws {TypeError} When its content is not master keys, naming the path.
 */
export async function readMasterKeyFile(path: string): Promise<MasterKeyFile | undefined> {
  let text: string;
  let mode: number;
  try {
    // Mode and content from one open handle, so both describe the same file.
    const handle = await open(path, 'r');
    try {
      mode = (await handle.stat()).mode;
      text = await handle.readFile('utf8');
    } finally {
      await handle.close();
    }
  } catch (error) {
    if (isErrorCode(error, 'ENOENT')) return undefined;
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`Cannot read the master key file ${path}: ${reason}`, { cause: error });
  }
  const keys = parseMasterKeys(text, `master key file ${path}`);
  const warnings: string[] = [];
  if (hasUnixModes && (mode & 0o077) !== 0) {
    const octal = (mode & 0o777).toString(8).padStart(4, '0');
    warnings.push(
      `The master key file ${path} can be read by other users (mode ${octal}); run: chmod 600 ${path}`,
    );
  }
  return { keys, warnings };
}

/**
 * Writes master keys to `path`, current first, replacing any file there. The file is complete or
 * absent, never half-written: the keys go to a temporary file in the same directory, which is
 * flushed to disk and then renamed over `path`. Creates the directory (mode 0700) if needed;
 * the file gets mode 0600.
 *
 * @throws {TypeError} When `keys` is empty or a key is not 32 bytes.
 */
export async function writeMasterKeyFile(path: string, keys: readonly Buffer[]): Promise<void> {
  if (keys.length === 0) throw new TypeError('A master key file needs at least one key');
  const content = `${[HEADER, ...keys.map(formatMasterKey)].join('\n')}\n`;
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: DIR_MODE });
  const temporary = join(dir, `.${basename(path)}.${randomUUID()}.tmp`);
  try {
    // 'wx' refuses to follow anything already at the temporary name; the mode applies at creation,
    // so the keys are never readable by others, not even for a moment.
    const handle = await open(temporary, 'wx', FILE_MODE);
    try {
      await handle.writeFile(content, 'utf8');
      // The umask may have taken bits away at creation; set the intended mode exactly.
      if (hasUnixModes) await handle.chmod(FILE_MODE);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
  } catch (error) {
    await unlink(temporary).catch(() => {});
    throw error;
  }
  // The rename itself lives in the directory: flush it so a crash cannot bring the old file back.
  if (hasUnixModes) {
    const directory = await open(dir, 'r');
    try {
      await directory.sync();
    } finally {
      await directory.close();
    }
  }
}
