import assert from "node:assert/strict";
import { MAX_DELAY_MS, nextRespawn, QUICK_DEATH_MS } from "../../src/daemon/respawn_policy.ts";
import { loadUsers } from "../../src/daemon/respawn.ts";
import { sleep, startNode, stopNode, testPort, waitStatus } from "../helpers/nodes.ts";

Deno.test("respawn policy: quick deaths back off exponentially up to the cap, a long run resets", () => {
  let s = { quickDeaths: 0 };
  const delays: number[] = [];
  for (let i = 0; i < 9; i++) {
    const r = nextRespawn(s, 100);
    delays.push(r.delayMs);
    s = r.state;
  }
  assert.deepEqual(delays, [1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000]);
  assert.equal(delays.at(-1), MAX_DELAY_MS);
  assert.deepEqual(nextRespawn(s, QUICK_DEATH_MS), { delayMs: 0, state: { quickDeaths: 0 } });
});

function alive(pid: number): boolean {
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch {
    return false;
  }
}

Deno.test({
  name: "respawn: children run as their user, restart with back-off, stop with the daemon",
  ignore: Deno.uid() !== 0,
  async fn() {
    const top = Deno.makeTempDirSync();
    Deno.chmodSync(top, 0o777);
    const nobody = loadUsers().users.get("nobody");
    assert.ok(nobody, "this test needs the user nobody");
    const quick = `${top}/quick.sh`;
    Deno.writeTextFileSync(
      quick,
      `#!/bin/sh\necho "$$ $(id -u)" >> ${top}/quick.log\nsleep 0.2\nexit 3\n`,
    );
    const long = `${top}/long.sh`;
    Deno.writeTextFileSync(long, `#!/bin/sh\necho $$ > ${top}/long.pid\nexec sleep 60\n`);
    Deno.chmodSync(quick, 0o755);
    Deno.chmodSync(long, 0o755);
    const port = testPort(7);
    const n = startNode(
      "r1",
      `${top}/r1`,
      `node r1 r2\nucast 127.0.0.51 127.0.0.52\nudpport ${port}\nkeepalive 100ms\ndeadtime 1\n` +
        `initdead 1\nrespawn nobody ${quick}\nrespawn root ${long}\n`,
    );
    try {
      assert.ok(await waitStatus(n, () => true, 10_000), n.output());
      await sleep(2600); // starts at ~0 s, ~1.2 s (1 s back-off), ~3.4 s (2 s back-off)
      const starts = Deno.readTextFileSync(`${top}/quick.log`).trim().split("\n");
      assert.equal(starts.length, 2, `starts: ${starts.join(", ")}\n${n.output()}`);
      for (const s of starts) assert.equal(s.split(" ")[1], String(nobody[0]), "not run as nobody");
      assert.match(n.output(), /quick\.sh \(pid \d+\) exited with exit code 3/);
      assert.match(n.output(), /dies too fast; restarting in 2000 ms/);
      const longPid = Number(Deno.readTextFileSync(`${top}/long.pid`).trim());
      assert.ok(alive(longPid));
      assert.equal(await stopNode(n), 0);
      // Stopped and reaped: no process, not even a zombie.
      assert.equal(alive(longPid), false, "respawn child outlived the daemon");
    } finally {
      await stopNode(n);
      Deno.removeSync(top, { recursive: true });
    }
  },
});
