/**
 * When to pause before reading a client's socket again, so that a flood is read in batches.
 *
 * A client sending as fast as it can writes one frame per write(2). Read as each arrives, the
 * daemon wakes once per message: bench:api measured 1.3 context switches per message on the
 * sender, each costing more than handling the message on a 2-core VM (Deno's event loop wake
 * path), and a flood ran at 9-10k msgs/s. Waiting ~1 ms between reads while a client is
 * flooding lets its frames pile up in the socket buffer and be handled in one go (14k+ msgs/s,
 * the first message of a batch is ~1 ms later). Clients at paced rates (below `floodPerSec`)
 * are read at once, as before: their latency does not change.
 */

/** Tuning of a ReadCoalescer. */
export interface ReadCoalescingOptions {
  /** Rate (frames/s over `windowMs`) from which a client counts as flooding. */
  readonly floodPerSec: number;
  /** Length of the window the rate is measured over (ms). */
  readonly windowMs: number;
  /** A read that brought at least this many frames already is a batch: no pause after it. */
  readonly batchFrames: number;
  /** Pause before the next read while flooding (ms). */
  readonly pauseMs: number;
}

export const DEFAULT_READ_COALESCING: ReadCoalescingOptions = {
  floodPerSec: 8000,
  windowMs: 10,
  batchFrames: 32,
  pauseMs: 1,
};

/** Per-session read pacing: call afterRead() after handling each read's frames. */
export class ReadCoalescer {
  readonly #o: ReadCoalescingOptions;
  #windowStart = -Infinity;
  #windowFrames = 0;
  #flooding = false;

  constructor(opts: ReadCoalescingOptions = DEFAULT_READ_COALESCING) {
    this.#o = opts;
  }

  /** True while the client's last whole window was at flood rate. */
  get flooding(): boolean {
    return this.#flooding;
  }

  /**
   * Records a read that yielded `frames` whole frames at time `now` (ms); returns how long to
   * wait before reading again (0: read at once).
   */
  afterRead(frames: number, now: number): number {
    const elapsed = now - this.#windowStart;
    if (elapsed >= this.#o.windowMs) {
      // A window that ended long ago says nothing about now: only a just-closed one counts.
      const rate = elapsed < 2 * this.#o.windowMs ? this.#windowFrames * 1000 / elapsed : 0;
      this.#flooding = rate >= this.#o.floodPerSec;
      this.#windowStart = now;
      this.#windowFrames = 0;
    }
    this.#windowFrames += frames;
    return this.#flooding && frames < this.#o.batchFrames ? this.#o.pauseMs : 0;
  }
}
