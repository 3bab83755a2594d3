/** createDaemonLogger: ha.cf's logging directives → direct sinks, or logd with fallback. */

import { equal, ok } from "node:assert/strict";
import { parseHaCf } from "../../src/config/hacf.ts";
import type { Config } from "../../src/config/types.ts";
import {
  createDaemonLogger,
  FileSink,
  LogdServer,
  Logger,
  parseLogLine,
} from "../../src/logd/mod.ts";

function config(lines: string): Config {
  const r = parseHaCf(`node a\nucast lo 127.0.0.1\n${lines}`, "ha.cf", { localNode: "a" });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.value;
}

const parse = async (path: string) =>
  (await Deno.readTextFile(path).catch(() => "")).trimEnd().split("\n").filter((l) => l)
    .map(parseLogLine);

Deno.test("without use_logd: logfile and debugfile get Heartbeat's split, debug from ha.cf + -d", async () => {
  const dir = await Deno.makeTempDir({ prefix: "dlog-direct-" });
  try {
    const cfg = config(`logfile ${dir}/ha-log\ndebugfile ${dir}/ha-debug\ndebug 1\n`);
    const log = createDaemonLogger(cfg, { host: "a", extraDebug: 1 });
    equal(log.debugLevel, 2);
    log.info("info line");
    log.debug(2, "debug line");
    log.debug(3, "too deep");
    await log.close();
    const main = await parse(`${dir}/ha-log`);
    const dbg = await parse(`${dir}/ha-debug`);
    equal(main.map((l) => l?.text).join("|"), "info line");
    equal(dbg.map((l) => l?.text).join("|"), "info line|debug line");
    equal(main[0]?.entity, "heartbeat");
    equal(main[0]?.host, "a");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("use_logd yes: lines go to logd, not the files; logd away → files, with a notice", async () => {
  const dir = await Deno.makeTempDir({ prefix: "dlog-logd-" });
  try {
    const atLogd = `${dir}/logd-log`;
    const logdLogger = new Logger({ entity: "logd", sinks: [new FileSink(atLogd)] });
    const r = await LogdServer.listen({ path: `${dir}/log_daemon`, logger: logdLogger });
    ok(r.ok);
    const cfg = config(`use_logd yes\nlogfile ${dir}/ha-log\nconn_logd_time 60\n`);
    equal(cfg.logging.connLogdTimeMs, 60_000);
    const log = createDaemonLogger(cfg, { host: "a", logdSocket: r.server.path });
    log.warn("through logd");
    ok(await log.flush());
    const deadline = performance.now() + 5000;
    while (r.server.stats().received < 1 && performance.now() < deadline) {
      await new Promise((res) => setTimeout(res, 10));
    }
    await r.server.close();
    await logdLogger.close();
    const got = await parse(atLogd);
    const line = got.find((l) => l?.text === "through logd");
    equal(line?.level, "warn");
    equal(line?.entity, "heartbeat");
    equal((await parse(`${dir}/ha-log`)).length, 0, "nothing logged directly while logd was up");

    // logd gone: conn_logd_time (60 s) has not passed, so no reconnect; files take over.
    log.info("while logd is away");
    ok(await log.flush());
    const direct = await parse(`${dir}/ha-log`);
    ok(direct[0]?.text.includes("is unreachable"), direct[0]?.text);
    equal(direct[1]?.text, "while logd is away");
    await log.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
