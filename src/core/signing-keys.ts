import { generateKeyPairSync, type JsonWebKey, randomBytes } from 'node:crypto';
import type { Keyring } from '../security/index.js';
import type { SigningKeyRow, Store } from '../store/index.js';
import type { AuditLog } from './audit.js';
import type { Clock } from './clock.js';
import type { SigningAlg } from './services.js';

/**
 * How long a retired key stays in the JWKS: longer than anything signed with it lives (ID tokens
 * live an hour), with room for services that cache the key set for a day.
 */
export const RETIRED_KEY_PUBLISHED_MS = 25 * 60 * 60_000;

/** A private signing key as oidc-provider takes it (`jwks.keys`). */
export interface SigningJwk extends JsonWebKey {
  readonly kid: string;
  readonly alg: SigningAlg;
  readonly use: 'sig';
}

export interface SigningKeysDependencies {
  readonly store: Store;
  readonly keyring: Keyring;
  readonly clock: Clock;
  readonly audit: AuditLog;
}

export const signingKeyContext = (kid: string): string => `oidc-signing-key:${kid}`;
/** The meta entry holding the key that signs oidc-provider's cookies, sealed. */
export const COOKIE_KEY = 'oidc_cookie_key';
export const COOKIE_KEY_CONTEXT = 'twofold:oidc-cookie-key';

/**
 * The OpenID provider's signing keys: one current key per algorithm (ES256 for everyone, RS256
 * for services that know nothing else), generated on first start, their private parts sealed
 * with the master keyring like every other secret at rest.
 */
export class SigningKeys {
  constructor(private readonly deps: SigningKeysDependencies) {}

  /**
   * The keys to sign with and publish, current ones first (oidc-provider signs with the first key
   * of an algorithm): a missing current key is generated here, so a fresh database gets its keys
   * on first start.
   */
  async load(): Promise<SigningJwk[]> {
    const { store, clock } = this.deps;
    let rows = await store.signingKeys.listPublished(clock.now() - RETIRED_KEY_PUBLISHED_MS);
    const missing = (['ES256', 'RS256'] as const).filter(
      (alg) => !rows.some((row) => row.alg === alg && row.retired_at === null),
    );
    if (missing.length > 0) {
      for (const alg of missing) await this.insertNew(alg, store);
      rows = await store.signingKeys.listPublished(clock.now() - RETIRED_KEY_PUBLISHED_MS);
    }
    return [...rows]
      .sort((a, b) => Number(a.retired_at !== null) - Number(b.retired_at !== null))
      .map((row) => this.open(row));
  }

  /**
   * The key oidc-provider signs its cookies with: one for every instance on the database, so a
   * sign-in started on one instance continues on another. Generated on first use.
   */
  async cookieKeys(): Promise<string[]> {
    const { store, keyring } = this.deps;
    let sealed = await store.meta.get(COOKIE_KEY);
    if (sealed === undefined) {
      await store.meta.setIfAbsent(
        COOKIE_KEY,
        keyring.seal(randomBytes(32).toString('base64url'), COOKIE_KEY_CONTEXT),
      );
      sealed = await store.meta.get(COOKIE_KEY);
    }
    if (sealed === undefined) throw new Error('The cookie key could not be stored');
    return [keyring.unseal(sealed, COOKIE_KEY_CONTEXT).toString('utf8')];
  }

  /**
   * New current keys; the previous ones stay published for RETIRED_KEY_PUBLISHED_MS, so tokens
   * they signed still verify. Running servers sign with the new keys once restarted.
   */
  async rotate(): Promise<{ readonly kids: readonly string[] }> {
    const { store, clock, audit } = this.deps;
    return store.transaction(async (tx) => {
      const kids: string[] = [];
      for (const alg of ['ES256', 'RS256'] as const) {
        await tx.signingKeys.retireCurrent(alg, clock.now());
        kids.push(await this.insertNew(alg, tx));
      }
      await audit.record({ type: 'keys.signing_rotated', detail: { kids: kids.join(' ') } }, tx);
      return { kids };
    });
  }

  private async insertNew(alg: SigningAlg, store: Store): Promise<string> {
    const { keyring, clock } = this.deps;
    const kid = randomBytes(12).toString('base64url');
    const pair =
      alg === 'ES256'
        ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
        : generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jwk = { ...pair.privateKey.export({ format: 'jwk' }), kid, alg, use: 'sig' };
    await store.signingKeys.insert({
      kid,
      alg,
      private_jwk_sealed: keyring.seal(JSON.stringify(jwk), signingKeyContext(kid)),
      created_at: clock.now(),
      retired_at: null,
    });
    return kid;
  }

  private open(row: SigningKeyRow): SigningJwk {
    return JSON.parse(
      this.deps.keyring.unseal(row.private_jwk_sealed, signingKeyContext(row.kid)).toString('utf8'),
    ) as SigningJwk;
  }
}
