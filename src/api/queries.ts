/**
 * Answers to the read-only API queries (hb_api.c query handlers), as pure functions of the
 * backend's state. Replies keep the real daemon's field order (measured with strace, api.md).
 */

import type { ApiBackend } from "./backend.ts";
import { badRequest, REQ, response, RESULT } from "./protocol.ts";
import { Message } from "../wire/message.ts";

const EINVAL = "EINVAL";

/** Replies for `nodelist`: one message per node, all but the last `result=ok/more`. */
export function nodeList(b: ApiBackend): Message[] {
  const nodes = b.nodes();
  return nodes.map((n, i) =>
    response(
      REQ.NODELIST,
      [["node", n.name], ["nodetype", n.type], ["st", n.status]],
      i === nodes.length - 1 ? RESULT.OK : RESULT.MORE,
    )
  );
}

function findNode(b: ApiBackend, req: Message) {
  const name = req.get("node");
  return name === undefined ? undefined : b.nodes().find((n) => n.name === name);
}

/** `nodestatus node=N` → `st=`. */
export function nodeStatus(b: ApiBackend, req: Message): Message {
  const n = findNode(b, req);
  if (n === undefined) return badRequest(REQ.NODESTATUS, EINVAL);
  return response(REQ.NODESTATUS, [["st", n.status]], RESULT.OK);
}

/** `nodetype node=N` → `nodetype=normal|ping|unknown`. */
export function nodeType(b: ApiBackend, req: Message): Message {
  const n = findNode(b, req);
  if (n === undefined) return badRequest(REQ.NODETYPE, EINVAL);
  return response(REQ.NODETYPE, [["nodetype", n.type]], RESULT.OK);
}

/** `nodeweight node=N` → `weight=` (decimal, Heartbeat default 100). */
export function nodeWeight(b: ApiBackend, req: Message): Message {
  const n = findNode(b, req);
  if (n === undefined) return badRequest(REQ.NODEWEIGHT, EINVAL);
  return response(REQ.NODEWEIGHT, [["weight", String(n.weight ?? 100)]], RESULT.OK);
}

/** `nodesite node=N` → `site=`. */
export function nodeSite(b: ApiBackend, req: Message): Message {
  const n = findNode(b, req);
  if (n === undefined) return badRequest(REQ.NODESITE, EINVAL);
  return response(REQ.NODESITE, [["site", n.site ?? ""]], RESULT.OK);
}

/** `numnodes` → number of normal (non-ping) nodes. */
export function numNodes(b: ApiBackend): Message {
  const count = b.nodes().filter((n) => n.type === "normal").length;
  return response(REQ.NUMNODES, [["numnodes", String(count)]], RESULT.OK);
}

/**
 * `iflist node=N`: one message per link (`ifname`, `st`), the last `result=OK`. A ping node's
 * only "link" is named after the node itself (api_ping_iflist).
 */
export function ifList(b: ApiBackend, req: Message): Message[] {
  const n = findNode(b, req);
  if (n === undefined) return [badRequest(REQ.IFLIST, EINVAL)];
  const links = b.links(n.name) ?? [];
  if (n.type === "ping") {
    const own = links.find((l) => l.name === n.name);
    if (own === undefined) return [badRequest(REQ.IFLIST, "UhOh")];
    return [response(REQ.IFLIST, [["ifname", own.name], ["st", own.status]], RESULT.OK)];
  }
  // Heartbeat walks a link table that is never empty for a configured node; with none we
  // refuse rather than send a list without names.
  if (links.length === 0) return [badRequest(REQ.IFLIST, EINVAL)];
  return links.map((l, i) =>
    response(
      REQ.IFLIST,
      [["ifname", l.name], ["st", l.status]],
      i === links.length - 1 ? RESULT.OK : RESULT.MORE,
    )
  );
}

/** `ifstatus node=N ifname=L` → `st=` of the first link with that name. */
export function ifStatus(b: ApiBackend, req: Message): Message {
  const n = findNode(b, req);
  const ifname = req.get("ifname");
  const link = n === undefined || ifname === undefined
    ? undefined
    : (b.links(n.name) ?? []).find((l) => l.name === ifname);
  if (link === undefined) return badRequest(REQ.IFSTATUS, EINVAL);
  return response(REQ.IFSTATUS, [["st", link.status]], RESULT.OK);
}

/** `getparm pname=P` → `pvalue=` when known; `result=OK` either way (as Heartbeat). */
export function getParameter(b: ApiBackend, req: Message): Message {
  const name = req.get("pname");
  if (name === undefined) return badRequest(REQ.GETPARM, EINVAL);
  const value = b.parameter(name);
  return response(REQ.GETPARM, value === undefined ? [] : [["pvalue", value]], RESULT.OK);
}

/** `getrsc` → `rsc_hold=`; refused when resources are not managed by us. */
export function getResources(b: ApiBackend): Message {
  const r = b.resources();
  if (r === undefined) {
    return badRequest(REQ.GETRSC, "Resource is managed by crm.Use crm tool to query resource");
  }
  return response(REQ.GETRSC, [["rsc_hold", r]], RESULT.OK);
}

/** `getuuid queryname=N` → binary `queryuuid` when known. */
export function getUuid(b: ApiBackend, req: Message): Message {
  const name = req.get("queryname");
  if (name === undefined) return badRequest(REQ.GETUUID, "no query node name found");
  const uuid = b.nodes().find((n) => n.name === name)?.uuid;
  const m = response(REQ.GETUUID, [], RESULT.OK);
  if (uuid !== undefined) {
    m.remove("result").setBinary("queryuuid", uuid).set("result", RESULT.OK);
  }
  return m;
}

/** `getnodename (1)queryuuid=U` → `queryname=` when known. */
export function getNodeName(b: ApiBackend, req: Message): Message {
  const uuid = req.getBinary("queryuuid");
  if (uuid === undefined) return badRequest(REQ.GETNAME, "no query node name found");
  const same = (a: Uint8Array) => a.length === uuid.length && a.every((x, i) => x === uuid[i]);
  const node = b.nodes().find((n) => n.uuid !== undefined && same(n.uuid));
  return response(REQ.GETNAME, node === undefined ? [] : [["queryname", node.name]], RESULT.OK);
}

/** Local `clientstatus` answer (`subt=respond-cstatus cs=online|offline`). */
export function clientStatusAnswer(online: boolean): Message {
  return response(
    REQ.CLIENTSTATUS,
    [["subt", "respond-cstatus"], ["cs", online ? "online" : "offline"]],
    RESULT.OK,
  );
}
