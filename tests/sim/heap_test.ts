import assert from "node:assert/strict";
import { EventHeap } from "./heap.ts";
import { Rng } from "./prng.ts";

Deno.test("heap: pops in (time, insertion) order across growth, ties stay FIFO", () => {
  const rng = Rng.seeded(9);
  const h = new EventHeap<number>();
  const want: { at: number; i: number }[] = [];
  // Coarse times force many ties; 5,000 entries force the typed arrays to grow.
  for (let i = 0; i < 5000; i++) {
    const at = Math.floor(rng.real(0, 50));
    h.push(at, i);
    want.push({ at, i });
  }
  want.sort((a, b) => a.at - b.at || a.i - b.i);
  const got: { at: number; i: number }[] = [];
  // Interleave pops with pushes of later entries, as the event loop does.
  for (let k = 0; h.size; k++) {
    const top = h.pop()!;
    got.push({ at: top.at, i: top.value });
    if (k === 100) {
      h.push(1000, -1);
      want.push({ at: 1000, i: -1 });
    }
  }
  assert.deepEqual(got, want);
  assert.equal(h.pop(), undefined);
  assert.equal(h.popValue(), undefined);
  assert.equal(h.peekTime(), Infinity);
});
