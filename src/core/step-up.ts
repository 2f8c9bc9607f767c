import type { Clock } from './clock.js';
import type { SecondFactor, SecondFactorProof } from './second-factor.js';
import type { ActiveSession, IssuedSession, Sessions } from './sessions.js';

export interface StepUpDependencies {
  readonly clock: Clock;
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
    const { clock, sessions, secondFactor } = this.deps;
    const browser = session.row.kind === 'browser';
    // The audit event, and an API token's renewed proof, are written with the accepted code.
    const proof = await secondFactor.verify(session.user, code, {
      ip: context.ip,
      purpose: 'step_up',
      proveSession: browser ? undefined : session.idHash,
    });
    const rotated = browser
      ? await sessions.rotate(session, { secondFactorAt: clock.now(), amr: ['otp'] })
      : undefined;
    return { proof, rotated };
  }
}
