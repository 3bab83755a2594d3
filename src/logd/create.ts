/** Builds a logger from logd.cf / ha.cf-style settings. */

import type { Facility } from "./facility.ts";
import { Logger, type LoggerOptions } from "./logger.ts";
import type { LogSink } from "./sink.ts";
import { FileSink } from "./sinks/file.ts";
import { StderrSink } from "./sinks/stderr.ts";
import { SyslogSink } from "./sinks/syslog.ts";

/** Logger settings with Heartbeat's sink directives; all sinks are optional. */
export interface CreateLoggerOptions extends Omit<LoggerOptions, "sinks"> {
  /** `logfile`: non-debug records (all records if there is no debugfile). */
  readonly logfile?: string;
  /** `debugfile`: every record, debug included. */
  readonly debugfile?: string;
  /** `logmode` for created files, default 0o644. */
  readonly logmode?: number;
  /** `logfacility`; `none` or absent means no syslog. Parse it with `parseFacility`. */
  readonly logfacility?: Facility;
  /** syslog socket, default `/dev/log`. */
  readonly syslogPath?: string;
  /** syslog ident; default each record's entity. */
  readonly syslogIdent?: string;
  /** logd.cf `syslogprefix` put before every syslog ident. */
  readonly syslogPrefix?: string;
  /** Also write to stderr (foreground runs). */
  readonly stderr?: boolean;
  /** Extra sinks (e.g. a LogdClientSink). */
  readonly sinks?: readonly LogSink[];
}

/**
 * Creates a {@link Logger} with the sinks the settings name: Heartbeat's split sends
 * debug records only to the debugfile, everything else to both files.
 *
 * @example
 * ```ts
 * const log = createLogger({
 *   entity: "heartbeat",
 *   logfile: "/var/log/ha-log",
 *   debugfile: "/var/log/ha-debug",
 *   logfacility: "daemon",
 * });
 * ```
 */
export function createLogger(opts: CreateLoggerOptions): Logger {
  const sinks: LogSink[] = directSinks(opts);
  if (opts.stderr) sinks.push(new StderrSink());
  sinks.push(...(opts.sinks ?? []));
  return new Logger({ ...opts, sinks });
}

/**
 * The file and syslog sinks the settings name (logfile, debugfile, logfacility), without
 * stderr or extra sinks: what a `use_logd` client falls back to when logd is away.
 */
export function directSinks(
  opts: Pick<
    CreateLoggerOptions,
    | "logfile"
    | "debugfile"
    | "logmode"
    | "logfacility"
    | "syslogPath"
    | "syslogIdent"
    | "syslogPrefix"
    | "onProblem"
  >,
): LogSink[] {
  const sinks: LogSink[] = [];
  const mode = opts.logmode ?? 0o644;
  if (opts.logfile !== undefined) {
    const filter = opts.debugfile !== undefined ? "nondebug" : "all";
    sinks.push(new FileSink(opts.logfile, { mode, filter }));
  }
  if (opts.debugfile !== undefined) sinks.push(new FileSink(opts.debugfile, { mode }));
  if (opts.logfacility !== undefined && opts.logfacility !== "none") {
    sinks.push(
      new SyslogSink(opts.logfacility, opts.syslogPath ?? "/dev/log", opts.syslogIdent, {
        onProblem: opts.onProblem,
        prefix: opts.syslogPrefix,
      }),
    );
  }
  return sinks;
}
