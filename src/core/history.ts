/**
 * Messages we sent, kept for retransmission (Heartbeat MAXMSGHIST = 500).
 */
import type { Message } from "../wire/message.ts";

export const MAXMSGHIST = 500;

export type HistoryLookup =
  | { kind: "found"; msg: Message }
  /** Older than what we keep: answer with NS_nak_rexmit. */
  | { kind: "too_old" }
  /** Never sent (seq above our last, or ≤ 0): ignore. */
  | { kind: "not_sent" };

/** The last MAXMSGHIST sequenced messages, by seq. */
export class SentHistory {
  private readonly bySeq = new Map<number, Message>();
  private last = 0;

  constructor(private readonly capacity = MAXMSGHIST) {}

  get lastSeq(): number {
    return this.last;
  }

  /** Records message `seq` (must be lastSeq + 1) and forgets the oldest beyond capacity. */
  put(seq: number, msg: Message): void {
    this.bySeq.set(seq, msg);
    this.last = seq;
    this.bySeq.delete(seq - this.capacity);
  }

  lookup(seq: number): HistoryLookup {
    if (seq <= 0 || seq > this.last) return { kind: "not_sent" };
    const msg = this.bySeq.get(seq);
    return msg ? { kind: "found", msg } : { kind: "too_old" };
  }
}
