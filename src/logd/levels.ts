/** Log levels, their names in lines, and their syslog severities. */

/** The five levels Heartbeat logs at. `debug` records also carry a debug level 1..255. */
export type LogLevel = "debug" | "info" | "warn" | "error" | "crit";

/** All levels, least severe first. */
export const LOG_LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error", "crit"];

/** Level names as Heartbeat writes them in log lines (`info:`, `WARN:`, ...). */
export const LEVEL_NAMES: Readonly<Record<LogLevel, string>> = {
  debug: "debug",
  info: "info",
  warn: "WARN",
  error: "ERROR",
  crit: "CRIT",
};

/** syslog(3) severities (LOG_DEBUG=7 ... LOG_CRIT=2). */
export const SYSLOG_SEVERITY: Readonly<Record<LogLevel, number>> = {
  debug: 7,
  info: 6,
  warn: 4,
  error: 3,
  crit: 2,
};

/** Maps a line's level name (`WARN`, `info`, ...) back to a level; case-insensitive. */
export function levelFromName(name: string): LogLevel | undefined {
  switch (name.toLowerCase()) {
    case "debug":
      return "debug";
    case "info":
      return "info";
    case "warn":
    case "warning":
      return "warn";
    case "error":
    case "err":
      return "error";
    case "crit":
      return "crit";
    default:
      return undefined;
  }
}

/** Highest debug level, as in Heartbeat (`debug 255`). */
export const MAX_DEBUG_LEVEL = 255;
