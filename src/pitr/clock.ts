/**
 * Strata's clock: microseconds since the epoch, never going backwards and never repeating, whatever
 * the wall clock does. An offset lets tests and demos move time forward (time travel) without waiting.
 */
export class Clock {
  private last: number;
  private offsetMicros = 0;

  constructor(lastCommitted = 0) {
    this.last = lastCommitted;
  }

  /** Current time in microseconds (may equal an earlier reading; use commitTs for writes). */
  nowMicros(): number {
    return Math.max(Date.now() * 1000 + this.offsetMicros, this.last);
  }

  nowMillis(): number {
    return Math.floor(this.nowMicros() / 1000);
  }

  /** A commit timestamp strictly greater than every one handed out before. */
  commitTs(): number {
    const t = Math.max(Date.now() * 1000 + this.offsetMicros, this.last + 1);
    this.last = t;
    return t;
  }

  /** Moves the clock forward by the given number of seconds (never backwards). */
  advance(seconds: number): void {
    if (seconds < 0) throw new Error('the clock only moves forward');
    this.offsetMicros += Math.round(seconds * 1_000_000);
  }

  offsetSeconds(): number {
    return this.offsetMicros / 1_000_000;
  }

  /** Restores a persisted offset so time travel survives a restart. */
  setOffsetSeconds(seconds: number): void {
    this.offsetMicros = Math.round(seconds * 1_000_000);
  }

  observe(committed: number): void {
    if (committed > this.last) this.last = committed;
  }

  /**
   * A safe point in time to report or read "as of": the current time rounded up to a whole millisecond
   * (the wire carries milliseconds), with the clock fenced there so every later commit is strictly
   * newer. Whatever a client is told "now" is, a read as of it never changes afterwards.
   */
  fencedNowMicros(): number {
    const t = Math.ceil(this.nowMicros() / 1000) * 1000;
    this.observe(t);
    return t;
  }
}
