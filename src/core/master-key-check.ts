import { type Keyring, SealError } from '../security/index.js';
import type { Store } from '../store/index.js';
import type { Clock } from './clock.js';
import { codeVerifierContext } from './external-sign-in.js';
import { clientSecretContext } from './identity-providers.js';
import { radiusSecretContext } from './services.js';
import { COOKIE_KEY, COOKIE_KEY_CONTEXT, signingKeyContext } from './signing-keys.js';

const KEY_CHECK = 'master_key_check';
const KEY_CHECK_CONTEXT = 'twofold:master-key-check';

/** The master key given does not open this database's secrets: refuse to start rather than guess. */
export class MasterKeyMismatchError extends Error {
  override readonly name = 'MasterKeyMismatchError';
}

/** Whether the database already holds anything sealed (so a missing key must never be replaced). */
export async function holdsSealedData(store: Store): Promise<boolean> {
  if ((await store.meta.get(KEY_CHECK)) !== undefined) return true;
  if ((await store.signingKeys.listAll()).length > 0) return true;
  return (await store.authenticators.listSealedSecrets()).length > 0;
}

/**
 * Proves at start-up that the keyring opens this database, by unsealing a small value sealed
 * when the database was first used. A wrong key then fails loudly before any request, instead
 * of every TOTP check failing as a "wrong code".
 */
export async function verifyMasterKey(store: Store, keyring: Keyring): Promise<void> {
  const sealed = await store.meta.get(KEY_CHECK);
  if (sealed === undefined) {
    await store.meta.set(KEY_CHECK, keyring.seal('ok', KEY_CHECK_CONTEXT));
    return;
  }
  try {
    keyring.unseal(sealed, KEY_CHECK_CONTEXT);
  } catch (error) {
    if (error instanceof SealError) {
      throw new MasterKeyMismatchError(
        `the master key does not open this database's secrets (they are sealed under key id ${safeKeyId(keyring, sealed)}, ` +
          `the keys given have ids ${keyring.keyIds.join(', ')}): restore the right master.key or TWOFOLD_MASTER_KEY`,
        { cause: error },
      );
    }
    throw error;
  }
}

function safeKeyId(keyring: Keyring, sealed: string): string {
  try {
    return keyring.keyIdOf(sealed);
  } catch {
    return 'unknown';
  }
}

export interface RotationResult {
  readonly resealed: number;
  readonly keyId: string;
}

/**
 * Re-seals every sealed secret under the keyring's current key in one transaction: either all
 * of them move to the new key or none does, so the old key stays enough until the commit.
 */
export async function resealAll(store: Store, keyring: Keyring, clock: Clock): Promise<RotationResult> {
  const resealed = await store.transaction(async (tx) => {
    const rows = await tx.authenticators.listSealedSecrets();
    for (const row of rows) {
      await tx.authenticators.update(row.id, {
        secret_sealed: keyring.reseal(row.secret_sealed, totpSecretContext(row.id)),
      });
    }
    const signingKeys = await tx.signingKeys.listAll();
    for (const key of signingKeys) {
      await tx.signingKeys.reseal(
        key.kid,
        keyring.reseal(key.private_jwk_sealed, signingKeyContext(key.kid)),
      );
    }
    const providers = (await tx.identityProviders.list()).filter((p) => p.client_secret_sealed !== null);
    for (const provider of providers) {
      await tx.identityProviders.update(provider.id, {
        client_secret_sealed: keyring.reseal(
          provider.client_secret_sealed as string,
          clientSecretContext(provider.id),
        ),
      });
    }
    // RADIUS clients keep their shared secret: only its sealing changes, not what the device holds.
    const radiusClients = (await tx.services.listByKind('radius')).filter(
      (s) => s.radius_secret_sealed !== null,
    );
    for (const client of radiusClients) {
      await tx.services.update(client.id, {
        radius_secret_sealed: keyring.reseal(
          client.radius_secret_sealed as string,
          radiusSecretContext(client.id),
        ),
      });
    }
    // Sign-ins under way (ten minutes at most) keep working across the rotation.
    for (const signIn of await tx.identityProviders.listSignIns()) {
      await tx.identityProviders.resealSignIn(
        signIn.state_hash,
        keyring.reseal(signIn.verifier_sealed, codeVerifierContext(signIn.state_hash)),
      );
    }
    const cookieKey = await tx.meta.get(COOKIE_KEY);
    if (cookieKey !== undefined) await tx.meta.set(COOKIE_KEY, keyring.reseal(cookieKey, COOKIE_KEY_CONTEXT));
    const check = await tx.meta.get(KEY_CHECK);
    await tx.meta.set(
      KEY_CHECK,
      check === undefined ? keyring.seal('ok', KEY_CHECK_CONTEXT) : keyring.reseal(check, KEY_CHECK_CONTEXT),
    );
    await tx.audit.append({
      type: 'keys.rotated',
      at: clock.now(),
      detail: {
        keyId: keyring.currentKeyId,
        resealed: rows.length + signingKeys.length + providers.length + radiusClients.length,
      },
    });
    return rows.length + signingKeys.length + providers.length + radiusClients.length;
  });
  return { resealed, keyId: keyring.currentKeyId };
}

/** The sealing context of a TOTP secret: binds the ciphertext to its row. */
export const totpSecretContext = (authenticatorId: string): string => `totp-secret:${authenticatorId}`;
