import type { ComponentChildren } from 'preact';
import { CsrfField, Layout, LogoutButton, type Viewer } from '../../views/layout.js';
import { webauthnScripts } from '../static/assets.js';

interface CeremonyFormProps {
  readonly ceremony: 'register' | 'authenticate';
  readonly optionsUrl: string;
  readonly verifyUrl: string;
  readonly csrfToken: string;
  readonly next?: string | undefined;
  readonly label: string;
  readonly children?: ComponentChildren;
}

/**
 * The form the page script drives. The button stays disabled until the script has checked that
 * the browser can do WebAuthn; without JavaScript the page says so.
 */
function CeremonyForm({
  ceremony,
  optionsUrl,
  verifyUrl,
  csrfToken,
  next,
  label,
  children,
}: CeremonyFormProps) {
  return (
    <>
      <p id="webauthn-status" class="error" role="alert" hidden />
      <noscript>
        <p class="error">
          Security keys need JavaScript: the browser's own dialog is started from this page.
        </p>
      </noscript>
      <form
        method="post"
        action={verifyUrl}
        data-webauthn={ceremony}
        data-options={optionsUrl}
        data-verify={verifyUrl}
      >
        <CsrfField token={csrfToken} />
        {next && <input type="hidden" name="next" value={next} />}
        {children}
        <button type="submit" disabled>
          {label}
        </button>
      </form>
    </>
  );
}

export interface SecurityKeySetupPageProps {
  readonly viewer: Viewer;
  /** How many keys the user has: the default name counts on from it. */
  readonly defaultName: string;
}

/**
 * "Set up a security key" (seed 002): the browser's dialog registers a USB key, a phone or
 * the computer's biometrics; the name is optional.
 */
export function SecurityKeySetupPage({ viewer, defaultName }: SecurityKeySetupPageProps) {
  return (
    <Layout title="Set up a security key" viewer={viewer} scripts={webauthnScripts}>
      <h1>Set up a security key</h1>
      <p>
        Click <strong>Set up</strong>. A dialog box from your web browser appears: follow its instructions to
        register a USB security key, a smartphone or tablet (over Bluetooth, by scanning a QR code), or this
        computer's fingerprint or face recognition.
      </p>
      <p class="muted">
        We recommend setting up several methods — for example an authenticator app and a security key — so
        that losing one device does not lock you out.
      </p>
      <CeremonyForm
        ceremony="register"
        optionsUrl="/account/security-keys/options"
        verifyUrl="/account/security-keys"
        csrfToken={viewer.csrfToken}
        label="Set up"
      >
        <label for="name">Device name</label>
        <input
          id="name"
          name="name"
          type="text"
          maxLength={64}
          placeholder={defaultName}
          aria-describedby="name-hint"
        />
        <small id="name-hint">
          Optional, to tell your devices apart. Left empty, it is named after its kind.
        </small>
      </CeremonyForm>
      <p>
        <a href="/account">Cancel</a>
      </p>
    </Layout>
  );
}

export interface SecurityKeyLoginPageProps {
  readonly csrfToken: string;
  readonly username: string;
  readonly next?: string | undefined;
  /** Whether the user also has authenticator apps: then "Use a one-time code instead" is offered. */
  readonly hasTotp: boolean;
}

/** The second login step with a key instead of a code ("Use your security key"). */
export function SecurityKeyLoginPage({ csrfToken, username, next, hasTotp }: SecurityKeyLoginPageProps) {
  const codeStep = next ? `/login?${new URLSearchParams({ next })}` : '/login';
  return (
    <Layout title="Use your security key" scripts={webauthnScripts}>
      <h1>Log in</h1>
      <p class="notice" role="status">
        Two-factor authentication is enabled for the account <strong>{username}</strong>. Use your security
        key.
      </p>
      <CeremonyForm
        ceremony="authenticate"
        optionsUrl="/login/security-key/options"
        verifyUrl="/login/security-key"
        csrfToken={csrfToken}
        next={next}
        label="Use your security key"
      />
      <p>
        <a href={codeStep}>{hasTotp ? 'Use a one-time code instead' : 'Use a backup code instead'}</a>
      </p>
      <LogoutButton csrfToken={csrfToken} label="Start over" />
    </Layout>
  );
}

export interface PasskeyLoginPageProps {
  readonly csrfToken: string;
  readonly next?: string | undefined;
}

/** "Sign in with a passkey": no user name, no password, no code. */
export function PasskeyLoginPage({ csrfToken, next }: PasskeyLoginPageProps) {
  const passwordLogin = next ? `/login?${new URLSearchParams({ next })}` : '/login';
  return (
    <Layout title="Sign in with a passkey" scripts={webauthnScripts}>
      <h1>Sign in with a passkey</h1>
      <p>
        Use a passkey saved on this computer, your phone or a security key. Your browser asks for your
        fingerprint, face or PIN; no password and no code are needed.
      </p>
      <CeremonyForm
        ceremony="authenticate"
        optionsUrl="/login/passkey/options"
        verifyUrl="/login/passkey"
        csrfToken={csrfToken}
        next={next}
        label="Sign in with a passkey"
      />
      <p>
        <a href={passwordLogin}>Log in with your password instead</a>
      </p>
    </Layout>
  );
}

export interface SecurityKeyStepUpPageProps {
  readonly viewer: Viewer;
  readonly next: string;
}

/** A fresh second factor with a key before a sensitive action. */
export function SecurityKeyStepUpPage({ viewer, next }: SecurityKeyStepUpPageProps) {
  return (
    <Layout title="Confirm it is you" viewer={viewer} scripts={webauthnScripts}>
      <h1>Confirm it is you</h1>
      <p>For your security, use one of your security keys to continue.</p>
      <CeremonyForm
        ceremony="authenticate"
        optionsUrl="/account/step-up/security-key/options"
        verifyUrl="/account/step-up/security-key"
        csrfToken={viewer.csrfToken}
        next={next}
        label="Use your security key"
      />
      <p>
        <a href={`/account/verify?${new URLSearchParams({ next })}`}>Use a one-time code instead</a> ·{' '}
        <a href="/account">Cancel</a>
      </p>
    </Layout>
  );
}
