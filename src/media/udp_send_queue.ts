/**
 * In-order, never-blocking sending over a synchronous send function (a UdpSendSocket).
 *
 * A datagram goes out at once when nothing waits before it. When the socket's buffer is full
 * (EAGAIN, ENOBUFS) it waits in a FIFO with everything sent after it, and a short timer
 * retries from the head: datagrams leave in the order they were given, which real
 * Heartbeat's sequence tracking needs (tests/media/udp_order_test.ts).
 */

import { EAGAIN, ENOBUFS, errorText } from "../ffi/libc.ts";

/** Where a datagram goes: the kernel's sockaddr and the text for messages. */
export interface Destination {
  readonly addr: Uint8Array<ArrayBuffer>;
  readonly text: string;
}

/** Sends one datagram now: 0 when it left, else its errno. */
export type TransmitFn = (bytes: Uint8Array<ArrayBuffer>, to: Destination) => number;

export interface SendQueueOptions {
  /** Delay before retrying the head of the queue after EAGAIN (ms). */
  retryMs?: number;
  /** Most datagrams waiting; beyond it the oldest is dropped and reported. */
  maxQueue?: number;
  /** Longest close() keeps retrying datagrams still queued (ms) before it gives up on them. */
  closeGraceMs?: number;
}

/** Default queue bound (same as the Deno-socket path had). */
export const MAX_SEND_QUEUE = 4096;

/** Ordered, non-blocking sends; never throws. */
export class SendQueue {
  readonly #transmit: TransmitFn;
  readonly #onError: (to: Destination, text: string) => void;
  readonly #onClosed: () => void;
  readonly #retryMs: number;
  readonly #max: number;
  readonly #grace: number;
  /** FIFO as an array and a head index: shift() is O(n) on long queues. */
  #queue: { bytes: Uint8Array<ArrayBuffer>; to: Destination }[] = [];
  #head = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closing = false;
  #closeBy = 0;
  #done = false;
  /** Datagrams that waited at least once (EAGAIN), for tests and counters. */
  deferred = 0;

  /**
   * `onError` hears of datagrams that could not be sent (dropped); `onClosed` runs once,
   * when close() has nothing left to send (or gave up).
   */
  constructor(
    transmit: TransmitFn,
    onError: (to: Destination, text: string) => void,
    onClosed: () => void,
    opts: SendQueueOptions = {},
  ) {
    this.#transmit = transmit;
    this.#onError = onError;
    this.#onClosed = onClosed;
    this.#retryMs = opts.retryMs ?? 1;
    this.#max = opts.maxQueue ?? MAX_SEND_QUEUE;
    this.#grace = opts.closeGraceMs ?? 500;
  }

  /** Datagrams waiting for buffer space. */
  get waiting(): number {
    return this.#queue.length - this.#head;
  }

  /** Sends `bytes` to `to` now, or after every datagram already waiting. */
  send(bytes: Uint8Array<ArrayBuffer>, to: Destination): void {
    if (this.#closing) return;
    if (this.waiting === 0) {
      const e = this.#transmit(bytes, to);
      if (e === 0) return;
      if (!isFull(e)) {
        this.#onError(to, `send to ${to.text}: ${errorText(e)}`);
        return;
      }
    }
    if (this.waiting >= this.#max) {
      const old = this.#queue[this.#head++];
      this.#onError(old.to, `send queue full: dropped a datagram to ${old.to.text}`);
    }
    this.#queue.push({ bytes, to });
    this.deferred++;
    this.#arm();
  }

  /**
   * Stops taking datagrams; those waiting still go out (a shutdown notice) for up to
   * closeGraceMs, then `onClosed` runs.
   */
  close(): void {
    if (this.#closing) return;
    this.#closing = true;
    this.#closeBy = performance.now() + this.#grace;
    this.#flush();
  }

  #arm(): void {
    if (this.#timer !== undefined || this.#done) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#flush();
    }, this.#retryMs);
  }

  /** Sends from the head until the queue is empty or the socket is full again. */
  #flush(): void {
    while (this.waiting > 0) {
      const { bytes, to } = this.#queue[this.#head];
      const e = this.#transmit(bytes, to);
      if (isFull(e)) break;
      this.#head++;
      if (e !== 0) this.#onError(to, `send to ${to.text}: ${errorText(e)}`);
    }
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    if (this.waiting === 0) {
      this.#queue = [];
      this.#head = 0;
      if (this.#closing) this.#finish();
      return;
    }
    if (this.#closing && performance.now() >= this.#closeBy) {
      const n = this.waiting;
      const to = this.#queue[this.#head].to;
      this.#queue = [];
      this.#head = 0;
      this.#onError(to, `closing: ${n} queued datagram(s) not sent (socket buffer stayed full)`);
      this.#finish();
      return;
    }
    this.#arm();
  }

  #finish(): void {
    if (this.#done) return;
    this.#done = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#onClosed();
  }
}

function isFull(e: number): boolean {
  return e === EAGAIN || e === ENOBUFS;
}
