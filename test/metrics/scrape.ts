/** One sample of the Prometheus text format: its name, its labels, its value. */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** A scrape, read back: every sample, and a value by name and labels (0 when absent). */
export interface Scrape {
  readonly samples: readonly Sample[];
  value(name: string, labels?: Record<string, string>): number;
  /** Samples of `name` whose value differs in `later`, with the difference. */
  changes(later: Scrape, name: string): Map<string, number>;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

const keyOf = (name: string, labels: Readonly<Record<string, string>>) =>
  `${name}{${Object.keys(labels)
    .sort()
    .map((key) => `${key}="${labels[key]}"`)
    .join(',')}}`;

/** Parses the exposition format (comments skipped, label values unescaped). */
export function parseScrape(text: string): Scrape {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = SAMPLE.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, raw] of (match[2] ?? '').matchAll(LABEL)) {
      labels[key!] = raw!.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
    }
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  const byKey = new Map(samples.map((sample) => [keyOf(sample.name, sample.labels), sample.value]));
  return {
    samples,
    value: (name, labels = {}) => byKey.get(keyOf(name, labels)) ?? 0,
    changes(later, name) {
      const result = new Map<string, number>();
      const keys = new Set<string>();
      for (const sample of [...samples, ...later.samples]) {
        if (sample.name === name) keys.add(keyOf(sample.name, sample.labels));
      }
      const laterByKey = new Map(later.samples.map((s) => [keyOf(s.name, s.labels), s.value]));
      for (const key of keys) {
        const delta = (laterByKey.get(key) ?? 0) - (byKey.get(key) ?? 0);
        if (delta !== 0) result.set(key.slice(name.length), delta);
      }
      return result;
    },
  };
}

/** What moved between two scrapes for one metric: each changed series' labels and its change. */
export function changes(before: Scrape, after: Scrape, name: string): Record<string, number> {
  return Object.fromEntries(before.changes(after, name));
}

/** GET a /metrics URL and parse it; fails on anything but 200 in the text format. */
export async function scrape(url: string): Promise<Scrape> {
  const response = await fetch(url);
  if (response.status !== 200) throw new Error(`${url} answered ${response.status}`);
  const type = response.headers.get('content-type') ?? '';
  if (!type.startsWith('text/plain; version=0.0.4')) throw new Error(`${url} answered ${type}`);
  return parseScrape(await response.text());
}
