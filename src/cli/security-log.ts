import type { AuditEntry, Core } from '../core/index.js';

/**
 * Detail fields copied from an audit event into its log line. An allowlist: audit details never
 * hold a secret (security rule 6), but some hold what a log collector should not keep for every
 * event — a user name, a device's name — so only these short, code-chosen fields are logged.
 */
const LOGGED_DETAIL: readonly string[] = [
  'reason',
  'method',
  'kind',
  'failures',
  'by',
  'via',
  'admin',
  'disabled',
  'required',
  'authenticatorId',
  'authenticatorsRemoved',
  'remaining',
  'service',
  'provider',
  'keyId',
  'kids',
  'resealed',
  'second_factor',
  'mfa',
];

/** The fields of an audit event's log line: its type, whose it is, who did it, from where. */
export function securityLogFields(entry: AuditEntry): Record<string, unknown> {
  const fields: Record<string, unknown> = { event: entry.type };
  if (entry.userId) fields.userId = entry.userId;
  if (entry.actorId) fields.actorId = entry.actorId;
  if (entry.ip) fields.ip = entry.ip;
  const detail = entry.detail;
  if (detail) {
    for (const key of LOGGED_DETAIL) if (detail[key] !== undefined) fields[key] = detail[key];
  }
  return fields;
}

/**
 * Logs every audit event this server records — sign-ins and their failures, locks and unlocks,
 * an administrator's MFA reset, enrollments, signing-key rotations — at info, once it is written:
 * the security team's feed beside the audit table. Never a secret: the audit entry holds none,
 * and only the fields above are copied.
 */
export function logSecurityEvents(
  core: Pick<Core, 'audit'>,
  log: (fields: Record<string, unknown>, message: string) => void,
): void {
  core.audit.subscribe((entry) => log(securityLogFields(entry), 'security event'));
}
