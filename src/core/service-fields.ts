import { isIP } from 'node:net';
import type { ServiceKind, ServiceRow } from '../store/index.js';
import { TwofoldError } from './errors.js';
import type { NewService } from './services.js';

// What an administrator types when registering a service, checked with a message that says what
// to fix: names, client ids, kinds and the fields each kind has, URIs, hosts, networks, secrets.

/**
 * What a service asks of the people who sign in to it: always a second factor, the person's own
 * choice (on once they have MFA), or the password alone.
 */
export type MfaPolicy = ServiceRow['mfa_policy'];
export const MFA_POLICIES: readonly MfaPolicy[] = ['required', 'user_choice', 'not_required'];

/**
 * How a service relies on Twofold: an OpenID Connect client; a site behind a reverse proxy that
 * asks forward-auth; an application that calls the validate API; a RADIUS client (a VPN, a
 * network device).
 */
export type { ServiceKind };
export const SERVICE_KINDS: readonly ServiceKind[] = ['oidc', 'site', 'application', 'radius'];

export type SigningAlg = 'ES256' | 'RS256';
export const SIGNING_ALGS: readonly SigningAlg[] = ['ES256', 'RS256'];

/** The scopes a service may be allowed; `openid` is always among them. */
export const KNOWN_SCOPES = ['openid', 'profile', 'email', 'offline_access'] as const;
export const DEFAULT_SCOPES: readonly string[] = KNOWN_SCOPES;

/** Client secrets start with this, so secret scanners can recognise a leaked one. */
export const CLIENT_SECRET_PREFIX = 'tf_cs_';

const CLIENT_ID = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const URI_MAX_LENGTH = 2000;
const URIS_MAX = 20;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

export function checkKind(raw: string): ServiceKind {
  if (!(SERVICE_KINDS as readonly string[]).includes(raw)) {
    throw new TwofoldError(
      'invalid_input',
      `Invalid service kind "${raw}": use oidc, site (behind a reverse proxy), application (the validate API) or radius.`,
      { field: 'kind' },
    );
  }
  return raw as ServiceKind;
}

/** What a kind does not use is refused, not ignored: an administrator who gave it meant something. */
export function refuseFieldsOfOtherKinds(kind: ServiceKind, input: Partial<NewService>): void {
  const allowed: Record<ServiceKind, readonly (keyof NewService)[]> = {
    oidc: ['redirectUris', 'logoutUris', 'type', 'scopes', 'skipConsent', 'signingAlg'],
    site: ['hosts'],
    application: [],
    radius: ['networks', 'radiusSecret'],
  };
  const kindFields: readonly (keyof NewService)[] = [
    'redirectUris',
    'logoutUris',
    'type',
    'scopes',
    'skipConsent',
    'signingAlg',
    'hosts',
    'networks',
    'radiusSecret',
  ];
  for (const field of kindFields) {
    const value = input[field];
    const given = Array.isArray(value) ? value.length > 0 : value !== undefined && value !== false;
    if (given && !allowed[kind].includes(field)) {
      throw new TwofoldError(
        'invalid_input',
        `A service of kind "${kind}" has no ${field}: ${KIND_FIELDS_HINT[kind]}`,
        { field },
      );
    }
  }
}

const KIND_FIELDS_HINT: Record<ServiceKind, string> = {
  oidc: 'an OpenID Connect client has redirect URIs, logout URIs, a type, scopes, skip-consent and a signing algorithm.',
  site: 'a site has host names (with optional path prefixes) only.',
  application: 'an application has only a name, a client id and an MFA policy; its secret is generated.',
  radius: 'a RADIUS client has networks and a shared secret.',
};

const HOST_ENTRY =
  /^(?=.{1,253}(?:\/|:|$))[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*(?::\d{1,5})?(?:\/[\x21-\x7e]*)?$/;

/**
 * A site's host entries: a host name (`wiki.example.com`, optionally with a port), optionally with
 * a path prefix (`wiki.example.com/admin`). Lower-cased host, no trailing slash on a prefix, so
 * the same entry is always written the same way.
 */
export function checkHosts(raw: readonly string[]): string[] {
  const entries = [
    ...new Set(
      raw
        .flatMap((value) => value.split(/[\s,]+/))
        .filter(Boolean)
        .map((entry) => {
          const slash = entry.indexOf('/');
          const host = (slash === -1 ? entry : entry.slice(0, slash)).toLowerCase();
          const path = slash === -1 ? '' : entry.slice(slash).replace(/\/+$/, '');
          return host + path;
        }),
    ),
  ];
  if (entries.length === 0) {
    throw new TwofoldError(
      'invalid_input',
      'A site needs at least one host name, such as wiki.example.com or wiki.example.com/admin.',
      { field: 'hosts' },
    );
  }
  if (entries.length > URIS_MAX) {
    throw new TwofoldError('invalid_input', `At most ${URIS_MAX} host names per site.`, { field: 'hosts' });
  }
  for (const entry of entries) {
    if (!HOST_ENTRY.test(entry) || entry.includes('://')) {
      throw new TwofoldError(
        'invalid_input',
        `Invalid host "${entry.slice(0, 200)}": write a host name, optionally with a port and a path prefix, such as wiki.example.com or wiki.example.com:8443/admin (no https://).`,
        { field: 'hosts' },
      );
    }
  }
  return entries;
}

/** A RADIUS client's addresses or CIDR networks, IPv4 or IPv6. */
export function checkNetworks(raw: readonly string[]): string[] {
  const entries = [...new Set(raw.flatMap((value) => value.split(/[\s,]+/)).filter(Boolean))];
  if (entries.length === 0) {
    throw new TwofoldError(
      'invalid_input',
      'A RADIUS client needs at least one address or network it sends from, such as 10.0.0.5 or 10.0.0.0/24.',
      { field: 'networks' },
    );
  }
  for (const entry of entries) {
    const [address, bits, extra] = entry.split('/');
    const family = isIP(address ?? '');
    const maxBits = family === 6 ? 128 : 32;
    const prefixOk =
      bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= maxBits && extra === undefined);
    if (family === 0 || !prefixOk) {
      throw new TwofoldError(
        'invalid_input',
        `Invalid network "${entry.slice(0, 100)}": write an IPv4 or IPv6 address, optionally with a prefix length, such as 10.0.0.5, 10.0.0.0/24 or fd00::/64.`,
        { field: 'networks' },
      );
    }
  }
  return entries;
}

export function checkRadiusSecret(raw: string): string {
  if (raw.length < 16 || raw.length > 128 || /[\p{Cc}\s]/u.test(raw)) {
    throw new TwofoldError(
      'invalid_input',
      'A RADIUS shared secret needs 16 to 128 characters without spaces; leave it out to have one generated.',
      { field: 'radiusSecret' },
    );
  }
  return raw;
}

export function checkName(raw: string): string {
  const name = (raw ?? '').trim().replace(/\s+/g, ' ');
  if (name.length === 0 || name.length > 100 || /\p{Cc}/u.test(name)) {
    throw new TwofoldError('invalid_input', 'A service needs a name of 1 to 100 characters.', {
      field: 'name',
    });
  }
  return name;
}

export function checkClientId(raw: string): string {
  if (!CLIENT_ID.test(raw)) {
    throw new TwofoldError(
      'invalid_input',
      `Invalid client id "${raw}": use 1 to 64 lower-case letters, digits, dots, dashes or underscores, starting with a letter or digit.`,
      { field: 'clientId' },
    );
  }
  return raw;
}

export function checkPolicy(raw: string): MfaPolicy {
  if (!(MFA_POLICIES as readonly string[]).includes(raw)) {
    throw new TwofoldError(
      'invalid_input',
      `Invalid MFA policy "${raw}": use one of ${MFA_POLICIES.join(', ')}.`,
      { field: 'mfaPolicy' },
    );
  }
  return raw as MfaPolicy;
}

export function checkSigningAlg(raw: string): SigningAlg {
  if (!(SIGNING_ALGS as readonly string[]).includes(raw)) {
    throw new TwofoldError(
      'invalid_input',
      `Invalid signing algorithm "${raw}": use ES256, or RS256 for a client that supports nothing else.`,
      { field: 'signingAlg' },
    );
  }
  return raw as SigningAlg;
}

export function checkScopes(raw: readonly string[]): string[] {
  const scopes = new Set(['openid']);
  for (const scope of raw.flatMap((value) => value.split(/[\s,]+/)).filter(Boolean)) {
    if (!(KNOWN_SCOPES as readonly string[]).includes(scope)) {
      throw new TwofoldError(
        'invalid_input',
        `Unknown scope "${scope}": use any of ${KNOWN_SCOPES.join(', ')}.`,
        { field: 'scopes' },
      );
    }
    scopes.add(scope);
  }
  return KNOWN_SCOPES.filter((scope) => scopes.has(scope));
}

/**
 * Redirect and logout URIs: absolute, https — or http on the loopback interface, for a service
 * being developed on the same machine — with no fragment. They are matched exactly, character for
 * character, so what is stored is what the administrator typed (no normalisation to surprise them).
 */
export function checkUris(raw: readonly string[], field: string, atLeastOne: boolean): string[] {
  const what = field === 'redirectUris' ? 'redirect URI' : 'logout URI';
  const uris = [...new Set(raw.map((value) => value.trim()).filter(Boolean))];
  if (atLeastOne && uris.length === 0) {
    throw new TwofoldError('invalid_input', `A service needs at least one ${what}.`, { field });
  }
  if (uris.length > URIS_MAX) {
    throw new TwofoldError('invalid_input', `At most ${URIS_MAX} ${what}s per service.`, { field });
  }
  for (const uri of uris) checkUri(uri, what, field);
  return uris;
}

function checkUri(uri: string, what: string, field: string): void {
  const refuse = (reason: string) =>
    new TwofoldError('invalid_input', `Invalid ${what} "${uri.slice(0, 200)}": ${reason}`, { field });
  if (uri.length > URI_MAX_LENGTH) throw refuse(`use at most ${URI_MAX_LENGTH} characters.`);
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw refuse('it must be an absolute URL, such as https://app.example.com/callback.');
  }
  if (url.hash !== '' || uri.includes('#')) throw refuse('it must not contain a fragment (#).');
  if (url.username !== '' || url.password !== '')
    throw refuse('it must not contain a user name or password.');
  if (url.protocol === 'https:') return;
  if (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname)) return;
  throw refuse('use https, or http only on 127.0.0.1, [::1] or localhost.');
}
