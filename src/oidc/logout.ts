import type Provider from 'oidc-provider';
import type { Core } from '../core/index.js';
import { SESSION_COOKIE } from '../http/pages/page-session.js';

/**
 * A service's "log out" (RP-initiated logout), once the person confirmed it, ends their Twofold
 * session too: otherwise the next service would sign them straight back in.
 */
export function endTwofoldSessionOnLogout(provider: Provider, core: Core): void {
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.oidc?.route !== 'end_session_confirm') return;
    const body = ctx.oidc.body as Record<string, unknown> | undefined;
    if (!body?.logout) return;
    const session = await core.sessions.resolve(ctx.cookies.get(SESSION_COOKIE));
    if (session?.row.kind !== 'browser') return;
    await core.signIn.logout(session, { ip: ctx.ip });
    ctx.cookies.set(SESSION_COOKIE, null, {
      httpOnly: true,
      sameSite: 'lax',
      path: '/',
      secure: core.settings.publicUrl.startsWith('https:'),
    });
  });
}
