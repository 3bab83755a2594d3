/**
 * The non-blocking logger. `log()` is synchronous, O(1), never awaits and never throws:
 * it appends to a bounded ring queue (or drops and counts), and a background drain loop
 * hands batches to the sinks. The daemon logs from its heartbeat loop, and a log write
 * stalled on disk must never delay a heartbeat (logd.md "Why it exists").
 *
 * Bounds: the global queue holds at most `queueLength` records (default 256, logd's
 * sendqlen); each entity may hold at most its own share (`appQueueLength`, default 64) of
 * it, so a noisy entity fills its share and drops, while others keep theirs. For full
 * isolation keep the sum of all entities' shares ≤ queueLength. Text longer than
 * `maxTextLength` is cut. When a sink write returns after drops, one line per entity says
 * how many records were dropped, e.g.
 * `WARN: logd: dropped 1234 messages from heartbeat while the log sink was behind`.
 *
 * Sinks get each batch together and the next batch waits for the slowest (as in ha_logd's
 * writer child): a stalled syslog delays the files too, but never the caller.
 */

import { type LogLevel, MAX_DEBUG_LEVEL } from "./levels.ts";
import { RingQueue } from "./queue.ts";
import type { LogRecord } from "./record.ts";
import { type LogSink, type ProblemReporter, reportToStderr, sinkTakes } from "./sink.ts";

/** Options for {@link Logger}. */
export interface LoggerOptions {
  /** Entity shown on records logged without an `app`, and on logd's own lines. */
  readonly entity: string;
  readonly sinks: readonly LogSink[];
  /** Wall-clock ms for record timestamps; default `Date.now`. */
  readonly now?: () => number;
  /** Host name on file lines; default `Deno.hostname()`. */
  readonly host?: string;
  /** pid on lines; default `Deno.pid`. */
  readonly pid?: number;
  /** Global queue length (records), default 256. */
  readonly queueLength?: number;
  /** Per-entity queue share (records), default 64. */
  readonly appQueueLength?: number;
  /** Per-entity overrides of `appQueueLength`. */
  readonly appQueueLengths?: Readonly<Record<string, number>>;
  /** Distinct entities tracked separately (others share one bucket), default 64. */
  readonly maxApps?: number;
  /** Initial debug level 0..255, default 0 (no debug records). */
  readonly debugLevel?: number;
  /** Longest text kept per record (UTF-16 units), default 4096. */
  readonly maxTextLength?: number;
  /** Told once per sink when its writes start failing; default one stderr line. */
  readonly onProblem?: ProblemReporter;
}

/** Who logged a record that arrived from elsewhere (see {@link Logger.logFrom}). */
export interface RecordOrigin {
  readonly entity: string;
  readonly pid: number;
  /** Wall-clock ms; default this logger's clock. */
  readonly time?: number;
}

/** Counters for one entity. */
export interface AppStats {
  readonly entity: string;
  /** Records queued now. */
  readonly pending: number;
  /** This entity's queue share. */
  readonly capacity: number;
  /** Records handed to sinks (drop reports not included). */
  readonly delivered: number;
  /** Records dropped since start, reported or not. */
  readonly dropped: number;
  /** Drops not yet reported by a `dropped N messages` line. */
  readonly unreported: number;
}

/** A snapshot of the logger's counters (for status and tests). */
export interface LoggerStats {
  readonly queued: number;
  readonly capacity: number;
  /** Most records ever queued at once (never above `capacity`). */
  readonly highWater: number;
  readonly delivered: number;
  readonly dropped: number;
  /** Records refused because the logger was closed. */
  readonly afterClose: number;
  /** Sink writes that failed. */
  readonly sinkFailures: number;
  readonly apps: readonly AppStats[];
}

interface AppState {
  readonly entity: string;
  capacity: number;
  pending: number;
  delivered: number;
  dropped: number;
  unreported: number;
}

const OTHER_APPS = "other-entities";

/**
 * A logger with bounded queues and background sinks.
 *
 * @example
 * ```ts
 * const log = createLogger({ entity: "heartbeat", logfile: "/var/log/ha-log" });
 * log.info("node node2 is up");
 * await log.close();
 * ```
 */
export class Logger {
  readonly entity: string;
  readonly #sinks: readonly LogSink[];
  readonly #now: () => number;
  readonly #host: string;
  readonly #pid: number;
  readonly #queue: RingQueue<LogRecord>;
  readonly #apps = new Map<string, AppState>();
  readonly #other: AppState;
  readonly #appDefault: number;
  readonly #maxApps: number;
  readonly #maxText: number;
  readonly #onProblem: ProblemReporter;
  readonly #failing = new Set<LogSink>();
  #debug: number;
  #highWater = 0;
  #delivered = 0;
  #dropped = 0;
  #unreported = 0;
  #afterClose = 0;
  #sinkFailures = 0;
  #draining = false;
  #closed = false;
  #idle: (() => void)[] = [];

  constructor(opts: LoggerOptions) {
    this.entity = opts.entity;
    this.#sinks = [...opts.sinks];
    this.#now = opts.now ?? Date.now;
    this.#host = opts.host ?? hostName();
    this.#pid = opts.pid ?? Deno.pid;
    this.#queue = new RingQueue(positive(opts.queueLength, 256, "queueLength"));
    this.#appDefault = positive(opts.appQueueLength, 64, "appQueueLength");
    this.#maxApps = positive(opts.maxApps, 64, "maxApps");
    this.#maxText = positive(opts.maxTextLength, 4096, "maxTextLength");
    this.#onProblem = opts.onProblem ?? reportToStderr;
    this.#debug = clampDebug(opts.debugLevel ?? 0);
    this.#other = newApp(OTHER_APPS, this.#appDefault);
    for (const [entity, n] of Object.entries(opts.appQueueLengths ?? {})) {
      this.setAppQueueLength(entity, n);
    }
  }

  /** Current debug level (0 = debug records are discarded). */
  get debugLevel(): number {
    return this.#debug;
  }

  /** Sets the debug level, clamped to 0..255. */
  setDebugLevel(n: number): void {
    this.#debug = clampDebug(n);
  }

  /** SIGUSR1: one more debug level (max 255); returns the new level. */
  raiseDebug(): number {
    this.#debug = clampDebug(this.#debug + 1);
    this.log("info", `debug level now ${this.#debug}`);
    return this.#debug;
  }

  /** SIGUSR2: one less debug level (min 0); returns the new level. */
  lowerDebug(): number {
    this.#debug = clampDebug(this.#debug - 1);
    this.log("info", `debug level now ${this.#debug}`);
    return this.#debug;
  }

  /** Sets one entity's queue share (records, ≥ 1). */
  setAppQueueLength(entity: string, n: number): void {
    const st = this.#state(entity);
    st.capacity = positive(n, this.#appDefault, `queue length for ${entity}`);
  }

  /**
   * Queues one record for the sinks, or drops and counts it if the entity's share or the
   * global queue is full. Synchronous, O(1) (plus cutting over-long text); never throws.
   * `debug` records are kept only at debug level ≥ 1.
   */
  log(level: LogLevel, text: string, app?: string): void {
    this.#log(level, level === "debug" ? 1 : 0, text, app);
  }

  /** A debug record kept only when the debug level is ≥ n (as Heartbeat's `debug N`). */
  debug(n: number, text: string, app?: string): void {
    this.#log("debug", Math.max(1, n), text, app);
  }

  info(text: string, app?: string): void {
    this.#log("info", 0, text, app);
  }

  warn(text: string, app?: string): void {
    this.#log("warn", 0, text, app);
  }

  error(text: string, app?: string): void {
    this.#log("error", 0, text, app);
  }

  crit(text: string, app?: string): void {
    this.#log("crit", 0, text, app);
  }

  /** Records `entity` could queue right now (its share and the global queue both count). */
  room(entity: string): number {
    const st = this.#apps.get(entity) ??
      (this.#apps.size >= this.#maxApps ? this.#other : undefined);
    const share = st === undefined ? this.#appDefault : st.capacity - st.pending;
    return Math.max(0, Math.min(share, this.#queue.capacity - this.#queue.length));
  }

  /**
   * Queues a record that another process logged (logd's clients): kept whatever this
   * logger's debug level, with the sender's pid and time. Same bounds as `log()`.
   */
  logFrom(level: LogLevel, text: string, from: RecordOrigin): void {
    this.#log(level, level === "debug" ? 1 : 0, text, from.entity, from, true);
  }

  #log(
    level: LogLevel,
    debugLevel: number,
    text: string,
    app: string | undefined,
    from?: RecordOrigin,
    always = false,
  ): void {
    try {
      if (!always && debugLevel > this.#debug) return;
      if (this.#closed) {
        this.#afterClose++;
        return;
      }
      const entity = app ?? this.entity;
      const st = this.#state(entity);
      if (st.pending >= st.capacity || this.#queue.length >= this.#queue.capacity) {
        st.dropped++;
        st.unreported++;
        this.#dropped++;
        this.#unreported++;
        return;
      }
      const t = from?.time ?? this.#time();
      const s = String(text);
      this.#queue.push({
        time: t,
        level,
        debugLevel,
        entity,
        pid: from?.pid ?? this.#pid,
        host: this.#host,
        text: s.length > this.#maxText ? s.slice(0, this.#maxText) + "…[cut]" : s,
      });
      st.pending++;
      if (this.#queue.length > this.#highWater) this.#highWater = this.#queue.length;
      if (!this.#draining) {
        this.#draining = true;
        queueMicrotask(() => void this.#drain());
      }
    } catch {
      // A broken clock or String() must not take the caller down; the record is lost.
    }
  }

  /** The injected clock, or the system clock if it fails or returns nonsense. */
  #time(): number {
    try {
      const t = this.#now();
      if (Number.isFinite(t)) return t;
    } catch {
      // fall through
    }
    return Date.now();
  }

  #state(entity: string): AppState {
    let st = this.#apps.get(entity);
    if (st === undefined) {
      if (this.#apps.size >= this.#maxApps) return this.#other;
      st = newApp(entity, this.#appDefault);
      this.#apps.set(entity, st);
    }
    return st;
  }

  /** Takes everything queued, then appends one drop report per entity that dropped. */
  #takeBatch(): LogRecord[] {
    const batch: LogRecord[] = [];
    for (let r = this.#queue.shift(); r !== undefined; r = this.#queue.shift()) {
      const st = this.#apps.get(r.entity) ?? this.#other;
      st.pending--;
      st.delivered++;
      this.#delivered++;
      batch.push(r);
    }
    if (this.#unreported > 0) {
      const t = this.#time();
      for (const st of [...this.#apps.values(), this.#other]) {
        if (st.unreported === 0) continue;
        batch.push({
          time: t,
          level: "warn",
          debugLevel: 0,
          entity: this.entity,
          pid: this.#pid,
          host: this.#host,
          text: `logd: dropped ${st.unreported} messages from ${st.entity} ` +
            `while the log sink was behind`,
        });
        st.unreported = 0;
      }
      this.#unreported = 0;
    }
    return batch;
  }

  async #drain(): Promise<void> {
    try {
      for (let batch = this.#takeBatch(); batch.length > 0; batch = this.#takeBatch()) {
        await Promise.all(this.#sinks.map((s) => this.#deliver(s, batch)));
      }
    } finally {
      this.#draining = false;
      const waiters = this.#idle;
      this.#idle = [];
      for (const w of waiters) w();
    }
  }

  async #deliver(sink: LogSink, batch: readonly LogRecord[]): Promise<void> {
    const mine = sink.filter === "all"
      ? batch
      : batch.filter((r) => sinkTakes(sink.filter, r.level));
    if (mine.length === 0) return;
    try {
      await sink.write(mine);
      this.#failing.delete(sink);
    } catch (e) {
      this.#sinkFailures++;
      if (!this.#failing.has(sink)) {
        this.#failing.add(sink);
        try {
          this.#onProblem(sink.name, `write failed: ${e instanceof Error ? e.message : String(e)}`);
        } catch {
          // The reporter failed too; the failure is still counted in sinkFailures.
        }
      }
    }
  }

  /**
   * Waits until everything queued so far has been written (or `timeoutMs` passed).
   * Returns true when the queue drained in time.
   */
  async flush(timeoutMs = 5000): Promise<boolean> {
    if (!this.#draining && this.#queue.length === 0 && this.#unreported === 0) return true;
    if (!this.#draining) {
      this.#draining = true;
      queueMicrotask(() => void this.#drain());
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const idle = new Promise<boolean>((resolve) => this.#idle.push(() => resolve(true)));
    const late = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    try {
      return await Promise.race([idle, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Flushes (bounded by `timeoutMs`), then closes every sink. Later `log()` calls are
   * counted in `afterClose` and dropped. Returns true if everything queued was written.
   */
  async close(timeoutMs = 5000): Promise<boolean> {
    if (this.#closed) return this.#queue.length === 0;
    const flushed = await this.flush(timeoutMs);
    this.#closed = true;
    await Promise.all(this.#sinks.map((s) => s.close().catch(() => undefined)));
    return flushed;
  }

  /** Counters snapshot. */
  stats(): LoggerStats {
    const apps = [...this.#apps.values()];
    if (this.#other.pending + this.#other.delivered + this.#other.dropped > 0) {
      apps.push(this.#other);
    }
    return {
      queued: this.#queue.length,
      capacity: this.#queue.capacity,
      highWater: this.#highWater,
      delivered: this.#delivered,
      dropped: this.#dropped,
      afterClose: this.#afterClose,
      sinkFailures: this.#sinkFailures,
      apps: apps.map((a) => ({ ...a })),
    };
  }
}

/** The node's name; without --allow-sys, `localhost` rather than failing to log at all. */
function hostName(): string {
  try {
    return Deno.hostname();
  } catch {
    return "localhost";
  }
}

function newApp(entity: string, capacity: number): AppState {
  return { entity, capacity, pending: 0, delivered: 0, dropped: 0, unreported: 0 };
}

function clampDebug(n: number): number {
  return Number.isFinite(n) ? Math.min(MAX_DEBUG_LEVEL, Math.max(0, Math.trunc(n))) : 0;
}

// Queue sizes are code-level settings (config parsing checks user input): a bad one is a bug.
function positive(n: number | undefined, dflt: number, what: string): number {
  if (n === undefined) return dflt;
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`logd: ${what} must be ≥ 1, got ${n}`);
  return n;
}
