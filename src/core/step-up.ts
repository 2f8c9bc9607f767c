import type { Store } from './../store/index.js';
import type { AuditLog } from './audit.js';
import type { Clock } from './clock.js';
import type { SecondFactor, SecondFactorProof } from './second-factor.js';
import type { ActiveSession, IssuedSession, Sessions } from './sessions.js';

export interface StepUpDependencies {
  readonly store: Store;
  readonly clock: Clock;
  readonly audit: AuditLog;
  readonly sessions: Sessions;
  readonly secondFactor: SecondFactor;
}

/** Proving a fresh second factor inside a session, before a sensitive action. */
export class StepUp {
  constructor(private readonly deps: StepUpDependencies) {}

  /**
   * Checks the code and records the proof on the session. Browser sessions get a new id (the
   * privilege changed); an API token keeps its value, since the client could not learn a new one
   * safely mid-flight.
   */
  async verify(
    session: ActiveSession,
    code: string,
    context: { ip?: string | undefined } = {},
  ): Promise<{ proof: SecondFactorProof; rotated: IssuedSession | undefined }> {
    const { clock, audit, sessions, secondFactor, store } = this.deps;
    const proof = await secondFactor.verify(session.user, code, { ip: context.ip, purpose: 'step_up' });
    const now = clock.now();
    // The two writes go out together, so they share one commit (group commit on SQLite).
    const [rotated] = await Promise.all([
      session.row.kind === 'browser'
        ? sessions.rotate(session, { secondFactorAt: now })
        : store.sessions.recordSecondFactor(session.idHash, now).then(() => undefined),
      audit.record({
        type: 'step_up.succeeded',
        userId: session.user.id,
        ip: context.ip,
        detail: { method: proof.method },
      }),
    ]);
    return { proof, rotated };
  }
}
