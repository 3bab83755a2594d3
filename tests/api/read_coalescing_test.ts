import assert from "node:assert/strict";
import { ReadCoalescer } from "../../src/api/read_coalescing.ts";

/**
 * A session reading a client, simulated for `ms`: the client writes one frame every
 * `everyMs`, but only while the daemon is not busy (one CPU, as under contention; `shared`
 * false: the client has a CPU of its own). Each read takes every frame written so far (it
 * waits for one when there is none) and costs `workMs` per frame. The coalescer's pauses are
 * honoured. Returns the frames per read and the pauses asked for.
 */
function simulate(
  c: ReadCoalescer,
  opts: { ms: number; everyMs: number; workMs: number; shared: boolean },
) {
  let t = 0;
  let written = 0; // frames the client wrote so far (fractional progress)
  let read = 0;
  const reads: number[] = [];
  const waits: number[] = [];
  const advance = (to: number, busy: boolean) => {
    if (!busy || !opts.shared) written += (to - t) / opts.everyMs;
    t = to;
  };
  while (t < opts.ms) {
    const whole = () => Math.floor(written + 1e-9);
    if (whole() <= read) {
      // Idle until the next frame is written.
      advance(t + (read + 1 - written) * opts.everyMs, false);
    }
    const frames = whole() - read;
    read += frames;
    const readAt = t;
    advance(t + frames * opts.workMs, true);
    const w = c.afterRead(frames, readAt, t);
    reads.push(frames);
    waits.push(w);
    advance(t + w, false);
  }
  return { reads, waits };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

Deno.test("read coalescing: a paced client (5000/s, one frame per read) is never paused", () => {
  const c = new ReadCoalescer();
  const r = simulate(c, { ms: 500, everyMs: 0.2, workMs: 0.03, shared: false });
  assert.ok(r.waits.every((w) => w === 0));
  assert.ok(r.reads.every((n) => n === 1));
  assert.equal(c.flooding, false);
});

Deno.test("read coalescing: a 20k/s flood is read in batches after the first window", () => {
  const c = new ReadCoalescer();
  const r = simulate(c, { ms: 200, everyMs: 0.05, workMs: 0.02, shared: false });
  assert.ok(c.flooding);
  const late = r.reads.slice(-20);
  assert.ok(mean(late) >= 15, `reads at the end bring ${late} frames`);
  // A read that already brings a batch is not followed by a pause.
  assert.equal(c.afterRead(40, 1000.1, 1000.2), 0);
});

Deno.test("read coalescing: a flood slowed by a shared CPU is caught by its tight gaps", () => {
  const c = new ReadCoalescer();
  // The client writes the next frame 0.05 ms after we are done: below the rate test
  // (1 frame per 0.07 ms ≈ 14k/s would pass it, so make the work slow: 0.1 ms).
  const r = simulate(c, { ms: 300, everyMs: 0.05, workMs: 0.1, shared: true });
  assert.ok(c.flooding, "not seen as a flood");
  const late = r.reads.slice(-20);
  assert.ok(mean(late) >= 5, `reads at the end bring ${late} frames`);
  assert.ok(r.waits.slice(-20).filter((w) => w > 0).length >= 10, "it stopped pausing");
});

Deno.test("read coalescing: flooding ends when the client goes quiet or slows down", () => {
  const c = new ReadCoalescer();
  simulate(c, { ms: 100, everyMs: 0.05, workMs: 0.02, shared: false });
  assert.ok(c.flooding);
  // A long silence: the next window starts from scratch, the read is not delayed.
  assert.equal(c.afterRead(1, 5000, 5000.01), 0);
  assert.equal(c.flooding, false);
  // 2000/s with idle gaps stays unpaused.
  const c2 = new ReadCoalescer();
  simulate(c2, { ms: 100, everyMs: 0.05, workMs: 0.02, shared: false });
  let t = 200;
  const waits: number[] = [];
  for (let i = 0; i < 100; i++, t += 0.5) waits.push(c2.afterRead(1, t, t + 0.02));
  assert.equal(c2.flooding, false);
  assert.ok(waits.slice(-60).every((w) => w === 0));
});
