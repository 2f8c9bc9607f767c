import { afterEach, describe, expect, it } from 'vitest';
import { prettyLine } from '../../src/cli/logger.js';
import { type ServerProcess, startServerProcess } from '../helpers/serve-process.js';
import { makeTempDir } from '../helpers/temp-dir.js';

describe('TWOFOLD_LOG_FORMAT=pretty', () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('prints each record as one line: time, level, message, then the fields', () => {
    const time = Date.UTC(2026, 0, 1, 12, 34, 56, 789);
    const line = JSON.stringify({
      level: 30,
      time,
      reqId: 'edge-1',
      route: '/login',
      status: 303,
      durationMs: 41.25,
      note: 'two words',
      msg: 'request',
    });
    expect(prettyLine(`${line}\n`, false)).toBe(
      '12:34:56.789 INFO  request reqId=edge-1 route=/login status=303 durationMs=41.25 note="two words"\n',
    );
    expect(prettyLine(JSON.stringify({ level: 40, time, msg: 'careful' }), true)).toBe(
      '12:34:56.789 \u001b[33mWARN \u001b[0m careful\n',
    );
  });

  it('puts an error’s stack on the lines below', () => {
    const line = JSON.stringify({
      level: 50,
      time: 0,
      err: { type: 'Error', message: 'boom', stack: 'Error: boom\n    at f (x.js:1:1)' },
      msg: 'request failed',
    });
    expect(prettyLine(line, false)).toBe(
      '00:00:00.000 ERROR request failed\n    Error: boom\n        at f (x.js:1:1)\n',
    );
  });

  it('is what twofold serve writes when asked', async () => {
    const dir = makeTempDir();
    cleanups.push(() => dir.remove());
    const server: ServerProcess = await startServerProcess(dir.path, { TWOFOLD_LOG_FORMAT: 'pretty' });
    cleanups.push(() => server.stop());
    const answer = await fetch(`${server.url}/login`);
    const id = answer.headers.get('x-request-id');
    for (let i = 0; i < 50 && !server.output().includes(`reqId=${id}`); i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const lines = server.output().trim().split('\n');
    expect(lines[0]).toMatch(
      /^\d\d:\d\d:\d\d\.\d{3} INFO {2}Twofold listening on http:\/\/127\.0\.0\.1:\d+ /,
    );
    expect(lines).toContainEqual(
      expect.stringMatching(
        new RegExp(`^\\S+ INFO  request reqId=${id} method=GET route=/login status=200 durationMs=[\\d.]+$`),
      ),
    );
  });
});
