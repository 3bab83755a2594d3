/**
 * Serial media: `serial DEVICE` heartbeat links over tty lines (or ptys), through libc FFI.
 *
 * Each device is a link named by its path, as Heartbeat shows it in `cl_status listhblinks`.
 * The fd is opened O_NONBLOCK and serviced from one short timer: every tick reads what is
 * there (a bounded amount, so a flooded line cannot starve the heartbeat timers) and writes
 * what the line accepts; nothing ever waits on the device. Messages are framed as Heartbeat
 * frames them (serial_framing.ts).
 *
 * A line that hangs up (EIO or end of file: the cable or USB adapter is unplugged, the pty's
 * other end closed) is reported once through `onError`, closed, and reopened every
 * `reopenMs` until the device is back; meanwhile its link simply hears nothing, so the core
 * marks it dead after deadtime like any silent link. Unlike Heartbeat we never block on a
 * write: when the line does not drain, the oldest queued messages are dropped (heartbeats
 * are periodic and retransmission covers the rest).
 *
 * Not done (as Heartbeat's serial ring does): forwarding messages from one serial port to
 * the others (TTL decremented, re-signed), and UUCP lock files in /var/lock.
 */

import {
  cString,
  EIO,
  errno,
  errorText,
  libc,
  O_CLOEXEC,
  O_NOCTTY,
  O_NONBLOCK,
  O_RDWR,
  readNonBlocking,
  writeNonBlocking,
} from "../ffi/libc.ts";
import { frameForLine, LineDeframer } from "./serial_framing.ts";
import { setupLine } from "./termios.ts";
import type { MediaGroup, MediaHandlers } from "./types.ts";
import { MediaError } from "./udp.ts";

/** One configured serial line. */
export interface SerialMediumSpec {
  device: string;
  baud: number;
}

/** Tuning; the defaults suit the daemon. */
export interface SerialOptions {
  /** How often the lines are serviced (ms). */
  pollMs?: number;
  /** How often a hung-up device is tried again (ms); Heartbeat-like 1 s. */
  reopenMs?: number;
  /**
   * Most bytes read from one line per tick: bounds the work a flood can cause. The default
   * (1 KiB per 5 ms pass, 200 KB/s) is four times what the fastest serial speed (460800)
   * delivers.
   */
  readBudget?: number;
  /** Most bytes waiting to be written per line; older whole messages are dropped first. */
  maxQueueBytes?: number;
  /** Told when a line comes back after a hang-up (for logs and tests). */
  onReopen?: (link: string) => void;
}

/** Counters per line, for status and tests. */
export interface SerialLineStats {
  link: string;
  open: boolean;
  rxBytes: number;
  rxMessages: number;
  txBytes: number;
  txMessages: number;
  /** Messages dropped unsent (line down or not draining). */
  txDropped: number;
  hangups: number;
  reopens: number;
  skippedBytes: number;
}

class SerialLine {
  fd = -1;
  nextOpenAt = 0;
  readonly deframer = new LineDeframer();
  readonly queue: Uint8Array<ArrayBuffer>[] = [];
  queuedBytes = 0;
  /** Bytes of queue[0] already written. */
  offset = 0;
  readonly stats: SerialLineStats;

  constructor(readonly device: string, readonly baud: number) {
    this.stats = {
      link: device,
      open: false,
      rxBytes: 0,
      rxMessages: 0,
      txBytes: 0,
      txMessages: 0,
      txDropped: 0,
      hangups: 0,
      reopens: 0,
      skippedBytes: 0,
    };
  }
}

/** Opens `device` non-blocking and sets the line up; the fd, or an error sentence. */
function openLine(device: string, baud: number): number | { error: string; errno: number } {
  const c = libc();
  const fd = c.open(cString(device), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    const e = errno();
    return { error: `cannot open ${device}: ${errorText(e)}`, errno: e };
  }
  const bad = setupLine(fd, baud);
  if (bad !== undefined) {
    c.close(fd);
    return { error: `${device}: ${bad}`, errno: 0 };
  }
  return fd;
}

/** The open serial lines of a node. */
export class SerialMedia implements MediaGroup {
  readonly #lines: SerialLine[] = [];
  readonly #handlers: MediaHandlers;
  readonly #pollMs: number;
  readonly #reopenMs: number;
  readonly #readBudget: number;
  readonly #maxQueue: number;
  readonly #onReopen?: (link: string) => void;
  readonly #buf: Uint8Array<ArrayBuffer>;
  #timer: ReturnType<typeof setInterval> | undefined;
  #closed = false;
  #longestTickMs = 0;
  #ticks = 0;
  #slowTicks = 0;

  private constructor(handlers: MediaHandlers, opts: SerialOptions) {
    this.#handlers = handlers;
    this.#pollMs = opts.pollMs ?? 5;
    this.#reopenMs = opts.reopenMs ?? 1000;
    this.#readBudget = opts.readBudget ?? 1024;
    this.#maxQueue = opts.maxQueueBytes ?? 64 * 1024;
    this.#onReopen = opts.onReopen;
    this.#buf = new Uint8Array(Math.min(this.#readBudget, 16 * 1024));
  }

  /**
   * Opens every line. Throws MediaError naming the device when one cannot be opened or set up
   * at start (Heartbeat refuses to start then too); later hang-ups are survived.
   */
  static open(
    specs: readonly SerialMediumSpec[],
    handlers: MediaHandlers,
    opts: SerialOptions = {},
  ): SerialMedia {
    try {
      libc();
    } catch (e) {
      throw new MediaError(
        `serial media need FFI access to libc (run with --allow-ffi): ${(e as Error).message}`,
      );
    }
    const media = new SerialMedia(handlers, opts);
    try {
      for (const s of specs) {
        if (media.#lines.some((l) => l.device === s.device)) continue;
        if (!s.device.startsWith("/")) {
          throw new MediaError(`serial ${s.device}: the device must be a full path (/dev/ttyS0)`);
        }
        const line = new SerialLine(s.device, s.baud);
        const fd = openLine(s.device, s.baud);
        if (typeof fd !== "number") {
          throw new MediaError(`serial ${s.device}: ${fd.error}`);
        }
        line.fd = fd;
        line.stats.open = true;
        media.#lines.push(line);
      }
    } catch (e) {
      media.close();
      throw e;
    }
    media.#timer = setInterval(() => media.#tick(), media.#pollMs);
    return media;
  }

  /** Link names (device paths), in configuration order, without repeats. */
  get links(): string[] {
    return this.#lines.map((l) => l.device);
  }

  /** Per-line counters (copies). */
  stats(): SerialLineStats[] {
    return this.#lines.map((l) => ({ ...l.stats, skippedBytes: l.deframer.stats.skippedBytes }));
  }

  /**
   * Service passes so far, how many took over 10 ms, and the longest (ms): how long the lines
   * held the event loop (wall time, so a descheduled process counts too).
   */
  get passes(): { count: number; over10ms: number; longestMs: number } {
    return { count: this.#ticks, over10ms: this.#slowTicks, longestMs: this.#longestTickMs };
  }

  /** Queues one message on every line and writes what the lines take now. Never blocks. */
  send(bytes: Uint8Array): void {
    if (this.#closed) return;
    const f = frameForLine(bytes);
    if (!f.ok) {
      for (const l of this.#lines) this.#handlers.onError(l.device, `send: ${f.error}`);
      return;
    }
    for (const l of this.#lines) {
      if (l.fd < 0) {
        l.stats.txDropped++;
        continue;
      }
      l.queue.push(f.bytes.slice());
      l.queuedBytes += f.bytes.length;
      // Drop whole old messages (never the one partly written) to stay within the bound.
      while (l.queuedBytes > this.#maxQueue && l.queue.length > 1) {
        const i = l.offset > 0 ? 1 : 0;
        const [gone] = l.queue.splice(i, 1);
        l.queuedBytes -= gone.length;
        l.stats.txDropped++;
      }
      this.#flush(l);
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    for (const l of this.#lines) this.#shut(l);
  }

  #tick(): void {
    if (this.#closed) return;
    const now = performance.now();
    for (const l of this.#lines) {
      if (l.fd < 0) {
        if (now >= l.nextOpenAt) this.#reopen(l, now);
        if (l.fd < 0) continue;
      }
      this.#read(l);
      if (l.fd >= 0 && l.queue.length > 0) this.#flush(l);
    }
    const took = performance.now() - now;
    this.#ticks++;
    if (took > 10) this.#slowTicks++;
    if (took > this.#longestTickMs) this.#longestTickMs = took;
  }

  #read(l: SerialLine): void {
    let budget = this.#readBudget;
    while (budget > 0 && l.fd >= 0) {
      const r = readNonBlocking(l.fd, this.#buf);
      if (!r.ok) {
        if (!r.again) this.#hangup(l, r.eof ? "end of file" : errorText(r.errno));
        return;
      }
      budget -= r.n;
      l.stats.rxBytes += r.n;
      l.deframer.push(this.#buf.subarray(0, r.n), (msg) => {
        l.stats.rxMessages++;
        this.#handlers.onPacket(l.device, msg, l.device);
      });
    }
  }

  #flush(l: SerialLine): void {
    while (l.queue.length > 0 && l.fd >= 0) {
      const head = l.queue[0];
      const r = writeNonBlocking(l.fd, head.subarray(l.offset));
      if (!r.ok) {
        if (!r.again) this.#hangup(l, errorText(r.errno));
        return;
      }
      l.offset += r.n;
      l.stats.txBytes += r.n;
      if (l.offset < head.length) return; // the line is full: the rest on a later tick
      l.queue.shift();
      l.queuedBytes -= head.length;
      l.offset = 0;
      l.stats.txMessages++;
    }
  }

  #hangup(l: SerialLine, why: string): void {
    l.stats.hangups++;
    this.#shut(l);
    l.nextOpenAt = performance.now() + this.#reopenMs;
    this.#handlers.onError(
      l.device,
      `line hung up (${why}); unplugged or the other end closed? trying to reopen every ` +
        `${this.#reopenMs / 1000} s`,
    );
  }

  #reopen(l: SerialLine, now: number): void {
    const fd = openLine(l.device, l.baud);
    if (typeof fd !== "number") {
      l.nextOpenAt = now + this.#reopenMs;
      return;
    }
    // A pty whose other end is gone opens fine but reads EIO at once: that is still down.
    const probe = readNonBlocking(fd, this.#buf);
    if (!probe.ok && !probe.again && probe.errno === EIO) {
      libc().close(fd);
      l.nextOpenAt = now + this.#reopenMs;
      return;
    }
    l.fd = fd;
    l.stats.open = true;
    l.stats.reopens++;
    if (probe.ok) {
      l.stats.rxBytes += probe.n;
      l.deframer.push(this.#buf.subarray(0, probe.n), (msg) => {
        l.stats.rxMessages++;
        this.#handlers.onPacket(l.device, msg, l.device);
      });
    }
    this.#onReopen?.(l.device);
  }

  #shut(l: SerialLine): void {
    if (l.fd >= 0) libc().close(l.fd);
    l.fd = -1;
    l.stats.open = false;
    l.deframer.reset();
    l.stats.txDropped += l.queue.length;
    l.queue.length = 0;
    l.queuedBytes = 0;
    l.offset = 0;
  }
}
