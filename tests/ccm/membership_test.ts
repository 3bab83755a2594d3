import assert from "node:assert/strict";
import { MembershipCore } from "../../src/ccm/membership.ts";
import type { MembershipAction, View } from "../../src/ccm/types.ts";
import type { Message } from "../../src/wire/message.ts";
import { encodeCcm } from "../../src/ccm/messages.ts";

/**
 * A tiny in-order message bus standing in for the heartbeat core: it stamps src/hg as the
 * core would and delivers to the addressee (or every other node), unless the link is cut.
 */
class Bus {
  readonly cores = new Map<string, MembershipCore>();
  readonly gen = new Map<string, number>();
  readonly views = new Map<string, View>();
  readonly sent: { from: string; t: string; dest?: string; ok?: string }[] = [];
  readonly cut = new Set<string>();
  private queue: { from: string; to: string; msg: Message }[] = [];
  now = 0;

  /** `reportGapMs` 0: reports go out within the step, so settle() alone runs a round. */
  constructor(readonly names: string[], readonly reportGapMs = 0) {
    for (const n of names) this.start(n);
  }

  start(n: string): void {
    const g = (this.gen.get(n) ?? 0) + 1;
    this.gen.set(n, g);
    const core = new MembershipCore({
      self: n,
      nodes: this.names,
      generation: g,
      roundTimeoutMs: 400,
      resyncMs: 1000,
      reportGapMs: this.reportGapMs,
    });
    this.cores.set(n, core);
    this.views.delete(n);
    this.apply(n, core.step({ kind: "start" }, this.now));
  }

  /** `x`'s heartbeat core reports `y` alive or dead. */
  peer(x: string, y: string, alive: boolean): void {
    const status = alive ? "active" : "dead";
    this.apply(x, this.cores.get(x)!.step({ kind: "peer", node: y, status }, this.now));
  }

  /** Everyone hears everyone. */
  allAlive(): void {
    for (const x of this.names) for (const y of this.names) if (x !== y) this.peer(x, y, true);
  }

  private apply(n: string, actions: MembershipAction[]): void {
    for (const a of actions) {
      if (a.kind === "view") this.views.set(n, a.view);
      if (a.kind !== "send") continue;
      const msg = a.msg.clone().set("src", n).set("hg", this.gen.get(n)!.toString(16));
      this.sent.push({ from: n, t: msg.get("t")!, dest: a.dest, ok: msg.get("ok") });
      for (const to of this.names) {
        if (to === n || (a.dest !== undefined && a.dest !== to)) continue;
        if (!this.cut.has(`${n}>${to}`)) this.queue.push({ from: n, to, msg });
      }
    }
  }

  /** Delivers until nothing is in flight (each delivery 1 ms later). */
  settle(): void {
    for (let i = 0; this.queue.length; i++) {
      if (i > 100_000) throw new Error("bug: messages never settle");
      const d = this.queue.shift()!;
      this.now += 1;
      const core = this.cores.get(d.to);
      if (core) this.apply(d.to, core.step({ kind: "deliver", msg: d.msg }, this.now));
    }
  }

  /** Advances time to `t`, ticking every core whose deadline passed. */
  advance(t: number): void {
    for (;;) {
      let next = Infinity, who = "";
      for (const [n, c] of this.cores) {
        if (c.nextDeadline() < next) [next, who] = [c.nextDeadline(), n];
      }
      if (next > t) break;
      this.now = Math.max(this.now, next);
      this.apply(who, this.cores.get(who)!.step({ kind: "tick" }, this.now));
      this.settle();
    }
    this.now = Math.max(this.now, t); // settle() may have run past t: time never goes back
  }

  membersOf(n: string): string {
    return this.views.get(n)?.members.join(" ") ?? "(none)";
  }
}

Deno.test("membership: a node alone forms a view of itself at start", () => {
  const bus = new Bus(["a", "b", "c"]);
  assert.equal(bus.membersOf("b"), "b");
  assert.equal(bus.views.get("b")!.quorum, false);
  assert.equal(bus.views.get("b")!.leader, "b");
});

Deno.test("membership: connected nodes agree on one view with quorum; the lowest name leads", () => {
  const bus = new Bus(["c", "a", "b"]);
  bus.allAlive();
  bus.settle();
  const ids = new Set([...bus.views.values()].map((v) => v.id));
  assert.equal(ids.size, 1);
  for (const n of bus.names) assert.equal(bus.membersOf(n), "a b c");
  assert.equal(bus.views.get("c")!.leader, "a");
  assert.equal(bus.views.get("c")!.quorum, true);
});

Deno.test("membership: a death gives the survivors a new view with a higher instance", () => {
  const bus = new Bus(["a", "b", "c"]);
  bus.allAlive();
  bus.settle();
  const before = bus.views.get("b")!.instance;
  bus.cores.delete("a"); // crashed: only b detects it so far
  bus.peer("b", "a", false);
  bus.settle();
  bus.peer("c", "a", false);
  bus.settle();
  assert.equal(bus.membersOf("b"), "b c");
  assert.equal(bus.membersOf("c"), "b c");
  assert.equal(bus.views.get("b")!.id, bus.views.get("c")!.id);
  assert.ok(bus.views.get("c")!.instance > before);
  assert.equal(bus.views.get("c")!.leader, "b");
});

Deno.test("membership: one-way loss keeps the two ends apart; a third node leads", () => {
  const bus = new Bus(["a", "b", "c"]);
  bus.allAlive();
  bus.settle();
  bus.cut.add("b>c"); // c stops hearing b; b still hears c
  bus.peer("c", "b", false);
  bus.settle();
  const members = bus.membersOf("a");
  assert.ok(members === "a b" || members === "a c", members);
  for (const n of members.split(" ")) assert.equal(bus.views.get(n)!.id, bus.views.get("a")!.id);
  bus.cut.clear();
  bus.peer("c", "b", true);
  bus.settle();
  for (const n of bus.names) assert.equal(bus.membersOf(n), "a b c");
});

Deno.test("membership: a member refuses a proposal naming a node it does not hear", () => {
  const bus = new Bus(["a", "b", "c"]);
  bus.allAlive();
  bus.settle();
  // c loses b but its report is lost: a still proposes b to c, c must refuse.
  bus.cut.add("c>a");
  bus.peer("c", "b", false);
  bus.settle();
  bus.cut.delete("c>a");
  bus.peer("a", "b", false);
  bus.peer("a", "b", true); // a re-proposes a, b, c
  bus.settle();
  const refused = bus.sent.filter((s) => s.t === "hbccm_ack" && s.from === "c" && s.ok === "0")
    .length;
  assert.ok(refused > 0 && refused < 3, `refusals ${refused}`);
  assert.ok(!(bus.membersOf("a").includes("b") && bus.membersOf("a").includes("c")));
});

Deno.test("membership: a restarted peer is re-admitted in a new view", () => {
  const bus = new Bus(["a", "b"]);
  bus.allAlive();
  bus.settle();
  const first = bus.views.get("a")!;
  bus.start("b"); // quick restart: a's heartbeat core never saw it dead
  bus.peer("b", "a", true);
  bus.settle();
  assert.equal(bus.membersOf("b"), "a b");
  assert.equal(bus.views.get("a")!.id, bus.views.get("b")!.id);
  assert.notEqual(bus.views.get("a")!.id, first.id);
});

Deno.test("membership: an unanswered proposal times out and is retried without the silent node", () => {
  const bus = new Bus(["a", "b", "c"]);
  bus.allAlive();
  bus.settle();
  bus.cut.add("c>a"); // c's acks never arrive, a still hears c (its heartbeats get through)
  bus.peer("a", "b", false);
  bus.settle();
  const snap = bus.cores.get("a")!.snapshot();
  assert.deepEqual(snap.round?.members, ["a", "c"]);
  assert.ok(bus.cores.get("a")!.nextDeadline() <= bus.now + 400);
  bus.advance(bus.now + 450);
  assert.ok(bus.sent.filter((s) => s.t === "hbccm_propose" && s.from === "a").length >= 3);
  assert.equal(bus.membersOf("c").includes("b"), true); // c never got a commit
});

Deno.test("membership: the leader re-proposes when a member reports holding another view", () => {
  const from = (m: Parameters<typeof encodeCcm>[0]) => ({
    kind: "deliver" as const,
    msg: encodeCcm(m).set("src", "c").set("hg", "1"),
  });
  const b = new MembershipCore({
    self: "b",
    nodes: ["a", "b", "c"],
    generation: 1,
    roundTimeoutMs: 400,
    resyncMs: 1000,
    reportGapMs: 20,
  });
  b.step({ kind: "start" }, 0);
  b.step({ kind: "peer", node: "c", status: "active" }, 1);
  const report = { type: "report" as const, hears: ["b", "c"], want: [] };
  const out = b.step(from({ ...report, instance: 0, viewId: "" }), 2);
  const propose = out.find((a) => a.kind === "send" && a.msg.get("t") === "hbccm_propose");
  assert.ok(propose && propose.kind === "send");
  const round = Number(propose.msg.get("round")), instance = Number(propose.msg.get("inst"));
  b.step(from({ type: "ack", round, leaderGen: 1, ok: true, instance: 0, hears: [] }), 3);
  const view = b.currentView()!;
  assert.deepEqual(view.members, ["b", "c"]);
  const proposes = (acts: MembershipAction[]) =>
    acts.filter((a) => a.kind === "send" && a.msg.get("t") === "hbccm_propose").length;
  // c reports our view: nothing to do.
  assert.equal(proposes(b.step(from({ ...report, instance, viewId: view.id }), 4)), 0);
  // c reports a view of the same instance formed by someone else: propose again, higher.
  const again = b.step(from({ ...report, instance, viewId: `${instance}.a.1.1` }), 5);
  assert.equal(proposes(again), 1);
  assert.ok(b.snapshot().round!.instance > instance);
});

Deno.test("membership: reports are merged to one per gap; a lone change goes out at once", () => {
  const bus = new Bus(["a", "b", "c", "d", "e"], 20);
  const reports = (n: string) => bus.sent.filter((s) => s.from === n && s.t === "hbccm_report");
  // Four peers come alive in one burst: without the gap e would report four times.
  bus.settle();
  bus.advance(5000);
  const t0 = bus.now, before = reports("e").length;
  for (const y of ["a", "b", "c", "d"]) bus.peer("e", y, true);
  assert.equal(reports("e").length, before + 1, "first change reported at once");
  assert.equal(bus.cores.get("e")!.nextDeadline(), t0 + 20, "the rest waits for the gap");
  bus.advance(t0 + 19);
  assert.equal(reports("e").length, before + 1);
  bus.advance(t0 + 20);
  assert.equal(reports("e").length, before + 2, "merged into one report at the gap's end");
  // A settled cluster, quiet for longer than the gap: a death is reported without delay.
  bus.allAlive();
  bus.settle();
  bus.advance(t0 + 3000);
  const quiet = reports("e").length;
  bus.peer("e", "a", false);
  assert.equal(reports("e").length, quiet + 1);
});

Deno.test("membership: with a report gap, a cluster still agrees on one view", () => {
  const bus = new Bus(["c", "a", "b", "d"], 20);
  bus.allAlive();
  bus.settle();
  bus.advance(bus.now + 200);
  for (const n of bus.names) assert.equal(bus.membersOf(n), "a b c d");
  assert.equal(new Set([...bus.views.values()].map((v) => v.id)).size, 1);
});
