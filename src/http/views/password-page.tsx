import { NewPasswordFields } from './fields.js';
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
        <NewPasswordFields name="new_password" />
        <button type="submit">Change password</button>
      </form>
      <p class="muted">
        All your other sessions are logged out when the password changes. <a href="/account">Cancel</a>
      </p>
    </Layout>
  );
}
