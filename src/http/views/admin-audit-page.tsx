import { AdminNav } from './admin-nav.js';
import { formatTime } from './format.js';
import { Layout, type Viewer } from './layout.js';

/** One event as the page shows it: names instead of ids where the user still exists. */
export interface AdminAuditRow {
  readonly id: number;
  readonly at: string;
  readonly type: string;
  readonly user: string | null;
  readonly actor: string | null;
  readonly ip: string | null;
  readonly detail: Record<string, unknown>;
}

export interface AdminAuditPageProps {
  readonly viewer: Viewer;
  readonly events: readonly AdminAuditRow[];
  readonly eventTypes: readonly string[];
  readonly filter: { readonly user: string; readonly type: string };
  /** The link to the next (older) page, when there may be one. */
  readonly olderHref?: string | undefined;
  readonly error?: string | null | undefined;
}

const describeDetail = (detail: Record<string, unknown>): string =>
  Object.entries(detail)
    .map(([key, value]) => `${key}: ${String(value)}`)
    .join(', ');

/** The audit log, newest first, filtered by user and event type: who did what, to whom, when. */
export function AdminAuditPage({
  viewer,
  events,
  eventTypes,
  filter,
  olderHref,
  error,
}: AdminAuditPageProps) {
  return (
    <Layout title="Audit log" viewer={viewer} error={error}>
      <AdminNav current="audit" />
      <h1>Audit log</h1>
      <form method="get" action="/admin/audit">
        <label for="user">User (name or e-mail)</label>
        <input id="user" name="user" type="text" value={filter.user} autocomplete="off" />
        <label for="type">Event type</label>
        <select id="type" name="type">
          <option value="" selected={filter.type === ''}>
            All events
          </option>
          {eventTypes.map((type) => (
            <option key={type} value={type} selected={filter.type === type}>
              {type}
            </option>
          ))}
        </select>
        <button type="submit">Filter</button>
      </form>
      {events.length === 0 ? (
        <p>No events.</p>
      ) : (
        <div class="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Event</th>
                <th scope="col">User</th>
                <th scope="col">By</th>
                <th scope="col">Address</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              {events.map((event) => (
                <tr key={event.id}>
                  <td>
                    <time dateTime={event.at}>{formatTime(event.at)}</time>
                  </td>
                  <td>{event.type}</td>
                  <td>{event.user ?? '—'}</td>
                  <td>{event.actor ?? '—'}</td>
                  <td>{event.ip ?? '—'}</td>
                  <td>{describeDetail(event.detail)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {olderHref && (
        <p>
          <a href={olderHref} rel="next">
            Older events
          </a>
        </p>
      )}
    </Layout>
  );
}
