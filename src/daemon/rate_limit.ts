/**
 * Rate-limits repeated diagnostics per key: the first event of a window is let through
 * (returns 1), later ones in the same window are counted silently (return 0), and the first
 * event after the window returns how many happened since the last report (so the log line
 * can say "N such packets"). Real Heartbeat logs a full dump per bad packet, unlimited.
 */
export class RateLimiter {
  readonly #windowMs: number;
  readonly #state = new Map<string, { reportedAt: number; count: number }>();

  constructor(windowMs: number) {
    this.#windowMs = windowMs;
  }

  /** Records one event at `now`; returns the count to report, or 0 to stay silent. */
  hit(key: string, now: number): number {
    const s = this.#state.get(key);
    if (s === undefined) {
      if (this.#state.size >= 1024) this.#state.clear(); // bounded memory under address spray
      this.#state.set(key, { reportedAt: now, count: 0 });
      return 1;
    }
    s.count++;
    if (now - s.reportedAt < this.#windowMs) return 0;
    const n = s.count;
    s.count = 0;
    s.reportedAt = now;
    return n;
  }
}
