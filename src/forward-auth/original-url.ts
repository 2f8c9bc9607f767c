import type { FastifyRequest } from 'fastify';

/**
 * The URL the person asked the proxy for. nginx sends it whole in `X-Original-URL` (set in its
 * config); Traefik and Caddy send its parts as `X-Forwarded-Proto`, `-Host` and `-Uri`. These
 * headers come from the proxy, which overwrites whatever the client sent.
 */
export function originalUrl(request: FastifyRequest): string | undefined {
  const header = (name: string): string | undefined => {
    const value = request.headers[name];
    const first = Array.isArray(value) ? value[0] : value;
    return first?.trim() || undefined;
  };
  const whole = header('x-original-url');
  if (whole) return whole;
  const host = header('x-forwarded-host');
  if (!host) return undefined;
  const proto = header('x-forwarded-proto')?.split(',')[0]?.trim() ?? 'https';
  const uri = header('x-forwarded-uri') ?? '/';
  return `${proto}://${host.split(',')[0]!.trim()}${uri.startsWith('/') ? uri : `/${uri}`}`;
}

/**
 * Whether a person's browser made the request (send it to the login page) rather than a script
 * or an API client (tell it 401): a page load, GET or HEAD, that accepts HTML.
 */
export function fromBrowser(request: FastifyRequest): boolean {
  const method = String(
    request.headers['x-forwarded-method'] ?? request.headers['x-original-method'] ?? 'GET',
  );
  const accept = String(request.headers.accept ?? '');
  return (method === 'GET' || method === 'HEAD') && accept.includes('text/html');
}
