import type { TotpEnrollment } from '../../core/index.js';
import { assetUrl, staticAssets } from '../static/assets.js';
import { formatTime } from './format.js';
import { Layout, type Viewer } from './layout.js';
import { ActivationForm, CopyableKey, QrCodeFigure } from './totp-setup-parts.js';

export interface OtpSetupPageProps {
  readonly viewer: Viewer;
  readonly enrollment: TotpEnrollment;
  /** The QR code of `enrollment.otpauthUri` as SVG markup, made by the qrcode library. */
  readonly qrSvg: string;
  /** The default name the device gets when the field is left empty ("Authenticator N"). */
  readonly defaultName: string;
  readonly name?: string | undefined;
  readonly error?: string | null | undefined;
}

/** Apps known to work with these parameters (SHA-1, 6 digits, 30 s): seeds 000, 001 and 004. */
const APPS = [
  'Google Authenticator',
  'Microsoft Authenticator',
  'FreeOTP',
  'Aegis (Android)',
  'Raivo OTP (iOS)',
  'KeePassXC (desktop)',
  'oathtool (command line)',
] as const;

/**
 * Scan (or type) the secret, prove it with a code, name the device. The device stays pending —
 * it logs nobody in — until the code is right.
 */
export function OtpSetupPage({
  viewer,
  enrollment,
  qrSvg,
  defaultName,
  name = '',
  error,
}: OtpSetupPageProps) {
  const action = `/account/otp/${encodeURIComponent(enrollment.authenticatorId)}`;
  return (
    <Layout title="Set up OTP" viewer={viewer} error={error} scripts={[assetUrl(staticAssets.copy)]}>
      <h1>Set up OTP</h1>
      <p>
        Scan the QR code with an authenticator app on your phone or computer. These work:{' '}
        {APPS.map((app, index) => (
          <span key={app}>
            {index > 0 && ', '}
            {app}
          </span>
        ))}
        .
      </p>

      <QrCodeFigure enrollment={enrollment} qrSvg={qrSvg} />

      <details>
        <summary>Unable to scan?</summary>
        <p>Enter this 32-character key in your app instead (the spaces are only there for reading):</p>
        <CopyableKey secret={enrollment.secret} />
        <table>
          <caption class="muted">Settings, if your app asks</caption>
          <tbody>
            <tr>
              <th scope="row">Type</th>
              <td>Time-based (TOTP)</td>
            </tr>
            <tr>
              <th scope="row">Algorithm</th>
              <td>SHA-1</td>
            </tr>
            <tr>
              <th scope="row">Digits</th>
              <td>{enrollment.digits}</td>
            </tr>
            <tr>
              <th scope="row">Period</th>
              <td>{enrollment.periodSeconds} seconds</td>
            </tr>
            <tr>
              <th scope="row">Issuer</th>
              <td>{enrollment.issuer}</td>
            </tr>
            <tr>
              <th scope="row">Account</th>
              <td>{enrollment.accountName}</td>
            </tr>
          </tbody>
        </table>
        <p>On Linux, oathtool prints the current code:</p>
        <pre>
          <code>oathtool --totp -b {enrollment.secret}</code>
        </pre>
      </details>

      <ActivationForm
        action={action}
        csrfToken={viewer.csrfToken}
        name={name}
        defaultName={defaultName}
        nameHint='Optional, to tell your devices apart, for example "MySmartPhone".'
      />
      <p class="muted">
        This setup is valid until {formatTime(enrollment.expiresAt)} (15 minutes). Until a correct code is
        submitted, the device is not used for logging in. <a href="/account">Cancel</a>
      </p>
    </Layout>
  );
}
