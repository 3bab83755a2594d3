/**
 * Heartbeat's CCM client socket served from our membership views (see server.ts).
 *
 * Daemon wiring:
 *   const r = CcmClientServer.listen(`${runDir}/ccm/ccm`, config.nodes, config.localNode, { log });
 *   // when the CCM installs a view:  r.server.viewChanged(view)
 *   // shutdown:                      await r.server.close()
 * Do not serve it when the real ccm is respawned (it owns that path): `realCcmRespawned`.
 */
export {
  CcmClientServer,
  type CcmClientServerOptions,
  type CcmClientServerStats,
  type CcmListenError,
} from "./server.ts";
export {
  CCM_EV,
  type CcmMember,
  type CcmMemInfo,
  type CcmMessage,
  type CcmNodeList,
  type CcmStructError,
  decodeCcmMessage,
  encodeLlm,
  encodeMemInfo,
} from "./structs.ts";
export { BornTracker } from "./born.ts";
export { realCcmRespawned } from "./real_ccm.ts";
