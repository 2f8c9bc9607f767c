import { Layout, type Viewer } from './layout.js';

const titles: Record<number, string> = {
  400: 'Please check your input',
  401: 'Please log in',
  403: 'Request refused',
  404: 'Not found',
  410: 'Expired',
  413: 'Too large',
  423: 'Locked',
  429: 'Too many attempts',
  502: 'The sign-in provider did not answer as expected',
  503: 'Unavailable',
};

export interface ErrorPageProps {
  readonly status: number;
  readonly message: string;
  readonly retryAfterSeconds?: number | undefined;
  readonly viewer?: Viewer | undefined;
}

/** What a browser sees for any error: what happened, in words a person can act on, and a way on. */
export function ErrorPage({ status, message, retryAfterSeconds, viewer }: ErrorPageProps) {
  const title = titles[status] ?? (status >= 500 ? 'Something went wrong' : 'Error');
  return (
    <Layout title={title} viewer={viewer}>
      <h1>{title}</h1>
      <p class="error" role="alert">
        {message}
      </p>
      {retryAfterSeconds !== undefined && (
        <p>
          You can try again after <strong>{retryAfterSeconds}</strong> second
          {retryAfterSeconds === 1 ? '' : 's'}.
        </p>
      )}
      <p>
        <a href="/">Back to the start page</a>
      </p>
    </Layout>
  );
}
