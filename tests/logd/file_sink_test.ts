import { deepEqual, equal, ok } from "node:assert/strict";
import { createLogger, FileSink, type ParsedLogLine, parseLogLine } from "../../src/logd/mod.ts";

/** Parses every line of a log file; any line that is not ours fails the test. */
function parsed(text: string): ParsedLogLine[] {
  return text.split("\n").filter((l) => l !== "").map((l) => {
    const p = parseLogLine(l);
    if (p === undefined) throw new Error(`unparseable line: ${l}`);
    return p;
  });
}

Deno.test("FileSink appends lines in order, sanitised, one line per record", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "logd-file-" });
  try {
    const path = `${dir}/ha-log`;
    Deno.writeTextFileSync(path, "existing line\n");
    const log = createLogger({
      entity: "heartbeat",
      logfile: path,
      host: "n1",
      pid: 99,
      now: () => Date.UTC(2026, 0, 2, 3, 4, 5, 6),
      queueLength: 2000,
      appQueueLength: 2000,
    });
    for (let i = 0; i < 1000; i++) log.info(`line ${i}\nwith newline`);
    log.warn("done", "ccm");
    ok(await log.close());
    const text = Deno.readTextFileSync(path);
    ok(text.startsWith("existing line\n"), "append, not truncate");
    const ours = text.slice("existing line\n".length);
    equal(ours.split("\n").length, 1002, "1001 one-line records and a final newline");
    const got = parsed(ours);
    ok(got.slice(0, 1000).every((p, i) => p.text === `line ${i}\nwith newline`), "in order");
    deepEqual(got[1000], {
      time: Date.UTC(2026, 0, 2, 3, 4, 5, 6),
      host: "n1",
      entity: "ccm",
      pid: 99,
      level: "warn",
      text: "done",
    });
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("FileSink creates a missing file with the given mode, whatever the umask", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "logd-file-" });
  try {
    for (const mode of [0o600, 0o664]) {
      const path = `${dir}/log-${mode.toString(8)}`;
      const sink = new FileSink(path, mode);
      await sink.write([{
        time: 0,
        level: "info",
        debugLevel: 0,
        entity: "x",
        pid: 1,
        host: "h",
        text: "t",
      }]);
      await sink.close();
      equal(Deno.statSync(path).mode! & 0o777, mode);
      equal(Deno.readTextFileSync(path), "1970-01-01T00:00:00.000Z h x[1]: info: t\n");
    }
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("logfile gets all but debug, debugfile gets everything", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "logd-file-" });
  try {
    const log = createLogger({
      entity: "heartbeat",
      logfile: `${dir}/ha-log`,
      debugfile: `${dir}/ha-debug`,
      debugLevel: 2,
      host: "n1",
    });
    log.info("i");
    log.debug(1, "d1");
    log.error("e");
    log.debug(2, "d2");
    log.debug(3, "d3 hidden");
    ok(await log.close());
    deepEqual(parsed(Deno.readTextFileSync(`${dir}/ha-log`)).map((p) => p.text), ["i", "e"]);
    deepEqual(
      parsed(Deno.readTextFileSync(`${dir}/ha-debug`)).map((p) => [p.level, p.text]),
      [["info", "i"], ["debug", "d1"], ["error", "e"], ["debug", "d2"]],
    );
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("FileSink reopen() follows a rotated file; an unwritable path is reported once", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "logd-file-" });
  try {
    const path = `${dir}/ha-log`;
    const sink = new FileSink(path);
    const problems: string[] = [];
    const log = createLogger({
      entity: "hb",
      sinks: [sink, new FileSink(`${dir}/no/such/dir/log`)],
      onProblem: (s, m) => problems.push(`${s}: ${m}`),
    });
    log.info("before");
    await log.flush();
    Deno.renameSync(path, `${path}.1`);
    sink.reopen();
    log.info("after");
    log.info("after 2");
    ok(await log.close());
    deepEqual(parsed(Deno.readTextFileSync(`${path}.1`)).map((p) => p.text), ["before"]);
    deepEqual(parsed(Deno.readTextFileSync(path)).map((p) => p.text), ["after", "after 2"]);
    equal(problems.length, 1);
    ok(problems[0].startsWith(`file ${dir}/no/such/dir/log: write failed:`), problems[0]);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
