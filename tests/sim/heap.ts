/** A binary min-heap ordered by (time, insertion order): deterministic event queues. */
export class EventHeap<T> {
  private readonly items: { at: number; id: number; value: T }[] = [];
  private nextId = 0;

  get size(): number {
    return this.items.length;
  }

  push(at: number, value: T): void {
    const it = { at, id: this.nextId++, value };
    const a = this.items;
    a.push(it);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(a[i], a[p])) break;
      [a[i], a[p]] = [a[p], a[i]];
      i = p;
    }
  }

  peekTime(): number {
    return this.items.length ? this.items[0].at : Infinity;
  }

  pop(): { at: number; value: T } | undefined {
    const a = this.items;
    if (!a.length) return undefined;
    const top = a[0];
    const last = a.pop()!;
    if (a.length) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1, r = l + 1;
        let m = i;
        if (l < a.length && this.less(a[l], a[m])) m = l;
        if (r < a.length && this.less(a[r], a[m])) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m], a[i]];
        i = m;
      }
    }
    return { at: top.at, value: top.value };
  }

  private less(x: { at: number; id: number }, y: { at: number; id: number }): boolean {
    return x.at < y.at || (x.at === y.at && x.id < y.id);
  }
}
