import type { SignInPath } from '../../core/index.js';
import { INTERACTION_PREFIX } from '../../oidc/paths.js';

/**
 * The path a sign-in on the login pages is counted under: `oidc` when it is made for an OpenID
 * Connect service's interaction (the page came with `next` pointing back there), else `pages`.
 */
export const signInPathOf = (next: string | undefined): SignInPath =>
  next?.startsWith(INTERACTION_PREFIX) ? 'oidc' : 'pages';
