/**
 * `deno task bench:ccm:real`: time from a failure being detected to every survivor holding the
 * new membership view, with N real `heartbeat start` processes, each in its own network
 * namespace on one bridged LAN (bcast), keepalive 250 ms / deadtime 2 s by default.
 *
 * Times come from the daemons' own log lines (millisecond timestamps): detection = the first
 * survivor's "is dead" line for the victim; view = the last survivor's "membership: view"
 * line without the victim. Each trial kills one more node (the leader first, then others).
 *
 * Usage: deno task bench:ccm:real [--nodes 4,8,16] [--trials 3] [--keepalive T] [--deadtime T]
 * (root; makes its own namespaces and removes them)
 */
import { parseArgs } from "node:util";
import { netnsUnavailable, TestLan } from "../tests/helpers/netns.ts";
import { inNamespace } from "../tests/helpers/netns_extra.ts";
import { type NodeProc, startNode, stopNode, waitStatus } from "../tests/helpers/nodes.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    nodes: { type: "string", default: "4,8,16" },
    trials: { type: "string", default: "3" },
    keepalive: { type: "string", default: "250ms" },
    deadtime: { type: "string", default: "2" },
  },
});
const sizes = values.nodes!.split(",").map(Number);
const trials = Number(values.trials);

const why = await netnsUnavailable();
if (why) {
  console.error(`bench:ccm:real: ${why}`);
  Deno.exit(1);
}

const STAMP = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) /;

function linesAfter(n: NodeProc, since: number, re: RegExp): number[] {
  const out: number[] = [];
  for (const line of n.output().split("\n")) {
    const m = STAMP.exec(line);
    if (!m || !re.test(line)) continue;
    const t = Date.parse(m[1]);
    if (t >= since) out.push(t);
  }
  return out;
}

function haCf(n: number): string {
  return [
    `keepalive ${values.keepalive}`,
    `deadtime ${values.deadtime}`,
    `initdead ${values.deadtime}`,
    "udpport 694",
    "bcast eth0",
    `node ${Array.from({ length: n }, (_, i) => `n${i + 1}`).join(" ")}`,
  ].join("\n") + "\n";
}

const rows: string[] = [];
for (const n of sizes) {
  const lan = await TestLan.up(n);
  const top = Deno.makeTempDirSync({ prefix: "hbts-ccmbench-" });
  const nodes: NodeProc[] = [];
  try {
    // Staggered: 16 Deno processes loading at once on a small machine would starve each
    // other's heartbeats (deaths that measure the machine, not the protocol).
    for (let k = 1; k <= n; k++) {
      const p = startNode(`n${k}`, `${top}/n${k}`, haCf(n), inNamespace(lan, k));
      nodes.push(p);
      await waitStatus(p, () => true, 30_000);
    }
    for (const p of nodes) {
      const ok = await waitStatus(p, (r) => r.membership?.members.length === n, 60_000);
      if (!ok) throw new Error(`${p.name} never held a view of all ${n} nodes:\n${p.output()}`);
    }
    const alive = [...nodes];
    const victims = [0, n - 1, 1].slice(0, Math.min(trials, n - 2)).map((i) => nodes[i]);
    const results: number[] = [];
    for (const victim of victims) {
      const survivors = alive.filter((p) => p !== victim);
      const killedAt = Date.now();
      victim.child.kill("SIGKILL");
      await victim.child.status;
      alive.splice(alive.indexOf(victim), 1);
      for (const s of survivors) {
        const ok = await waitStatus(
          s,
          (r) => r.membership !== null && !r.membership.members.includes(victim.name),
          10_000,
        );
        if (!ok) throw new Error(`${s.name} never dropped ${victim.name} from its view`);
      }
      const dead = new RegExp(`node ${victim.name}: is dead`);
      const detect = Math.min(...survivors.flatMap((s) => linesAfter(s, killedAt, dead)));
      const view = new RegExp(`membership: view \\d+ \\[(?![^\\]]*\\b${victim.name}\\b)`);
      const held = Math.max(...survivors.map((s) => Math.min(...linesAfter(s, killedAt, view))));
      results.push(held - detect);
      console.log(
        `N=${n} killed ${victim.name}: detected ${detect - killedAt} ms after the kill, ` +
          `all ${survivors.length} survivors hold the new view ${held - detect} ms after detection`,
      );
    }
    results.sort((a, b) => a - b);
    rows.push(
      `| ${n} | ${results.length} | ${results[0]} | ${results[Math.floor(results.length / 2)]} | ${
        results.at(-1)
      } |`,
    );
  } finally {
    for (const p of nodes) await stopNode(p, 3000);
    await lan.down();
    Deno.removeSync(top, { recursive: true });
  }
}
console.log(
  "\n| real nodes | trials | min ms | median ms | max ms |  (detection → all survivors hold the view)",
);
console.log("|---|---|---|---|---|");
for (const r of rows) console.log(r);
