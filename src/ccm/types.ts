/**
 * Types at the boundary of the pure membership core (our CCM): what the daemon (or the
 * simulator) feeds in and what it must carry out. Times are monotonic milliseconds.
 */
import type { NodeStatus } from "../core/types.ts";
import type { Message } from "../wire/message.ts";

/** Identity and timing of the local membership service. */
export interface MembershipConfig {
  /** Local node name (as in ha.cf `node`). */
  self: string;
  /** Configured node names, including self: quorum is computed against these. */
  nodes: string[];
  /** This run's Heartbeat generation (`hg`): makes view ids unique across restarts. */
  generation: number;
  /** A leader gives up on a proposal not acknowledged by every member within this time. */
  roundTimeoutMs: number;
  /** A node whose view does not match what it hears re-announces itself this often. */
  resyncMs: number;
  /**
   * At most one report per this gap: reports asked for sooner are merged into one sent when
   * the gap ends (without it, answers to `want` lists grew ~N³ on a cluster's start).
   */
  reportGapMs: number;
}

/** One agreed membership. */
export interface View {
  /**
   * Unique name of this view: `instance.leader.leaderGeneration(hex).round`. Two nodes
   * holding views with the same id hold the same members.
   */
  id: string;
  /** Membership instance (transition number): strictly increasing at every node. */
  instance: number;
  /** The node that formed the view (lowest name among the connected set that formed it). */
  leader: string;
  /** Members, sorted by name; every pair could hear each other when it was formed. */
  members: string[];
  /** Whether the members hold quorum (majority of configured nodes; 2-node rule). */
  quorum: boolean;
}

export type MembershipEvent =
  | { kind: "start" }
  /** A timer fired: step at `nextDeadline()`. */
  | { kind: "tick" }
  /** The heartbeat core's `node_status` for a peer (statuses of self are ignored). */
  | { kind: "peer"; node: string; status: NodeStatus }
  /** The heartbeat core's `deliver` of a message whose `t` is one of CCM_TYPES. */
  | { kind: "deliver"; msg: Message };

export type MembershipAction =
  /** Feed to the heartbeat core as `{kind: "send", msg, dest}` (dest undefined = all). */
  | { kind: "send"; msg: Message; dest?: string }
  /** A new view is installed locally (tell clients; `heartbeat status` shows it). */
  | { kind: "view"; view: View; previous: View | null; reason: string }
  | { kind: "log"; level: "debug" | "info" | "warn"; text: string };

/** State for status tools, as of the last step. */
export interface MembershipSnapshot {
  view: View | null;
  /** Who the local node currently follows (itself when it is the lowest connected node). */
  leader: string;
  /** Peers the heartbeat core considers alive. */
  alive: string[];
  /** A proposal of ours waiting for acknowledgements. */
  round: { instance: number; members: string[]; acked: string[] } | null;
  viewChanges: number;
}
