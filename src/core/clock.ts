/** Where the current time comes from. Injected everywhere so tests can fix or move time exactly. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock that only moves when told to: for tests and for replaying a fixed instant. */
export class ManualClock implements Clock {
  constructor(private millis: number) {}
  now(): number {
    return this.millis;
  }
  set(millis: number): void {
    this.millis = millis;
  }
  advance(millis: number): void {
    this.millis += millis;
  }
}
