/** Runs one seeded simulation and reports every invariant violation. */
import { Checker } from "./checker.ts";
import { Cluster, DEFAULT_TIMINGS } from "./cluster.ts";
import { VirtualClock } from "./clock.ts";
import { Network } from "./network.ts";
import { Rng } from "./prng.ts";
import { scenarioFor, type ScenarioKind } from "./scenario.ts";

export interface SimResult {
  seed: number;
  nodes: number;
  kind: ScenarioKind;
  failures: string[];
  steps: number;
  deaths: number;
  delivered: number;
  rexmitRequests: number;
  lossRate: number;
}

/** The command that reproduces one run exactly. */
export function reproCommand(seed: number, nodes: number): string {
  return `./scripts/deno task sim --seed ${seed} --nodes ${nodes}`;
}

/** Node count used for `seed` when none is given. */
export function defaultNodes(seed: number): number {
  return 3 + (seed % 6);
}

const SETTLE_MS = 12_000;

/** Simulates `nodeCount` nodes under the scenario of `seed`. */
export function runSeed(seed: number, nodeCount: number): SimResult {
  const rng = Rng.seeded(seed * 7919 + nodeCount);
  const scen = scenarioFor(seed, rng);
  const t = DEFAULT_TIMINGS;
  const names = Array.from({ length: nodeCount }, (_, i) => `node${i + 1}`);
  const clock = new VirtualClock();
  const network = new Network(scen.links, scen.faults, rng.fork(), new Set(["eth0"]));
  const checker = new Checker({
    deadtimeMs: t.deadtimeMs,
    keepaliveMs: t.keepaliveMs,
    initdeadMs: t.initdeadMs,
    strictNoFalseDeath: scen.strictNoFalseDeath,
  });
  const cluster = new Cluster(names, t, network, clock, rng.fork(), checker);
  const end = scen.durationMs;
  const sends = new Map<string, { n: number; dest?: string; gen: number }[]>();

  for (const n of names) cluster.at(rng.real(0, 2000), () => cluster.start(n));
  for (let at = 250; at <= end; at += 250) cluster.at(at, () => checker.checkDeadlines(at));

  // Client traffic until SETTLE_MS before the end.
  for (const n of names) {
    for (let at = 3000 + rng.real(0, 1000); at < end - SETTLE_MS; at += rng.real(300, 1500)) {
      const dest = rng.chance(0.2) ? rng.pick(names.filter((x) => x !== n)) : undefined;
      cluster.at(at, () => {
        const k = cluster.clientSend(n, dest);
        const gen = cluster.nodes.get(n)!.generation;
        if (k !== null) sends.set(n, [...(sends.get(n) ?? []), { n: k, dest, gen }]);
      });
    }
  }
  // Wall-clock steps of ±1 h must never matter.
  if (scen.kind !== "heavy") {
    for (let i = 0; i < 2; i++) {
      const who = rng.pick(names),
        when = rng.real(5000, end - 5000),
        by = rng.chance(0.5) ? 3600 : -3600;
      cluster.at(when, () => clock.jumpWall(who, by));
    }
  }

  const restarted: string[] = [];
  if (scen.kind === "lossy") {
    const victim = rng.pick(names);
    cluster.at(rng.real(12_000, 25_000), () => cluster.crash(victim));
    // A graceful leave of another node: peers declare it at the shutdown notice.
    const leaver = rng.pick(names.filter((n) => n !== victim));
    cluster.at(rng.real(12_000, 25_000), () => cluster.shutdown(leaver));
  } else if (scen.kind === "partition") {
    const shuffled = [...names].sort(() => rng.next() - 0.5);
    const cut = rng.int(1, names.length - 1);
    const a = shuffled.slice(0, cut), b = shuffled.slice(cut);
    const t1 = rng.real(12_000, 15_000), len1 = rng.real(6000, 9000);
    cluster.at(t1, () => network.partition(a, b));
    cluster.at(t1 + len1, () => network.healAll());
    const x = rng.pick(names), y = rng.pick(names.filter((n) => n !== x));
    const t2 = t1 + len1 + rng.real(1000, 2000), len2 = rng.real(2000, 6000);
    cluster.at(t2, () => network.block(x, y));
    cluster.at(t2 + len2, () => network.healAll());
    // A crash with a long outage: declared dead, then rejoins with a new generation.
    const victim = rng.pick(names), tc = rng.real(4000, 8000);
    cluster.at(tc, () => cluster.crash(victim));
    cluster.at(tc + rng.real(6000, 8000), () => cluster.start(victim));
  } else if (scen.kind === "restart") {
    for (const [lo, hi] of [[12_000, 16_000], [22_000, 25_000]]) {
      const victim = rng.pick(names), tc = rng.real(lo, hi), down = rng.real(300, 1500);
      restarted.push(victim);
      cluster.at(tc, () => cluster.crash(victim));
      cluster.at(tc + down, () => {
        checker.expectNoDead(victim, clock.now + 2 * t.deadtimeMs);
        cluster.start(victim);
      });
    }
  }

  const failures = checker.failures;
  try {
    cluster.runUntil(end);
    checker.checkDeadlines(end);
  } catch (e) {
    failures.push(`exception: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
  }

  const live = names.filter((n) => cluster.isUp(n));
  if (scen.kind !== "heavy") {
    // Convergence: after the faults end, every live node sees every other live node alive,
    // in its current generation, and is active itself.
    for (const x of live) {
      const snap = cluster.nodes.get(x)!.core!.snapshot();
      if (snap.status !== "active") failures.push(`end: ${x} is ${snap.status}, not active`);
      for (const y of live) {
        if (y === x) continue;
        const v = snap.nodes.find((s) => s.name === y)!;
        const gen = 1000 + cluster.nodes.get(y)!.generation;
        if (v.status === "dead" || v.status === "init") {
          failures.push(`end: ${x} sees live ${y} ${v.status}`);
        }
        if (v.generation !== gen) {
          failures.push(`end: ${x} has ${y} at generation ${v.generation}, not ${gen}`);
        }
      }
    }
  }
  if (scen.complete) {
    for (const [y, list] of sends) {
      for (const x of live) {
        if (x === y) continue;
        const want = list.filter((s) => s.dest === undefined || s.dest === x);
        const got = checker.deliveredSets.get(`${x}>${y}@${1000 + want[0]?.gen}`) ?? new Set();
        const missing = want.filter((s) => !got.has(s.n)).map((s) => s.n);
        if (missing.length) {
          failures.push(`(c) ${x} never got ${y}'s messages ${missing.slice(0, 10).join(",")}`);
        }
      }
    }
  }

  return {
    seed,
    nodes: nodeCount,
    kind: scen.kind,
    failures,
    steps: cluster.steps,
    deaths: checker.deaths,
    delivered: checker.stats.delivered,
    rexmitRequests: checker.stats.rexmitRequests,
    lossRate: network.sentCopies ? network.lostCopies / network.sentCopies : 0,
  };
}
