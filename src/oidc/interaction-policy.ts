import { interactionPolicy, type KoaContextWithOIDC } from 'oidc-provider';
import type { ActiveSession, Core, ServiceDecision } from '../core/index.js';
import { SESSION_COOKIE } from '../http/pages/page-session.js';

const { Check, base } = interactionPolicy;

/**
 * oidc-provider's prompts (login, consent) with one more reason to show the login: Twofold's own
 * session does not satisfy the service. oidc-provider remembers a sign-in in its own session, but
 * that alone must not let anyone in: the person may have logged out of Twofold since, someone else
 * may have logged in, or this service may need a second factor the earlier sign-in did not use.
 */
export function servicePolicyChecks(core: Core): interactionPolicy.Prompt[] {
  const policy = base();
  const login = policy.get('login');
  if (!login) throw new TypeError('oidc-provider has no login prompt');
  login.checks.push(
    new Check(
      'twofold_policy',
      "The service needs a sign-in that Twofold's session does not hold",
      // What prompt=none gets: the person must (again) authenticate.
      'login_required',
      async (ctx: KoaContextWithOIDC) => {
        const { oidc } = ctx;
        const clientId = oidc.client?.clientId;
        if (!clientId || !oidc.session?.accountId) return Check.REQUEST_PROMPT;
        const session = await twofoldSession(core, ctx);
        if (!session || session.user.id !== oidc.session?.accountId) return Check.REQUEST_PROMPT;
        const decision = await decideSafely(core, session, clientId, requestedAcrs(oidc.params?.acr_values));
        if (decision?.outcome !== 'ok') return Check.REQUEST_PROMPT;
        // What the ID token will say must be what this session proved for this service.
        const sameProof = oidc.acr === decision.acr && (oidc.amr ?? []).join(' ') === decision.amr.join(' ');
        return sameProof ? Check.NO_NEED_TO_PROMPT : Check.REQUEST_PROMPT;
      },
    ),
  );
  return policy;
}

/**
 * The browser's Twofold session when it proved at least the password (a pending login counts,
 * unless an external provider made it: its policy asked for a Twofold factor before anything).
 */
export async function twofoldSession(
  core: Core,
  ctx: { cookies: { get(name: string): string | undefined } },
): Promise<ActiveSession | undefined> {
  const session = await core.sessions.resolve(ctx.cookies.get(SESSION_COOKIE));
  if (session?.row.kind !== 'browser') return undefined;
  if (session.row.stage === 'full') return session;
  return session.row.stage === 'password' && session.row.external_sign_in === null ? session : undefined;
}

export function requestedAcrs(raw: unknown): string[] {
  return typeof raw === 'string' ? raw.split(' ').filter(Boolean) : [];
}

async function decideSafely(
  core: Core,
  session: ActiveSession,
  clientId: string,
  acrs: readonly string[],
): Promise<ServiceDecision | undefined> {
  try {
    return await core.serviceAccess.decide(session, clientId, acrs);
  } catch {
    return undefined;
  }
}
