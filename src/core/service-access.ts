import type { Store, UserRow } from '../store/index.js';
import type { AuditLog } from './audit.js';
import type { Clock } from './clock.js';
import { TwofoldError } from './errors.js';
import { isoTime } from './iso-time.js';
import { isMfaRequired } from './mfa-policy.js';
import { requireRecentAuthentication } from './recent-authentication.js';
import {
  type AssuranceLevel,
  decideServiceSignIn,
  requiredLevel,
  type ServiceDecision,
  type ServiceSignInFacts,
} from './service-policy.js';
import type { MfaPolicy } from './services.js';
import type { ActiveSession } from './sessions.js';
import { isoTimeOrNull } from './users.js';

/** One line of the person's Service Settings. */
export interface ServiceSetting {
  readonly serviceId: string;
  readonly clientId: string;
  readonly name: string;
  readonly policy: MfaPolicy;
  /** Whether a second factor is asked for when this person signs in to it. */
  readonly mfaOn: boolean;
  /** Whether the person may change `mfaOn` (only user's choice, never for "OTP Configured"). */
  readonly changeable: boolean;
  readonly lastSignInAt: string | null;
}

/** A past sign-in to a service, as the account page lists it. */
export interface RecentServiceSignIn {
  readonly service: string;
  readonly amr: string;
  readonly acr: string;
  readonly at: string;
  readonly ip: string | null;
}

/** A sign-in to a service, as the audit log and the account page show it. */
export interface ServiceSignInRecord {
  readonly clientId: string;
  readonly amr: readonly string[];
  readonly acr: string;
  readonly ip?: string | undefined;
}

export interface ServiceAccessDependencies {
  readonly store: Store;
  readonly clock: Clock;
  readonly audit: AuditLog;
}

/**
 * A person and the services they sign in to: whether their session is enough for a service
 * (its MFA policy, their own choice, what the service asked for), their Service Settings, and
 * the record of each sign-in.
 */
export class ServiceAccess {
  constructor(private readonly deps: ServiceAccessDependencies) {}

  /** Whether `session` may sign its person in to the service, or what to ask for first. */
  async decide(
    session: ActiveSession,
    clientId: string,
    requestedAcrs: readonly string[],
  ): Promise<ServiceDecision> {
    const facts = await this.facts(session.user, clientId, requestedAcrs);
    return decideServiceSignIn(facts, { amr: session.row.amr });
  }

  /**
   * What a service needs of this person when there is no session to look at (the validate API,
   * RADIUS): its policy, the person's "OTP Configured" flag and their Service Settings.
   */
  async requiredLevelFor(user: UserRow, clientId: string): Promise<AssuranceLevel> {
    return requiredLevel(await this.facts(user, clientId, []));
  }

  async recordSignIn(userId: string, record: ServiceSignInRecord): Promise<void> {
    const { store, clock, audit } = this.deps;
    const service = await store.services.findByClientId(record.clientId);
    if (!service) return;
    // Two records of one fact, neither worth a transaction on every sign-in: a lost "last
    // sign-in" after a crash between them misleads nobody, and the audit event comes second.
    await store.services.recordSignIn(userId, service.id, clock.now());
    await audit.record({
      type: 'service.signed_in',
      userId,
      ip: record.ip,
      detail: {
        service: service.name,
        client_id: service.client_id,
        amr: record.amr.join(' '),
        acr: record.acr,
      },
    });
  }

  /** Every service, with this person's choice and last sign-in (seed 004's Service Settings). */
  async settings(user: UserRow): Promise<ServiceSetting[]> {
    const { store } = this.deps;
    const [services, preferences, hasFactor] = await Promise.all([
      store.services.list(),
      store.services.preferencesOf(user.id),
      store.authenticators.countActiveByUser(user.id).then((count) => count > 0),
    ]);
    const byService = new Map(preferences.map((row) => [row.service_id, row]));
    return services.map((service) => {
      const preference = byService.get(service.id);
      const mfaOff = preference?.mfa_off === 1;
      const changeable = service.mfa_policy === 'user_choice' && !isMfaRequired(user) && hasFactor;
      const mfaOn =
        isMfaRequired(user) ||
        service.mfa_policy === 'required' ||
        (service.mfa_policy === 'user_choice' && hasFactor && !mfaOff);
      return {
        serviceId: service.id,
        clientId: service.client_id,
        name: service.name,
        policy: service.mfa_policy,
        mfaOn,
        changeable,
        lastSignInAt: isoTimeOrNull(preference?.last_sign_in_at ?? null),
      };
    });
  }

  /**
   * Turns MFA on or off for one service. A sensitive action: turning it off weakens every later
   * sign-in to that service, so it needs a recent login and a fresh second factor.
   */
  async setMfa(session: ActiveSession, serviceId: string, on: boolean, ip?: string): Promise<ServiceSetting> {
    const { store, clock, audit } = this.deps;
    const hasFactor = (await store.authenticators.countActiveByUser(session.user.id)) > 0;
    requireRecentAuthentication(session, hasFactor, clock);
    const setting = (await this.settings(session.user)).find((row) => row.serviceId === serviceId);
    if (!setting) throw new TwofoldError('not_found', 'No such service.');
    if (!setting.changeable) {
      throw new TwofoldError('forbidden', changeRefusal(setting, session.user, hasFactor));
    }
    await store.transaction(async (tx) => {
      await tx.services.setMfaOff(session.user.id, serviceId, !on, clock.now());
      await audit.record(
        {
          type: 'service.mfa_changed',
          userId: session.user.id,
          ip,
          detail: { service: setting.name, mfa: on },
        },
        tx,
      );
    });
    return { ...setting, mfaOn: on };
  }

  /** The person's latest sign-ins to services, newest first (their account page). */
  async recentSignIns(user: UserRow, limit = 10): Promise<RecentServiceSignIn[]> {
    const events = await this.deps.store.audit.list({ userId: user.id, type: 'service.signed_in', limit });
    return events.map((event) => {
      const detail = JSON.parse(event.detail) as Record<string, unknown>;
      return {
        service: String(detail.service ?? ''),
        amr: String(detail.amr ?? ''),
        acr: String(detail.acr ?? ''),
        at: isoTime(event.created_at),
        ip: event.ip,
      };
    });
  }

  /**
   * Withdraws what the person granted a service: its consent, codes, access and refresh tokens.
   * The service's next request for them signs them in again (and asks for consent again).
   */
  async revoke(user: UserRow, serviceId: string, ip?: string): Promise<void> {
    const { store, audit } = this.deps;
    const service = await store.services.findById(serviceId);
    if (!service) throw new TwofoldError('not_found', 'No such service.');
    await store.transaction(async (tx) => {
      await tx.oidcPayloads.revokeForAccount(user.id, service.client_id);
      await audit.record(
        { type: 'service.access_revoked', userId: user.id, ip, detail: { service: service.name } },
        tx,
      );
    });
  }

  private async facts(
    user: UserRow,
    clientId: string,
    requestedAcrs: readonly string[],
  ): Promise<ServiceSignInFacts> {
    const { store } = this.deps;
    const service = await store.services.findForSignIn(clientId, user.id);
    if (!service) throw new TwofoldError('not_found', 'This service is not registered with Twofold.');
    return {
      policy: service.mfa_policy,
      otpRequired: isMfaRequired(user),
      hasSecondFactor: Boolean(service.has_factor),
      hasWebauthn: Boolean(service.has_webauthn),
      mfaOff: service.mfa_off === 1,
      requestedAcrs,
    };
  }
}

function changeRefusal(setting: ServiceSetting, user: UserRow, hasFactor: boolean): string {
  if (setting.policy === 'required') return `${setting.name} always requires multi-factor authentication.`;
  if (setting.policy === 'not_required') return `${setting.name} does not use multi-factor authentication.`;
  if (isMfaRequired(user))
    return 'Your administrator requires multi-factor authentication for every service.';
  if (!hasFactor) return 'Set up an authenticator first: without one there is no second factor to ask for.';
  return 'This setting cannot be changed.';
}
