import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';

describe('TWOFOLD_DATABASE_URL at start-up', () => {
  let dir: ReturnType<typeof makeTempDir>;
  beforeEach(() => {
    dir = makeTempDir();
  });
  afterEach(() => dir.remove());

  it('a PostgreSQL that does not answer stops serve with one clear line and exit 1', async () => {
    const result = await runCli(['serve', '--port', '0', '--data-dir', dir.path], {
      env: { TWOFOLD_DATABASE_URL: 'postgres://postgres:secret@127.0.0.1:1/twofold' },
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'twofold: cannot open the database at postgres://127.0.0.1:1/twofold: connect ECONNREFUSED 127.0.0.1:1\n',
    );
    // The password in the URL is never printed.
    expect(result.stderr).not.toContain('secret');
  });

  it('a URL that is not PostgreSQL is refused naming the variable', async () => {
    const result = await runCli(['user', 'list', '--data-dir', dir.path], {
      env: { TWOFOLD_DATABASE_URL: 'mysql://localhost/twofold' },
    });
    expect(result).toMatchObject({
      code: 2,
      stderr: 'twofold: TWOFOLD_DATABASE_URL: expected a postgres: or postgresql: URL, got "mysql:"\n',
    });
  });
});
