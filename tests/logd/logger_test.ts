import { deepEqual, equal, ok } from "node:assert/strict";
import { Logger, type LoggerOptions } from "../../src/logd/mod.ts";
import { FailingSink, linesFrom, RecordingSink, reportedDrops } from "./recording_sink.ts";

function make(sink: RecordingSink, opts: Partial<LoggerOptions> = {}): Logger {
  let t = 1_000_000;
  return new Logger({
    entity: "heartbeat",
    sinks: [sink],
    now: () => t++,
    host: "n1",
    pid: 7,
    ...opts,
  });
}

Deno.test("records carry the injected clock, host, pid, entity and level, in order", async () => {
  const sink = new RecordingSink();
  const log = make(sink);
  log.info("one");
  log.warn("two", "ccm");
  log.error("three");
  log.crit("four");
  log.log("info", "five", "ipfail");
  equal(sink.records.length, 0, "log() must not write synchronously");
  ok(await log.flush());
  deepEqual(
    sink.records.map((r) => [r.time, r.level, r.entity, r.text, r.pid, r.host]),
    [
      [1_000_000, "info", "heartbeat", "one", 7, "n1"],
      [1_000_001, "warn", "ccm", "two", 7, "n1"],
      [1_000_002, "error", "heartbeat", "three", 7, "n1"],
      [1_000_003, "crit", "heartbeat", "four", 7, "n1"],
      [1_000_004, "info", "ipfail", "five", 7, "n1"],
    ],
  );
});

Deno.test("debug records follow the debug level; raise/lower clamp to 0..255", async () => {
  const sink = new RecordingSink();
  const log = make(sink);
  log.debug(1, "hidden");
  log.log("debug", "hidden too");
  equal(log.raiseDebug(), 1);
  log.debug(1, "d1");
  log.debug(2, "hidden d2");
  equal(log.raiseDebug(), 2);
  log.debug(2, "d2");
  equal(log.lowerDebug(), 1);
  log.debug(2, "hidden d2 again");
  equal(log.lowerDebug(), 0);
  equal(log.lowerDebug(), 0);
  log.debug(1, "hidden d1");
  log.setDebugLevel(1000);
  equal(log.debugLevel, 255);
  equal(log.raiseDebug(), 255);
  await log.flush();
  deepEqual(
    sink.records.filter((r) => r.level === "debug").map((r) => [r.text, r.debugLevel]),
    [["d1", 1], ["d2", 2]],
  );
  deepEqual(
    sink.records.filter((r) => r.level === "info").map((r) => r.text),
    [
      "debug level now 1",
      "debug level now 2",
      "debug level now 1",
      "debug level now 0",
      "debug level now 0",
      "debug level now 255",
    ],
  );
});

Deno.test("a full queue drops new records and reports the exact count once", async () => {
  const sink = new RecordingSink();
  const log = make(sink, { queueLength: 10, appQueueLength: 10 });
  for (let i = 0; i < 25; i++) log.info(`m${i}`);
  const s = log.stats();
  equal(s.queued, 10);
  equal(s.dropped, 15);
  await log.flush();
  deepEqual(linesFrom(sink.records, "heartbeat").map((r) => r.text), [
    "m0",
    "m1",
    "m2",
    "m3",
    "m4",
    "m5",
    "m6",
    "m7",
    "m8",
    "m9",
  ]);
  const last = sink.records.at(-1)!;
  equal(last.level, "warn");
  equal(last.text, "logd: dropped 15 messages from heartbeat while the log sink was behind");
  // Reported once: more logging after catching up brings no second report.
  log.info("after");
  await log.flush();
  equal(reportedDrops(sink.records).get("heartbeat"), 15);
  equal(sink.records.at(-1)!.text, "after");
});

Deno.test("a noisy entity's drops do not drop another entity's lines", async () => {
  const sink = new RecordingSink();
  let release!: () => void;
  sink.gate = new Promise((r) => release = r);
  const log = make(sink, { queueLength: 40, appQueueLength: 8, appQueueLengths: { noisy: 16 } });
  log.info("first"); // taken by the (stalled) first write
  await Promise.resolve();
  for (let i = 0; i < 1000; i++) {
    log.info(`n${i}`, "noisy");
    if (i % 100 === 0) log.info(`q${i / 100}`, "quiet");
  }
  const st = log.stats();
  ok(st.highWater <= 40);
  equal(st.apps.find((a) => a.entity === "noisy")?.pending, 16);
  equal(st.apps.find((a) => a.entity === "quiet")?.pending, 8);
  equal(st.apps.find((a) => a.entity === "quiet")?.dropped, 2); // q8, q9 past its share of 8
  release();
  await log.flush();
  deepEqual(linesFrom(sink.records, "quiet").map((r) => r.text), [
    "q0",
    "q1",
    "q2",
    "q3",
    "q4",
    "q5",
    "q6",
    "q7",
  ]);
  const drops = reportedDrops(sink.records);
  equal(drops.get("noisy"), 1000 - 16);
  equal(drops.get("quiet"), 2);
  equal(linesFrom(sink.records, "noisy").length + drops.get("noisy")!, 1000);
});

Deno.test("log() never throws: broken clock, odd text", async () => {
  const sink = new RecordingSink();
  const log = new Logger({
    entity: "hb",
    sinks: [sink],
    now: () => {
      throw new Error("clock broke");
    },
    host: "h",
    pid: 1,
    queueLength: 1,
  });
  log.info("x");
  log.info("dropped 1");
  log.info("dropped 2");
  log.info({
    toString: () => {
      throw new Error("no");
    },
  } as unknown as string);
  await log.flush();
  deepEqual(sink.records.map((r) => r.text), [
    "x",
    "logd: dropped 3 messages from hb while the log sink was behind",
  ]);
  ok(sink.records.every((r) => Math.abs(r.time - Date.now()) < 60_000), "system clock used");
  const nan = new Logger({ entity: "hb", sinks: [sink], now: () => NaN, host: "h", pid: 1 });
  nan.info(undefined as unknown as string);
  await nan.flush();
  equal(sink.records[2].text, "undefined");
  ok(Number.isFinite(sink.records[2].time));
});

Deno.test("over-long text is cut so memory per record is bounded", async () => {
  const sink = new RecordingSink();
  const log = make(sink, { maxTextLength: 100 });
  log.info("x".repeat(10_000));
  await log.flush();
  ok(sink.records[0].text.length < 120);
  ok(sink.records[0].text.startsWith("x".repeat(100)));
});

Deno.test("a failing sink is reported once and does not stop the others", async () => {
  const good = new RecordingSink();
  const bad = new FailingSink();
  const problems: string[] = [];
  const log = new Logger({
    entity: "hb",
    sinks: [bad, good],
    host: "h",
    pid: 1,
    onProblem: (s, m) => problems.push(`${s}: ${m}`),
  });
  log.info("a");
  await log.flush();
  log.info("b");
  await log.flush();
  deepEqual(good.records.map((r) => r.text), ["a", "b"]);
  equal(bad.writes, 2);
  deepEqual(problems, ["failing: write failed: disk on fire"]);
  equal(log.stats().sinkFailures, 2);
});

Deno.test("close() drains, closes sinks, and later records are counted, not queued", async () => {
  const sink = new RecordingSink();
  const log = make(sink);
  for (let i = 0; i < 50; i++) log.info(`m${i}`);
  ok(await log.close());
  equal(sink.records.length, 50);
  ok(sink.closed);
  log.info("late");
  equal(log.stats().afterClose, 1);
  equal(log.stats().queued, 0);
});

Deno.test("flush() gives up after its timeout when a sink stalls", async () => {
  const sink = new RecordingSink();
  let release!: () => void;
  sink.gate = new Promise((r) => release = r);
  const log = make(sink);
  log.info("stuck");
  const t0 = performance.now();
  equal(await log.flush(50), false);
  ok(performance.now() - t0 < 1000);
  release();
  ok(await log.flush());
  equal(sink.records.length, 1);
});

Deno.test("entities past maxApps share one bucket", async () => {
  const sink = new RecordingSink();
  const log = make(sink, { maxApps: 2, queueLength: 100 });
  for (let i = 0; i < 10; i++) log.info("x", `app${i}`);
  const s = log.stats();
  equal(s.apps.length, 3);
  equal(s.apps[2].entity, "other-entities");
  equal(s.apps[2].pending, 8);
  await log.flush();
  equal(sink.records.length, 10);
  equal(sink.records[9].entity, "app9");
});
