import { freePort } from './serve-process.js';
import { createTestApp, type TestApp } from './test-app.js';

/** A Twofold listening on loopback: a real OpenID Connect issuer whose discovery is fetched. */
export interface RunningIssuer {
  /** Its issuer, exactly as its discovery document names it. */
  readonly url: string;
  readonly t: TestApp;
  close(): Promise<void>;
}

/**
 * Another Twofold in this process, on a free port of 127.0.0.1 with that very address as its
 * public URL: discovery validates that the document's `issuer` equals the URL asked for, so
 * the two must name the same host and port.
 */
export async function startIssuer(): Promise<RunningIssuer> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const t = await createTestApp({ publicUrl: url });
  await t.app.listen({ host: '127.0.0.1', port });
  return { url, t, close: () => t.close() };
}

/** A loopback URL nobody listens on: discovery is refused at once. */
export async function closedIssuerUrl(): Promise<string> {
  return `http://127.0.0.1:${await freePort()}`;
}
