import type { ComponentChildren } from 'preact';
import { assetUrl, staticAssets } from '../static/assets.js';

/** Who is signed in, for the header: their name and the token of the "Log out" form. */
export interface Viewer {
  readonly username: string;
  readonly csrfToken: string;
  /** Administrators get a link to the administration pages. */
  readonly isAdmin?: boolean;
}

export interface LayoutProps {
  readonly title: string;
  readonly viewer?: Viewer | undefined;
  /** A one-shot message: something worked, or something to know before going on. */
  readonly notice?: string | null | undefined;
  /** What went wrong with the last form, in words a person can act on. */
  readonly error?: string | null | undefined;
  readonly scripts?: readonly string[];
  readonly children: ComponentChildren;
}

/** Every page: Pico's classless look, the signed-in user and "Log out" in the header. */
export function Layout({ title, viewer, notice, error, scripts = [], children }: LayoutProps) {
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <meta name="referrer" content="no-referrer" />
        <title>{`${title} · Twofold`}</title>
        <link rel="stylesheet" href={assetUrl(staticAssets.pico)} />
        <link rel="stylesheet" href={assetUrl(staticAssets.app)} />
        {scripts.map((src) => (
          <script key={src} src={src} defer />
        ))}
      </head>
      <body>
        <header>
          <nav aria-label="Main">
            <ul>
              <li>
                <a class="brand" href="/">
                  Twofold
                </a>
              </li>
            </ul>
            {viewer && (
              <ul>
                {viewer.isAdmin && (
                  <li>
                    <a href="/admin/users">Administration</a>
                  </li>
                )}
                <li>
                  <a href="/account">{viewer.username}</a>
                </li>
                <li>
                  <LogoutButton csrfToken={viewer.csrfToken} label="Log out" />
                </li>
              </ul>
            )}
          </nav>
        </header>
        <main>
          {notice && (
            <p class="notice" role="status">
              {notice}
            </p>
          )}
          {error && (
            <p class="error" role="alert">
              {error}
            </p>
          )}
          {children}
        </main>
        <footer>
          <small>Twofold · two-factor authentication</small>
        </footer>
      </body>
    </html>
  );
}

export function CsrfField({ token }: { token: string }) {
  return <input type="hidden" name="_csrf" value={token} />;
}

/** Logging out is a POST with the session's CSRF token: a link from another site cannot do it. */
export function LogoutButton({
  csrfToken,
  label,
  secondary = false,
}: {
  csrfToken: string;
  label: string;
  secondary?: boolean;
}) {
  return (
    <form method="post" action="/logout" class={secondary ? 'secondary' : undefined}>
      <CsrfField token={csrfToken} />
      <button type="submit">{label}</button>
    </form>
  );
}
