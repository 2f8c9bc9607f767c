import pino from 'pino';
import type { Config } from '../config.js';

/**
 * The server's logger: pino's JSON lines on stdout, for a log collector; or, with
 * TWOFOLD_LOG_FORMAT=pretty, the same records as one readable line each, for a person at a
 * terminal. The pretty form is a few lines here rather than pino-pretty: that package would run in
 * a worker thread of its own (pino transports do) and add a dependency for a view of what pino
 * already wrote, while a line read back and printed costs nothing a terminal would notice.
 */
export function createLogger(
  config: Pick<Config, 'logLevel' | 'logFormat'>,
  output: NodeJS.WritableStream & { isTTY?: boolean } = process.stdout,
): pino.Logger {
  const options = { level: config.logLevel, base: undefined };
  if (config.logFormat !== 'pretty') return pino(options);
  return pino(options, {
    write: (line: string) => void output.write(prettyLine(line, output.isTTY === true)),
  });
}

const LEVEL_NAMES: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};
const LEVEL_COLOURS: Record<number, string> = { 10: '90', 20: '36', 30: '32', 40: '33', 50: '31', 60: '35' };

/**
 * `12:34:56.789 INFO  Twofold listening on … reqId=… route=/login status=303 durationMs=41.2`,
 * with an error's stack on the lines below. A line that is not JSON is passed through.
 */
export function prettyLine(line: string, colour: boolean): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const { level, time, msg, err, ...fields } = record;
  const levelNumber = typeof level === 'number' ? level : 30;
  const name = (LEVEL_NAMES[levelNumber] ?? String(level)).padEnd(5);
  const clock = typeof time === 'number' ? new Date(time).toISOString().slice(11, 23) : '';
  const parts = [clock, colour ? `\u001b[${LEVEL_COLOURS[levelNumber] ?? '0'}m${name}\u001b[0m` : name];
  if (msg !== undefined) parts.push(String(msg));
  for (const [key, value] of Object.entries(fields)) parts.push(`${key}=${formatValue(value)}`);
  let text = parts.filter((part) => part !== '').join(' ');
  if (err && typeof err === 'object') {
    const { stack, message } = err as { stack?: unknown; message?: unknown };
    text += `\n    ${String(stack ?? message ?? JSON.stringify(err)).replace(/\n/g, '\n    ')}`;
  }
  return `${text}\n`;
}

function formatValue(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  return JSON.stringify(value) ?? String(value);
}
