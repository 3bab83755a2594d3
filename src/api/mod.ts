/** The Heartbeat-compatible local client API: server, client, framing, apiauth. */
export type { ApiBackend, ApiLink, ApiNode, ApiNodeType, ApiTimings } from "./backend.ts";
export {
  type ApiListenError,
  type ApiLog,
  ApiServer,
  type ApiServerOptions,
  type ApiServerStats,
} from "./server.ts";
export {
  ApiClient,
  type ApiClientError,
  type ApiClientOptions,
  type ApiResult,
  DEFAULT_API_PATH,
  type SignonInfo,
} from "./client.ts";
export {
  type AuthDecision,
  authorize,
  type AuthTable,
  buildAuthTable,
  type IdDb,
  loadIdDb,
  parseIdFile,
} from "./apiauth.ts";
export { encodeFrame, FrameDecoder, type FrameError, framePayload } from "./framing.ts";
export { Treatment } from "./protocol.ts";
