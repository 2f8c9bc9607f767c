import { AdminNav } from './admin-nav.js';
import { CsrfField, Layout, type Viewer } from './layout.js';

/** The fields of "Add User" and "Edit User", as typed (or as stored, when editing). */
export interface AdminUserFormValues {
  readonly username: string;
  readonly email: string;
  readonly firstName: string;
  readonly lastName: string;
  readonly otpRequired: boolean;
  readonly isAdmin: boolean;
}

export interface AdminUserFormPageProps {
  readonly viewer: Viewer;
  /** Absent for "Add User"; the user's id for "Edit User". */
  readonly userId?: string | undefined;
  readonly values: AdminUserFormValues;
  readonly error?: string | null | undefined;
}

/**
 * "Add User" and "Edit User" (seed 003): the same fields, with the "OTP Configured" check box.
 * A new user gets no password here: a password-setup e-mail goes to the address given.
 */
export function AdminUserFormPage({ viewer, userId, values, error }: AdminUserFormPageProps) {
  const editing = userId !== undefined;
  const title = editing ? 'Edit User' : 'Add User';
  const action = editing ? `/admin/users/${encodeURIComponent(userId)}/edit` : '/admin/users';
  return (
    <Layout title={title} viewer={viewer} error={error}>
      <AdminNav current="users" />
      <h1>{title}</h1>
      <form method="post" action={action}>
        <CsrfField token={viewer.csrfToken} />
        <label for="username">User name</label>
        {editing ? (
          <input id="username" type="text" value={values.username} readOnly disabled />
        ) : (
          <input
            id="username"
            name="username"
            type="text"
            autocomplete="off"
            autocapitalize="none"
            spellcheck={false}
            required
            maxLength={64}
            value={values.username}
          />
        )}
        <label for="email">E-mail</label>
        <input id="email" name="email" type="email" autocomplete="off" required value={values.email} />
        <label for="first_name">First name</label>
        <input id="first_name" name="first_name" type="text" autocomplete="off" value={values.firstName} />
        <label for="last_name">Last name</label>
        <input id="last_name" name="last_name" type="text" autocomplete="off" value={values.lastName} />
        <fieldset>
          <label for="otp_required">
            <input
              id="otp_required"
              name="otp_required"
              type="checkbox"
              value="on"
              checked={values.otpRequired}
              aria-describedby="otp-hint"
            />
            OTP Configured
          </label>
          <small id="otp-hint">
            The user must log in with a one-time code from a mobile authenticator, and sets one up at the next
            login. Turning it off removes the user's devices; turning it on again makes them set up anew (for
            a changed phone).
          </small>
          <label for="is_admin">
            <input
              id="is_admin"
              name="is_admin"
              type="checkbox"
              value="on"
              checked={values.isAdmin}
              aria-describedby="admin-hint"
            />
            Administrator
          </label>
          <small id="admin-hint">
            Administrators manage every user, and must always use two-factor authentication.
          </small>
        </fieldset>
        <button type="submit">{editing ? 'Save' : 'Add User'}</button>
      </form>
      {!editing && (
        <p class="muted">The user receives an e-mail with a single-use link to set up their password.</p>
      )}
      <p>
        <a href={editing ? `/admin/users/${encodeURIComponent(userId)}` : '/admin/users'}>Cancel</a>
      </p>
    </Layout>
  );
}
