import type { TotpEnrollment } from '../../core/index.js';
import { assetUrl, staticAssets } from '../static/assets.js';
import { formatTime, groupInFours } from './format.js';
import { CsrfField, Layout, type Viewer } from './layout.js';

export interface OnboardingOtpPageProps {
  readonly viewer: Viewer;
  readonly enrollment: TotpEnrollment;
  /** The QR code of `enrollment.otpauthUri` as SVG markup, made by the qrcode library. */
  readonly qrSvg: string;
  readonly defaultName: string;
  /** Why the person is here: a new account (setup link), or a required factor at login. */
  readonly reason: 'setup' | 'required';
  readonly name?: string | undefined;
  readonly error?: string | null | undefined;
}

/**
 * Seed 003 step 4, the mobile authenticator's setup window: read the QR code, or "Can't scan?"
 * and type the key; then the code and a device name, and "Submit". Nothing else can be reached
 * until it is done, so there is no "Cancel" — only "Log out".
 */
export function OnboardingOtpPage({
  viewer,
  enrollment,
  qrSvg,
  defaultName,
  reason,
  name = '',
  error,
}: OnboardingOtpPageProps) {
  return (
    <Layout
      title="Set up your mobile authenticator"
      viewer={viewer}
      error={error}
      scripts={[assetUrl(staticAssets.copy)]}
    >
      <h1>Set up your mobile authenticator</h1>
      <p>
        {reason === 'required'
          ? 'Your administrator requires two-factor authentication for your account. '
          : 'Your account needs two-factor authentication. '}
        Install an authenticator app such as FreeOTP, Microsoft Authenticator or Google Authenticator on your
        phone, then read this QR code with it.
      </p>
      <figure class="qr">
        {/* Our own otpauth:// URI rendered by the qrcode library: the only markup not escaped. */}
        <div role="img" aria-label="QR code" dangerouslySetInnerHTML={{ __html: qrSvg }} />
        <figcaption class="muted">
          {enrollment.issuer}: {enrollment.accountName}
        </figcaption>
      </figure>
      <details>
        <summary>Can't scan?</summary>
        <p>Enter this key in your app instead (the spaces are only there for reading):</p>
        <p class="key">{groupInFours(enrollment.secret)}</p>
        <label for="otp-key">Key without spaces, to copy</label>
        <div class="key-copy">
          <input
            id="otp-key"
            type="text"
            readOnly
            value={enrollment.secret}
            spellcheck={false}
            autocomplete="off"
          />
          <button type="button" data-copy="otp-key" hidden>
            Copy
          </button>
        </div>
        <p class="muted">
          Time-based (TOTP), SHA-1, {enrollment.digits} digits, every {enrollment.periodSeconds} seconds.
        </p>
      </details>
      <form method="post" action={`/setup/enroll/${encodeURIComponent(enrollment.authenticatorId)}`}>
        <CsrfField token={viewer.csrfToken} />
        <label for="code">One-time code</label>
        <input
          id="code"
          name="code"
          type="text"
          inputmode="numeric"
          autocomplete="one-time-code"
          maxLength={10}
          required
          aria-describedby="code-hint"
        />
        <small id="code-hint">The 6-digit code your app shows for this account now.</small>
        <label for="name">Device name</label>
        <input
          id="name"
          name="name"
          type="text"
          maxLength={64}
          value={name}
          placeholder={defaultName}
          aria-describedby="name-hint"
        />
        <small id="name-hint">Optional, for example "MySmartPhone". Left empty: {defaultName}.</small>
        <button type="submit">Submit</button>
      </form>
      <p class="muted">This setup is valid until {formatTime(enrollment.expiresAt)} (15 minutes).</p>
    </Layout>
  );
}
