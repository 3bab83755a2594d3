import assert from "node:assert/strict";
import { parseHaCf } from "../../src/config/hacf.ts";
import { planReload } from "../../src/daemon/reload.ts";
import { sleep, startNode, stopNode, testPort, waitStatus } from "../helpers/nodes.ts";

function cfg(text: string) {
  const r = parseHaCf(text, "ha.cf", { localNode: "a" });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.value;
}

const BASE = "node a b\nucast lo 127.0.0.9\nkeepalive 1\ndeadtime 10\n";

Deno.test("reload plan: debug applies, timings and nodes need a restart", () => {
  assert.deepEqual(planReload(cfg(BASE), cfg(BASE)), { needsRestart: [] });
  assert.deepEqual(planReload(cfg(BASE), cfg(BASE + "debug 2\n")), {
    debug: 2,
    needsRestart: [],
  });
  const p = planReload(cfg(BASE), cfg(BASE.replace("deadtime 10", "deadtime 20") + "node c\n"));
  assert.deepEqual(p.needsRestart, ["timings", "node list"]);
});

Deno.test("SIGHUP: a running daemon re-reads ha.cf and says what needs a restart", async () => {
  const top = Deno.makeTempDirSync();
  const port = testPort(3);
  const text = `node a b\nucast 127.0.0.31 127.0.0.32\nudpport ${port}\nkeepalive 100ms\n` +
    `deadtime 1\ninitdead 1\n`;
  const n = startNode("a", `${top}/a`, text);
  try {
    assert.ok(await waitStatus(n, () => true, 10_000), n.output());
    Deno.writeTextFileSync(
      `${top}/a/ha.cf`,
      text.replace("deadtime 1", "deadtime 2") + "debug 1\n",
    );
    n.child.kill("SIGHUP");
    for (let i = 0; i < 200 && !/restart heartbeat to apply/.test(n.output()); i++) await sleep(10);
    assert.match(n.output(), /SIGHUP: debug level now 1/);
    assert.match(n.output(), /SIGHUP: changed timings: restart heartbeat to apply them/);
    Deno.writeTextFileSync(`${top}/a/ha.cf`, text + "keepalive zzz\n");
    n.child.kill("SIGHUP");
    for (let i = 0; i < 200 && !/not reloaded/.test(n.output()); i++) await sleep(10);
    assert.match(n.output(), /ha\.cf:7: keepalive/);
    assert.match(n.output(), /configuration not reloaded/);
    assert.ok(await waitStatus(n, () => true, 2000), "daemon died after a bad reload");
  } finally {
    await stopNode(n);
    Deno.removeSync(top, { recursive: true });
  }
});
