/**
 * Membership invariants, checked at every view a membership core installs:
 *  (1) agreement: two nodes holding views with the same id hold the same members;
 *  (2) strong connectivity: when a leader forms a view, every two members that are both
 *      running really received a packet from each other (ground truth, from the simulated
 *      network) within deadtime + round timeout — a member acknowledges only while its
 *      heartbeat core hears every other member, so anything older means the protocol
 *      admitted a pair that could not reach each other;
 *  (3) every node's instance strictly increases, it is a member of its own view, and the
 *      quorum flag is the majority of configured nodes (any one node of a 2-node cluster);
 * and, on request after faults stop, (4) convergence: every running node holds the same
 * view, whose members are exactly the running nodes.
 * Everything else is handed to the liveness checker.
 */
import type { CoreAction } from "../../src/core/types.ts";
import type { MembershipAction, View } from "../../src/ccm/types.ts";
import type { Checker } from "./checker.ts";
import type { Observer } from "./cluster.ts";
import type { Delivery } from "./network.ts";

export interface CcmCheckOptions {
  nodes: number;
  deadtimeMs: number;
  roundTimeoutMs: number;
}

export class CcmChecker implements Observer {
  readonly failures: string[] = [];
  private readonly membersOf = new Map<string, string>();
  /** from → to → last arrival (nested: set for every packet, string keys would allocate). */
  private readonly lastArrival = new Map<string, Map<string, number>>();
  private readonly up = new Set<string>();
  readonly views = new Map<string, View>();
  viewChanges = 0;
  formed = 0;
  lastViewAt = 0;
  /** Largest install-to-pair-heard gap seen at formation (how close (2) came to failing). */
  worstFormationGapMs = 0;

  constructor(private readonly liveness: Checker, private readonly opt: CcmCheckOptions) {}

  private fail(now: number, text: string): void {
    if (this.failures.length < 20) this.failures.push(`t=${now.toFixed(1)}ms: ${text}`);
  }

  arrived(d: Delivery, now: number): void {
    if (d.from !== d.to) {
      let tos = this.lastArrival.get(d.from);
      if (!tos) this.lastArrival.set(d.from, tos = new Map());
      tos.set(d.to, now);
    }
    this.liveness.arrived(d, now);
  }

  action(node: string, a: CoreAction, now: number): void {
    this.liveness.action(node, a, now);
  }

  started(node: string, generation: number, now: number): void {
    this.up.add(node);
    this.views.delete(node);
    this.liveness.started(node, generation, now);
  }

  crashed(node: string, now: number): void {
    this.up.delete(node);
    this.views.delete(node);
    this.liveness.crashed(node, now);
  }

  leaving(node: string, now: number): void {
    this.up.delete(node);
    this.views.delete(node);
    this.liveness.leaving(node, now);
  }

  membershipAction(node: string, a: MembershipAction, now: number): void {
    if (a.kind !== "view") return;
    const v = a.view;
    this.viewChanges++;
    this.lastViewAt = now;
    const key = v.members.join(" ");
    const seen = this.membersOf.get(v.id);
    if (seen === undefined) this.membersOf.set(v.id, key);
    else if (seen !== key) {
      this.fail(now, `(1) ${node} holds view ${v.id} as [${key}], another node as [${seen}]`);
    }
    const prev = this.views.get(node);
    if (prev && v.instance <= prev.instance) {
      this.fail(now, `(3) ${node} went from instance ${prev.instance} to ${v.instance}`);
    }
    if (!v.members.includes(node)) this.fail(now, `(3) ${node} installed ${v.id} without itself`);
    const n = v.members.length, total = this.opt.nodes;
    const quorum = total === 2 ? n >= 1 : n > total / 2;
    if (v.quorum !== quorum) {
      this.fail(now, `(3) view ${v.id} quorum ${v.quorum} with ${n}/${total}`);
    }
    this.views.set(node, v);
    if (v.leader === node) this.checkFormation(v, now);
  }

  private checkFormation(v: View, now: number): void {
    this.formed++;
    const window = this.opt.deadtimeMs + this.opt.roundTimeoutMs + 1;
    for (const a of v.members) {
      for (const b of v.members) {
        if (a === b || !this.up.has(a) || !this.up.has(b)) continue;
        const heard = this.lastArrival.get(a)?.get(b);
        const gap = heard === undefined ? Infinity : now - heard;
        if (gap > window) {
          this.fail(
            now,
            `(2) view ${v.id} formed with ${a} and ${b}, but ${b} ${
              heard === undefined ? "never received anything" : `received nothing for ${gap} ms`
            } from ${a}`,
          );
        } else if (gap > this.worstFormationGapMs) this.worstFormationGapMs = gap;
      }
    }
  }

  /** (4): all running nodes hold one view of exactly the running nodes. */
  checkConverged(now: number, faultsEnd: number): void {
    const live = [...this.up].sort();
    const want = live.join(" ");
    const ids = new Set<string>();
    for (const x of live) {
      const v = this.views.get(x);
      if (!v) {
        this.fail(now, `(4) ${x} holds no view ${now - faultsEnd} ms after faults stopped`);
        continue;
      }
      ids.add(v.id);
      if (v.members.join(" ") !== want) {
        this.fail(
          now,
          `(4) ${x} holds [${v.members.join(" ")}] ${
            now - faultsEnd
          } ms after faults stopped; running: [${want}]`,
        );
      }
    }
    if (ids.size > 1) {
      this.fail(now, `(4) running nodes hold ${ids.size} different views: ${[...ids].join(", ")}`);
    }
  }
}
