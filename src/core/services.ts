import { hashToken, type Keyring, randomId, randomToken, timingSafeEqualStrings } from '../security/index.js';
import { type ServiceRow, type Store, uniqueViolation } from '../store/index.js';
import type { AuditLog } from './audit.js';
import type { Clock } from './clock.js';
import { TwofoldError } from './errors.js';
import { isoTime } from './iso-time.js';
import {
  CLIENT_SECRET_PREFIX,
  checkClientId,
  checkHosts,
  checkKind,
  checkName,
  checkNetworks,
  checkPolicy,
  checkRadiusSecret,
  checkScopes,
  checkSigningAlg,
  checkUris,
  DEFAULT_SCOPES,
  type MfaPolicy,
  refuseFieldsOfOtherKinds,
  type ServiceKind,
  type SigningAlg,
} from './service-fields.js';
import { isoTimeOrNull } from './users.js';

export {
  CLIENT_SECRET_PREFIX,
  checkHosts,
  checkNetworks,
  checkUris,
  DEFAULT_SCOPES,
  KNOWN_SCOPES,
  MFA_POLICIES,
  type MfaPolicy,
  SERVICE_KINDS,
  type ServiceKind,
  SIGNING_ALGS,
  type SigningAlg,
} from './service-fields.js';

/** A service as lists and pages show it: never its secret, which only its hash remembers. */
export interface ServiceSummary {
  readonly id: string;
  readonly clientId: string;
  readonly name: string;
  readonly kind: ServiceKind;
  /**
   * `confidential`: authenticates with its secret; `public`: PKCE alone (SPAs, native apps).
   * Applications and RADIUS clients are confidential, sites public (the proxy holds no secret).
   */
  readonly type: 'confidential' | 'public';
  /** A site's host names, each optionally with a path prefix (`wiki.example.com/admin`). */
  readonly hosts: readonly string[];
  /** A RADIUS client's addresses or networks (`10.0.0.0/24`). */
  readonly networks: readonly string[];
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
  /** `oidc` unless given. */
  readonly kind?: ServiceKind | undefined;
  /** Defaults to the name in lower case, with anything but letters and digits as dashes. */
  readonly clientId?: string | undefined;
  /** An OIDC client's; none for the other kinds. */
  readonly redirectUris?: readonly string[] | undefined;
  /** A site's, at least one. */
  readonly hosts?: readonly string[] | undefined;
  /** A RADIUS client's, at least one. */
  readonly networks?: readonly string[] | undefined;
  /** A RADIUS client's shared secret, when the device already has one; generated otherwise. */
  readonly radiusSecret?: string | undefined;
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
    | 'name'
    | 'redirectUris'
    | 'logoutUris'
    | 'scopes'
    | 'skipConsent'
    | 'mfaPolicy'
    | 'signingAlg'
    | 'hosts'
    | 'networks'
  >
>;

/** A service just registered, or its secret just replaced: `clientSecret` is shown this once. */
export interface ServiceWithSecret {
  readonly service: ServiceSummary;
  /** Absent for a public client and a site; a RADIUS client's shared secret. */
  readonly clientSecret?: string;
}

export interface ServicesDependencies {
  readonly store: Store;
  readonly keyring: Keyring;
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
    const { store, clock, audit, keyring } = this.deps;
    const kind = checkKind(input.kind ?? 'oidc');
    const name = checkName(input.name);
    const clientId = checkClientId(input.clientId ?? slug(name));
    const type =
      kind === 'oidc' ? (input.type ?? 'confidential') : kind === 'site' ? 'public' : 'confidential';
    if (type !== 'confidential' && type !== 'public') {
      throw new TwofoldError('invalid_input', 'The service type must be "confidential" or "public".', {
        field: 'type',
      });
    }
    refuseFieldsOfOtherKinds(kind, input);
    const id = randomId();
    const radiusSecret =
      kind === 'radius' ? checkRadiusSecret(input.radiusSecret ?? newRadiusSecret()) : undefined;
    const clientSecret =
      kind === 'radius' ? radiusSecret : type === 'confidential' ? newClientSecret() : undefined;
    const hosts = kind === 'site' ? checkHosts(input.hosts ?? []) : [];
    if (kind === 'site') await this.refuseHostsTaken(hosts, undefined);
    const now = clock.now();
    const row: ServiceRow = {
      id,
      client_id: clientId,
      name,
      kind,
      secret_hash: kind === 'radius' || clientSecret === undefined ? null : hashToken(clientSecret),
      hosts: JSON.stringify(hosts),
      networks: JSON.stringify(kind === 'radius' ? checkNetworks(input.networks ?? []) : []),
      radius_secret_sealed:
        radiusSecret === undefined ? null : keyring.seal(radiusSecret, radiusSecretContext(id)),
      redirect_uris: JSON.stringify(
        kind === 'oidc' ? checkUris(input.redirectUris ?? [], 'redirectUris', true) : [],
      ),
      logout_uris: JSON.stringify(
        kind === 'oidc' ? checkUris(input.logoutUris ?? [], 'logoutUris', false) : [],
      ),
      scopes: kind === 'oidc' ? checkScopes(input.scopes ?? DEFAULT_SCOPES).join(' ') : 'openid',
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
            detail: { service: name, client_id: clientId, kind },
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
    refuseFieldsOfOtherKinds(row.kind, patch);
    const changes: Partial<ServiceRow> = {};
    if (patch.hosts !== undefined) {
      const hosts = checkHosts(patch.hosts);
      await this.refuseHostsTaken(hosts, row.id);
      changes.hosts = JSON.stringify(hosts);
    }
    if (patch.networks !== undefined) changes.networks = JSON.stringify(checkNetworks(patch.networks));
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
    if (row.kind === 'site') {
      throw new TwofoldError(
        'invalid_input',
        `"${row.name}" is a site behind a reverse proxy: it has no secret (the proxy asks Twofold about each request).`,
      );
    }
    if (row.kind === 'oidc' && row.secret_hash === null) {
      throw new TwofoldError(
        'invalid_input',
        `"${row.name}" is a public service: it has no secret and proves itself with PKCE alone.`,
      );
    }
    const clientSecret = row.kind === 'radius' ? newRadiusSecret() : newClientSecret();
    const secretChange: Pick<ServiceRow, 'secret_hash' | 'radius_secret_sealed'> =
      row.kind === 'radius'
        ? {
            secret_hash: null,
            radius_secret_sealed: this.deps.keyring.seal(clientSecret, radiusSecretContext(row.id)),
          }
        : { secret_hash: hashToken(clientSecret), radius_secret_sealed: null };
    const updated: ServiceRow = { ...row, ...secretChange, updated_at: clock.now() };
    await store.transaction(async (tx) => {
      await tx.services.update(row.id, { ...secretChange, updated_at: updated.updated_at });
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

  /**
   * The application a validate call comes from, by its client id and secret. One answer for an
   * unknown id and a wrong secret, so the answer tells nothing about which ids exist.
   */
  async authenticateApplication(clientId: string, secret: string): Promise<ServiceRow> {
    const row = await this.deps.store.services.findByClientId(clientId);
    const expected = row?.kind === 'application' ? row.secret_hash : null;
    if (expected === null || !timingSafeEqualStrings(hashToken(secret), expected)) {
      throw new TwofoldError(
        'unauthenticated',
        'Unknown application or wrong secret: send the client id and secret of a service of kind "application" with HTTP Basic authentication.',
      );
    }
    return row as ServiceRow;
  }

  /** A RADIUS client's shared secret, in clear: RADIUS signs every answer with it. */
  radiusSecretOf(row: ServiceRow): string {
    if (row.radius_secret_sealed === null) {
      throw new TwofoldError('invalid_input', `"${row.name}" is not a RADIUS client.`);
    }
    return this.deps.keyring.unseal(row.radius_secret_sealed, radiusSecretContext(row.id)).toString('utf8');
  }

  /** Two sites claiming one host and path would make forward-auth's answer depend on order. */
  private async refuseHostsTaken(hosts: readonly string[], exceptId: string | undefined): Promise<void> {
    for (const site of await this.deps.store.services.listByKind('site')) {
      if (site.id === exceptId) continue;
      const theirs = new Set(JSON.parse(site.hosts) as string[]);
      const clash = hosts.find((host) => theirs.has(host));
      if (clash !== undefined) {
        throw new TwofoldError('conflict', `The site "${site.name}" already covers ${clash}.`, {
          field: 'hosts',
        });
      }
    }
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
    kind: row.kind,
    type: row.secret_hash === null && row.kind !== 'radius' ? 'public' : 'confidential',
    hosts: JSON.parse(row.hosts) as string[],
    networks: JSON.parse(row.networks) as string[],
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

/** 32 characters of base64url: as strong as a shared secret needs, and typeable into a device. */
function newRadiusSecret(): string {
  return randomToken(24);
}

/** The associated data a RADIUS client's shared secret is sealed with: its own row. */
export function radiusSecretContext(serviceId: string): string {
  return `radius-secret:${serviceId}`;
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
