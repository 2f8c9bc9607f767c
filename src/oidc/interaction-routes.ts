import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type Provider from 'oidc-provider';
import { errors, type InteractionResults } from 'oidc-provider';
import { h } from 'preact';
import { type ActiveSession, type Core, TwofoldError } from '../core/index.js';
import {
  checkSessionCsrf,
  clearSessionCookie,
  currentSession,
  formField,
  loginUrl,
} from '../http/pages/page-session.js';
import { sendPage, viewerOf } from '../http/pages/respond.js';
import { ConsentPage, ContinuePage, FactorNeededPage } from '../http/views/service-pages.js';
import { requestedAcrs, twofoldSession } from './interaction-policy.js';
import { INTERACTION_PREFIX } from './paths.js';

type InteractionDetails = Awaited<ReturnType<Provider['interactionDetails']>>;

/**
 * The provider's interactions — log in, a missing second factor, consent — on Twofold's own pages:
 * the person logs in at /login (code appended, two steps, security key, passkey, backup code,
 * with the throttle and replay rules of every login), and comes back here, where Twofold decides
 * whether that sign-in is enough for the service.
 */
export async function interactionRoutes(
  app: FastifyInstance,
  { core, provider }: { core: Core; provider: () => Promise<Provider> },
): Promise<void> {
  app.get(`${INTERACTION_PREFIX}:uid`, async (request, reply) => {
    const oidc = await provider();
    const details = await interactionOf(oidc, request, reply);
    const here = `${INTERACTION_PREFIX}${details.uid}`;
    const clientId = String(details.params.client_id);
    const serviceName = (await core.store.services.findByClientId(clientId))?.name ?? clientId;
    const browser = await currentSession(core, request);
    if (browser?.row.stage === 'enrollment' || browser?.row.stage === 'setup') {
      return reply.redirect('/setup/enroll', 303);
    }
    let session = await twofoldSession(core, { cookies: { get: (name) => request.cookies[name] } });
    if (session && !freshEnough(session, details, core)) {
      // prompt=login or max_age: the service wants a proof newer than this session's.
      await core.sessions.end(session);
      clearSessionCookie(reply, core);
      return reply.redirect(loginUrl({ next: here, notice: 'reauth' }), 303);
    }
    if (!session) return reply.redirect(loginUrl({ next: here }), 303);

    if (details.prompt.name === 'login') {
      const decision = await core.serviceAccess.decide(
        session,
        clientId,
        requestedAcrs(details.params.acr_values),
      );
      switch (decision.outcome) {
        case 'ok': {
          const login = {
            accountId: session.user.id,
            acr: decision.acr,
            amr: [...decision.amr],
            ts: Math.floor(session.row.authenticated_at / 1000),
            remember: true,
          };
          return finish(oidc, request, reply, serviceName, { login });
        }
        case 'login':
          return reply.redirect(loginUrl({ next: here }), 303);
        case 'second_factor':
          // A password-only login still pending: its code step offers the code, a security key or a backup code.
          if (session.row.stage === 'password') return reply.redirect(loginUrl({ next: here }), 303);
          if (decision.required === 'mfa') {
            return reply.redirect(`/account/verify?${new URLSearchParams({ next: here })}`, 303);
          }
          return sendPage(
            reply,
            h(FactorNeededPage, {
              viewer: viewerOf(session),
              serviceName,
              securityKey: true,
              proveUrl: `/account/step-up/security-key?${new URLSearchParams({ next: here })}`,
            }),
          );
        case 'enroll':
          return sendPage(
            reply,
            h(FactorNeededPage, {
              viewer: session.row.stage === 'full' ? viewerOf(session) : undefined,
              serviceName,
              securityKey: decision.required === 'phishing_resistant',
            }),
            403,
          );
      }
    }

    session = sameAccount(session, details);
    const scopes = missingScopes(details);
    return sendPage(
      reply,
      h(ConsentPage, { viewer: viewerOf(session), serviceName, scopes, action: `${here}/consent` }),
    );
  });

  app.post(`${INTERACTION_PREFIX}:uid/consent`, async (request, reply) => {
    const oidc = await provider();
    const details = await interactionOf(oidc, request, reply);
    const session = await twofoldSession(core, { cookies: { get: (name) => request.cookies[name] } });
    if (!session) return reply.redirect(loginUrl({ next: `${INTERACTION_PREFIX}${details.uid}` }), 303);
    checkSessionCsrf(request, session);
    sameAccount(session, details);
    const clientId = String(details.params.client_id);
    const serviceName = (await core.store.services.findByClientId(clientId))?.name ?? clientId;
    if (details.prompt.name !== 'consent') {
      return reply.redirect(`${INTERACTION_PREFIX}${details.uid}`, 303);
    }
    if (formField(request, 'decision') !== 'allow') {
      return finish(oidc, request, reply, serviceName, {
        error: 'access_denied',
        error_description: 'The person cancelled the sign-in.',
      });
    }
    const accountId = session.user.id;
    const grant = details.grantId
      ? ((await oidc.Grant.find(details.grantId)) ?? new oidc.Grant({ accountId, clientId }))
      : new oidc.Grant({ accountId, clientId });
    const missing = details.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[] };
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    const grantId = await grant.save();
    return finish(oidc, request, reply, serviceName, { consent: { grantId } }, true);
  });
}

async function interactionOf(
  oidc: Provider,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<InteractionDetails> {
  try {
    const details = await oidc.interactionDetails(request.raw, reply.raw);
    const { uid } = request.params as { uid: string };
    if (details.uid !== uid) throw new errors.SessionNotFound('interaction mismatch');
    return details;
  } catch (error) {
    if (error instanceof errors.SessionNotFound || error instanceof errors.InvalidRequest) {
      throw new TwofoldError(
        'expired',
        'This sign-in took too long or was finished in another tab. Go back to the service and sign in again.',
      );
    }
    throw error;
  }
}

async function finish(
  oidc: Provider,
  request: FastifyRequest,
  reply: FastifyReply,
  serviceName: string,
  result: InteractionResults,
  merge = false,
): Promise<FastifyReply> {
  const url = await oidc.interactionResult(request.raw, reply.raw, result, {
    mergeWithLastSubmission: merge,
  });
  return sendPage(reply, h(ContinuePage, { serviceName, url }));
}

/** After `prompt=login` or past `max_age`, only a login made after the service asked counts. */
function freshEnough(session: ActiveSession, details: InteractionDetails, core: Core): boolean {
  const reasons = details.prompt.reasons;
  if (reasons.includes('login_prompt') && session.row.authenticated_at < (details.iat ?? 0) * 1000)
    return false;
  const maxAge = Number(details.params.max_age);
  if (reasons.includes('max_age') && Number.isFinite(maxAge)) {
    return core.clock.now() - session.row.authenticated_at <= maxAge * 1000;
  }
  return true;
}

/** Consent is given by the person the provider signed in, never by whoever holds the browser now. */
function sameAccount(session: ActiveSession, details: InteractionDetails): ActiveSession {
  if (details.session?.accountId && details.session.accountId !== session.user.id) {
    throw new TwofoldError(
      'forbidden',
      'You are now signed in as someone else. Go back to the service and sign in again.',
    );
  }
  return session;
}

function missingScopes(details: InteractionDetails): string[] {
  const missing = (details.prompt.details as { missingOIDCScope?: string[] }).missingOIDCScope;
  return missing ?? ['openid'];
}
