/**
 * Per-sender receive window (protocol.md §3): the highest sequence number accepted, the
 * holes below it, and messages held back so clients see each sender's messages in order.
 */
import type { Message } from "../wire/message.ts";

/** Gap above which tracking restarts instead of recording holes (Heartbeat SEQGAP). */
export const SEQGAP = 500;
/** Most holes remembered per sender (Heartbeat MAXMISSING). */
export const MAXMISSING = 500;
/** Most messages held back behind a hole; beyond it the oldest hole is given up. */
export const MAXHELD = 1000;

export type SeqVerdict =
  /** First message of this sender (or of its generation): accepted, tracking starts here. */
  | { kind: "first" }
  | { kind: "in_order" }
  /** Accepted; `missing` are the new holes just below it. */
  | { kind: "gap"; missing: number[] }
  /** Gap larger than SEQGAP: tracking restarted at this seq; `abandoned` holes dropped. */
  | { kind: "reset"; abandoned: number[] }
  /** A retransmission filled a hole. */
  | { kind: "fill" }
  | { kind: "duplicate" };

export interface SeqResult {
  verdict: SeqVerdict;
  /** Messages now releasable to clients, in sequence order. */
  released: Message[];
  /** Holes given up to keep the hold queue bounded. */
  overflowLost: number[];
}

/** The receive window of one sender generation. */
export class SeqTrack {
  private started = false;
  private last = 0;
  private readonly missing = new Set<number>();
  private nextRelease = 0;
  /** Accepted seqs not yet released; null = accepted but not for local clients. */
  private readonly held = new Map<number, Message | null>();

  /** Highest sequence number accepted so far (0 before the first). */
  get lastSeq(): number {
    return this.last;
  }

  /** True while a hole below lastSeq is still waiting for a retransmission. */
  hasHoles(): boolean {
    return this.missing.size > 0;
  }

  /** Highest seq below which nothing is missing (what an ack may claim); 0 before the first. */
  contiguousTo(): number {
    if (this.missing.size === 0) return this.last;
    let low = Infinity;
    for (const s of this.missing) if (s < low) low = s;
    return low - 1;
  }

  isMissing(seq: number): boolean {
    return this.missing.has(seq);
  }

  /** Holes in increasing order. */
  holes(): number[] {
    return [...this.missing].sort((a, b) => a - b);
  }

  /**
   * Classifies `seq` and, when accepted, queues `payload` (null when it is not for local
   * clients) for in-order release.
   */
  accept(seq: number, payload: Message | null): SeqResult {
    let verdict: SeqVerdict;
    if (!this.started) {
      this.started = true;
      this.last = seq;
      this.nextRelease = seq;
      verdict = { kind: "first" };
    } else if (seq === this.last + 1) {
      this.last = seq;
      verdict = { kind: "in_order" };
    } else if (seq > this.last + 1) {
      if (seq - this.last - 1 > SEQGAP) {
        const abandoned = this.holes();
        this.missing.clear();
        const released = this.drainAll();
        this.last = seq;
        this.nextRelease = seq;
        this.held.set(seq, payload);
        return {
          verdict: { kind: "reset", abandoned },
          released: [...released, ...this.flush()],
          overflowLost: [],
        };
      }
      const missing: number[] = [];
      for (let s = this.last + 1; s < seq; s++) {
        this.missing.add(s);
        missing.push(s);
      }
      this.last = seq;
      verdict = { kind: "gap", missing };
    } else if (this.missing.has(seq)) {
      this.missing.delete(seq);
      verdict = { kind: "fill" };
    } else {
      return { verdict: { kind: "duplicate" }, released: [], overflowLost: [] };
    }
    this.held.set(seq, payload);
    const overflowLost: number[] = [];
    // Keep memory bounded: the oldest holes go first (they are the least likely to come).
    while (this.missing.size > MAXMISSING || (this.held.size > MAXHELD && this.missing.size > 0)) {
      const oldest = this.holes()[0];
      this.missing.delete(oldest);
      overflowLost.push(oldest);
      if (verdict.kind === "gap") {
        verdict = { kind: "gap", missing: verdict.missing.filter((s) => s !== oldest) };
      }
    }
    return { verdict, released: this.flush(), overflowLost };
  }

  /** Gives up on a hole (NAKed or too many attempts); returns messages now releasable. */
  giveUp(seq: number): Message[] {
    if (!this.missing.delete(seq)) return [];
    return this.flush();
  }

  private flush(): Message[] {
    const out: Message[] = [];
    while (this.nextRelease <= this.last && !this.missing.has(this.nextRelease)) {
      const m = this.held.get(this.nextRelease);
      this.held.delete(this.nextRelease);
      if (m) out.push(m);
      this.nextRelease++;
    }
    return out;
  }

  private drainAll(): Message[] {
    const seqs = [...this.held.keys()].sort((a, b) => a - b);
    const out: Message[] = [];
    for (const s of seqs) {
      const m = this.held.get(s);
      if (m) out.push(m);
    }
    this.held.clear();
    return out;
  }
}
