import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { WEBAUTHN_CLIENT_JS } from './webauthn-client.js';

/** A script served from memory under /static/webauthn, linked with `?v=<hash>`. */
export interface WebauthnAsset {
  readonly path: string;
  readonly body: string;
  readonly version: string;
}

function asset(path: string, body: string): WebauthnAsset {
  return { path, body, version: createHash('sha256').update(body).digest('base64url').slice(0, 16) };
}

/** @simplewebauthn/browser's own UMD bundle: it defines `window.SimpleWebAuthnBrowser`. */
function browserBundle(): string {
  const entry = createRequire(import.meta.url).resolve('@simplewebauthn/browser');
  // The package's entry is …/script/index.js or …/esm/index.js; the bundle sits beside them.
  const packageDir = dirname(dirname(entry));
  return readFileSync(join(packageDir, 'dist', 'bundle', 'index.umd.min.js'), 'utf8');
}

/** Read once at start-up and kept in memory. */
export const webauthnAssets = {
  library: asset('/static/webauthn/simplewebauthn-browser.js', browserBundle()),
  client: asset('/static/webauthn/webauthn.js', WEBAUTHN_CLIENT_JS),
} as const;

/** The links a security-key page loads, in order (both deferred, so they run in this order). */
export const webauthnScripts: readonly string[] = [webauthnAssets.library, webauthnAssets.client].map(
  (a) => `${a.path}?v=${a.version}`,
);
