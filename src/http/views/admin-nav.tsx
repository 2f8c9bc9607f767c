/** The parts of the administration, each a link in its menu. */
export type AdminSection = 'users' | 'services' | 'identity-providers' | 'audit';

/** The administration's own menu, under the page header: users, services, identity providers and the audit log. */
export function AdminNav({ current }: { current: AdminSection }) {
  return (
    <nav aria-label="Administration">
      <ul>
        <li>
          <strong>Administration</strong>
        </li>
      </ul>
      <ul>
        <li>
          <a href="/admin/users" aria-current={current === 'users' ? 'page' : undefined}>
            Users
          </a>
        </li>
        <li>
          <a href="/admin/services" aria-current={current === 'services' ? 'page' : undefined}>
            Services
          </a>
        </li>
        <li>
          <a
            href="/admin/identity-providers"
            aria-current={current === 'identity-providers' ? 'page' : undefined}
          >
            Identity providers
          </a>
        </li>
        <li>
          <a href="/admin/audit" aria-current={current === 'audit' ? 'page' : undefined}>
            Audit log
          </a>
        </li>
      </ul>
    </nav>
  );
}

/** "yes"/"no" for a table cell or a definition. */
export const yesNo = (value: boolean): string => (value ? 'yes' : 'no');
