/** Multi-process tests: real `heartbeat start` processes on loopback addresses. */
import assert from "node:assert/strict";
import {
  loopbackHaCf,
  nodeStatus,
  startNode,
  stopNode,
  testPort,
  waitStatus,
} from "../helpers/nodes.ts";
import { runMain } from "../helpers/run.ts";

function haCf(me: number, all: number[], port: number): string {
  return loopbackHaCf(me, all, port, "n");
}

Deno.test("loopback cluster: 3 nodes go active, kill -9 is detected, graceful stop is a notice", async () => {
  const top = Deno.makeTempDirSync();
  const port = testPort(1);
  const ids = [21, 22, 23];
  const nodes = ids.map((k) => startNode(`n${k}`, `${top}/n${k}`, haCf(k, ids, port)));
  try {
    for (const n of nodes) {
      const r = await waitStatus(
        n,
        (r) => r.status === "active" && r.nodes.every((x) => x.status === "active"),
        10_000,
      );
      assert.ok(r, `${n.name} never saw all nodes active:\n${n.output()}`);
    }
    // status through the CLI, human and JSON, from the binary's entry point.
    const human = await runMain(["status", "--run-dir", nodes[0].runDir]);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /is running on n21: active/);
    assert.match(human.stdout, /n22\s+normal\s+active/);
    const json = JSON.parse(
      (await runMain(["status", "--json", "--run-dir", nodes[0].runDir])).stdout,
    );
    assert.equal(json.running, true);
    assert.deepEqual(json.nodes.map((n: { name: string }) => n.name), ["n21", "n22", "n23"]);

    // Crash: SIGKILL n23; both survivors declare it dead after about deadtime.
    nodes[2].child.kill("SIGKILL");
    const killed = performance.now();
    await nodes[2].child.status;
    for (const s of nodes.slice(0, 2)) {
      const r = await waitStatus(s, (r) => nodeStatus(r, "n23") === "dead", 3000);
      assert.ok(r, `${s.name} did not declare n23 dead`);
      const took = performance.now() - killed;
      // deadtime 500 ms, keepalive 100 ms: never before deadtime - keepalive.
      assert.ok(took >= 400, `declared dead too early: ${took} ms`);
    }

    // Membership: both survivors agree on one view without n23.
    const views = [];
    for (const s of nodes.slice(0, 2)) {
      const r = await waitStatus(
        s,
        (r) => r.membership !== null && !r.membership.members.includes("n23"),
        3000,
      );
      assert.ok(r?.membership, `${s.name} holds no view without n23`);
      views.push(r.membership);
    }
    assert.deepEqual(views[0], views[1]);
    assert.deepEqual(views[0].members, ["n21", "n22"]);
    assert.equal(views[0].quorum, true); // 2 of 3 configured nodes

    // Graceful stop of n22: n21 marks it dead at once (shutdown notice), not after deadtime.
    const t0 = performance.now();
    const code = await stopNode(nodes[1]);
    assert.equal(code, 0, nodes[1].output());
    const r = await waitStatus(nodes[0], (r) => nodeStatus(r, "n22") === "dead", 3000);
    assert.ok(r, "n21 did not see n22 leave");
    assert.ok(performance.now() - t0 < 450, "n22's leave was seen only by timeout");
    assert.match(nodes[0].output(), /n22/);
  } finally {
    for (const n of nodes) await stopNode(n, 2000);
    Deno.removeSync(top, { recursive: true });
  }
});

Deno.test("start: a bad ha.cf prints every error with file:line and exits 1", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    Deno.writeTextFileSync(
      `${dir}/ha.cf`,
      "keepalive abc\ndeadtime\nnode a b\nbogus 1\n",
    );
    Deno.writeTextFileSync(`${dir}/authkeys`, "auth 1\n1 sha1 x\n");
    Deno.chmodSync(`${dir}/authkeys`, 0o600);
    const r = await runMain(["start", "-c", `${dir}/ha.cf`, "--node", "a", "--state-dir", dir]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /ha\.cf:1: keepalive/);
    assert.match(r.stderr, /ha\.cf:2: deadtime/);
    assert.match(r.stderr, /ha\.cf:4: bogus/);
    assert.match(r.stderr, /configuration refused/);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("start: world-readable authkeys is refused with the chmod fix", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    Deno.writeTextFileSync(`${dir}/ha.cf`, "node a\nucast lo 127.0.0.9\n");
    Deno.writeTextFileSync(`${dir}/authkeys`, "auth 1\n1 sha1 x\n");
    Deno.chmodSync(`${dir}/authkeys`, 0o644);
    const r = await runMain(["start", "-c", `${dir}/ha.cf`, "--node", "a", "--state-dir", dir]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /chmod 600/);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
