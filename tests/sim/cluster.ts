/**
 * A simulated cluster: N NodeCores on a simulated network and a virtual clock. The event
 * loop advances time to the earliest of the next packet arrival, the next scheduled
 * scenario step, and the earliest core deadline, exactly as the daemon's timers would.
 */
import { Message } from "../../src/wire/message.ts";
import { NodeCore } from "../../src/core/node.ts";
import type { CoreAction, CoreConfig } from "../../src/core/types.ts";
import { MembershipCore } from "../../src/ccm/membership.ts";
import { membershipEventFromCore } from "../../src/ccm/adapter.ts";
import type { MembershipAction, MembershipEvent } from "../../src/ccm/types.ts";
import type { VirtualClock } from "./clock.ts";
import { EventHeap } from "./heap.ts";
import type { Delivery, Network } from "./network.ts";
import type { Rng } from "./prng.ts";

export interface Timings {
  keepaliveMs: number;
  warntimeMs: number;
  deadtimeMs: number;
  initdeadMs: number;
  maxRexmitDelayMs: number;
}

export const DEFAULT_TIMINGS: Timings = {
  keepaliveMs: 1000,
  warntimeMs: 3000,
  deadtimeMs: 5000,
  initdeadMs: 10000,
  maxRexmitDelayMs: 250,
};

/** What the checker is told about. */
export interface Observer {
  /** A packet reached a running node (before the core sees it). */
  arrived(d: Delivery, now: number): void;
  /** An action a core returned. */
  action(node: string, a: CoreAction, now: number): void;
  started(node: string, generation: number, now: number): void;
  crashed(node: string, now: number): void;
  /** Graceful shutdown begins (its last messages follow). */
  leaving(node: string, now: number): void;
  /** An action a membership core returned (only when the cluster runs membership). */
  membershipAction?(node: string, a: MembershipAction, now: number): void;
}

/** Membership round timing, when the cluster runs a membership core on every node. */
export interface MembershipTimings {
  roundTimeoutMs: number;
  resyncMs: number;
  reportGapMs: number;
}

export class SimNode {
  core: NodeCore | null = null;
  /** The membership core, wired to `core` as the daemon wires them. */
  ccm: MembershipCore | null = null;
  ccmDeadline = Infinity;
  generation = 0;
  startedAt = 0;
  deadline = Infinity;
  /** The time last queued for this node in the cluster's timer heap. */
  scheduledAt = Infinity;
  /** Counter stamped into client messages (`n`), per generation. */
  clientSeq = 0;

  constructor(readonly name: string, readonly uuid: Uint8Array) {}
}

/** The generation (`hg`) node `n`'s current core runs with. */
function coreGeneration(n: SimNode): number {
  return 1000 + n.generation;
}

export class Cluster {
  readonly nodes = new Map<string, SimNode>();
  private readonly control = new EventHeap<() => void>();
  /**
   * Node deadlines, lazily: an entry is live while it equals the node's earliest deadline.
   * Scanning every node for the minimum on each packet made a 64-node run grow with N³.
   */
  private readonly timers = new EventHeap<SimNode>();
  steps = 0;

  constructor(
    readonly names: string[],
    private readonly timings: Timings,
    readonly network: Network,
    readonly clock: VirtualClock,
    private readonly rng: Rng,
    private readonly observer: Observer,
    private readonly membership: MembershipTimings | null = null,
  ) {
    names.forEach((n, i) => {
      const uuid = new Uint8Array(16);
      uuid[0] = i + 1;
      for (let k = 1; k < 16; k++) uuid[k] = (i * 31 + k * 17) & 0xff;
      this.nodes.set(n, new SimNode(n, uuid));
    });
  }

  /** Schedules a scenario step at virtual time `at`. */
  at(t: number, fn: () => void): void {
    this.control.push(t, fn);
  }

  isUp(name: string): boolean {
    return this.nodes.get(name)!.core !== null;
  }

  /** Starts (or restarts with generation + 1) node `name` now. */
  start(name: string): void {
    const n = this.nodes.get(name)!;
    n.generation += 1;
    n.clientSeq = 0;
    n.startedAt = this.clock.now;
    const cfg: CoreConfig = {
      self: name,
      selfUuid: n.uuid,
      generation: coreGeneration(n),
      nodes: this.names,
      links: this.network.links,
      hopfudge: 1,
      ...this.timings,
    };
    const envRng = this.rng.fork();
    n.core = new NodeCore(cfg, {
      random: envRng.next,
      wallClockSec: () => this.clock.wallSec(name),
      loadAvg: () => "0.00 0.00 0.00 1/100 1",
    });
    this.observer.started(name, cfg.generation, this.clock.now);
    n.ccm = null;
    this.stepNode(n, { kind: "start" });
    if (this.membership) {
      n.ccm = new MembershipCore({
        self: name,
        nodes: this.names,
        generation: cfg.generation,
        ...this.membership,
      });
      this.stepCcm(n, { kind: "start" });
    }
  }

  /** Power cut: the core vanishes; packets in flight still arrive at the others. */
  crash(name: string): void {
    const n = this.nodes.get(name)!;
    if (!n.core) return;
    n.core = null;
    n.deadline = Infinity;
    n.ccm = null;
    n.ccmDeadline = Infinity;
    this.schedule(n);
    this.observer.crashed(name, this.clock.now);
  }

  /** SIGTERM: the node leaves gracefully (shutdone + final status), then is gone. */
  shutdown(name: string): void {
    const n = this.nodes.get(name)!;
    if (!n.core) return;
    this.observer.leaving(name, this.clock.now);
    n.ccm = null;
    n.ccmDeadline = Infinity;
    this.schedule(n);
    this.stepNode(n, { kind: "shutdown" });
    n.core = null;
    n.deadline = Infinity;
    this.schedule(n);
  }

  /** A local client on `name` sends a message (broadcast or to `dest`). */
  clientSend(name: string, dest?: string): number | null {
    const n = this.nodes.get(name)!;
    if (!n.core) return null;
    n.clientSeq++;
    const msg = Message.of({ t: "simapp", n: String(n.clientSeq) });
    this.stepNode(n, dest === undefined ? { kind: "send", msg } : { kind: "send", msg, dest });
    return n.clientSeq;
  }

  private stepNode(n: SimNode, ev: Parameters<NodeCore["step"]>[0]): void {
    const core = n.core!;
    const now = this.clock.now;
    const actions = core.step(ev, now);
    this.steps++;
    for (const a of actions) {
      this.observer.action(n.name, a, now);
      if (a.kind === "transmit") {
        this.network.send(n.name, this.names, a.msg, now, coreGeneration(n));
      }
      if (n.ccm) {
        const ev = membershipEventFromCore(a);
        if (ev) this.stepCcm(n, ev);
      }
    }
    n.deadline = core.nextDeadline();
    this.schedule(n);
    if (n.deadline <= now && ev.kind === "tick") {
      throw new Error(`bug: ${n.name} deadline ${n.deadline} not after tick at ${now}`);
    }
  }

  /** Steps the membership core and hands its messages to the node's heartbeat core. */
  private stepCcm(n: SimNode, ev: MembershipEvent): void {
    const ccm = n.ccm!;
    const now = this.clock.now;
    const actions = ccm.step(ev, now);
    this.steps++;
    for (const a of actions) {
      this.observer.membershipAction?.(n.name, a, now);
      if (a.kind === "send" && n.core) {
        this.stepNode(
          n,
          a.dest === undefined ? { kind: "send", msg: a.msg } : {
            kind: "send",
            msg: a.msg,
            dest: a.dest,
          },
        );
      }
    }
    n.ccmDeadline = ccm.nextDeadline();
    this.schedule(n);
    if (n.ccmDeadline <= now && ev.kind === "tick") {
      throw new Error(`bug: ${n.name} membership deadline ${n.ccmDeadline} not after ${now}`);
    }
  }

  /** Queues the node's earliest deadline when it changed (stale entries are skipped later). */
  private schedule(n: SimNode): void {
    const t = Math.min(n.deadline, n.ccmDeadline);
    if (t !== n.scheduledAt && t !== Infinity) this.timers.push(t, n);
    n.scheduledAt = t;
  }

  /** The earliest node deadline, dropping entries that no longer match their node. */
  private earliestDeadline(): number {
    while (this.timers.size) {
      const t = this.timers.peekTime();
      const n = this.timers.peekValue()!;
      if (Math.min(n.deadline, n.ccmDeadline) === t) return t;
      this.timers.popValue();
    }
    return Infinity;
  }

  /** Runs the event loop until virtual time `until` (inclusive). */
  runUntil(until: number): void {
    for (;;) {
      const tNet = this.network.nextArrival();
      const tCtl = this.control.peekTime();
      const tCore = this.earliestDeadline();
      const t = Math.min(tNet, tCtl, tCore);
      if (t > until || t === Infinity) break;
      this.clock.advanceTo(t);
      if (tNet === t) {
        const d = this.network.popDelivery()!;
        const dst = this.nodes.get(d.to)!;
        if (!dst.core) continue;
        this.observer.arrived(d, t);
        this.stepNode(dst, { kind: "receive", link: d.link, msg: d.msg });
      } else if (tCtl === t) {
        this.control.popValue()!();
      } else {
        for (const n of this.nodes.values()) {
          if (n.core && n.deadline <= t) this.stepNode(n, { kind: "tick" });
          if (n.ccm && n.ccmDeadline <= t) this.stepCcm(n, { kind: "tick" });
        }
      }
    }
    this.clock.advanceTo(Math.max(this.clock.now, until));
  }
}
