import type { AuthenticatorSummary } from '../../core/index.js';
import { formatTime } from './format.js';
import { CsrfField, Layout, type Viewer } from './layout.js';

export interface ConfirmRemovalPageProps {
  readonly viewer: Viewer;
  readonly authenticator: AuthenticatorSummary;
  readonly remaining: number;
}

/** "Remove" asks first: the device's codes stop working at once. */
export function ConfirmRemovalPage({ viewer, authenticator, remaining }: ConfirmRemovalPageProps) {
  return (
    <Layout title="Remove device" viewer={viewer}>
      <h1>Remove device</h1>
      <p>
        Remove <strong>{authenticator.name}</strong> (added {formatTime(authenticator.createdAt)})? Its codes
        stop working at once. You stay logged in.
      </p>
      {remaining === 0 && (
        <p class="error" role="alert">
          This is your only device: without it, two-factor authentication is off for your account.
        </p>
      )}
      <div class="actions">
        <form method="post" action={`/account/authenticators/${encodeURIComponent(authenticator.id)}/remove`}>
          <CsrfField token={viewer.csrfToken} />
          <button type="submit">Remove</button>
        </form>
        <a href="/account">Cancel</a>
      </div>
    </Layout>
  );
}
