import type { IncomingMessage } from 'node:http';

/**
 * Makes a request count as https for oidc-provider (whose `proxy` is on when the public URL is
 * https: TLS ends at the reverse proxy in front of Twofold). Forwarded addresses and hosts are
 * dropped: Twofold trusts no proxy header (trustProxy is off), so neither does the provider.
 */
export function markHttps(request: IncomingMessage, publicUrl: string): IncomingMessage {
  if (!publicUrl.startsWith('https:')) return request;
  request.headers['x-forwarded-proto'] = 'https';
  delete request.headers['x-forwarded-host'];
  delete request.headers['x-forwarded-for'];
  return request;
}
