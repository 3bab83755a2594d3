/**
 * The heartbeat daemon's logger from ha.cf's logging directives (Config.logging): direct
 * file/syslog sinks, or with `use_logd yes` a {@link LogdClientSink} that falls back to
 * those same sinks while logd is unreachable (retrying after `conn_logd_time`).
 */

import type { Config } from "../config/types.ts";
import { directSinks } from "./create.ts";
import { type Facility, facilityCode, parseFacility } from "./facility.ts";
import { MAX_DEBUG_LEVEL } from "./levels.ts";
import { LogdClientSink } from "./logd_client_sink.ts";
import { DEFAULT_LOGD_SOCKET } from "./logd_server.ts";
import { Logger, type LoggerOptions } from "./logger.ts";
import type { LogSink } from "./sink.ts";
import { StderrSink } from "./sinks/stderr.ts";

/** Options for {@link createDaemonLogger}; all optional. */
export interface DaemonLoggerOptions
  extends Pick<LoggerOptions, "now" | "pid" | "queueLength" | "appQueueLength" | "onProblem"> {
  /** Entity on the daemon's lines, default `heartbeat`. */
  readonly entity?: string;
  /** Host name on file lines (the node name), default the host name. */
  readonly host?: string;
  /** Added to ha.cf's `debug` level (`-d` flags), result clamped to 0..255. */
  readonly extraDebug?: number;
  /** Also write every record to stderr (foreground runs), default false. */
  readonly stderr?: boolean;
  /** logd's socket, default `/var/lib/heartbeat/log_daemon`. */
  readonly logdSocket?: string;
  /** Longest wait for logd to take a batch or accept a connection, default 1000 ms. */
  readonly logdTimeoutMs?: number;
  /** syslog socket for the direct syslog sink, default `/dev/log`. */
  readonly syslogPath?: string;
}

/**
 * Builds the daemon's logger from `config.logging`: logfile / debugfile / logfacility as
 * direct sinks, or, when `useLogd` is set, logd first and those sinks as the fallback.
 * An unknown facility (already reported by config checking) means no syslog.
 *
 * @example
 * ```ts
 * const logger = createDaemonLogger(config, { host: node, stderr: true, extraDebug: 1 });
 * ```
 */
export function createDaemonLogger(config: Config, opts: DaemonLoggerOptions = {}): Logger {
  const lg = config.logging;
  const entity = opts.entity ?? "heartbeat";
  const facility = facilityOf(lg.logfacility);
  const direct = directSinks({
    logfile: lg.logfile,
    debugfile: lg.debugfile,
    logfacility: facility,
    syslogPath: opts.syslogPath,
    onProblem: opts.onProblem,
  });
  const sinks: LogSink[] = lg.useLogd
    ? [
      new LogdClientSink({
        path: opts.logdSocket ?? DEFAULT_LOGD_SOCKET,
        fallback: direct,
        entity,
        facility: facility === undefined || facility === "none"
          ? undefined
          : facilityCode(facility),
        retryMs: lg.connLogdTimeMs,
        timeoutMs: opts.logdTimeoutMs,
        onProblem: opts.onProblem,
      }),
    ]
    : direct;
  if (opts.stderr) sinks.push(new StderrSink());
  return new Logger({
    entity,
    sinks,
    host: opts.host,
    now: opts.now,
    pid: opts.pid,
    queueLength: opts.queueLength,
    appQueueLength: opts.appQueueLength,
    onProblem: opts.onProblem,
    debugLevel: Math.min(MAX_DEBUG_LEVEL, lg.debug + (opts.extraDebug ?? 0)),
  });
}

function facilityOf(name: string | undefined): Facility | undefined {
  if (name === undefined) return undefined;
  const f = parseFacility(name);
  return f.ok ? f.facility : undefined;
}
