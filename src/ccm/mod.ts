/** Consensus cluster membership (our CCM): import from here. */
export { MembershipCore } from "./membership.ts";
export { membershipEventFromCore } from "./adapter.ts";
export { CCM_CLIENT_ID, CCM_TYPES, isCcmMessage } from "./messages.ts";
export { hasQuorum } from "./quorum.ts";
export { membershipTimings } from "./timings.ts";
export type {
  MembershipAction,
  MembershipConfig,
  MembershipEvent,
  MembershipSnapshot,
  View,
} from "./types.ts";
