import type { AuthenticatorSummary } from '../../core/index.js';
import { formatTime } from './format.js';
import { Layout, type Viewer } from './layout.js';

export interface AccountPageProps {
  readonly viewer: Viewer;
  readonly user: {
    readonly username: string;
    readonly email: string;
    readonly firstName: string;
    readonly lastName: string;
  };
  readonly authenticators: readonly AuthenticatorSummary[];
  readonly notice?: string | null | undefined;
}

const kindLabel = { totp: 'TOTP', webauthn: 'Security key' } as const;

/** The user, their devices ("Two Factor Authentication", seed 000) and their password. */
export function AccountPage({ viewer, user, authenticators, notice }: AccountPageProps) {
  const fullName = `${user.firstName} ${user.lastName}`.trim();
  return (
    <Layout title="Account" viewer={viewer} notice={notice}>
      <h1>Account</h1>
      <dl>
        <dt>Username</dt>
        <dd>{user.username}</dd>
        <dt>Email</dt>
        <dd>{user.email}</dd>
        {fullName && (
          <>
            <dt>Name</dt>
            <dd>{fullName}</dd>
          </>
        )}
      </dl>

      <section aria-labelledby="tfa-heading">
        <h2 id="tfa-heading">Two Factor Authentication</h2>
        {authenticators.length === 0 ? (
          <p>
            Two-factor authentication is <strong>off</strong>. Set up an authenticator app to protect your
            account with a 6-digit code as well as your password.
          </p>
        ) : (
          <>
            <p>
              Two-factor authentication is <strong>on</strong>. When you log in, type the 6-digit code from
              one of these devices right after your password, or in the extra field that appears.
            </p>
            <div class="table-scroll">
              <table>
                <caption class="muted">Your configured devices</caption>
                <thead>
                  <tr>
                    <th scope="col">Device name</th>
                    <th scope="col">Type</th>
                    <th scope="col">Added</th>
                    <th scope="col">Last used</th>
                    <th scope="col">
                      <span class="muted">Action</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {authenticators.map((device) => (
                    <tr key={device.id}>
                      <td>{device.name}</td>
                      <td>{kindLabel[device.kind]}</td>
                      <td>
                        <time dateTime={device.createdAt}>{formatTime(device.createdAt)}</time>
                      </td>
                      <td>
                        {device.lastUsedAt ? (
                          <time dateTime={device.lastUsedAt}>{formatTime(device.lastUsedAt)}</time>
                        ) : (
                          'never'
                        )}
                      </td>
                      <td>
                        {/* A GET to the confirmation page: removing happens only there, by POST. */}
                        <form
                          method="get"
                          action={`/account/authenticators/${encodeURIComponent(device.id)}/remove`}
                        >
                          <button type="submit" aria-label={`Remove ${device.name}`}>
                            Remove
                          </button>
                        </form>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        )}
        <form method="get" action="/account/otp/new">
          <button type="submit">Set up OTP</button>
        </form>
      </section>

      <section aria-labelledby="password-heading">
        <h2 id="password-heading">Password</h2>
        <p>Changing your password logs you out everywhere else.</p>
        <form method="get" action="/account/password">
          <button type="submit">Change password</button>
        </form>
      </section>
    </Layout>
  );
}
