import { hashToken, randomId, randomToken } from '../security/index.js';
import { type ServiceRow, type Store, uniqueViolation } from '../store/index.js';
import type { AuditLog } from './audit.js';
import type { Clock } from './clock.js';
import { TwofoldError } from './errors.js';
import { isoTime } from './iso-time.js';
import { isoTimeOrNull } from './users.js';

/**
 * What a service asks of the people who sign in to it: always a second factor, the person's own
 * choice (on once they have MFA), or the password alone.
 */
export type MfaPolicy = ServiceRow['mfa_policy'];
export const MFA_POLICIES: readonly MfaPolicy[] = ['required', 'user_choice', 'not_required'];

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

/** A service as lists and pages show it: never its secret, which only its hash remembers. */
export interface ServiceSummary {
  readonly id: string;
  readonly clientId: string;
  readonly name: string;
  /** `confidential`: authenticates with its secret; `public`: PKCE alone (SPAs, native apps). */
  readonly type: 'confidential' | 'public';
  readonly redirectUris: readonly string[];
  readonly logoutUris: readonly string[];
  readonly scopes: readonly string[];
  readonly skipConsent: boolean;
  readonly mfaPolicy: MfaPolicy;
  readonly signingAlg: SigningAlg;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface NewService {
  readonly name: string;
  /** Defaults to the name in lower case, with anything but letters and digits as dashes. */
  readonly clientId?: string | undefined;
  readonly redirectUris: readonly string[];
  readonly logoutUris?: readonly string[] | undefined;
  readonly type?: 'confidential' | 'public' | undefined;
  readonly scopes?: readonly string[] | undefined;
  readonly skipConsent?: boolean | undefined;
  readonly mfaPolicy?: MfaPolicy | undefined;
  readonly signingAlg?: SigningAlg | undefined;
}

export type ServicePatch = Partial<
  Pick<
    NewService,
    'name' | 'redirectUris' | 'logoutUris' | 'scopes' | 'skipConsent' | 'mfaPolicy' | 'signingAlg'
  >
>;

/** A service just registered, or its secret just replaced: `clientSecret` is shown this once. */
export interface ServiceWithSecret {
  readonly service: ServiceSummary;
  /** Absent for a public client. */
  readonly clientSecret?: string;
}

export interface ServicesDependencies {
  readonly store: Store;
  readonly clock: Clock;
  readonly audit: AuditLog;
}

/** Who changes the list of services: an administrator's id, or `cli` for the command line. */
export type ServiceActor = string | 'cli';

/**
 * The services (OpenID Connect clients) that sign people in through Twofold, as administrators
 * register them. The protocol itself is oidc-provider's (src/oidc/); this is the register.
 */
export class Services {
  constructor(private readonly deps: ServicesDependencies) {}

  async register(input: NewService, actor: ServiceActor): Promise<ServiceWithSecret> {
    const { store, clock, audit } = this.deps;
    const name = checkName(input.name);
    const clientId = checkClientId(input.clientId ?? slug(name));
    const type = input.type ?? 'confidential';
    if (type !== 'confidential' && type !== 'public') {
      throw new TwofoldError('invalid_input', 'The service type must be "confidential" or "public".', {
        field: 'type',
      });
    }
    const clientSecret = type === 'confidential' ? newClientSecret() : undefined;
    const now = clock.now();
    const row: ServiceRow = {
      id: randomId(),
      client_id: clientId,
      name,
      secret_hash: clientSecret === undefined ? null : hashToken(clientSecret),
      redirect_uris: JSON.stringify(checkUris(input.redirectUris, 'redirectUris', true)),
      logout_uris: JSON.stringify(checkUris(input.logoutUris ?? [], 'logoutUris', false)),
      scopes: checkScopes(input.scopes ?? DEFAULT_SCOPES).join(' '),
      skip_consent: input.skipConsent ? 1 : 0,
      mfa_policy: checkPolicy(input.mfaPolicy ?? 'required'),
      signing_alg: checkSigningAlg(input.signingAlg ?? 'ES256'),
      created_at: now,
      updated_at: now,
    };
    await this.refuseTaken(name, clientId);
    try {
      await store.transaction(async (tx) => {
        await tx.services.insert(row);
        await audit.record(
          {
            type: 'service.registered',
            actorId: actorId(actor),
            detail: { service: name, client_id: clientId },
          },
          tx,
        );
      });
    } catch (error) {
      if (uniqueViolation(error)) throw taken(name, clientId);
      throw error;
    }
    return clientSecret === undefined
      ? { service: summarize(row) }
      : { service: summarize(row), clientSecret };
  }

  async list(): Promise<ServiceSummary[]> {
    return (await this.deps.store.services.list()).map(summarize);
  }

  /** A service by its id, client id or name, as an administrator would type it. */
  async show(reference: string): Promise<ServiceSummary> {
    return summarize(await this.find(reference));
  }

  async update(reference: string, patch: ServicePatch, actor: ServiceActor): Promise<ServiceSummary> {
    const { store, clock, audit } = this.deps;
    const row = await this.find(reference);
    const changes: Partial<ServiceRow> = {};
    if (patch.name !== undefined) {
      changes.name = checkName(patch.name);
      if (changes.name !== row.name) await this.refuseTaken(changes.name, undefined);
    }
    if (patch.redirectUris !== undefined) {
      changes.redirect_uris = JSON.stringify(checkUris(patch.redirectUris, 'redirectUris', true));
    }
    if (patch.logoutUris !== undefined) {
      changes.logout_uris = JSON.stringify(checkUris(patch.logoutUris, 'logoutUris', false));
    }
    if (patch.scopes !== undefined) changes.scopes = checkScopes(patch.scopes).join(' ');
    if (patch.skipConsent !== undefined) changes.skip_consent = patch.skipConsent ? 1 : 0;
    if (patch.mfaPolicy !== undefined) changes.mfa_policy = checkPolicy(patch.mfaPolicy);
    if (patch.signingAlg !== undefined) changes.signing_alg = checkSigningAlg(patch.signingAlg);
    const updated: ServiceRow = { ...row, ...changes, updated_at: clock.now() };
    await store.transaction(async (tx) => {
      await tx.services.update(row.id, { ...changes, updated_at: updated.updated_at });
      await audit.record(
        {
          type: 'service.updated',
          actorId: actorId(actor),
          detail: { service: updated.name, changed: Object.keys(changes).join(' ') },
        },
        tx,
      );
    });
    return summarize(updated);
  }

  /** Removes the service; everything issued to it stops working with it (src/oidc/adapter.ts). */
  async remove(reference: string, actor: ServiceActor): Promise<ServiceSummary> {
    const { store, audit } = this.deps;
    const row = await this.find(reference);
    await store.transaction(async (tx) => {
      await tx.services.remove(row.id);
      await tx.oidcPayloads.revokeByClientId(row.client_id);
      await audit.record(
        {
          type: 'service.removed',
          actorId: actorId(actor),
          detail: { service: row.name, client_id: row.client_id },
        },
        tx,
      );
    });
    return summarize(row);
  }

  /** A new secret for a confidential service; the old one stops working at once. */
  async rotateSecret(reference: string, actor: ServiceActor): Promise<ServiceWithSecret> {
    const { store, clock, audit } = this.deps;
    const row = await this.find(reference);
    if (row.secret_hash === null) {
      throw new TwofoldError(
        'invalid_input',
        `"${row.name}" is a public service: it has no secret and proves itself with PKCE alone.`,
      );
    }
    const clientSecret = newClientSecret();
    const updated: ServiceRow = { ...row, secret_hash: hashToken(clientSecret), updated_at: clock.now() };
    await store.transaction(async (tx) => {
      await tx.services.update(row.id, { secret_hash: updated.secret_hash, updated_at: updated.updated_at });
      await audit.record(
        { type: 'service.secret_rotated', actorId: actorId(actor), detail: { service: row.name } },
        tx,
      );
    });
    return { service: summarize(updated), clientSecret };
  }

  private async find(reference: string): Promise<ServiceRow> {
    const { services } = this.deps.store;
    const trimmed = reference.trim();
    const row =
      (await services.findByClientId(trimmed)) ??
      (await services.findByName(trimmed)) ??
      (await services.findById(trimmed));
    if (!row) throw new TwofoldError('not_found', `No service "${reference}".`);
    return row;
  }

  private async refuseTaken(name: string, clientId: string | undefined): Promise<void> {
    const { services } = this.deps.store;
    if (await services.findByName(name)) throw taken(name, undefined);
    if (clientId !== undefined && (await services.findByClientId(clientId))) throw taken(undefined, clientId);
  }
}

export function summarize(row: ServiceRow): ServiceSummary {
  return {
    id: row.id,
    clientId: row.client_id,
    name: row.name,
    type: row.secret_hash === null ? 'public' : 'confidential',
    redirectUris: JSON.parse(row.redirect_uris) as string[],
    logoutUris: JSON.parse(row.logout_uris) as string[],
    scopes: row.scopes.split(' '),
    skipConsent: row.skip_consent === 1,
    mfaPolicy: row.mfa_policy,
    signingAlg: row.signing_alg,
    createdAt: isoTime(row.created_at),
    updatedAt: isoTimeOrNull(row.updated_at) ?? isoTime(row.created_at),
  };
}

function newClientSecret(): string {
  return CLIENT_SECRET_PREFIX + randomToken(32);
}

function actorId(actor: ServiceActor): string | null {
  return actor === 'cli' ? null : actor;
}

function taken(name: string | undefined, clientId: string | undefined): TwofoldError {
  return name !== undefined
    ? new TwofoldError('conflict', `A service named "${name}" already exists.`, { field: 'name' })
    : new TwofoldError('conflict', `A service with client id "${clientId}" already exists.`, {
        field: 'clientId',
      });
}

function slug(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64);
}

function checkName(raw: string): string {
  const name = (raw ?? '').trim().replace(/\s+/g, ' ');
  if (name.length === 0 || name.length > 100 || /\p{Cc}/u.test(name)) {
    throw new TwofoldError('invalid_input', 'A service needs a name of 1 to 100 characters.', {
      field: 'name',
    });
  }
  return name;
}

function checkClientId(raw: string): string {
  if (!CLIENT_ID.test(raw)) {
    throw new TwofoldError(
      'invalid_input',
      `Invalid client id "${raw}": use 1 to 64 lower-case letters, digits, dots, dashes or underscores, starting with a letter or digit.`,
      { field: 'clientId' },
    );
  }
  return raw;
}

function checkPolicy(raw: string): MfaPolicy {
  if (!(MFA_POLICIES as readonly string[]).includes(raw)) {
    throw new TwofoldError(
      'invalid_input',
      `Invalid MFA policy "${raw}": use one of ${MFA_POLICIES.join(', ')}.`,
      { field: 'mfaPolicy' },
    );
  }
  return raw as MfaPolicy;
}

function checkSigningAlg(raw: string): SigningAlg {
  if (!(SIGNING_ALGS as readonly string[]).includes(raw)) {
    throw new TwofoldError(
      'invalid_input',
      `Invalid signing algorithm "${raw}": use ES256, or RS256 for a client that supports nothing else.`,
      { field: 'signingAlg' },
    );
  }
  return raw as SigningAlg;
}

function checkScopes(raw: readonly string[]): string[] {
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
