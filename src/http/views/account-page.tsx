import type {
  ApiTokenSummary,
  AuthenticatorSummary,
  BackupCodeStatus,
  LinkedProvider,
  RecentServiceSignIn,
} from '../../core/index.js';
import { GenerateBackupCodesForm } from './backup-codes-page.js';
import { formatTime } from './format.js';
import { CsrfField, Layout, type Viewer } from './layout.js';
import { RecentSignIns } from './service-settings-page.js';

export interface AccountPageProps {
  readonly viewer: Viewer;
  readonly user: {
    readonly username: string;
    readonly email: string;
    readonly firstName: string;
    readonly lastName: string;
  };
  readonly authenticators: readonly AuthenticatorSummary[];
  readonly backupCodes: BackupCodeStatus;
  readonly apiTokens: readonly ApiTokenSummary[];
  readonly recentSignIns?: readonly RecentServiceSignIn[];
  /** External identity providers: those linked to this account, and those that could be. */
  readonly linkedProviders?: readonly LinkedProvider[];
  readonly linkableProviders?: readonly { readonly slug: string; readonly name: string }[];
  readonly notice?: string | null | undefined;
  readonly error?: string | null | undefined;
}

const kindLabel = { totp: 'TOTP', webauthn: 'Security key' } as const;

/** The user, their devices ("Two Factor Authentication", seed 000) and their password. */
export function AccountPage({
  viewer,
  user,
  authenticators,
  backupCodes,
  apiTokens,
  recentSignIns = [],
  linkedProviders = [],
  linkableProviders = [],
  notice,
  error,
}: AccountPageProps) {
  const fullName = `${user.firstName} ${user.lastName}`.trim();
  return (
    <Layout title="Account" viewer={viewer} notice={notice} error={error}>
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
                      <td>
                        {kindLabel[device.kind]}
                        {device.backedUp ? (
                          <span class="badge">synced passkey</span>
                        ) : device.backupEligible ? (
                          <span class="badge">can be synced</span>
                        ) : null}
                      </td>
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
        <div class="actions">
          <form method="get" action="/account/otp/new">
            <button type="submit">Set up OTP</button>
          </form>
          <form method="get" action="/account/security-keys/new">
            <button type="submit">Set up a security key</button>
          </form>
        </div>
        <p class="muted">
          Set up more than one method (for example an app and a security key), so losing one device does not
          lock you out.
        </p>
      </section>

      {authenticators.length > 0 && <BackupCodesSection status={backupCodes} csrfToken={viewer.csrfToken} />}

      <ApiTokensSection tokens={apiTokens} csrfToken={viewer.csrfToken} />

      <section aria-labelledby="services-heading">
        <h2 id="services-heading">Services</h2>
        <p>
          Choose which services ask you for a second factor, and revoke a service's access, in{' '}
          <a href="/account/services">Service Settings</a>.
        </p>
        <RecentSignIns recent={recentSignIns} />
      </section>

      {(linkedProviders.length > 0 || linkableProviders.length > 0) && (
        <IdentityProvidersSection
          linked={linkedProviders}
          linkable={linkableProviders}
          csrfToken={viewer.csrfToken}
        />
      )}

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

function IdentityProvidersSection({
  linked,
  linkable,
  csrfToken,
}: {
  linked: readonly LinkedProvider[];
  linkable: readonly { readonly slug: string; readonly name: string }[];
  csrfToken: string;
}) {
  return (
    <section aria-labelledby="providers-heading">
      <h2 id="providers-heading">Identity providers</h2>
      {linked.length === 0 ? (
        <p>No identity provider is linked to your account.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Provider</th>
              <th scope="col">Account there</th>
              <th scope="col">Linked</th>
              <th scope="col">Last used</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {linked.map((link) => (
              <tr key={link.providerId}>
                <td>{link.name}</td>
                <td>{link.email ?? ''}</td>
                <td>{formatTime(link.linkedAt)}</td>
                <td>{link.lastUsedAt === null ? 'never' : formatTime(link.lastUsedAt)}</td>
                <td>
                  <form
                    method="post"
                    action={`/account/identity-providers/${encodeURIComponent(link.providerId)}/unlink`}
                  >
                    <CsrfField token={csrfToken} />
                    <button type="submit" class="secondary" aria-label={`Unlink ${link.name}`}>
                      Unlink
                    </button>
                  </form>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {linkable.map((provider) => (
        <form key={provider.slug} method="post" action={`/account/identity-providers/${provider.slug}/link`}>
          <CsrfField token={csrfToken} />
          <button type="submit">Link {provider.name}</button>
        </form>
      ))}
    </section>
  );
}

function BackupCodesSection({ status, csrfToken }: { status: BackupCodeStatus; csrfToken: string }) {
  return (
    <section aria-labelledby="backup-heading">
      <h2 id="backup-heading">Backup codes</h2>
      {status.total > 0 && !status.confirmed && (
        <p class="warning" role="status">
          You have not confirmed that you saved your backup codes.{' '}
          <a href="/account/backup-codes">Save them now</a>, or generate a new set.
        </p>
      )}
      {status.total === 0 ? (
        <p>You have no backup codes. Without them, losing your device can lock you out.</p>
      ) : (
        <p>
          <strong>{status.remaining}</strong> of {status.total} backup codes remain
          {status.createdAt ? ` (made ${formatTime(status.createdAt)})` : ''}. Each works once in place of a
          one-time code.
        </p>
      )}
      {status.total > 0 && status.remaining <= 2 && (
        <p class="warning" role="alert">
          {status.remaining === 0
            ? 'No backup codes are left.'
            : `Only ${status.remaining} backup codes are left.`}{' '}
          Generate a new set.
        </p>
      )}
      <GenerateBackupCodesForm csrfToken={csrfToken} />
    </section>
  );
}

function ApiTokensSection({ tokens, csrfToken }: { tokens: readonly ApiTokenSummary[]; csrfToken: string }) {
  return (
    <section aria-labelledby="tokens-heading">
      <h2 id="tokens-heading">API tokens</h2>
      <p>
        Personal tokens let scripts use the API without a one-time code. They can never create tokens, change
        your devices or your password.
      </p>
      {tokens.length > 0 && (
        <div class="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Created</th>
                <th scope="col">Last used</th>
                <th scope="col">Expires</th>
                <th scope="col">
                  <span class="muted">Action</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {tokens.map((token) => (
                <tr key={token.id}>
                  <td>{token.name}</td>
                  <td>{formatTime(token.createdAt)}</td>
                  <td>{token.lastUsedAt ? formatTime(token.lastUsedAt) : 'never'}</td>
                  <td>{token.expiresAt ? formatTime(token.expiresAt) : 'never'}</td>
                  <td>
                    <form method="post" action={`/account/api-tokens/${encodeURIComponent(token.id)}/revoke`}>
                      <CsrfField token={csrfToken} />
                      <button type="submit" aria-label={`Revoke ${token.name}`}>
                        Revoke
                      </button>
                    </form>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <form method="post" action="/account/api-tokens">
        <CsrfField token={csrfToken} />
        <label for="token-name">Token name</label>
        <input id="token-name" name="name" required maxLength={64} placeholder="backup script" />
        <label for="token-days">Expires in (days)</label>
        <input id="token-days" name="expiresInDays" type="number" min={1} max={3650} value="90" />
        <button type="submit">Create API token</button>
      </form>
    </section>
  );
}

export interface ApiTokenCreatedPageProps {
  readonly viewer: Viewer;
  readonly name: string;
  readonly token: string;
}

/** The new token, shown this once (only its hash is kept). */
export function ApiTokenCreatedPage({ viewer, name, token }: ApiTokenCreatedPageProps) {
  return (
    <Layout title="API token created" viewer={viewer}>
      <h1>API token created</h1>
      <p>
        Copy the token for <strong>{name}</strong> now: it is shown only once. Send it as{' '}
        <code>Authorization: Bearer &lt;token&gt;</code>.
      </p>
      <p class="token">
        <code>{token}</code>
      </p>
      <p>
        <a href="/account">Back to your account</a>
      </p>
    </Layout>
  );
}
