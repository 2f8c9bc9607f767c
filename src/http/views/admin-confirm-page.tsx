import { AdminNav, type AdminSection } from './admin-nav.js';
import { CsrfField, Layout, type Viewer } from './layout.js';

export interface AdminConfirmPageProps {
  readonly viewer: Viewer;
  readonly title: string;
  /** Where the confirmed form posts. */
  readonly action: string;
  readonly confirmLabel: string;
  readonly cancelHref: string;
  /** Fields carried along unchanged (an edit waiting for this confirmation). */
  readonly fields?: Readonly<Record<string, string>>;
  /** What will happen, in plain words. */
  readonly explanation: string;
  readonly section?: Exclude<AdminSection, 'audit'>;
}

/** "Are you sure?" before an administrator's action that cannot be undone. */
export function AdminConfirmPage({
  viewer,
  title,
  action,
  confirmLabel,
  cancelHref,
  fields = {},
  explanation,
  section = 'users',
}: AdminConfirmPageProps) {
  return (
    <Layout title={title} viewer={viewer}>
      <AdminNav current={section} />
      <h1>{title}</h1>
      <p>{explanation}</p>
      <div class="actions">
        <form method="post" action={action}>
          <CsrfField token={viewer.csrfToken} />
          {Object.entries(fields).map(([name, value]) => (
            <input key={name} type="hidden" name={name} value={value} />
          ))}
          <button type="submit">{confirmLabel}</button>
        </form>
        <a href={cancelHref}>Cancel</a>
      </div>
    </Layout>
  );
}
