/**
 * `use_logd yes`: a sink that hands records to a logd (ours or cluster-glue's ha_logd) over
 * its unix socket, in cluster-glue's framing (logd_msg.ts). It runs in the Logger's drain
 * loop, never in `log()`, and every connect and write is bounded by a timeout, so a stalled
 * logd only fills the Logger's bounded queue.
 *
 * Heartbeat's rule when logd is unreachable or dies: say so once, log directly (the
 * `fallback` sinks: ha.cf's logfile, debugfile, logfacility), and try to reconnect only
 * when logging, at most once per `retryMs` (ha.cf `conn_logd_time`, default 60 s).
 */

import { framePayload } from "../api/framing.ts";
import { SYSLOG_SEVERITY } from "./levels.ts";
import { encodeLogdMsg } from "./logd_msg.ts";
import { DEFAULT_LOGD_SOCKET } from "./logd_server.ts";
import type { LogRecord } from "./record.ts";
import { type LogSink, type ProblemReporter, reportToStderr, sinkTakes } from "./sink.ts";
import { writeAll } from "./sinks/write_all.ts";

/** Options for {@link LogdClientSink}. */
export interface LogdClientSinkOptions {
  /** logd's socket, default `/var/lib/heartbeat/log_daemon`. */
  readonly path?: string;
  /** Where records go while logd is unreachable (closed with this sink). */
  readonly fallback: readonly LogSink[];
  /** Entity on this sink's own notices (fallback / reconnected). */
  readonly entity: string;
  /** syslog facility code put in each message (LOG_DAEMON = 24 by default). */
  readonly facility?: number;
  /** Minimum ms between connection attempts (conn_logd_time), default 60 000. */
  readonly retryMs?: number;
  /** Longest wait for a connect or a batch write, default 1000 ms. */
  readonly timeoutMs?: number;
  /** Monotonic-enough ms clock for the retry rule, default `performance.now`. */
  readonly clock?: () => number;
  /** Told the fallback notice when there is no fallback sink to carry it; default stderr. */
  readonly onProblem?: ProblemReporter;
}

/** Counters for status and tests. */
export interface LogdClientStats {
  readonly connected: boolean;
  /** Records written to logd's socket. */
  readonly sent: number;
  /** Records written to the fallback sinks instead. */
  readonly direct: number;
  readonly connects: number;
  readonly connectFailures: number;
  /** Times the connection was lost (write failed, timed out, or logd closed it). */
  readonly lost: number;
}

const DEFAULT_FACILITY = 3 << 3; // LOG_DAEMON

/** A LogSink that writes to logd, falling back to direct sinks when logd is away. */
export class LogdClientSink implements LogSink {
  readonly name: string;
  readonly filter = "all";
  readonly path: string;
  readonly #fallback: readonly LogSink[];
  readonly #entity: string;
  readonly #facility: number;
  readonly #retryMs: number;
  readonly #timeoutMs: number;
  readonly #clock: () => number;
  readonly #onProblem: ProblemReporter;
  #conn: Deno.UnixConn | undefined;
  #lastAttempt: number | undefined;
  /** Why logd was last unreachable; set while falling back, cleared on reconnect. */
  #downReason: string | undefined;
  #announced = false;
  #directSinceDown = 0;
  #sent = 0;
  #direct = 0;
  #connects = 0;
  #connectFailures = 0;
  #lost = 0;
  #closed = false;

  constructor(opts: LogdClientSinkOptions) {
    this.path = opts.path ?? DEFAULT_LOGD_SOCKET;
    this.name = `logd ${this.path}`;
    this.#fallback = [...opts.fallback];
    this.#entity = opts.entity;
    this.#facility = opts.facility ?? DEFAULT_FACILITY;
    this.#retryMs = opts.retryMs ?? 60_000;
    this.#timeoutMs = opts.timeoutMs ?? 1000;
    this.#clock = opts.clock ?? (() => performance.now());
    this.#onProblem = opts.onProblem ?? reportToStderr;
  }

  /** Counters snapshot. */
  stats(): LogdClientStats {
    return {
      connected: this.#conn !== undefined,
      sent: this.#sent,
      direct: this.#direct,
      connects: this.#connects,
      connectFailures: this.#connectFailures,
      lost: this.#lost,
    };
  }

  /** Sends the batch to logd, or to the fallback sinks when logd cannot be reached. */
  async write(records: readonly LogRecord[]): Promise<void> {
    if (this.#closed) return;
    if (this.#conn === undefined && this.#mayRetry()) await this.#connect();
    const conn = this.#conn;
    if (conn !== undefined) {
      let batch = records;
      if (this.#downReason !== undefined) {
        batch = [this.#notice(records[0], "info", this.#reconnectedText()), ...records];
        this.#downReason = undefined;
        this.#announced = false;
        this.#directSinceDown = 0;
      }
      const why = await this.#send(conn, batch);
      if (why === undefined) {
        this.#sent += batch.length;
        return;
      }
      this.#drop(conn, why);
      // Part of the batch may have reached logd; a line twice beats a line lost.
    }
    await this.#writeDirect(records);
  }

  /** Closes the connection and the fallback sinks. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#conn !== undefined) closeQuietly(this.#conn);
    this.#conn = undefined;
    await Promise.all(this.#fallback.map((s) => s.close().catch(() => undefined)));
  }

  #mayRetry(): boolean {
    return this.#lastAttempt === undefined || this.#clock() - this.#lastAttempt >= this.#retryMs;
  }

  async #connect(): Promise<void> {
    this.#lastAttempt = this.#clock();
    const attempt = Deno.connect({ transport: "unix", path: this.path });
    const r = await withTimeout(attempt, this.#timeoutMs);
    if (r.ok) {
      this.#conn = r.value;
      this.#connects++;
      void this.#watch(r.value);
      return;
    }
    // A connect that completes after the timeout must not leak its socket.
    attempt.then(closeQuietly, () => undefined);
    this.#connectFailures++;
    this.#downReason ??= r.reason;
  }

  /** logd never writes to us: a read returning means it closed or died. */
  async #watch(conn: Deno.UnixConn): Promise<void> {
    const buf = new Uint8Array(256);
    try {
      while ((await conn.read(buf)) !== null) {
        // ignore anything logd might send
      }
      if (this.#conn === conn) this.#drop(conn, "logd closed the connection");
    } catch (e) {
      if (this.#conn === conn) this.#drop(conn, errorText(e));
    }
  }

  #drop(conn: Deno.UnixConn, why: string): void {
    closeQuietly(conn);
    if (this.#conn !== conn) return;
    this.#conn = undefined;
    this.#lost++;
    // Heartbeat waits conn_logd_time from the loss before trying again.
    this.#lastAttempt = this.#clock();
    this.#downReason ??= why;
  }

  async #send(conn: Deno.UnixConn, batch: readonly LogRecord[]): Promise<string | undefined> {
    const frames = batch.map((r) =>
      framePayload(encodeLogdMsg({
        facility: this.#facility,
        priority: SYSLOG_SEVERITY[r.level],
        usePriStr: true,
        pid: r.pid,
        entity: r.entity,
        timestamp: Math.floor(r.time / 1000),
        text: r.text,
      }))
    );
    const bytes = new Uint8Array(frames.reduce((n, f) => n + f.length, 0));
    let off = 0;
    for (const f of frames) {
      bytes.set(f, off);
      off += f.length;
    }
    const r = await withTimeout(writeAll(conn, bytes), this.#timeoutMs);
    if (r.ok) return undefined;
    return r.reason.startsWith("timed out")
      ? `logd did not take ${bytes.length} bytes within ${this.#timeoutMs} ms`
      : r.reason;
  }

  async #writeDirect(records: readonly LogRecord[]): Promise<void> {
    let batch = records;
    if (!this.#announced) {
      this.#announced = true;
      const why = this.#downReason ?? "not connected";
      const where = this.#fallback.map((s) => s.name).join(", ") || "nowhere (no logfile, " +
          "debugfile or logfacility configured)";
      const text = `logd at ${this.path} is unreachable (${why}); logging directly to ` +
        `${where}; will retry when logging, at most every ${Math.round(this.#retryMs / 1000)} s`;
      if (this.#fallback.length === 0) {
        try {
          this.#onProblem(this.name, text);
        } catch {
          // nowhere left to tell
        }
      }
      batch = [this.#notice(records[0], "warn", text), ...records];
    }
    this.#direct += records.length;
    this.#directSinceDown += records.length;
    const failures: string[] = [];
    await Promise.all(this.#fallback.map(async (s) => {
      const mine = s.filter === "all" ? batch : batch.filter((r) => sinkTakes(s.filter, r.level));
      if (mine.length === 0) return;
      try {
        await s.write(mine);
      } catch (e) {
        failures.push(`${s.name}: ${errorText(e)}`);
      }
    }));
    // Let the Logger count and report it: every place to log failed or some did.
    if (failures.length > 0) throw new Error(failures.join("; "));
  }

  #reconnectedText(): string {
    return `reconnected to logd at ${this.path}; ${this.#directSinceDown} messages were ` +
      `logged directly meanwhile`;
  }

  #notice(like: LogRecord | undefined, level: LogRecord["level"], text: string): LogRecord {
    return {
      time: like?.time ?? Date.now(),
      level,
      debugLevel: 0,
      entity: this.#entity,
      pid: like?.pid ?? Deno.pid,
      host: like?.host ?? "localhost",
      text,
    };
  }
}

async function withTimeout<T>(
  p: Promise<T>,
  ms: number,
): Promise<{ ok: true; value: T } | { ok: false; reason: string }> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<{ ok: false; reason: string }>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, reason: `timed out after ${ms} ms` }), ms);
  });
  try {
    return await Promise.race([
      p.then((value) => ({ ok: true as const, value }), (e) => ({
        ok: false as const,
        reason: errorText(e),
      })),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function closeQuietly(c: { close(): void }): void {
  try {
    c.close();
  } catch {
    // already closed
  }
}
