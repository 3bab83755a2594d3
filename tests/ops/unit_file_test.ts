/** examples/heartbeat.service, checked by systemd's own parser when it is installed. */
import assert from "node:assert/strict";

const UNIT = new URL("../../examples/heartbeat.service", import.meta.url).pathname;

const hasAnalyze = (() => {
  try {
    return new Deno.Command("systemd-analyze", { args: ["--version"], stdout: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
})();

Deno.test("unit file: Type=notify, watchdog, reload by SIGHUP, restart on failure", async () => {
  const text = await Deno.readTextFile(UNIT);
  for (
    const line of [
      "Type=notify",
      "ExecStart=/usr/sbin/heartbeat start -c /etc/ha.d/ha.cf",
      "ExecReload=/bin/kill -HUP $MAINPID",
      "Restart=on-failure",
    ]
  ) assert.ok(text.split("\n").includes(line), line);
  assert.match(text, /^WatchdogSec=\d+$/m);
});

Deno.test({
  name: "unit file: systemd-analyze verify finds nothing wrong (binary path swapped for /bin/true)",
  ignore: !hasAnalyze,
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      // verify insists that ExecStart exists; the binary is not installed here.
      const text = (await Deno.readTextFile(UNIT)).replace("/usr/sbin/heartbeat", "/bin/true");
      await Deno.writeTextFile(`${dir}/heartbeat.service`, text);
      const out = await new Deno.Command("systemd-analyze", {
        args: ["verify", "--man=no", `${dir}/heartbeat.service`],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const said = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
      assert.equal(said.trim(), "", said);
      assert.equal(out.code, 0);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
