import assert from "node:assert/strict";
import { Message } from "../../src/wire/message.ts";
import { type LinkFaults, Network, QUIET } from "./network.ts";
import { Rng } from "./prng.ts";
import { VirtualClock } from "./clock.ts";

function net(f: Partial<LinkFaults>, echo = false): Network {
  const faults = new Map([["eth0", { ...QUIET, ...f }], ["eth1", { ...QUIET, ...f }]]);
  return new Network(["eth0", "eth1"], faults, Rng.seeded(5), echo ? new Set(["eth0"]) : new Set());
}

function drain(n: Network): { from: string; to: string; link: string; at: number }[] {
  const out = [];
  for (let d = n.pop(); d; d = n.pop()) out.push({ ...d.value, at: d.at });
  return out;
}

Deno.test("network: every link carries a copy to every other node; echo only where asked", () => {
  const n = net({}, true);
  n.send("a", ["a", "b", "c"], Message.of({ t: "x" }), 0);
  const got = drain(n).map((d) => `${d.to}@${d.link}`).sort();
  assert.deepEqual(got, ["a@eth0", "b@eth0", "b@eth1", "c@eth0", "c@eth1"]);
});

Deno.test("network: asymmetric block, symmetric partition and heal", () => {
  const n = net({});
  n.block("a", "b");
  n.send("a", ["b", "c"], Message.of({}), 0);
  n.send("b", ["a"], Message.of({}), 0);
  assert.deepEqual(drain(n).map((d) => `${d.from}>${d.to}`).sort(), ["a>c", "a>c", "b>a", "b>a"]);
  n.healAll();
  n.partition(["a"], ["b", "c"]);
  n.send("a", ["b", "c"], Message.of({}), 0);
  n.send("c", ["a", "b"], Message.of({}), 0);
  assert.deepEqual(drain(n).map((d) => `${d.from}>${d.to}`), ["c>b", "c>b"]);
});

Deno.test("network: loss, duplication and delay follow their rates", () => {
  const lossy = net({ loss: 0.3 });
  for (let i = 0; i < 2000; i++) lossy.send("a", ["b"], Message.of({}), i);
  const rate = lossy.lostCopies / lossy.sentCopies;
  assert.ok(rate > 0.25 && rate < 0.35, `loss ${rate}`);
  const dup = net({ dup: 1, delayMs: 7, jitterMs: 3 });
  dup.send("a", ["b"], Message.of({}), 100);
  const d = drain(dup);
  assert.equal(d.length, 4);
  assert.ok(d.every((x) => x.at >= 107 && x.at < 110));
});

Deno.test("clock: monotonic time never goes back; wall clocks jump per node", () => {
  const c = new VirtualClock();
  c.advanceTo(1500);
  const before = c.wallSec("a");
  c.jumpWall("a", -3600);
  assert.equal(c.wallSec("a"), before - 3600);
  assert.equal(c.wallSec("b"), before);
  assert.throws(() => c.advanceTo(1000));
});
