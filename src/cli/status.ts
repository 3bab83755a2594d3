/**
 * `heartbeat status`: one-shot report from the local daemon, human or `--json`.
 * Exit 0 when the daemon answers; 1 with Heartbeat's "stopped" sentence when it does not
 * (the same exit code `cl_status hbstatus` gives).
 */
import { parseCommandArgs } from "./args.ts";
import { register } from "./dispatch.ts";
import { controlRequest } from "../daemon/control.ts";
import { controlSocketPath, runDirFrom } from "../daemon/paths.ts";
import type { StatusReport } from "../daemon/status_types.ts";

const HELP = `usage: heartbeat status [--json] [--run-dir DIR]

Asks the local daemon for this node's view of the cluster: every node with its status and
type, every link with its state, and the protocol counters.

  --json          print the report as JSON
  --run-dir DIR   the daemon's run directory (default $HEARTBEAT_RUN_DIR or /run/heartbeat)`;

/** Formats a report for people. */
export function formatStatus(r: StatusReport): string {
  const out: string[] = [];
  out.push(
    `heartbeat-ts ${r.version} is running on ${r.node}: ${r.status} ` +
      `(pid ${r.pid}, up ${fmtMs(r.uptimeMs)}, generation ${r.generation})`,
  );
  const t = r.timings;
  out.push(
    `timings: keepalive ${t.keepaliveMs} ms, warntime ${t.warntimeMs} ms, ` +
      `deadtime ${t.deadtimeMs} ms, initdead ${t.initdeadMs} ms`,
  );
  const m = r.membership;
  out.push(
    m === null
      ? "membership: no view yet"
      : `membership: view ${m.instance}, members ${m.members.join(" ")} (leader ${m.leader}, ` +
        `${m.quorum ? "has quorum" : "NO quorum"})`,
  );
  out.push("");
  const w = Math.max(4, ...r.nodes.map((n) => n.name.length));
  out.push(`${"NODE".padEnd(w)}  TYPE    STATUS   LAST HEARD   LINKS`);
  for (const n of r.nodes) {
    const heard = n.name === r.node
      ? "(this node)"
      : n.lastHeardMsAgo === null
      ? "never"
      : `${fmtMs(n.lastHeardMsAgo)} ago`;
    const links = n.links.map((l) => `${l.name} ${l.status}`).join(", ") || "-";
    out.push(
      `${n.name.padEnd(w)}  ${n.type.padEnd(6)}  ${n.status.padEnd(7)}  ${
        heard.padEnd(11)
      }  ${links}`,
    );
  }
  const counters = Object.entries(r.counters).filter(([, v]) => v !== 0);
  if (counters.length > 0) {
    out.push("");
    out.push("counters: " + counters.map(([k, v]) => `${k}=${v}`).join(" "));
  }
  return out.join("\n");
}

function fmtMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 7_200_000) return `${Math.round(ms / 60_000)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

/** Fetches the report; a string is the reason the daemon could not be asked. */
export async function fetchStatus(runDir: string): Promise<StatusReport | string> {
  const path = controlSocketPath(runDir);
  let reply;
  try {
    reply = await controlRequest(path, { cmd: "status" });
  } catch (e) {
    if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.ConnectionRefused) {
      return `no daemon listening at ${path}`;
    }
    if (e instanceof Deno.errors.PermissionDenied) {
      return `no permission to open ${path}: run as root or as a member of the daemon's group`;
    }
    return `cannot ask the daemon at ${path}: ${(e as Error).message}`;
  }
  if (!reply.ok) return `the daemon refused the request: ${reply.error}`;
  return reply.result as StatusReport;
}

register("status", {
  summary: "show this node's view of the cluster (nodes, links, counters)",
  async run(args) {
    const parsed = parseCommandArgs("status", HELP, {
      args,
      options: {
        json: { type: "boolean", default: false },
        "run-dir": { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
      allowPositionals: false,
    });
    if (typeof parsed === "number") return parsed;
    const { values } = parsed;
    const report = await fetchStatus(runDirFrom(values["run-dir"]));
    if (typeof report === "string") {
      if (values.json) console.log(JSON.stringify({ running: false, reason: report }));
      else console.error(`Heartbeat is stopped on this machine (${report}).`);
      return 1;
    }
    if (values.json) console.log(JSON.stringify({ running: true, ...report }, null, 2));
    else console.log(formatStatus(report));
    return 0;
  },
});
