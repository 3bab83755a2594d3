/**
 * Invariants checked while a simulation runs (see run.ts for which apply to which
 * scenario):
 *  (a) no false death: strict — no live node is ever declared dead (only where the loss
 *      rate is inside the budget computed in scenario.ts); justified — a live node may be
 *      declared dead only after the declarer truly heard nothing of its current
 *      generation for a deadtime;
 *  (b) every crash is declared by every live peer within [deadtime - keepalive,
 *      deadtime + 1 ms] of the last packet that peer received from it;
 *  (c) client messages are delivered per sender in order, never twice; with `complete`,
 *      every broadcast (and message addressed to the receiver) is delivered;
 *  (d) a quick restart never shows a dead status in between.
 */
import type { CoreAction, NodeStatus } from "../../src/core/types.ts";
import type { Observer } from "./cluster.ts";
import type { Delivery } from "./network.ts";

export interface CheckOptions {
  deadtimeMs: number;
  keepaliveMs: number;
  initdeadMs: number;
  strictNoFalseDeath: boolean;
}

interface PendingCrash {
  declarer: string;
  crashed: string;
  declarerGen: number;
  /** Graceful leave: declared at the shutdown notice, or like a crash if it was lost. */
  graceful: boolean;
}

export class Checker implements Observer {
  readonly failures: string[] = [];
  /** generation currently running per node (0 = down). */
  private readonly gen = new Map<string, number>();
  /** Latest generation per node, kept after a crash: its packets still in flight count. */
  private readonly lastGen = new Map<string, number>();
  private readonly startedAt = new Map<string, number>();
  private readonly crashedAt = new Map<string, number>();
  /**
   * x → y → last time x received a packet of y's current generation (nested maps: updated
   * for every packet, where "x>y" string keys would allocate).
   */
  private readonly lastHeard = new Map<string, Map<string, number>>();
  /** `${x}>${y}` → x's view of y. */
  readonly view = new Map<string, NodeStatus>();
  private readonly pendingCrash: PendingCrash[] = [];
  /** `${x}>${y}@${gen}` → last client `n` delivered. */
  private readonly lastDelivered = new Map<string, number>();
  /** `${x}>${y}@${gen}` → set of client `n` delivered. */
  readonly deliveredSets = new Map<string, Set<number>>();
  /** Nodes whose restart must not show a dead status at any peer until `until`. */
  private readonly noDeadUntil = new Map<string, number>();
  deaths = 0;
  stats = { delivered: 0, rexmitRequests: 0 };

  constructor(private readonly opt: CheckOptions) {}

  private fail(now: number, text: string): void {
    if (this.failures.length < 20) this.failures.push(`t=${now.toFixed(1)}ms: ${text}`);
  }

  started(node: string, generation: number, now: number): void {
    this.gen.set(node, generation);
    this.lastGen.set(node, generation);
    this.startedAt.set(node, now);
    this.crashedAt.delete(node);
    this.lastHeard.delete(node);
    for (const k of [...this.view.keys()]) if (k.startsWith(`${node}>`)) this.view.delete(k);
    // A restart cancels crash checks about it (it is (d)'s business now).
    for (let i = this.pendingCrash.length - 1; i >= 0; i--) {
      const p = this.pendingCrash[i];
      if (p.crashed === node || p.declarer === node) this.pendingCrash.splice(i, 1);
    }
  }

  leaving(node: string, now: number): void {
    this.crashed(node, now, true);
  }

  crashed(node: string, now: number, graceful = false): void {
    if (this.gen.get(node) === 0) return;
    this.gen.set(node, 0);
    this.crashedAt.set(node, now);
    for (const [x, g] of this.gen) {
      if (x === node || g === 0) continue;
      if (this.view.get(`${x}>${node}`) === "dead") continue;
      this.pendingCrash.push({ declarer: x, crashed: node, declarerGen: g, graceful });
    }
    for (let i = this.pendingCrash.length - 1; i >= 0; i--) {
      if (this.pendingCrash[i].declarer === node) this.pendingCrash.splice(i, 1);
    }
  }

  /** Quick restart of `node`: no peer may see it dead until `until`. */
  expectNoDead(node: string, until: number): void {
    this.noDeadUntil.set(node, until);
  }

  arrived(d: Delivery, now: number): void {
    if (d.from === d.to) return;
    if (d.gen !== this.lastGen.get(d.from)) return;
    let ys = this.lastHeard.get(d.to);
    if (!ys) this.lastHeard.set(d.to, ys = new Map());
    ys.set(d.from, now);
  }

  action(node: string, a: CoreAction, now: number): void {
    if (a.kind === "node_status" && a.node !== node) {
      this.onStatus(node, a.node, a.status, a.reason, now);
    } else if (a.kind === "deliver") this.onDeliver(node, a.msg.get("src"), a.msg, now);
    else if (a.kind === "transmit" && a.msg.get("t") === "NS_rexmit") this.stats.rexmitRequests++;
  }

  private onStatus(x: string, y: string, st: NodeStatus, reason: string, now: number): void {
    this.view.set(`${x}>${y}`, st);
    if (st !== "dead") return;
    this.deaths++;
    const yUp = (this.gen.get(y) ?? 0) !== 0;
    const heard = this.lastHeard.get(x)?.get(y);
    const quiet = heard === undefined
      ? now >= (this.startedAt.get(x) ?? 0) + this.opt.initdeadMs
      : now >= heard + this.opt.deadtimeMs;
    const nd = this.noDeadUntil.get(y);
    if (nd !== undefined && now <= nd) {
      this.fail(now, `(d) ${x} saw restarting ${y} dead (${reason})`);
    }
    if (yUp && this.opt.strictNoFalseDeath) {
      this.fail(now, `(a) ${x} declared live ${y} dead (${reason}) within the loss budget`);
    } else if (!quiet && !(reason === "shutdown notice" && !yUp)) {
      this.fail(
        now,
        `(a) ${x} declared ${y} dead (${reason}) although it heard it ${
          heard === undefined ? "never" : `${now - heard} ms ago`
        }`,
      );
    }
    const i = this.pendingCrash.findIndex((p) => p.declarer === x && p.crashed === y);
    if (i >= 0) {
      const [p] = this.pendingCrash.splice(i, 1);
      if (p.graceful && reason === "shutdown notice") return;
      if (heard !== undefined) {
        const after = now - heard;
        const lo = this.opt.deadtimeMs - this.opt.keepaliveMs - 1e-6, hi = this.opt.deadtimeMs + 1;
        if (after < lo || after > hi) {
          this.fail(now, `(b) ${x} declared crashed ${y} dead ${after} ms after last heard`);
        }
      }
    }
  }

  private onDeliver(
    x: string,
    src: string | undefined,
    msg: { get(n: string): string | undefined },
    now: number,
  ) {
    if (msg.get("t") !== "simapp" || src === undefined) return;
    this.stats.delivered++;
    const key = `${x}>${src}@${parseInt(msg.get("hg") ?? "0", 16)}`;
    const n = Number(msg.get("n"));
    const prev = this.lastDelivered.get(key) ?? 0;
    if (n <= prev) this.fail(now, `(c) ${x} delivered ${src}'s message ${n} after ${prev}`);
    this.lastDelivered.set(key, n);
    let s = this.deliveredSets.get(key);
    if (!s) this.deliveredSets.set(key, s = new Set());
    s.add(n);
  }

  /** Called after every loop step: overdue crash declarations. */
  checkDeadlines(now: number): void {
    for (const p of this.pendingCrash) {
      const heard = this.lastHeard.get(p.declarer)?.get(p.crashed);
      const due = heard === undefined
        ? (this.startedAt.get(p.declarer) ?? 0) + this.opt.initdeadMs
        : heard + this.opt.deadtimeMs;
      if (now > due + 1) {
        this.fail(now, `(b) ${p.declarer} has not declared crashed ${p.crashed} dead (due ${due})`);
        p.declarerGen = -1;
      }
    }
    for (let i = this.pendingCrash.length - 1; i >= 0; i--) {
      if (this.pendingCrash[i].declarerGen === -1) this.pendingCrash.splice(i, 1);
    }
  }
}
