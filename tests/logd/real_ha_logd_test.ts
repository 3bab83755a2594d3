/**
 * Interop the other way round: our LogdClientSink (the daemon's `use_logd yes`) logging
 * through cluster-glue's real ha_logd. ha_logd listens at its compiled-in path and writes a
 * pid file under /run, so it runs in a private mount namespace with temp directories over
 * /var/lib/heartbeat and /run.
 */

import { deepEqual, equal, ok } from "node:assert/strict";

const HA_LOGD = "/usr/lib/heartbeat/ha_logd";
const present = await Deno.stat(HA_LOGD).then(() => true, () => false);
const FIXTURE = new URL("./logd_client_fixture.ts", import.meta.url).pathname;

Deno.test({
  name: "our LogdClientSink → real ha_logd: every record lands with entity, pid and level" +
    (present ? "" : ` (IGNORED: ${HA_LOGD} is absent; apt-get install cluster-glue)`),
  ignore: !present,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "logd-realhalogd-" });
    try {
      await Deno.mkdir(`${dir}/sock`);
      await Deno.mkdir(`${dir}/run`);
      await Deno.writeTextFile(
        `${dir}/logd.cf`,
        `logfile ${dir}/ha-log\ndebugfile ${dir}/ha-debug\nlogfacility none\n`,
      );
      const script = [
        `mount --bind ${dir}/sock /var/lib/heartbeat || exit 90`,
        `mount --bind ${dir}/run /run || exit 91`,
        `${HA_LOGD} -c ${dir}/logd.cf & logd=$!`,
        `for i in $(seq 100); do [ -S /var/lib/heartbeat/log_daemon ] && break; sleep 0.05; done`,
        `"${Deno.execPath()}" run -A "${FIXTURE}" /var/lib/heartbeat/log_daemon; rc=$?`,
        // ha_logd's writer child drains its queue on SIGTERM before exiting.
        `sleep 0.3; kill $logd; wait $logd; exit $rc`,
      ].join("\n");
      const userns = Deno.uid() === 0 ? [] : ["--map-root-user"];
      const out = await new Deno.Command("unshare", {
        args: [...userns, "--mount", "--propagation", "private", "sh", "-c", script],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const stdout = new TextDecoder().decode(out.stdout);
      equal(out.code, 0, new TextDecoder().decode(out.stderr) + stdout);
      const stats = JSON.parse(stdout.trim().split("\n").at(-1)!);
      deepEqual([stats.sent, stats.direct, stats.connected], [4, 0, true]);
      // ha_logd's own format: `MON DD HH:MM:SS host entity: [pid]: level: text`.
      const line = /^\w{3} [ \d]\d \d\d:\d\d:\d\d \S+ (\S+): \[(\d+)\]: (\w+): (.*)$/;
      const parse = (t: string) =>
        t.split("\n").map((l) => line.exec(l)).filter((m) => m !== null)
          .map((m) => ({ entity: m![1], pid: Number(m![2]), level: m![3], text: m![4] }));
      const debugFile = parse(await Deno.readTextFile(`${dir}/ha-debug`));
      const mine = debugFile.filter((r) => r.entity !== "logd");
      deepEqual(mine.map((r) => [r.entity, r.level, r.text]), [
        ["heartbeat", "info", "hello real ha_logd"],
        ["heartbeat", "WARN", "a warning"],
        ["ccm", "debug", "a debug line"],
        ["heartbeat", "ERROR", "an error"],
      ]);
      ok(mine.every((r) => r.pid === mine[0].pid && r.pid > 0), "one client pid on all lines");
      const logFile = parse(await Deno.readTextFile(`${dir}/ha-log`));
      ok(!logFile.some((r) => r.text === "a debug line"), "ha_logd kept debug out of ha-log");
      ok(logFile.some((r) => r.text === "an error"));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
