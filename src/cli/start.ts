/**
 * `heartbeat start`: runs the daemon in the foreground (systemd-friendly: no fork, logs to
 * stderr plus the configured sinks). SIGTERM/SIGINT = graceful leave; SIGHUP = reload what
 * can be reloaded safely (debug level, log sinks); SIGUSR1/SIGUSR2 raise/lower debug.
 * Bad configuration: every error printed, exit 1.
 */
import { parseCommandArgs } from "./args.ts";
import { register } from "./dispatch.ts";
import { loadConfig } from "../config/load.ts";
import { formatIssue } from "../config/errors.ts";
import { Daemon } from "../daemon/daemon.ts";
import { planReload } from "../daemon/reload.ts";
import { Ops } from "../ops/ops.ts";
import { DEFAULT_CONFIG, DEFAULT_STATE_DIR, runDirFrom } from "../daemon/paths.ts";
import { bindDebugSignals, createDaemonLogger } from "../logd/mod.ts";

const HELP =
  `usage: heartbeat start [-c FILE] [--authkeys FILE] [--node NAME] [--state-dir DIR] [-l]
                       [--run-dir DIR] [--metrics ADDR] [-d]

Runs the heartbeat daemon in the foreground until SIGTERM.
  -c, --config FILE   ha.cf or heartbeat.toml (default ${DEFAULT_CONFIG})
  --authkeys FILE     authkeys (default: authkeys beside the config file)
  --node NAME         this node's name (default: the host name, as uname -n)
  --state-dir DIR     uuid and generation (default ${DEFAULT_STATE_DIR})
  --run-dir DIR       API socket (register) and control socket
                      (default $HEARTBEAT_RUN_DIR or /run/heartbeat)
  -d, --debug         raise the debug level by one (repeatable)
  -l, --low-priority  do not use realtime scheduling (as Heartbeat's -l)
  --metrics ADDR      serve Prometheus metrics on ADDR (e.g. 127.0.0.1:9694; off by default)`;

register("start", {
  summary: "run the daemon in the foreground",
  async run(args) {
    const parsed = parseCommandArgs("start", HELP, {
      args,
      options: {
        config: { type: "string", short: "c", default: DEFAULT_CONFIG },
        authkeys: { type: "string" },
        node: { type: "string" },
        "state-dir": { type: "string", default: DEFAULT_STATE_DIR },
        "run-dir": { type: "string" },
        debug: { type: "boolean", short: "d", multiple: true },
        metrics: { type: "string" },
        "low-priority": { type: "boolean", short: "l", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
    });
    if (typeof parsed === "number") return parsed;
    const { values } = parsed;
    const node = values.node ?? Deno.hostname();
    const loaded = await loadConfig(values.config!, {
      localNode: node,
      authkeys: values.authkeys,
    });
    for (const w of loaded.warnings) console.error(`warning: ${formatIssue(w)}`);
    if (!loaded.ok) {
      for (const e of loaded.errors) console.error(`error: ${formatIssue(e)}`);
      console.error(`heartbeat start: configuration refused (${loaded.errors.length} error(s))`);
      return 1;
    }
    const { config, authkeys } = loaded.value;
    const logger = createDaemonLogger(config, {
      host: node,
      stderr: true,
      extraDebug: values.debug?.length ?? 0,
    });
    // Assigned once the daemon runs (Ops needs its status); the daemon calls back earlier.
    // deno-lint-ignore prefer-const
    let ops: Ops | undefined;
    const daemon = new Daemon({
      config,
      authkeys,
      logger,
      stateDir: values["state-dir"]!,
      runDir: runDirFrom(values["run-dir"]),
      onHeartbeat: () => ops?.tick(),
    });
    try {
      await daemon.start();
    } catch (e) {
      logger.error(`cannot start: ${(e as Error).message}`);
      await logger.close();
      return 1;
    }
    const started = Ops.start({
      process: {
        ...config.process,
        realtime: config.process.realtime && !values["low-priority"],
      },
      log: logger,
      metricsAddress: values.metrics,
      collectMetrics: () => ({
        status: daemon.status(),
        logLinesDropped: logger.stats().dropped,
      }),
    });
    if (!started.ok) {
      logger.error(started.error);
      daemon.stop();
      await daemon.stopped;
      await logger.close();
      return 1;
    }
    ops = started.value;
    ops.ready(`${config.localNode}: ${config.nodes.length} nodes`);
    const onStop = () => {
      void ops?.stop();
      daemon.stop();
    };
    let running = config;
    const reload = async () => {
      ops?.reloading();
      const next = await loadConfig(values.config!, { localNode: node, authkeys: values.authkeys });
      if (!next.ok) {
        for (const e of next.errors) logger.error(`SIGHUP: ${formatIssue(e)}`);
        logger.error("SIGHUP: configuration not reloaded; still running the previous one");
        return;
      }
      const plan = planReload(running, next.value.config);
      if (plan.debug !== undefined) {
        logger.setDebugLevel(plan.debug);
        logger.info(`SIGHUP: debug level now ${plan.debug}`);
      }
      if (plan.needsRestart.length > 0) {
        logger.warn(
          `SIGHUP: changed ${plan.needsRestart.join(", ")}: restart heartbeat to apply them`,
        );
      } else {
        logger.info("SIGHUP: configuration reloaded");
      }
      ops?.ready("reloaded");
      running = {
        ...running,
        logging: { ...running.logging, debug: next.value.config.logging.debug },
      };
    };
    const signals: [Deno.Signal, () => void][] = [
      ["SIGTERM", onStop],
      ["SIGINT", onStop],
      ["SIGHUP", () => void reload()],
    ];
    for (const [s, f] of signals) Deno.addSignalListener(s, f);
    const unbindDebug = bindDebugSignals(logger);
    await daemon.stopped;
    for (const [s, f] of signals) Deno.removeSignalListener(s, f);
    unbindDebug();
    logger.info("stopped");
    await logger.close();
    return 0;
  },
});
