import assert from "node:assert/strict";
import { ReadCoalescer } from "../../src/api/read_coalescing.ts";

/** Feeds reads of `frames` each, `gapMs` apart, for `ms`; returns the pauses asked for. */
function feed(c: ReadCoalescer, start: number, ms: number, gapMs: number, frames: number) {
  const waits: number[] = [];
  for (let t = start; t < start + ms; t += gapMs) waits.push(c.afterRead(frames, t));
  return waits;
}

Deno.test("read coalescing: a paced client (5000/s, one frame per read) is never paused", () => {
  const c = new ReadCoalescer();
  const waits = feed(c, 0, 1000, 0.2, 1);
  assert.ok(waits.every((w) => w === 0));
  assert.equal(c.flooding, false);
});

Deno.test("read coalescing: a flooding client is paused 1 ms between small reads", () => {
  const c = new ReadCoalescer();
  // 20k frames/s, one per read: the first window only measures.
  const first = feed(c, 0, 10, 0.05, 1);
  assert.ok(first.every((w) => w === 0), "no pause before a whole window was measured");
  const later = feed(c, 10, 20, 0.05, 1);
  assert.ok(c.flooding);
  assert.ok(later.slice(1).every((w) => w === 1));
  // A read that already brings a batch is not followed by a pause.
  assert.equal(c.afterRead(40, 30.1), 0);
});

Deno.test("read coalescing: flooding ends when the rate drops or the client goes quiet", () => {
  const c = new ReadCoalescer();
  feed(c, 0, 30, 1, 20); // batches of 20 each ms: 20k/s
  assert.ok(c.flooding);
  assert.equal(c.afterRead(1, 30.5), 1);
  // A long silence: the next window starts from scratch, the read is not delayed.
  assert.equal(c.afterRead(1, 500), 0);
  assert.equal(c.flooding, false);
  // 2000/s for a while stays unpaused.
  assert.ok(feed(c, 500, 100, 0.5, 1).every((w) => w === 0));
});
