import type { AuthenticatorRow, UserRow } from '../store/index.js';
import { isoTime } from './iso-time.js';

/** A user as the outside world sees them: no password hash, times as ISO-8601. */
export interface UserSummary {
  readonly id: string;
  readonly username: string;
  readonly email: string;
  readonly firstName: string;
  readonly lastName: string;
  readonly isAdmin: boolean;
  readonly otpRequired: boolean;
  readonly disabled: boolean;
  readonly hasPassword: boolean;
  readonly createdAt: string;
  readonly lastLoginAt: string | null;
}

export interface AuthenticatorSummary {
  readonly id: string;
  readonly kind: 'totp' | 'webauthn';
  readonly name: string;
  readonly status: 'pending' | 'active';
  readonly createdAt: string;
  readonly lastUsedAt: string | null;
  readonly backupEligible?: boolean;
  readonly backedUp?: boolean;
}

export const isoTimeOrNull = (millis: number | null): string | null =>
  millis === null ? null : isoTime(millis);

export function summarizeUser(row: UserRow): UserSummary {
  return {
    id: row.id,
    username: row.username,
    email: row.email,
    firstName: row.first_name,
    lastName: row.last_name,
    isAdmin: row.is_admin === 1,
    otpRequired: row.otp_required === 1,
    disabled: row.disabled === 1,
    hasPassword: row.password_hash !== null,
    createdAt: isoTime(row.created_at),
    lastLoginAt: isoTimeOrNull(row.last_login_at),
  };
}

export function summarizeAuthenticator(row: AuthenticatorRow): AuthenticatorSummary {
  return {
    id: row.id,
    kind: row.kind,
    name: row.name,
    status: row.status,
    createdAt: isoTime(row.created_at),
    lastUsedAt: isoTimeOrNull(row.last_used_at),
    ...(row.kind === 'webauthn'
      ? { backupEligible: row.backup_eligible === 1, backedUp: row.backed_up === 1 }
      : {}),
  };
}
