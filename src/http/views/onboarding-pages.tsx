import { NewPasswordFields, OneTimeCodeField } from './fields.js';
import { CsrfField, Layout, type Viewer } from './layout.js';

export interface SetupLandingPageProps {
  readonly csrfToken: string;
  readonly action: string;
  readonly username: string;
  readonly mfaRequired: boolean;
}

/**
 * Where the password-setup e-mail's link lands (seed 003: "When the login window appears, the
 * user clicks [Click here to continue]"). Opening the link uses nothing up: a mail scanner that
 * follows links must not burn it; only the button does.
 */
export function SetupLandingPage({ csrfToken, action, username, mfaRequired }: SetupLandingPageProps) {
  return (
    <Layout title="Set up your account">
      <h1>Set up your account</h1>
      <p>
        Welcome, <strong>{username}</strong>. An administrator created this account for you.
      </p>
      <ol>
        {mfaRequired && <li>Set up a mobile authenticator app (two-factor authentication is required).</li>}
        <li>Choose your password.</li>
        {mfaRequired && <li>Save your backup codes, for when your phone is not at hand.</li>}
      </ol>
      <form method="post" action={action}>
        <CsrfField token={csrfToken} />
        <button type="submit">Click here to continue</button>
      </form>
      <p class="muted">This link works once. If it stops working, ask your administrator for a new e-mail.</p>
    </Layout>
  );
}

export interface AdminSetupPageProps {
  readonly csrfToken: string;
  readonly action: string;
  readonly username?: string | undefined;
  readonly email?: string | undefined;
  readonly error?: string | null | undefined;
}

/** The first administrator, from the link `twofold serve` prints while there is none. */
export function AdminSetupPage({ csrfToken, action, username = '', email = '', error }: AdminSetupPageProps) {
  return (
    <Layout title="Create the first administrator" error={error}>
      <h1>Create the first administrator</h1>
      <p>
        Twofold has no administrator yet. The account you create here manages every other one; it must use
        two-factor authentication, which you set up next.
      </p>
      <form method="post" action={action}>
        <CsrfField token={csrfToken} />
        <label for="username">Username</label>
        <input
          id="username"
          name="username"
          type="text"
          autocomplete="username"
          autocapitalize="none"
          spellcheck={false}
          required
          value={username}
        />
        <label for="email">Email</label>
        <input id="email" name="email" type="email" autocomplete="email" required value={email} />
        <NewPasswordFields name="password" />
        <button type="submit">Create administrator</button>
      </form>
    </Layout>
  );
}

export interface SetupPasswordPageProps {
  readonly viewer: Viewer;
  readonly error?: string | null | undefined;
}

/** Seed 003 step 5: "When the password setting window appears, the user sets a password." */
export function SetupPasswordPage({ viewer, error }: SetupPasswordPageProps) {
  return (
    <Layout title="Choose your password" viewer={viewer} error={error}>
      <h1>Choose your password</h1>
      <form method="post" action="/setup/password">
        <CsrfField token={viewer.csrfToken} />
        <NewPasswordFields name="password" />
        <button type="submit">Set password</button>
      </form>
    </Layout>
  );
}

export interface SetupVerifyPageProps {
  readonly viewer: Viewer;
  readonly error?: string | null | undefined;
}

/**
 * A setup link for an account that already has a device: the link proves the mailbox, the code
 * proves the device, so a mailbox alone never replaces a password past two-factor authentication.
 */
export function SetupVerifyPage({ viewer, error }: SetupVerifyPageProps) {
  return (
    <Layout title="Confirm it is you" viewer={viewer} error={error}>
      <h1>Confirm it is you</h1>
      <p>
        Your account has two-factor authentication. Enter a 6-digit code from one of your devices, or a backup
        code, before you choose a new password.
      </p>
      <form method="post" action="/setup/verify">
        <CsrfField token={viewer.csrfToken} />
        <OneTimeCodeField name="otp" autofocus />
        <button type="submit">Continue</button>
      </form>
      <p class="muted">Lost your device? Ask your administrator to reset two-factor authentication.</p>
    </Layout>
  );
}
