import { OneTimeCodeField } from './fields.js';
import { CsrfField, Layout, type Viewer } from './layout.js';

export interface StepUpPageProps {
  readonly viewer: Viewer;
  readonly next: string;
  readonly error?: string | null | undefined;
}

/**
 * A fresh second factor before a sensitive action (seed 000: "prompted to enter a 6-digit code
 * from one of your already configured TOTP devices").
 */
export function StepUpPage({ viewer, next, error }: StepUpPageProps) {
  return (
    <Layout title="Confirm it is you" viewer={viewer} error={error}>
      <h1>Confirm it is you</h1>
      <p>For your security, enter a 6-digit code from one of your configured devices to continue.</p>
      <form method="post" action="/account/verify">
        <CsrfField token={viewer.csrfToken} />
        <input type="hidden" name="next" value={next} />
        <OneTimeCodeField name="otp" autofocus />
        <button type="submit">Continue</button>
      </form>
      <p>
        <a href={`/account/step-up/security-key?${new URLSearchParams({ next })}`}>Use your security key</a>
        {' · '}
        <a href="/account">Cancel</a>
      </p>
    </Layout>
  );
}
