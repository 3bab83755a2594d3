/**
 * One of our nodes and a REAL Heartbeat 3.0.6 node connected by a serial line only: a pty
 * pair paced at 115200 baud. Real Heartbeat runs in its own network namespace
 * (tests/interop/hbnet.sh, realhb.sh; its only other medium, ucast to its own address, reaches
 * nobody); our node runs on the host. Each must see the other active, name the link by the
 * device path, and detect the other's death.
 */
import assert from "node:assert/strict";
import {
  type NodeProc,
  nodeStatus,
  sleep,
  startNode,
  stopNode,
  waitStatus,
} from "../helpers/nodes.ts";
import { PtyPair } from "./serial_pty.ts";
import { mustScript, runScript } from "../interop/scripts.ts";

const HB_BIN = "/usr/libexec/heartbeat/heartbeat";
const ENV = { HBNET_NS: "srt", HBLAB: "/tmp/srtlab" };
const KEY = "interop-secret";
/** keepalive 200 ms, warntime 500 ms, deadtime 1 s, initdead 2 s on both sides. */
const DEADTIME_MS = 1000;
const KEEPALIVE_MS = 200;

async function missing(): Promise<string | undefined> {
  if (Deno.uid() !== 0) return "needs root (network and mount namespaces)";
  try {
    Deno.statSync(HB_BIN);
  } catch {
    return "real Heartbeat is not installed (tests/interop/realhb.sh install)";
  }
  const ip = await new Deno.Command("ip", { args: ["netns", "list"], stdout: "null" }).output()
    .catch(() => undefined);
  if (!ip || ip.code !== 0) return "`ip netns` is not usable here";
  return undefined;
}
const why = await missing();
if (why !== undefined) console.log(`serial interop test ignored: ${why}`);

/** Runs a lab script; its exit code and everything it printed. */
async function script(name: string, ...args: string[]): Promise<{ code: number; out: string }> {
  const r = await runScript(name, args, ENV);
  return { code: r.code, out: r.out + r.err };
}

function must(name: string, ...args: string[]): Promise<string> {
  return mustScript(name, args, ENV);
}

/** `cl_status ARGS` run as the real node: its trimmed output. */
async function clStatus(...args: string[]): Promise<string> {
  return (await script("realhb.sh", "exec", "1", "cl_status", ...args)).out.trim();
}

/** `cl_status ARGS`, polled until it prints `want` or `ms` passes; the last output. */
async function clStatusUntil(want: string, ms: number, ...args: string[]): Promise<string> {
  const end = performance.now() + ms;
  let last = await clStatus(...args);
  while (last !== want && performance.now() < end) {
    await sleep(100);
    last = await clStatus(...args);
  }
  return last;
}

function oursHaCf(device: string): string {
  return [
    "keepalive 200ms",
    "warntime 500ms",
    "deadtime 1",
    "initdead 2",
    "baud 115200",
    `serial ${device}`,
    "node node1 srours",
    "",
  ].join("\n");
}

function startOurs(dir: string, device: string): NodeProc {
  return startNode("srours", dir, oursHaCf(device), { authkeys: `auth 1\n1 sha1 ${KEY}\n` });
}

Deno.test({
  name: "serial interop: our node and real Heartbeat 3.0.6 over a pty pair only",
  ignore: why !== undefined,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    await script("realhb.sh", "clean");
    await script("hbnet.sh", "down");
    await must("hbnet.sh", "up", "1");
    const top = Deno.makeTempDirSync();
    const pair = new PtyPair({ baud: 115200 });
    let ours = startOurs(`${top}/ours`, pair.a);
    try {
      await must(
        "realhb.sh",
        ...["start", "1", "--nodes", "1", "--no-ccm", "--auth", "sha1", "--key", KEY],
        ...["--keepalive", "200ms", "--warntime", "500ms", "--deadtime", "1", "--initdead", "2"],
        ...["--extra", `serial ${pair.b}`, "--extra", "node srours"],
      );
      // Both see each other active, over the serial link.
      const seen = await waitStatus(ours, (r) => nodeStatus(r, "node1") === "active", 15_000);
      assert.ok(seen, `ours never saw node1 active:\n${ours.output()}`);
      const peer = seen.nodes.find((n) => n.name === "node1")!;
      assert.deepEqual(peer.links, [{ name: pair.a, status: "up" }]);
      assert.equal(await clStatusUntil("active", 10_000, "nodestatus", "srours"), "active");
      const links = await clStatus("listhblinks", "srours");
      assert.ok(links.split(/\s+/).includes(pair.b), `listhblinks: ${links}`);
      assert.equal(await clStatusUntil("up", 5000, "hblinkstatus", "srours", pair.b), "up");

      // Real Heartbeat detects our death.
      const hit = script("realhb.sh", "waitlog", "1", "node srours: is dead", "10");
      await sleep(200); // waitlog is watching
      const killedAt = Date.now();
      ours.child.kill("SIGKILL");
      await ours.child.status;
      const h = await hit;
      assert.equal(h.code, 0, `real Heartbeat did not declare srours dead: ${h.out}`);
      const hbTook = Number(h.out.match(/^(\d+) /m)![1]) - killedAt;
      assert.ok(hbTook >= DEADTIME_MS - KEEPALIVE_MS - 100, `HB: dead after ${hbTook} ms`);
      assert.ok(hbTook < DEADTIME_MS + 2000, `HB: dead after ${hbTook} ms`);

      // We come back, and detect the real node's death.
      ours = startOurs(`${top}/ours`, pair.a);
      const back = await waitStatus(ours, (r) => nodeStatus(r, "node1") === "active", 15_000);
      assert.ok(back, `ours did not see node1 again:\n${ours.output()}`);
      const out = await must("realhb.sh", "kill", "1");
      const hbKilledAt = Number(out.match(/kill_at_ms (\d+)/)![1]);
      const dead = await waitStatus(ours, (r) => nodeStatus(r, "node1") === "dead", 5000);
      const oursTook = Date.now() - hbKilledAt;
      assert.ok(dead, `ours did not declare node1 dead:\n${ours.output()}`);
      // Real Heartbeat advertises dt = deadtime + 2 s (deadtime 1 → dt=bb8 on its line), and
      // peers go by the deadtime a node advertises.
      const advertised = DEADTIME_MS + 2000;
      assert.ok(oursTook >= advertised - KEEPALIVE_MS - 100, `ours: dead after ${oursTook} ms`);
      assert.ok(oursTook < advertised + 1000, `ours: dead after ${oursTook} ms`);
      console.log(`death detected over serial: real HB ${hbTook} ms, ours ${oursTook} ms`);
    } finally {
      await stopNode(ours, 2000);
      await script("realhb.sh", "clean");
      await script("hbnet.sh", "down");
      pair.close();
      Deno.removeSync(top, { recursive: true });
    }
  },
});
