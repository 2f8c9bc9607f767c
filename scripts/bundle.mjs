// Bundles the compiled CLI and server (dist/cli/main.js) with their pure-JavaScript
// dependencies into dist/twofold.js, which bin/twofold.js runs. Loading ~750 modules one by one
// took over half of `twofold serve`'s start-up (measured with `npm run bench`); one file loads in a third
// of the time. Left outside: native addons, packages that read files beside their own code,
// and what the server loads only on first use.
import { readFileSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';

await build({
  entryPoints: ['dist/cli/main.js'],
  outfile: 'dist/twofold.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // Non-ASCII in strings and regular expressions is written as escapes (see below).
  charset: 'ascii',
  sourcemap: true,
  logLevel: 'warning',
  external: [
    // native addons
    'better-sqlite3',
    '@node-rs/argon2',
    // read their own files at run time (static assets, worker scripts)
    '@fastify/swagger-ui',
    '@fastify/swagger',
    'pino',
    '@picocss/pico',
    '@simplewebauthn/browser',
    'radius',
    // loaded on first use only
    'pg',
    'nodemailer',
    'qrcode',
    'pdfkit',
    '@simplewebauthn/server',
  ],
  // Bundled CommonJS packages call require(); give the ES module one.
  banner: {
    js: "import { createRequire as __twofoldRequire } from 'node:module'; const require = __twofoldRequire(import.meta.url);",
  },
});

// V8 keeps the bundle's source in memory for as long as the process runs, and stores it with two
// bytes a character if a single character is not Latin-1: 5.3 MB instead of 2.7. With
// `charset: 'ascii'` such characters are left only in comments (an em dash, a section sign), so
// each UTF-16 unit of them becomes '?': the code is unchanged and the source map's columns too.
const bundle = 'dist/twofold.js';
writeFileSync(bundle, readFileSync(bundle, 'utf8').replace(/[\u0080-\uffff]/g, '?'));
