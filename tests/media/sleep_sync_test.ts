import assert from "node:assert/strict";
import { sleepSync } from "../../src/ffi/libc.ts";

Deno.test("sleepSync: the thread sleeps, and the event loop with it", async () => {
  let fired = false;
  const t = setTimeout(() => fired = true, 0);
  const t0 = performance.now();
  assert.equal(sleepSync(5), true);
  const slept = performance.now() - t0;
  assert.ok(slept >= 4.5, `slept ${slept} ms`);
  assert.equal(fired, false, "a due timer ran during a synchronous sleep");
  await new Promise((r) => setTimeout(r, 1));
  assert.equal(fired, true);
  clearTimeout(t);
  // Clamped to 1 s, never negative.
  const t1 = performance.now();
  sleepSync(-5);
  assert.ok(performance.now() - t1 < 50);
});
