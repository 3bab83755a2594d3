/**
 * `heartbeat logd` as users run it (main.ts in a subprocess): the real cluster-glue client
 * `ha_logger` logs through it; our LogdClientSink falls back to direct logging when it is
 * killed and reconnects after conn_logd_time; bad logd.cf and a busy socket are refused.
 */

import { equal, ok } from "node:assert/strict";
import { FileSink, LogdClientSink, Logger, parseLogLine } from "../../src/logd/mod.ts";
import { MAIN, runMain } from "../helpers/run.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const HA_LOGGER = "/usr/sbin/ha_logger";
const haLogger = await Deno.stat(HA_LOGGER).then(() => true, () => false);

async function until(what: string, cond: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const end = performance.now() + ms;
  while (!(await cond())) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

const readOr = (path: string) => Deno.readTextFile(path).catch(() => "");

/** Starts `heartbeat logd` and waits until its socket accepts connections. */
async function startLogd(cf: string, socket: string): Promise<Deno.ChildProcess> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--unstable-net", MAIN, "logd", "-c", cf, "--socket", socket],
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  await until("logd to listen", async () => {
    try {
      (await Deno.connect({ transport: "unix", path: socket })).close();
      return true;
    } catch {
      return false;
    }
  });
  return child;
}

async function stopLogd(child: Deno.ChildProcess): Promise<Deno.CommandOutput> {
  try {
    child.kill("SIGTERM");
  } catch {
    // already gone
  }
  return await child.output();
}

async function labDir(prefix: string): Promise<{ dir: string; cf: string; sockDir: string }> {
  const dir = await Deno.makeTempDir({ prefix });
  const sockDir = `${dir}/sock`;
  await Deno.mkdir(sockDir);
  const cf = `${dir}/logd.cf`;
  await Deno.writeTextFile(
    cf,
    `logfile ${dir}/ha-log\ndebugfile ${dir}/ha-debug\nlogfacility none\nentity testlogd\n`,
  );
  return { dir, cf, sockDir };
}

Deno.test({
  name: "real ha_logger → heartbeat logd: entity, pid and priority land in the files" +
    (haLogger ? "" : ` (IGNORED: ${HA_LOGGER} is absent; apt-get install cluster-glue)`),
  ignore: !haLogger,
  sanitizeResources: false,
  async fn() {
    const { dir, cf, sockDir } = await labDir("logd-halogger-");
    // ha_logger only knows its compiled-in path: give it ours over /var/lib/heartbeat in a
    // private mount namespace.
    const logd = await startLogd(cf, `${sockDir}/log_daemon`);
    try {
      const userns = Deno.uid() === 0 ? [] : ["--map-root-user"];
      const script = `mount --bind ${sockDir} /var/lib/heartbeat && ` +
        `${HA_LOGGER} -t mytag "hello from ha_logger" && ` +
        `${HA_LOGGER} -D ha-debug -t mytag "debug from ha_logger"`;
      const out = await new Deno.Command("unshare", {
        args: [...userns, "--mount", "--propagation", "private", "sh", "-c", script],
        stdout: "piped",
        stderr: "piped",
      }).output();
      equal(out.code, 0, new TextDecoder().decode(out.stderr));
      await until(
        "both lines in ha-debug",
        async () => (await readOr(`${dir}/ha-debug`)).includes("debug from ha_logger"),
      );
      const log = (await readOr(`${dir}/ha-log`)).trimEnd().split("\n").map(parseLogLine);
      const hello = log.find((l) => l?.text === "hello from ha_logger");
      ok(hello, "the info line is in ha-log");
      equal(hello.entity, "mytag");
      equal(hello.level, "info");
      ok(hello.pid > 0 && hello.pid !== logd.pid, "the line carries ha_logger's pid");
      ok(!log.some((l) => l?.text === "debug from ha_logger"), "debug stays out of ha-log");
      const dbg = (await readOr(`${dir}/ha-debug`)).trimEnd().split("\n").map(parseLogLine)
        .find((l) => l?.text === "debug from ha_logger");
      equal(dbg?.level, "debug");
      equal(dbg?.entity, "mytag");
      ok(log.some((l) => l?.entity === "testlogd" && l.text.startsWith("logd started")));
    } finally {
      const out = await stopLogd(logd);
      equal(out.code, 0, new TextDecoder().decode(out.stderr));
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "logd killed → the client says so once and logs directly; restarted → reconnects",
  sanitizeResources: false,
  async fn() {
    const { dir, cf, sockDir } = await labDir("logd-fallback-");
    const socket = `${sockDir}/log_daemon`;
    const direct = `${dir}/direct-log`;
    let logd = await startLogd(cf, socket);
    const sink = new LogdClientSink({
      path: socket,
      fallback: [new FileSink(direct)],
      entity: "heartbeat",
      retryMs: 800,
      timeoutMs: 500,
    });
    const client = new Logger({ entity: "heartbeat", sinks: [sink] });
    try {
      client.info("before the kill");
      ok(await client.flush());
      await until("line at logd", async () => (await readOr(`${dir}/ha-log`)).includes("before"));

      logd.kill("SIGKILL");
      await logd.output();
      client.info("after the kill 1");
      client.info("after the kill 2");
      ok(await client.flush());
      client.info("after the kill 3");
      ok(await client.flush());
      const lines = (await readOr(direct)).trimEnd().split("\n").map(parseLogLine);
      equal(lines.length, 4, "one notice, then the three lines");
      equal(lines[0]?.level, "warn");
      ok(lines[0]?.text.startsWith(`logd at ${socket} is unreachable`), lines[0]?.text);
      ok(lines[0]?.text.includes(`logging directly to file ${direct}`));
      equal(
        lines.slice(1).map((l) => l?.text).join("|"),
        "after the kill 1|after the kill 2|" +
          "after the kill 3",
      );
      ok(!(await readOr(`${dir}/ha-log`)).includes("after the kill"));
      equal(sink.stats().lost + sink.stats().connectFailures > 0, true);

      // A new logd on the same (stale) socket path; the client retries once 800 ms passed.
      logd = await startLogd(cf, socket);
      await sleep(900);
      client.info("after the restart");
      ok(await client.flush());
      await until(
        "line at the new logd",
        async () => (await readOr(`${dir}/ha-log`)).includes("after the restart"),
      );
      const back = (await readOr(`${dir}/ha-log`)).trimEnd().split("\n").map(parseLogLine);
      const note = back.find((l) => l?.text.startsWith("reconnected to logd"));
      ok(note?.text.includes("3 messages were logged directly"), note?.text);
      ok(!(await readOr(direct)).includes("after the restart"));
      equal(sink.stats().connected, true);
    } finally {
      await client.close();
      await stopLogd(logd);
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("heartbeat logd refuses a bad logd.cf with file:line and exit 1", async () => {
  const dir = await Deno.makeTempDir({ prefix: "logd-badcf-" });
  try {
    await Deno.writeTextFile(`${dir}/logd.cf`, "logfile /tmp/x\nsendqlen lots\n");
    const r = await runMain(["logd", "-c", `${dir}/logd.cf`, "--socket", `${dir}/s`]);
    equal(r.code, 1);
    ok(r.stderr.includes(`${dir}/logd.cf:2: sendqlen: "lots" is not a queue length`), r.stderr);
    const missing = await runMain(["logd", "-c", `${dir}/nope.cf`, "--socket", `${dir}/s`]);
    equal(missing.code, 1);
    ok(missing.stderr.includes(`${dir}/nope.cf: file not found`), missing.stderr);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "a second heartbeat logd on a live socket is refused; SIGTERM stops cleanly",
  sanitizeResources: false,
  async fn() {
    const { dir, cf, sockDir } = await labDir("logd-busy-");
    const socket = `${sockDir}/log_daemon`;
    const logd = await startLogd(cf, socket);
    try {
      const second = await runMain(["logd", "-c", cf, "--socket", socket]);
      equal(second.code, 1);
      ok(second.stderr.includes("another logd is already listening"), second.stderr);
    } finally {
      const out = await stopLogd(logd);
      equal(out.code, 0);
      const log = await readOr(`${dir}/ha-log`);
      ok(log.includes("logd stopping (SIGTERM)"), log);
      ok(!(await Deno.stat(socket).then(() => true, () => false)), "socket file removed");
      await Deno.remove(dir, { recursive: true });
    }
  },
});
