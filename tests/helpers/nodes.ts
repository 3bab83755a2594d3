/**
 * Starts real `heartbeat start` processes (the binary's entry point, main.ts) for tests,
 * each with its own directory, and talks to them through their control sockets.
 */
import { selfCommand } from "../../src/cli/self_command.ts";
import { fetchStatus } from "../../src/cli/status.ts";
import type { StatusReport } from "../../src/daemon/status_types.ts";

export interface NodeProc {
  name: string;
  dir: string;
  runDir: string;
  child: Deno.ChildProcess;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
}

export interface StartOptions {
  /** Wrap the command, e.g. to run it inside a network namespace: (cmd,args) → [cmd,args]. */
  wrap?: (cmd: string, args: string[]) => [string, string[]];
  authkeys?: string;
  /** More `heartbeat start` options. */
  extraArgs?: string[];
  /** More environment variables. */
  env?: Record<string, string>;
}

/** Writes ha.cf + authkeys into `dir` and starts the node. */
export function startNode(
  name: string,
  dir: string,
  haCf: string,
  opts: StartOptions = {},
): NodeProc {
  Deno.mkdirSync(dir, { recursive: true });
  Deno.writeTextFileSync(`${dir}/ha.cf`, haCf);
  Deno.writeTextFileSync(`${dir}/authkeys`, opts.authkeys ?? "auth 1\n1 sha1 test-secret\n");
  Deno.chmodSync(`${dir}/authkeys`, 0o600);
  const runDir = `${dir}/run`;
  let { cmd, args } = selfCommand([
    "start",
    "-c",
    `${dir}/ha.cf`,
    "--node",
    name,
    "--state-dir",
    `${dir}/state`,
    "--run-dir",
    runDir,
    // Test daemons share a small machine: no realtime scheduling.
    "-l",
    ...(opts.extraArgs ?? []),
  ]);
  if (opts.wrap) [cmd, args] = opts.wrap(cmd, args);
  const child = new Deno.Command(cmd, {
    args,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", ...opts.env },
  }).spawn();
  let out = "";
  const dec = new TextDecoder();
  const drain = async (s: ReadableStream<Uint8Array>) => {
    for await (const c of s) out += dec.decode(c);
  };
  drain(child.stdout);
  drain(child.stderr);
  return { name, dir, runDir, child, output: () => out };
}

export async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

/** Polls `pred` on the node's status report until true or `ms` passes. */
export async function waitStatus(
  node: NodeProc,
  pred: (r: StatusReport) => boolean,
  ms: number,
): Promise<StatusReport | undefined> {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    const r = await fetchStatus(node.runDir);
    if (typeof r !== "string" && pred(r)) return r;
    await sleep(10);
  }
  return undefined;
}

export function nodeStatus(r: StatusReport, name: string): string | undefined {
  return r.nodes.find((n) => n.name === name)?.status;
}

/** Stops a node: SIGTERM, then SIGKILL after `ms`. Returns its exit code. */
export async function stopNode(n: NodeProc, ms = 5000): Promise<number> {
  try {
    n.child.kill("SIGTERM");
  } catch {
    // already gone
  }
  const t = setTimeout(() => {
    try {
      n.child.kill("SIGKILL");
    } catch {
      // gone
    }
  }, ms);
  const s = await n.child.status;
  clearTimeout(t);
  return s.code;
}

/** Ports unlikely to collide between test files running in parallel. */
export function testPort(offset: number): number {
  return 30000 + ((Deno.pid * 7 + offset) % 20000);
}

/**
 * ha.cf for node `me` of a loopback cluster of nodes `all` (addresses 127.0.0.K, names
 * `${prefix}K`): fast timing (keepalive 100 ms, deadtime 500 ms), ucast to every peer, plus
 * `extra` lines.
 */
export function loopbackHaCf(
  me: number,
  all: number[],
  port: number,
  prefix: string,
  extra: string[] = [],
): string {
  return [
    "keepalive 100ms",
    "warntime 300ms",
    "deadtime 500ms",
    "initdead 1",
    `udpport ${port}`,
    ...extra,
    ...all.filter((k) => k !== me).map((k) => `ucast 127.0.0.${me} 127.0.0.${k}`),
    `node ${all.map((k) => `${prefix}${k}`).join(" ")}`,
  ].join("\n") + "\n";
}

/** Whether the report's node and every node it knows are active. */
export function allActive(r: StatusReport): boolean {
  return r.status === "active" && r.nodes.every((x) => x.status === "active");
}

/** Waits until each of `nodes` sees every node active; fails with a node's output if not. */
export async function waitAllActive(nodes: NodeProc[], ms = 10_000): Promise<void> {
  for (const n of nodes) {
    if (!await waitStatus(n, allActive, ms)) {
      throw new Error(`${n.name} never saw every node active:\n${n.output()}`);
    }
  }
}
