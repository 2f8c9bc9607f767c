// Bundles the compiled CLI and server (dist/cli/main.js) with their pure-JavaScript
// dependencies into dist/twofold.js, which bin/twofold.js runs. Loading ~750 modules one by one
// took over half of `twofold serve`'s start-up (bench/findings.md); one file loads in a third
// of the time. Left outside: native addons, packages that read files beside their own code,
// and what the server loads only on first use.
import { build } from 'esbuild';

await build({
  entryPoints: ['dist/cli/main.js'],
  outfile: 'dist/twofold.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
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
