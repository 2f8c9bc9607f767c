import type { ActiveSession, Core } from '../core/index.js';

/**
 * The browser session a site may rely on: signed in to Twofold (`full`), or signed in with the
 * password alone for services that ask no more (`services`). A password step still waiting for
 * its code is not one: the continue page decides what it is enough for.
 */
export async function siteSession(core: Core, token: string | undefined): Promise<ActiveSession | undefined> {
  const session = await core.sessions.resolve(token);
  if (session?.row.kind !== 'browser') return undefined;
  return session.row.stage === 'full' || session.row.stage === 'services' ? session : undefined;
}
