import type { UserRow } from '../store/index.js';

/**
 * Whether a user must have a second factor: the administrator's "OTP Configured", and every
 * administrator (an admin account is the one an attacker wants most).
 */
export const isMfaRequired = (user: Pick<UserRow, 'otp_required' | 'is_admin'>): boolean =>
  user.otp_required === 1 || user.is_admin === 1;
