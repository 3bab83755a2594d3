/** Glue between the heartbeat core's actions and the membership core's events. */
import type { CoreAction } from "../core/types.ts";
import { isCcmMessage } from "./messages.ts";
import type { MembershipEvent } from "./types.ts";

/**
 * The membership event for one heartbeat-core action, or null when membership does not
 * care: peer `node_status` changes and `deliver`ies of CCM messages.
 */
export function membershipEventFromCore(a: CoreAction): MembershipEvent | null {
  if (a.kind === "node_status") return { kind: "peer", node: a.node, status: a.status };
  if (a.kind === "deliver" && isCcmMessage(a.msg)) return { kind: "deliver", msg: a.msg };
  return null;
}
