/**
 * Retransmission requests we owe (hb_rexmit.c): one timer per (sender, missing seq).
 * The first request goes out after a random delay so that several receivers missing the
 * same message do not all ask at once; then every max_rexmit_delay until the hole is
 * filled, NAKed, or `maxAttempts` requests went unanswered.
 */

/** Requests per hole before giving up: 20 × 250 ms = 5 s, a default deadtime. */
export const MAX_REXMIT_ATTEMPTS = 20;

interface Pending {
  node: string;
  seq: number;
  nextAt: number;
  attempts: number;
}

export type RexmitDue =
  | { kind: "request"; node: string; seq: number }
  | { kind: "give_up"; node: string; seq: number };

/** Timers for outstanding retransmission requests. */
export class RexmitScheduler {
  private readonly pending = new Map<string, Pending>();
  /** A lower bound on the earliest nextAt: due() is O(1) until then (one step per packet). */
  private bound = Infinity;

  constructor(
    private readonly intervalMs: number,
    private readonly maxAttempts = MAX_REXMIT_ATTEMPTS,
  ) {}

  get size(): number {
    return this.pending.size;
  }

  /** Schedules the first request for `seq` from `node` at `at`. */
  add(node: string, seq: number, at: number): void {
    const key = `${node}\0${seq}`;
    if (!this.pending.has(key)) {
      this.pending.set(key, { node, seq, nextAt: at, attempts: 0 });
      if (at < this.bound) this.bound = at;
    }
  }

  remove(node: string, seq: number): void {
    this.pending.delete(`${node}\0${seq}`);
  }

  removeNode(node: string): void {
    for (const [k, p] of this.pending) if (p.node === node) this.pending.delete(k);
  }

  /** Requests to send and holes to give up at `now`, in (node, seq) order. */
  due(now: number): RexmitDue[] {
    if (now < this.bound) return [];
    const out: RexmitDue[] = [];
    for (const [k, p] of this.pending) {
      if (p.nextAt > now) continue;
      if (p.attempts >= this.maxAttempts) {
        this.pending.delete(k);
        out.push({ kind: "give_up", node: p.node, seq: p.seq });
      } else {
        p.attempts++;
        p.nextAt = now + this.intervalMs;
        out.push({ kind: "request", node: p.node, seq: p.seq });
      }
    }
    this.bound = this.scanDeadline();
    return out.sort((a, b) => a.node < b.node ? -1 : a.node > b.node ? 1 : a.seq - b.seq);
  }

  /** Earliest time a request may be due (never later than the truth), or Infinity. */
  nextDeadline(): number {
    return this.bound;
  }

  private scanDeadline(): number {
    let t = Infinity;
    for (const p of this.pending.values()) if (p.nextAt < t) t = p.nextAt;
    return t;
  }
}
