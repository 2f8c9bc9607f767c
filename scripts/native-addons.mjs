// postinstall: make better-sqlite3's native addon match the Node that runs Twofold.
//
// Twofold runs on the Node 24 that the `node` package puts first on npm scripts' PATH. When the
// addon does not load there (a platform without a prebuilt one), it is built from source against
// the headers that ship inside the `node` package (node-gyp would otherwise fetch headers from
// the network, or use the system's).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));

function addonLoads() {
  try {
    const Database = require('better-sqlite3');
    new Database(':memory:').close();
    return true;
  } catch (error) {
    return String(error?.message ?? error);
  }
}

const first = addonLoads();
if (first === true) process.exit(0);

const headers = join(
  root,
  'node_modules',
  'node',
  'node_modules',
  `node-${process.platform}-${process.arch}`,
);
const nodedir = existsSync(join(headers, 'include', 'node', 'node.h')) ? headers : undefined;
console.log(`twofold: better-sqlite3 does not load on Node ${process.version}; rebuilding it from source.`);
console.log(`  (${first.split('\n')[0]})`);
// better-sqlite3 ships prebuilt Node-API addons for the common platforms and no install script;
// elsewhere it is built here, with npm's own node-gyp.
execFileSync('npm', ['run', 'build-release', '--foreground-scripts'], {
  cwd: join(root, 'node_modules', 'better-sqlite3'),
  stdio: 'inherit',
  env: { ...process.env, ...(nodedir ? { npm_config_nodedir: nodedir } : {}) },
});
// Loaded through a fresh process: this one has the old addon's failure cached.
execFileSync(process.execPath, ['-e', "new (require('better-sqlite3'))(':memory:').close()"], {
  cwd: root,
  stdio: 'inherit',
});
console.log(`twofold: better-sqlite3 rebuilt for Node ${process.version}.`);
