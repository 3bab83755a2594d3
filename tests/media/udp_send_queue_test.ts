/**
 * SendQueue over a socket buffer of a few datagrams: what the kernel does when a UDP socket's
 * send buffer is full (EAGAIN until the device frees space). The real socket case, with a
 * slow qdisc in a namespace, is in udp_send_eagain_test.ts.
 */
import assert from "node:assert/strict";
import { type Destination, SendQueue } from "../../src/media/udp_send_queue.ts";
import { EAGAIN, ENOBUFS } from "../../src/ffi/libc.ts";

const TO: Destination = { addr: new Uint8Array(16), text: "10.0.0.2:694" };
const EACCES = 13;

/** A send buffer holding `room` datagrams; `free()` lets the device take them. */
function buffer(room: number) {
  const wire: number[] = [];
  let held = 0;
  let calls = 0;
  let fail: number | null = null;
  return {
    wire,
    get calls() {
      return calls;
    },
    failNext(errno: number) {
      fail = errno;
    },
    transmit(bytes: Uint8Array<ArrayBuffer>): number {
      calls++;
      if (fail !== null) {
        const e = fail;
        fail = null;
        return e;
      }
      if (held >= room) return held % 2 === 0 ? EAGAIN : ENOBUFS;
      held++;
      wire.push(bytes[0] | (bytes[1] << 8));
      return 0;
    },
    free() {
      held = 0;
    },
  };
}

const dgram = (i: number) => new Uint8Array([i & 0xff, i >> 8]);
const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test("send queue: a full buffer defers datagrams, which leave later in order", async () => {
  const buf = buffer(3);
  const errors: string[] = [];
  let closed = false;
  const q = new SendQueue(
    (b) => buf.transmit(b),
    (_to, t) => errors.push(t),
    () => closed = true,
  );
  for (let i = 0; i < 10; i++) q.send(dgram(i), TO);
  assert.deepEqual(buf.wire, [0, 1, 2], "sent at once while there was room");
  assert.equal(q.waiting, 7);
  // While datagrams wait, a new one queues behind them even if there is room again.
  buf.free();
  q.send(dgram(10), TO);
  assert.deepEqual(buf.wire, [0, 1, 2], "nothing overtakes the waiting datagrams");
  for (let i = 0; i < 20 && q.waiting > 0; i++) {
    await tick(3);
    buf.free();
  }
  assert.deepEqual(buf.wire, [...Array(11).keys()]);
  assert.equal(q.waiting, 0);
  assert.equal(q.deferred, 8);
  assert.deepEqual(errors, []);
  q.close();
  assert.ok(closed);
});

Deno.test("send queue: other errors drop only that datagram and are reported", () => {
  const buf = buffer(100);
  const errors: string[] = [];
  const q = new SendQueue((b) => buf.transmit(b), (_to, t) => errors.push(t), () => {});
  q.send(dgram(1), TO);
  buf.failNext(EACCES);
  q.send(dgram(2), TO);
  q.send(dgram(3), TO);
  assert.deepEqual(buf.wire, [1, 3]);
  assert.equal(errors.length, 1);
  assert.match(errors[0], /^send to 10\.0\.0\.2:694: Permission denied/);
  assert.equal(q.waiting, 0);
  q.close();
});

Deno.test("send queue: beyond maxQueue the oldest waiting datagram is dropped", async () => {
  const buf = buffer(0);
  const errors: string[] = [];
  const q = new SendQueue((b) => buf.transmit(b), (_to, t) => errors.push(t), () => {}, {
    maxQueue: 4,
    closeGraceMs: 50,
  });
  for (let i = 0; i < 6; i++) q.send(dgram(i), TO);
  assert.equal(q.waiting, 4);
  assert.equal(errors.filter((e) => /send queue full/.test(e)).length, 2);
  await tick(5);
  assert.deepEqual(buf.wire, [], "a buffer without room never takes one");
  q.close();
  await tick(80);
  assert.ok(
    errors.some((e) => /closing: 4 queued datagram\(s\) not sent/.test(e)),
    errors.join("; "),
  );
});

Deno.test("send queue: close() still sends what waits, then reports closed once", async () => {
  const buf = buffer(2);
  let closed = 0;
  const q = new SendQueue((b) => buf.transmit(b), () => {}, () => closed++);
  for (let i = 0; i < 5; i++) q.send(dgram(i), TO);
  q.close();
  q.send(dgram(99), TO);
  assert.equal(closed, 0, "datagrams still wait");
  for (let i = 0; i < 20 && closed === 0; i++) {
    buf.free();
    await tick(3);
  }
  assert.equal(closed, 1);
  assert.deepEqual(buf.wire, [0, 1, 2, 3, 4], "no datagram accepted after close()");
  q.close();
  assert.equal(closed, 1);
});
