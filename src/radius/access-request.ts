import { isIP } from 'node:net';
import {
  type Core,
  type CredentialResult,
  countSignIn,
  credentialResultOf,
  TwofoldError,
} from '../core/index.js';
import type { RadiusChallenges } from './challenges.js';
import type { RadiusClient } from './clients.js';
import type { AccessRequest, Reply } from './packets.js';

/** What the Access-Challenge asks for. */
export const CHALLENGE_MESSAGE = 'Enter your one-time code';

/**
 * Answers one authenticated Access-Request. It decides nothing itself: the credential check of
 * src/core applies the client's MFA policy, the person's Service Settings, the throttle, the
 * replay rule and the audit, exactly as for the login page. This maps RADIUS onto it:
 *
 * - `User-Password` is the password, with the code typed straight after it, or the password
 *   alone: when the policy then wants a code, an Access-Challenge asks for it with a State;
 * - a request carrying that State has the code as its `User-Password`, checked for the same
 *   person and client only.
 */
export class AccessRequestHandler {
  constructor(
    private readonly core: Core,
    private readonly challenges: RadiusChallenges,
  ) {}

  /** @param nasAddress where the packet came from: the client's own address. */
  async answer(request: AccessRequest, client: RadiusClient, nasAddress: string): Promise<Reply> {
    const { userName, password } = request;
    if (!userName) return reject('Send the user name in User-Name.');
    if (password === undefined) {
      return reject('Twofold answers PAP only: send the password (and code) in User-Password.');
    }
    const ip = personAddress(request, nasAddress);
    try {
      return request.state === undefined
        ? await this.passwordStep(client, userName, password, ip)
        : await this.codeStep(client, userName, request.state, password, ip);
    } catch (error) {
      // A request Twofold refuses as typed (a name too long, an empty code) is rejected with
      // the reason; anything else is the server's trouble, and the client had better retry.
      if (error instanceof TwofoldError && error.code === 'invalid_input') return reject(error.message);
      throw error;
    }
  }

  private counted(check: Promise<CredentialResult>): Promise<CredentialResult> {
    return countSignIn(this.core.metrics, 'radius', check, credentialResultOf);
  }

  private async passwordStep(
    client: RadiusClient,
    login: string,
    password: string,
    ip: string,
  ): Promise<Reply> {
    const { service } = client;
    const result = await this.counted(this.core.credentialCheck.check({ service, login, password, ip }));
    if (result.ok) return { code: 'Access-Accept' };
    if (result.reason === 'code_required' && result.user) {
      const state = await this.challenges.open(service.id, result.user.id);
      return { code: 'Access-Challenge', replyMessage: CHALLENGE_MESSAGE, state };
    }
    return reject(result.message);
  }

  private async codeStep(
    client: RadiusClient,
    login: string,
    state: Buffer,
    code: string,
    ip: string,
  ): Promise<Reply> {
    const { service } = client;
    const userId = await this.challenges.take(service.id, state);
    // The State binds the code to the person whose password was right: another name with it
    // would be a code without a password.
    const user = userId === undefined ? undefined : await this.core.store.users.findByLogin(login);
    if (userId === undefined || user?.id !== userId) {
      await this.core.audit.record({
        type: 'login.failed',
        userId: userId ?? null,
        ip,
        detail: {
          reason: userId === undefined ? 'radius_state_unknown' : 'radius_state_other_user',
          service: service.name,
        },
      });
      // A State no one holds ran out or was answered; one under another name is refused.
      this.core.metrics.signIn('radius', userId === undefined ? 'expired' : 'refused');
      return reject('This sign-in has expired or was already answered: sign in again with your password.');
    }
    const result = await this.counted(this.core.credentialCheck.check({ service, login, code, ip }));
    return result.ok ? { code: 'Access-Accept' } : reject(result.message);
  }
}

function reject(message: string): Reply {
  return { code: 'Access-Reject', replyMessage: message };
}

/**
 * The person's address, for the password throttle per address and the audit: the device's
 * Calling-Station-Id when it is an IP address (a VPN's user), else the device itself. Taking the
 * device's address for every user would let one person's wrong passwords slow everyone behind it.
 */
function personAddress(request: AccessRequest, nasAddress: string): string {
  const calling = request.callingStationId?.trim();
  return calling !== undefined && isIP(calling) !== 0 ? calling : nasAddress;
}
