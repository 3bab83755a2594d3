import assert from "node:assert/strict";
import {
  type PingAction,
  PingNodes,
  pingTargets,
  type PingTimings,
} from "../../src/core/ping_nodes.ts";

const T: PingTimings = { intervalMs: 100, deadpingMs: 500, initdeadMs: 1000 };

function statuses(acts: PingAction[]): string[] {
  return acts.filter((a) => a.kind !== "send_echo").map((a) =>
    a.kind === "node_status" ? `${a.node}=${a.status}` : `${a.node}:${a.link}=${a.status}`
  );
}

/** Sends the echoes the machine asks for and reports them sent; returns their seqs. */
function sendAll(p: PingNodes, acts: PingAction[], now: number): Map<string, number> {
  const seqs = new Map<string, number>();
  for (const a of acts) {
    if (a.kind !== "send_echo") continue;
    seqs.set(a.address, a.seq);
    p.step({ kind: "sent", address: a.address, seq: a.seq }, now);
  }
  return seqs;
}

Deno.test("ping nodes: targets from ping and ping_group", () => {
  const t = pingTargets([{ address: "10.0.0.1" }], [{
    name: "gw",
    addresses: ["10.0.0.2", "10.0.0.3"],
  }]);
  assert.deepEqual(t, [
    { node: "10.0.0.1", addresses: ["10.0.0.1"] },
    { node: "gw", addresses: ["10.0.0.2", "10.0.0.3"] },
  ]);
});

Deno.test("ping nodes: echoes every interval to every address", () => {
  const p = new PingNodes(
    pingTargets([{ address: "a" }], [{ name: "g", addresses: ["b", "c"] }]),
    T,
  );
  const first = p.step({ kind: "start" }, 0).filter((a) => a.kind === "send_echo");
  assert.deepEqual(first.map((a) => a.kind === "send_echo" && a.address), ["a", "b", "c"]);
  assert.equal(p.nextDeadline(), 100);
  assert.deepEqual(p.step({ kind: "tick" }, 50), []);
  const second = p.step({ kind: "tick" }, 100).filter((a) => a.kind === "send_echo");
  assert.equal(second.length, 3);
  assert.notEqual(
    first[0].kind === "send_echo" && first[0].seq,
    second[0].kind === "send_echo" && second[0].seq,
  );
});

Deno.test("ping nodes: init → ping on a reply, dead after deadping of silence, back on a reply", () => {
  const p = new PingNodes(pingTargets([{ address: "a" }], []), T);
  const seqs = sendAll(p, p.step({ kind: "start" }, 0), 0);
  assert.equal(p.snapshot(0)[0].status, "init");
  const up = p.step({ kind: "reply", address: "a", seq: seqs.get("a")! }, 3);
  assert.deepEqual(statuses(up), ["a:a=up", "a=ping"]);
  assert.equal(p.snapshot(3)[0].status, "ping");
  // Silence: dead exactly at last reply + deadping, not before.
  for (let t = 100; t < 503; t += 100) {
    const acts = p.step({ kind: "tick" }, t);
    sendAll(p, acts, t);
    assert.deepEqual(statuses(acts), [], `at ${t}`);
  }
  assert.equal(p.nextDeadline(), 503);
  const dead = p.step({ kind: "tick" }, 503);
  assert.deepEqual(statuses(dead), ["a:a=dead", "a=dead"]);
  assert.match(
    dead.find((a) => a.kind === "node_status" && a.status === "dead")!.kind === "node_status"
      ? (dead.find((a) => a.kind === "node_status") as { reason: string }).reason
      : "",
    /deadping/,
  );
  // It answers again: ping again.
  const s2 = sendAll(p, p.step({ kind: "tick" }, 600), 600);
  assert.deepEqual(statuses(p.step({ kind: "reply", address: "a", seq: s2.get("a")! }, 601)), [
    "a:a=up",
    "a=ping",
  ]);
});

Deno.test("ping nodes: a node never answering dies at initdead, not before", () => {
  const p = new PingNodes(pingTargets([{ address: "a" }], []), T);
  sendAll(p, p.step({ kind: "start" }, 0), 0);
  for (let t = 100; t < 1000; t += 100) assert.deepEqual(statuses(p.step({ kind: "tick" }, t)), []);
  assert.deepEqual(statuses(p.step({ kind: "tick" }, 1000)), ["a:a=dead", "a=dead"]);
});

Deno.test("ping nodes: replies to echoes we did not send, or too late, do not count", () => {
  const p = new PingNodes(pingTargets([{ address: "a" }], []), T);
  const seqs = sendAll(p, p.step({ kind: "start" }, 0), 0);
  assert.deepEqual(p.step({ kind: "reply", address: "a", seq: seqs.get("a")! + 7 }, 1), []);
  assert.deepEqual(p.step({ kind: "reply", address: "zz", seq: seqs.get("a")! }, 1), []);
  // A reply to the seq-0 echo arriving after deadping says nothing about now.
  const late = p.step({ kind: "reply", address: "a", seq: seqs.get("a")! }, 600);
  assert.deepEqual(statuses(late), []);
});

Deno.test("ping nodes: a group lives while any address answers", () => {
  const p = new PingNodes(pingTargets([], [{ name: "g", addresses: ["b", "c"] }]), T);
  let s = sendAll(p, p.step({ kind: "start" }, 0), 0);
  assert.deepEqual(statuses(p.step({ kind: "reply", address: "b", seq: s.get("b")! }, 1)), [
    "g:b=up",
    "g=ping",
  ]);
  assert.deepEqual(statuses(p.step({ kind: "reply", address: "c", seq: s.get("c")! }, 2)), [
    "g:c=up",
  ]);
  // From now on only c answers: b's link dies, the node stays alive.
  let died: string[] = [];
  for (let t = 100; t <= 900; t += 100) {
    const acts = p.step({ kind: "tick" }, t);
    died = died.concat(statuses(acts));
    s = sendAll(p, acts, t);
    if (s.has("c")) {
      died = died.concat(
        statuses(p.step({ kind: "reply", address: "c", seq: s.get("c")! }, t + 1)),
      );
    }
  }
  assert.deepEqual(died, ["g:b=dead"]);
  assert.equal(p.snapshot(900)[0].status, "ping");
  assert.deepEqual(p.snapshot(900)[0].links.map((l) => l.status), ["dead", "up"]);
});

Deno.test("ping nodes: no targets, nothing to do", () => {
  const p = new PingNodes([], T);
  assert.deepEqual(p.step({ kind: "start" }, 0), []);
  assert.equal(p.nextDeadline(), Infinity);
});

Deno.test("ping nodes: an address in a ping node and a group is pinged once, counts for both", () => {
  const p = new PingNodes(pingTargets([{ address: "a" }], [{ name: "g", addresses: ["a"] }]), T);
  const acts = p.step({ kind: "start" }, 0);
  assert.equal(acts.filter((x) => x.kind === "send_echo").length, 1);
  const s = sendAll(p, acts, 0);
  assert.deepEqual(statuses(p.step({ kind: "reply", address: "a", seq: s.get("a")! }, 1)), [
    "a:a=up",
    "a=ping",
    "g:a=up",
    "g=ping",
  ]);
});
