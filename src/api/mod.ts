/**
 * The Heartbeat-compatible local client API: server, client, framing, apiauth.
 *
 * Daemon wiring (what the daemon calls):
 *   const auth = buildAuthTable(config.apiauth, loadIdDb());   // warn on auth.unresolved
 *   const r = await ApiServer.listen("/run/heartbeat/register", backend, { auth, log, dirGroup: "haclient" });
 *   // every cluster message received (after auth/dedup, in order), and every message we sent
 *   // that is addressed to us or to all (Heartbeat loops a node's own messages back):
 *   server.deliver(msg);
 *   //   ... except t=query-cstatus: answer it instead
 *   //   send server.clientStatusReply(msg) to the cluster (also for our own node's queries)
 *   // peer reports a new status (init/up/active): server.deliver(peerStatusMsg)
 *   // we declare a node dead: server.nodeStatusChanged(node, "dead")
 *   // a link changes: server.linkStatusChanged(node, link, "up" | "dead")
 *   // the CCM installs a view: server.membershipChanged(view, reason)  (subscribers only;
 *   //   backend.membership() answers queries and the view sent at subscribe time)
 *   // shutdown: await server.close()
 */
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
export {
  type MembershipEvent,
  type MembershipParseError,
  type MembershipView,
  membershipViewMessage,
  MEMREQ,
  parseMembershipEvent,
  parseViewFields,
  T_MEMVIEW,
} from "./membership.ts";
