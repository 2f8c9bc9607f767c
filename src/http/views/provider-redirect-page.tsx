export interface ProviderRedirectPageProps {
  readonly providerName: string;
  readonly url: string;
}

/**
 * The step from a Twofold form to an identity provider: under `form-action 'self'` a form may
 * not end in a redirect to another site, so the browser lands here and goes on by itself (meta
 * refresh; no script), or through the link.
 */
export function ProviderRedirectPage({ providerName, url }: ProviderRedirectPageProps) {
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <meta http-equiv="refresh" content={`0;url=${url}`} />
        <meta name="referrer" content="no-referrer" />
        <title>{`Going to ${providerName} · Twofold`}</title>
      </head>
      <body>
        <p>
          Taking you to {providerName} to link your account… <a href={url}>Continue</a>
        </p>
      </body>
    </html>
  );
}
