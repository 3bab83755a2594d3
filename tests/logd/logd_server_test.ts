/**
 * The standalone logd's socket side, in process: our LogdClientSink → LogdServer → file
 * with order kept; one entity flooding cannot drop another's lines; and issue 7's stall
 * rule: a sink stalled 5 s while 100,000 lines arrive neither delays logd's timers nor
 * loses count of what was dropped.
 */

import { deepEqual, equal, ok } from "node:assert/strict";
import { framePayload } from "../../src/api/framing.ts";
import {
  encodeLogdMsg,
  FileSink,
  LogdClientSink,
  logdQueueSizes,
  LogdServer,
  Logger,
  parseLogLine,
} from "../../src/logd/mod.ts";
import { writeAll } from "../../src/logd/sinks/write_all.ts";
import { startLagProbe } from "./lag_probe.ts";
import { linesFrom, RecordingSink, reportedDrops } from "./recording_sink.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!cond()) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

async function listen(path: string, logger: Logger): Promise<LogdServer> {
  const r = await LogdServer.listen({ path, logger });
  if (!r.ok) throw new Error(r.error.message);
  return r.server;
}

Deno.test("our client sink → our logd → file: every line, in order, with entity and level", async () => {
  const dir = await Deno.makeTempDir({ prefix: "logd-srv-" });
  try {
    const file = `${dir}/ha-log`;
    const logd = new Logger({ entity: "logd", sinks: [new FileSink(file)], host: "n1" });
    const server = await listen(`${dir}/log_daemon`, logd);
    const fallback = new RecordingSink();
    const client = new Logger({
      entity: "heartbeat",
      sinks: [new LogdClientSink({ path: server.path, fallback: [fallback], entity: "heartbeat" })],
      queueLength: 2000,
      appQueueLength: 2000,
      debugLevel: 1,
      pid: 4242,
    });
    for (let i = 0; i < 1000; i++) client.info(`ordered line ${i}`);
    client.warn("a warning");
    client.debug(1, "a debug line", "ccm");
    ok(await client.flush());
    await until("1002 messages at logd", () => server.stats().received === 1002);
    ok(await logd.flush());
    const lines = (await Deno.readTextFile(file)).trimEnd().split("\n").map(parseLogLine);
    ok(lines.every((l) => l !== undefined));
    const ordered = lines.filter((l) => l!.text.startsWith("ordered line "));
    deepEqual(ordered.map((l) => l!.text), [...Array(1000).keys()].map((i) => `ordered line ${i}`));
    ok(ordered.every((l) => l!.entity === "heartbeat" && l!.pid === 4242 && l!.level === "info"));
    const warn = lines.find((l) => l!.text === "a warning")!;
    equal(warn.level, "warn");
    const dbg = lines.find((l) => l!.text === "a debug line")!;
    deepEqual([dbg.level, dbg.entity], ["debug", "ccm"]);
    equal(fallback.records.length, 0, "nothing went to the fallback while logd was up");
    await client.close();
    await server.close();
    await logd.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** Sends `n` messages of `entity` on one raw client connection (the real wire format). */
async function sendRaw(path: string, entity: string, n: number): Promise<void> {
  const conn = await Deno.connect({ transport: "unix", path });
  const parts = [];
  for (let i = 0; i < n; i++) {
    parts.push(framePayload(encodeLogdMsg({
      facility: 24,
      priority: 6,
      usePriStr: true,
      pid: 100,
      entity,
      timestamp: 0,
      text: `${entity} ${i}`,
    })));
  }
  const all = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let off = 0;
  for (const p of parts) {
    all.set(p, off);
    off += p.length;
  }
  await writeAll(conn, all);
  conn.close();
}

Deno.test("a flooding client does not drop another client's lines (per-entity shares)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "logd-iso-" });
  try {
    const sink = new RecordingSink();
    let release!: () => void;
    sink.gate = new Promise((r) => release = r);
    // recvqlen 64 per entity; global = 16 shares.
    const logd = new Logger({ entity: "logd", sinks: [sink], ...logdQueueSizes(256, 64) });
    const server = await listen(`${dir}/log_daemon`, logd);
    // Flood first, then a quiet client, then more flood, all while the sink is stalled.
    await sendRaw(server.path, "flood", 5000);
    await sendRaw(server.path, "quiet", 60);
    await sendRaw(server.path, "flood", 5000);
    await until("10060 messages at logd", () => server.stats().received === 10_060);
    release();
    ok(await logd.flush());
    const quiet = linesFrom(sink.records, "quiet").map((r) => r.text);
    deepEqual(quiet, [...Array(60).keys()].map((i) => `quiet ${i}`));
    const flood = linesFrom(sink.records, "flood").length;
    const drops = reportedDrops(sink.records);
    equal(drops.get("quiet"), undefined, "quiet lost nothing");
    equal(drops.get("flood"), 10_000 - flood, "flood's drops are reported exactly");
    ok(flood <= 2 * 64, `flood kept at most a share per sink write, got ${flood}`);
    await server.close();
    await logd.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "logd: a sink stalled 5 s while 100,000 lines arrive: the loop keeps running, drops exact",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "logd-stall-" });
    let release: (() => void) | undefined;
    let logd: Logger | undefined;
    let server: LogdServer | undefined;
    try {
      const sink = new RecordingSink();
      sink.gate = new Promise((r) => release = r);
      logd = new Logger({ entity: "logd", sinks: [sink], ...logdQueueSizes(256, 256) });
      server = await listen(`${dir}/log_daemon`, logd);
      const srv = server;

      // logd's own timer: how late each 10 ms tick fires while a client floods it.
      const probe = startLagProbe(10);
      // The sink stays stalled for 5 s and until every line has arrived (a loaded machine
      // may take longer to start the client process).
      const stallStart = performance.now();
      const fiveSeconds = sleep(5000);
      const flood = new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          new URL("./logd_flood_client.ts", import.meta.url).pathname,
          server.path,
          "flood",
          "100000",
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
      try {
        const out = await flood;
        equal(out.code, 0, new TextDecoder().decode(out.stderr));
        await until("100000 messages at logd", () => srv.stats().received === 100_000);
        await fiveSeconds;
        const lag = probe.read();
        // The 10 ms figure is a benchmark result (`deno task bench:logd`); under a parallel
        // test run on a small shared machine, a bound that still catches a loop blocked by the
        // 5 s stall, without failing on scheduling noise.
        ok(
          lag.own < 50,
          `logd timer lag ${lag.own.toFixed(2)} ms (${lag.raw.toFixed(2)} ms with CPU waits)`,
        );
        ok(lag.ticks > 10, "the timer ran during the flood");
        ok(sink.records.length === 0, "nothing written while stalled");
        ok(logd.stats().queued <= logd.stats().capacity);
      } finally {
        probe.stop();
      }
      ok(performance.now() - stallStart >= 5000);
      release!();
      ok(await logd.flush(15_000));
      const delivered = linesFrom(sink.records, "flood").length;
      const reported = reportedDrops(sink.records).get("flood") ?? 0;
      equal(delivered + reported, 100_000, `delivered ${delivered} + reported ${reported}`);
      const app = logd.stats().apps.find((a) => a.entity === "flood")!;
      equal(app.dropped, reported);
      equal(app.delivered, delivered);
      ok(reported > 0, "the stall made logd drop");
      // The lines kept are the first ones, in order.
      deepEqual(
        linesFrom(sink.records, "flood").slice(0, 3).map((r) => r.text),
        ["flood line 0", "flood line 1", "flood line 2"],
      );
    } finally {
      release?.(); // a failed assertion must not leave the drain loop stalled
      await server?.close();
      await logd?.close(1000);
      await Deno.remove(dir, { recursive: true });
    }
  },
});
