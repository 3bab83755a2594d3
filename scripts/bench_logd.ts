/**
 * Standalone logd benchmark: `deno run -A --unstable-net scripts/bench/logd_daemon_bench.ts`
 * (a script, not a `deno bench` file: it measures rates and lags over whole runs).
 *
 * 1. Sustained lines/s through logd to a file: client processes (tests/logd/
 *    logd_flood_client.ts) send cluster-glue log messages as fast as the socket takes them
 *    to an in-process LogdServer writing a FileSink; rate = lines written / time until the
 *    last one is in the file. logd's own 10 ms timer lag is measured meanwhile.
 * 2. The daemon's main-loop lag under a log flood with `use_logd`: this process logs bursts
 *    (one burst per ~1 ms timer turn) through a LogdClientSink to a real `heartbeat logd`
 *    subprocess while a 10 ms timer measures lag — paced, flooding, then with logd frozen
 *    (SIGSTOP), when writes time out and the sink falls back to the direct file.
 *
 * Lags are shown as "own" (this process's doing) and "raw" (including waits for a CPU held
 * by other processes, from /proc/thread-self/schedstat): the machine may be shared.
 */

import { FileSink, LogdClientSink, logdQueueSizes, LogdServer, Logger } from "../src/logd/mod.ts";
import { startLagProbe } from "../tests/logd/lag_probe.ts";

const FLOOD_CLIENT = new URL("../tests/logd/logd_flood_client.ts", import.meta.url).pathname;
const MAIN = new URL("../main.ts", import.meta.url).pathname;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function fmtLag(l: { own: number; raw: number }): string {
  return `${l.own.toFixed(1)} ms own / ${l.raw.toFixed(1)} ms raw`;
}

async function countLines(path: string): Promise<number> {
  const b = await Deno.readFile(path).catch(() => new Uint8Array());
  let n = 0;
  for (const c of b) if (c === 10) n++;
  return n;
}

/** Part 1: `clients` processes × `each` lines into logd → file. */
async function throughput(dir: string, clients: number, each: number): Promise<void> {
  const file = `${dir}/through-${clients}.log`;
  const logger = new Logger({
    entity: "logd",
    sinks: [new FileSink(file)],
    ...logdQueueSizes(256, 256),
  });
  const r = await LogdServer.listen({ path: `${dir}/log_daemon`, logger });
  if (!r.ok) throw new Error(r.error.message);
  const server = r.server;
  const total = clients * each;
  const probe = startLagProbe(10);
  const t0 = performance.now();
  const procs = [...Array(clients).keys()].map((i) =>
    new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", FLOOD_CLIENT, server.path, `app${i}`, String(each)],
      stdout: "null",
    }).output()
  );
  await Promise.all(procs);
  while (server.stats().received < total) await sleep(5);
  await logger.flush(60_000);
  const ms = performance.now() - t0;
  const lag = probe.stop();
  const st = logger.stats();
  const written = await countLines(file);
  console.log(
    `logd ← ${clients} client(s) × ${each}: ${total} lines in ${ms.toFixed(0)} ms = ` +
      `${Math.round(st.delivered / (ms / 1000))} lines/s written ` +
      `(${st.delivered} written, ${st.dropped} dropped, file has ${written} lines); ` +
      `logd timer lag ${fmtLag(lag)}`,
  );
  await server.close();
  await logger.close();
}

/** Part 2: this process as the heartbeat daemon, flooding logs through logd. */
async function daemonLag(dir: string): Promise<void> {
  const socket = `${dir}/sock2/log_daemon`;
  await Deno.mkdir(`${dir}/sock2`);
  await Deno.writeTextFile(
    `${dir}/logd.cf`,
    `logfile ${dir}/logd.log\ndebugfile none\n` +
      `logfacility none\n`,
  );
  const logd = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--unstable-net", MAIN, "logd", "-c", `${dir}/logd.cf`, "--socket", socket],
    stdout: "null",
    stderr: "null",
  }).spawn();
  try {
    for (let i = 0; i < 300; i++) {
      try {
        (await Deno.connect({ transport: "unix", path: socket })).close();
        break;
      } catch {
        await sleep(20);
      }
    }
    const sink = new LogdClientSink({
      path: socket,
      fallback: [new FileSink(`${dir}/direct.log`)],
      entity: "heartbeat",
      retryMs: 60_000,
      timeoutMs: 500,
    });
    const log = new Logger({ entity: "heartbeat", sinks: [sink] });
    const flood = async (label: string, lines: number, burst: number) => {
      const before = log.stats();
      const sent0 = sink.stats();
      const probe = startLagProbe(10);
      let maxBurstMs = 0;
      const t0 = performance.now();
      for (let i = 0; i < lines; i += burst) {
        const b0 = performance.now();
        for (let j = 0; j < burst; j++) log.info(`flood line ${i + j}: node node2 is late`);
        maxBurstMs = Math.max(maxBurstMs, performance.now() - b0);
        await sleep(1);
      }
      await log.flush(10_000);
      const ms = performance.now() - t0;
      const lag = probe.stop();
      const after = log.stats();
      const s = sink.stats();
      console.log(
        `daemon → logd, ${label}: ${lines} lines logged in bursts of ${burst} over ` +
          `${ms.toFixed(0)} ms; ${s.sent - sent0.sent} to logd, ${s.direct - sent0.direct} ` +
          `direct, ${after.dropped - before.dropped} dropped in the daemon's queue; ` +
          `${burst} log() calls took at most ${maxBurstMs.toFixed(2)} ms; ` +
          `daemon timer lag ${fmtLag(lag)}`,
      );
    };
    await flood("logd running, paced", 50_000, 50);
    await flood("logd running, flood", 100_000, 1000);
    Deno.kill(logd.pid, "SIGSTOP");
    try {
      await flood("logd frozen (SIGSTOP), flood", 100_000, 1000);
    } finally {
      Deno.kill(logd.pid, "SIGCONT");
    }
    await log.close();
  } finally {
    logd.kill("SIGTERM");
    await logd.status;
  }
}

if (import.meta.main) {
  const dir = await Deno.makeTempDir({ prefix: "logd-daemon-bench-" });
  try {
    await throughput(dir, 1, 200_000);
    await throughput(dir, 4, 50_000);
    await daemonLag(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
