import type { Account } from 'oidc-provider';
import type { Core } from '../core/index.js';

/**
 * A Twofold user as an OpenID Connect account. `sub` is the user's row id: stable through a
 * rename, and saying nothing about the person. A disabled or removed user has no account, so
 * their tokens stop working at the next userinfo call or refresh.
 */
export async function findAccount(core: Core, sub: string): Promise<Account | undefined> {
  const user = await core.store.users.findById(sub);
  if (!user || user.disabled === 1) return undefined;
  return {
    accountId: user.id,
    async claims() {
      const name = [user.first_name, user.last_name].filter(Boolean).join(' ');
      return {
        sub: user.id,
        preferred_username: user.username,
        name: name || user.username,
        ...(user.first_name ? { given_name: user.first_name } : {}),
        ...(user.last_name ? { family_name: user.last_name } : {}),
        email: user.email,
        // Addresses are set by administrators and proven by the password-setup e-mail.
        email_verified: true,
      };
    },
  };
}
