/**
 * Failure detection over a serial line, ours vs real Heartbeat 3.0.6, at 19200 and 115200
 * baud, in one run.
 *
 *   ./scripts/deno run -A --unstable-net scripts/bench_serial.ts [--trials N] [--json]
 *
 * The cable is a pty pair relayed by this process and paced at the line speed (10 bits per
 * byte), so a message takes as long to cross as on a real null-modem cable. Timings on every
 * node: keepalive 200 ms, warntime 500 ms, deadtime 1 s, initdead 2 s. Per speed, N trials of:
 *
 *   ours→ours   two of our nodes; one is SIGKILLed, the other's log says when it declared it dead
 *   HB→ours     real Heartbeat detecting our SIGKILLed node (its log line, stamped by realhb.sh)
 *   ours→HB     our node detecting the SIGKILLed real node (which advertises dt = deadtime + 2 s)
 *
 * Latency = declared-dead time minus kill time (ms). The first two rows have the same victim
 * (our node, dt = 1 s), so they compare the detectors. Needs root, iproute2 and the heartbeat
 * package; the real node runs in namespace $HBNET_NS (default "sb") with lab $HBLAB.
 */
import { startNode, stopNode, waitStatus } from "../tests/helpers/nodes.ts";
import type { NodeProc } from "../tests/helpers/nodes.ts";
import { nodeStatus, sleep } from "../tests/helpers/nodes.ts";
import { PtyPair } from "../tests/media/serial_pty.ts";
import { mustScript, runScript } from "../tests/interop/scripts.ts";

const NS = Deno.env.get("HBNET_NS") ?? "sb";
const ENV = { HBNET_NS: NS, HBLAB: Deno.env.get("HBLAB") ?? `/tmp/${NS}lab` };
const KEY = "interop-secret";
const AUTHKEYS = `auth 1\n1 sha1 ${KEY}\n`;
const BAUDS = [19200, 115200];

const args = Deno.args;
const trials = Number(args[args.indexOf("--trials") + 1] || 0) || 3;
const asJson = args.includes("--json");

function log(s: string): void {
  if (!asJson) console.error(s);
}

/** Runs a lab script; its exit code and everything it printed. */
async function sh(name: string, ...a: string[]): Promise<{ code: number; out: string }> {
  const r = await runScript(name, a, ENV);
  return { code: r.code, out: r.out + r.err };
}

function must(name: string, ...a: string[]): Promise<string> {
  return mustScript(name, a, ENV);
}

function haCf(baud: number, device: string, nodes: string): string {
  return [
    "keepalive 200ms",
    "warntime 500ms",
    "deadtime 1",
    "initdead 2",
    `baud ${baud}`,
    `serial ${device}`,
    `node ${nodes}`,
    "",
  ].join("\n");
}

/** Epoch ms of the first "node PEER: is dead" line our node logged at or after `since`. */
function oursDeadAt(n: NodeProc, peer: string, since: number): number | undefined {
  const re = new RegExp(`^(\\S+) \\S+ heartbeat\\[\\d+\\]: WARN: node ${peer}: is dead`, "gm");
  for (const m of n.output().matchAll(re)) {
    const t = Date.parse(m[1]);
    if (t >= since) return t;
  }
  return undefined;
}

async function waitOursDead(n: NodeProc, peer: string, since: number): Promise<number> {
  for (let i = 0; i < 1000; i++) {
    const t = oursDeadAt(n, peer, since);
    if (t !== undefined) return t - since;
    await sleep(10);
  }
  throw new Error(`${n.name} never declared ${peer} dead:\n${n.output()}`);
}

async function realNodeStatus(name: string): Promise<string> {
  return (await sh("realhb.sh", "exec", "1", "cl_status", "nodestatus", name)).out.trim();
}

async function until(what: string, pred: () => Promise<boolean>, ms: number): Promise<void> {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    if (await pred()) return;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function startReal(device: string): Promise<void> {
  await must(
    "realhb.sh",
    ...["start", "1", "--nodes", "1", "--no-ccm", "--auth", "sha1", "--key", KEY],
    ...["--keepalive", "200ms", "--warntime", "500ms", "--deadtime", "1", "--initdead", "2"],
    ...["--extra", `serial ${device}`, "--extra", "node srours"],
  );
}

type Row = "ours→ours" | "HB→ours" | "ours→HB";
const results: Record<string, Record<Row, number[]>> = {};

async function benchBaud(baud: number, top: string): Promise<void> {
  const r: Record<Row, number[]> = { "ours→ours": [], "HB→ours": [], "ours→HB": [] };
  results[baud] = r;
  const pair = new PtyPair({ baud });
  try {
    // ours→ours
    for (let i = 0; i < trials; i++) {
      const a = startNode("s1", `${top}/${baud}/s1`, haCf(baud, pair.a, "s1 s2"));
      const b = startNode("s2", `${top}/${baud}/s2`, haCf(baud, pair.b, "s1 s2"));
      const both = (x: { nodes: { status: string }[] }) =>
        x.nodes.every((n) => n.status === "active");
      if (!await waitStatus(a, both, 10_000) || !await waitStatus(b, both, 10_000)) {
        throw new Error(`our nodes never went active:\n${a.output()}`);
      }
      await sleep(300 + Math.random() * 200); // kill at a random phase of the heartbeat
      const at = Date.now();
      b.child.kill("SIGKILL");
      r["ours→ours"].push(await waitOursDead(a, "s2", at));
      await stopNode(a, 2000);
      await b.child.status;
      await sleep(100);
    }
    // HB→ours and ours→HB: real node on B, ours on A.
    const dir = `${top}/${baud}/ours`;
    let ours = startNode("srours", dir, haCf(baud, pair.a, "node1 srours"), {
      authkeys: AUTHKEYS,
    });
    await startReal(pair.b);
    try {
      const up = async () =>
        (await waitStatus(ours, (x) => nodeStatus(x, "node1") === "active", 200)) !== undefined;
      await until("our node to see node1", up, 20_000);
      await until(
        "node1 to see our node",
        async () => await realNodeStatus("srours") === "active",
        20_000,
      );
      for (let i = 0; i < trials; i++) {
        const hit = sh("realhb.sh", "waitlog", "1", "node srours: is dead", "15");
        await sleep(300 + Math.random() * 200);
        const at = Date.now();
        ours.child.kill("SIGKILL");
        await ours.child.status;
        const h = await hit;
        const m = h.out.match(/^(\d+) /m);
        if (h.code !== 0 || !m) throw new Error(`real Heartbeat did not see the death: ${h.out}`);
        r["HB→ours"].push(Number(m[1]) - at);
        ours = startNode("srours", dir, haCf(baud, pair.a, "node1 srours"), { authkeys: AUTHKEYS });
        await until(
          "node1 to see our node again",
          async () => await realNodeStatus("srours") === "active",
          20_000,
        );
        await until("our node to see node1 again", up, 20_000);
      }
      for (let i = 0; i < trials; i++) {
        await sleep(300 + Math.random() * 200);
        const out = await must("realhb.sh", "kill", "1");
        const at = Number(out.match(/kill_at_ms (\d+)/)![1]);
        r["ours→HB"].push(await waitOursDead(ours, "node1", at));
        await startReal(pair.b);
        await until("our node to see node1 again", up, 20_000);
      }
    } finally {
      await stopNode(ours, 2000);
      await sh("realhb.sh", "stop", "1");
    }
  } finally {
    pair.close();
  }
}

function stats(xs: number[]): { n: number; mean: number; min: number; max: number } {
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  return { n: xs.length, mean, min: Math.min(...xs), max: Math.max(...xs) };
}

if (import.meta.main) {
  await sh("realhb.sh", "clean");
  await sh("hbnet.sh", "down");
  await must("hbnet.sh", "up", "1");
  const top = Deno.makeTempDirSync({ prefix: "bench_serial" });
  try {
    for (const baud of BAUDS) {
      log(`baud ${baud}: ${trials} trials per row ...`);
      await benchBaud(baud, top);
    }
  } finally {
    await sh("realhb.sh", "clean");
    await sh("hbnet.sh", "down");
    Deno.removeSync(top, { recursive: true });
  }
  if (asJson) {
    console.log(JSON.stringify({ trials, results }, null, 2));
  } else {
    console.log("detection latency over serial (kill → declared dead), ms; deadtime 1 s");
    console.log("baud    detector→victim   n   mean    min    max");
    for (const baud of BAUDS) {
      for (const [row, xs] of Object.entries(results[baud])) {
        const s = stats(xs);
        console.log(
          `${String(baud).padEnd(7)} ${row.padEnd(17)} ${String(s.n).padStart(2)} ` +
            `${s.mean.toFixed(0).padStart(6)} ${s.min.toFixed(0).padStart(6)} ` +
            `${s.max.toFixed(0).padStart(6)}`,
        );
      }
    }
    console.log("(real Heartbeat advertises dt = deadtime + 2 s, so ours→HB waits ~3 s by design)");
  }
}
