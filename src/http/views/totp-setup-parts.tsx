import type { TotpEnrollment } from '../../core/index.js';
import { OneTimeCodeField } from './fields.js';
import { groupInFours } from './format.js';
import { CsrfField } from './layout.js';

/** The QR code of the otpauth URI, with the accessible name "QR code", on a white ground. */
export function QrCodeFigure({ enrollment, qrSvg }: { enrollment: TotpEnrollment; qrSvg: string }) {
  return (
    <figure class="qr">
      {/* Our own otpauth:// URI rendered by the qrcode library: the only markup not escaped. */}
      <div role="img" aria-label="QR code" dangerouslySetInnerHTML={{ __html: qrSvg }} />
      <figcaption class="muted">
        {enrollment.issuer}: {enrollment.accountName}
      </figcaption>
    </figure>
  );
}

/** The key grouped in fours for reading, and in a field without spaces for copying. */
export function CopyableKey({ secret }: { secret: string }) {
  return (
    <>
      <p class="key">{groupInFours(secret)}</p>
      <label for="otp-key">Key without spaces, to copy</label>
      <div class="key-copy">
        <input id="otp-key" type="text" readOnly value={secret} spellcheck={false} autocomplete="off" />
        <button type="button" data-copy="otp-key" hidden>
          Copy
        </button>
      </div>
    </>
  );
}

export interface ActivationFormProps {
  readonly action: string;
  readonly csrfToken: string;
  readonly name: string;
  readonly defaultName: string;
  readonly nameHint: string;
}

/** "One-time code", "Device name", "Submit": what proves the new device (seed 000). */
export function ActivationForm({ action, csrfToken, name, defaultName, nameHint }: ActivationFormProps) {
  return (
    <form method="post" action={action}>
      <CsrfField token={csrfToken} />
      <OneTimeCodeField name="code" hint="The 6-digit code your app shows for this account now." />
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
      <small id="name-hint">
        {nameHint} Left empty: {defaultName}.
      </small>
      <button type="submit">Submit</button>
    </form>
  );
}
