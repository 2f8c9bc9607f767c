import { LOGIN_MAX_LENGTH } from '../../core/index.js';
import { OneTimeCodeField } from './fields.js';
import { CsrfField, Layout, LogoutButton } from './layout.js';

export interface LoginPageProps {
  readonly csrfToken: string;
  readonly next?: string | undefined;
  readonly username?: string | undefined;
  readonly notice?: string | null | undefined;
  readonly error?: string | null | undefined;
  /** External identity providers to offer: "Sign in with <name>" (seed 003). */
  readonly providers?: readonly { readonly slug: string; readonly name: string }[];
}

/** Step one: "Username or email" and "Password" — with the code typed right after it (seed 001). */
export function LoginPage({ csrfToken, next, username = '', notice, error, providers = [] }: LoginPageProps) {
  return (
    <Layout title="Log in" notice={notice} error={error}>
      <h1>Log in</h1>
      <form method="post" action="/login">
        <CsrfField token={csrfToken} />
        {next && <input type="hidden" name="next" value={next} />}
        <label for="username">Username or email</label>
        <input
          id="username"
          name="username"
          type="text"
          autocomplete="username"
          autocapitalize="none"
          spellcheck={false}
          required
          maxLength={LOGIN_MAX_LENGTH}
          value={username}
          autofocus={!username}
        />
        <label for="password">Password</label>
        <input
          id="password"
          name="password"
          type="password"
          autocomplete="current-password"
          required
          aria-describedby="password-hint"
          autofocus={Boolean(username)}
        />
        <small id="password-hint">
          Two-factor authentication on? Type the 6-digit code from your app right after your password, with no
          space.
        </small>
        <button type="submit">Log in</button>
      </form>
      <p>
        <a href={next ? `/login/passkey?${new URLSearchParams({ next })}` : '/login/passkey'}>
          Sign in with a passkey
        </a>
      </p>
      {providers.length > 0 && (
        <nav aria-label="Other ways to sign in">
          <ul>
            {providers.map((provider) => (
              <li key={provider.slug}>
                {/* biome-ignore lint/a11y/useSemanticElements: a link to the provider that Pico draws as a button */}
                <a
                  role="button"
                  class="secondary"
                  href={`/login/idp/${provider.slug}${next ? `?${new URLSearchParams({ next })}` : ''}`}
                >
                  Sign in with {provider.name}
                </a>
              </li>
            ))}
          </ul>
        </nav>
      )}
    </Layout>
  );
}

export interface CodeStepPageProps {
  readonly csrfToken: string;
  readonly username: string;
  readonly next?: string | undefined;
  readonly notice?: string | null | undefined;
  readonly error?: string | null | undefined;
  /** The user has a registered security key or passkey: offer it beside the code. */
  readonly hasSecurityKey?: boolean;
}

/**
 * Step two, when the password was right but the code missing or wrong (seed 001: "an extra
 * input field will appear to remind you TFA is enabled"). The password step is remembered by
 * the server for five minutes; only the code is asked for.
 */
export function CodeStepPage({
  csrfToken,
  username,
  next,
  notice,
  error,
  hasSecurityKey,
}: CodeStepPageProps) {
  return (
    <Layout title="One-time code" notice={notice} error={error}>
      <h1>Log in</h1>
      <p class="notice" role="status">
        Two-factor authentication is enabled for the account <strong>{username}</strong>. Enter the 6-digit
        code from your authenticator app{hasSecurityKey ? ', or use your security key' : ''}.
      </p>
      {hasSecurityKey && (
        <p>
          {/* biome-ignore lint/a11y/useSemanticElements: a link to the key step that Pico draws as a button */}
          <a
            role="button"
            href={next ? `/login/security-key?${new URLSearchParams({ next })}` : '/login/security-key'}
          >
            Use your security key
          </a>
        </p>
      )}
      <form method="post" action="/login/code">
        <CsrfField token={csrfToken} />
        {next && <input type="hidden" name="next" value={next} />}
        <OneTimeCodeField
          name="otp"
          autofocus
          hint="Next time you can type the code directly after your password, with no space. Lost your device? Enter one of your backup codes here."
        />
        <button type="submit">Log in</button>
      </form>
      <LogoutButton csrfToken={csrfToken} label="Start over" secondary />
    </Layout>
  );
}
