/**
 * MembershipCore: consensus cluster membership of one node as a pure state machine (no
 * I/O, timers or randomness). The daemon feeds it the heartbeat core's liveness changes and
 * delivered CCM messages, sends what it returns through the core, and steps a `tick` at
 * `nextDeadline()`.
 *
 * Protocol (README.md has the reasoning and the convergence bound):
 * - every node broadcasts a `report` of whom it hears whenever that changes, when a peer
 *   (re)appears, and every `resyncMs` while its view does not match what it hears;
 * - a node follows the lowest-named node that it hears, that has reported and that reports
 *   hearing it back; a node that follows itself is a leader;
 * - a leader computes a maximal clique of mutually-hearing nodes containing itself and, when
 *   it differs from its view, proposes it with an instance above every instance it knows;
 * - a member acknowledges when it hears every proposed member and the instance is above
 *   its own; the leader commits when all acknowledged (else it retries after
 *   `roundTimeoutMs`, on a negative ack, or as soon as its inputs change);
 * - members install the committed view; a member dropped by its own leader's commit falls
 *   back to a view of itself.
 */
import { byName, leaderClique } from "./clique.ts";
import { type CcmMessage, decodeCcm, encodeCcm, type Origin } from "./messages.ts";
import { hasQuorum } from "./quorum.ts";
import type {
  MembershipAction,
  MembershipConfig,
  MembershipEvent,
  MembershipSnapshot,
  View,
} from "./types.ts";

interface Report {
  generation: number;
  hears: Set<string>;
  instance: number;
  viewId: string;
  receivedAt: number;
}

interface Round {
  counter: number;
  instance: number;
  members: string[];
  acked: Set<string>;
  deadline: number;
  /** Each member's generation when proposed: a restarted member is a different member. */
  generations: Map<string, number>;
}

interface Accepted {
  generation: number;
  round: number;
  instance: number;
  members: string[];
}

/** The membership protocol of one node. */
export class MembershipCore {
  private readonly configured: Set<string>;
  private readonly alive = new Set<string>();
  private selfHears: ReadonlySet<string> | null = null;
  /** Newest generation seen per peer (from any delivered CCM message). */
  private readonly peerGen = new Map<string, number>();
  private readonly reports = new Map<string, Report>();
  /** Last proposal acknowledged, per leader. */
  private readonly accepted = new Map<string, Accepted>();
  private view: View | null = null;
  private round: Round | null = null;
  /** Member generations of the last view we formed, and when we committed it. */
  private formedGenerations = new Map<string, number>();
  private committedAt = -Infinity;
  private roundCounter = 0;
  private maxInstance = 0;
  private started = false;
  private reportDue = false;
  private lastReportAt = -Infinity;
  private nextResyncAt = Infinity;
  private viewChanges = 0;

  constructor(private readonly cfg: MembershipConfig) {
    this.configured = new Set(cfg.nodes);
  }

  /** Handles one event at monotonic time `now` (ms) and returns what to do. */
  step(ev: MembershipEvent, now: number): MembershipAction[] {
    const out: MembershipAction[] = [];
    // Our own broadcasts come back from the core: nothing to learn, nothing to do.
    if (ev.kind === "deliver" && ev.msg.get("src") === this.cfg.self) return out;
    switch (ev.kind) {
      case "start":
        if (this.started) return out;
        this.started = true;
        this.reportDue = true;
        this.nextResyncAt = now + this.cfg.resyncMs;
        break;
      case "tick":
        this.onTick(now, out);
        break;
      case "peer":
        this.onPeer(ev.node, ev.status !== "dead" && ev.status !== "init");
        break;
      case "deliver": {
        const m = decodeCcm(ev.msg);
        if (m === null) {
          out.push({ kind: "log", level: "debug", text: "Malformed CCM message ignored" });
        } else this.onMessage(m.origin, m.body, now, out);
        break;
      }
    }
    if (!this.started) return out;
    if (this.reportDue && now >= this.lastReportAt + this.cfg.reportGapMs) {
      this.sendReport(now, out);
    }
    this.lead(now, out);
    return out;
  }

  /** When the caller must step a `tick` next; Infinity when nothing is due. */
  nextDeadline(): number {
    if (!this.started) return Infinity;
    return Math.min(
      this.nextResyncAt,
      this.round?.deadline ?? Infinity,
      this.reportDue ? this.lastReportAt + this.cfg.reportGapMs : Infinity,
    );
  }

  /** The installed view (null before the first one). */
  currentView(): View | null {
    return this.view;
  }

  /** State for `heartbeat status`. */
  snapshot(): MembershipSnapshot {
    return {
      view: this.view,
      leader: this.leaderName(),
      alive: [...this.alive].sort(byName),
      round: this.round && {
        instance: this.round.instance,
        members: [...this.round.members],
        acked: [...this.round.acked].sort(byName),
      },
      viewChanges: this.viewChanges,
    };
  }

  // ---- inputs ---------------------------------------------------------------------------

  private onPeer(node: string, isAlive: boolean): void {
    if (node === this.cfg.self || !this.configured.has(node)) return;
    if (isAlive === this.alive.has(node)) return;
    if (isAlive) this.alive.add(node);
    else this.alive.delete(node);
    this.selfHears = null;
    this.reportDue = true;
  }

  private onTick(now: number, out: MembershipAction[]): void {
    if (this.round && now >= this.round.deadline) {
      const missing = this.round.members.filter((m) => !this.round!.acked.has(m));
      out.push({
        kind: "log",
        level: "info",
        text: `Membership round ${this.round.instance} timed out waiting for ${missing.join(", ")}`,
      });
      this.round = null;
    }
    if (now >= this.nextResyncAt) {
      this.nextResyncAt = now + this.cfg.resyncMs;
      if (!this.settled()) this.reportDue = true;
    }
  }

  private onMessage(from: Origin, body: CcmMessage, now: number, out: MembershipAction[]): void {
    const src = from.src;
    if (src === this.cfg.self || !this.configured.has(src)) return;
    const known = this.peerGen.get(src);
    if (known !== undefined && from.generation < known) return;
    if (known === undefined || from.generation > known) {
      // A new incarnation: forget its old state and tell it who we hear.
      this.peerGen.set(src, from.generation);
      this.reports.delete(src);
      this.accepted.delete(src);
      this.reportDue = true;
    }
    this.maxInstance = Math.max(this.maxInstance, body.instance);
    switch (body.type) {
      case "report":
        this.reports.set(src, {
          generation: from.generation,
          hears: new Set(body.hears),
          instance: body.instance,
          viewId: body.viewId,
          receivedAt: now,
        });
        // Its core may have started tracking us after our last report: answer.
        if (body.want.includes(this.cfg.self)) this.reportDue = true;
        return;
      case "propose":
        return this.onPropose(from, body.round, body.instance, body.members, out);
      case "ack":
        return this.onAck(from, body.round, body.leaderGen, body.ok, body.hears, now, out);
      case "commit":
        return this.onCommit(from, body.round, body.instance, body.members, out);
    }
  }

  private onPropose(
    from: Origin,
    round: number,
    instance: number,
    members: string[],
    out: MembershipAction[],
  ): void {
    if (!members.includes(this.cfg.self)) return;
    const ok = instance > this.currentInstance() &&
      members.every((m) => m === this.cfg.self || this.alive.has(m));
    if (ok) {
      this.accepted.set(from.src, { generation: from.generation, round, instance, members });
    }
    out.push({
      kind: "send",
      dest: from.src,
      msg: encodeCcm({
        type: "ack",
        round,
        leaderGen: from.generation,
        ok,
        instance: this.currentInstance(),
        hears: ok ? [] : [...this.hearsSelf()].sort(byName),
      }),
    });
  }

  private onAck(
    from: Origin,
    round: number,
    leaderGen: number,
    ok: boolean,
    hears: string[],
    now: number,
    out: MembershipAction[],
  ): void {
    const r = this.round;
    const src = from.src;
    if (!r || r.counter !== round || leaderGen !== this.cfg.generation) return;
    if (r.generations.get(src) !== from.generation) return;
    if (!ok) {
      // Its report may have been lost: take what it hears now, or we would propose the
      // same members again at once.
      const rep = this.reports.get(src);
      if (rep && rep.generation === from.generation) rep.hears = new Set(hears);
      out.push({
        kind: "log",
        level: "debug",
        text: `Membership round ${r.instance} refused by ${src}`,
      });
      this.round = null; // lead() proposes again with what we know now
      return;
    }
    r.acked.add(src);
    if (r.acked.size === r.members.length) this.commit(r, now, out);
  }

  private onCommit(
    from: Origin,
    round: number,
    instance: number,
    members: string[],
    out: MembershipAction[],
  ): void {
    const acc = this.accepted.get(from.src);
    if (members.includes(this.cfg.self)) {
      if (!acc || acc.round !== round || acc.generation !== from.generation) return;
      this.accepted.delete(from.src);
      this.install(
        this.makeView(instance, from.src, from.generation, round, members),
        "committed",
        out,
      );
      return;
    }
    // Our own leader formed a view without us while we were with it: stand alone until it
    // takes us back, rather than keep a view its members have left.
    if (
      from.src === this.leaderName() && this.view !== null && this.view.members.length > 1 &&
      this.view.members.includes(from.src)
    ) {
      this.roundCounter++;
      const inst = Math.max(this.maxInstance, this.currentInstance()) + 1;
      this.install(
        this.makeView(inst, this.cfg.self, this.cfg.generation, this.roundCounter, [
          this.cfg.self,
        ]),
        `left out by ${from.src}`,
        out,
      );
    }
  }

  // ---- leading --------------------------------------------------------------------------

  /** A peer that has reported in its current generation (real Heartbeat nodes never do). */
  private speaking(node: string): boolean {
    const r = this.reports.get(node);
    return r !== undefined && r.generation === this.peerGen.get(node);
  }

  /** The lowest-named of us and the alive, reporting peers that report hearing us. */
  private leaderName(): string {
    let leader = this.cfg.self;
    for (const p of this.alive) {
      if (p < leader && this.speaking(p) && this.reports.get(p)!.hears.has(this.cfg.self)) {
        leader = p;
      }
    }
    return leader;
  }

  private hearsOf = (node: string): ReadonlySet<string> => {
    if (node === this.cfg.self) return this.hearsSelf();
    return this.reports.get(node)?.hears ?? new Set();
  };

  /** Who we hear, rebuilt only when `alive` changes: the clique search asks for it O(n) times. */
  private hearsSelf(): ReadonlySet<string> {
    return this.selfHears ??= new Set([this.cfg.self, ...this.alive]);
  }

  private desiredMembers(): string[] {
    const candidates = [...this.alive].filter((p) => this.speaking(p));
    candidates.push(this.cfg.self);
    return leaderClique(this.cfg.self, candidates, this.hearsOf);
  }

  private lead(now: number, out: MembershipAction[]): void {
    if (this.leaderName() !== this.cfg.self) {
      this.round = null;
      return;
    }
    const desired = this.desiredMembers();
    if (this.round) {
      // A round that only lacks newcomers finishes first (they join in the next one): on
      // a busy start this bounds the rounds by time, not by the number of changes.
      if (this.round.members.every((m) => desired.includes(m))) return;
      this.round = null;
    }
    // A view we formed (always in this incarnation: state does not survive a restart) that
    // still matches: same members, none restarted since, all holding it.
    const v = this.view;
    if (
      v && v.leader === this.cfg.self && sameList(v.members, desired) &&
      desired.every((m) => m === this.cfg.self || this.holds(m, v))
    ) return;
    this.roundCounter++;
    const instance = Math.max(this.maxInstance, this.currentInstance()) + 1;
    this.maxInstance = instance;
    const r: Round = {
      counter: this.roundCounter,
      instance,
      members: desired,
      acked: new Set([this.cfg.self]),
      deadline: now + this.cfg.roundTimeoutMs,
      generations: new Map(desired.map((m) => [m, this.peerGen.get(m) ?? this.cfg.generation])),
    };
    this.round = r;
    if (desired.length === 1) {
      this.commit(r, now, out);
      return;
    }
    out.push({
      kind: "send",
      msg: encodeCcm({ type: "propose", round: r.counter, instance, members: desired }),
    });
  }

  /**
   * Whether member `m` (as far as we know) holds our view `v`: its last report names `v`,
   * or was sent before our commit reached it (older instance, received within a round
   * timeout of the commit). Otherwise it moved on or lost the commit: propose again.
   */
  private holds(m: string, v: View): boolean {
    if (this.formedGenerations.get(m) !== this.peerGen.get(m)) return false;
    const r = this.reports.get(m)!;
    if (r.viewId === v.id) return true;
    return r.instance < v.instance && r.receivedAt < this.committedAt + this.cfg.roundTimeoutMs;
  }

  private commit(r: Round, now: number, out: MembershipAction[]): void {
    this.round = null;
    this.formedGenerations = r.generations;
    this.committedAt = now;
    if (r.members.length > 1) {
      out.push({
        kind: "send",
        msg: encodeCcm({
          type: "commit",
          round: r.counter,
          instance: r.instance,
          members: r.members,
        }),
      });
    }
    this.install(
      this.makeView(r.instance, this.cfg.self, this.cfg.generation, r.counter, r.members),
      "formed",
      out,
    );
  }

  // ---- views ----------------------------------------------------------------------------

  private makeView(
    instance: number,
    leader: string,
    generation: number,
    round: number,
    members: string[],
  ): View {
    return {
      id: `${instance}.${leader}.${generation.toString(16)}.${round}`,
      instance,
      leader,
      members: [...members].sort(byName),
      quorum: hasQuorum(members.length, this.configured.size),
    };
  }

  private currentInstance(): number {
    return this.view?.instance ?? 0;
  }

  private install(view: View, reason: string, out: MembershipAction[]): void {
    if (view.instance <= this.currentInstance()) return;
    const previous = this.view;
    this.view = view;
    this.viewChanges++;
    this.maxInstance = Math.max(this.maxInstance, view.instance);
    out.push({ kind: "view", view, previous, reason });
    out.push({
      kind: "log",
      level: "info",
      text: `Membership ${view.instance} (${reason}, leader ${view.leader}): ${
        view.members.join(" ")
      }${view.quorum ? "" : " [no quorum]"}`,
    });
  }

  private settled(): boolean {
    return this.view !== null && this.wanted().length === 0 &&
      sameList(this.view.members, [...this.hearsSelf()].sort(byName));
  }

  /** Alive peers whose report (of their current generation) we lack. */
  private wanted(): string[] {
    return [...this.alive].filter((p) => !this.speaking(p)).sort(byName);
  }

  private sendReport(now: number, out: MembershipAction[]): void {
    this.reportDue = false;
    this.lastReportAt = now;
    out.push({
      kind: "send",
      msg: encodeCcm({
        type: "report",
        hears: [...this.hearsSelf()].sort(byName),
        instance: this.currentInstance(),
        viewId: this.view?.id ?? "",
        want: this.wanted(),
      }),
    });
  }
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
