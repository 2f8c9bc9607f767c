import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { h } from 'preact';
import {
  type ActiveSession,
  type Core,
  type MfaPolicy,
  type NewService,
  SERVICE_KINDS,
  type ServiceKind,
  type ServicePatch,
  type ServiceSummary,
  type SigningAlg,
  TwofoldError,
} from '../../core/index.js';
import { AdminConfirmPage } from '../views/admin-confirm-page.js';
import { emptyFormOf, formValuesOf, type ServiceFormValues } from '../views/admin-service-fields.js';
import {
  AdminServiceFormPage,
  AdminServiceSecretPage,
  AdminServicesPage,
} from '../views/admin-services-page.js';
import { requireAdmin, requireRecentAdmin } from './admin-session.js';
import { formField } from './page-session.js';
import { sendPage, viewerOf } from './respond.js';

type ById = { Params: { id: string } };

// By the internal id, as /admin/users does: a client id may be any word, "new" among them.
// Core is then given the client id, which it looks up first.
const servicePath = (id: string) => `/admin/services/${encodeURIComponent(id)}`;

/** Field errors a person fixes in the form; anything else goes to the error page. */
const isFormError = (error: unknown): error is TwofoldError =>
  error instanceof TwofoldError && (error.code === 'invalid_input' || error.code === 'conflict');

/**
 * /admin/services: the services that sign people in through Twofold — OpenID Connect clients,
 * sites behind a reverse proxy, applications of the validate API, RADIUS clients — what
 * `twofold service` does. Reading needs an administrator; every change also needs a login
 * younger than five minutes with a fresh code, as on /admin/users, and is audited by core. A
 * client secret is shown once, in the answer that made it: never put in the session's notice,
 * which is stored in the database.
 */
export async function adminServiceRoutes(app: FastifyInstance, { core }: { core: Core }): Promise<void> {
  const services = core.services;
  const publicUrl = core.settings.publicUrl;

  /** Shows the session's one-shot notice once. */
  async function takeNotice(session: ActiveSession): Promise<string | null> {
    const notice = session.row.flash;
    if (notice) await core.sessions.setFlash(session, null);
    return notice;
  }

  async function done(session: ActiveSession, reply: FastifyReply, notice: string, to: string) {
    await core.sessions.setFlash(session, notice);
    return reply.redirect(to, 303);
  }

  app.get('/admin/services', async (request, reply) => {
    const session = await requireAdmin(core, request, reply);
    if (!session) return reply;
    return sendPage(
      reply,
      h(AdminServicesPage, {
        viewer: viewerOf(session),
        services: await services.list(),
        notice: await takeNotice(session),
      }),
    );
  });

  // ---- Add service ----

  app.get('/admin/services/new', async (request, reply) => {
    const session = await requireRecentAdmin(core, request, reply, '/admin/services/new', { csrf: false });
    if (!session) return reply;
    const { kind } = request.query as { kind?: string };
    // An unknown kind shows the default form rather than an error: it came from a link, not a form.
    const chosen = SERVICE_KINDS.includes(kind as ServiceKind) ? (kind as ServiceKind) : 'oidc';
    return sendPage(
      reply,
      h(AdminServiceFormPage, { viewer: viewerOf(session), values: emptyFormOf(chosen), publicUrl }),
    );
  });

  app.post('/admin/services', async (request, reply) => {
    const session = await requireRecentAdmin(core, request, reply, '/admin/services/new', { csrf: true });
    if (!session) return reply;
    const values = formValues(request);
    try {
      const created = await services.register(
        {
          kind: values.kind,
          name: values.name,
          clientId: values.clientId.trim() || undefined,
          mfaPolicy: values.mfaPolicy,
          ...fieldsOfKind(values),
          ...(values.kind === 'oidc' ? { type: values.type } : {}),
          // Untrimmed: a secret with a space is refused by core, not quietly made another one.
          ...(values.kind === 'radius' && values.radiusSecret !== ''
            ? { radiusSecret: values.radiusSecret }
            : {}),
        },
        session.user.id,
      );
      return sendPage(
        reply,
        h(AdminServiceSecretPage, {
          viewer: viewerOf(session),
          service: created.service,
          clientSecret: created.clientSecret,
          publicUrl,
          added: true,
        }),
        201,
      );
    } catch (error) {
      if (!isFormError(error)) throw error;
      // A shared secret typed in is not written back into the page: it is asked for again.
      return sendPage(
        reply,
        h(AdminServiceFormPage, {
          viewer: viewerOf(session),
          values: { ...values, radiusSecret: '' },
          publicUrl,
          error: error.message,
        }),
        error.status,
      );
    }
  });

  // ---- A service: its settings, editable ----

  app.get<ById>('/admin/services/:id', async (request, reply) => {
    const session = await requireAdmin(core, request, reply);
    if (!session) return reply;
    const service = await services.show(request.params.id);
    return sendPage(
      reply,
      h(AdminServiceFormPage, {
        viewer: viewerOf(session),
        values: formValuesOf(service),
        service,
        publicUrl,
        notice: await takeNotice(session),
      }),
    );
  });

  app.post<ById>('/admin/services/:id/edit', async (request, reply) => {
    const back = servicePath(request.params.id);
    const session = await requireRecentAdmin(core, request, reply, back, { csrf: true });
    if (!session) return reply;
    const service = await services.show(request.params.id);
    // Neither can change: a client id is in the service's own configuration, and a type change
    // would mean a secret appearing or vanishing under it.
    const values = {
      ...formValues(request),
      kind: service.kind,
      clientId: service.clientId,
      type: service.type,
    };
    let updated: ServiceSummary;
    try {
      updated = await services.update(
        service.clientId,
        { name: values.name, mfaPolicy: values.mfaPolicy, ...fieldsOfKind(values) },
        session.user.id,
      );
    } catch (error) {
      if (!isFormError(error)) throw error;
      return sendPage(
        reply,
        h(AdminServiceFormPage, {
          viewer: viewerOf(session),
          values,
          service,
          publicUrl,
          error: error.message,
        }),
        error.status,
      );
    }
    return done(session, reply, `Service ${updated.name} was saved.`, servicePath(updated.id));
  });

  // ---- Actions that ask first: a new secret, removal ----

  const confirmed: {
    readonly path: string;
    readonly title: (service: ServiceSummary) => string;
    readonly label: string;
    readonly explain: (service: ServiceSummary) => string;
    readonly run: (session: ActiveSession, reply: FastifyReply, service: ServiceSummary) => Promise<unknown>;
  }[] = [
    {
      path: 'rotate-secret',
      title: (service) => `A new ${secretNameOf(service)} for ${service.name}?`,
      label: 'Make a new secret',
      explain: (service) =>
        `The current secret of ${service.name} stops working at once: until it is configured with the ` +
        'new one, nobody can sign in to it.',
      run: async (session, reply, service) => {
        const rotated = await services.rotateSecret(service.clientId, session.user.id);
        return sendPage(
          reply,
          h(AdminServiceSecretPage, {
            viewer: viewerOf(session),
            service: rotated.service,
            clientSecret: rotated.clientSecret,
            publicUrl,
            added: false,
          }),
        );
      },
    },
    {
      path: 'remove',
      title: (service) => `Remove ${service.name}?`,
      label: 'Remove service',
      explain: (service) =>
        `Every code and token issued to ${service.name} stops working, and nobody can sign in to it ` +
        'through Twofold any more. The audit log keeps its history.',
      run: async (session, reply, service) => {
        await services.remove(service.clientId, session.user.id);
        return done(session, reply, `Service ${service.name} was removed.`, '/admin/services');
      },
    },
  ];

  for (const action of confirmed) {
    app.get<ById>(`/admin/services/:id/${action.path}`, async (request, reply) => {
      const path = `${servicePath(request.params.id)}/${action.path}`;
      const session = await requireRecentAdmin(core, request, reply, path, { csrf: false });
      if (!session) return reply;
      const service = await services.show(request.params.id);
      if (action.path === 'rotate-secret') refuseSecretOfPublic(service);
      return sendPage(
        reply,
        h(AdminConfirmPage, {
          viewer: viewerOf(session),
          section: 'services',
          title: action.title(service),
          action: path,
          confirmLabel: action.label,
          cancelHref: servicePath(service.id),
          explanation: action.explain(service),
        }),
      );
    });

    app.post<ById>(`/admin/services/:id/${action.path}`, async (request, reply) => {
      const path = `${servicePath(request.params.id)}/${action.path}`;
      const session = await requireRecentAdmin(core, request, reply, path, { csrf: true });
      if (!session) return reply;
      const service = await services.show(request.params.id);
      return action.run(session, reply, service);
    });
  }
}

const secretNameOf = (service: ServiceSummary) =>
  service.kind === 'radius' ? 'shared secret' : 'client secret';

/**
 * The fields of the service's kind, and only those: the form of another kind sends nothing of
 * them, and core refuses a field the kind does not have (`refuseFieldsOfOtherKinds`).
 */
function fieldsOfKind(values: ServiceFormValues): ServicePatch & Pick<NewService, 'type'> {
  switch (values.kind) {
    case 'oidc':
      return {
        redirectUris: lines(values.redirectUris),
        logoutUris: lines(values.logoutUris),
        scopes: [values.scopes],
        skipConsent: values.skipConsent,
        signingAlg: values.signingAlg,
      };
    case 'site':
      return { hosts: lines(values.hosts) };
    case 'radius':
      return { networks: lines(values.networks) };
    case 'application':
      return {};
  }
}

/** Asked before the confirmation, not after it: a public service or a site has nothing to rotate. */
function refuseSecretOfPublic(service: ServiceSummary): void {
  if (service.kind === 'site') {
    throw new TwofoldError(
      'invalid_input',
      `"${service.name}" is a site behind a reverse proxy: it has no secret (the proxy asks Twofold about each request).`,
    );
  }
  if (service.type === 'public') {
    throw new TwofoldError(
      'invalid_input',
      `"${service.name}" is a public service: it has no secret and proves itself with PKCE alone.`,
    );
  }
}

/**
 * The form as typed. Choices are passed on as sent, so core refuses a value that is none of
 * them with its own message; an unchecked check box sends nothing, so absence means off.
 */
function formValues(request: FastifyRequest): ServiceFormValues {
  const kind = formField(request, 'kind') || 'oidc';
  // Refused before anything else: the form coming back would have no fields to show for it.
  if (!SERVICE_KINDS.includes(kind as ServiceKind)) {
    throw new TwofoldError(
      'invalid_input',
      `Invalid service kind "${kind}": choose OpenID Connect service, protected site, application or RADIUS client on "Add service".`,
    );
  }
  return {
    kind: kind as ServiceKind,
    name: formField(request, 'name'),
    clientId: formField(request, 'client_id'),
    type: (formField(request, 'type') || 'confidential') as ServiceFormValues['type'],
    redirectUris: formField(request, 'redirect_uris'),
    logoutUris: formField(request, 'logout_uris'),
    scopes: formField(request, 'scopes'),
    skipConsent: formField(request, 'skip_consent') === 'on',
    mfaPolicy: (formField(request, 'mfa_policy') || 'required') as MfaPolicy,
    signingAlg: (formField(request, 'signing_alg') || 'ES256') as SigningAlg,
    hosts: formField(request, 'hosts'),
    networks: formField(request, 'networks'),
    radiusSecret: formField(request, 'radius_secret'),
  };
}

/** A textarea's URIs, one per line. */
const lines = (text: string): string[] =>
  text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean);
