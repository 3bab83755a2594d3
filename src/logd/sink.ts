/**
 * The interface between the logger and where lines go. A sink gets whole batches from the
 * logger's background drain loop, never from `log()` itself, so a slow sink only makes the
 * queue fill (and records drop, counted) — it never stalls the caller. A future
 * `LogdClientSink` (records sent to a separate logd process over its socket) implements
 * the same interface.
 */

import type { LogRecord } from "./record.ts";

/** Which records a sink takes: Heartbeat's logfile gets all but debug, its debugfile all. */
export type SinkFilter = "all" | "nondebug";

/** Something that writes batches of records somewhere. */
export interface LogSink {
  /** Short name for problem reports, e.g. `file /var/log/ha-log`. */
  readonly name: string;
  /** Records this sink wants; the logger only passes those. */
  readonly filter: SinkFilter;
  /**
   * Writes a batch (in order). The logger awaits it before handing over the next batch;
   * a rejection is counted and reported once per sink, and the batch is not retried.
   */
  write(records: readonly LogRecord[]): Promise<void>;
  /** Releases handles and sockets; called once, after the last write. */
  close(): Promise<void>;
}

/** Whether a sink with `filter` takes record `r`. */
export function sinkTakes(filter: SinkFilter, level: LogRecord["level"]): boolean {
  return filter === "all" || level !== "debug";
}

/** Called once per sink when it first fails or becomes unavailable. */
export type ProblemReporter = (sink: string, message: string) => void;

/**
 * Default problem reporter: one line to stderr. Synchronous, but called at most once per
 * sink per problem, never from `log()`.
 */
export const reportToStderr: ProblemReporter = (sink, message) => {
  try {
    Deno.stderr.writeSync(new TextEncoder().encode(`logd: ${sink}: ${message}\n`));
  } catch {
    // stderr closed: nowhere left to tell.
  }
};
