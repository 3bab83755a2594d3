/**
 * Every directive Heartbeat 3.0.6 accepts in ha.cf, with its syntax, so unknown names get
 * a "did you mean" and `config check` can explain them.
 */
import { SCALARS } from "./builder.ts";

/** How a directive's value is read. */
export type DirectiveShape =
  | "scalar" // exactly one value
  | "list" // one or more values, each applied in turn (node, env, hbaping)
  | "medium" // a heartbeat medium (ucast, bcast, ...)
  | "line"; // the whole rest of the line (respawn, apiauth, stonith, ...)

/** Syntax summaries (shapes follow Heartbeat's parser in heartbeat/config.c). */
export const DIRECTIVES: Record<
  string,
  { shape: DirectiveShape; syntax: string; deprecated?: true }
> = {
  node: { shape: "list", syntax: "node NAME [NAME...]" },
  env: { shape: "list", syntax: "env NAME=VALUE" },
  hbaping: { shape: "list", syntax: "hbaping DEVICE", deprecated: true },
  ucast: { shape: "medium", syntax: "ucast IF PEER-IPv4" },
  bcast: { shape: "medium", syntax: "bcast IF [IF...]" },
  mcast: { shape: "medium", syntax: "mcast IF GROUP PORT TTL LOOP" },
  ucast6: { shape: "medium", syntax: "ucast6 IF PEER-IPv6[%IF]" },
  mcast6: { shape: "medium", syntax: "mcast6 IF GROUP PORT HOPS LOOP" },
  serial: { shape: "medium", syntax: "serial DEVICE [DEVICE...]", deprecated: true },
  ping: { shape: "line", syntax: "ping IP [IP...]", deprecated: true },
  ping6: { shape: "line", syntax: "ping6 IPv6 [IPv6...]" },
  ping_group: { shape: "line", syntax: "ping_group NAME IP [IP...]", deprecated: true },
  respawn: { shape: "line", syntax: "respawn USER PATH [ARGS]", deprecated: true },
  failfast: { shape: "line", syntax: "failfast USER PATH [ARGS]" },
  apiauth: { shape: "line", syntax: "apiauth GROUP [uid=u1,u2] [gid=g1,g2]" },
  stonith: { shape: "line", syntax: "stonith TYPE CONFIGFILE", deprecated: true },
  stonith_host: { shape: "line", syntax: "stonith_host HOST TYPE PARAMS...", deprecated: true },
  keepalive: { shape: "scalar", syntax: "keepalive TIME" },
  deadtime: { shape: "scalar", syntax: "deadtime TIME" },
  warntime: { shape: "scalar", syntax: "warntime TIME" },
  initdead: { shape: "scalar", syntax: "initdead TIME" },
  deadping: { shape: "scalar", syntax: "deadping TIME", deprecated: true },
  conn_logd_time: { shape: "scalar", syntax: "conn_logd_time TIME" },
  udpport: { shape: "scalar", syntax: "udpport PORT" },
  baud: { shape: "scalar", syntax: "baud 9600|19200|...|460800", deprecated: true },
  hopfudge: { shape: "scalar", syntax: "hopfudge 0..255", deprecated: true },
  debug: { shape: "scalar", syntax: "debug 0..255" },
  rtprio: { shape: "scalar", syntax: "rtprio 1..99" },
  max_rexmit_delay: { shape: "scalar", syntax: "max_rexmit_delay MS" },
  compression: { shape: "scalar", syntax: "compression zlib|bz2" },
  compression_threshold: { shape: "scalar", syntax: "compression_threshold KB" },
  traditional_compression: {
    shape: "scalar",
    syntax: "traditional_compression on|off",
    deprecated: true,
  },
  memreserve: { shape: "scalar", syntax: "memreserve KB" },
  autojoin: { shape: "scalar", syntax: "autojoin none|other|any" },
  uuidfrom: { shape: "scalar", syntax: "uuidfrom file|nodename" },
  hbgenmethod: { shape: "scalar", syntax: "hbgenmethod file|time" },
  msgfmt: { shape: "scalar", syntax: "msgfmt classic|netstring" },
  logfacility: { shape: "scalar", syntax: "logfacility FACILITY|none" },
  logfile: { shape: "scalar", syntax: "logfile PATH", deprecated: true },
  debugfile: { shape: "scalar", syntax: "debugfile PATH", deprecated: true },
  use_logd: { shape: "scalar", syntax: "use_logd on|off" },
  syslogmsgfmt: { shape: "scalar", syntax: "syslogmsgfmt on|off" },
  log_badpack: { shape: "scalar", syntax: "log_badpack on|off" },
  realtime: { shape: "scalar", syntax: "realtime on|off" },
  coredumps: { shape: "scalar", syntax: "coredumps on|off" },
  coreroot: { shape: "scalar", syntax: "coreroot PATH" },
  watchdog: { shape: "scalar", syntax: "watchdog DEVICE", deprecated: true },
  cluster: { shape: "scalar", syntax: "cluster NAME" },
  quorum_server: { shape: "scalar", syntax: "quorum_server HOST" },
  use_apphbd: { shape: "scalar", syntax: "use_apphbd on|off" },
  auto_failback: { shape: "scalar", syntax: "auto_failback on|off|legacy", deprecated: true },
  pacemaker: { shape: "scalar", syntax: "pacemaker off|on|respawn|minimal|ccm-only|valgrind" },
  crm: { shape: "scalar", syntax: "crm off|on|respawn (alias of pacemaker)" },
  crm_daemon_dir: { shape: "scalar", syntax: "crm_daemon_dir PATH" },
  crmd_spawns_pengine: { shape: "scalar", syntax: "crmd_spawns_pengine on|off" },
  record_config_changes: { shape: "scalar", syntax: "record_config_changes on|off" },
  record_pengine_inputs: { shape: "scalar", syntax: "record_pengine_inputs on|off" },
  enable_config_writes: { shape: "scalar", syntax: "enable_config_writes on|off" },
};

// Keep the table and the scalar handlers in step (a bug, not a user error, if they drift).
for (const [name, d] of Object.entries(DIRECTIVES)) {
  if (d.shape === "scalar" && !(name in SCALARS) && name !== "crm") {
    throw new Error(`directive table: no handler for scalar ${name}`);
  }
}

/** Edit distance (Levenshtein), for suggestions. */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length];
}

/** The closest name from `names` when it is close enough to be a likely typo. */
export function suggest(word: string, names: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  const w = word.toLowerCase();
  for (const n of names) {
    const d = editDistance(w, n);
    if (d < bestD) [best, bestD] = [n, d];
  }
  const limit = Math.max(1, Math.min(3, Math.floor(w.length / 2)));
  return bestD <= limit ? best : undefined;
}
