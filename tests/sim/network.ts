/**
 * A simulated multi-link network: per link loss, duplication, reordering (extra delay on
 * some packets), delay with jitter, and partitions that block one direction or both.
 * Messages travel as Message objects (the codec is tested elsewhere).
 */
import type { Message } from "../../src/wire/message.ts";
import { EventHeap } from "./heap.ts";
import type { Rng } from "./prng.ts";

export interface LinkFaults {
  /** Probability a copy is lost. */
  loss: number;
  /** Probability a copy is delivered twice. */
  dup: number;
  /** Probability a copy gets an extra delay of up to `reorderMs` (overtaken by later ones). */
  reorder: number;
  reorderMs: number;
  delayMs: number;
  jitterMs: number;
}

export const QUIET: LinkFaults = {
  loss: 0,
  dup: 0,
  reorder: 0,
  reorderMs: 0,
  delayMs: 1,
  jitterMs: 0,
};

export interface Delivery {
  from: string;
  /** The sender's generation (`hg`) when it sent: ground truth, no parsing per copy. */
  gen: number;
  to: string;
  link: string;
  msg: Message;
}

/** Links, faults, partitions and the in-flight packets. */
export class Network {
  private readonly inflight = new EventHeap<Delivery>();
  /**
   * from → to → blocked links ("*" = every link). Nested maps, not "from>to" strings: this
   * is looked up for every copy sent, and string keys cost an allocation each.
   */
  private readonly blocked = new Map<string, Map<string, Set<string>>>();
  sentCopies = 0;
  lostCopies = 0;

  constructor(
    readonly links: string[],
    readonly faults: Map<string, LinkFaults>,
    private readonly rng: Rng,
    /** Links on which a sender also hears itself (a ucast line to its own address). */
    private readonly echoLinks: Set<string> = new Set(),
  ) {}

  /** Blocks from→to (one direction) on every link, or only `link`. */
  block(from: string, to: string, link?: string): void {
    let tos = this.blocked.get(from);
    if (!tos) this.blocked.set(from, tos = new Map());
    let ls = tos.get(to);
    if (!ls) tos.set(to, ls = new Set());
    ls.add(link ?? "*");
  }

  /** Blocks both directions between two groups. */
  partition(a: string[], b: string[]): void {
    for (const x of a) {
      for (const y of b) {
        this.block(x, y);
        this.block(y, x);
      }
    }
  }

  healAll(): void {
    this.blocked.clear();
  }

  isBlocked(from: string, to: string, link: string): boolean {
    if (this.blocked.size === 0) return false;
    const ls = this.blocked.get(from)?.get(to);
    return ls !== undefined && (ls.has("*") || ls.has(link));
  }

  /** Sends `msg` from `from` (generation `gen`) to every node in `to` on every link, at `now`. */
  send(from: string, to: readonly string[], msg: Message, now: number, gen = 0): void {
    for (const link of this.links) {
      const f = this.faults.get(link)!;
      for (const dst of to) {
        if (dst === from && !this.echoLinks.has(link)) continue;
        this.sentCopies++;
        if (this.isBlocked(from, dst, link) || this.rng.chance(f.loss)) {
          this.lostCopies++;
          continue;
        }
        const copies = this.rng.chance(f.dup) ? 2 : 1;
        for (let c = 0; c < copies; c++) {
          let d = f.delayMs + this.rng.real(0, f.jitterMs);
          if (this.rng.chance(f.reorder)) d += this.rng.real(0, f.reorderMs);
          this.inflight.push(now + d, { from, gen, to: dst, link, msg });
        }
      }
    }
  }

  nextArrival(): number {
    return this.inflight.peekTime();
  }

  /** The next packet to arrive (caller has checked its time). */
  pop(): { at: number; value: Delivery } | undefined {
    return this.inflight.pop();
  }

  /** Like pop(), without the wrapper (the event loop's hot path). */
  popDelivery(): Delivery | undefined {
    return this.inflight.popValue();
  }
}
