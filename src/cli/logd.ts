/**
 * `heartbeat logd`: the standalone logging daemon (cluster-glue's ha_logd), in the
 * foreground. cluster-glue clients (ha_logger, Heartbeat's `use_logd yes`, our daemon's
 * LogdClientSink) connect to its unix socket; lines go to logd.cf's files and syslog.
 * SIGTERM/SIGINT: flush and exit 0. SIGHUP: reopen the log files (after logrotate).
 */
import { parseCommandArgs } from "./args.ts";
import { register } from "./dispatch.ts";
import { formatIssue } from "../config/errors.ts";
import { directSinks } from "../logd/create.ts";
import { Logger } from "../logd/logger.ts";
import { DEFAULT_LOGD_CF, loadLogdCf, LOGD_DEFAULTS, type LogdConfig } from "../logd/logdcf.ts";
import { DEFAULT_LOGD_SOCKET, logdQueueSizes, LogdServer } from "../logd/logd_server.ts";
import type { LogSink } from "../logd/sink.ts";
import { FileSink } from "../logd/sinks/file.ts";
import { StderrSink } from "../logd/sinks/stderr.ts";

const HELP = `usage: heartbeat logd [-c FILE] [--socket PATH] [-d]

Runs the logging daemon (ha_logd) in the foreground until SIGTERM.
  -c, --config FILE   logd.cf (default ${DEFAULT_LOGD_CF}; built-in defaults if that is absent)
  --socket PATH       client socket (default ${DEFAULT_LOGD_SOCKET})
  -d, --debug         also copy every line to stderr
SIGHUP reopens the log files (for logrotate).`;

register("logd", {
  summary: "run the logging daemon (ha_logd) in the foreground",
  async run(args) {
    const parsed = parseCommandArgs("logd", HELP, {
      args,
      options: {
        config: { type: "string", short: "c" },
        socket: { type: "string", default: DEFAULT_LOGD_SOCKET },
        debug: { type: "boolean", short: "d", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
    });
    if (typeof parsed === "number") return parsed;
    const { values } = parsed;
    const cfg = await readConfig(values.config);
    if (cfg === undefined) return 1;

    const sinks: LogSink[] = directSinks({
      logfile: cfg.logfile,
      debugfile: cfg.debugfile,
      logmode: cfg.logmode,
      logfacility: cfg.logfacility,
      syslogPrefix: cfg.syslogprefix,
    });
    if (values.debug) sinks.push(new StderrSink());
    const logger = new Logger({
      entity: cfg.entity,
      sinks,
      ...logdQueueSizes(cfg.sendqlen, cfg.recvqlen),
    });
    const listening = await LogdServer.listen({ path: values.socket, logger });
    if (!listening.ok) {
      console.error(`heartbeat logd: ${listening.error.message}`);
      await logger.close(1000);
      return 1;
    }
    const server = listening.server;
    logger.info(`logd started on ${server.path}`);
    console.log(`heartbeat logd: listening on ${server.path} (pid ${Deno.pid})`);

    const stop = Promise.withResolvers<string>();
    const onTerm = () => stop.resolve("SIGTERM");
    const onInt = () => stop.resolve("SIGINT");
    const onHup = () => {
      for (const s of sinks) if (s instanceof FileSink) s.reopen();
      logger.info("SIGHUP: log files reopened");
    };
    Deno.addSignalListener("SIGTERM", onTerm);
    Deno.addSignalListener("SIGINT", onInt);
    Deno.addSignalListener("SIGHUP", onHup);
    const why = await stop.promise;
    Deno.removeSignalListener("SIGTERM", onTerm);
    Deno.removeSignalListener("SIGINT", onInt);
    Deno.removeSignalListener("SIGHUP", onHup);

    await server.close();
    const st = server.stats();
    const ls = logger.stats();
    logger.info(
      `logd stopping (${why}): ${st.received} messages received from ${st.accepted} ` +
        `connections, ${ls.dropped} dropped`,
    );
    await logger.close(5000);
    return 0;
  },
});

/** logd.cf, or the defaults when the default file is absent; undefined after printing errors. */
async function readConfig(path: string | undefined): Promise<LogdConfig | undefined> {
  const file = path ?? DEFAULT_LOGD_CF;
  if (path === undefined) {
    try {
      await Deno.lstat(file);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return LOGD_DEFAULTS;
    }
  }
  const r = await loadLogdCf(file);
  for (const w of r.warnings) console.error(`warning: ${formatIssue(w)}`);
  if (!r.ok) {
    for (const e of r.errors) console.error(`error: ${formatIssue(e)}`);
    console.error(`heartbeat logd: configuration refused (${r.errors.length} error(s))`);
    return undefined;
  }
  return r.value;
}
