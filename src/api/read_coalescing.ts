/**
 * When to pause before reading a client's socket again, so that a flood is read in batches.
 *
 * A client sending as fast as it can writes one frame per write(2). Read as each arrives, the
 * daemon wakes once per message: bench:api measured over one context switch per message on
 * the sender, each costing more than handling the message on a 2-core VM (Deno's event loop
 * wake path), and a flood ran at 8-10k msgs/s. Pausing ~1 ms between reads while a client
 * floods lets its frames pile up in the socket buffer and be handled in one go (14-19k
 * msgs/s; the session sleeps synchronously, see session.ts).
 *
 * A client floods when, over the last window, it sent at least `floodPerSec` frames/s, or its
 * next frame was already there almost as soon as we had handled the previous read (mean gap
 * under `floodGapMs`: the client was waiting on us). The second test catches a flood that CPU
 * contention slowed below the rate test; and it goes on flooding while the reads after our
 * pauses keep bringing several frames each. Paced clients (5000/s: gaps of ~0.2 ms) are read
 * at once, as before, and keep their latency.
 */

/** Tuning of a ReadCoalescer. */
export interface ReadCoalescingOptions {
  /** Rate (frames/s over `windowMs`) from which a client counts as flooding. */
  readonly floodPerSec: number;
  /** Mean gap (ms) between handling a read and the next read, below which it floods. */
  readonly floodGapMs: number;
  /** Length of the window the rate and gaps are measured over (ms). */
  readonly windowMs: number;
  /** A read that brought at least this many frames already is a batch: no pause after it. */
  readonly batchFrames: number;
  /** Pause before the next read while flooding (ms). */
  readonly pauseMs: number;
}

export const DEFAULT_READ_COALESCING: ReadCoalescingOptions = {
  floodPerSec: 8000,
  floodGapMs: 0.08,
  windowMs: 10,
  batchFrames: 32,
  pauseMs: 1,
};

/** Per-session read pacing: call afterRead() after handling each read's frames. */
export class ReadCoalescer {
  readonly #o: ReadCoalescingOptions;
  #windowStart = -Infinity;
  #windowFrames = 0;
  /** Gaps measured in this window (reads that followed an unpaused read) and their sum. */
  #gaps = 0;
  #gapSum = 0;
  /** Reads in this window that followed one of our pauses, and the frames they brought. */
  #afterPause = 0;
  #afterPauseFrames = 0;
  #lastDone = -Infinity;
  #paused = false;
  #flooding = false;

  constructor(opts: ReadCoalescingOptions = DEFAULT_READ_COALESCING) {
    this.#o = opts;
  }

  /** True while the client's last whole window looked like a flood. */
  get flooding(): boolean {
    return this.#flooding;
  }

  /**
   * Records a read that yielded `frames` whole frames, resolved at `readAt` and handled by
   * `doneAt` (ms, one clock); returns how long to wait before reading again (0: at once).
   */
  afterRead(frames: number, readAt: number, doneAt: number = readAt): number {
    const o = this.#o;
    // A gap after one of our own pauses says nothing about the client.
    if (!this.#paused && this.#lastDone > -Infinity) {
      this.#gaps++;
      this.#gapSum += Math.max(0, readAt - this.#lastDone);
    }
    if (this.#paused) {
      this.#afterPause++;
      this.#afterPauseFrames += frames;
    }
    const elapsed = readAt - this.#windowStart;
    if (elapsed >= o.windowMs) {
      // A window that ended long ago says nothing about now: only a just-closed one counts.
      const recent = elapsed < 2 * o.windowMs;
      const rate = recent ? this.#windowFrames * 1000 / elapsed : 0;
      const tight = recent && this.#gaps >= 8 && this.#gapSum / this.#gaps < o.floodGapMs;
      // While we pause, a flooding client keeps writing: reads after a pause bring several
      // frames. One that brings single frames was not waiting on us.
      const kept = recent && this.#afterPause > 0 && this.#afterPauseFrames >= 2 * this.#afterPause;
      this.#flooding = rate >= o.floodPerSec || tight || kept;
      this.#windowStart = readAt;
      this.#windowFrames = 0;
      this.#gaps = 0;
      this.#gapSum = 0;
      this.#afterPause = 0;
      this.#afterPauseFrames = 0;
    }
    this.#windowFrames += frames;
    this.#lastDone = doneAt;
    const wait = this.#flooding && frames < o.batchFrames ? o.pauseMs : 0;
    this.#paused = wait > 0;
    return wait;
  }
}
