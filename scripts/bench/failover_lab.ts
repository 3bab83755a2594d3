/**
 * The lab of the failover benchmark: two network namespaces (tests/interop/hbnet.sh), our
 * daemon and real Heartbeat 3.0.6 (tests/interop/realhb.sh) running side by side on them
 * (ours on UDP 695, real on 694), log watching with millisecond arrival times, and
 * /proc readings. Everything started here is remembered by PID and ended by `cleanup()`.
 */
import { selfCommand } from "../../src/cli/self_command.ts";

const here = new URL("../../tests/interop/", import.meta.url).pathname;
export const NS = Deno.env.get("HBNET_NS") ?? "bf";
export const LAB = Deno.env.get("HBLAB") ?? "/tmp/bflab";
const ENV = { HBNET_NS: NS, HBLAB: LAB };
export const OUR_PORT = 695;

export interface Timings {
  keepaliveMs: number;
  warntimeMs: number;
  deadtimeMs: number;
}

/** Heartbeat refuses an initdead below deadtime. */
export function initdeadFor(t: Timings): number {
  return Math.max(2000, 2 * t.deadtimeMs);
}

export interface Cmd {
  code: number;
  out: string;
  err: string;
}

/** Runs a command to completion. */
export async function run(cmd: string, args: string[]): Promise<Cmd> {
  const o = await new Deno.Command(cmd, {
    args,
    env: ENV,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const d = new TextDecoder();
  return { code: o.code, out: d.decode(o.stdout), err: d.decode(o.stderr) };
}

async function must(cmd: string, args: string[]): Promise<string> {
  const r = await run(cmd, args);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.code}): ${r.err}`);
  return r.out;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** One log line with the epoch-ms time it was written (ours) or first seen (real). */
export interface Line {
  at: number;
  text: string;
}

/** A growing list of log lines that can be waited on. */
export class LineLog {
  readonly lines: Line[] = [];
  #waiters: (() => void)[] = [];

  push(l: Line): void {
    this.lines.push(l);
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }

  get size(): number {
    return this.lines.length;
  }

  /** The first line at index >= from matching re, or null after timeoutMs. */
  async waitFor(re: RegExp, from: number, timeoutMs: number): Promise<Line | null> {
    const end = Date.now() + timeoutMs;
    let i = from;
    while (true) {
      for (; i < this.lines.length; i++) if (re.test(this.lines[i].text)) return this.lines[i];
      const left = end - Date.now();
      if (left <= 0) return null;
      await new Promise<void>((r) => {
        const t = setTimeout(r, left);
        this.#waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
  }

  count(re: RegExp, from = 0): number {
    let n = 0;
    for (let i = from; i < this.lines.length; i++) if (re.test(this.lines[i].text)) n++;
    return n;
  }
}

/**
 * Follows a file from its current end, polling every 2 ms (as realhb.sh waitlog does):
 * Heartbeat's own log timestamps have one-second resolution, so a line's time is the
 * moment it appeared.
 */
export class FileTail {
  readonly log = new LineLog();
  #stop = false;
  readonly done: Promise<void>;

  constructor(path: string) {
    this.done = this.#loop(path);
    tails.add(this);
  }

  async #loop(path: string): Promise<void> {
    const f = await Deno.open(path, { read: true });
    await f.seek(0, Deno.SeekMode.End);
    const buf = new Uint8Array(65536);
    const dec = new TextDecoder();
    let part = "";
    try {
      while (!this.#stop) {
        const n = await f.read(buf);
        if (n === null || n === 0) {
          await sleep(2);
          continue;
        }
        const at = Date.now();
        part += dec.decode(buf.subarray(0, n), { stream: true });
        const pieces = part.split("\n");
        part = pieces.pop()!;
        for (const text of pieces) this.log.push({ at, text });
      }
    } finally {
      f.close();
    }
  }

  async stop(): Promise<void> {
    this.#stop = true;
    tails.delete(this);
    await this.done.catch(() => {});
  }
}

// ---------------------------------------------------------------------------------------
// Processes we started: ended by PID on cleanup.

const ourChildren = new Set<Deno.ChildProcess>();
const tails = new Set<FileTail>();
const otherPids = new Set<number>();

/** Remembers a PID to SIGKILL on cleanup (e.g. CPU burners). */
export function track(pid: number): void {
  otherPids.add(pid);
}

export function untrack(pid: number): void {
  otherPids.delete(pid);
}

// ---------------------------------------------------------------------------------------
// The network.

export function nodeIp(k: number): string {
  return `10.99.0.${10 + k}`;
}

export async function netUp(n: number): Promise<void> {
  await must(`${here}hbnet.sh`, ["up", String(n)]);
}

/** Takes node K's switch port down or up; returns epoch ms right after the change. */
export async function switchPort(k: number, up: boolean): Promise<number> {
  await must("ip", ["-n", `${NS}sw`, "link", "set", `p${k}`, up ? "up" : "down"]);
  return Date.now();
}

// ---------------------------------------------------------------------------------------
// Our daemon.

export class OurNode {
  readonly log = new LineLog();
  child: Deno.ChildProcess | null = null;
  /** Set when the daemon ended on its own (not by kill9/stop). */
  exited: string | null = null;
  readonly dir: string;

  constructor(readonly k: number, readonly nodes: number[]) {
    this.dir = `${LAB}/ours/n${k}`;
  }

  get name(): string {
    return `node${this.k}`;
  }

  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  /** Writes ha.cf for these timings and starts `heartbeat start` in node K's namespace. */
  start(t: Timings, initdeadMs = initdeadFor(t)): void {
    if (this.child) throw new Error(`${this.name} (ours) already runs`);
    this.exited = null;
    Deno.mkdirSync(this.dir, { recursive: true });
    Deno.writeTextFileSync(
      `${this.dir}/ha.cf`,
      [
        `keepalive ${t.keepaliveMs}ms`,
        `warntime ${t.warntimeMs}ms`,
        `deadtime ${t.deadtimeMs}ms`,
        `initdead ${initdeadMs}ms`,
        `udpport ${OUR_PORT}`,
        ...this.nodes.map((n) => `ucast eth0 ${nodeIp(n)}`),
        `node ${this.nodes.map((n) => `node${n}`).join(" ")}`,
      ].join("\n") + "\n",
    );
    Deno.writeTextFileSync(`${this.dir}/authkeys`, "auth 1\n1 sha1 bench-secret\n");
    Deno.chmodSync(`${this.dir}/authkeys`, 0o600);
    const self = selfCommand([
      "start",
      "-c",
      `${this.dir}/ha.cf`,
      "--node",
      this.name,
      "--state-dir",
      `${this.dir}/state`,
      "--run-dir",
      `${this.dir}/run`,
    ]);
    // `ip netns exec` execs the command: the child's PID is the daemon's.
    const child = new Deno.Command("ip", {
      args: ["netns", "exec", `${NS}n${this.k}`, self.cmd, ...self.args],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).spawn();
    this.child = child;
    ourChildren.add(child);
    this.#read(child.stderr);
    child.status.then((st) => {
      ourChildren.delete(child);
      if (this.child === child) this.exited = `exit code ${st.code}, signal ${st.signal}`;
    });
  }

  async #read(s: ReadableStream<Uint8Array>): Promise<void> {
    const dec = new TextDecoder();
    let part = "";
    for await (const c of s) {
      const seen = Date.now();
      part += dec.decode(c, { stream: true });
      const pieces = part.split("\n");
      part = pieces.pop()!;
      for (const text of pieces) {
        // Our log lines carry their own millisecond timestamp (the moment of logging).
        const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) /.exec(text);
        const at = m ? Date.parse(m[1]) : seen;
        this.log.push({ at, text });
      }
    }
  }

  /** SIGKILL; returns the epoch ms taken right before the signal. */
  async kill9(): Promise<number> {
    const c = this.child;
    if (!c) throw new Error(`${this.name} (ours) is not running`);
    if (this.exited) {
      const tail = this.log.lines.slice(-20).map((l) => l.text).join("\n");
      throw new Error(`${this.name} (ours) ended on its own (${this.exited}):\n${tail}`);
    }
    const at = Date.now();
    c.kill("SIGKILL");
    await c.status;
    this.child = null;
    return at;
  }

  async stop(): Promise<void> {
    const c = this.child;
    if (!c) return;
    this.child = null;
    try {
      c.kill("SIGTERM");
    } catch {
      // gone
    }
    const t = setTimeout(() => {
      try {
        c.kill("SIGKILL");
      } catch {
        // gone
      }
    }, 3000);
    await c.status;
    clearTimeout(t);
  }
}

// ---------------------------------------------------------------------------------------
// Real Heartbeat.

function hbTime(ms: number): string {
  return ms % 1000 === 0 ? String(ms / 1000) : `${ms}ms`;
}

export class RealNode {
  readonly tail: FileTail;

  private constructor(readonly k: number, readonly nodes: number[]) {
    this.tail = new FileTail(`${LAB}/n${k}/ha.log`);
  }

  get log(): LineLog {
    return this.tail.log;
  }

  get name(): string {
    return `node${this.k}`;
  }

  /** Wipes node K's lab state and starts following its (kept) log. */
  static async create(k: number, nodes: number[]): Promise<RealNode> {
    await run(`${here}realhb.sh`, ["clean", String(k)]);
    Deno.mkdirSync(`${LAB}/n${k}`, { recursive: true });
    Deno.writeTextFileSync(`${LAB}/n${k}/ha.log`, "");
    return new RealNode(k, nodes);
  }

  /** Starts it (no ccm, log kept); returns the master PID. */
  async start(t: Timings, initdeadMs = initdeadFor(t)): Promise<number> {
    const out = await must(`${here}realhb.sh`, [
      "start",
      String(this.k),
      "--no-ccm",
      "--keep-log",
      "--nodes",
      this.nodes.join(" "),
      "--keepalive",
      hbTime(t.keepaliveMs),
      "--warntime",
      hbTime(t.warntimeMs),
      "--deadtime",
      hbTime(t.deadtimeMs),
      "--initdead",
      hbTime(initdeadMs),
    ]);
    const m = /master pid (\d+)/.exec(out);
    if (!m) throw new Error(`realhb.sh start ${this.k}: no master pid in "${out}"`);
    return Number(m[1]);
  }

  /**
   * Node K's Heartbeat PIDs (realhb.sh pids), never one of our daemons: realhb.sh picks
   * processes by mount-namespace inode, and `ip netns exec` gives each of our daemons a new
   * mount namespace whose inode may be one a dead Heartbeat had (nsfs reuses them).
   */
  async pids(): Promise<number[]> {
    const r = await run(`${here}realhb.sh`, ["pids", String(this.k)]);
    const ours = new Set([...ourChildren].map((c) => c.pid));
    return r.out.split(/\s+/).filter(Boolean).map(Number).filter((p) => !ours.has(p));
  }

  /** SIGKILLs the whole family at once; returns the epoch ms right before the signals. */
  async kill9(): Promise<number> {
    const pids = await this.pids();
    if (pids.length === 0) throw new Error(`${this.name} (real) is not running`);
    const at = Date.now();
    for (const p of pids) {
      try {
        Deno.kill(p, "SIGKILL");
      } catch {
        // gone
      }
    }
    await this.#gone(pids);
    return at;
  }

  /** Kills it if running (no graceful leave: fast, and the peer's view is reset anyway). */
  async ensureDown(): Promise<void> {
    const pids = await this.pids();
    for (const p of pids) {
      try {
        Deno.kill(p, "SIGKILL");
      } catch {
        // gone
      }
    }
    await this.#gone(pids);
  }

  /** Waits until every PID is gone or a zombie, then forgets the dead mount namespace. */
  async #gone(pids: number[]): Promise<void> {
    const end = Date.now() + 5000;
    while (pids.some(alive)) {
      if (Date.now() > end) throw new Error(`${this.name} (real) survives SIGKILL: ${pids}`);
      await sleep(5);
    }
    try {
      Deno.removeSync(`${LAB}/n${this.k}/mntns`);
    } catch {
      // never started
    }
  }
}

function alive(pid: number): boolean {
  try {
    const s = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return s.slice(s.lastIndexOf(")") + 2, s.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------
// /proc readings.

const TICK_MS = 10; // CLK_TCK 100 on Linux

/** utime + stime of a process in ms, or null when it is gone. */
export function cpuMs(pid: number): number | null {
  try {
    const s = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
    // fields after "(comm) ": state is f[0]; utime is field 14 → f[11], stime f[12].
    return (Number(f[11]) + Number(f[12])) * TICK_MS;
  } catch {
    return null;
  }
}

/** VmRSS of a process in KiB, or 0 when it is gone. */
export function rssKiB(pid: number): number {
  try {
    const s = Deno.readTextFileSync(`/proc/${pid}/status`);
    const m = /VmRSS:\s+(\d+) kB/.exec(s);
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** Proportional set size in KiB (shared pages split among their users), or 0 when gone. */
export function pssKiB(pid: number): number {
  try {
    const s = Deno.readTextFileSync(`/proc/${pid}/smaps_rollup`);
    const m = /^Pss:\s+(\d+) kB/m.exec(s);
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** The epoch ms a process started (10 ms resolution), or null when it is gone. */
export function startedAtMs(pid: number): number | null {
  try {
    const s = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
    const startTicks = Number(f[19]); // field 22
    const uptimeMs = Number(Deno.readTextFileSync("/proc/uptime").split(" ")[0]) * 1000;
    return Date.now() - (uptimeMs - startTicks * TICK_MS);
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------
// Cleanup.

let cleaned = false;

/** Ends every process we started (by PID), then removes the real nodes and namespaces. */
export async function cleanup(realNodes: number[]): Promise<void> {
  if (cleaned) return;
  cleaned = true;
  for (const pid of otherPids) {
    try {
      Deno.kill(pid, "SIGKILL");
    } catch {
      // gone
    }
  }
  for (const c of ourChildren) {
    try {
      c.kill("SIGKILL");
    } catch {
      // gone
    }
  }
  for (const t of tails) await t.stop();
  for (const k of realNodes) {
    // Our daemons are dead by now, so realhb.sh cannot pick one of them.
    await run(`${here}realhb.sh`, ["clean", String(k)]);
  }
  await run(`${here}hbnet.sh`, ["down"]);
}
