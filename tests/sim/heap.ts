/**
 * A binary min-heap ordered by (time, insertion order): deterministic event queues.
 * Keys live in parallel typed arrays and comparisons are inlined: at 32+ nodes the network
 * queue holds tens of thousands of packets and the heap was the simulator's largest cost.
 */
export class EventHeap<T> {
  private at = new Float64Array(1024);
  /** Insertion order, the tie-break (a double: exact up to 2^53 pushes). */
  private id = new Float64Array(1024);
  private values: (T | undefined)[] = [];
  private n = 0;
  private nextId = 0;

  get size(): number {
    return this.n;
  }

  push(at: number, value: T): void {
    if (this.n === this.at.length) this.grow();
    const A = this.at, I = this.id, V = this.values;
    const myId = this.nextId++;
    let i = this.n++;
    // Sift up by moving parents down into the hole, then write once.
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pa = A[p];
      if (pa < at || (pa === at && I[p] < myId)) break;
      A[i] = pa;
      I[i] = I[p];
      V[i] = V[p];
      i = p;
    }
    A[i] = at;
    I[i] = myId;
    V[i] = value;
  }

  peekTime(): number {
    return this.n ? this.at[0] : Infinity;
  }

  /** The earliest entry's value, left in place. */
  peekValue(): T | undefined {
    return this.n ? this.values[0] : undefined;
  }

  pop(): { at: number; value: T } | undefined {
    if (!this.n) return undefined;
    const at = this.at[0];
    return { at, value: this.popValue() as T };
  }

  /** Removes the earliest entry and returns its value (undefined when empty). */
  popValue(): T | undefined {
    if (!this.n) return undefined;
    const A = this.at, I = this.id, V = this.values;
    const top = V[0];
    const last = --this.n;
    const la = A[last], li = I[last], lv = V[last];
    V[last] = undefined;
    if (last > 0) {
      // Sift the last entry down from the root through the hole.
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= last) break;
        let m = l, ma = A[l], mi = I[l];
        const r = l + 1;
        if (r < last && (A[r] < ma || (A[r] === ma && I[r] < mi))) {
          m = r;
          ma = A[r];
          mi = I[r];
        }
        if (la < ma || (la === ma && li < mi)) break;
        A[i] = ma;
        I[i] = mi;
        V[i] = V[m];
        i = m;
      }
      A[i] = la;
      I[i] = li;
      V[i] = lv;
    }
    return top;
  }

  private grow(): void {
    const a = new Float64Array(this.at.length * 2), d = new Float64Array(this.at.length * 2);
    a.set(this.at);
    d.set(this.id);
    this.at = a;
    this.id = d;
  }
}
