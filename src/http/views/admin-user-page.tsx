import type { UserProfile } from '../../core/index.js';
import { AdminNav, yesNo } from './admin-nav.js';
import { formatTime } from './format.js';
import { CsrfField, Layout, type Viewer } from './layout.js';

export interface AdminUserPageProps {
  readonly viewer: Viewer;
  readonly profile: UserProfile;
  readonly notice?: string | null | undefined;
}

const kindLabel = { totp: 'TOTP', webauthn: 'Security key' } as const;

function mfaRequirement(profile: UserProfile): string {
  if (profile.otpRequired) return 'yes (OTP Configured)';
  if (profile.isAdmin) return 'yes (administrator)';
  return 'no';
}

function secondFactorState(profile: UserProfile): string {
  const { secondFactor } = profile;
  if (secondFactor.locked) return 'locked after too many wrong codes';
  if (secondFactor.blockedUntil) return `throttled until ${formatTime(secondFactor.blockedUntil)}`;
  if (secondFactor.failures > 0) return `${secondFactor.failures} wrong code(s) in a row`;
  return 'normal';
}

/**
 * A user as an administrator sees them: whether MFA is required and on, their devices (name,
 * type, added, last used — never a secret), backup codes left, last login, lock state, and the
 * actions of seed 003 and seed 002 (a lost only device: "Reset two-factor").
 */
export function AdminUserPage({ viewer, profile, notice }: AdminUserPageProps) {
  const base = `/admin/users/${encodeURIComponent(profile.id)}`;
  const fullName = `${profile.firstName} ${profile.lastName}`.trim();
  const mustEnroll = (profile.mfaRequired && !profile.mfaActive) || false;
  const throttled =
    profile.secondFactor.locked ||
    profile.secondFactor.blockedUntil !== null ||
    profile.secondFactor.failures > 0;
  return (
    <Layout title={profile.username} viewer={viewer} notice={notice}>
      <AdminNav current="users" />
      <h1>{profile.username}</h1>
      <dl>
        <dt>Name</dt>
        <dd>{fullName || '—'}</dd>
        <dt>E-mail</dt>
        <dd>{profile.email}</dd>
        <dt>Administrator</dt>
        <dd>{yesNo(profile.isAdmin)}</dd>
        <dt>OTP Configured</dt>
        <dd>{yesNo(profile.otpRequired)}</dd>
        <dt>MFA required</dt>
        <dd>{mfaRequirement(profile)}</dd>
        <dt>MFA active</dt>
        <dd>
          {profile.mfaActive ? 'yes' : 'no'}
          {mustEnroll && ' — sets up a mobile authenticator at the next login'}
        </dd>
        <dt>Backup codes</dt>
        <dd>
          {profile.backupCodes.total === 0
            ? 'none'
            : `${profile.backupCodes.remaining} of ${profile.backupCodes.total} remaining`}
        </dd>
        <dt>Password</dt>
        <dd>{profile.hasPassword ? 'set' : 'not set yet (password-setup e-mail pending)'}</dd>
        <dt>Account</dt>
        <dd>{profile.disabled ? 'disabled' : 'enabled'}</dd>
        <dt>Two-factor sign-in</dt>
        <dd>{secondFactorState(profile)}</dd>
        <dt>Created</dt>
        <dd>{formatTime(profile.createdAt)}</dd>
        <dt>Last login</dt>
        <dd>{formatTime(profile.lastLoginAt)}</dd>
      </dl>

      <section aria-labelledby="devices-heading">
        <h2 id="devices-heading">Authenticators</h2>
        {profile.authenticators.length === 0 ? (
          <p>No authenticators.</p>
        ) : (
          <div class="table-scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col">Device name</th>
                  <th scope="col">Type</th>
                  <th scope="col">Added</th>
                  <th scope="col">Last used</th>
                </tr>
              </thead>
              <tbody>
                {profile.authenticators.map((device) => (
                  <tr key={device.id}>
                    <td>{device.name}</td>
                    <td>{kindLabel[device.kind]}</td>
                    <td>{formatTime(device.createdAt)}</td>
                    <td>{formatTime(device.lastUsedAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <section aria-labelledby="actions-heading">
        <h2 id="actions-heading">Actions</h2>
        <div class="actions">
          <form method="get" action={`${base}/edit`}>
            <button type="submit">Edit User</button>
          </form>
          <form method="get" action={`${base}/reset-mfa`}>
            <button type="submit">Reset two-factor</button>
          </form>
          {throttled && (
            <form method="post" action={`${base}/unlock`}>
              <CsrfField token={viewer.csrfToken} />
              <button type="submit">Unlock</button>
            </form>
          )}
          <form method="post" action={`${base}/setup-email`}>
            <CsrfField token={viewer.csrfToken} />
            <button type="submit">Send password-setup e-mail</button>
          </form>
          {profile.disabled ? (
            <form method="post" action={`${base}/enable`}>
              <CsrfField token={viewer.csrfToken} />
              <button type="submit">Enable user</button>
            </form>
          ) : (
            <form method="get" action={`${base}/disable`}>
              <button type="submit">Disable user</button>
            </form>
          )}
          <form method="get" action={`${base}/remove`}>
            <button type="submit">Remove user</button>
          </form>
        </div>
        <p>
          <a href={`/admin/audit?${new URLSearchParams({ user: profile.username })}`}>
            Audit log of {profile.username}
          </a>
        </p>
      </section>
    </Layout>
  );
}
