import { createRequire } from 'node:module';
import type * as PromClient from 'prom-client';
import {
  AUTHENTICATOR_KINDS,
  type AuditEventType,
  type AuthenticatorKind,
  LOGIN_FAILURE_REASONS,
  type LoginFailureReason,
  MAIL_RESULTS,
  type MailResult,
  type Metrics,
  SECOND_FACTOR_KINDS,
  SECOND_FACTOR_RESULTS,
  type SecondFactorKind,
  type SecondFactorResult,
  SIGN_IN_PATHS,
  SIGN_IN_RESULTS,
  type SignInPath,
  type SignInResult,
  THROTTLE_POLICIES,
  THROTTLE_STATES,
  type ThrottlePolicy,
  type ThrottleState,
} from '../core/index.js';
import type { RequestObserver } from '../http/request-telemetry.js';
import { DROP_REASONS, type RadiusCounters } from '../radius/counters.js';
import { type DatabaseObserver, QUERY_OPERATIONS, type QueryOperation } from '../store/index.js';

/** Loaded here, on first use: a server without TWOFOLD_METRICS_PORT never loads prom-client. */
const prom = createRequire(import.meta.url)('prom-client') as typeof PromClient;

type Child = { inc(value?: number): void };
type Observer = { observe(value: number): void };

/** One child per label value, bound once: counting is then a call, not a lookup of labels. */
function children<K extends string, C>(keys: readonly K[], make: (key: K) => C): Record<K, C> {
  const result = {} as Record<K, C>;
  for (const key of keys) result[key] = make(key);
  return result;
}

const THROTTLE_POLICY_LABEL: Record<ThrottlePolicy, string> = {
  secondFactor: 'second_factor',
  backupCode: 'backup_code',
  passwordAccount: 'password_account',
  passwordAddress: 'password_address',
};

/** Seconds, from a cached statement (tens of µs) to a slow disk. */
const QUERY_BUCKETS = [
  0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1,
];
/** Seconds: a login's argon2id is ~20–50 ms of it. */
const REQUEST_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const FSYNC_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512];

/**
 * The Prometheus side of Twofold's metrics (prom-client): what the core counts (`Metrics`), what
 * the database reports (`DatabaseObserver`), each request's duration by route, and Node's own
 * process metrics. Every label value comes from a closed set in the code — paths, results,
 * kinds, policies, audit event types, route patterns, methods, statuses — never from a user name,
 * an address, a code or an id. Series of the closed sets start at zero, so `increase()` sees the
 * first event too.
 */
export class PrometheusMetrics implements Metrics, DatabaseObserver {
  readonly registry: PromClient.Registry;
  readonly #signIns: Record<SignInPath, Record<SignInResult, Child>>;
  readonly #secondFactorChecks: Record<SecondFactorKind, Record<SecondFactorResult, Child>>;
  readonly #replays: Record<SecondFactorKind, Child>;
  readonly #throttleRefusals: Record<ThrottlePolicy, Record<ThrottleState, Child>>;
  readonly #loginFailures: Record<LoginFailureReason, Child>;
  readonly #locks: PromClient.Counter;
  readonly #authenticators: Record<'added' | 'removed', Record<AuthenticatorKind, Child>>;
  readonly #auditEvents: PromClient.Counter<'type'>;
  readonly #mail: Record<MailResult, Child>;
  readonly #requests: PromClient.Histogram<'route' | 'method' | 'status'>;
  readonly #queries: Record<QueryOperation, Observer>;
  readonly #batchSize: PromClient.Histogram;
  readonly #fsync: PromClient.Histogram;

  /** Records one request: the `observeRequest` of `buildApp`. */
  readonly observeRequest: RequestObserver;

  constructor() {
    const registry = new prom.Registry();
    this.registry = registry;
    prom.collectDefaultMetrics({ register: registry });
    const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]) =>
      new prom.Counter<L>({ name, help, labelNames, registers: [registry] });
    const histogram = <L extends string>(
      name: string,
      help: string,
      labelNames: readonly L[],
      buckets: number[],
    ) => new prom.Histogram<L>({ name, help, labelNames, buckets, registers: [registry] });
    const zeroed = (metric: PromClient.Counter<string>, labels: Record<string, string>): Child => {
      const child = metric.labels(labels);
      child.inc(0);
      return child;
    };

    const signIns = counter(
      'twofold_sign_ins_total',
      'Sign-in attempts (each submitted login form or call) by path and result.',
      ['path', 'result'],
    );
    this.#signIns = children(SIGN_IN_PATHS, (path) =>
      children(SIGN_IN_RESULTS, (result) => zeroed(signIns, { path, result })),
    );
    const checks = counter(
      'twofold_second_factor_checks_total',
      'One-time codes, backup codes and security-key answers checked, by kind and result.',
      ['kind', 'result'],
    );
    this.#secondFactorChecks = children(SECOND_FACTOR_KINDS, (kind) =>
      children(SECOND_FACTOR_RESULTS, (result) => zeroed(checks, { kind, result })),
    );
    const replays = counter(
      'twofold_replays_refused_total',
      'Second factors refused as replays: a TOTP step already used, a security key whose counter went back.',
      ['kind'],
    );
    this.#replays = children(SECOND_FACTOR_KINDS, (kind) => zeroed(replays, { kind }));
    const refusals = counter(
      'twofold_throttle_refusals_total',
      'Attempts refused unchecked by the throttle: wait (429) or locked (423), by policy.',
      ['policy', 'state'],
    );
    this.#throttleRefusals = children(Object.keys(THROTTLE_POLICIES) as ThrottlePolicy[], (policy) =>
      children(THROTTLE_STATES, (state) =>
        zeroed(refusals, { policy: THROTTLE_POLICY_LABEL[policy], state }),
      ),
    );
    const failures = counter(
      'twofold_login_failures_total',
      'Failed logins by the reason the audit log gives, on every path.',
      ['reason'],
    );
    this.#loginFailures = children(LOGIN_FAILURE_REASONS, (reason) => zeroed(failures, { reason }));
    this.#locks = counter(
      'twofold_second_factor_locks_total',
      "Users' second factors locked after too many failures.",
      [],
    );
    this.#locks.inc(0);
    const authenticators = counter(
      'twofold_authenticator_changes_total',
      'Authenticators enrolled (added) and removed by their owner, by kind.',
      ['change', 'kind'],
    );
    this.#authenticators = children(['added', 'removed'] as const, (change) =>
      children(AUTHENTICATOR_KINDS, (kind) => zeroed(authenticators, { change, kind })),
    );
    this.#auditEvents = counter(
      'twofold_audit_events_total',
      'Audit events recorded by this process, by type (mfa.reset, second_factor.unlocked, …).',
      ['type'],
    );
    const mail = counter('twofold_emails_total', 'E-mails handed to the transport, or refused by it.', [
      'result',
    ]);
    this.#mail = children(MAIL_RESULTS, (result) => zeroed(mail, { result }));

    this.#requests = histogram(
      'twofold_http_request_duration_seconds',
      'HTTP requests by route pattern, method and status, from arrival to the end of the answer.',
      ['route', 'method', 'status'],
      REQUEST_BUCKETS,
    );
    const queries = histogram(
      'twofold_db_query_duration_seconds',
      'Database statements by operation (SQLite: the statement alone, without its wait for the batch).',
      ['operation'],
      QUERY_BUCKETS,
    );
    this.#queries = children(QUERY_OPERATIONS, (operation) => queries.labels({ operation }));
    this.#batchSize = histogram(
      'twofold_sqlite_batch_writes',
      'SQLite group commit: writes and units committed together in one transaction.',
      [],
      BATCH_BUCKETS,
    );
    this.#fsync = histogram(
      'twofold_sqlite_fsync_duration_seconds',
      'SQLite: time of each fsync of the WAL, which every answer after a write waits for.',
      [],
      FSYNC_BUCKETS,
    );

    const requests = this.#requests;
    this.observeRequest = (route, method, status, seconds) => {
      requests.observe({ route, method, status }, seconds);
    };
  }

  /**
   * The RADIUS server's own counts, read at each scrape: answers by code, retransmissions answered
   * from the duplicate cache, and datagrams dropped unanswered by reason (a wrong shared secret, an
   * unknown address, no Message-Authenticator).
   */
  watchRadius(counts: RadiusCounters): void {
    const registers = [this.registry];
    new prom.Counter({
      name: 'twofold_radius_answers_total',
      help: 'RADIUS Access-Requests answered, by answer (accept, reject, challenge, duplicate: a retransmission answered again).',
      labelNames: ['answer'],
      registers,
      collect() {
        this.reset();
        this.inc({ answer: 'accept' }, counts.accepted);
        this.inc({ answer: 'reject' }, counts.rejected);
        this.inc({ answer: 'challenge' }, counts.challenged);
        this.inc({ answer: 'duplicate' }, counts.duplicates);
      },
    });
    new prom.Counter({
      name: 'twofold_radius_dropped_total',
      help: 'RADIUS datagrams dropped without an answer, by reason.',
      labelNames: ['reason'],
      registers,
      collect() {
        this.reset();
        for (const reason of DROP_REASONS) this.inc({ reason }, counts.dropped[reason]);
      },
    });
  }

  /** The exposition: Prometheus's text format. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  signIn(path: SignInPath, result: SignInResult): void {
    this.#signIns[path][result].inc();
  }

  secondFactorCheck(kind: SecondFactorKind, result: SecondFactorResult): void {
    this.#secondFactorChecks[kind][result].inc();
    if (result === 'replayed') this.#replays[kind].inc();
  }

  throttleRefusal(policy: ThrottlePolicy, state: ThrottleState): void {
    this.#throttleRefusals[policy][state].inc();
  }

  loginFailure(reason: LoginFailureReason): void {
    this.#loginFailures[reason].inc();
  }

  secondFactorLocked(): void {
    this.#locks.inc();
  }

  authenticatorChanged(kind: AuthenticatorKind, change: 'added' | 'removed'): void {
    this.#authenticators[change][kind].inc();
  }

  auditEvent(type: AuditEventType): void {
    this.#auditEvents.inc({ type });
  }

  mail(result: MailResult): void {
    this.#mail[result].inc();
  }

  query(operation: QueryOperation, seconds: number): void {
    this.#queries[operation].observe(seconds);
  }

  sqliteBatch(writes: number): void {
    this.#batchSize.observe(writes);
  }

  sqliteFsync(seconds: number): void {
    this.#fsync.observe(seconds);
  }
}
