/**
 * The standalone logd's socket side: accepts cluster-glue clients on a unix socket, reads
 * their framed `LogDaemonMsg`s (logd_msg.ts) and hands each to a {@link Logger} with the
 * client's entity, pid and time. When a client's entity has filled its queue share, logd
 * pauses reading that client (only) for at most `maxWaitMs` while the sinks catch up; if
 * they do not, the Logger's bounded queues drop (and count, per entity) what the sinks
 * cannot keep up with. So a flooding client can neither block logd nor push out another
 * entity's lines (each entity has its own share, see {@link logdQueueSizes}).
 */

import { FrameDecoder } from "../api/framing.ts";
import { decodeLogdMsg, levelFromPriority, type LogdMessage, MAX_LOGD_TEXT } from "./logd_msg.ts";
import type { Logger } from "./logger.ts";

/** Where cluster-glue clients look for logd (compiled into libplumb). */
export const DEFAULT_LOGD_SOCKET = "/var/lib/heartbeat/log_daemon";

/** Options for {@link LogdServer.listen}. */
export interface LogdServerOptions {
  /** Socket path, default {@link DEFAULT_LOGD_SOCKET}. */
  readonly path?: string;
  /** Where received records go (its queues bound memory). */
  readonly logger: Logger;
  /** Socket file mode; default 0o666 so daemons running as hacluster can log too. */
  readonly mode?: number;
  /** Connections served at once; more are closed at once (default 1024). */
  readonly maxClients?: number;
  /** Wall-clock ms, default `Date.now` (record times within the same second). */
  readonly now?: () => number;
  /**
   * Longest pause of one client's reading while its queue share is full (default 100 ms).
   * If the sinks have not caught up by then, logd drops (and counts) instead of waiting,
   * until they have.
   */
  readonly maxWaitMs?: number;
}

/** Counters for status and tests. */
export interface LogdServerStats {
  readonly clients: number;
  readonly accepted: number;
  readonly refused: number;
  /** Messages read and handed to the logger (kept or dropped there). */
  readonly received: number;
  /** Frames that were not log messages (skipped). */
  readonly badMessages: number;
  /** Connections closed because their byte stream was broken. */
  readonly brokenStreams: number;
}

/** Why logd could not start listening. */
export interface LogdListenError {
  readonly code: "in-use" | "listen-failed";
  readonly message: string;
}

/**
 * Queue sizes from logd.cf: each entity may hold `recvqlen` records; the global queue
 * holds 16 such shares (or `sendqlen`, if bigger), so up to 15 flooding entities cannot
 * crowd out a 16th.
 */
export function logdQueueSizes(
  sendqlen: number,
  recvqlen: number,
): { queueLength: number; appQueueLength: number } {
  return { queueLength: Math.max(sendqlen, recvqlen * 16), appQueueLength: recvqlen };
}

const READ_BUFFER = 64 * 1024;
/** Longest stretch of reading and decoding before logd lets timers run (ms). */
const SLICE_MS = 2;
/** Frame cap: the struct's header plus the biggest text we accept. */
const MAX_FRAME = 128 + MAX_LOGD_TEXT;

/** A listening logd socket. Close it with {@link LogdServer.close}. */
export class LogdServer {
  readonly path: string;
  readonly #listener: Deno.Listener<Deno.UnixConn, Deno.UnixAddr>;
  readonly #logger: Logger;
  readonly #maxClients: number;
  readonly #now: () => number;
  readonly #maxWaitMs: number;
  /** Set when the sinks did not catch up within maxWaitMs: drop, do not wait, until they do. */
  #behind = false;
  #sliceStart = 0;
  readonly #conns = new Set<Deno.UnixConn>();
  readonly #loops = new Set<Promise<void>>();
  #accepted = 0;
  #refused = 0;
  #received = 0;
  #bad = 0;
  #broken = 0;
  #closed = false;
  readonly #acceptLoop: Promise<void>;

  private constructor(
    path: string,
    listener: Deno.Listener<Deno.UnixConn, Deno.UnixAddr>,
    opts: LogdServerOptions,
  ) {
    this.path = path;
    this.#listener = listener;
    this.#logger = opts.logger;
    this.#maxClients = opts.maxClients ?? 1024;
    this.#now = opts.now ?? Date.now;
    this.#maxWaitMs = opts.maxWaitMs ?? 100;
    this.#acceptLoop = this.#accept();
  }

  /**
   * Listens on the socket. A stale socket file (nobody accepting) is replaced; a live one
   * is an `in-use` error rather than stealing another logd's clients.
   */
  static async listen(
    opts: LogdServerOptions,
  ): Promise<{ ok: true; server: LogdServer } | { ok: false; error: LogdListenError }> {
    const path = opts.path ?? DEFAULT_LOGD_SOCKET;
    try {
      const st = await Deno.lstat(path);
      if (!st.isSocket) {
        return listenError(
          "listen-failed",
          `${path} exists and is not a socket; remove it or choose another --socket`,
        );
      }
      if (await someoneListens(path)) {
        return listenError(
          "in-use",
          `another logd is already listening on ${path}; stop it first (ha_logd -k)`,
        );
      }
      await Deno.remove(path);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) {
        return listenError("listen-failed", `cannot use ${path}: ${(e as Error).message}`);
      }
    }
    let listener: Deno.Listener<Deno.UnixConn, Deno.UnixAddr>;
    try {
      listener = Deno.listen({ transport: "unix", path });
      await Deno.chmod(path, opts.mode ?? 0o666);
    } catch (e) {
      return listenError(
        "listen-failed",
        `cannot listen on ${path}: ${(e as Error).message}; check the directory exists ` +
          `and is writable`,
      );
    }
    return { ok: true, server: new LogdServer(path, listener, opts) };
  }

  /** Counters snapshot. */
  stats(): LogdServerStats {
    return {
      clients: this.#conns.size,
      accepted: this.#accepted,
      refused: this.#refused,
      received: this.#received,
      badMessages: this.#bad,
      brokenStreams: this.#broken,
    };
  }

  /** Stops accepting, closes every client and removes the socket file. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#listener.close();
    } catch {
      // already closed
    }
    for (const c of this.#conns) closeQuietly(c);
    await this.#acceptLoop;
    await Promise.all(this.#loops);
    await Deno.remove(this.path).catch(() => undefined);
  }

  async #accept(): Promise<void> {
    while (!this.#closed) {
      let conn: Deno.UnixConn;
      try {
        conn = await this.#listener.accept();
      } catch {
        if (this.#closed) return;
        // EMFILE and friends: back off briefly instead of spinning.
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      if (this.#conns.size >= this.#maxClients) {
        this.#refused++;
        closeQuietly(conn);
        continue;
      }
      this.#accepted++;
      this.#conns.add(conn);
      const loop = this.#serve(conn).finally(() => {
        this.#conns.delete(conn);
        this.#loops.delete(loop);
      });
      this.#loops.add(loop);
    }
  }

  /** Reads one client until EOF or a broken stream; waits for the sinks at most maxWaitMs. */
  async #serve(conn: Deno.UnixConn): Promise<void> {
    const frames = new FrameDecoder(MAX_FRAME);
    const buf = new Uint8Array(READ_BUFFER);
    try {
      while (true) {
        const n = await conn.read(buf);
        if (n === null) return;
        if (performance.now() - this.#sliceStart > SLICE_MS) {
          await new Promise((r) => setTimeout(r, 0));
          this.#sliceStart = performance.now();
        }
        frames.push(buf.subarray(0, n));
        let k = 0;
        for (let f = frames.next(); f !== undefined; f = frames.next()) {
          // Reads with data waiting complete without visiting the timer queue, and several
          // clients' chunks may be processed back to back: give the event loop a turn
          // every SLICE_MS of work (shared by all clients), or a flood starves logd's timers.
          if ((++k & 31) === 0 && performance.now() - this.#sliceStart > SLICE_MS) {
            await new Promise((r) => setTimeout(r, 0));
            this.#sliceStart = performance.now();
          }
          if (!f.ok) {
            this.#broken++;
            this.#logger.warn(`closing a logd client: ${f.error.detail}`);
            return;
          }
          const d = decodeLogdMsg(f.payload);
          if (!d.ok) {
            this.#bad++;
            continue;
          }
          const entity = d.msg.entity === "" ? "unknown" : d.msg.entity;
          if (!this.#behind && this.#logger.room(entity) === 0) {
            // Bounded backpressure: pause this client (only) while the sinks catch up.
            if (!(await this.#logger.flush(this.#maxWaitMs))) this.#behind = true;
          }
          if (this.#behind && this.#logger.room(entity) > 0) this.#behind = false;
          this.#deliver(d.msg, entity);
        }
      }
    } catch {
      // Reset by the peer or closed by close(): either way this client is done.
    } finally {
      closeQuietly(conn);
    }
  }

  #deliver(m: LogdMessage, entity: string): void {
    this.#received++;
    this.#logger.logFrom(levelFromPriority(m.priority), m.text, {
      entity,
      pid: m.pid,
      time: this.#recordTime(m.timestamp),
    });
  }

  /**
   * The client stamps whole seconds; within that second, arrival time keeps millisecond
   * order with logd's own lines. A client clock far off keeps its own stamp.
   */
  #recordTime(timestamp: number): number {
    const now = this.#now();
    if (timestamp === 0 || Math.floor(now / 1000) === timestamp) return now;
    return timestamp * 1000;
  }
}

function listenError(
  code: LogdListenError["code"],
  message: string,
): { ok: false; error: LogdListenError } {
  return { ok: false, error: { code, message } };
}

async function someoneListens(path: string): Promise<boolean> {
  try {
    const c = await Deno.connect({ transport: "unix", path });
    c.close();
    return true;
  } catch {
    return false;
  }
}

function closeQuietly(c: { close(): void }): void {
  try {
    c.close();
  } catch {
    // already closed
  }
}
