import { randomBytes } from 'node:crypto';
import {
  hashPassword,
  type Keyring,
  randomId,
  verifyAgainstDummy,
  verifyPassword,
} from '../security/index.js';
import type { Store, UserRow } from '../store/index.js';
import type { AuditLog } from './audit.js';
import type { Clock } from './clock.js';
import { requireRecentAuthentication } from './recent-authentication.js';
import type { ActiveSession } from './sessions.js';

/** How many codes a set holds. */
export const BACKUP_CODE_COUNT = 10;
/** How long fresh codes stay available to their session for Download and Print. */
export const BACKUP_CODE_HANDOUT_MS = 5 * 60_000;

// 32 symbols without 0/O and 1/I, so a code read off paper cannot be mistyped into another:
// each symbol carries exactly 5 bits, and a byte's low 5 bits pick one without bias.
const ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZ';
const CODE_LENGTH = 12;
/**
 * The first two symbols are a public index that picks the row, so checking a code costs one
 * slow hash, not ten. The other ten symbols (50 bits) are what the hash protects (ASVS 6.5.2).
 */
const LOOKUP_LENGTH = 2;
const CODE_PATTERN = new RegExp(`^[${ALPHABET}]{${CODE_LENGTH}}$`);

/** A typed backup code in canonical form (upper case, no dashes or spaces), or undefined if it is not one. */
export function normalizeBackupCode(raw: string): string | undefined {
  const code = raw.replace(/[\s-]+/g, '').toUpperCase();
  return CODE_PATTERN.test(code) ? code : undefined;
}

/** `7K3M9QXPWZ2D` → `7K3M-9QXP-WZ2D`, the form printed and shown. */
export function formatBackupCode(code: string): string {
  return code.match(/.{1,4}/g)?.join('-') ?? code;
}

function randomCode(): string {
  let code = '';
  for (const byte of randomBytes(CODE_LENGTH)) code += ALPHABET[byte & 31];
  return code;
}

/** A set with distinct lookups, so every code has a row of its own. */
function randomCodeSet(): string[] {
  const codes = new Map<string, string>();
  while (codes.size < BACKUP_CODE_COUNT) {
    const code = randomCode();
    codes.set(code.slice(0, LOOKUP_LENGTH), code);
  }
  return [...codes.values()];
}

export interface BackupCodeStatus {
  readonly total: number;
  readonly remaining: number;
  readonly createdAt: number | null;
  /** Whether the user said "I have my backup codes" for the current set. */
  readonly confirmed: boolean;
}

export interface BackupCodesDependencies {
  readonly store: Store;
  readonly keyring: Keyring;
  readonly clock: Clock;
  readonly audit: AuditLog;
}

/** Backup codes: shown once, single use, a way in when the device is lost (seeds 002, 004). */
export class BackupCodes {
  constructor(private readonly deps: BackupCodesDependencies) {}

  /**
   * Replaces the user's set with ten new codes and returns them in clear, this once. They stay
   * sealed on the session for a few minutes so Download and Print can render them.
   */
  async generate(session: ActiveSession, context: { ip?: string | undefined } = {}): Promise<string[]> {
    const { store, keyring, clock, audit } = this.deps;
    const hasFactor = (await store.authenticators.countActiveByUser(session.user.id)) > 0;
    requireRecentAuthentication(session, hasFactor, clock);
    const codes = randomCodeSet();
    // Hashed before the transaction: ten argon2 runs must not hold the database.
    const hashes = await Promise.all(codes.map((code) => hashPassword(code)));
    const now = clock.now();
    await store.transaction(async (tx) => {
      // The user's row first: its lock queues a concurrent regeneration (another tab, another
      // instance) until this one commits. Without it, on PostgreSQL's READ COMMITTED, the other's
      // delete would not see the set inserted here and both sets would stay valid. (SQLite
      // transactions here take the write lock at BEGIN, serialized already.)
      await tx.users.update(session.user.id, { backup_codes_confirmed: 0, updated_at: now });
      await tx.backupCodes.replaceSet(
        session.user.id,
        codes.map((code, position) => ({
          id: randomId(),
          user_id: session.user.id,
          lookup: code.slice(0, LOOKUP_LENGTH),
          code_hash: hashes[position]!,
          position,
          created_at: now,
        })),
      );
      await tx.sessions.update(session.idHash, {
        backup_codes_sealed: keyring.seal(JSON.stringify(codes), handoutContext(session)),
        backup_codes_until: now + BACKUP_CODE_HANDOUT_MS,
      });
      await audit.record(
        {
          type: 'backup_codes.generated',
          userId: session.user.id,
          ip: context.ip,
          detail: { count: codes.length },
        },
        tx,
      );
    });
    return codes.map(formatBackupCode);
  }

  /** The codes generated in this session a moment ago, for Download or Print; undefined after. */
  handout(session: ActiveSession): string[] | undefined {
    const { row } = session;
    if (!row.backup_codes_sealed || (row.backup_codes_until ?? 0) <= this.deps.clock.now()) return undefined;
    const plain = this.deps.keyring.unseal(row.backup_codes_sealed, handoutContext(session));
    return (JSON.parse(plain.toString('utf8')) as string[]).map(formatBackupCode);
  }

  /** "I have my backup codes": the reminder stops and the handout is dropped. */
  async confirm(session: ActiveSession, context: { ip?: string | undefined } = {}): Promise<void> {
    const { store, clock, audit } = this.deps;
    await store.transaction(async (tx) => {
      await tx.users.update(session.user.id, { backup_codes_confirmed: 1, updated_at: clock.now() });
      await tx.sessions.update(session.idHash, { backup_codes_sealed: null, backup_codes_until: null });
      await audit.record({ type: 'backup_codes.confirmed', userId: session.user.id, ip: context.ip }, tx);
    });
  }

  async status(user: UserRow): Promise<BackupCodeStatus> {
    const summary = await this.deps.store.backupCodes.summary(user.id);
    return { ...summary, confirmed: user.backup_codes_confirmed === 1 };
  }

  /**
   * Checks and uses up one code. One slow hash per attempt whatever the input, so neither the
   * time nor the answer tells whether the lookup part matched a row.
   */
  async consume(user: UserRow, code: string): Promise<{ position: number; remaining: number } | undefined> {
    const { store, clock } = this.deps;
    const row = await store.backupCodes.findUnused(user.id, code.slice(0, LOOKUP_LENGTH));
    if (!row) {
      await verifyAgainstDummy(code);
      return undefined;
    }
    if (!(await verifyPassword(row.code_hash, code))) return undefined;
    // Conditional update: of two racing uses of one code exactly one marks it used.
    if (!(await store.backupCodes.consume(row.id, clock.now()))) return undefined;
    const { remaining } = await store.backupCodes.summary(user.id);
    return { position: row.position, remaining };
  }
}

// Bound to the session's user and birth, not its id: the id rotates at step-up, the row stays.
const handoutContext = (session: ActiveSession) =>
  `backup-codes-handout:${session.row.user_id}:${session.row.created_at}`;
