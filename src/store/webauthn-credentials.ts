import type { Kysely } from 'kysely';
import type { AuthenticatorRow } from './authenticators.js';
import type { Database } from './schema.js';

/** What a verified registration ceremony leaves behind: an active WebAuthn authenticator. */
export interface NewWebauthnCredential {
  readonly id: string;
  readonly userId: string;
  readonly name: string;
  /** base64url, as the browser reports it. */
  readonly credentialId: string;
  /** base64url of the COSE public key. */
  readonly publicKey: string;
  readonly signCount: number;
  readonly transports: readonly string[];
  readonly backupEligible: boolean;
  readonly backedUp: boolean;
  readonly aaguid: string;
  readonly now: number;
}

/** The WebAuthn columns of `authenticators`: credentials by id, and the sign counter. */
export class WebauthnCredentialRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(credential: NewWebauthnCredential): Promise<void> {
    await this.db
      .insertInto('authenticators')
      .values({
        id: credential.id,
        user_id: credential.userId,
        kind: 'webauthn',
        name: credential.name,
        // One ceremony both registers and proves the key: it is never pending (security rule 4 in docs/architecture.md).
        status: 'active',
        credential_id: credential.credentialId,
        public_key: credential.publicKey,
        sign_count: credential.signCount,
        transports: credential.transports.join(','),
        backup_eligible: credential.backupEligible ? 1 : 0,
        backed_up: credential.backedUp ? 1 : 0,
        aaguid: credential.aaguid,
        created_at: credential.now,
        activated_at: credential.now,
        expires_at: null,
      })
      .execute();
  }

  /** The active WebAuthn authenticator with this credential id, whoever owns it. */
  async findActive(credentialId: string): Promise<AuthenticatorRow | undefined> {
    return this.db
      .selectFrom('authenticators')
      .selectAll()
      .where('credential_id', '=', credentialId)
      .where('kind', '=', 'webauthn')
      .where('status', '=', 'active')
      .executeTakeFirst();
  }

  /**
   * Records an accepted assertion. The counter must go up (WebAuthn §6.1.1), unless the
   * authenticator keeps none (0 before and after, as synced passkeys do). The condition sits in
   * the UPDATE itself, so two racing assertions with the same counter cannot both pass; false
   * means the counter did not go up (a possibly cloned key) or the authenticator is gone.
   */
  async acceptAssertion(
    id: string,
    assertion: { readonly signCount: number; readonly backedUp: boolean; readonly now: number },
  ): Promise<boolean> {
    const { signCount } = assertion;
    const result = await this.db
      .updateTable('authenticators')
      .set({ sign_count: signCount, backed_up: assertion.backedUp ? 1 : 0, last_used_at: assertion.now })
      .where('id', '=', id)
      .where('kind', '=', 'webauthn')
      .where('status', '=', 'active')
      .where((eb) => (signCount === 0 ? eb('sign_count', '=', 0) : eb('sign_count', '<', signCount)))
      .executeTakeFirst();
    return result.numUpdatedRows === 1n;
  }
}
