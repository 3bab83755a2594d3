/**
 * `heartbeat demo`: a 3-node cluster on loopback (127.0.0.x, ucast), each node a real
 * `heartbeat start` process with its own config, state and run directory under a temp dir.
 * Waits until every node sees every node active, prints a status, SIGKILLs one node, shows
 * how long the survivors took to declare it dead, then stops the rest gracefully and
 * removes everything it created.
 */
import { parseCommandArgs } from "./args.ts";
import { register } from "./dispatch.ts";
import { parseTime } from "../config/timesyntax.ts";
import { selfCommand } from "./self_command.ts";
import { fetchStatus, formatStatus } from "./status.ts";
import type { StatusReport } from "../daemon/status_types.ts";

const HELP = `usage: heartbeat demo [--nodes N] [--port P] [--keepalive T] [--deadtime T] [--keep]

Runs an N-node (default 3) heartbeat-ts cluster on 127.0.0.11.. with UDP port P
(default 15694), kills one node with SIGKILL and reports the detection time.
  --keepalive, --deadtime   Heartbeat time syntax (defaults 200ms and 1)
  --keep                    keep the temp directory (configs, logs) for inspection`;

interface DemoNode {
  name: string;
  dir: string;
  runDir: string;
  child: Deno.ChildProcess;
  log: Deno.FsFile;
}

async function sleep(ms: number) {
  await new Promise((r) => setTimeout(r, ms));
}

function haCf(i: number, n: number, port: number, keepalive: string, deadtime: string): string {
  // Late-heartbeat warnings at half the deadtime.
  const dead = parseTime(deadtime);
  const warntime = dead.ok ? `${Math.max(1, Math.round(dead.ms / 2))}ms` : deadtime;
  const me = `127.0.0.${10 + i}`;
  const lines = [
    `# heartbeat demo node${i}`,
    `keepalive ${keepalive}`,
    `deadtime ${deadtime}`,
    `warntime ${warntime}`,
    `initdead ${deadtime}`,
    `udpport ${port}`,
  ];
  // The interface of a ucast line may be a local address (heartbeat-ts extension), which
  // lets several nodes share one host's loopback.
  for (let k = 1; k <= n; k++) if (k !== i) lines.push(`ucast ${me} 127.0.0.${10 + k}`);
  lines.push(`node ${Array.from({ length: n }, (_, k) => `node${k + 1}`).join(" ")}`);
  return lines.join("\n") + "\n";
}

async function waitAllActive(nodes: DemoNode[], live: DemoNode[], ms: number) {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    let ok = true;
    for (const n of live) {
      const r = await fetchStatus(n.runDir);
      if (typeof r === "string" || r.status !== "active") {
        ok = false;
        break;
      }
      const active = r.nodes.filter((x) => x.status === "active").length;
      if (active !== nodes.length) ok = false;
    }
    if (ok) return true;
    await sleep(20);
  }
  return false;
}

register("demo", {
  summary: "run a local demo cluster on loopback and show failure detection",
  async run(args) {
    const parsed = parseCommandArgs("demo", HELP, {
      args,
      options: {
        nodes: { type: "string", default: "3" },
        port: { type: "string", default: "15694" },
        keepalive: { type: "string", default: "200ms" },
        deadtime: { type: "string", default: "1" },
        keep: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
    });
    if (typeof parsed === "number") return parsed;
    const { values } = parsed;
    const count = Number(values.nodes);
    const port = Number(values.port);
    if (!Number.isInteger(count) || count < 2 || count > 32) {
      console.error(`heartbeat demo: --nodes must be 2..32, got ${values.nodes}`);
      return 2;
    }
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      console.error(`heartbeat demo: --port must be 1..65535, got ${values.port}`);
      return 2;
    }
    const top = Deno.makeTempDirSync({ prefix: "heartbeat-demo-" });
    const nodes: DemoNode[] = [];
    let code = 1;
    try {
      for (let i = 1; i <= count; i++) {
        const dir = `${top}/node${i}`;
        Deno.mkdirSync(dir, { recursive: true });
        Deno.writeTextFileSync(
          `${dir}/ha.cf`,
          haCf(i, count, port, values.keepalive!, values.deadtime!),
        );
      }
      const key = [...crypto.getRandomValues(new Uint8Array(24))]
        .map((b) => b.toString(16).padStart(2, "0")).join("");
      for (let i = 1; i <= count; i++) {
        const dir = `${top}/node${i}`;
        Deno.writeTextFileSync(`${dir}/authkeys`, `auth 1\n1 sha256 ${key}\n`, { mode: 0o600 });
        Deno.chmodSync(`${dir}/authkeys`, 0o600);
        const runDir = `${dir}/run`;
        const log = Deno.openSync(`${dir}/heartbeat.log`, { write: true, create: true });
        const { cmd, args: a } = selfCommand([
          "start",
          "-c",
          `${dir}/ha.cf`,
          "--node",
          `node${i}`,
          "--state-dir",
          `${dir}/state`,
          "--run-dir",
          runDir,
          "-l",
        ]);
        const child = new Deno.Command(cmd, {
          args: a,
          stdin: "null",
          stdout: "piped",
          stderr: "piped",
        }).spawn();
        child.stdout.pipeTo(log.writable).catch(() => {});
        nodes.push({ name: `node${i}`, dir, runDir, child, log });
        // stderr goes to the same file; pipeTo closes its target, so copy by hand.
        (async () => {
          for await (const chunk of child.stderr) {
            try {
              log.writeSync(chunk);
            } catch {
              break;
            }
          }
        })();
      }
      console.log(
        `demo: started ${count} nodes on 127.0.0.11-${10 + count}, port ${port} (${top})`,
      );
      const t0 = performance.now();
      if (!(await waitAllActive(nodes, nodes, 15_000))) {
        console.error("demo: the nodes did not all become active within 15 s; their logs:");
        for (const n of nodes) {
          console.error(`--- ${n.name}`);
          console.error(Deno.readTextFileSync(`${n.dir}/heartbeat.log`).slice(-2000));
        }
        return 1;
      }
      console.log(
        `demo: all ${count} nodes active, seen by every node, after ${
          Math.round(performance.now() - t0)
        } ms\n`,
      );
      const first = await fetchStatus(nodes[0].runDir);
      if (typeof first !== "string") console.log(formatStatus(first) + "\n");

      const victim = nodes[nodes.length - 1];
      const survivors = nodes.slice(0, -1);
      victim.child.kill("SIGKILL");
      const killedAt = performance.now();
      console.log(`demo: sent SIGKILL to ${victim.name} (pid ${victim.child.pid})`);
      const seen = new Map<string, number>();
      while (seen.size < survivors.length && performance.now() - killedAt < 10_000) {
        for (const s of survivors) {
          if (seen.has(s.name)) continue;
          const r: StatusReport | string = await fetchStatus(s.runDir);
          if (typeof r === "string") continue;
          if (r.nodes.find((x) => x.name === victim.name)?.status === "dead") {
            seen.set(s.name, performance.now() - killedAt);
          }
        }
        await sleep(5);
      }
      for (const s of survivors) {
        const ms = seen.get(s.name);
        console.log(
          ms === undefined
            ? `demo: ${s.name} did NOT declare ${victim.name} dead within 10 s`
            : `demo: ${s.name} declared ${victim.name} dead ${Math.round(ms)} ms after the kill ` +
              `(deadtime ${values.deadtime}, keepalive ${values.keepalive})`,
        );
      }
      // Membership: every survivor installs a view without the victim.
      const viewAt = new Map<string, number>();
      while (viewAt.size < survivors.length && performance.now() - killedAt < 10_000) {
        for (const s of survivors) {
          if (viewAt.has(s.name)) continue;
          const r = await fetchStatus(s.runDir);
          if (typeof r === "string" || r.membership === null) continue;
          if (!r.membership.members.includes(victim.name)) {
            viewAt.set(s.name, performance.now() - killedAt);
            console.log(
              `demo: ${s.name} holds membership view ${r.membership.instance} ` +
                `[${r.membership.members.join(" ")}] ${Math.round(viewAt.get(s.name)!)} ms after ` +
                `the kill`,
            );
          }
        }
        await sleep(5);
      }
      code = seen.size === survivors.length && viewAt.size === survivors.length ? 0 : 1;
    } finally {
      for (const n of nodes) {
        try {
          n.child.kill("SIGTERM");
        } catch {
          // already gone
        }
      }
      for (const n of nodes) {
        const timer = setTimeout(() => {
          try {
            n.child.kill("SIGKILL");
          } catch {
            // gone
          }
        }, 5000);
        await n.child.status;
        clearTimeout(timer);
      }
      console.log("demo: all nodes stopped");
      if (!values.keep) Deno.removeSync(top, { recursive: true });
      else console.log(`demo: kept ${top}`);
    }
    return code;
  },
});
