import type { TotpEnrollment } from '../../core/index.js';
import { assetUrl, staticAssets } from '../static/assets.js';
import { formatTime } from './format.js';
import { Layout, type Viewer } from './layout.js';
import { ActivationForm, CopyableKey, QrCodeFigure } from './totp-setup-parts.js';

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
      <QrCodeFigure enrollment={enrollment} qrSvg={qrSvg} />
      <details>
        <summary>Can't scan?</summary>
        <p>Enter this key in your app instead (the spaces are only there for reading):</p>
        <CopyableKey secret={enrollment.secret} />
        <p class="muted">
          Time-based (TOTP), SHA-1, {enrollment.digits} digits, every {enrollment.periodSeconds} seconds.
        </p>
      </details>
      <ActivationForm
        action={`/setup/enroll/${encodeURIComponent(enrollment.authenticatorId)}`}
        csrfToken={viewer.csrfToken}
        name={name}
        defaultName={defaultName}
        nameHint='Optional, for example "MySmartPhone".'
      />
      <p class="muted">This setup is valid until {formatTime(enrollment.expiresAt)} (15 minutes).</p>
    </Layout>
  );
}
