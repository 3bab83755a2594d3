/**
 * One API connection: an incremental frame reader and a bounded output queue. Never blocks
 * its caller: `send()` only enqueues; a pump task writes. A client that stops reading fills
 * its queue, further messages are dropped and counted, and after `maxDrops` drops in a row
 * the session ends itself.
 */

import { FrameDecoder } from "./framing.ts";
import type { FrameError } from "./framing.ts";

/** Limits of one session. */
export interface SessionLimits {
  readonly maxFrame: number;
  readonly maxQueueBytes: number;
  readonly maxQueueFrames: number;
  readonly maxDrops: number;
}

/** Why a session ended. */
export type EndReason =
  | { readonly kind: "eof" }
  | { readonly kind: "read_error"; readonly detail: string }
  | { readonly kind: "write_error"; readonly detail: string }
  | { readonly kind: "frame"; readonly error: FrameError }
  | { readonly kind: "stalled"; readonly dropped: number }
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
  #ended = false;
  #consecutiveDrops = 0;
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

  /** Starts the read loop; resolves when the session ends. */
  async run(): Promise<void> {
    const buf = new Uint8Array(64 * 1024);
    while (!this.#ended) {
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
      this.#decoder.push(buf.subarray(0, n));
      for (;;) {
        if (this.#ended) return;
        const item = this.#decoder.next();
        if (item === undefined) break;
        if (!item.ok) {
          this.end({ kind: "frame", error: item.error });
          return;
        }
        this.framesIn++;
        this.#events.payload(item.payload);
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
      if (this.#consecutiveDrops >= this.#limits.maxDrops) {
        this.end({ kind: "stalled", dropped: this.#consecutiveDrops });
      }
      return false;
    }
    this.#queue.push(frame);
    this.#queuedBytes += frame.length;
    if (!this.#pumping) this.#pump();
    return true;
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
    this.#queue = [];
    this.#queuedBytes = 0;
    try {
      this.#conn.close();
    } catch {
      // already closed by the peer side of a failed write/read
    }
    this.#events.ended(reason);
  }

  async #pump(): Promise<void> {
    this.#pumping = true;
    try {
      while (!this.#ended && this.#queue.length > 0) {
        const frame = this.#queue[0];
        let off = 0;
        while (off < frame.length) {
          const n = await this.#conn.write(frame.subarray(off));
          off += n;
          if (this.#ended) return;
        }
        this.#queue.shift();
        this.#queuedBytes -= frame.length;
        this.framesOut++;
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
      return `client stopped reading (${r.dropped} messages dropped in a row)`;
    case "closed":
      return r.reason;
  }
}
