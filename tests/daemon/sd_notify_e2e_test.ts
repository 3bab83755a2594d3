/** systemd Type=notify: a running daemon reports READY, WATCHDOG and STOPPING. */
import assert from "node:assert/strict";
import { startNode, stopNode, testPort, waitStatus } from "../helpers/nodes.ts";

Deno.test("sd_notify: READY=1 once running, WATCHDOG=1 while beating, STOPPING=1 on SIGTERM", async () => {
  const top = Deno.makeTempDirSync();
  const sockPath = `${top}/notify.sock`;
  const sock = Deno.listenDatagram({ transport: "unixpacket", path: sockPath });
  const got: string[] = [];
  const reader = (async () => {
    try {
      for (;;) {
        const [data] = await sock.receive();
        got.push(new TextDecoder().decode(data));
      }
    } catch {
      // closed
    }
  })();
  const port = testPort(13);
  const n = startNode(
    "s1",
    `${top}/s1`,
    `node s1 s2\nucast 127.0.0.81 127.0.0.82\nudpport ${port}\nkeepalive 100ms\ndeadtime 1\ninitdead 1\n`,
    // 400 ms watchdog: WATCHDOG=1 every 200 ms.
    { env: { NOTIFY_SOCKET: sockPath, WATCHDOG_USEC: "400000" } },
  );
  try {
    assert.ok(await waitStatus(n, () => true, 10_000), n.output());
    await new Promise((r) => setTimeout(r, 700));
    assert.ok(got.some((m) => m.split("\n").includes("READY=1")), JSON.stringify(got));
    assert.ok(got.some((m) => m.includes("STATUS=")), JSON.stringify(got));
    assert.ok(got.filter((m) => m.includes("WATCHDOG=1")).length >= 2, JSON.stringify(got));
    assert.equal(await stopNode(n), 0);
    await new Promise((r) => setTimeout(r, 100));
    assert.ok(got.some((m) => m.includes("STOPPING=1")), JSON.stringify(got));
  } finally {
    await stopNode(n);
    sock.close();
    await reader;
    Deno.removeSync(top, { recursive: true });
  }
});
