// Reads a V8 .cpuprofile (node --cpu-prof) and names where the time went: the top functions by
// self time, and the self time grouped by package (or our own source folder).
import { readFileSync } from 'node:fs';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: {
    readonly functionName: string;
    readonly url: string;
    readonly lineNumber: number;
  };
  readonly hitCount?: number;
  readonly children?: readonly number[];
}

interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples?: readonly number[];
  readonly timeDeltas?: readonly number[];
}

export interface ProfileSummary {
  readonly totalMillis: number;
  /** Share of samples that were not idle. */
  readonly busyShare: number;
  readonly topFunctions: readonly { readonly frame: string; readonly selfShare: number }[];
  readonly byArea: readonly { readonly area: string; readonly selfShare: number }[];
}

function shortUrl(url: string): string {
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) return url.slice(nm + 'node_modules/'.length);
  const dist = url.indexOf('/dist/');
  if (dist >= 0) return url.slice(dist + 1);
  return url.replace(/^file:\/\//, '').replace(/^.*\/work\/main\//, '');
}

/** Which package or folder a frame belongs to: `kysely`, `fastify`, `dist/store`, `(native)`… */
function areaOf(node: ProfileNode): string {
  const { url, functionName } = node.callFrame;
  if (functionName === '(garbage collector)') return '(garbage collector)';
  if (functionName === '(program)') return '(program: native, I/O, syscalls)';
  if (!url) return `(native: ${functionName || 'anonymous'})`;
  if (url.startsWith('node:')) return 'node: core modules';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  const dist = url.indexOf('/dist/');
  if (dist >= 0)
    return url
      .slice(dist + 1)
      .split('/')
      .slice(0, 2)
      .join('/')
      .replace(/\.js$/, '');
  return shortUrl(url);
}

/**
 * @param fromMillis - Samples before this many ms after the profile started are left out (the
 *   start-up of the server, before the load).
 */
export function summarizeProfile(
  file: string,
  top = 15,
  fromMillis = 0,
  toMillis = Infinity,
): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfMicros = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  let at = 0;
  for (let i = 0; i < samples.length; i++) {
    at += deltas[i] ?? 0;
    if (at < fromMillis * 1000 || at > toMillis * 1000) continue;
    const id = samples[i]!;
    selfMicros.set(id, (selfMicros.get(id) ?? 0) + (deltas[i] ?? 0));
  }
  let total = 0;
  let idle = 0;
  const byFrame = new Map<string, number>();
  const byArea = new Map<string, number>();
  for (const [id, micros] of selfMicros) {
    const node = byId.get(id)!;
    total += micros;
    if (node.callFrame.functionName === '(idle)') {
      idle += micros;
      continue;
    }
    const { functionName, url, lineNumber } = node.callFrame;
    const frame = url
      ? `${functionName || '(anonymous)'} ${shortUrl(url)}:${lineNumber + 1}`
      : functionName || '(anonymous)';
    byFrame.set(frame, (byFrame.get(frame) ?? 0) + micros);
    const area = areaOf(node);
    byArea.set(area, (byArea.get(area) ?? 0) + micros);
  }
  const busy = total - idle;
  const share = (micros: number) => Math.round((micros / busy) * 1000) / 10;
  return {
    totalMillis: Math.round(total / 1000),
    busyShare: Math.round((busy / total) * 1000) / 10,
    topFunctions: [...byFrame]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([frame, micros]) => ({ frame, selfShare: share(micros) })),
    byArea: [...byArea]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([area, micros]) => ({ area, selfShare: share(micros) })),
  };
}

if (process.argv[1]?.endsWith('cpu-profile.ts') && process.argv[2]) {
  const summary = summarizeProfile(process.argv[2], Number(process.argv[3] ?? 25));
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
}
