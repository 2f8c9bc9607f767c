import type { Insertable, Kysely, Selectable, Updateable } from 'kysely';
import { PreparedQuery } from './prepared.js';
import type { Database, ServicePreferencesTable, ServicesTable } from './schema.js';

export type ServiceRow = Selectable<ServicesTable>;
export type NewServiceRow = Insertable<ServicesTable>;
export type ServicePatch = Updateable<Omit<ServicesTable, 'id' | 'client_id' | 'created_at'>>;
export type ServicePreferenceRow = Selectable<ServicePreferencesTable>;
export type ServiceKind = ServiceRow['kind'];

/** A service with what a sign-in to it needs to know of one person. */
export type ServiceForSignIn = ServiceRow & {
  /** 1 when the person turned MFA off for it; null when they never chose. */
  readonly mfa_off: number | null;
  /** An EXISTS: 1 or 0 on SQLite, true or false on PostgreSQL. */
  readonly has_factor: number | boolean;
  readonly has_webauthn: number | boolean;
};

/** Registered services (OpenID Connect clients, sites, applications, RADIUS clients) and each person's choices for them. */
export class ServiceRepository {
  // Every forward-auth decision runs these two: built and compiled once (prepared.ts).
  readonly #byKind: PreparedQuery<{ kind: ServiceKind }, ServiceRow>;
  readonly #forSignIn: PreparedQuery<{ clientId: string; userId: string }, ServiceForSignIn>;

  // Neither has a join or an ORDER BY beside a bound value. better-sqlite3's SQLite (built with
  // STAT4) made each such statement cost 5–10 times its plain form on every run — 55–120 µs
  // against 9 — where the same query with literals did not, so the hot reads stay plain: the
  // choice as a scalar subquery, the sort in JavaScript (measured with `npm run bench -- forward-auth`).
  constructor(private readonly db: Kysely<Database>) {
    this.#byKind = new PreparedQuery(db, (p) =>
      db.selectFrom('services').selectAll().where('kind', '=', p.kind),
    );
    this.#forSignIn = new PreparedQuery(db, (p) =>
      db
        .selectFrom('services as s')
        .selectAll('s')
        .select((eb) =>
          eb
            .selectFrom('service_preferences as pr')
            .select('pr.mfa_off')
            .whereRef('pr.service_id', '=', 's.id')
            .where('pr.user_id', '=', p.userId)
            .as('mfa_off'),
        )
        .select((eb) =>
          eb
            .exists(
              eb
                .selectFrom('authenticators as a')
                .select('a.id')
                .where('a.user_id', '=', p.userId)
                .where('a.status', '=', 'active'),
            )
            .as('has_factor'),
        )
        .select((eb) =>
          eb
            .exists(
              eb
                .selectFrom('authenticators as w')
                .select('w.id')
                .where('w.user_id', '=', p.userId)
                .where('w.status', '=', 'active')
                .where('w.kind', '=', 'webauthn'),
            )
            .as('has_webauthn'),
        )
        .where('s.client_id', '=', p.clientId),
    );
  }

  async insert(row: NewServiceRow): Promise<void> {
    await this.db.insertInto('services').values(row).execute();
  }

  async findById(id: string): Promise<ServiceRow | undefined> {
    return this.db.selectFrom('services').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async findByClientId(clientId: string): Promise<ServiceRow | undefined> {
    return this.db.selectFrom('services').selectAll().where('client_id', '=', clientId).executeTakeFirst();
  }

  /** Services of one kind, by name: the sites a proxy may ask about, the RADIUS clients. */
  async listByKind(kind: ServiceKind): Promise<ServiceRow[]> {
    const rows = await this.#byKind.rows({ kind });
    return rows.length < 2 ? rows : rows.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /**
   * The service, this person's choice for it and whether they have an active second factor (a
   * WebAuthn one among them), in one read: what each sign-in to it, and every forward-auth
   * decision, checks.
   */
  async findForSignIn(clientId: string, userId: string): Promise<ServiceForSignIn | undefined> {
    return this.#forSignIn.first({ clientId, userId });
  }

  async findByName(name: string): Promise<ServiceRow | undefined> {
    return this.db.selectFrom('services').selectAll().where('name', '=', name).executeTakeFirst();
  }

  async list(): Promise<ServiceRow[]> {
    return this.db.selectFrom('services').selectAll().orderBy('name').execute();
  }

  async update(id: string, patch: ServicePatch): Promise<boolean> {
    const result = await this.db.updateTable('services').set(patch).where('id', '=', id).executeTakeFirst();
    return result.numUpdatedRows === 1n;
  }

  async remove(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('services').where('id', '=', id).executeTakeFirst();
    return result.numDeletedRows === 1n;
  }

  async preference(userId: string, serviceId: string): Promise<ServicePreferenceRow | undefined> {
    return this.db
      .selectFrom('service_preferences')
      .selectAll()
      .where('user_id', '=', userId)
      .where('service_id', '=', serviceId)
      .executeTakeFirst();
  }

  async preferencesOf(userId: string): Promise<ServicePreferenceRow[]> {
    return this.db.selectFrom('service_preferences').selectAll().where('user_id', '=', userId).execute();
  }

  async setMfaOff(userId: string, serviceId: string, mfaOff: boolean, now: number): Promise<void> {
    const value = mfaOff ? 1 : 0;
    await this.db
      .insertInto('service_preferences')
      .values({ user_id: userId, service_id: serviceId, mfa_off: value, updated_at: now })
      .onConflict((oc) =>
        oc.columns(['user_id', 'service_id']).doUpdateSet({ mfa_off: value, updated_at: now }),
      )
      .execute();
  }

  async recordSignIn(userId: string, serviceId: string, now: number): Promise<void> {
    await this.db
      .insertInto('service_preferences')
      .values({ user_id: userId, service_id: serviceId, last_sign_in_at: now, updated_at: now })
      .onConflict((oc) => oc.columns(['user_id', 'service_id']).doUpdateSet({ last_sign_in_at: now }))
      .execute();
  }
}
