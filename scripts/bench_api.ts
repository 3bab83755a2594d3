/**
 * `deno task bench:api`: client-to-client message throughput and latency through two daemons,
 * for our daemon and for real Heartbeat 3.0.6, with the same C client (scripts/bench/
 * api_client.c, linked against Heartbeat's own client library, built here into a temp dir).
 *
 * Each cluster has two nodes in network namespaces (real pair: tests/interop/realhb.sh; our
 * pair: `ip netns exec` + `heartbeat start`), sha1 auth, same keepalive. A receiver signs on at
 * node B, a sender with the same client name at node A sends N messages to the cluster; the
 * receiver counts them and measures one-way latency from the sender's timestamp.
 *
 *   deno run -A scripts/bench_api.ts [--n 20000] [--paced-n 2000] [--paced-rates 200,1000,5000]
 *                                    [--only ours|real] [--keepalive 1] [--flood-runs 1]
 *                                    [--hacf-extra "realtime off;..."]
 *
 * "flood" sends as fast as the daemon takes them; the paced runs send at a fixed rate (latency
 * at a load the daemon can carry). `--flood-runs K` repeats the flood (a noisy 2-core machine
 * needs several runs) and prints the median. For our pair the table also shows what the
 * daemons' counters say happened meanwhile: retransmissions asked for, packets given up on
 * ("lost"), and messages dropped because a client's queue was full (a client starved of CPU,
 * e.g. by other load while the daemons run realtime). Our daemons log to
 * $HBLAB/ours{3,4}/ha.log.
 *
 * Needs root, iproute2, gcc, heartbeat, heartbeat-dev, libheartbeat2-dev, cluster-glue-dev,
 * libglib2.0-dev. Namespace prefix: $HBNET_NS (default "ab"), lab: $HBLAB (default /tmp/ablab).
 */
import { parseArgs } from "node:util";
import { fetchStatus } from "../src/cli/status.ts";
import { selfCommand } from "../src/cli/self_command.ts";

const { values: opt } = parseArgs({
  args: Deno.args,
  options: {
    n: { type: "string", default: "20000" },
    "paced-n": { type: "string", default: "2000" },
    "paced-rates": { type: "string", default: "200,1000,5000" },
    only: { type: "string" },
    keepalive: { type: "string", default: "1" },
    /** Extra ha.cf lines for our nodes, ";"-separated (e.g. "realtime off" to profile). */
    "hacf-extra": { type: "string", default: "" },
    "flood-runs": { type: "string", default: "1" },
  },
});
const N = Number(opt.n);
const PACED_N = Number(opt["paced-n"]);
const PACED_RATES = opt["paced-rates"]!.split(",").map(Number);
const KEEPALIVE = opt.keepalive!;
const FLOOD_RUNS = Math.max(1, Number(opt["flood-runs"]));
const HACF_EXTRA = opt["hacf-extra"]!.split(";").map((l) => l.trim()).filter(Boolean);
const NSP = Deno.env.get("HBNET_NS") ?? "ab";
const LAB = Deno.env.get("HBLAB") ?? "/tmp/ablab";
const HERE = new URL(".", import.meta.url).pathname;
const HBNET = `${HERE}../tests/interop/hbnet.sh`;
const REALHB = `${HERE}../tests/interop/realhb.sh`;
const CLIENT_ID = "hbbench";
const ENV = { HBNET_NS: NSP, HBLAB: LAB };
const dec = new TextDecoder();

interface RunOut {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(cmd: string, args: string[], check = true): Promise<RunOut> {
  const o = await new Deno.Command(cmd, { args, env: ENV, stdout: "piped", stderr: "piped" })
    .output();
  const r = { code: o.code, stdout: dec.decode(o.stdout), stderr: dec.decode(o.stderr) };
  if (check && r.code !== 0) {
    throw new Error(`${cmd} ${args.join(" ")} failed (${r.code}): ${r.stderr}${r.stdout}`);
  }
  return r;
}

/** Builds the C client; returns its path. */
async function buildClient(dir: string): Promise<string> {
  const out = `${dir}/api_client`;
  const glib = (await run("pkg-config", ["--cflags", "--libs", "glib-2.0"])).stdout.trim()
    .split(/\s+/);
  await run("gcc", [
    "-O2",
    "-o",
    out,
    `${HERE}bench/api_client.c`,
    "-I/usr/include/heartbeat",
    "-L/usr/lib",
    "-lhbclient",
    "-lplumb",
    ...glib,
  ]);
  return out;
}

/** How a client process is started at one node of a cluster. */
type ClientCmd = (node: 1 | 2, argv: string[]) => [string, string[]];

interface Result {
  label: string;
  sent: number;
  received: number;
  msgsPerSec: number;
  p50us: number;
  p99us: number;
  maxUs: number;
  sendSec: number;
  /** The daemon refused the sender's messages for 5 s (flow control never resumed). */
  stalled: boolean;
  /** Times sendclustermsg was refused (channel full) and retried after 100 µs. */
  retries: number;
  /** Our pair only: retransmissions the receiving node asked for, and packets it gave up on. */
  rexmits?: number;
  lost?: number;
  /** Our pair only: messages the daemons dropped because a local client's queue was full. */
  apiDrops?: number;
}

/** Reads a cluster's protocol counters (our pair only), to tell what a run cost. */
type CounterProbe = () => Promise<{ rexmits: number; lost: number; apiDrops: number }>;

/** Starts a receiver at node 2, then a sender at node 1; returns what the receiver saw. */
async function measure(
  label: string,
  client: ClientCmd,
  exe: string,
  n: number,
  rate: number,
  probe?: CounterProbe,
): Promise<Result> {
  const type = `bench-${Date.now()}`;
  const before = await probe?.();
  const [rc, ra] = client(2, [exe, "recv", CLIENT_ID, type, String(n), "3000"]);
  const recv = new Deno.Command(rc, { args: ra, env: ENV, stdout: "piped", stderr: "piped" })
    .spawn();
  const reader = recv.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buf = "";
  while (!buf.includes("ready\n")) {
    const { value, done } = await reader.read();
    if (done) {
      // stdout is locked by the reader: collect stderr alone.
      const err = await new Response(recv.stderr).text();
      await recv.status;
      throw new Error(`${label}: receiver did not sign on: ${err}`);
    }
    buf += value;
  }
  const [sc, sa] = client(1, [exe, "send", CLIENT_ID, type, String(n), String(rate)]);
  const sender = await run(sc, sa);
  const s = JSON.parse(sender.stdout.trim().split("\n").pop()!);
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += value;
  }
  await recv.status;
  const line = buf.trim().split("\n").pop()!;
  const r = JSON.parse(line);
  const span = (r.last_recv_ns - r.first_send_ns) / 1e9;
  const after = await probe?.();
  return {
    rexmits: before && after ? after.rexmits - before.rexmits : undefined,
    lost: before && after ? after.lost - before.lost : undefined,
    apiDrops: before && after ? after.apiDrops - before.apiDrops : undefined,
    label,
    sent: s.sent,
    received: r.received,
    msgsPerSec: r.received > 0 ? r.received / span : 0,
    p50us: r.p50_us,
    p99us: r.p99_us,
    maxUs: r.max_us,
    sendSec: s.elapsed_ns / 1e9,
    stalled: s.stalled === true,
    retries: s.retries,
  };
}

// ---- real Heartbeat pair: nodes 1 and 2 of the namespace LAN --------------------------------

async function startReal(): Promise<ClientCmd> {
  for (const k of [1, 2]) {
    await run(REALHB, [
      "start",
      String(k),
      "--nodes",
      "1 2",
      "--auth",
      "sha1",
      "--keepalive",
      KEEPALIVE,
      "--warntime",
      "5",
      "--deadtime",
      "10",
      "--initdead",
      "20",
      "--no-ccm",
      "--extra",
      `apiauth ${CLIENT_ID} uid=root`,
    ]);
  }
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const r = await run(REALHB, ["exec", "1", "cl_status", "nodestatus", "node2"], false);
    const r2 = await run(REALHB, ["exec", "2", "cl_status", "nodestatus", "node1"], false);
    if (r.stdout.trim() === "active" && r2.stdout.trim() === "active") {
      return (k, argv) => [REALHB, ["exec", String(k), ...argv]];
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error("real Heartbeat pair did not become active within 60 s");
}

async function stopReal(): Promise<void> {
  for (const k of ["1", "2"]) await run(REALHB, ["stop", k], false);
}

// ---- our pair: nodes 3 and 4 of the namespace LAN ------------------------------------------

interface OurNode {
  child: Deno.ChildProcess;
  runDir: string;
}

function startOurs(k: 3 | 4): OurNode {
  const dir = `${LAB}/ours${k}`;
  Deno.mkdirSync(dir, { recursive: true });
  const peer = k === 3 ? 4 : 3;
  Deno.writeTextFileSync(
    `${dir}/ha.cf`,
    `node node3 node4\nucast eth0 10.99.0.${10 + peer}\nudpport 694\n` +
      `keepalive ${KEEPALIVE}\nwarntime 5\ndeadtime 10\ninitdead 20\n` +
      `apiauth ${CLIENT_ID} uid=root\nlogfile ${dir}/ha.log\n` +
      HACF_EXTRA.map((l) => `${l}\n`).join(""),
  );
  Deno.writeTextFileSync(`${dir}/authkeys`, "auth 1\n1 sha1 interop-secret\n");
  Deno.chmodSync(`${dir}/authkeys`, 0o600);
  const runDir = `${dir}/run`;
  const { cmd, args } = selfCommand([
    "start",
    "-c",
    `${dir}/ha.cf`,
    "--node",
    `node${k}`,
    "--state-dir",
    `${dir}/state`,
    "--run-dir",
    runDir,
  ]);
  // BENCH_API_DENO_FLAGS (e.g. "--inspect=127.0.0.1:9229") go to our daemons' deno, to profile.
  const extra = (Deno.env.get("BENCH_API_DENO_FLAGS") ?? "").split(/\s+/).filter(Boolean);
  if (extra.length > 0 && args[0] === "run") args.splice(1, 0, ...extra);
  const child = new Deno.Command("ip", {
    args: ["netns", "exec", `${NSP}n${k}`, cmd, ...args],
    stdin: "null",
    stdout: "null",
    stderr: "null",
    env: { NO_COLOR: "1" },
  }).spawn();
  return { child, runDir };
}

/** Sums the retransmission and loss counters of our nodes. */
function ourCounters(nodes: OurNode[]): CounterProbe {
  return async () => {
    let rexmits = 0;
    let lost = 0;
    let apiDrops = 0;
    for (const n of nodes) {
      const r = await fetchStatus(n.runDir);
      if (typeof r === "string") throw new Error(`status of ${n.runDir}: ${r}`);
      rexmits += r.counters.rexmit_requested ?? 0;
      lost += r.counters.lost ?? 0;
      apiDrops += r.counters.api_dropped ?? 0;
    }
    return { rexmits, lost, apiDrops };
  };
}

async function waitOurs(nodes: OurNode[]): Promise<ClientCmd> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    let all = true;
    for (const n of nodes) {
      const r = await fetchStatus(n.runDir);
      if (typeof r === "string" || !r.nodes.every((x) => x.status === "active")) all = false;
    }
    if (all) {
      // The clients see our run dir at Heartbeat's compiled-in /run/heartbeat.
      return (k, argv) => [
        "unshare",
        [
          "--mount",
          "--propagation",
          "private",
          "sh",
          "-c",
          'mkdir -p /run/heartbeat && mount --bind "$0" /run/heartbeat && exec "$@"',
          nodes[k - 1].runDir,
          ...argv,
        ],
      ];
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("our pair did not become active within 30 s");
}

// ---- main -----------------------------------------------------------------------------------

/** "flood", or "flood 1".."flood K" with --flood-runs K. */
function floodLabels(): string[] {
  return FLOOD_RUNS === 1
    ? ["flood"]
    : Array.from({ length: FLOOD_RUNS }, (_, i) => `flood ${i + 1}`);
}

/** The flood run of median throughput (the lower middle one of an even count), if it ran. */
function medianFlood(rows: Result[], cluster: string): Result | undefined {
  const floods = rows.filter((r) => r.label.startsWith(`${cluster}, flood`))
    .sort((a, b) => a.msgsPerSec - b.msgsPerSec);
  return floods[Math.floor((floods.length - 1) / 2)];
}

function table(rows: Result[]): void {
  console.log(
    "| cluster / load | sent | send rate | received | msgs/s | p50 latency | p99 latency | max latency | " +
      "send refused | rexmit asked / lost / client queue drops |",
  );
  console.log("|---|---|---|---|---|---|---|---|---|---|");
  for (const r of rows) {
    const ms = (us: number) => `${(us / 1000).toFixed(2)} ms`;
    console.log(
      `| ${r.label} | ${r.sent}${r.stalled ? " (stalled)" : ""} | ` +
        `${Math.round(r.sent / r.sendSec)}/s | ${r.received} | ${Math.round(r.msgsPerSec)} | ` +
        `${ms(r.p50us)} | ${ms(r.p99us)} | ${ms(r.maxUs)} | ${r.retries} | ` +
        `${r.rexmits === undefined ? "-" : `${r.rexmits} / ${r.lost} / ${r.apiDrops}`} |`,
    );
  }
}

if (import.meta.main) {
  const tmp = Deno.makeTempDirSync({ prefix: "bench_api" });
  const exe = await buildClient(tmp);
  await run(HBNET, ["up", "4"]);
  const ours: OurNode[] = [];
  const rows: Result[] = [];
  try {
    if (opt.only !== "ours") {
      // A fresh pair for every run: once Heartbeat's flow control stalls (clients paused,
      // never resumed) the pair stays stalled, which would spoil the runs after it.
      for (
        const [label, n, rate] of [
          ...PACED_RATES.map((r) => [`${r}/s`, PACED_N, r] as const),
          ...floodLabels().map((l) => [l, N, 0] as const),
        ]
      ) {
        const real = await startReal();
        rows.push(await measure(`Heartbeat 3.0.6, ${label}`, real, exe, n, rate));
        await stopReal();
      }
    }
    if (opt.only !== "real") {
      ours.push(startOurs(3), startOurs(4));
      const c = await waitOurs(ours);
      for (const rate of PACED_RATES) {
        rows.push(
          await measure(`heartbeat-ts, ${rate}/s`, c, exe, PACED_N, rate, ourCounters(ours)),
        );
      }
      for (const l of floodLabels()) {
        rows.push(await measure(`heartbeat-ts, ${l}`, c, exe, N, 0, ourCounters(ours)));
      }
    }
    table(rows);
    const real = medianFlood(rows, "Heartbeat 3.0.6");
    const mine = medianFlood(rows, "heartbeat-ts");
    for (const m of [real, mine]) {
      if (m && FLOOD_RUNS > 1) {
        console.log(
          `\n${m.label}: median of ${FLOOD_RUNS} floods ${Math.round(m.msgsPerSec)} msgs/s`,
        );
      }
    }
    if (real && mine) {
      console.log(
        `\nthroughput ratio heartbeat-ts / Heartbeat: ${
          (mine.msgsPerSec / real.msgsPerSec).toFixed(2)
        }x; p99 latency ratio (flood): ${(mine.p99us / real.p99us).toFixed(2)}x`,
      );
    }
  } finally {
    for (const n of ours) {
      try {
        n.child.kill("SIGTERM");
      } catch {
        // gone
      }
      await n.child.status;
    }
    if (opt.only !== "ours") await stopReal();
    await run(HBNET, ["down"], false);
    Deno.removeSync(tmp, { recursive: true });
  }
}
