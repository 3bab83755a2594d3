/**
 * The configuration being built, shared by the ha.cf and TOML front ends: both feed it
 * parsed directives in order, then `finish` derives defaults and runs the sanity checks.
 */
import type {
  ApiAuth,
  Config,
  Medium,
  PingGroup,
  PingNode,
  RespawnEntry,
  Source,
  Timings,
} from "./types.ts";
import { type ConfigError, type IssueCode, IssueList, type ParseResult } from "./errors.ts";
import { parseTime } from "./timesyntax.ts";
import {
  FACILITIES,
  parseAbsPath,
  parseBaud,
  parseBool,
  parseChoice,
  parseIntIn,
  parsePort,
  type ValueResult,
} from "./values.ts";

/** Options every front end accepts. */
export interface ParseOptions {
  /** This node's name; must be listed in `node` lines unless `autojoin any`. Default: hostname. */
  localNode?: string;
}

/** Heartbeat's default UDP port (`ha-cluster` in /etc/services). */
export const DEFAULT_UDPPORT = 694;
/** Heartbeat's default serial speed. */
export const DEFAULT_BAUD = 19200;

/** Heartbeat's built-in API permissions, used for groups no `apiauth` line names. */
export const BUILTIN_APIAUTH: readonly { group: string; uids: string[]; gids: string[] }[] = [
  { group: "ipfail", uids: ["hacluster"], gids: [] },
  { group: "ccm", uids: ["hacluster"], gids: [] },
  { group: "ping", uids: [], gids: ["haclient"] },
  { group: "lha-snmpagent", uids: ["root"], gids: [] },
  { group: "anon", uids: ["root"], gids: ["haclient"] },
];

type Apply = (d: Draft, text: string, src: Source) => string | undefined;

function take<T>(r: ValueResult<T>, set: (v: T) => void): string | undefined {
  if (!r.ok) return r.reason;
  set(r.value);
  return undefined;
}

function time(set: (d: Draft, ms: number) => void): Apply {
  return (d, text) => {
    const r = parseTime(text);
    if (!r.ok) return r.reason;
    set(d, r.ms);
    return undefined;
  };
}

function bool(set: (d: Draft, v: boolean) => void): Apply {
  return (d, text) => take(parseBool(text), (v) => set(d, v));
}

function text(set: (d: Draft, v: string) => void): Apply {
  return (d, t) => {
    set(d, t);
    return undefined;
  };
}

/** Scalar (one value) directives: name → how to parse and store the value. */
export const SCALARS: Record<string, Apply> = {
  keepalive: time((d, ms) => (d.timings.keepaliveMs = ms)),
  deadtime: time((d, ms) => (d.timings.deadtimeMs = ms)),
  warntime: time((d, ms) => (d.timings.warntimeMs = ms)),
  initdead: time((d, ms) => (d.timings.initdeadMs = ms)),
  deadping: time((d, ms) => (d.timings.deadpingMs = ms)),
  conn_logd_time: time((d, ms) => (d.config.logging.connLogdTimeMs = ms)),
  udpport: (d, t) => take(parsePort(t), (v) => (d.udpport = v)),
  baud: (d, t) => take(parseBaud(t), (v) => (d.baud = v)),
  hopfudge: (d, t) => take(parseIntIn(t, 0, 255), (v) => (d.config.hopfudge = v)),
  debug: (d, t) =>
    take(parseIntIn(t, 0, 255, "a debug level"), (v) => (d.config.logging.debug = v)),
  rtprio: (d, t) => take(parseIntIn(t, 1, 99, "a priority"), (v) => (d.config.process.rtprio = v)),
  max_rexmit_delay: (d, t) =>
    take(parseIntIn(t, 1, 2 ** 31 - 1, "a delay in ms"), (v) => (d.config.maxRexmitDelayMs = v)),
  compression_threshold: (d, t) =>
    take(parseIntIn(t, 1, 1 << 20, "a size in KB"), (v) => (d.config.compression.thresholdKB = v)),
  memreserve: (d, t) =>
    take(parseIntIn(t, 1, 1 << 30, "a size in KB"), (v) => (d.config.process.memreserveKB = v)),
  autojoin: (d, t) =>
    take(parseChoice(t, ["none", "other", "any"] as const, true), (v) => (d.config.autojoin = v)),
  uuidfrom: (d, t) =>
    take(parseChoice(t, ["file", "nodename"] as const), (v) => (d.config.uuidfrom = v)),
  hbgenmethod: (d, t) =>
    take(parseChoice(t, ["file", "time"] as const), (v) => (d.config.hbgenmethod = v)),
  msgfmt: (d, t) =>
    take(parseChoice(t, ["classic", "netstring"] as const), (v) => (d.config.msgfmt = v)),
  compression: (d, t) =>
    take(parseChoice(t, ["zlib", "bz2"] as const), (v) => (d.config.compression.method = v)),
  traditional_compression: bool((d, v) => (d.config.compression.traditional = v)),
  logfacility: (d, t) =>
    take(parseChoice(t, FACILITIES), (v) => (d.config.logging.logfacility = v)),
  logfile: text((d, v) => (d.config.logging.logfile = v)),
  debugfile: text((d, v) => (d.config.logging.debugfile = v)),
  use_logd: bool((d, v) => (d.config.logging.useLogd = v)),
  syslogmsgfmt: bool((d, v) => (d.config.logging.syslogFormat = v)),
  log_badpack: bool((d, v) => (d.config.logging.logBadPackets = v)),
  realtime: bool((d, v) => (d.config.process.realtime = v)),
  coredumps: bool((d, v) => (d.config.process.coredumps = v)),
  coreroot: (d, t) => take(parseAbsPath(t), (v) => (d.config.process.coreroot = v)),
  watchdog: (d, t) => take(parseAbsPath(t), (v) => (d.config.process.watchdog = v)),
  cluster: text((d, v) => (d.config.cluster = v)),
  quorum_server: text((d, v) => (d.config.legacy.quorumServer = v)),
  use_apphbd: (_d, t) => take(parseBool(t), () => {}),
  auto_failback: (d, t) => {
    if (t.toLowerCase() === "legacy") {
      d.config.legacy.autoFailback = "legacy";
      return undefined;
    }
    const r = parseBool(t);
    if (!r.ok) return `"${t}" is not accepted; use on, off or legacy`;
    d.config.legacy.autoFailback = r.value ? "on" : "off";
    return undefined;
  },
  pacemaker: (d, t) => {
    const l = t.toLowerCase();
    const special: Record<string, Config["pacemaker"]["mode"]> = {
      respawn: "respawn",
      minimal: "minimal",
      manual: "minimal",
      "ccm-only": "ccm-only",
      valgrind: "valgrind",
    };
    if (special[l]) {
      d.config.pacemaker.mode = special[l];
      return undefined;
    }
    const r = parseBool(t);
    if (!r.ok) return `"${t}" is not accepted; use off, on, respawn, minimal, ccm-only or valgrind`;
    d.config.pacemaker.mode = r.value ? "on" : "off";
    return undefined;
  },
  crm_daemon_dir: (d, t) => take(parseAbsPath(t), (v) => (d.config.pacemaker.daemonDir = v)),
  crmd_spawns_pengine: bool((d, v) => (d.config.pacemaker.crmdSpawnsPengine = v)),
  record_config_changes: bool((d, v) => (d.config.pacemaker.recordConfigChanges = v)),
  record_pengine_inputs: bool((d, v) => (d.config.pacemaker.recordPengineInputs = v)),
  enable_config_writes: bool((d, v) => (d.config.pacemaker.enableConfigWrites = v)),
};

/** Scalars Heartbeat refuses to see twice (the rest: the last one wins, with a warning). */
const ONCE = new Set(["baud", "watchdog", "pacemaker"]);

/** A configuration under construction; collects issues as it goes. */
export class Draft {
  readonly issues = new IssueList();
  readonly config: Config;
  /** `udpport`/`baud` in effect for the next medium (order matters in ha.cf). */
  udpport = DEFAULT_UDPPORT;
  baud = DEFAULT_BAUD;
  /** A medium line was seen (even a bad one): no extra "no media" error then. */
  mediaSeen = false;
  readonly timings: Timings;
  private apiGroups = new Set<string>();
  private nodeSources: Source[] = [];

  constructor(readonly file: string) {
    this.timings = {
      keepaliveMs: 1000,
      deadtimeMs: 30000,
      warntimeMs: 0,
      initdeadMs: 0,
      deadpingMs: 0,
    };
    this.config = {
      file,
      nodes: [],
      localNode: "",
      autojoin: "none",
      cluster: "linux-ha",
      timings: this.timings,
      udpport: DEFAULT_UDPPORT,
      baud: DEFAULT_BAUD,
      media: [],
      ping: [],
      pingGroups: [],
      respawn: [],
      apiauth: [],
      logging: {
        useLogd: false,
        debug: 0,
        connLogdTimeMs: 60000,
        syslogFormat: true,
        logBadPackets: true,
      },
      compression: { method: "zlib", thresholdKB: 2, traditional: false },
      msgfmt: "classic",
      hopfudge: 1,
      hbgenmethod: "file",
      uuidfrom: "file",
      maxRexmitDelayMs: 250,
      pacemaker: {
        mode: "off",
        recordConfigChanges: true,
        recordPengineInputs: true,
        enableConfigWrites: true,
      },
      process: {
        realtime: true,
        rtprio: 50,
        coredumps: true,
        memreserveKB: 6500,
        env: new Map(),
      },
      legacy: { autoFailback: "legacy", hbaping: [], stonith: [] },
      raw: new Map(),
      sources: new Map(),
    };
  }

  /** Records an error at `src`. */
  error(code: IssueCode, src: Source, directive: string, message: string, value?: string): void {
    this.issues.error({ code, ...place(src), directive: src.key ?? directive, value, message });
  }

  /** Records a warning at `src`. */
  warn(code: IssueCode, src: Source, directive: string, message: string, value?: string): void {
    this.issues.warn({ code, ...place(src), directive: src.key ?? directive, value, message });
  }

  /** Applies a scalar directive (`crm` is Heartbeat's alias of `pacemaker`). */
  setScalar(name: string, value: string, src: Source, shownAs = name): void {
    const key = name === "crm" ? "pacemaker" : name;
    const apply = SCALARS[key];
    const prev = this.config.sources.get(key);
    if (prev && ONCE.has(key)) {
      this.error(
        "duplicate",
        src,
        shownAs,
        `given twice (first at ${where(prev)}); Heartbeat refuses a second ${key}`,
        value,
      );
      return;
    }
    if (
      (key === "crm_daemon_dir" || key === "crmd_spawns_pengine") &&
      this.config.sources.has("pacemaker")
    ) {
      this.error(
        "order",
        src,
        shownAs,
        `must come before the pacemaker (crm) directive, as Heartbeat requires`,
        value,
      );
      return;
    }
    const reason = apply(this, value, src);
    if (reason !== undefined) {
      this.error("bad-value", src, shownAs, reason, value);
      return;
    }
    if (prev) {
      this.warn(
        "duplicate",
        src,
        shownAs,
        `set again (first at ${where(prev)}); this later value "${value}" wins`,
        value,
      );
    }
    if (
      key === "udpport" &&
      this.config.media.some((m) => m.kind === "ucast" || m.kind === "bcast" || m.kind === "ucast6")
    ) {
      this.warn(
        "order",
        src,
        shownAs,
        `comes after media lines, which keep the port in effect when they were read; move udpport above them`,
        value,
      );
    }
    if (key === "baud" && this.config.media.some((m) => m.kind === "serial")) {
      this.warn(
        "order",
        src,
        shownAs,
        `comes after serial lines, which keep the baud rate in effect when they were read; move baud above them`,
        value,
      );
    }
    this.config.raw.set(key, value);
    this.config.sources.set(key, src);
  }

  /** Adds a cluster node (names are case-insensitive; Heartbeat lowercases them). */
  addNode(name: string, src: Source): void {
    const n = name.toLowerCase();
    const i = this.config.nodes.indexOf(n);
    if (i >= 0) {
      this.warn(
        "duplicate",
        src,
        "node",
        `"${name}" is already listed at ${where(this.nodeSources[i])}; listed once`,
        name,
      );
      return;
    }
    if (!/^[^\s#,]{1,255}$/.test(name)) {
      this.error(
        "bad-value",
        src,
        "node",
        `"${name}" is not a node name; use the name \`uname -n\` prints`,
        name,
      );
      return;
    }
    this.config.nodes.push(n);
    this.nodeSources.push(src);
  }

  addMedium(m: Medium): void {
    this.config.media.push(m);
  }

  addPing(p: PingNode): void {
    this.config.ping.push(p);
  }

  addPingGroup(g: PingGroup): void {
    if (this.config.pingGroups.some((x) => x.name === g.name)) {
      this.error("duplicate", g.source, "ping_group", `group "${g.name}" is defined twice`, g.name);
      return;
    }
    this.config.pingGroups.push(g);
  }

  addRespawn(r: RespawnEntry): void {
    this.config.respawn.push(r);
  }

  addApiAuth(a: ApiAuth, src: Source): void {
    if (this.apiGroups.has(a.group)) {
      this.error(
        "duplicate",
        src,
        "apiauth",
        `group "${a.group}" has two apiauth lines; Heartbeat refuses duplicates, merge them`,
        a.group,
      );
      return;
    }
    this.apiGroups.add(a.group);
    this.config.apiauth.push(a);
  }

  /** Derives defaults, runs the whole-file checks and returns the result. */
  finish(opts: ParseOptions): ParseResult<Config> {
    const c = this.config;
    const t = this.timings;
    const fileSrc: Source = { file: this.file };
    const at = (k: string) => c.sources.get(k) ?? fileSrc;
    c.udpport = this.udpport;
    c.baud = this.baud;
    // Heartbeat's derived defaults (heartbeat/config.c init_config).
    if (!c.sources.has("warntime")) t.warntimeMs = Math.floor(t.deadtimeMs / 2);
    if (!c.sources.has("initdead")) {
      t.initdeadMs = t.deadtimeMs > 10000
        ? t.deadtimeMs
        : t.deadtimeMs < 6000
        ? 12000
        : 2 * t.deadtimeMs;
    }
    if (!c.sources.has("deadping")) t.deadpingMs = t.deadtimeMs;
    for (const b of BUILTIN_APIAUTH) {
      if (!this.apiGroups.has(b.group)) {
        c.apiauth.push({ ...b, uids: [...b.uids], gids: [...b.gids], builtin: true });
      }
    }

    if (t.deadtimeMs < t.keepaliveMs) {
      this.error(
        "timing",
        at("deadtime"),
        "deadtime",
        `${t.deadtimeMs} ms is shorter than keepalive (${t.keepaliveMs} ms): every node would be declared dead between heartbeats; make deadtime several times keepalive`,
        c.raw.get("deadtime"),
      );
    } else if (t.deadtimeMs <= 2 * t.keepaliveMs) {
      this.warn(
        "timing",
        at("deadtime"),
        "deadtime",
        `${t.deadtimeMs} ms is not more than 2 x keepalive (${t.keepaliveMs} ms); one lost packet can kill a node, and Heartbeat 3.0.6 refuses this — use at least 3 x keepalive`,
        c.raw.get("deadtime"),
      );
    }
    if (t.warntimeMs >= t.deadtimeMs) {
      this.warn(
        "timing",
        at("warntime"),
        "warntime",
        `${t.warntimeMs} ms is not below deadtime (${t.deadtimeMs} ms), so no late-heartbeat warning comes before a node is declared dead`,
        c.raw.get("warntime"),
      );
    }
    if (t.initdeadMs < t.deadtimeMs) {
      this.warn(
        "timing",
        at("initdead"),
        "initdead",
        `${t.initdeadMs} ms is shorter than deadtime (${t.deadtimeMs} ms); Heartbeat 3.0.6 refuses this — use at least deadtime (2 x deadtime recommended)`,
        c.raw.get("initdead"),
      );
    } else if (t.initdeadMs < 10000) {
      this.warn(
        "timing",
        at("initdead"),
        "initdead",
        `${t.initdeadMs} ms may be too small for slow network start-up; it should be >= deadtime and >= 10 s`,
        c.raw.get("initdead"),
      );
    }
    if (c.sources.has("deadping") && t.deadpingMs <= 2 * t.keepaliveMs) {
      this.warn(
        "timing",
        at("deadping"),
        "deadping",
        `${t.deadpingMs} ms is not more than 2 x keepalive (${t.keepaliveMs} ms); Heartbeat 3.0.6 refuses this`,
        c.raw.get("deadping"),
      );
    }
    if (
      !this.mediaSeen && c.media.length === 0 && c.ping.length === 0 && c.pingGroups.length === 0
    ) {
      this.error(
        "no-media",
        fileSrc,
        "",
        "no heartbeat media defined; add a ucast, bcast, mcast, ucast6, mcast6 or serial line",
      );
    }
    if (
      !c.logging.useLogd && c.raw.has("use_logd") && !c.logging.logfile && !c.logging.debugfile &&
      (c.logging.logfacility === undefined || c.logging.logfacility === "none")
    ) {
      this.error(
        "logging",
        at("use_logd"),
        "use_logd",
        `is off and no logfile, debugfile or logfacility is set, so nothing would be logged; set one of them or use_logd on`,
        c.raw.get("use_logd"),
      );
    }

    const local = (opts.localNode ?? Deno.hostname()).toLowerCase();
    c.localNode = local;
    if (c.nodes.length === 0 && c.autojoin !== "any") {
      this.error(
        "no-nodes",
        fileSrc,
        "node",
        `no node lines; list every cluster member, e.g. \`node ${local}\` (or set autojoin any)`,
      );
    } else if (!c.nodes.includes(local)) {
      if (c.autojoin === "any") {
        c.nodes.push(local);
      } else if (c.nodes.length > 0) {
        this.error(
          "local-node-missing",
          this.nodeSources[0],
          "node",
          `this node "${local}" is not listed (nodes: ${
            c.nodes.join(", ")
          }); add it to a node line — it must equal \`uname -n\` — or set autojoin any`,
          local,
        );
      }
    }
    const { errors, warnings } = this.issues;
    if (errors.length > 0) {
      return { ok: false, errors: sortIssues(errors), warnings: sortIssues(warnings) };
    }
    return { ok: true, value: c, warnings: sortIssues(warnings) };
  }
}

function place(src: Source): { file: string; line?: number } {
  return src.line === undefined ? { file: src.file } : { file: src.file, line: src.line };
}

/** `line 7` or `media[1].port`, for "first at ..." remarks. */
export function where(src: Source): string {
  if (src.key !== undefined) return src.key;
  return src.line !== undefined ? `line ${src.line}` : src.file;
}

function sortIssues(list: ConfigError[]): ConfigError[] {
  return [...list].sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
}
