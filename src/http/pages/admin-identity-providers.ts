import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { h } from 'preact';
import {
  type AccountMatching,
  type ActiveSession,
  type Core,
  type IdentityProviderPatch,
  type IdentityProviderSummary,
  type ProviderMfaPolicy,
  TwofoldError,
} from '../../core/index.js';
import { AdminConfirmPage } from '../views/admin-confirm-page.js';
import {
  AdminIdentityProviderFormPage,
  AdminIdentityProvidersPage,
  formValuesOf,
  type IdentityProviderFormValues,
} from '../views/admin-identity-providers-page.js';
import { requireAdmin, requireRecentAdmin } from './admin-session.js';
import { formField } from './page-session.js';
import { sendPage, viewerOf } from './respond.js';

type ById = { Params: { id: string } };

// By the internal id, as /admin/services does: a slug may be any word, "new" among them.
const providerPath = (id: string) => `/admin/identity-providers/${encodeURIComponent(id)}`;

/** Field errors a person fixes in the form (a bad issuer among them); anything else goes to the error page. */
const isFormError = (error: unknown): error is TwofoldError =>
  error instanceof TwofoldError && (error.code === 'invalid_input' || error.code === 'conflict');

const emptyForm: IdentityProviderFormValues = {
  name: '',
  slug: '',
  issuer: '',
  clientId: '',
  clientSecret: '',
  removeClientSecret: false,
  scopes: 'openid email profile',
  matching: 'linked',
  emailDomains: '',
  mfaPolicy: 'trust_provider',
  mfaAcrValues: '',
};

/**
 * /admin/identity-providers: the external OpenID Connect providers people may sign in with,
 * what `twofold idp` does. Reading needs an administrator; every change also needs a login
 * younger than five minutes with a fresh code, as on /admin/services, and is audited by core.
 * The client secret goes into core and never back into a page.
 */
export async function adminIdentityProviderRoutes(
  app: FastifyInstance,
  { core }: { core: Core },
): Promise<void> {
  const providers = core.identityProviders;

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

  app.get('/admin/identity-providers', async (request, reply) => {
    const session = await requireAdmin(core, request, reply);
    if (!session) return reply;
    return sendPage(
      reply,
      h(AdminIdentityProvidersPage, {
        viewer: viewerOf(session),
        providers: await providers.list(),
        notice: await takeNotice(session),
      }),
    );
  });

  // ---- Add identity provider ----

  app.get('/admin/identity-providers/new', async (request, reply) => {
    const back = '/admin/identity-providers/new';
    const session = await requireRecentAdmin(core, request, reply, back, { csrf: false });
    if (!session) return reply;
    return sendPage(
      reply,
      h(AdminIdentityProviderFormPage, { viewer: viewerOf(session), values: emptyForm }),
    );
  });

  app.post('/admin/identity-providers', async (request, reply) => {
    const back = '/admin/identity-providers/new';
    const session = await requireRecentAdmin(core, request, reply, back, { csrf: true });
    if (!session) return reply;
    const values = formValues(request);
    let added: IdentityProviderSummary;
    try {
      added = await providers.add(
        {
          name: values.name,
          slug: values.slug.trim() || undefined,
          issuer: values.issuer,
          clientId: values.clientId,
          clientSecret: values.clientSecret || undefined,
          scopes: [values.scopes],
          matching: values.matching,
          emailDomains: [values.emailDomains],
          mfaPolicy: values.mfaPolicy,
          mfaAcrValues: [values.mfaAcrValues],
        },
        session.user.id,
      );
    } catch (error) {
      if (!isFormError(error)) throw error;
      return sendPage(
        reply,
        h(AdminIdentityProviderFormPage, { viewer: viewerOf(session), values, error: error.message }),
        error.status,
      );
    }
    return done(
      session,
      reply,
      `Identity provider ${added.name} was added. Register its redirect URI at the provider.`,
      providerPath(added.id),
    );
  });

  // ---- A provider: its settings, editable ----

  app.get<ById>('/admin/identity-providers/:id', async (request, reply) => {
    const session = await requireAdmin(core, request, reply);
    if (!session) return reply;
    const provider = await providers.show(request.params.id);
    return sendPage(
      reply,
      h(AdminIdentityProviderFormPage, {
        viewer: viewerOf(session),
        values: formValuesOf(provider),
        provider,
        notice: await takeNotice(session),
      }),
    );
  });

  app.post<ById>('/admin/identity-providers/:id/edit', async (request, reply) => {
    const back = providerPath(request.params.id);
    const session = await requireRecentAdmin(core, request, reply, back, { csrf: true });
    if (!session) return reply;
    const provider = await providers.show(request.params.id);
    // The slug is in the redirect URI registered at the provider: it never changes here.
    const values = { ...formValues(request), slug: provider.slug };
    let updated: IdentityProviderSummary;
    try {
      const patch = changesOf(values, provider);
      if (Object.keys(patch).length === 0) {
        return done(session, reply, 'Nothing was changed.', providerPath(provider.id));
      }
      updated = await providers.update(provider.id, patch, session.user.id);
    } catch (error) {
      if (!isFormError(error)) throw error;
      return sendPage(
        reply,
        h(AdminIdentityProviderFormPage, {
          viewer: viewerOf(session),
          values,
          provider,
          error: error.message,
        }),
        error.status,
      );
    }
    return done(session, reply, `Identity provider ${updated.name} was saved.`, providerPath(updated.id));
  });

  // ---- Removal, after its confirmation ----

  app.get<ById>('/admin/identity-providers/:id/remove', async (request, reply) => {
    const path = `${providerPath(request.params.id)}/remove`;
    const session = await requireRecentAdmin(core, request, reply, path, { csrf: false });
    if (!session) return reply;
    const provider = await providers.show(request.params.id);
    return sendPage(
      reply,
      h(AdminConfirmPage, {
        viewer: viewerOf(session),
        section: 'identity-providers',
        title: `Remove ${provider.name}?`,
        action: path,
        confirmLabel: 'Remove identity provider',
        cancelHref: providerPath(provider.id),
        explanation:
          `Nobody can sign in with ${provider.name} any more, sign-ins with it under way stop, and every ` +
          "account's link to it is removed: people who signed in only that way need a password (or another " +
          'provider) to get in. The audit log keeps its history.',
      }),
    );
  });

  app.post<ById>('/admin/identity-providers/:id/remove', async (request, reply) => {
    const path = `${providerPath(request.params.id)}/remove`;
    const session = await requireRecentAdmin(core, request, reply, path, { csrf: true });
    if (!session) return reply;
    const removed = await providers.remove(request.params.id, session.user.id);
    return done(
      session,
      reply,
      `Identity provider ${removed.name} was removed.`,
      '/admin/identity-providers',
    );
  });
}

/**
 * The form as typed. Choices are passed on as sent, so core refuses a value that is none of
 * them with its own message; an unchecked check box sends nothing, so absence means off.
 */
function formValues(request: FastifyRequest): IdentityProviderFormValues {
  return {
    name: formField(request, 'name'),
    slug: formField(request, 'slug'),
    issuer: formField(request, 'issuer'),
    clientId: formField(request, 'client_id'),
    clientSecret: formField(request, 'client_secret'),
    removeClientSecret: formField(request, 'remove_client_secret') === 'on',
    scopes: formField(request, 'scopes'),
    matching: (formField(request, 'matching') || 'linked') as AccountMatching,
    emailDomains: formField(request, 'email_domains'),
    mfaPolicy: (formField(request, 'mfa_policy') || 'trust_provider') as ProviderMfaPolicy,
    mfaAcrValues: formField(request, 'mfa_acr_values'),
  };
}

const words = (text: string): string =>
  text
    .split(/[\s,]+/)
    .filter(Boolean)
    .join(' ');

/**
 * Only what differs from the stored provider. The form sends every field, and core would
 * re-fetch discovery for an issuer sent unchanged (so a provider that is down for a moment
 * would block a policy change) and list every field sent as changed in the audit log.
 */
function changesOf(
  values: IdentityProviderFormValues,
  provider: IdentityProviderSummary,
): IdentityProviderPatch {
  const patch: { -readonly [K in keyof IdentityProviderPatch]: IdentityProviderPatch[K] } = {};
  if (values.name.trim().replace(/\s+/g, ' ') !== provider.name) patch.name = values.name;
  if (values.issuer.trim() !== provider.issuer) patch.issuer = values.issuer;
  if (values.clientId.trim() !== provider.clientId) patch.clientId = values.clientId;
  if (values.removeClientSecret && values.clientSecret !== '') {
    throw new TwofoldError(
      'invalid_input',
      'Either enter a new client secret or remove the current one, not both.',
      { field: 'clientSecret' },
    );
  }
  if (values.removeClientSecret) patch.clientSecret = '';
  else if (values.clientSecret !== '') patch.clientSecret = values.clientSecret;
  if (words(values.scopes) !== provider.scopes.join(' ')) patch.scopes = [values.scopes];
  if (values.matching !== provider.matching) patch.matching = values.matching;
  if (words(values.emailDomains.toLowerCase()) !== provider.emailDomains.join(' ')) {
    patch.emailDomains = [values.emailDomains];
  }
  if (values.mfaPolicy !== provider.mfaPolicy) patch.mfaPolicy = values.mfaPolicy;
  if (words(values.mfaAcrValues) !== provider.mfaAcrValues.join(' '))
    patch.mfaAcrValues = [values.mfaAcrValues];
  return patch;
}
