import { CsrfField, Layout, type Viewer } from './layout.js';

/** What each scope lets the service read, in the person's words. */
const SCOPE_WORDS: Readonly<Record<string, string>> = {
  openid: 'know who you are on Twofold',
  profile: 'your name and user name',
  email: 'your e-mail address',
  offline_access: 'stay signed in when you are away',
};

export interface ConsentPageProps {
  readonly viewer: Viewer;
  readonly serviceName: string;
  readonly scopes: readonly string[];
  readonly action: string;
}

/** The first sign-in to a service that needs the person's consent. */
export function ConsentPage({ viewer, serviceName, scopes, action }: ConsentPageProps) {
  return (
    <Layout title={`Sign in to ${serviceName}`} viewer={viewer}>
      <h1>Sign in to {serviceName}</h1>
      <p>
        <strong>{serviceName}</strong> would like to:
      </p>
      <ul>
        {scopes.map((scope) => (
          <li key={scope}>{SCOPE_WORDS[scope] ?? scope}</li>
        ))}
      </ul>
      <form method="post" action={action}>
        <CsrfField token={viewer.csrfToken} />
        <button type="submit" name="decision" value="allow">
          Allow
        </button>{' '}
        <button type="submit" name="decision" value="deny" class="secondary">
          Cancel
        </button>
      </form>
    </Layout>
  );
}

export interface FactorNeededPageProps {
  readonly viewer?: Viewer | undefined;
  readonly serviceName: string;
  /** A WebAuthn key (security key or passkey) rather than any second factor. */
  readonly securityKey: boolean;
  /** Where to prove it now; absent when the person has nothing to prove it with yet. */
  readonly proveUrl?: string | undefined;
}

/** A service needs a factor this person has not set up, or must prove with a security key. */
export function FactorNeededPage({ viewer, serviceName, securityKey, proveUrl }: FactorNeededPageProps) {
  const what = securityKey ? 'a security key or passkey' : 'two-factor authentication';
  return (
    <Layout title={`${serviceName} needs ${what}`} viewer={viewer}>
      <h1>
        {serviceName} needs {what}
      </h1>
      {proveUrl ? (
        <>
          <p>
            To sign in to {serviceName}, confirm it is you with {what}.
          </p>
          <p>
            <a href={proveUrl}>Continue</a>
          </p>
        </>
      ) : (
        <>
          <p>
            To sign in to {serviceName}, set up{' '}
            {securityKey ? 'a security key or passkey' : 'an authenticator app or a security key'} on your
            account first, then go back to {serviceName} and sign in again.
          </p>
          <p>
            <a href="/account">Go to my account</a>
          </p>
        </>
      )}
    </Layout>
  );
}

export interface LogoutConfirmPageProps {
  readonly serviceName?: string | undefined;
  /** oidc-provider's own form (its action and anti-forgery field), which the buttons submit. */
  readonly formHtml: string;
}

/** RP-initiated logout: a service sent the person here to sign out of Twofold. */
export function LogoutConfirmPage({ serviceName, formHtml }: LogoutConfirmPageProps) {
  return (
    <Layout title="Log out">
      <h1>Log out of Twofold?</h1>
      <p>
        {serviceName ? `${serviceName} asks to sign you out. ` : ''}
        Logging out ends your Twofold session: every service will ask you to sign in again.
      </p>
      <div dangerouslySetInnerHTML={{ __html: formHtml }} />
      <button type="submit" form="op.logoutForm" name="logout" value="yes" autofocus>
        Log out
      </button>{' '}
      <button type="submit" form="op.logoutForm" class="secondary">
        Stay signed in
      </button>
    </Layout>
  );
}

export function SignedOutPage({ serviceName }: { readonly serviceName?: string | undefined }) {
  return (
    <Layout title="Logged out" notice="You have been logged out.">
      <h1>Logged out</h1>
      <p>You have been logged out of Twofold{serviceName ? ` and ${serviceName}` : ''}.</p>
      <p>
        <a href="/login">Log in again</a>
      </p>
    </Layout>
  );
}

export interface ContinuePageProps {
  readonly serviceName: string;
  /** Where the browser goes on to: the provider's URL that answers the service, or a protected site. */
  readonly url: string;
}

/**
 * The step between Twofold's pages and the service. A form's redirects stay under its page's
 * `form-action 'self'`, so a login form cannot end in a redirect to the service: the browser
 * lands here, then goes on by itself (meta refresh; no script) or through the link.
 */
export function ContinuePage({ serviceName, url }: ContinuePageProps) {
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <meta http-equiv="refresh" content={`0;url=${url}`} />
        <meta name="referrer" content="no-referrer" />
        <title>{`Signing in to ${serviceName} · Twofold`}</title>
      </head>
      <body>
        <p>
          Signing you in to {serviceName}… <a href={url}>Continue</a>
        </p>
      </body>
    </html>
  );
}
