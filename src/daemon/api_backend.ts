/**
 * The daemon's side of the client API: answers the API server's queries from the core's
 * snapshot, the membership core's view and the configuration, and hands client messages to
 * the core.
 */
import type { ApiBackend, ApiLink, ApiNode, ApiTimings, MembershipView } from "../api/mod.ts";
import { parameterValue } from "../config/params.ts";
import type { Config } from "../config/types.ts";
import type { CoreSnapshot } from "../core/types.ts";
import { facilityCode, parseFacility } from "../logd/mod.ts";
import { VERSION } from "../version.ts";
import type { Message } from "../wire/message.ts";
import type { PingNodeView } from "../core/ping_nodes.ts";

export function daemonApiBackend(
  config: Config,
  snapshot: () => CoreSnapshot,
  send: (msg: Message, dest: string | undefined) => void,
  pings: () => readonly PingNodeView[] = () => [],
  view: () => MembershipView | null = () => null,
): ApiBackend {
  const fac = config.logging.logfacility === undefined
    ? undefined
    : parseFacility(config.logging.logfacility);
  const facility = fac && fac.ok && fac.facility !== "none" ? facilityCode(fac.facility) : -1;
  return {
    localNode: () => config.localNode,
    nodes(): ApiNode[] {
      const normal: ApiNode[] = snapshot().nodes.map((n) => ({
        name: n.name,
        type: "normal",
        status: n.status,
        uuid: n.uuid ?? undefined,
      }));
      // Heartbeat lists ping nodes first (they are added while ha.cf is read, before the
      // node lines are resolved); status `ping` or `dead` (`init` before the first reply).
      const ping: ApiNode[] = pings().map((p) => ({
        name: p.name,
        type: "ping",
        status: p.status,
      }));
      return [...ping, ...normal];
    },
    links(node: string): ApiLink[] | undefined {
      const p = pings().find((x) => x.name === node);
      if (p !== undefined) {
        return p.links.map((l) => ({ name: l.name, status: l.status === "up" ? "up" : "dead" }));
      }
      const n = snapshot().nodes.find((x) => x.name === node);
      if (n === undefined) return undefined;
      // Heartbeat reports a link never heard on as dead.
      return n.links.map((l) => ({ name: l.name, status: l.status === "up" ? "up" : "dead" }));
    },
    parameter: (name: string) => parameterValue(config, name),
    timings: (): ApiTimings => ({
      deadtimeMs: config.timings.deadtimeMs,
      keepaliveMs: config.timings.keepaliveMs,
    }),
    logFacility: () => facility,
    version: () => `3.0.6 (heartbeat-ts ${VERSION})`,
    // Without pacemaker Heartbeat answers getrsc from haresources: `none` when it holds
    // nothing (ipfail exits "No managed resources" on a refusal).
    resources: () => config.pacemaker.mode === "off" ? "none" : undefined,
    membership: () => view() ?? undefined,
    sendToCluster: (msg: Message) => send(msg, msg.get("dest")),
  };
}
