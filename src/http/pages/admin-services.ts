import type { FastifyInstance, FastifyRequest } from 'fastify';
import { h } from 'preact';
import { type ActiveSession, type Core, type MfaPolicy, TwofoldError } from '../../core/index.js';
import { AdminConfirmPage } from '../views/admin-confirm-page.js';
import {
  AdminServiceFormPage,
  AdminServiceSecretPage,
  AdminServicesPage,
  formValuesOf,
  type ServiceFormValues,
} from '../views/admin-services-page.js';
import { requireAdmin, requireRecentAdmin } from './admin-session.js';
import { formField } from './page-session.js';
import { sendPage, viewerOf } from './respond.js';

type ByClientId = { Params: { clientId: string } };

const servicePath = (clientId: string) => `/admin/services/${encodeURIComponent(clientId)}`;
const isFormError = (error: unknown): error is TwofoldError =>
  error instanceof TwofoldError && (error.code === 'invalid_input' || error.code === 'conflict');

const emptyForm: ServiceFormValues = {
  name: '',
  clientId: '',
  type: 'confidential',
  redirectUris: '',
  logoutUris: '',
  scopes: 'openid profile email offline_access',
  skipConsent: false,
  mfaPolicy: 'required',
  signingAlg: 'ES256',
};

/**
 * /admin/services: the services (OpenID Connect clients) that sign people in through Twofold,
 * what `twofold service` does. Changes need a recent login with a fresh code, like every
 * administrator's change, and are audited by core. A client secret is shown once, on the answer
 * that made it: never kept in the session to show later.
 */
export async function adminServiceRoutes(app: FastifyInstance, { core }: { core: Core }): Promise<void> {
  const discoveryUrl = `${core.settings.publicUrl}/.well-known/openid-configuration`;

  async function takeNotice(session: ActiveSession): Promise<string | null> {
    const notice = session.row.flash;
    if (notice) await core.sessions.setFlash(session, null);
    return notice;
  }

  app.get('/admin/services', async (request, reply) => {
    const session = await requireAdmin(core, request, reply);
    if (!session) return reply;
    const services = await core.services.list();
    return sendPage(
      reply,
      h(AdminServicesPage, { viewer: viewerOf(session), services, notice: await takeNotice(session) }),
    );
  });

  app.get('/admin/services/new', async (request, reply) => {
    const session = await requireRecentAdmin(core, request, reply, '/admin/services/new', { csrf: false });
    if (!session) return reply;
    return sendPage(
      reply,
      h(AdminServiceFormPage, { viewer: viewerOf(session), values: emptyForm, discoveryUrl }),
    );
  });

  app.post('/admin/services', async (request, reply) => {
    const session = await requireRecentAdmin(core, request, reply, '/admin/services/new', { csrf: true });
    if (!session) return reply;
    const values = formValues(request);
    try {
      const created = await core.services.register(
        {
          name: values.name,
          clientId: values.clientId.trim() || undefined,
          type: values.type,
          redirectUris: lines(values.redirectUris),
          logoutUris: lines(values.logoutUris),
          scopes: [values.scopes],
          skipConsent: values.skipConsent,
          mfaPolicy: values.mfaPolicy,
          signingAlg: values.signingAlg,
        },
        session.user.id,
      );
      return sendPage(
        reply,
        h(AdminServiceSecretPage, {
          viewer: viewerOf(session),
          service: created.service,
          clientSecret: created.clientSecret,
          discoveryUrl,
        }),
        201,
      );
    } catch (error) {
      if (!isFormError(error)) throw error;
      return sendPage(
        reply,
        h(AdminServiceFormPage, { viewer: viewerOf(session), values, discoveryUrl, error: error.message }),
        error.status,
      );
    }
  });

  app.get<ByClientId>('/admin/services/:clientId', async (request, reply) => {
    const session = await requireAdmin(core, request, reply);
    if (!session) return reply;
    const service = await core.services.show(request.params.clientId);
    return sendPage(
      reply,
      h(AdminServiceFormPage, {
        viewer: viewerOf(session),
        values: formValuesOf(service),
        service,
        discoveryUrl,
        notice: await takeNotice(session),
      }),
    );
  });

  app.post<ByClientId>('/admin/services/:clientId/edit', async (request, reply) => {
    const back = servicePath(request.params.clientId);
    const session = await requireRecentAdmin(core, request, reply, back, { csrf: true });
    if (!session) return reply;
    const service = await core.services.show(request.params.clientId);
    const values = { ...formValues(request), clientId: service.clientId, type: service.type };
    try {
      const updated = await core.services.update(
        service.clientId,
        {
          name: values.name,
          redirectUris: lines(values.redirectUris),
          logoutUris: lines(values.logoutUris),
          scopes: [values.scopes],
          skipConsent: values.skipConsent,
          mfaPolicy: values.mfaPolicy,
          signingAlg: values.signingAlg,
        },
        session.user.id,
      );
      await core.sessions.setFlash(session, `${updated.name} was saved.`);
      return reply.redirect(servicePath(updated.clientId), 303);
    } catch (error) {
      if (!isFormError(error)) throw error;
      return sendPage(
        reply,
        h(AdminServiceFormPage, {
          viewer: viewerOf(session),
          values,
          service,
          discoveryUrl,
          error: error.message,
        }),
        error.status,
      );
    }
  });

  app.post<ByClientId>('/admin/services/:clientId/rotate-secret', async (request, reply) => {
    const back = servicePath(request.params.clientId);
    const session = await requireRecentAdmin(core, request, reply, back, { csrf: true });
    if (!session) return reply;
    const service = await core.services.show(request.params.clientId);
    if (formField(request, 'confirm') !== 'yes') {
      return sendPage(
        reply,
        h(AdminConfirmPage, {
          viewer: viewerOf(session),
          section: 'services',
          title: `A new client secret for ${service.name}?`,
          action: `${back}/rotate-secret`,
          confirmLabel: 'Make a new secret',
          cancelHref: back,
          fields: { confirm: 'yes' },
          explanation: `The current secret stops working at once: ${service.name} cannot sign anyone in until it is configured with the new one.`,
        }),
      );
    }
    const rotated = await core.services.rotateSecret(service.clientId, session.user.id);
    return sendPage(
      reply,
      h(AdminServiceSecretPage, {
        viewer: viewerOf(session),
        service: rotated.service,
        clientSecret: rotated.clientSecret,
        discoveryUrl,
      }),
    );
  });

  app.post<ByClientId>('/admin/services/:clientId/remove', async (request, reply) => {
    const back = servicePath(request.params.clientId);
    const session = await requireRecentAdmin(core, request, reply, back, { csrf: true });
    if (!session) return reply;
    const service = await core.services.show(request.params.clientId);
    if (formField(request, 'confirm') !== 'yes') {
      return sendPage(
        reply,
        h(AdminConfirmPage, {
          viewer: viewerOf(session),
          section: 'services',
          title: `Remove ${service.name}?`,
          action: `${back}/remove`,
          confirmLabel: 'Remove service',
          cancelHref: back,
          fields: { confirm: 'yes' },
          explanation: `Every code and token issued to ${service.name} stops working, and nobody can sign in to it through Twofold any more.`,
        }),
      );
    }
    await core.services.remove(service.clientId, session.user.id);
    await core.sessions.setFlash(session, `${service.name} was removed.`);
    return reply.redirect('/admin/services', 303);
  });
}

function formValues(request: FastifyRequest): ServiceFormValues {
  const type = formField(request, 'type') === 'public' ? 'public' : 'confidential';
  const signingAlg = formField(request, 'signing_alg') === 'RS256' ? 'RS256' : 'ES256';
  return {
    name: formField(request, 'name'),
    clientId: formField(request, 'client_id'),
    type,
    redirectUris: formField(request, 'redirect_uris'),
    logoutUris: formField(request, 'logout_uris'),
    scopes: formField(request, 'scopes'),
    skipConsent: formField(request, 'skip_consent') === 'on',
    mfaPolicy: (formField(request, 'mfa_policy') || 'required') as MfaPolicy,
    signingAlg,
  };
}

const lines = (text: string): string[] =>
  text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean);
