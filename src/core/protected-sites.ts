import type { ServiceRow, Store } from '../store/index.js';

export interface ProtectedSitesDependencies {
  readonly store: Store;
}

/**
 * The sites behind a reverse proxy that asks Twofold about each request (forward-auth), found by
 * the URL the person asked for. The same lookup decides where Twofold may send a browser back
 * to after a login: only to a registered site, never to an address someone put in a link.
 */
export class ProtectedSites {
  constructor(private readonly deps: ProtectedSitesDependencies) {}

  /**
   * The site covering `rawUrl` (an absolute http or https URL): the entry with the host — with
   * its port when the entry names one — and the longest path prefix that contains the path, by
   * whole segments (`/admin` covers `/admin/users`, not `/administrator`).
   */
  async match(rawUrl: string): Promise<ServiceRow | undefined> {
    const url = parseSiteUrl(rawUrl);
    if (!url) return undefined;
    const path = decodedPath(url);
    let best: { site: ServiceRow; prefix: number } | undefined;
    for (const site of await this.deps.store.services.listByKind('site')) {
      for (const entry of JSON.parse(site.hosts) as string[]) {
        const slash = entry.indexOf('/');
        const host = slash === -1 ? entry : entry.slice(0, slash);
        const prefix = slash === -1 ? '' : entry.slice(slash);
        const hostMatches = host.includes(':') ? host === url.host : host === url.hostname;
        const pathMatches = prefix === '' || path === prefix || path.startsWith(`${prefix}/`);
        if (hostMatches && pathMatches && (!best || prefix.length > best.prefix)) {
          best = { site, prefix: prefix.length };
        }
      }
    }
    return best?.site;
  }
}

/** An absolute http(s) URL without credentials, or undefined. */
export function parseSiteUrl(raw: string): URL | undefined {
  if (raw.length > 4000) return undefined;
  try {
    const url = new URL(raw);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
    if (url.username !== '' || url.password !== '') return undefined;
    return url;
  } catch {
    return undefined;
  }
}

/**
 * The path as the upstream will read it: `%2e%2e` and friends decoded and resolved, so that
 * `/public/%2e%2e/admin` is judged as `/admin`, the path it reaches.
 */
function decodedPath(url: URL): string {
  let path: string;
  try {
    path = decodeURIComponent(url.pathname);
  } catch {
    return url.pathname;
  }
  return new URL(path.replace(/\\/g, '/'), 'http://x').pathname;
}
