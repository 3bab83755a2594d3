import { deepEqual, equal, throws } from "node:assert/strict";
import { RingQueue } from "../../src/logd/queue.ts";

Deno.test("RingQueue is FIFO, refuses when full, wraps around", () => {
  const q = new RingQueue<number>(3);
  equal(q.push(1), true);
  equal(q.push(2), true);
  equal(q.push(3), true);
  equal(q.push(4), false);
  equal(q.length, 3);
  equal(q.shift(), 1);
  equal(q.push(5), true);
  const out: number[] = [];
  for (let x = q.shift(); x !== undefined; x = q.shift()) out.push(x);
  deepEqual(out, [2, 3, 5]);
  equal(q.length, 0);
  throws(() => new RingQueue(0));
});
