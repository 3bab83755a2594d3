import { deepEqual, equal, ok } from "node:assert/strict";
import { createLogger, formatSyslog, Logger, SyslogSink } from "../../src/logd/mod.ts";

const dec = new TextDecoder();

/** A fake /dev/log: our own bound unix datagram socket. */
function fakeDevLog(dir: string): { path: string; sock: Deno.DatagramConn } {
  const path = `${dir}/log`;
  return { path, sock: Deno.listenDatagram({ transport: "unixpacket", path }) };
}

async function receive(sock: Deno.DatagramConn): Promise<{ text: string; from: string }> {
  const [data, addr] = await sock.receive();
  return { text: dec.decode(data), from: (addr as Deno.UnixAddr).path };
}

Deno.test("SyslogSink sends <PRI>MON DD HH:MM:SS ident[pid]: level: text datagrams", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "logd-syslog-" });
  const dev = fakeDevLog(dir);
  try {
    // 2026-03-05 07:08:09 local time: day < 10 shows RFC 3164's space padding.
    const when = new Date(2026, 2, 5, 7, 8, 9).getTime();
    const log = createLogger({
      entity: "heartbeat",
      logfacility: "local0",
      syslogPath: dev.path,
      now: () => when,
      pid: 77,
      debugLevel: 1,
    });
    log.info("node node2 is up\nsecond line");
    log.warn("late heartbeat", "ccm");
    log.debug(1, "dbg");
    log.crit("split brain");
    const got = [];
    for (let i = 0; i < 4; i++) got.push(await receive(dev.sock));
    deepEqual(got.map((g) => g.text), [
      "<134>Mar  5 07:08:09 heartbeat[77]: info: node node2 is up\\nsecond line",
      "<132>Mar  5 07:08:09 ccm[77]: WARN: late heartbeat",
      "<135>Mar  5 07:08:09 heartbeat[77]: debug: dbg",
      "<130>Mar  5 07:08:09 heartbeat[77]: CRIT: split brain",
    ]);
    const sender = got[0].from;
    ok(sender.startsWith(Deno.env.get("TMPDIR") ?? "/tmp"), sender);
    Deno.statSync(sender);
    ok(await log.close());
    let gone = false;
    try {
      Deno.statSync(sender);
    } catch (e) {
      gone = e instanceof Deno.errors.NotFound;
    }
    ok(gone, "the private socket path is removed on close");
  } finally {
    dev.sock.close();
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("SyslogSink ident overrides the entity; facility sets PRI", () => {
  const r = {
    time: new Date(2026, 10, 29, 23, 59, 1).getTime(),
    level: "error" as const,
    debugLevel: 0,
    entity: "ccm",
    pid: 5,
    host: "h",
    text: "x",
  };
  equal(formatSyslog("daemon", "hb", r), "<27>Nov 29 23:59:01 hb[5]: ERROR: x");
  equal(formatSyslog("kern", undefined, r), "<3>Nov 29 23:59:01 ccm[5]: ERROR: x");
});

Deno.test("a missing /dev/log is reported once, never thrown, and retried later", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "logd-syslog-" });
  try {
    let clock = 0;
    const problems: string[] = [];
    const path = `${dir}/log`;
    const sink = new SyslogSink("local0", path, "hb", {
      retryMs: 1000,
      now: () => clock,
      onProblem: (s, m) => problems.push(`${s}: ${m}`),
    });
    const log = new Logger({ entity: "hb", sinks: [sink], pid: 1, host: "h" });
    for (let i = 0; i < 3; i++) {
      log.info(`lost ${i}`);
      await log.flush();
    }
    equal(problems.length, 1);
    ok(problems[0].startsWith(`syslog ${path}: syslog is unavailable`), problems[0]);
    equal(sink.lost, 3);
    equal(sink.available, false);
    equal(log.stats().sinkFailures, 0, "unavailability is the sink's business, not a failure");

    const dev = fakeDevLog(dir);
    try {
      clock = 1001;
      log.info("back");
      await log.flush();
      equal((await receive(dev.sock)).text.endsWith("hb[1]: info: back"), true);
      equal(sink.available, true);
    } finally {
      dev.sock.close();
    }
    ok(await log.close());
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("long syslog messages are cut to 8 KiB at a character boundary", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "logd-syslog-" });
  const dev = fakeDevLog(dir);
  try {
    const log = createLogger({
      entity: "hb",
      logfacility: "user",
      syslogPath: dev.path,
      maxTextLength: 100_000,
    });
    log.info("é".repeat(50_000));
    log.info("short");
    const long = await receive(dev.sock);
    const bytes = new TextEncoder().encode(long.text).length;
    equal(bytes <= 8192 && bytes > 8180, true, `${bytes} bytes`);
    equal(long.text.endsWith("é"), true, "no broken UTF-8 at the end");
    equal((await receive(dev.sock)).text.endsWith("hb[" + Deno.pid + "]: info: short"), true);
    ok(await log.close());
  } finally {
    dev.sock.close();
    Deno.removeSync(dir, { recursive: true });
  }
});
