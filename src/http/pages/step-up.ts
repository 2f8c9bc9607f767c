import type { FastifyInstance } from 'fastify';
import { h } from 'preact';
import { type Core, TwofoldError } from '../../core/index.js';
import { StepUpPage } from '../views/step-up-page.js';
import {
  checkSessionCsrf,
  clientOf,
  formField,
  queryField,
  requireSignedIn,
  safeNextPath,
  setSessionCookie,
} from './page-session.js';
import { sendPage, viewerOf } from './respond.js';

/**
 * A fresh code inside a session whose password step is still recent but whose second factor is
 * not (e.g. right after adding the first device). Older sessions log in again instead.
 */
export async function stepUpRoutes(app: FastifyInstance, { core }: { core: Core }): Promise<void> {
  app.get('/account/verify', async (request, reply) => {
    const session = await requireSignedIn(core, request, reply);
    if (!session) return reply;
    const next = safeNextPath(queryField(request, 'next')) ?? '/account';
    return sendPage(reply, h(StepUpPage, { viewer: viewerOf(session), next }));
  });

  app.post('/account/verify', async (request, reply) => {
    const session = await requireSignedIn(core, request, reply);
    if (!session) return reply;
    checkSessionCsrf(request, session);
    const next = safeNextPath(formField(request, 'next')) ?? '/account';
    try {
      const { rotated } = await core.stepUp.verify(session, formField(request, 'otp'), {
        ip: clientOf(request).ip,
      });
      // The privilege changed, so the session id did too: the old cookie no longer works.
      if (rotated) setSessionCookie(reply, core, rotated);
      return reply.redirect(next, 303);
    } catch (error) {
      if (!(error instanceof TwofoldError) || error.code !== 'invalid_code') throw error;
      return sendPage(
        reply,
        h(StepUpPage, { viewer: viewerOf(session), next, error: error.message }),
        error.status,
      );
    }
  });
}
