/**
 * Membership failover benchmark, in the deterministic simulator (virtual time):
 * `./scripts/deno run -A scripts/bench_ccm.ts [--sizes 4,16,32] [--trials 5]`.
 *
 * For each cluster size: start every node, wait until all hold one view of everyone, crash
 * one node (alternately an ordinary member and the leader), and measure the virtual time from
 * the first survivor's heartbeat core declaring it dead to every survivor holding the same new
 * view without it. Network: 2 links, one-way delay 0.1-1 ms, no loss. Heartbeat timing:
 * keepalive 1 s, deadtime 5 s. Also reports the wall-clock CPU spent in membership steps
 * (all nodes together) per cluster-wide view change.
 */
import { MembershipCore } from "../src/ccm/membership.ts";
import { membershipTimings } from "../src/ccm/timings.ts";
import type { MembershipAction, View } from "../src/ccm/types.ts";
import type { CoreAction } from "../src/core/types.ts";
import { Cluster, DEFAULT_TIMINGS, type Observer } from "../tests/sim/cluster.ts";
import { VirtualClock } from "../tests/sim/clock.ts";
import { Network } from "../tests/sim/network.ts";
import { Rng } from "../tests/sim/prng.ts";

function arg(name: string, fallback: string): string {
  const i = Deno.args.indexOf(`--${name}`);
  return i >= 0 ? Deno.args[i + 1] ?? fallback : fallback;
}
const sizes = arg("sizes", "4,16,32").split(",").map(Number);
const trials = Number(arg("trials", "4"));

// CPU time inside MembershipCore.step, all nodes together.
let ccmCpuMs = 0;
const step = MembershipCore.prototype.step;
MembershipCore.prototype.step = function (this: MembershipCore, ev, now) {
  const t0 = performance.now();
  try {
    return step.call(this, ev, now);
  } finally {
    ccmCpuMs += performance.now() - t0;
  }
};

class Watch implements Observer {
  readonly views = new Map<string, View>();
  up = new Set<string>();
  victim = "";
  detectedAt = Infinity;
  convergedAt = Infinity;
  clusterViewChanges = 0;
  arrived(): void {}
  started(node: string): void {
    this.up.add(node);
  }
  crashed(node: string): void {
    this.up.delete(node);
    this.views.delete(node);
  }
  leaving(node: string): void {
    this.crashed(node);
  }
  action(_node: string, a: CoreAction, now: number): void {
    if (
      a.kind === "node_status" && a.node === this.victim && a.status === "dead" &&
      now < this.detectedAt
    ) this.detectedAt = now;
  }
  membershipAction(node: string, a: MembershipAction, now: number): void {
    if (a.kind !== "view") return;
    this.views.set(node, a.view);
    if (a.view.leader === node) this.clusterViewChanges++;
    if (this.victim && this.convergedAt === Infinity && this.converged()) this.convergedAt = now;
  }
  /** Every running node holds the same view of exactly the running nodes. */
  converged(): boolean {
    const want = [...this.up].sort().join(" ");
    let id: string | null = null;
    for (const n of this.up) {
      const v = this.views.get(n);
      if (!v || v.members.join(" ") !== want || (id !== null && v.id !== id)) return false;
      id = v.id;
    }
    return true;
  }
}

function runUntil(cluster: Cluster, clock: VirtualClock, watch: Watch, limit: number): boolean {
  while (clock.now < limit) {
    cluster.runUntil(clock.now + 0.5);
    if (watch.converged()) return true;
  }
  return false;
}

interface Sample {
  latencyMs: number;
  cpuMs: number;
  viewChanges: number;
}

function trial(n: number, seed: number, killLeader: boolean): Sample {
  const rng = Rng.seeded(seed);
  const names = Array.from({ length: n }, (_, i) => `node${String(i + 1).padStart(2, "0")}`);
  const links = ["eth0", "eth1"];
  const quiet = { loss: 0, dup: 0, reorder: 0, reorderMs: 0, delayMs: 0.1, jitterMs: 0.9 };
  const network = new Network(links, new Map(links.map((l) => [l, quiet])), rng.fork());
  const clock = new VirtualClock();
  const watch = new Watch();
  const t = DEFAULT_TIMINGS;
  const cluster = new Cluster(
    names,
    t,
    network,
    clock,
    rng.fork(),
    watch,
    membershipTimings(t.keepaliveMs),
  );
  for (const name of names) cluster.at(rng.real(0, 100), () => cluster.start(name));
  cluster.runUntil(200);
  if (!runUntil(cluster, clock, watch, 60_000)) throw new Error(`${n} nodes never converged`);
  cluster.runUntil(clock.now + rng.real(2000, 3000));
  const leader = watch.views.get(names[0])!.leader;
  watch.victim = killLeader ? leader : rng.pick(names.filter((x) => x !== leader));
  cluster.crash(watch.victim);
  const cpu0 = ccmCpuMs, views0 = watch.clusterViewChanges;
  if (!runUntil(cluster, clock, watch, clock.now + 60_000)) {
    throw new Error(`${n} nodes: no view after ${watch.victim} crashed`);
  }
  return {
    latencyMs: watch.convergedAt - watch.detectedAt,
    cpuMs: ccmCpuMs - cpu0,
    viewChanges: watch.clusterViewChanges - views0,
  };
}

console.log(
  "nodes  victim  detection → all survivors hold the new view (virtual)   membership CPU per view " +
    "change: all nodes (per node)",
);
for (const n of sizes) {
  for (const killLeader of [false, true]) {
    const samples: Sample[] = [];
    for (let k = 0; k < trials; k++) samples.push(trial(n, 1000 * n + k, killLeader));
    const lat = samples.map((s) => s.latencyMs).sort((a, b) => a - b);
    const cpu = samples.reduce((a, s) => a + s.cpuMs, 0) /
      samples.reduce((a, s) => a + Math.max(1, s.viewChanges), 0);
    console.log(
      `${String(n).padStart(5)}  ${killLeader ? "leader" : "member"}  median ${
        lat[lat.length >> 1].toFixed(1)
      } ms, max ${lat[lat.length - 1].toFixed(1)} ms (${trials} trials)` +
        `   ${cpu.toFixed(2)} ms (${(cpu / n).toFixed(3)} ms)`,
    );
  }
}
