#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node --max-semi-space-size=2 --max-old-space-size=512 --v8-pool-size=2
// The package's command. It runs the compiled CLI, bundled into one file (dist/twofold.js, by
// `npm install` through `prepare`: tsc, then scripts/bundle.mjs).
//
// CommonJS on purpose (bin/package.json): libuv sizes its thread pool once, when it is first
// used, and loading an ES module entry already uses it — an ES module here would set
// UV_THREADPOOL_SIZE too late (seen: four pool threads whatever it said).
const { existsSync } = require('node:fs');
const { availableParallelism } = require('node:os');
const { join } = require('node:path');
const { pathToFileURL } = require('node:url');

// argon2 runs on the pool, at most one hash per core (src/security/hashing-slots.ts), beside
// file I/O. Two threads at least, so that on one core file I/O need not wait for a hash.
process.env.UV_THREADPOOL_SIZE ??= String(Math.max(2, availableParallelism()));

const compiled = join(__dirname, '..', 'dist', 'twofold.js');
if (!existsSync(compiled)) {
  process.stderr.write('twofold: not built yet; run `npm install` (or `npm run build`) first\n');
  process.exit(2);
}
// A failure to load is an unhandled rejection: Node prints it and exits with status 1.
import(pathToFileURL(compiled).href);
