/** RFC 5080 §2.2.2: a client retransmits the same request for a while; 30 s covers its retries. */
export const DUPLICATE_WINDOW_MS = 30_000;
/** Enough for a busy site's retransmissions; beyond it the oldest answers are forgotten first. */
const MAX_ENTRIES = 10_000;

/**
 * The answers to recent requests, by source address and port, identifier and request
 * authenticator (RFC 5080 §2.2.2). A retransmission gets the first request's answer — the same
 * promise while it is still being worked out — so a code is never checked twice and a retry
 * never turns an Accept into a Reject for a code already used.
 */
export class DuplicateCache<T> {
  private readonly entries = new Map<string, { readonly answer: Promise<T>; readonly at: number }>();

  constructor(
    private readonly now: () => number,
    private readonly windowMs = DUPLICATE_WINDOW_MS,
    private readonly maxEntries = MAX_ENTRIES,
  ) {}

  static keyOf(address: string, port: number, identifier: number, authenticator: Buffer): string {
    return `${address}|${port}|${identifier}|${authenticator.toString('hex')}`;
  }

  /** The answer to an earlier copy of this request, while it is recent. */
  get(key: string): Promise<T> | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (this.now() - entry.at < this.windowMs) return entry.answer;
    this.entries.delete(key);
    return undefined;
  }

  set(key: string, answer: Promise<T>): void {
    this.sweep();
    this.entries.set(key, { answer, at: this.now() });
  }

  /** Forgets a request that got no answer (an error): its retransmission is tried afresh. */
  delete(key: string): void {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }

  /** Entries are in insertion order, so the expired ones and the oldest are at the front. */
  private sweep(): void {
    const now = this.now();
    for (const [key, entry] of this.entries) {
      if (now - entry.at < this.windowMs && this.entries.size < this.maxEntries) break;
      this.entries.delete(key);
    }
  }
}
