/**
 * Names and shapes of the local client API messages (Heartbeat 3.0.6 hb_api_core.h, ha_msg.h),
 * as measured with strace against the real daemon (api.md). Field *order* matters to nothing
 * that parses them, but we keep the real daemon's order so traces compare line for line.
 */

import { Message } from "../wire/message.ts";

/** Message types (`t=`). */
export const T = {
  APIREQ: "hbapi-req",
  APIRESP: "hbapi-resp",
  CLIENT_STATUS: "hbapi-clstat",
  QUERY_CSTATUS: "query-cstatus",
  RESPOND_CSTATUS: "respond-cstatus",
  STATUS: "status",
  NS_STATUS: "NS_st",
  IFSTATUS: "ifstat",
} as const;

/** Request types (`reqtype=`) the server answers. */
export const REQ = {
  SIGNON: "signon",
  SIGNOFF: "signoff",
  SETFILTER: "setfilter",
  SETSIGNAL: "setsignal",
  NODELIST: "nodelist",
  NODESTATUS: "nodestatus",
  NODEWEIGHT: "nodeweight",
  NODESITE: "nodesite",
  NODETYPE: "nodetype",
  NUMNODES: "numnodes",
  IFLIST: "iflist",
  IFSTATUS: "ifstatus",
  GETPARM: "getparm",
  GETRSC: "getrsc",
  GETUUID: "getuuid",
  GETNAME: "getnodename",
  CLIENTSTATUS: "clientstatus",
  SET_SENDQLEN: "set_sendqlen",
} as const;

/** `result=` values. */
export const RESULT = { OK: "OK", FAIL: "fail", BADREQ: "badreq", MORE: "ok/more" } as const;

/**
 * Message treatments a client can ask for with `setfilter fmask=<hex>` (hb_api_core.h). Only
 * KEEPIT messages are delivered by default; the others are debugging views.
 */
export const Treatment = {
  KEEPIT: 0x01,
  NOCHANGE: 0x02,
  DROPIT: 0x04,
  DUPLICATE: 0x08,
  APICALL: 0x10,
  PROTOCOL: 0x20,
} as const;
export const DEBUG_TREATMENTS = 0x3e;
export const ALL_TREATMENTS = 0x3f;

/** A response to `reqtype` with `extra` fields in order, then `result`. */
export function response(reqtype: string, extra: [string, string][], result: string): Message {
  const m = new Message();
  m.set("t", T.APIRESP).set("reqtype", reqtype);
  for (const [k, v] of extra) m.add({ name: k, type: 0, value: v });
  m.add({ name: "result", type: 0, value: result });
  return m;
}

/** `result=badreq` with an optional `info=` reason, as api_process_request sends it. */
export function badRequest(reqtype: string, info?: string): Message {
  const m = new Message();
  m.set("t", T.APIRESP).set("reqtype", reqtype).set("result", RESULT.BADREQ);
  if (info !== undefined) m.set("info", info);
  return m;
}

/**
 * Locally generated node status notification, shaped like heartbeat.c mark_node_dead's
 * (measured on 3.0.6: `t=status seq=1 ts=<hex secs> src=node2 st=dead`).
 */
export function nodeStatusMessage(
  node: string,
  status: string,
  nowMs: number = Date.now(),
  info?: string,
): Message {
  const m = Message.of({ t: T.STATUS, seq: "1", ts: Math.floor(nowMs / 1000).toString(16) });
  m.set("src", node).set("st", status);
  if (info !== undefined) m.set("info", info);
  return m;
}

/** Link status notification (`t=ifstat node= ifname= st=`), heartbeat.c change_link_status. */
export function linkStatusMessage(node: string, link: string, status: string): Message {
  return Message.of({ t: T.IFSTATUS, node, ifname: link, st: status });
}

/** Client join/leave announcement (hb_api.c api_send_client_status). */
export function clientStatusMessage(
  clientId: string,
  status: "join" | "leave",
  localNode: string,
  reason: string | undefined,
  generation: number,
): Message {
  const m = Message.of({ t: T.CLIENT_STATUS, st: status, from_id: clientId, to_id: clientId });
  m.set("src", localNode);
  if (reason !== undefined) m.set("info", reason);
  m.set("client_gen", String(generation));
  return m;
}
