import type { RecentServiceSignIn, ServiceSetting } from '../../core/index.js';
import { formatTime } from './format.js';
import { CsrfField, Layout, LogoutButton, type Viewer } from './layout.js';

const POLICY_WORDS: Readonly<Record<ServiceSetting['policy'], string>> = {
  required: 'Always required by the administrator',
  user_choice: 'Your choice',
  not_required: 'Not used by this service',
};

/** Seed 004: after the first MFA setup, MFA is on for every service; a way on to choose. */
export function MfaActivatedPage({ viewer }: { readonly viewer: Viewer }) {
  return (
    <Layout title="Multi-factor authentication is active" viewer={viewer}>
      <h1>Multi-factor authentication is active</h1>
      <p>
        Multi-factor authentication was successfully activated. All services that sign you in through Twofold
        will now require multi-factor authentication.
      </p>
      <p>If you are satisfied with having MFA turned on for all services, you can log out.</p>
      <p>To select which services will require MFA, open Service Settings.</p>
      <p>
        <a href="/account/services">Service Settings</a>
      </p>
      <LogoutButton csrfToken={viewer.csrfToken} label="Log out" secondary />
      <p>
        <a href="/account">Back to my account</a>
      </p>
    </Layout>
  );
}

export interface ServiceSettingsPageProps {
  readonly viewer: Viewer;
  readonly settings: readonly ServiceSetting[];
  readonly recent: readonly RecentServiceSignIn[];
  readonly notice?: string | null | undefined;
}

/** Which services ask for a second factor, the last sign-in to each, and revoking access. */
export function ServiceSettingsPage({ viewer, settings, recent, notice }: ServiceSettingsPageProps) {
  return (
    <Layout title="Service Settings" viewer={viewer} notice={notice}>
      <h1>Service Settings</h1>
      {settings.length === 0 ? (
        <p>No services sign people in through Twofold yet.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Service</th>
              <th scope="col">Require multi-factor authentication</th>
              <th scope="col">Last sign-in</th>
              <th scope="col">Access</th>
            </tr>
          </thead>
          <tbody>
            {settings.map((setting) => (
              <tr key={setting.serviceId}>
                <td>{setting.name}</td>
                <td>
                  {setting.changeable ? (
                    <form method="post" action={`/account/services/${setting.serviceId}/mfa`}>
                      <CsrfField token={viewer.csrfToken} />
                      <input type="hidden" name="mfa" value={setting.mfaOn ? 'off' : 'on'} />
                      <button
                        type="submit"
                        role="switch"
                        aria-checked={setting.mfaOn ? 'true' : 'false'}
                        aria-label={`Require multi-factor authentication for ${setting.name}`}
                        class={setting.mfaOn ? undefined : 'secondary'}
                      >
                        {setting.mfaOn ? 'On' : 'Off'}
                      </button>
                    </form>
                  ) : (
                    <span>
                      {setting.mfaOn ? 'On' : 'Off'} <small>({POLICY_WORDS[setting.policy]})</small>
                    </span>
                  )}
                </td>
                <td>{setting.lastSignInAt ? formatTime(setting.lastSignInAt) : 'Never'}</td>
                <td>
                  {setting.lastSignInAt && (
                    <form method="post" action={`/account/services/${setting.serviceId}/revoke`}>
                      <CsrfField token={viewer.csrfToken} />
                      <button type="submit" class="secondary">
                        Revoke access
                      </button>
                    </form>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p>
        <small>
          Changing whether a service asks for a second factor needs a recent login and a code from one of your
          devices.
        </small>
      </p>
      <RecentSignIns recent={recent} />
      <p>
        <a href="/account">Back to my account</a>
      </p>
    </Layout>
  );
}

export function RecentSignIns({ recent }: { readonly recent: readonly RecentServiceSignIn[] }) {
  return (
    <section aria-labelledby="recent-sign-ins">
      <h2 id="recent-sign-ins">Recent sign-ins to services</h2>
      {recent.length === 0 ? (
        <p>You have not signed in to any service through Twofold yet.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Service</th>
              <th scope="col">How</th>
              <th scope="col">From</th>
            </tr>
          </thead>
          <tbody>
            {recent.map((entry) => (
              <tr key={`${entry.at}-${entry.service}`}>
                <td>{formatTime(entry.at)}</td>
                <td>{entry.service}</td>
                <td>{describeAmr(entry.amr)}</td>
                <td>{entry.ip ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function describeAmr(amr: string): string {
  const methods = amr.split(' ');
  const parts: string[] = [];
  if (methods.includes('pwd')) parts.push('password');
  if (methods.includes('otp')) parts.push('one-time code');
  if (methods.includes('hwk'))
    parts.push(methods.includes('user') && !methods.includes('pwd') ? 'passkey' : 'security key');
  return parts.join(' + ') || amr;
}
