/**
 * logd benchmarks (`deno bench -A scripts/bench/logd_bench.ts`):
 * - sustained lines/s into a FileSink (10,000 lines per iteration; lines/s = 10,000 / time);
 * - cost of log() under flood: 1,000 calls per iteration into a stalled sink (all dropped
 *   after the queue fills), i.e. the price the heartbeat loop pays when the disk hangs;
 * - cost of log() when the record is queued (queue drained between iterations).
 */

import { FileSink, Logger, type LogRecord, type LogSink } from "../../src/logd/mod.ts";

const LINES = 10_000;
const dir = Deno.makeTempDirSync({ prefix: "logd-bench-" });
globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));

const fileLogger = new Logger({
  entity: "heartbeat",
  sinks: [new FileSink(`${dir}/ha-log`)],
  queueLength: 1024,
  appQueueLength: 1024,
});

Deno.bench(`file sink: ${LINES} lines written and flushed`, async (b) => {
  b.start();
  // Log in queue-sized slices and let the drain loop keep up: a sustained rate, no drops.
  for (let i = 0; i < LINES; i++) {
    fileLogger.info(`node node2: heartbeat ${i} arrived 12 ms late`);
    if ((i & 1023) === 1023) await fileLogger.flush();
  }
  await fileLogger.flush();
  b.end();
  if (fileLogger.stats().dropped !== 0) throw new Error("file bench dropped lines");
});

/** A sink that never finishes a write: the disk hangs. */
class StalledSink implements LogSink {
  readonly name = "stalled";
  readonly filter = "all";
  write(_r: readonly LogRecord[]): Promise<void> {
    return new Promise(() => {});
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

const flooded = new Logger({ entity: "heartbeat", sinks: [new StalledSink()] });

Deno.bench("log() x1000 under flood (sink stalled, records dropped)", () => {
  for (let i = 0; i < 1000; i++) flooded.info(`flood line ${i}`);
});

/** A sink that takes batches instantly. */
class NullSink implements LogSink {
  readonly name = "null";
  readonly filter = "all";
  write(_r: readonly LogRecord[]): Promise<void> {
    return Promise.resolve();
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

const queued = new Logger({
  entity: "heartbeat",
  sinks: [new NullSink()],
  queueLength: 1000,
  appQueueLength: 1000,
});

Deno.bench("log() x1000 queued (fast sink)", async (b) => {
  b.start();
  for (let i = 0; i < 1000; i++) queued.info(`queued line ${i}`);
  b.end();
  await queued.flush();
});
