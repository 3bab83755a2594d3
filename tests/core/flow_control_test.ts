/** Flow control in the core: the unacked backlog of live peers, and acks a paused sender needs. */
import assert from "node:assert/strict";
import { Message } from "../../src/wire/message.ts";
import { makeCore, peerMsg, runUntil, status, testEnv, transmitted } from "./helpers.ts";

const rx = (msg: Message) => ({ kind: "receive" as const, link: "eth0", msg });
const ack = (seq: number) =>
  rx(peerMsg("node2", 7, null, { t: "NS_ackmsg", dest: "node1", ackseq: seq.toString(16) }));
const acksIn = (msgs: Message[]) =>
  msgs.filter((m) => m.get("t") === "NS_ackmsg").map((m) => m.get("ackseq"));

Deno.test("unackedBacklog counts our messages the live peer has not acked", () => {
  const core = makeCore("node1");
  core.step({ kind: "start" }, 0);
  assert.equal(core.unackedBacklog(), 0, "no live peer: nothing can block");
  core.step(rx(status("node2", 7, 1)), 1);
  const base = core.snapshot().lastSeqSent;
  // Only what we sent since hearing it (our status + reqnodes answer), not the earlier ones.
  const b0 = core.unackedBacklog();
  assert.ok(b0 > 0 && b0 < base, `backlog ${b0} of ${base} sent`);
  for (let i = 0; i < 40; i++) core.step({ kind: "send", msg: Message.of({ t: "app" }) }, 2);
  assert.equal(core.unackedBacklog(), b0 + 40);
  core.step(ack(base + 30), 3);
  assert.equal(core.unackedBacklog(), 10);
  core.step(ack(base + 200), 4); // beyond what we sent: ignored
  assert.equal(core.unackedBacklog(), 10);
});

Deno.test("a dead peer does not hold the backlog", () => {
  const core = makeCore("node1");
  core.step({ kind: "start" }, 0);
  core.step(rx(status("node2", 7, 1)), 1);
  const b0 = core.unackedBacklog();
  for (let i = 0; i < 50; i++) core.step({ kind: "send", msg: Message.of({ t: "app" }) }, 2);
  assert.equal(core.unackedBacklog(), b0 + 50);
  runUntil(core, 7_000); // deadtime 5 s without hearing node2
  assert.equal(core.snapshot().nodes.find((n) => n.name === "node2")?.status, "dead");
  assert.equal(core.unackedBacklog(), 0);
  // Back again: only what we send from now on counts.
  core.step(rx(status("node2", 7, 2)), 7_100);
  const b1 = core.unackedBacklog();
  assert.ok(b1 < 5, `backlog ${b1} right after it returned`);
  core.step({ kind: "send", msg: Message.of({ t: "app" }) }, 7_200);
  assert.equal(core.unackedBacklog(), b1 + 1);
});

Deno.test("a retransmission filling a hole is acked at once, past the missed trigger", () => {
  const core = makeCore("node1", {}, testEnv(1, () => 0.35)); // ack trigger 3
  core.step({ kind: "start" }, 0);
  const out: Message[] = [];
  for (let s = 1; s <= 8; s++) {
    if (s === 3) continue; // lost: its trigger ack cannot go out
    out.push(...transmitted(core.step(rx(peerMsg("node2", 7, s, { t: "app" })), s)));
  }
  assert.deepEqual(acksIn(out), []);
  const fill = transmitted(core.step(rx(peerMsg("node2", 7, 3, { t: "app" })), 20));
  assert.deepEqual(acksIn(fill), ["8"]);
});

Deno.test("the contiguous prefix is acked every 10 seqs even while a later hole is open", () => {
  const core = makeCore("node1", {}, testEnv(1, () => 0.35)); // ack trigger 3
  core.step({ kind: "start" }, 0);
  const out: Message[] = [];
  for (let s = 1; s <= 30; s++) {
    if (s === 25) continue;
    out.push(...transmitted(core.step(rx(peerMsg("node2", 7, s, { t: "app" })), s)));
  }
  // Triggers 3 and 13 as Heartbeat; 23 too; nothing for 24..30 since 25 is missing.
  assert.deepEqual(acksIn(out), ["3", "d", "17"]);
});

Deno.test("a live peer that never acks stops holding the backlog after a deadtime", () => {
  const core = makeCore("node1"); // deadtime 5 s
  core.step({ kind: "start" }, 0);
  core.step(rx(status("node2", 7, 1)), 1);
  for (let i = 0; i < 50; i++) core.step({ kind: "send", msg: Message.of({ t: "app" }) }, 10);
  const b0 = core.unackedBacklog();
  assert.ok(b0 >= 50);
  core.step(rx(status("node2", 7, 2)), 3_000); // still alive, still no ack
  assert.ok(core.unackedBacklog() >= 50);
  core.step(rx(status("node2", 7, 3)), 5_100);
  assert.equal(core.unackedBacklog(), 0, "late for over a deadtime: ignored");
  // It acks again: counted again from then on.
  core.step(ack(core.snapshot().lastSeqSent), 5_200);
  core.step({ kind: "send", msg: Message.of({ t: "app" }) }, 5_300);
  assert.equal(core.unackedBacklog(), 1);
});
