/**
 * The one typed configuration the daemon runs on, whether it came from ha.cf or
 * heartbeat.toml. Every value is parsed and checked; nothing here needs re-validation.
 */

/** Where a setting came from: a line of ha.cf, or a key path of heartbeat.toml. */
export interface Source {
  readonly file: string;
  /** 1-based line (ha.cf), or the TOML line when known. */
  readonly line?: number;
  /** TOML key path, e.g. `media[2].peer`. */
  readonly key?: string;
}

/** The four liveness timings plus the ping-node deadtime, all in integer milliseconds. */
export interface Timings {
  /** Interval between our heartbeats (`keepalive`, default 1000). */
  keepaliveMs: number;
  /** Silence after which a node is dead (`deadtime`, default 30000). */
  deadtimeMs: number;
  /** Late-heartbeat warning threshold (`warntime`, default deadtime/2). */
  warntimeMs: number;
  /** Deadtime used right after start (`initdead`, Heartbeat's derived default). */
  initdeadMs: number;
  /** Deadtime for ping nodes (`deadping`, default deadtime). */
  deadpingMs: number;
}

/** UDP unicast to one IPv4 peer through an interface. */
export interface UcastMedium {
  kind: "ucast";
  iface: string;
  peer: string;
  port: number;
  source: Source;
}
/** UDP broadcast on an interface's broadcast address. */
export interface BcastMedium {
  kind: "bcast";
  iface: string;
  port: number;
  source: Source;
}
/** IPv4 multicast. */
export interface McastMedium {
  kind: "mcast";
  iface: string;
  group: string;
  port: number;
  ttl: number;
  loop: boolean;
  source: Source;
}
/** UDP unicast to one IPv6 peer; `scope` is the `%IF` suffix when given (must equal iface). */
export interface Ucast6Medium {
  kind: "ucast6";
  iface: string;
  peer: string;
  scope?: string;
  port: number;
  source: Source;
}
/** IPv6 multicast. */
export interface Mcast6Medium {
  kind: "mcast6";
  iface: string;
  group: string;
  port: number;
  hops: number;
  loop: boolean;
  source: Source;
}
/** A serial line heartbeat link. */
export interface SerialMedium {
  kind: "serial";
  device: string;
  baud: number;
  source: Source;
}

/** One heartbeat medium, in the order the configuration lists them. */
export type Medium =
  | UcastMedium
  | BcastMedium
  | McastMedium
  | Ucast6Medium
  | Mcast6Medium
  | SerialMedium;

/** `ping IP`: an independent ping pseudo-node. */
export interface PingNode {
  address: string;
  source: Source;
}

/** `ping_group NAME IP...`: one pseudo-node alive while any address answers. */
export interface PingGroup {
  name: string;
  addresses: string[];
  source: Source;
}

/** `respawn USER PATH [ARGS]` (or `failfast`, which reboots when the child dies). */
export interface RespawnEntry {
  user: string;
  /** Absolute path of the program. */
  path: string;
  args: string[];
  /** The command line as written (path and args), as Heartbeat runs it. */
  command: string;
  /** true for `failfast` lines. */
  failfast: boolean;
  source: Source;
}

/** `apiauth GROUP uid=... gid=...`: who may sign on to the API under a client name. */
export interface ApiAuth {
  group: string;
  uids: string[];
  gids: string[];
  /** true for Heartbeat's built-in default entries (overridden by an explicit line). */
  builtin: boolean;
  source?: Source;
}

/** Where and how Heartbeat logs. */
export interface Logging {
  logfile?: string;
  debugfile?: string;
  /** Syslog facility name (`local0`...) or `none`; undefined when not set. */
  logfacility?: string;
  useLogd: boolean;
  /** Debug level 0..255. */
  debug: number;
  connLogdTimeMs: number;
  /** `syslogmsgfmt`: log files in syslog format. */
  syslogFormat: boolean;
  /** `log_badpack`: warn about bad packets. */
  logBadPackets: boolean;
}

/** Message compression settings (Heartbeat's default module is zlib). */
export interface Compression {
  method: "zlib" | "bz2";
  thresholdKB: number;
  traditional: boolean;
}

/** Pacemaker/CRM integration as configured (we record it; the daemon decides what to start). */
export interface Pacemaker {
  mode: "off" | "on" | "respawn" | "minimal" | "ccm-only" | "valgrind";
  daemonDir?: string;
  crmdSpawnsPengine?: boolean;
  recordConfigChanges: boolean;
  recordPengineInputs: boolean;
  enableConfigWrites: boolean;
}

/** Process-level settings of the daemon. */
export interface ProcessSettings {
  realtime: boolean;
  /** SCHED_FIFO priority, 1..99 (Heartbeat's default is midway, 50). */
  rtprio: number;
  coredumps: boolean;
  coreroot?: string;
  watchdog?: string;
  memreserveKB: number;
  /** `env NAME=VALUE` lines, stored with Heartbeat's `HA_` prefix. */
  env: Map<string, string>;
}

/** Legacy v1 settings still parsed (and kept) for compatibility. */
export interface LegacySettings {
  autoFailback: "on" | "off" | "legacy";
  hbaping: string[];
  /** `stonith` / `stonith_host` lines as written (STONITH is not ours to run). */
  stonith: { directive: "stonith" | "stonith_host"; value: string; source: Source }[];
  quorumServer?: string;
}

/** The whole configuration. */
export interface Config {
  /** The file it was read from. */
  file: string;
  /** Cluster node names (lowercased, as Heartbeat stores them), in order. */
  nodes: string[];
  /** This node's name (lowercased); it is in `nodes`. */
  localNode: string;
  autojoin: "none" | "other" | "any";
  cluster: string;
  timings: Timings;
  /** Final `udpport` (default 694). Each medium carries the port in effect for it. */
  udpport: number;
  /** Final `baud` (default 19200). Each serial medium carries its own. */
  baud: number;
  media: Medium[];
  ping: PingNode[];
  pingGroups: PingGroup[];
  respawn: RespawnEntry[];
  apiauth: ApiAuth[];
  logging: Logging;
  compression: Compression;
  msgfmt: "classic" | "netstring";
  hopfudge: number;
  hbgenmethod: "file" | "time";
  uuidfrom: "file" | "nodename";
  maxRexmitDelayMs: number;
  pacemaker: Pacemaker;
  process: ProcessSettings;
  legacy: LegacySettings;
  /**
   * Value directives as written (directive → last raw value text), e.g. `keepalive → 100ms`:
   * what real `hbparameter -p keepalive` returns. See `parameterValue` for defaults.
   */
  raw: Map<string, string>;
  /** Where each value directive was last set. */
  sources: Map<string, Source>;
}
