/**
 * Failure-detection benchmark: our daemon against real Heartbeat 3.0.6, side by side in one
 * run, on a private LAN of network namespaces (2 nodes; ours on UDP 695, real on 694).
 *
 *   deno run -A --unstable-net scripts/bench_failover.ts [--trials N] [--quick]
 *       [--long-run MIN] [--json FILE] [--idle-secs S]
 * (`--trials 0` skips the detection and start-up trials, e.g. for a long run alone.)
 *
 * Measures, for keepalive/warntime/deadtime 200/500/1000 ms and 100/300/500 ms:
 * - detection latency of a crash (SIGKILL of node 2's whole process family) and of a cable
 *   pull (node 2's switch port down), from that instant until node 1 logs "is dead";
 * - start-to-mutual-active (both nodes started together, until each logs the other active);
 * - idle CPU %, RSS and PSS at keepalive 1 s (real Heartbeat: summed over its process family);
 * - with --long-run MIN: false deaths at 100/300/500 ms while every CPU is kept busy.
 * Needs root, iproute2 and the heartbeat package. Namespaces: $HBNET_NS (default "bf");
 * lab state: $HBLAB (default /tmp/bflab). Everything started is ended by PID on exit.
 */
import { parseArgs } from "node:util";
import {
  cleanup,
  cpuMs,
  type Line,
  type LineLog,
  netUp,
  OurNode,
  pssKiB,
  RealNode,
  rssKiB,
  sleep,
  startedAtMs,
  switchPort,
  type Timings,
  track,
  untrack,
} from "./bench/failover_lab.ts";

const SETS: Timings[] = [
  { keepaliveMs: 200, warntimeMs: 500, deadtimeMs: 1000 },
  { keepaliveMs: 100, warntimeMs: 300, deadtimeMs: 500 },
];
const IDLE: Timings = { keepaliveMs: 1000, warntimeMs: 3000, deadtimeMs: 5000 };
const LONG: Timings = { keepaliveMs: 100, warntimeMs: 300, deadtimeMs: 500 };
/** Real Heartbeat advertises deadtime + 2 s for its first 5 s: never kill inside that. */
const REAL_WARMUP_MS = 6000;
const NODES = [1, 2];

const { values: opt } = parseArgs({
  args: Deno.args,
  options: {
    trials: { type: "string" },
    quick: { type: "boolean", default: false },
    "long-run": { type: "string" },
    json: { type: "string" },
    "idle-secs": { type: "string" },
  },
  strict: true,
});
const TRIALS = Number(opt.trials ?? (opt.quick ? 3 : 10));
const STARTS = opt.quick ? 2 : 5;
const IDLE_SECS = Number(opt["idle-secs"] ?? (opt.quick ? 5 : 20));
const LONG_MIN = opt["long-run"] === undefined ? 0 : Number(opt["long-run"]);
if (!(TRIALS >= 0) || !(LONG_MIN >= 0) || !(IDLE_SECS > 0)) {
  console.error(
    "bench_failover: --trials N (>= 0; 0 skips the timing trials), --long-run MIN (>= 0), --idle-secs S (> 0)",
  );
  Deno.exit(2);
}

const say = (s: string) => console.error(`[${new Date().toISOString().slice(11, 23)}] ${s}`);
const rand = (ms: number) => Math.random() * ms;
const tag = (t: Timings) => `${t.keepaliveMs}/${t.warntimeMs}/${t.deadtimeMs}`;

// ---------------------------------------------------------------------------------------

interface Sample {
  latencyMs: number;
  /** Ours only: silence the daemon itself measured at declaration ("silent for X ms"). */
  silentMs?: number;
}

interface Row {
  timings: string;
  failure: "kill -9" | "link down";
  ours: Sample[];
  real: Sample[];
  oursMissed: number;
  realMissed: number;
}

const DEAD2 = /node node2: is dead/;
const active = (peer: string) => new RegExp(`Status update for node ${peer}: status active`);

function silentOf(l: Line): number | undefined {
  const m = /silent for ([\d.]+) ms/.exec(l.text);
  return m ? Number(m[1]) : undefined;
}

/** Waits until each node of a pair logs the other active (lines from the given indexes). */
async function mutualActive(
  logs: LineLog[],
  from: number[],
  timeoutMs: number,
): Promise<number | null> {
  const got = await Promise.all([
    logs[0].waitFor(active("node2"), from[0], timeoutMs),
    logs[1].waitFor(active("node1"), from[1], timeoutMs),
  ]);
  if (got[0] === null || got[1] === null) return null;
  return Math.max(got[0].at, got[1].at);
}

class Lab {
  ours = NODES.map((k) => new OurNode(k, NODES));
  real!: RealNode[];
  realReadyAt = 0;

  async init(): Promise<void> {
    await netUp(2);
    this.real = [];
    for (const k of NODES) this.real.push(await RealNode.create(k, NODES));
  }

  async startOurs(t: Timings): Promise<void> {
    const from = this.ours.map((n) => n.log.size);
    for (const n of this.ours) n.start(t);
    const ok = await mutualActive(this.ours.map((n) => n.log), from, 15_000);
    if (ok === null) throw new Error(`our nodes never became mutually active (${tag(t)})`);
  }

  async stopOurs(): Promise<void> {
    await Promise.all(this.ours.map((n) => n.stop()));
  }

  async startReal(t: Timings): Promise<void> {
    await Promise.all(this.real.map((n) => n.ensureDown()));
    const from = this.real.map((n) => n.log.size);
    await Promise.all(this.real.map((n) => n.start(t)));
    const ok = await mutualActive(this.real.map((n) => n.log), from, 20_000);
    if (ok === null) throw new Error(`real nodes never became mutually active (${tag(t)})`);
    this.realReadyAt = Date.now() + REAL_WARMUP_MS;
  }

  async stopReal(): Promise<void> {
    await Promise.all(this.real.map((n) => n.ensureDown()));
  }

  async realWarm(extraMs: number): Promise<void> {
    await sleep(Math.max(0, this.realReadyAt - Date.now()) + extraMs);
  }
}

// ---------------------------------------------------------------------------------------

async function killTrials(lab: Lab, t: Timings, row: Row): Promise<void> {
  const wait = t.deadtimeMs + 5000;
  for (let i = 0; i < TRIALS; i++) {
    // Real first, then ours while real node 2 is in its start-up window.
    await lab.realWarm(rand(t.keepaliveMs));
    let from = lab.real[0].log.size;
    let at = await lab.real[1].kill9();
    let l = await lab.real[0].log.waitFor(DEAD2, from, wait);
    if (l) row.real.push({ latencyMs: l.at - at });
    else row.realMissed++;
    const rFrom = lab.real.map((n) => n.log.size);
    await lab.real[1].start(t);
    if (await mutualActive(lab.real.map((n) => n.log), rFrom, 20_000) === null) {
      await lab.startReal(t);
    }
    lab.realReadyAt = Date.now() + REAL_WARMUP_MS;

    await sleep(300 + rand(t.keepaliveMs));
    from = lab.ours[0].log.size;
    at = await lab.ours[1].kill9();
    l = await lab.ours[0].log.waitFor(DEAD2, from, wait);
    if (l) row.ours.push({ latencyMs: l.at - at, silentMs: silentOf(l) });
    else row.oursMissed++;
    const oFrom = lab.ours.map((n) => n.log.size);
    lab.ours[1].start(t);
    if (await mutualActive(lab.ours.map((n) => n.log), oFrom, 15_000) === null) {
      throw new Error(`our node 2 did not rejoin after a restart:\n${tail(lab.ours[1].log)}`);
    }
    say(`  kill -9 ${tag(t)} trial ${i + 1}/${TRIALS}: ${last(row)}`);
  }
}

async function linkTrials(lab: Lab, t: Timings, row: Row): Promise<void> {
  const wait = t.deadtimeMs + 5000;
  for (let i = 0; i < TRIALS; i++) {
    await lab.realWarm(300 + rand(t.keepaliveMs));
    const fromO = lab.ours[0].log.size;
    const fromR = lab.real[0].log.size;
    // One cable pull, seen by both clusters at once.
    const at = await switchPort(2, false);
    const [lo, lr] = await Promise.all([
      lab.ours[0].log.waitFor(DEAD2, fromO, wait),
      lab.real[0].log.waitFor(DEAD2, fromR, wait),
    ]);
    if (lo) row.ours.push({ latencyMs: lo.at - at, silentMs: silentOf(lo) });
    else row.oursMissed++;
    if (lr) row.real.push({ latencyMs: lr.at - at });
    else row.realMissed++;
    // Let node 2's side expire too, then heal. Real Heartbeat restarts itself after a
    // healed partition (about 4 s of shutdown and exec), so it is restarted from scratch.
    await sleep(t.deadtimeMs);
    await lab.stopReal();
    const oFrom = lab.ours.map((n) => n.log.size);
    await switchPort(2, true);
    const healed = await mutualActive(lab.ours.map((n) => n.log), oFrom, 5000);
    if (healed === null) {
      say("  our nodes did not see each other active after the heal; restarting ours");
      await lab.stopOurs();
      await lab.startOurs(t);
    }
    await lab.startReal(t);
    say(`  link down ${tag(t)} trial ${i + 1}/${TRIALS}: ${last(row)}`);
  }
}

function last(row: Row): string {
  const o = row.ours.at(-1), r = row.real.at(-1);
  return `ours ${o ? o.latencyMs.toFixed(0) : "-"} ms` +
    (o?.silentMs !== undefined ? ` (silent ${o.silentMs.toFixed(1)})` : "") +
    `, real ${r ? r.latencyMs.toFixed(0) : "-"} ms`;
}

function tail(log: LineLog): string {
  return log.lines.slice(-15).map((l) => l.text).join("\n");
}

// ---------------------------------------------------------------------------------------

interface StartSample {
  fromSpawnMs: number;
  fromProcessStartMs: number;
  /** From the later of the two daemons' first log line after set-up (media open). */
  fromDaemonStartMs: number | null;
}

/** The later of both nodes' "started" lines (ours: media open; real: the forked master). */
async function daemonStarted(logs: LineLog[], from: number[], re: RegExp): Promise<number | null> {
  const got = await Promise.all(logs.map((l, i) => l.waitFor(re, from[i], 100)));
  return got.every((g) => g !== null) ? Math.max(...got.map((g) => g!.at)) : null;
}

async function startupTrials(
  lab: Lab,
  t: Timings,
): Promise<{ ours: StartSample[]; real: StartSample[] }> {
  const ours: StartSample[] = [], real: StartSample[] = [];
  for (let i = 0; i < STARTS; i++) {
    await lab.stopOurs();
    const from = lab.ours.map((n) => n.log.size);
    const t0 = Date.now();
    for (const n of lab.ours) n.start(t);
    const started = lab.ours.map((n) => startedAtMs(n.pid!) ?? t0);
    const at = await mutualActive(lab.ours.map((n) => n.log), from, 15_000);
    if (at !== null) {
      const d = await daemonStarted(lab.ours.map((n) => n.log), from, /starting as node/);
      ours.push({
        fromSpawnMs: at - t0,
        fromProcessStartMs: at - Math.max(...started),
        fromDaemonStartMs: d === null ? null : at - d,
      });
    }
    await Promise.all(lab.ours.map((n) => n.kill9()));

    await lab.stopReal();
    const rFrom = lab.real.map((n) => n.log.size);
    const r0 = Date.now();
    const masters = await Promise.all(lab.real.map((n) => n.start(t)));
    const rStarted = masters.map((p) => startedAtMs(p) ?? r0);
    const rAt = await mutualActive(lab.real.map((n) => n.log), rFrom, 20_000);
    if (rAt !== null) {
      const d = await daemonStarted(lab.real.map((n) => n.log), rFrom, /heartbeat: version/);
      real.push({
        fromSpawnMs: rAt - r0,
        fromProcessStartMs: rAt - Math.max(...rStarted),
        fromDaemonStartMs: d === null ? null : rAt - d,
      });
    }
    await lab.stopReal();
    say(
      `  start ${i + 1}/${STARTS}: ours ${ours.at(-1)?.fromProcessStartMs.toFixed(0)} ms, ` +
        `real ${real.at(-1)?.fromProcessStartMs.toFixed(0)} ms (from the later process start)`,
    );
  }
  return { ours, real };
}

interface Footprint {
  cpuPct: number;
  rssKiB: number;
  /** Summed PSS: a family's shared pages counted once. */
  pssKiB: number;
  processes: number;
}

async function footprint(lab: Lab): Promise<{ ours: Footprint; real: Footprint }> {
  await lab.startOurs(IDLE);
  await lab.startReal(IDLE);
  await lab.realWarm(0);
  const ourPids = lab.ours.map((n) => n.pid!);
  const realPids = (await Promise.all(lab.real.map((n) => n.pids()))).flat();
  const c0 = new Map([...ourPids, ...realPids].map((p) => [p, cpuMs(p)]));
  const w0 = performance.now();
  await sleep(IDLE_SECS * 1000);
  const wall = performance.now() - w0;
  const pct = (pids: number[]) => {
    let used = 0;
    for (const p of pids) {
      const a = c0.get(p), b = cpuMs(p);
      if (a != null && b != null) used += b - a;
    }
    // Per node: the pair's total divided by two.
    return (100 * used / wall) / 2;
  };
  const rss = (pids: number[]) => pids.reduce((s, p) => s + rssKiB(p), 0) / 2;
  const pss = (pids: number[]) => pids.reduce((s, p) => s + pssKiB(p), 0) / 2;
  const result = {
    ours: {
      cpuPct: pct(ourPids),
      rssKiB: rss(ourPids),
      pssKiB: pss(ourPids),
      processes: ourPids.length / 2,
    },
    real: {
      cpuPct: pct(realPids),
      rssKiB: rss(realPids),
      pssKiB: pss(realPids),
      processes: realPids.length / 2,
    },
  };
  await lab.stopOurs();
  await lab.stopReal();
  return result;
}

interface LongRun {
  minutes: number;
  timings: string;
  oursFalseDeaths: number;
  realFalseDeaths: number;
  oursLateWarnings: number;
  realLateWarnings: number;
  burners: number;
  /** The death and late-heartbeat lines themselves, as evidence (node index: line). */
  evidence: string[];
}

async function longRun(lab: Lab, minutes: number): Promise<LongRun> {
  await lab.startOurs(LONG);
  await lab.startReal(LONG);
  await lab.realWarm(0);
  const logs = [...lab.ours.map((n) => n.log), ...lab.real.map((n) => n.log)];
  const from = logs.map((l) => l.size);
  const cores = navigator.hardwareConcurrency;
  const burners: Deno.ChildProcess[] = [];
  for (let i = 0; i < cores; i++) {
    const b = new Deno.Command("sh", { args: ["-c", "while :; do :; done"], stdin: "null" })
      .spawn();
    track(b.pid);
    burners.push(b);
  }
  say(`long run: ${minutes} min at ${tag(LONG)} with ${cores} busy loops`);
  const end = Date.now() + minutes * 60_000;
  while (Date.now() < end) {
    await sleep(Math.min(30_000, end - Date.now()));
    say(`  ${((end - Date.now()) / 60_000).toFixed(1)} min left`);
  }
  for (const b of burners) {
    b.kill("SIGKILL");
    await b.status;
    untrack(b.pid);
  }
  // Ours logs each death once as "Status update ... status dead (reason)".
  const oursDead = /Status update for node node\d: status dead \(/;
  const realDead = /node node\d: is dead/;
  const late = /Late heartbeat/;
  const r: LongRun = {
    minutes,
    timings: tag(LONG),
    oursFalseDeaths: logs[0].count(oursDead, from[0]) + logs[1].count(oursDead, from[1]),
    realFalseDeaths: logs[2].count(realDead, from[2]) + logs[3].count(realDead, from[3]),
    oursLateWarnings: logs[0].count(late, from[0]) + logs[1].count(late, from[1]),
    realLateWarnings: logs[2].count(late, from[2]) + logs[3].count(late, from[3]),
    burners: cores,
    evidence: logs.flatMap((l, i) =>
      l.lines.slice(from[i]).filter((x) =>
        (i < 2 ? oursDead : realDead).test(x.text) || late.test(x.text)
      ).map((x) => `${i < 2 ? "ours" : "real"} node${(i % 2) + 1}: ${x.text}`)
    ),
  };
  await lab.stopOurs();
  await lab.stopReal();
  return r;
}

// ---------------------------------------------------------------------------------------

interface Stats {
  n: number;
  min: number;
  median: number;
  max: number;
}

function stats(xs: number[]): Stats | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  return { n: s.length, min: s[0], median, max: s[s.length - 1] };
}

const f0 = (x: number | undefined) => x === undefined ? "-" : x.toFixed(0);
const f2 = (x: number) => x.toFixed(2);
const mmm = (s: Stats | null) => s ? `${f0(s.min)} / ${f0(s.median)} / ${f0(s.max)}` : "-";

function report(rows: Row[]): string[] {
  const out = [
    "| timings ka/wt/dt ms | failure | ours min/med/max ms | real min/med/max ms | ratio med | ratio max | ours max < real med | ours in [dt-ka, dt+20] | ours silent max (dt+20 limit) | missed ours/real |",
    "|---|---|---|---|---|---|---|---|---|---|",
  ];
  for (const r of rows) {
    const [ka, , dt] = r.timings.split("/").map(Number);
    const o = stats(r.ours.map((s) => s.latencyMs));
    const re = stats(r.real.map((s) => s.latencyMs));
    const silent = stats(r.ours.flatMap((s) => s.silentMs === undefined ? [] : [s.silentMs]));
    const inWindow = r.ours.every((s) => s.latencyMs >= dt - ka && s.latencyMs <= dt + 20);
    out.push(
      `| ${r.timings} | ${r.failure} | ${mmm(o)} | ${mmm(re)} | ` +
        `${o && re ? f2(o.median / re.median) : "-"} | ${o && re ? f2(o.max / re.max) : "-"} | ` +
        `${o && re ? (o.max < re.median ? "yes" : "NO") : "-"} | ${inWindow ? "yes" : "NO"} | ` +
        `${
          silent ? `${silent.max.toFixed(1)} (${dt + 20})` : "-"
        } | ${r.oursMissed}/${r.realMissed} |`,
    );
  }
  return out;
}

async function main(): Promise<void> {
  if (Deno.uid() !== 0) {
    console.error("bench_failover: needs root (network namespaces)");
    Deno.exit(1);
  }
  const lab = new Lab();
  const onSignal = async () => {
    say("interrupted: cleaning up");
    await cleanup(NODES);
    Deno.exit(130);
  };
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);
  const result: Record<string, unknown> = { trials: TRIALS, date: new Date().toISOString() };
  try {
    await lab.init();
    if (TRIALS > 0) say(`start-to-mutual-active, ${STARTS} starts at ${tag(SETS[0])}`);
    const starts = TRIALS > 0 ? await startupTrials(lab, SETS[0]) : { ours: [], real: [] };
    const rows: Row[] = [];
    for (const t of TRIALS > 0 ? SETS : []) {
      say(`timings ${tag(t)}: ${TRIALS} kill -9 and ${TRIALS} link-down trials`);
      await lab.startOurs(t);
      await lab.startReal(t);
      const kill: Row = {
        timings: tag(t),
        failure: "kill -9",
        ours: [],
        real: [],
        oursMissed: 0,
        realMissed: 0,
      };
      await killTrials(lab, t, kill);
      const link: Row = { ...kill, failure: "link down", ours: [], real: [] };
      link.oursMissed = link.realMissed = 0;
      await linkTrials(lab, t, link);
      rows.push(kill, link);
      await lab.stopOurs();
      await lab.stopReal();
    }
    say(`idle footprint at ${tag(IDLE)} over ${IDLE_SECS} s`);
    const fp = await footprint(lab);
    const long = LONG_MIN > 0 ? await longRun(lab, LONG_MIN) : null;

    const lines = ['## Failure detection (from the failure instant to node 1\'s "is dead")', ""];
    lines.push(...report(rows), "");
    const so = stats(starts.ours.map((s) => s.fromProcessStartMs));
    const sr = stats(starts.real.map((s) => s.fromProcessStartMs));
    const so2 = stats(starts.ours.map((s) => s.fromSpawnMs));
    const sr2 = stats(starts.real.map((s) => s.fromSpawnMs));
    const so3 = stats(starts.ours.flatMap((s) => s.fromDaemonStartMs ?? []));
    const sr3 = stats(starts.real.flatMap((s) => s.fromDaemonStartMs ?? []));
    lines.push(
      `## Start to mutual active (${tag(SETS[0])}, ${STARTS} starts; min/med/max ms)`,
      "",
      "| measured from | ours | real | ratio med |",
      "|---|---|---|---|",
      `| later process start | ${mmm(so)} | ${mmm(sr)} | ${
        so && sr ? f2(so.median / sr.median) : "-"
      } |`,
      `| later daemon start line (media open / forked master) | ${mmm(so3)} | ${mmm(sr3)} | ${
        so3 && sr3 ? f2(so3.median / sr3.median) : "-"
      } |`,
      `| spawn of both start commands | ${mmm(so2)} | ${mmm(sr2)} | ${
        so2 && sr2 ? f2(so2.median / sr2.median) : "-"
      } |`,
      "",
      `## Idle footprint per node (${tag(IDLE)}, ${IDLE_SECS} s)`,
      "",
      "| | CPU % | RSS KiB (summed) | PSS KiB (summed) | processes |",
      "|---|---|---|---|---|",
      ...(["ours", "real"] as const).map((w) => {
        const x = fp[w];
        const who = w === "ours" ? "ours" : "real (family, no ccm)";
        return `| ${who} | ${x.cpuPct.toFixed(3)} | ${x.rssKiB.toFixed(0)} | ${
          x.pssKiB.toFixed(0)
        } | ${x.processes} |`;
      }),
      "",
    );
    if (long) {
      lines.push(
        `## Long run (${long.minutes} min at ${long.timings}, ${long.burners} busy loops)`,
        "",
        "| | false deaths | late-heartbeat warnings |",
        "|---|---|---|",
        `| ours | ${long.oursFalseDeaths} | ${long.oursLateWarnings} |`,
        `| real | ${long.realFalseDeaths} | ${long.realLateWarnings} |`,
        "",
      );
    }
    console.log(lines.join("\n"));
    Object.assign(result, { detection: rows, startup: starts, footprint: fp, longRun: long });
    if (opt.json) Deno.writeTextFileSync(opt.json, JSON.stringify(result, null, 2) + "\n");
  } finally {
    await cleanup(NODES);
  }
}

await main();
Deno.exit(0);
