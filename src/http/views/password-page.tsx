import { PASSWORD_MIN_LENGTH } from '../../core/index.js';
import { CsrfField, Layout, type Viewer } from './layout.js';

export interface PasswordPageProps {
  readonly viewer: Viewer;
  readonly error?: string | null | undefined;
}

/** Current password, the new one twice. Every other session ends. */
export function PasswordPage({ viewer, error }: PasswordPageProps) {
  return (
    <Layout title="Change password" viewer={viewer} error={error}>
      <h1>Change password</h1>
      <form method="post" action="/account/password">
        <CsrfField token={viewer.csrfToken} />
        <label for="current_password">Current password</label>
        <input
          id="current_password"
          name="current_password"
          type="password"
          autocomplete="current-password"
          required
        />
        <label for="new_password">New password</label>
        <input
          id="new_password"
          name="new_password"
          type="password"
          autocomplete="new-password"
          minLength={PASSWORD_MIN_LENGTH}
          required
          aria-describedby="new-password-hint"
        />
        <small id="new-password-hint">
          At least {PASSWORD_MIN_LENGTH} characters. A long phrase is best.
        </small>
        <label for="confirmation">New password again</label>
        <input
          id="confirmation"
          name="confirmation"
          type="password"
          autocomplete="new-password"
          minLength={PASSWORD_MIN_LENGTH}
          required
        />
        <button type="submit">Change password</button>
      </form>
      <p class="muted">
        All your other sessions are logged out when the password changes. <a href="/account">Cancel</a>
      </p>
    </Layout>
  );
}
