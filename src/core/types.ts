/**
 * Types at the boundary of the pure protocol core: what the daemon (or the simulator)
 * feeds in, and what it must carry out.
 */
import type { Message } from "../wire/message.ts";

/** Everything the core needs from the outside world that is not a message or a time. */
export interface CoreEnv {
  /** Uniform in [0,1); seeded in tests. */
  random(): number;
  /** Wall clock, seconds since the Unix epoch (only stamped into `ts`, never used for timing). */
  wallClockSec(): number;
  /** The `ld` field text, e.g. the first fields of /proc/loadavg. */
  loadAvg(): string;
}

/** Timing and identity of the local node. All durations in milliseconds. */
export interface CoreConfig {
  self: string;
  /** 16 raw bytes, sent as `srcuuid`. */
  selfUuid: Uint8Array;
  /** Heartbeat generation of this run (hb_generation), sent as `hg` in hex. */
  generation: number;
  /** Configured node names, including self. */
  nodes: string[];
  /** Link (medium) names, e.g. "eth0" or "ucast 10.0.0.2". */
  links: string[];
  keepaliveMs: number;
  warntimeMs: number;
  deadtimeMs: number;
  initdeadMs: number;
  /** Upper bound of the random delay before a retransmission request (ha.cf max_rexmit_delay). */
  maxRexmitDelayMs: number;
  /** ha.cf hopfudge; `ttl` = hopfudge + nodes.length. */
  hopfudge: number;
}

/** Node status as Heartbeat names it. */
export type NodeStatus = "init" | "up" | "active" | "dead";

/** Status of one peer on one link. `init` = never heard on that link yet. */
export type LinkStatus = "init" | "up" | "dead";

/** Why a received message was dropped (the daemon counts these). */
export type DropReason =
  | "no_src"
  | "unknown_node"
  | "no_seq"
  | "bad_seq"
  | "bad_generation"
  | "replay"
  | "duplicate"
  | "own";

export type CoreEvent =
  | { kind: "start" }
  /** A timer fired: check deadlines. */
  | { kind: "tick" }
  /** A message decoded and authenticated by the daemon, heard on `link`. */
  | { kind: "receive"; link: string; msg: Message }
  /** A local client's cluster message (type-specific fields only). */
  | { kind: "send"; msg: Message; dest?: string }
  /** SIGTERM: leave gracefully. */
  | { kind: "shutdown" };

export type CoreAction =
  /**
   * Sign and send on every medium. `msg` is shared with the retransmission history:
   * treat it as read-only (clone before adding `auth`).
   */
  | { kind: "transmit"; msg: Message }
  | { kind: "node_status"; node: string; status: NodeStatus; previous: NodeStatus; reason: string }
  | { kind: "link_status"; node: string; link: string; status: "up" | "dead" }
  /** Hand to local API clients (read-only). */
  | { kind: "deliver"; msg: Message }
  /** Warntime passed without hearing the node ("Late heartbeat"). */
  | { kind: "warn_late"; node: string; silentMs: number }
  | { kind: "drop"; reason: DropReason; node?: string }
  | { kind: "log"; level: "debug" | "info" | "warn" | "error" | "crit"; text: string }
  /** Graceful shutdown finished: the daemon may exit. */
  | { kind: "stopped" };

/** One peer (or self) as shown by status tools. */
export interface NodeSnapshot {
  name: string;
  status: NodeStatus;
  /** ms since anything authenticated was heard; null when never heard (or self). */
  lastHeardAgoMs: number | null;
  generation: number | null;
  uuid: Uint8Array | null;
  /** The peer's advertised deadtime (ms) in use, or our own when it never sent one. */
  deadtimeMs: number;
  links: { name: string; status: LinkStatus }[];
}

export interface CoreCounters {
  sent: number;
  received: number;
  delivered: number;
  dropped: Record<DropReason, number>;
  /** NS_* messages addressed to another node, ignored (normal with 3+ nodes). */
  notForUs: number;
  rexmitRequested: number;
  rexmitServed: number;
  rexmitNaked: number;
  /** Holes given up on (NAKed or too many attempts). */
  lost: number;
  acksSent: number;
  deaths: number;
}

export interface CoreSnapshot {
  self: string;
  status: NodeStatus;
  generation: number;
  lastSeqSent: number;
  nodes: NodeSnapshot[];
  counters: CoreCounters;
}
