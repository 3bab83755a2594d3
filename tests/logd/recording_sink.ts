/** Test sinks implementing the real LogSink interface: records what they get, can stall. */

import type { LogRecord, LogSink, SinkFilter } from "../../src/logd/mod.ts";

/** Keeps every record written; `gate` (if set) is awaited by each write, to stall it. */
export class RecordingSink implements LogSink {
  readonly name = "recording";
  readonly records: LogRecord[] = [];
  writes = 0;
  closed = false;
  gate: Promise<void> | undefined;

  constructor(readonly filter: SinkFilter = "all") {}

  async write(records: readonly LogRecord[]): Promise<void> {
    this.writes++;
    if (this.gate !== undefined) await this.gate;
    this.records.push(...records);
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

/** A sink whose writes always fail. */
export class FailingSink implements LogSink {
  readonly name = "failing";
  readonly filter = "all";
  writes = 0;
  write(): Promise<void> {
    this.writes++;
    return Promise.reject(new Error("disk on fire"));
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

const DROP = /^logd: dropped (\d+) messages from (\S+) while the log sink was behind$/;

/** Sums drop reports per entity in `records`. */
export function reportedDrops(records: readonly LogRecord[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const r of records) {
    const d = DROP.exec(r.text);
    if (d !== null) m.set(d[2], (m.get(d[2]) ?? 0) + Number(d[1]));
  }
  return m;
}

/** Records from `entity` that are not drop reports. */
export function linesFrom(records: readonly LogRecord[], entity: string): LogRecord[] {
  return records.filter((r) => r.entity === entity && !DROP.test(r.text));
}
