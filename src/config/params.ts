/**
 * Heartbeat's parameter view of a configuration (what `hbparameter -p NAME` and the API's
 * get_parameter return): the value as written in ha.cf, else Heartbeat's default string.
 */
import type { Config } from "./types.ts";

/** Heartbeat's defaults for unset directives, as strings (heartbeat/config.c). */
const DEFAULTS: Record<string, (c: Config) => string> = {
  cluster: () => "linux-ha",
  hopfudge: () => "1",
  keepalive: () => "1000ms",
  deadtime: () => "30000ms",
  // Derived defaults are stored by Heartbeat as "<n>ms".
  warntime: (c) => `${c.timings.warntimeMs}ms`,
  initdead: (c) => `${c.timings.initdeadMs}ms`,
  deadping: (c) => `${c.timings.deadpingMs}ms`,
  baud: () => "19200",
  udpport: (c) => String(c.udpport),
  auto_failback: () => "legacy",
  hbgenmethod: () => "file",
  realtime: () => "true",
  debug: (c) => String(c.logging.debug),
  msgfmt: () => "classic",
  conn_logd_time: () => "60",
  log_badpack: () => "true",
  syslogmsgfmt: () => "true",
  coredumps: () => "true",
  pacemaker: () => "false",
  autojoin: () => "none",
  uuidfrom: () => "file",
  compression: () => "zlib",
  compression_threshold: () => "2",
  traditional_compression: () => "no",
  max_rexmit_delay: () => "250",
  record_config_changes: () => "on",
  record_pengine_inputs: () => "on",
  enable_config_writes: () => "on",
  memreserve: () => "6500",
};

/** The parameter `name` as Heartbeat reports it, or undefined when it has no value. */
export function parameterValue(config: Config, name: string): string | undefined {
  const key = name === "crm" ? "pacemaker" : name;
  return config.raw.get(key) ?? DEFAULTS[key]?.(config);
}
