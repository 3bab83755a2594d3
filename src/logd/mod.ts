/** Non-blocking logger: public entry point of src/logd. See logger.ts and FORMAT.md. */

export { type AppStats, Logger, type LoggerOptions, type LoggerStats } from "./logger.ts";
export { createLogger, type CreateLoggerOptions } from "./create.ts";
export { LEVEL_NAMES, LOG_LEVELS, type LogLevel, MAX_DEBUG_LEVEL } from "./levels.ts";
export type { LogRecord } from "./record.ts";
export {
  type Facility,
  facilityCode,
  type FacilityError,
  type FacilityResult,
  parseFacility,
  type SyslogFacility,
} from "./facility.ts";
export {
  formatLine,
  type ParsedLogLine,
  parseLogLine,
  sanitizeText,
  unescapeText,
} from "./format.ts";
export { type LogSink, type ProblemReporter, type SinkFilter } from "./sink.ts";
export { FileSink, type FileSinkOptions } from "./sinks/file.ts";
export {
  formatSyslog,
  MAX_SYSLOG_DATAGRAM,
  SyslogSink,
  type SyslogSinkOptions,
} from "./sinks/syslog.ts";
export { StderrSink } from "./sinks/stderr.ts";
export { bindDebugSignals } from "./signals.ts";
export { directSinks } from "./create.ts";
export type { RecordOrigin } from "./logger.ts";
export {
  decodeLogdMsg,
  encodeLogdMsg,
  LD_LOGIT,
  levelFromPriority,
  type LogdMessage,
  type LogdMsgError,
  MAX_LOGD_TEXT,
  MAXENTITY,
} from "./logd_msg.ts";
export {
  DEFAULT_LOGD_CF,
  loadLogdCf,
  LOGD_DEFAULTS,
  type LogdConfig,
  parseLogdCf,
} from "./logdcf.ts";
export {
  DEFAULT_LOGD_SOCKET,
  type LogdListenError,
  logdQueueSizes,
  LogdServer,
  type LogdServerOptions,
  type LogdServerStats,
} from "./logd_server.ts";
export {
  LogdClientSink,
  type LogdClientSinkOptions,
  type LogdClientStats,
} from "./logd_client_sink.ts";
export { createDaemonLogger, type DaemonLoggerOptions } from "./daemon_logger.ts";
