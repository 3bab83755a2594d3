/**
 * The daemon's operating hooks in one place: real-time scheduling (`realtime`/`rtprio`),
 * the `watchdog` device, systemd notification (READY/STATUS/WATCHDOG/STOPPING) and the
 * optional metrics endpoint. The daemon creates it once its media are open, calls `tick()`
 * on every heartbeat tick, and `stop()` on graceful shutdown.
 */
import type { ProcessSettings } from "../config/types.ts";
import { applyRealtime, type RealtimeResult } from "./realtime.ts";
import { Watchdog } from "./watchdog.ts";
import { SdNotifier } from "./sd_notify.ts";
import {
  type MetricsInput,
  type MetricsServer,
  parseMetricsAddress,
  serveMetrics,
} from "./metrics.ts";

/** Where the hooks log (the daemon's Logger fits). */
export interface OpsLog {
  info(text: string): void;
  warn(text: string): void;
  error(text: string): void;
}

/** What `Ops.start` needs. */
export interface OpsOptions {
  /** `config.process`: realtime, rtprio, watchdog. */
  process: Pick<ProcessSettings, "realtime" | "rtprio" | "watchdog">;
  log: OpsLog;
  /** `--metrics ADDR` as given; undefined leaves the endpoint off. */
  metricsAddress?: string;
  /** Builds one scrape; required with `metricsAddress`. */
  collectMetrics?: () => MetricsInput;
  /** Environment lookup for sd_notify (tests pass their own). */
  env?: (name: string) => string | undefined;
}

/** The running hooks. */
export class Ops {
  /** What `realtime`/`rtprio` achieved (also logged). */
  readonly realtime: RealtimeResult;
  readonly notifier: SdNotifier;
  readonly watchdog: Watchdog | null;
  readonly metrics: MetricsServer | null;
  readonly #log: OpsLog;
  #stopped = false;

  private constructor(
    log: OpsLog,
    realtime: RealtimeResult,
    notifier: SdNotifier,
    watchdog: Watchdog | null,
    metrics: MetricsServer | null,
  ) {
    this.#log = log;
    this.realtime = realtime;
    this.notifier = notifier;
    this.watchdog = watchdog;
    this.metrics = metrics;
  }

  /**
   * Applies realtime, opens the watchdog, starts sd_notify's watchdog pings and the metrics
   * endpoint. Only a metrics endpoint that cannot listen is an error (it was asked for
   * explicitly); realtime refusals and a watchdog that cannot be opened are logged and the
   * daemon runs on, as Heartbeat does.
   */
  static start(opts: OpsOptions): { ok: true; value: Ops } | { ok: false; error: string } {
    const log = opts.log;
    let metrics: MetricsServer | null = null;
    if (opts.metricsAddress !== undefined) {
      const addr = parseMetricsAddress(opts.metricsAddress);
      if (!addr.ok) return { ok: false, error: addr.error };
      if (!opts.collectMetrics) {
        return { ok: false, error: "metrics: no collector given (a bug in the daemon)" };
      }
      const s = serveMetrics(addr.value, opts.collectMetrics, (t) => log.warn(t));
      if (!s.ok) return { ok: false, error: s.error };
      metrics = s.value;
      if (addr.warning) log.warn(addr.warning);
      log.info(
        `metrics: serving http://${
          metrics.address.hostname.includes(":")
            ? `[${metrics.address.hostname}]`
            : metrics.address.hostname
        }:${metrics.address.port}/metrics`,
      );
    }

    const rt = applyRealtime({ enabled: opts.process.realtime, priority: opts.process.rtprio });
    if (opts.process.realtime) {
      (rt.applied ? log.info : log.warn).call(log, rt.status);
      for (const n of rt.notes) log.info(n);
    }

    let watchdog: Watchdog | null = null;
    if (opts.process.watchdog !== undefined) {
      const w = Watchdog.open(opts.process.watchdog);
      if (w.ok) {
        watchdog = w.value;
        log.info(`watchdog ${w.value.device} opened; fed on every heartbeat tick`);
      } else log.error(w.error.message);
    }

    const notifier = SdNotifier.fromEnv(opts.env);
    if (notifier.problem) log.warn(notifier.problem);
    notifier.startWatchdog((e) => log.warn(e));
    return { ok: true, value: new Ops(log, rt, notifier, watchdog, metrics) };
  }

  /** Call on every heartbeat tick: feeds the watchdog device. */
  tick(): void {
    const err = this.watchdog?.feed();
    if (err) this.#log.error(err.message);
  }

  /** Tells systemd startup is complete, with a one-line status. */
  ready(status: string): void {
    this.#notify(this.notifier.ready(status));
  }

  /** Updates the status line `systemctl status` shows. */
  status(text: string): void {
    this.#notify(this.notifier.status(text));
  }

  /** SIGHUP: a reload has begun; call `ready()` again when it is done. */
  reloading(): void {
    this.#notify(this.notifier.reloading());
  }

  /** Graceful stop: STOPPING=1, the watchdog's magic close, metrics endpoint closed. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#notify(this.notifier.stopping());
    const err = this.watchdog?.close();
    if (err) this.#log.error(err.message);
    this.notifier.close();
    await this.metrics?.close();
  }

  #notify(r: { ok: true } | { ok: false; error: string }): void {
    if (!r.ok) this.#log.warn(r.error);
  }
}
