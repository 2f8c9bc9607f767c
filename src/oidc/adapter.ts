import { timingSafeEqual } from 'node:crypto';
import { type Adapter, type AdapterPayload, errors } from 'oidc-provider';
import type { Clock } from '../core/index.js';
import { hashToken } from '../security/index.js';
import type { ServiceRow, Store } from '../store/index.js';

/**
 * oidc-provider's storage, in Twofold's database: every model (codes, tokens, grants, the
 * provider's sessions and interactions, replay records) through `store.oidcPayloads`, so any
 * instance on the same database redeems what another issued. Clients are not stored here: the
 * `Client` model reads the services administrators registered.
 */
export function oidcAdapterFactory(store: Store, clock: Clock): (model: string) => Adapter {
  // Expired codes, tokens and sessions go now and then, on a write: nothing else has to run for it.
  let writes = 0;
  const sweep = async () => {
    if (++writes % SWEEP_EVERY_WRITES === 0) await store.oidcPayloads.removeExpired(clock.now());
  };
  return (model) =>
    model === 'Client' ? new ServiceClientAdapter(store) : new PayloadAdapter(model, store, clock, sweep);
}

const SWEEP_EVERY_WRITES = 500;

class PayloadAdapter implements Adapter {
  constructor(
    private readonly model: string,
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly sweep: () => Promise<void>,
  ) {}

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    const expiresAt = typeof expiresIn === 'number' ? this.clock.now() + expiresIn * 1000 : null;
    await this.store.oidcPayloads.upsert(this.model, id, payload as Record<string, unknown>, expiresAt);
    await this.sweep();
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    return this.opened(await this.store.oidcPayloads.find(this.model, id, this.clock.now()));
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return this.opened(await this.store.oidcPayloads.findBy(this.model, 'uid', uid, this.clock.now()));
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return this.opened(
      await this.store.oidcPayloads.findBy(this.model, 'user_code', userCode, this.clock.now()),
    );
  }

  /**
   * oidc-provider reads a code, sees it unconsumed, then consumes it: two instances redeeming the
   * same code at once would both pass the read. The conditional update lets exactly one win; the
   * other is refused like any reused code, and what the code issued is revoked.
   */
  async consume(id: string): Promise<void> {
    if (await this.store.oidcPayloads.consume(this.model, id, this.clock.now())) return;
    const stored = await this.store.oidcPayloads.find(this.model, id, this.clock.now());
    const grantId = stored?.payload.grantId;
    if (typeof grantId === 'string') await this.store.oidcPayloads.revokeByGrantId(grantId);
    throw new errors.InvalidGrant('authorization code already consumed');
  }

  async destroy(id: string): Promise<void> {
    await this.store.oidcPayloads.destroy(this.model, id);
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    await this.store.oidcPayloads.revokeByGrantId(grantId);
  }

  private opened(stored: { payload: Record<string, unknown>; consumed: boolean } | undefined) {
    if (!stored) return undefined;
    const payload = stored.payload as AdapterPayload;
    return stored.consumed ? { ...payload, consumed: true } : payload;
  }
}

/** The registered services, as oidc-provider's client metadata. Read-only: no dynamic registration. */
class ServiceClientAdapter implements Adapter {
  constructor(private readonly store: Store) {}

  async find(clientId: string): Promise<AdapterPayload | undefined> {
    const row = await this.store.services.findByClientId(clientId);
    // Sites, applications and RADIUS clients share the register but never speak OpenID Connect:
    // their client ids are unknown to the provider.
    return row?.kind === 'oidc' ? clientMetadata(row) : undefined;
  }

  async upsert(): Promise<void> {
    throw new TypeError('Services are registered by administrators, not through the provider');
  }
  async findByUid(): Promise<undefined> {
    return undefined;
  }
  async findByUserCode(): Promise<undefined> {
    return undefined;
  }
  async consume(): Promise<void> {}
  async destroy(): Promise<void> {}
  async revokeByGrantId(): Promise<void> {}
}

/**
 * A service's metadata for oidc-provider. A confidential service's `client_secret` is the SHA-256
 * of its secret, never the secret itself (which is stored nowhere): `compareClientSecret` hashes
 * what the service presents (provider.ts), and no algorithm that would use the secret as a key
 * (HS256, client_secret_jwt) is enabled.
 */
export function clientMetadata(row: ServiceRow): AdapterPayload {
  const confidential = row.secret_hash !== null;
  const scopes = row.scopes.split(' ');
  return {
    client_id: row.client_id,
    client_name: row.name,
    ...(confidential ? { client_secret: row.secret_hash ?? '' } : {}),
    token_endpoint_auth_method: confidential ? 'client_secret_basic' : 'none',
    redirect_uris: JSON.parse(row.redirect_uris) as string[],
    post_logout_redirect_uris: JSON.parse(row.logout_uris) as string[],
    grant_types: scopes.includes('offline_access')
      ? ['authorization_code', 'refresh_token']
      : ['authorization_code'],
    response_types: ['code'],
    scope: row.scopes,
    id_token_signed_response_alg: row.signing_alg,
  };
}

/**
 * `Client.prototype.compareClientSecret` for clients from this adapter: their `client_secret` is
 * the SHA-256 of the real one, so what the service presents is hashed, then compared in constant
 * time.
 */
export function compareHashedClientSecret(this: { clientSecret?: string }, actual: string): boolean {
  const expected = Buffer.from(this.clientSecret ?? '', 'utf8');
  const presented = Buffer.from(hashToken(String(actual)), 'utf8');
  return expected.length === presented.length && timingSafeEqual(expected, presented);
}
