import type { KoaContextWithOIDC } from 'oidc-provider';
import { h } from 'preact';
import { ErrorPage } from '../http/views/error-page.js';
import { renderDocument } from '../http/views/render.js';
import { LogoutConfirmPage, SignedOutPage } from '../http/views/service-pages.js';

/** What a person is told when a service's request cannot go on, by the protocol's error code. */
const EXPLANATIONS: Readonly<Record<string, string>> = {
  invalid_client: 'This service is not registered with Twofold. Tell the service’s administrator.',
  invalid_redirect_uri:
    'The service asked Twofold to send you to an address it has not registered, so you were not sent there. Tell the service’s administrator.',
  invalid_request: 'The service’s sign-in request is not valid. Go back to the service and try again.',
  session_not_found:
    'This sign-in took too long or was finished in another tab. Go back to the service and sign in again.',
  access_denied: 'The sign-in was cancelled.',
};

function send(ctx: KoaContextWithOIDC, html: string): void {
  ctx.type = 'text/html; charset=utf-8';
  ctx.set('cache-control', 'no-store');
  ctx.body = html;
}

/** Errors the provider shows in the browser instead of redirecting (e.g. an unknown redirect URI). */
export async function renderOidcError(
  ctx: KoaContextWithOIDC,
  out: { error?: string; error_description?: string },
  _error: unknown,
): Promise<void> {
  const code = out.error ?? 'server_error';
  const explanation = EXPLANATIONS[code] ?? 'The service’s sign-in request could not be completed.';
  const detail = out.error_description && code !== 'server_error' ? ` (${out.error_description})` : '';
  const status = ctx.status >= 400 && ctx.status < 600 ? ctx.status : 400;
  send(ctx, renderDocument(h(ErrorPage, { status, message: `${explanation}${detail}` })));
}

export async function renderLogoutPage(ctx: KoaContextWithOIDC, form: string): Promise<void> {
  send(
    ctx,
    renderDocument(h(LogoutConfirmPage, { serviceName: ctx.oidc.client?.clientName, formHtml: form })),
  );
}

export async function renderSignedOutPage(ctx: KoaContextWithOIDC): Promise<void> {
  send(ctx, renderDocument(h(SignedOutPage, { serviceName: ctx.oidc.client?.clientName })));
}
