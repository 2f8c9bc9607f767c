import type Provider from 'oidc-provider';
import type { Core } from '../core/index.js';

/**
 * Records each sign-in to a service — when the provider issues an authorization code — as an
 * audit event and as the service's "last sign-in" in the person's Service Settings. Recorded
 * before the answer goes out, so what the person sees on their account page is never behind.
 */
export function recordServiceSignIns(provider: Provider, core: Core): void {
  provider.use(async (ctx, next) => {
    await next();
    const code = ctx.oidc?.entities?.AuthorizationCode;
    if (!code?.accountId || !code.clientId) return;
    if (ctx.oidc.route !== 'authorization' && ctx.oidc.route !== 'resume') return;
    await core.serviceAccess.recordSignIn(code.accountId, {
      clientId: code.clientId,
      amr: code.amr ?? [],
      acr: code.acr ?? '',
      ip: ctx.ip,
    });
  });
}
