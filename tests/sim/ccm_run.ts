/**
 * One seeded simulation of heartbeat cores + membership cores: a fault phase (loss,
 * duplication, reordering, delay, symmetric partitions, one-way blocks, heals, crashes,
 * restarts, graceful leaves, wall-clock jumps), then faults stop (everything healed, no
 * loss) and every running node must hold one common view within `convergenceBoundMs`.
 */
import { Checker } from "./checker.ts";
import { CcmChecker } from "./ccm_checker.ts";
import { Cluster, type MembershipTimings, type Timings } from "./cluster.ts";
import { VirtualClock } from "./clock.ts";
import { type LinkFaults, Network } from "./network.ts";
import { Rng } from "./prng.ts";
import { REPORT_GAP_MS } from "../../src/ccm/timings.ts";

/** Heartbeat timing for membership runs: short, so a seed costs little virtual time. */
export const CCM_TIMINGS: Timings = {
  keepaliveMs: 200,
  warntimeMs: 600,
  deadtimeMs: 1000,
  initdeadMs: 2000,
  maxRexmitDelayMs: 50,
};

export const CCM_ROUNDS: MembershipTimings = {
  roundTimeoutMs: 400,
  resyncMs: 1000,
  reportGapMs: REPORT_GAP_MS,
};

/** Largest one-way delay of a packet in these runs (delay + jitter + reordering). */
export const MAX_DELAY_MS = 2 + 3 + 30;

/**
 * Time after the last fault by which every running node holds the same view (README.md,
 * "Bound"): liveness settles within deadtime + keepalive + a retransmission delay, a lost
 * report is repeated within resyncMs, a round stuck on old information ends within
 * roundTimeoutMs, and the message exchanges that remain take at most 10 one-way delays, each
 * after at most one report gap.
 */
export function convergenceBoundMs(
  t: Timings = CCM_TIMINGS,
  r: MembershipTimings = CCM_ROUNDS,
  maxDelayMs = MAX_DELAY_MS,
): number {
  return t.deadtimeMs + t.keepaliveMs + t.maxRexmitDelayMs + r.resyncMs + r.roundTimeoutMs +
    10 * (maxDelayMs + r.reportGapMs);
}

export interface CcmResult {
  seed: number;
  nodes: number;
  failures: string[];
  steps: number;
  viewChanges: number;
  formed: number;
  /** From the end of the faults to the last view change. */
  convergedAfterMs: number;
  boundMs: number;
  faults: string[];
}

/** The command that reproduces one run exactly. */
export function ccmReproCommand(seed: number, nodes: number): string {
  return `./scripts/deno task sim:ccm --seed ${seed} --nodes ${nodes}`;
}

/** Node count for `seed` in the CI mix: mostly 2-5 nodes, every 100th 8, every 500th 16. */
export function ccmDefaultNodes(seed: number): number {
  if (seed % 500 === 0) return 16;
  if (seed % 100 === 0) return 8;
  return 2 + (seed % 4);
}

function linkFaults(rng: Rng, lossy: boolean): LinkFaults {
  return {
    loss: lossy ? rng.real(0, 0.2) : 0,
    dup: rng.real(0, 0.05),
    reorder: rng.real(0, 0.1),
    reorderMs: rng.real(0, 30),
    delayMs: rng.real(0.1, 2),
    jitterMs: rng.real(0, 3),
  };
}

/** Simulates `nodeCount` nodes under the faults of `seed`. */
export function runCcmSeed(seed: number, nodeCount: number): CcmResult {
  const rng = Rng.seeded(seed * 104_729 + nodeCount);
  const t = CCM_TIMINGS;
  const names = Array.from({ length: nodeCount }, (_, i) => `node${i + 1}`);
  const links = ["eth0", "eth1"];
  const lossy = rng.chance(0.7);
  const faults = new Map(links.map((l) => [l, linkFaults(rng, lossy)]));
  const clock = new VirtualClock();
  const network = new Network(links, faults, rng.fork(), new Set(["eth0"]));
  const liveness = new Checker({
    deadtimeMs: t.deadtimeMs,
    keepaliveMs: t.keepaliveMs,
    initdeadMs: t.initdeadMs,
    strictNoFalseDeath: false,
  });
  const checker = new CcmChecker(liveness, {
    nodes: nodeCount,
    deadtimeMs: t.deadtimeMs,
    roundTimeoutMs: CCM_ROUNDS.roundTimeoutMs,
  });
  const cluster = new Cluster(names, t, network, clock, rng.fork(), checker, CCM_ROUNDS);
  for (const n of names) cluster.at(rng.real(0, 500), () => cluster.start(n));

  // Fault phase: random events; choices of victims are made when each event runs.
  const sustained = nodeCount >= 4 && rng.chance(0.4);
  const faultStart = 1500, faultEnd = faultStart + rng.real(sustained ? 3500 : 500, 5000);
  const log: string[] = [];
  const events = rng.int(2, 12);
  const up = () => names.filter((n) => cluster.isUp(n));
  // A node stays down a little before it restarts: a graceful leave's last messages must be
  // out of the network first (the liveness checker ties a shutdown notice to the run it ends).
  const downSince = new Map<string, number>();
  const down = () =>
    names.filter((n) => !cluster.isUp(n) && clock.now - (downSince.get(n) ?? 0) >= 300);
  // Some runs keep a one-way block for the whole fault phase while nodes come and
  // go: views keep being formed while two nodes cannot reach each other one way.
  if (sustained) {
    // Neither end is node1 (the usual leader): a third party must notice the asymmetry.
    const x = rng.pick(names.slice(1)), y = rng.pick(names.slice(1).filter((n) => n !== x));
    const others = names.filter((n) => n !== x && n !== y && n !== names[0]);
    const blockAt = faultStart + rng.real(0, 500);
    cluster.at(blockAt, () => {
      network.block(x, y);
      log.push(`${clock.now.toFixed(0)} sustained block ${x}>${y}`);
    });
    for (let at = blockAt + 1500; at < faultEnd - 300; at += rng.real(600, 1500)) {
      const z = rng.pick(others);
      cluster.at(at, () => {
        if (cluster.isUp(z) && up().length > 1) {
          cluster.crash(z);
          downSince.set(z, clock.now);
          log.push(`${clock.now.toFixed(0)} crash ${z}`);
        } else if (!cluster.isUp(z) && down().includes(z)) {
          cluster.start(z);
          log.push(`${clock.now.toFixed(0)} start ${z}`);
        }
        network.block(x, y); // a random heal may have lifted it
      });
    }
  }
  for (let i = 0; i < events; i++) {
    const at = rng.real(faultStart, faultEnd);
    const kind = rng.int(0, 9);
    cluster.at(at, () => {
      const u = up(), d = down();
      const note = (s: string) => log.push(`${clock.now.toFixed(0)} ${s}`);
      if (kind === 0 && u.length > 1) {
        const x = rng.pick(u);
        cluster.crash(x);
        downSince.set(x, clock.now);
        note(`crash ${x}`);
      } else if (kind === 1 && d.length) {
        const x = rng.pick(d);
        cluster.start(x);
        note(`start ${x}`);
      } else if (kind === 2 || kind === 3) {
        const shuffled = [...names].sort(() => rng.next() - 0.5);
        const cut = rng.int(1, Math.max(1, names.length - 1));
        network.partition(shuffled.slice(0, cut), shuffled.slice(cut));
        note(`partition ${shuffled.slice(0, cut)} | ${shuffled.slice(cut)}`);
      } else if (kind === 8 && names.length > 2) {
        // One-way partition: group a stops hearing group b, b still hears a.
        const shuffled = [...names].sort(() => rng.next() - 0.5);
        const cut = rng.int(1, names.length - 1);
        const a = shuffled.slice(0, cut), b = shuffled.slice(cut);
        for (const x of b) for (const y of a) network.block(x, y);
        note(`one-way partition ${b} > ${a} blocked`);
      } else if ((kind === 4 || kind === 9) && names.length > 1) {
        const x = rng.pick(names), y = rng.pick(names.filter((n) => n !== x));
        network.block(x, y);
        note(`block ${x}>${y}`);
      } else if (kind === 5) {
        network.healAll();
        note("heal");
      } else if (kind === 6 && u.length > 1) {
        const x = rng.pick(u);
        cluster.shutdown(x);
        downSince.set(x, clock.now);
        note(`leave ${x}`);
      } else {
        const x = rng.pick(names);
        clock.jumpWall(x, rng.chance(0.5) ? 3600 : -3600);
        note(`wall clock jump ${x}`);
      }
    });
  }
  // Faults stop: heal, no more loss, some of the stopped nodes come back.
  cluster.at(faultEnd, () => {
    network.healAll();
    for (const l of links) faults.set(l, { ...faults.get(l)!, loss: 0 });
    for (const x of down()) if (rng.chance(0.5)) cluster.start(x);
    if (up().length === 0) cluster.start(down()[0] ?? names[0]);
    log.push(`${faultEnd.toFixed(0)} faults end; running ${up()}`);
  });
  const bound = convergenceBoundMs();
  const checkAt = faultEnd + bound;
  cluster.at(checkAt, () => checker.checkConverged(clock.now, faultEnd));
  for (let at = 250; at <= checkAt; at += 250) cluster.at(at, () => liveness.checkDeadlines(at));

  const failures = checker.failures;
  try {
    cluster.runUntil(checkAt);
  } catch (e) {
    failures.push(`exception: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
  }
  for (const f of liveness.failures) failures.push(`liveness ${f}`);
  return {
    seed,
    nodes: nodeCount,
    failures,
    steps: cluster.steps,
    viewChanges: checker.viewChanges,
    formed: checker.formed,
    convergedAfterMs: Math.max(0, checker.lastViewAt - faultEnd),
    boundMs: bound,
    faults: log,
  };
}
