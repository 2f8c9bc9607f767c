import { PASSWORD_MIN_LENGTH } from '../../core/index.js';

export interface OneTimeCodeFieldProps {
  /** The form field's name (and id): `otp` where a backup code may also go, `code` for a new device. */
  readonly name: 'otp' | 'code';
  readonly hint?: string | undefined;
  readonly autofocus?: boolean;
}

/**
 * "One-time code": a 6-digit code, or a backup code (`XXXX-XXXX-XXXX`, 14 characters), so the
 * field takes up to 20 characters; `one-time-code` lets phones offer a code from an SMS or app.
 */
export function OneTimeCodeField({ name, hint, autofocus = false }: OneTimeCodeFieldProps) {
  const hintId = `${name}-hint`;
  return (
    <>
      <label for={name}>One-time code</label>
      <input
        id={name}
        name={name}
        type="text"
        inputmode="numeric"
        autocomplete="one-time-code"
        maxLength={20}
        required
        autofocus={autofocus}
        aria-describedby={hint ? hintId : undefined}
      />
      {hint && <small id={hintId}>{hint}</small>}
    </>
  );
}

/** "New password" twice, with the rule next to it. */
export function NewPasswordFields({ name }: { name: 'password' | 'new_password' }) {
  const hintId = `${name.replace('_', '-')}-hint`;
  return (
    <>
      <label for={name}>New password</label>
      <input
        id={name}
        name={name}
        type="password"
        autocomplete="new-password"
        minLength={PASSWORD_MIN_LENGTH}
        required
        aria-describedby={hintId}
      />
      <small id={hintId}>At least {PASSWORD_MIN_LENGTH} characters. A long phrase is best.</small>
      <label for="confirmation">New password again</label>
      <input
        id="confirmation"
        name="confirmation"
        type="password"
        autocomplete="new-password"
        minLength={PASSWORD_MIN_LENGTH}
        required
      />
    </>
  );
}
