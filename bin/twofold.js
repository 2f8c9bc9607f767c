#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node --max-semi-space-size=4 --max-old-space-size=512 --v8-pool-size=2
// The package's command. It runs the compiled CLI, bundled into one file (dist/twofold.js, by
// `npm install` through `prepare`: tsc, then scripts/bundle.mjs).
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';

// argon2 runs on libuv's thread pool (4 threads by default), at most one hash per core
// (src/security/hashing-slots.ts); one thread more keeps file I/O — the fsync of every SQLite
// commit — from waiting behind hashes. More hashing threads than cores only make each login
// wait longer and hold more memory (bench/login.ts). Set before anything touches the pool.
process.env.UV_THREADPOOL_SIZE ??= String(Math.max(2, availableParallelism()) + 1);

const compiled = fileURLToPath(new URL('../dist/twofold.js', import.meta.url));
if (!existsSync(compiled)) {
  process.stderr.write('twofold: not built yet; run `npm install` (or `npm run build`) first\n');
  process.exit(2);
}
await import(compiled);
