/** One queued log record: what sinks receive. */

import type { LogLevel } from "./levels.ts";

/** A record as taken by `Logger.log()`; text is raw (sinks sanitise when formatting). */
export interface LogRecord {
  /** Wall-clock time in ms since the epoch, from the logger's injected clock. */
  readonly time: number;
  readonly level: LogLevel;
  /** For `debug` records, the debug level (1..255) it was logged at; 0 otherwise. */
  readonly debugLevel: number;
  /** Entity (application) name shown on the line, e.g. `heartbeat`, `ccm`. */
  readonly entity: string;
  readonly pid: number;
  readonly host: string;
  readonly text: string;
}
