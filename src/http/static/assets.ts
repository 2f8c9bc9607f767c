import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/** A file served under /static, with the version tag the pages link it with. */
export interface StaticAsset {
  readonly path: string;
  readonly contentType: string;
  readonly body: string;
  /** A hash of the body: `?v=` in links and the ETag. */
  readonly version: string;
}

function asset(path: string, contentType: string, body: string): StaticAsset {
  const version = createHash('sha256').update(body).digest('base64url').slice(0, 16);
  return { path, contentType, body, version };
}

/** Our own few rules on top of Pico: no inline styles anywhere, since the CSP forbids them. */
const APP_CSS = `
@media (min-width: 768px) {
  body > header, body > main, body > footer { max-width: 48rem; }
}
body > header nav { align-items: center; }
body > header nav form { margin: 0; }
body > header nav button { margin: 0; padding: 0.35rem 0.9rem; width: auto; }
.brand { font-weight: 700; text-decoration: none; }
.notice { border-left: 0.3rem solid #398712; padding: 0.75rem 1rem; background: rgba(57, 135, 18, 0.08); }
.error { border-left: 0.3rem solid #c52f21; padding: 0.75rem 1rem; background: rgba(197, 47, 33, 0.08); }
.table-scroll { overflow-x: auto; }
.table-scroll table { margin-bottom: 0.5rem; }
.table-scroll time { white-space: nowrap; }
td form { margin: 0; }
td button { margin: 0; padding: 0.3rem 0.8rem; width: auto; }
.actions { display: flex; flex-wrap: wrap; gap: 0.75rem; align-items: center; }
.actions form { margin: 0; }
.actions button, .actions a[role="button"] { margin: 0; width: auto; }
.qr { margin: 1rem 0; }
.qr > div { display: inline-block; background: #ffffff; padding: 12px; border-radius: 0.25rem; line-height: 0; }
.qr svg { display: block; width: 264px; height: 264px; max-width: 100%; }
.key { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 1.15rem; letter-spacing: 0.04em; word-break: break-word; }
.key-copy { display: flex; gap: 0.5rem; align-items: flex-start; }
.key-copy input { font-family: ui-monospace, "DejaVu Sans Mono", monospace; }
.key-copy button { width: auto; margin: 0; }
.muted { opacity: 0.75; font-size: 0.9rem; }
main form[method="get"] button { width: auto; }
form.secondary button { width: auto; background-color: transparent; color: var(--pico-primary); border-color: var(--pico-primary); }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.25rem 1.5rem; }
dl dt { font-weight: 600; }
dl dd { margin: 0; }
input[inputmode="numeric"] { font-family: ui-monospace, "DejaVu Sans Mono", monospace; letter-spacing: 0.15em; }
.codes { display: grid; grid-template-columns: repeat(2, max-content); gap: 0.5rem 2.5rem; list-style: none; padding: 0; }
.codes li { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 1.3rem; letter-spacing: 0.05em; list-style: none; }
.warning { border-left: 0.3rem solid #c5a021; padding: 0.75rem 1rem; background: rgba(197, 160, 33, 0.1); }
.badge { font-size: 0.8rem; border: 1px solid currentColor; border-radius: 0.25rem; padding: 0 0.3rem; margin-left: 0.4rem; white-space: nowrap; }
.token { font-family: ui-monospace, "DejaVu Sans Mono", monospace; word-break: break-all; }
@media print {
  body > header, body > footer, .no-print { display: none !important; }
  body { background: #fff; color: #000; }
  .codes { grid-template-columns: repeat(2, max-content); gap: 0.8rem 3rem; }
  .codes li { font-size: 16pt; color: #000; }
  .codes li::before { content: "\\2610\\00a0\\00a0"; }
}
`;

/**
 * Copy-to-clipboard for the setup key. The button stays hidden without JavaScript: the key is
 * still in a read-only field to select and copy by hand.
 */
const COPY_JS = `'use strict';
for (const button of document.querySelectorAll('button[data-copy]')) {
  const field = document.getElementById(button.getAttribute('data-copy'));
  if (!field) continue;
  button.hidden = false;
  button.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(field.value);
      button.textContent = 'Copied';
    } catch {
      field.focus();
      field.select();
    }
  });
}
`;

/** The print page opens the browser's print dialog by itself; a button does the same again. */
const PRINT_JS = `
for (const button of document.querySelectorAll('button[data-print]')) {
  button.hidden = false;
  button.addEventListener('click', () => window.print());
}
window.addEventListener('load', () => window.print());
`;

function picoClassless(): string {
  const file = createRequire(import.meta.url).resolve('@picocss/pico/css/pico.classless.min.css');
  return readFileSync(file, 'utf8');
}

/** Read once at start-up and kept in memory. */
export function loadStaticAssets(): {
  pico: StaticAsset;
  app: StaticAsset;
  copy: StaticAsset;
  print: StaticAsset;
} {
  return {
    pico: asset('/static/pico.classless.min.css', 'text/css; charset=utf-8', picoClassless()),
    app: asset('/static/app.css', 'text/css; charset=utf-8', APP_CSS),
    copy: asset('/static/copy.js', 'text/javascript; charset=utf-8', COPY_JS),
    print: asset('/static/print.js', 'text/javascript; charset=utf-8', PRINT_JS),
  };
}

export const staticAssets = loadStaticAssets();

/** The link to an asset, versioned so a browser may keep it for a year. */
export const assetUrl = (asset: StaticAsset): string => `${asset.path}?v=${asset.version}`;
