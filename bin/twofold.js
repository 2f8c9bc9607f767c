#!/usr/bin/env node
// The package's command. It runs the compiled CLI (built by `npm install` through `prepare`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const compiled = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
if (!existsSync(compiled)) {
  process.stderr.write('twofold: not built yet; run `npm install` (or `npm run build`) first\n');
  process.exit(2);
}
await import(compiled);
