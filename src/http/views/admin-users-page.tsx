import type { UserListPage } from '../../core/index.js';
import { AdminNav, yesNo } from './admin-nav.js';
import { formatTime } from './format.js';
import { Layout, type Viewer } from './layout.js';

export interface AdminUsersPageProps {
  readonly viewer: Viewer;
  readonly list: UserListPage;
  readonly search: string;
  readonly notice?: string | null | undefined;
}

const pageUrl = (search: string, page: number) => {
  const params = new URLSearchParams();
  if (search) params.set('q', search);
  if (page > 1) params.set('page', String(page));
  const query = params.toString();
  return query ? `/admin/users?${query}` : '/admin/users';
};

/** /admin/users: search, a page of users, "Add User". */
export function AdminUsersPage({ viewer, list, search, notice }: AdminUsersPageProps) {
  const pages = Math.max(1, Math.ceil(list.total / list.perPage));
  return (
    <Layout title="Users" viewer={viewer} notice={notice}>
      <AdminNav current="users" />
      <h1>Users</h1>
      <form method="get" action="/admin/users">
        <label for="q">Search by user name, e-mail or name</label>
        <input id="q" name="q" type="search" value={search} />
        <button type="submit">Search</button>
      </form>
      <form method="get" action="/admin/users/new">
        <button type="submit">Add User</button>
      </form>
      {list.users.length === 0 ? (
        <p>No users{search ? ` match "${search}"` : ''}.</p>
      ) : (
        <div class="table-scroll">
          <table>
            <caption class="muted">
              {list.total} user{list.total === 1 ? '' : 's'}
              {search ? ` matching "${search}"` : ''}, page {list.page} of {pages}
            </caption>
            <thead>
              <tr>
                <th scope="col">User name</th>
                <th scope="col">Name</th>
                <th scope="col">E-mail</th>
                <th scope="col">Administrator</th>
                <th scope="col">OTP Configured</th>
                <th scope="col">MFA active</th>
                <th scope="col">State</th>
                <th scope="col">Last login</th>
              </tr>
            </thead>
            <tbody>
              {list.users.map((user) => (
                <tr key={user.id}>
                  <td>
                    <a href={`/admin/users/${encodeURIComponent(user.id)}`}>{user.username}</a>
                  </td>
                  <td>{`${user.firstName} ${user.lastName}`.trim()}</td>
                  <td>{user.email}</td>
                  <td>{yesNo(user.isAdmin)}</td>
                  <td>{yesNo(user.otpRequired)}</td>
                  <td>{yesNo(user.mfaActive)}</td>
                  <td>{user.disabled ? 'disabled' : user.hasPassword ? 'active' : 'invited'}</td>
                  <td>{formatTime(user.lastLoginAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {pages > 1 && (
        <nav aria-label="Pages">
          <ul>
            {list.page > 1 && (
              <li>
                <a href={pageUrl(search, list.page - 1)} rel="prev">
                  Previous page
                </a>
              </li>
            )}
            {list.page < pages && (
              <li>
                <a href={pageUrl(search, list.page + 1)} rel="next">
                  Next page
                </a>
              </li>
            )}
          </ul>
        </nav>
      )}
    </Layout>
  );
}
