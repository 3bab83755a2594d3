/** A fixed-capacity FIFO ring buffer: memory is allocated once and never grows. */
export class RingQueue<T> {
  readonly #slots: (T | undefined)[];
  #head = 0;
  #length = 0;

  /** @param capacity maximum number of items held (≥ 1). */
  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`RingQueue capacity must be a positive integer, got ${capacity}`);
    }
    this.#slots = new Array(capacity).fill(undefined);
  }

  get length(): number {
    return this.#length;
  }

  /** Appends an item; returns false (and keeps nothing) when full. O(1). */
  push(item: T): boolean {
    if (this.#length === this.capacity) return false;
    this.#slots[(this.#head + this.#length) % this.capacity] = item;
    this.#length++;
    return true;
  }

  /** Removes and returns the oldest item. O(1). */
  shift(): T | undefined {
    if (this.#length === 0) return undefined;
    const item = this.#slots[this.#head];
    this.#slots[this.#head] = undefined; // let the record be collected
    this.#head = (this.#head + 1) % this.capacity;
    this.#length--;
    return item;
  }
}
