/**
 * A mixed-cluster lab: real Heartbeat 3.0.6 nodes (tests/interop/realhb.sh) and our own
 * nodes (`heartbeat start` inside `ip netns exec`) on one namespace LAN made by hbnet.sh.
 * Node K is `nodeK` at 10.99.0.(10+K) in namespace `<prefix>nK`; every node gets the same
 * ha.cf directives and authkeys. Only processes started here are ever signalled, by PID
 * (realhb.sh selects the real node's family by its mount namespace).
 */
import { fetchStatus } from "../../src/cli/status.ts";
import type { StatusReport } from "../../src/daemon/status_types.ts";
import { type NodeProc, sleep, startNode, stopNode } from "../helpers/nodes.ts";
import { mustScript, runScript, type Shell } from "./scripts.ts";

const HERE = new URL(".", import.meta.url).pathname;
export const HB_BIN = "/usr/libexec/heartbeat/heartbeat";

export type Media = "ucast" | "bcast" | "mcast";
export type AuthMethod = "sha1" | "md5" | "crc";

export interface LabSpec {
  media: Media;
  auth: AuthMethod;
  /** Node numbers of the cluster (the `node` line), e.g. [1, 2, 3]. */
  nodes: number[];
  /** Heartbeat time syntax per timing; default TIMINGS. */
  timings?: Timings;
}

export interface Timings {
  keepalive: string;
  warntime: string;
  deadtime: string;
  initdead: string;
}

/**
 * Short timings so failure detection takes about two seconds. Deadtime is ten keepalives: with
 * 20% loss on a link, ten heartbeats in a row go missing with odds of 1e-7, so the loss phase
 * cannot produce a false death (with five it would be a few percent per run).
 */
export const TIMINGS: Timings = {
  keepalive: "200ms",
  warntime: "1",
  deadtime: "2",
  initdead: "2",
};
export const KEY = "interop-secret";

/** A line a real node logged, stamped by realhb.sh waitlog with epoch ms. */
export interface LogHit {
  ms: number;
  line: string;
}

export class MixedLab {
  readonly prefix: string;
  readonly lab: string;
  readonly ours = new Map<number, NodeProc>();
  /** Everything each of our nodes wrote, across restarts (the current run is appended last). */
  readonly oursPast = new Map<number, string>();
  /** Our nodes that exited without being stopped or killed here, and how. */
  private readonly exited = new Map<number, string>();
  private readonly env: Record<string, string>;

  /**
   * `name` (a letter or two) is appended to the namespace prefix (env HB_INTEROP_NS, default
   * "mx"), so each test has its own namespaces and lab and cleans its own leftovers.
   */
  constructor(readonly spec: LabSpec, name: string) {
    this.prefix = (Deno.env.get("HB_INTEROP_NS") ?? "mx") + name;
    this.lab = `/tmp/${this.prefix}lab`;
    this.env = { HBNET_NS: this.prefix, HBLAB: this.lab };
  }

  private run(script: string, args: string[]): Promise<Shell> {
    return runScript(script, args, this.env);
  }

  private must(script: string, args: string[]): Promise<string> {
    return mustScript(script, args, this.env);
  }

  /** Creates the LAN (namespaces for the highest node number) after clearing leftovers. */
  async up(): Promise<void> {
    await this.down();
    await Deno.mkdir(this.lab, { recursive: true });
    const n = String(Math.max(...this.spec.nodes));
    // A namespace deleted a moment ago can still be half there; one retry settles it.
    if ((await this.run("hbnet.sh", ["up", n])).code !== 0) {
      await sleep(500);
      await this.run("hbnet.sh", ["down"]);
      await this.must("hbnet.sh", ["up", n]);
    }
  }

  /** Stops everything we started (by PID) and deletes the namespaces and lab state. */
  async down(): Promise<void> {
    for (const k of [...this.ours.keys()]) this.killOurs(k);
    for (const n of this.ours.values()) await n.child.status.catch(() => {});
    this.ours.clear();
    await this.run("realhb.sh", ["clean"]);
    await this.run("hbnet.sh", ["down"]);
  }

  /** Copies every node's log to <lab>.keep/ (for debugging a failed run). */
  keepLogs(): void {
    const dir = `${this.lab}.keep`;
    Deno.mkdirSync(dir, { recursive: true });
    for (const k of this.spec.nodes) {
      Deno.writeTextFileSync(`${dir}/real${k}.log`, this.realLog(k));
      try {
        Deno.copyFileSync(`${this.lab}/n${k}/ha.log.1`, `${dir}/real${k}.log.1`);
      } catch {
        // no earlier run
      }
      Deno.writeTextFileSync(`${dir}/ours${k}.log`, this.oursLog(k));
    }
  }

  private get t(): Timings {
    return this.spec.timings ?? TIMINGS;
  }

  ip(k: number): string {
    return `10.99.0.${10 + k}`;
  }

  /** The media lines every node gets (realhb.sh writes the same for real nodes). */
  mediaLines(): string[] {
    switch (this.spec.media) {
      case "ucast":
        return this.spec.nodes.map((n) => `ucast eth0 ${this.ip(n)}`);
      case "bcast":
        return ["bcast eth0"];
      case "mcast":
        return ["mcast eth0 239.0.0.99 694 1 0"];
    }
  }

  haCf(): string {
    return [
      "logfacility none",
      `keepalive ${this.t.keepalive}`,
      `warntime ${this.t.warntime}`,
      `deadtime ${this.t.deadtime}`,
      `initdead ${this.t.initdead}`,
      "udpport 694",
      ...this.mediaLines(),
      `node ${this.spec.nodes.map((n) => `node${n}`).join(" ")}`,
      "",
    ].join("\n");
  }

  authkeys(key = KEY): string {
    return this.spec.auth === "crc" ? "auth 1\n1 crc\n" : `auth 1\n1 ${this.spec.auth} ${key}\n`;
  }

  // ---- real nodes ------------------------------------------------------------------------

  async startReal(k: number, key = KEY): Promise<void> {
    await this.must("realhb.sh", [
      "start",
      String(k),
      "--auth",
      this.spec.auth,
      "--key",
      key,
      "--media",
      this.spec.media,
      "--keepalive",
      this.t.keepalive,
      "--warntime",
      this.t.warntime,
      "--deadtime",
      this.t.deadtime,
      "--initdead",
      this.t.initdead,
      "--nodes",
      this.spec.nodes.join(" "),
    ]);
  }

  /** SIGKILL node K's whole family; returns the epoch ms taken just before the signal. */
  async killReal(k: number): Promise<number> {
    const out = await this.must("realhb.sh", ["kill", String(k)]);
    const m = out.match(/kill_at_ms (\d+)/);
    if (!m) throw new Error(`realhb.sh kill ${k} printed no kill time: ${out}`);
    return Number(m[1]);
  }

  async stopReal(k: number): Promise<void> {
    await this.must("realhb.sh", ["stop", String(k)]);
  }

  /**
   * Starts waiting for a new line of node K's log matching `re`; call before the action it
   * observes. The log's end is taken synchronously here (a helper process would start too late
   * to see a line written a few ms later), then the file is polled every 5 ms, so `ms` of the
   * hit is when the line appeared (Heartbeat's own stamps have one-second resolution).
   * Resolves to the hit, or null after `secs`.
   */
  async waitlog(k: number, re: string, secs: number): Promise<LogHit | null> {
    const path = `${this.lab}/n${k}/ha.log`;
    const size = () => {
      try {
        return Deno.statSync(path).size;
      } catch {
        return 0;
      }
    };
    const from = size();
    const rx = new RegExp(re);
    const end = performance.now() + secs * 1000;
    let done = 0;
    while (performance.now() < end) {
      if (size() > from + done) {
        const bytes = Deno.readFileSync(path).subarray(from + done);
        const text = new TextDecoder().decode(bytes);
        const complete = text.slice(0, text.lastIndexOf("\n") + 1);
        for (const line of complete.split("\n")) {
          if (line && rx.test(line)) return { ms: Date.now(), line };
        }
        done += new TextEncoder().encode(complete).length;
      }
      await sleep(5);
    }
    return null;
  }

  /** `cl_status ARGS` run as real node K: its trimmed output ("" when it printed nothing). */
  async clStatus(k: number, ...args: string[]): Promise<string> {
    const r = await this.run("realhb.sh", ["exec", String(k), "cl_status", ...args]);
    return r.out.trim();
  }

  /** Polls `cl_status` on node K until it prints `want` or `ms` passes; the last output. */
  async waitClStatus(k: number, args: string[], want: string, ms: number): Promise<string> {
    const end = performance.now() + ms;
    let last = "";
    while (performance.now() < end) {
      last = await this.clStatus(k, ...args);
      if (last === want) return last;
      await sleep(100);
    }
    return last;
  }

  /**
   * Runs the api_sender client on real node K as hacluster (the built-in `ping` client group
   * lets haclient members sign on): N messages of TYPE in MODE with SIZE payload bytes.
   */
  async apiSend(
    k: number,
    sender: string,
    type: string,
    mode: "flat" | "list" | "struct" | "compressed",
    size: number,
    n: number,
  ): Promise<Shell> {
    return await this.run("realhb.sh", [
      "exec",
      String(k),
      "runuser",
      "-u",
      "hacluster",
      "--",
      sender,
      "ping",
      type,
      mode,
      String(size),
      String(n),
    ]);
  }

  realLog(k: number): string {
    try {
      return Deno.readTextFileSync(`${this.lab}/n${k}/ha.log`);
    } catch {
      return "";
    }
  }

  // ---- our nodes -------------------------------------------------------------------------

  startOurs(k: number, key = KEY): NodeProc {
    if (this.ours.has(k)) throw new Error(`our node${k} already runs`);
    const ns = `${this.prefix}n${k}`;
    const n = startNode(`node${k}`, `${this.lab}/o${k}`, this.haCf(), {
      authkeys: this.authkeys(key),
      wrap: (cmd, args) => ["ip", ["netns", "exec", ns, cmd, ...args]],
    });
    this.ours.set(k, n);
    // A daemon that exits on its own (refused config, crash) fails the test at once, with its log.
    n.child.status.then((st) => {
      if (this.ours.get(k) === n) this.exited.set(k, `exit code ${st.code}`);
    }).catch(() => {});
    this.exited.delete(k);
    return n;
  }

  /** Throws with the node's log when our node K exited without being told to. */
  assertRunning(k: number): void {
    const why = this.exited.get(k);
    if (why) {
      throw new Error(`our node${k} exited by itself (${why}); its log:\n${this.oursLog(k)}`);
    }
  }

  /** SIGKILL our node K (`ip netns exec` execs, so the child PID is the daemon's). */
  killOurs(k: number): number {
    const n = this.ours.get(k);
    if (!n) return Date.now();
    const at = Date.now();
    try {
      n.child.kill("SIGKILL");
    } catch {
      // already gone
    }
    this.retire(k, n);
    return at;
  }

  async stopOurs(k: number): Promise<number> {
    const n = this.ours.get(k);
    if (!n) return 0;
    const code = await stopNode(n);
    this.retire(k, n);
    return code;
  }

  private retire(k: number, n: NodeProc): void {
    this.ours.delete(k);
    // The output stream drains a little later; keep a getter-based snapshot at the end.
    const before = this.oursPast.get(k) ?? "";
    n.child.status.then(() => this.oursPast.set(k, before + n.output())).catch(() => {});
  }

  /** Everything our node K logged in every run so far. */
  oursLog(k: number): string {
    return (this.oursPast.get(k) ?? "") + (this.ours.get(k)?.output() ?? "");
  }

  async status(k: number): Promise<StatusReport | undefined> {
    const n = this.ours.get(k);
    if (!n) return undefined;
    const r = await fetchStatus(n.runDir);
    return typeof r === "string" ? undefined : r;
  }

  /** Our node K's report; throws with its log when it does not answer (crashed, not started). */
  async mustStatus(k: number): Promise<StatusReport> {
    this.assertRunning(k);
    const r = await this.status(k);
    if (r) return r;
    throw new Error(
      `our node${k} does not answer on its control socket; its log:\n${this.oursLog(k)}`,
    );
  }

  /** Polls our node K until `pred` holds; the report, or undefined after `ms`. */
  async waitOurs(
    k: number,
    pred: (r: StatusReport) => boolean,
    ms: number,
  ): Promise<StatusReport | undefined> {
    const end = performance.now() + ms;
    while (performance.now() < end) {
      this.assertRunning(k);
      const r = await this.status(k);
      if (r && pred(r)) return r;
      await sleep(20);
    }
    return undefined;
  }

  /** The first line our node K logged at or after `sinceMs` (epoch) matching `re`. */
  oursLogLine(k: number, re: RegExp, sinceMs = 0): LogHit | null {
    for (const line of this.oursLog(k).split("\n")) {
      const m = line.match(/^(\d{4}-\d\d-\d\dT[\d:.]+Z) /);
      if (!m || !re.test(line)) continue;
      const ms = Date.parse(m[1]);
      if (ms >= sinceMs) return { ms, line };
    }
    return null;
  }

  /** Like oursLogLine, polled for up to `ms` (the daemon's logger writes asynchronously). */
  async waitOursLogLine(k: number, re: RegExp, ms: number, sinceMs = 0): Promise<LogHit | null> {
    const end = performance.now() + ms;
    for (;;) {
      const hit = this.oursLogLine(k, re, sinceMs);
      if (hit || performance.now() >= end) return hit;
      await sleep(20);
    }
  }

  /**
   * Drops `percent`% of node K's outgoing datagrams (0 removes it): `tc netem` on its eth0
   * as in the brief when the kernel has sch_netem, else an nftables random drop on its switch
   * port (container kernels often lack netem; dropping in the node's own OUTPUT hook would
   * make Heartbeat's sendto fail with EPERM, which real loss never does).
   */
  async loss(k: number, percent: number): Promise<void> {
    const exec = async (ns: string, args: string[]) => {
      const o = await new Deno.Command("ip", {
        args: ["netns", "exec", ns, ...args],
        stdout: "piped",
        stderr: "piped",
      }).output();
      return { ok: o.code === 0, err: new TextDecoder().decode(o.stderr) };
    };
    const node = `${this.prefix}n${k}`, sw = `${this.prefix}sw`;
    if (percent === 0) {
      await exec(node, ["tc", "qdisc", "del", "dev", "eth0", "root"]);
      await exec(sw, ["nft", "delete", "table", "bridge", `loss${k}`]);
      return;
    }
    const tc = await exec(node, [
      "tc",
      "qdisc",
      "replace",
      "dev",
      "eth0",
      "root",
      "netem",
      "loss",
      `${percent}%`,
    ]);
    if (tc.ok) return;
    let nft = await exec(sw, ["nft", "add", "table", "bridge", `loss${k}`]);
    if (nft.ok) {
      nft = await exec(sw, [
        "nft",
        `add chain bridge loss${k} drops { type filter hook forward priority 0; }`,
      ]);
    }
    if (nft.ok) {
      nft = await exec(sw, [
        "nft",
        `add rule bridge loss${k} drops iifname p${k} udp dport 694 ` +
        `numgen random mod 100 < ${percent} drop`,
      ]);
    }
    if (!nft.ok) throw new Error(`cannot drop packets of ${node}: tc: ${tc.err} nft: ${nft.err}`);
  }
}

/**
 * Builds tests/interop/api_sender.c (a real libhbclient API client) into a fresh directory
 * everyone may read, so it can run as hacluster on a real node. Returns the binary's path, or
 * the reason it cannot be built (a sentence naming the Debian packages to install).
 */
export async function buildApiSender(): Promise<{ path: string } | { error: string }> {
  const need = "install gcc, pkg-config, libglib2.0-dev and libheartbeat2-dev";
  const pc = await new Deno.Command("pkg-config", {
    args: ["--cflags", "--libs", "glib-2.0"],
    stdout: "piped",
    stderr: "piped",
  }).output().catch(() => null);
  if (!pc || pc.code !== 0) return { error: `pkg-config cannot find glib-2.0: ${need}` };
  try {
    await Deno.stat("/usr/include/heartbeat/hb_api.h");
  } catch {
    return { error: `no /usr/include/heartbeat/hb_api.h: ${need}` };
  }
  const dir = await Deno.makeTempDir({ prefix: "hb-api-sender-" });
  await Deno.chmod(dir, 0o755);
  const out = `${dir}/api_sender`;
  const flags = new TextDecoder().decode(pc.stdout).trim().split(/\s+/);
  const cc = await new Deno.Command("gcc", {
    args: [
      "-O2",
      `${HERE}api_sender.c`,
      "-I/usr/include/heartbeat",
      ...flags,
      "-lhbclient",
      "-lplumb",
      "-o",
      out,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output().catch(() => null);
  if (!cc) return { error: `gcc is missing: ${need}` };
  if (cc.code !== 0) {
    return { error: `gcc failed (${need}): ${new TextDecoder().decode(cc.stderr)}` };
  }
  return { path: out };
}

/** ERROR lines real Heartbeat logs in this lab whatever its peers do. */
const EXPECTED_ERRORS = [
  /Cannot lock ourselves into memory/, // RLIMIT_MEMLOCK in containers
  /ccm: .*Lost connection to heartbeat service/, // its own ccm, when the node is SIGKILLed
];

/**
 * Lines of a real node's log that show it disliked our packets (or any other ERROR). Gaps
 * ("lost packet(s)") are judged by `gapTrouble` instead: real Heartbeat logs a filled gap even
 * between two real nodes (node1 always misses a freshly started node3's seq 16 once).
 */
export function realComplaints(log: string): string[] {
  const bad =
    /authtoken does not match|Dumping message|netstring authentication failed|replay attack|Cannot convert|string2msg|bad (message|packet)|Message hist queue is filling up|rexmit/i;
  return log.split("\n").filter((l) =>
    bad.test(l) || (/ERROR:/.test(l) && !EXPECTED_ERRORS.some((e) => e.test(l)))
  );
}

/**
 * Gap lines of a real node's log that signal trouble: a "lost packet(s) for [X]" not followed
 * later by "No pkts missing from X" (a hole never filled), or more than `maxGaps` gaps at all
 * (a storm).
 */
export function gapTrouble(log: string, maxGaps: number): string[] {
  const lines = log.split("\n");
  const out: string[] = [];
  let gaps = 0;
  lines.forEach((l, i) => {
    const m = l.match(/lost packet\(s\) for \[([^\]]+)\]/);
    if (!m) return;
    gaps++;
    const filled = lines.slice(i + 1).some((x) => x.includes(`No pkts missing from ${m[1]}`));
    if (!filled) out.push(`never filled: ${l}`);
  });
  if (gaps > maxGaps) out.push(`${gaps} gaps (more than ${maxGaps}): a lost-packet storm`);
  return out;
}

/** Why this machine cannot run the mixed-cluster tests, or null. */
export async function interopUnavailable(
  netns: () => Promise<string | null>,
  hbBin = HB_BIN,
): Promise<string | null> {
  const why = await netns();
  if (why) return `mixed-cluster interop tests need root and network namespaces: ${why}`;
  try {
    await Deno.stat(hbBin);
  } catch {
    return `real Heartbeat is missing (${hbBin}): install the Debian heartbeat package ` +
      `(tests/interop/realhb.sh install)`;
  }
  for (const tool of ["tc", "perl", "unshare"]) {
    const o = await new Deno.Command("sh", { args: ["-c", `command -v ${tool}`] }).output();
    if (o.code !== 0) {
      return `mixed-cluster interop tests need '${tool}' (iproute2, perl, util-linux)`;
    }
  }
  return null;
}
