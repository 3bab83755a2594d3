/**
 * Public API of the configuration layer: ha.cf / heartbeat.toml / authkeys → typed values.
 */
export type * from "./types.ts";
export type { AuthKey, AuthKeys, AuthMethod } from "./auth_types.ts";
export {
  type ConfigError,
  type ConfigIssue,
  type ConfigWarning,
  type Failure,
  formatIssue,
  type IssueCode,
  type ParseResult,
} from "./errors.ts";
export { parseTime, TIME_ACCEPTED } from "./timesyntax.ts";
export { BUILTIN_APIAUTH, DEFAULT_BAUD, DEFAULT_UDPPORT, type ParseOptions } from "./builder.ts";
export { parseHaCf } from "./hacf.ts";
export { loadAuthkeys, parseAuthkeys } from "./authkeys.ts";
export { parseTomlConfig, type TomlDocument } from "./toml.ts";
export {
  isTomlPath,
  loadConfig,
  type LoadedConfig,
  type LoadedConfigOnly,
  type LoadOptions,
} from "./load.ts";
export { parameterValue } from "./params.ts";
export { authSummary, configToJson } from "./json.ts";
export { currentHost, type HostFacts, hostWarnings } from "./hostcheck.ts";
