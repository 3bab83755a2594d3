/**
 * One API connection: an incremental frame reader and a bounded output queue. Never blocks
 * its caller: `send()` only enqueues; a pump task writes, coalescing queued frames into
 * writes of up to 256 KiB. While the owner holds writes (`hold(true)`: the daemon handles a
 * burst of datagrams that were all waiting) frames only queue, and leave in one write(2) when
 * it lets go: one write and one client wake-up per message were a quarter of a receiving
 * daemon's time in bench:api (a 0 ms timer would batch too, but fires ~2 ms late in Deno).
 * A client that stops reading fills its queue; further messages are
 * dropped and counted, and a drop that happens when no write has completed for
 * `stallTimeoutMs` ends the session (a slow but live reader only loses messages).
 */

import { FrameDecoder } from "./framing.ts";
import type { FrameError } from "./framing.ts";
import { ReadCoalescer } from "./read_coalescing.ts";
import { sleepSync } from "../ffi/libc.ts";

/** Limits of one session. */
export interface SessionLimits {
  readonly maxFrame: number;
  readonly maxQueueBytes: number;
  readonly maxQueueFrames: number;
  /** A full queue with no write progress for this long ends the session. */
  readonly stallTimeoutMs: number;
}

/** Most bytes handed to one write call. */
const WRITE_CHUNK = 256 * 1024;
/** While writes are held, this many queued frames are written anyway (a long burst). */
const HOLD_MAX_FRAMES = 128;
/** ...and frames held this long (ms) are written anyway: a hold never strands a frame. */
const HOLD_MAX_MS = 2;

/** Why a session ended. */
export type EndReason =
  | { readonly kind: "eof" }
  | { readonly kind: "read_error"; readonly detail: string }
  | { readonly kind: "write_error"; readonly detail: string }
  | { readonly kind: "frame"; readonly error: FrameError }
  | { readonly kind: "stalled"; readonly dropped: number; readonly idleMs: number }
  | { readonly kind: "closed"; readonly reason: string };

/** Callbacks from a session to its owner. */
export interface SessionEvents {
  /** One whole payload (classic text + NUL). */
  payload(p: Uint8Array): void;
  /** The session is over (called exactly once). */
  ended(reason: EndReason): void;
}

/** A framed, queued unix-socket conversation. */
export class Session {
  readonly #conn: Deno.Conn;
  readonly #limits: SessionLimits;
  readonly #events: SessionEvents;
  readonly #decoder: FrameDecoder;
  #queue: Uint8Array[] = [];
  #queuedBytes = 0;
  #pumping = false;
  /** Frames queue without being written until hold(false). */
  #held = false;
  /** Writes what a hold kept back if nothing let go of it within HOLD_MAX_MS. */
  #holdTimer: ReturnType<typeof setTimeout> | undefined;
  #ended = false;
  #consecutiveDrops = 0;
  #lastProgress = Date.now();
  /** Resolves when reading may go on; undefined while not paused. */
  #gate: Promise<void> | undefined;
  #openGate: (() => void) | undefined;
  /** Reads a flooding client in batches (read_coalescing.ts); end() cuts its pause short. */
  readonly #coalescer = new ReadCoalescer();
  #pause: { timer: ReturnType<typeof setTimeout>; wake: () => void } | undefined;
  /** Frame cap for this session (set_sendqlen may lower or raise it within the hard cap). */
  queueFrameLimit: number;
  framesIn = 0;
  framesOut = 0;
  dropped = 0;

  constructor(conn: Deno.Conn, limits: SessionLimits, events: SessionEvents) {
    this.#conn = conn;
    this.#limits = limits;
    this.#events = events;
    this.#decoder = new FrameDecoder(limits.maxFrame);
    this.queueFrameLimit = limits.maxQueueFrames;
  }

  /** True once the session ended. */
  get ended(): boolean {
    return this.#ended;
  }

  /** Bytes waiting to be written. */
  get queuedBytes(): number {
    return this.#queuedBytes;
  }

  /**
   * Stops (true) or resumes (false) taking this client's frames: while paused nothing more is
   * read, so the client's writes block in the kernel instead of being lost downstream.
   */
  pause(paused: boolean): void {
    if (paused && this.#gate === undefined) {
      this.#gate = new Promise((r) => this.#openGate = r);
    } else if (!paused && this.#openGate !== undefined) {
      const open = this.#openGate;
      this.#gate = undefined;
      this.#openGate = undefined;
      open();
    }
  }

  /** Starts the read loop; resolves when the session ends. */
  async run(): Promise<void> {
    const buf = new Uint8Array(64 * 1024);
    while (!this.#ended) {
      if (this.#gate !== undefined) await this.#gate;
      if (this.#ended) return;
      let n: number | null;
      try {
        n = await this.#conn.read(buf);
      } catch (e) {
        this.end({ kind: "read_error", detail: e instanceof Error ? e.message : String(e) });
        return;
      }
      if (n === null) {
        this.end({ kind: "eof" });
        return;
      }
      const readAt = performance.now();
      this.#decoder.push(buf.subarray(0, n));
      let frames = 0;
      for (;;) {
        // One read may hold hundreds of frames: honour a pause between them too.
        if (this.#gate !== undefined) await this.#gate;
        if (this.#ended) return;
        const item = this.#decoder.next();
        if (item === undefined) break;
        if (!item.ok) {
          this.end({ kind: "frame", error: item.error });
          return;
        }
        this.framesIn++;
        frames++;
        this.#events.payload(item.payload);
      }
      const wait = this.#coalescer.afterRead(frames, readAt, performance.now());
      // A flooding client's next frames pile up while we pause. Asleep in the event loop,
      // every write of theirs would still wake us (epoll) and, as we run realtime, preempt
      // them: measured ~1 context switch per message. A synchronous sleep (the event loop
      // waits ≤ 1 ms; nothing here needs a finer timer) lets them write undisturbed.
      if (wait > 0 && !sleepSync(wait)) {
        await new Promise<void>((wake) => this.#pause = { timer: setTimeout(wake, wait), wake });
        this.#pause = undefined;
      }
    }
  }

  /**
   * Queues one encoded frame. Returns false when it was dropped (queue full or session over).
   */
  send(frame: Uint8Array): boolean {
    if (this.#ended) return false;
    const full = this.#queue.length >= this.queueFrameLimit ||
      this.#queuedBytes + frame.length > this.#limits.maxQueueBytes;
    if (full) {
      this.dropped++;
      this.#consecutiveDrops++;
      const idleMs = Date.now() - this.#lastProgress;
      if (idleMs >= this.#limits.stallTimeoutMs) {
        this.end({ kind: "stalled", dropped: this.#consecutiveDrops, idleMs });
      }
      return false;
    }
    if (this.#queue.length === 0) this.#lastProgress = Date.now();
    this.#queue.push(frame);
    this.#queuedBytes += frame.length;
    if (this.#pumping) return true;
    if (!this.#held || this.#queue.length >= HOLD_MAX_FRAMES) this.#pump();
    else this.#holdTimer ??= setTimeout(this.#holdExpired, HOLD_MAX_MS);
    return true;
  }

  /**
   * Holds (true) or lets go of (false) writes: while held, frames queue (up to
   * HOLD_MAX_FRAMES) and letting go writes them together.
   */
  hold(held: boolean): void {
    this.#held = held;
    if (!held && this.#holdTimer !== undefined) {
      clearTimeout(this.#holdTimer);
      this.#holdTimer = undefined;
    }
    if (!held) this.#flushIfIdle();
  }

  /** Resolves once everything queued so far was written (or the session ended). */
  async drain(timeoutMs = 1000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (!this.#ended && this.#queue.length > 0 && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 2));
    }
  }

  /** Ends the session and closes the connection (idempotent). */
  end(reason: EndReason): void {
    if (this.#ended) return;
    this.#ended = true;
    this.pause(false);
    if (this.#pause !== undefined) {
      clearTimeout(this.#pause.timer);
      this.#pause.wake();
    }
    this.#queue = [];
    this.#queuedBytes = 0;
    clearTimeout(this.#holdTimer);
    this.#holdTimer = undefined;
    try {
      this.#conn.close();
    } catch {
      // already closed by the peer side of a failed write/read
    }
    this.#events.ended(reason);
  }

  readonly #holdExpired = (): void => {
    this.#holdTimer = undefined;
    this.#flushIfIdle();
  };

  /** Starts writing what is queued unless a write is under way or the session is over. */
  #flushIfIdle(): void {
    if (!this.#pumping && !this.#ended && this.#queue.length > 0) this.#pump();
  }

  async #pump(): Promise<void> {
    this.#pumping = true;
    try {
      while (!this.#ended && this.#queue.length > 0) {
        // Coalesce: one write for as many queued frames as fit in WRITE_CHUNK.
        let count = 0;
        let bytes = 0;
        while (
          count < this.#queue.length &&
          (count === 0 || bytes + this.#queue[count].length <= WRITE_CHUNK)
        ) {
          bytes += this.#queue[count].length;
          count++;
        }
        let chunk: Uint8Array;
        if (count === 1) {
          chunk = this.#queue[0];
        } else {
          chunk = new Uint8Array(bytes);
          let o = 0;
          for (let i = 0; i < count; i++) {
            chunk.set(this.#queue[i], o);
            o += this.#queue[i].length;
          }
        }
        let off = 0;
        while (off < chunk.length) {
          const n = await this.#conn.write(chunk.subarray(off));
          off += n;
          if (this.#ended) return;
          this.#lastProgress = Date.now();
        }
        this.#queue.splice(0, count);
        this.#queuedBytes -= bytes;
        this.framesOut += count;
        this.#consecutiveDrops = 0;
      }
    } catch (e) {
      this.end({ kind: "write_error", detail: e instanceof Error ? e.message : String(e) });
    } finally {
      this.#pumping = false;
    }
  }
}

/** A sentence for logs describing why a session ended. */
export function describeEnd(r: EndReason): string {
  switch (r.kind) {
    case "eof":
      return "EOF";
    case "read_error":
      return `read failed: ${r.detail}`;
    case "write_error":
      return `write failed: ${r.detail}`;
    case "frame":
      return r.error.detail;
    case "stalled":
      return `client stopped reading (nothing written for ${r.idleMs} ms, ` +
        `${r.dropped} messages dropped in a row)`;
    case "closed":
      return r.reason;
  }
}
