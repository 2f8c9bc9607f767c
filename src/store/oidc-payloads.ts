import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/** One stored oidc-provider model instance (its payload is the provider's own JSON). */
export interface OidcPayload {
  readonly payload: Record<string, unknown>;
  readonly consumed: boolean;
}

/**
 * What oidc-provider's adapter keeps: authorization codes, tokens, grants, its sessions and
 * interactions, replay records. In the database, so a code issued by one instance is redeemed
 * at another, and a code consumed by one is consumed for all.
 */
export class OidcPayloadRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async upsert(
    model: string,
    id: string,
    payload: Record<string, unknown>,
    expiresAt: number | null,
  ): Promise<void> {
    const row = {
      payload: JSON.stringify(payload),
      grant_id: typeof payload.grantId === 'string' ? payload.grantId : null,
      client_id: typeof payload.clientId === 'string' ? payload.clientId : null,
      account_id: typeof payload.accountId === 'string' ? payload.accountId : null,
      user_code: typeof payload.userCode === 'string' ? payload.userCode : null,
      uid: typeof payload.uid === 'string' ? payload.uid : null,
      expires_at: expiresAt,
    };
    await this.db
      .insertInto('oidc_payloads')
      .values({ model, id, ...row })
      .onConflict((oc) => oc.columns(['model', 'id']).doUpdateSet(row))
      .execute();
  }

  async find(model: string, id: string, now: number): Promise<OidcPayload | undefined> {
    const row = await this.db
      .selectFrom('oidc_payloads')
      .select(['payload', 'consumed_at', 'expires_at'])
      .where('model', '=', model)
      .where('id', '=', id)
      .executeTakeFirst();
    return row && live(row, now);
  }

  async findBy(
    model: string,
    column: 'uid' | 'user_code',
    value: string,
    now: number,
  ): Promise<OidcPayload | undefined> {
    const row = await this.db
      .selectFrom('oidc_payloads')
      .select(['payload', 'consumed_at', 'expires_at'])
      .where('model', '=', model)
      .where(column, '=', value)
      .executeTakeFirst();
    return row && live(row, now);
  }

  /**
   * Marks the payload consumed, once: true only for the caller that consumed it, so of two
   * instances redeeming one code at the same time exactly one wins.
   */
  async consume(model: string, id: string, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('oidc_payloads')
      .set({ consumed_at: now })
      .where('model', '=', model)
      .where('id', '=', id)
      .where('consumed_at', 'is', null)
      .executeTakeFirst();
    return result.numUpdatedRows === 1n;
  }

  async destroy(model: string, id: string): Promise<void> {
    await this.db.deleteFrom('oidc_payloads').where('model', '=', model).where('id', '=', id).execute();
  }

  /** Everything issued under one grant, of every model (codes, access and refresh tokens). */
  async revokeByGrantId(grantId: string): Promise<void> {
    await this.db.deleteFrom('oidc_payloads').where('grant_id', '=', grantId).execute();
  }

  /** Everything issued to one service: what goes when the service is removed. */
  async revokeByClientId(clientId: string): Promise<void> {
    await this.db.deleteFrom('oidc_payloads').where('client_id', '=', clientId).execute();
  }

  /** What one person granted one service: its grants, codes and tokens. */
  async revokeForAccount(accountId: string, clientId: string): Promise<number> {
    const result = await this.db
      .deleteFrom('oidc_payloads')
      .where('account_id', '=', accountId)
      .where('client_id', '=', clientId)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async removeExpired(now: number): Promise<number> {
    const result = await this.db
      .deleteFrom('oidc_payloads')
      .where('expires_at', '<=', now)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}

function live(
  row: { payload: string; consumed_at: number | null; expires_at: number | null },
  now: number,
): OidcPayload | undefined {
  if (row.expires_at !== null && row.expires_at <= now) return undefined;
  const payload = JSON.parse(row.payload) as Record<string, unknown>;
  return { payload, consumed: row.consumed_at !== null };
}
