/**
 * What the API server needs from the daemon. The server never touches the cluster itself:
 * it answers queries from this interface and hands outgoing messages to `sendToCluster`.
 */

import type { Message } from "../wire/message.ts";
import type { MembershipView } from "./membership.ts";

/** Node kinds as the API names them (hb_api.c api_nodetype). */
export type ApiNodeType = "normal" | "ping" | "unknown";

/** One node as the API reports it. */
export interface ApiNode {
  readonly name: string;
  readonly type: ApiNodeType;
  /** Heartbeat status string: `init`, `up`, `active`, `dead`, `ping`... */
  readonly status: string;
  /** `nodeweight` answer (Heartbeat default 100). */
  readonly weight?: number;
  /** `nodesite` answer. */
  readonly site?: string;
  /** The node's uuid (16 bytes) for `getuuid` / `getnodename`. */
  readonly uuid?: Uint8Array;
}

/** One heartbeat link of a node, in configuration order (duplicates allowed, as in Heartbeat). */
export interface ApiLink {
  readonly name: string;
  /** `up` or `dead` (Heartbeat link status strings). */
  readonly status: string;
}

/** Timings sent in the signon reply. */
export interface ApiTimings {
  readonly deadtimeMs: number;
  readonly keepaliveMs: number;
}

/** The daemon side of the API server. Every method is called synchronously and must not block. */
export interface ApiBackend {
  /** Our node name (signon `node=`). */
  localNode(): string;
  /** Every configured node, in configuration order (nodelist order). */
  nodes(): readonly ApiNode[];
  /** Links of `node` in configuration order; `undefined` when the node is unknown. */
  links(node: string): readonly ApiLink[] | undefined;
  /** ha.cf value of a parameter exactly as written (`keepalive` → `500ms`), or undefined. */
  parameter(name: string): string | undefined;
  /** Timings for the signon reply. */
  timings(): ApiTimings;
  /** Syslog facility number for the signon reply (`-1`/`0` when none, like Heartbeat). */
  logFacility(): number;
  /** Version string for signon `hbversion=`, e.g. `3.0.6 (heartbeat-ts 0.1.0)`. */
  version(): string;
  /** `getrsc` answer (`none`, `local`, `foreign`, `all`); undefined = resources not managed. */
  resources(): string | undefined;
  /**
   * The current membership view (our CCM), or undefined before the first one. Subscribers
   * get it at subscribe time; the daemon reports later ones with `ApiServer.membershipChanged`.
   */
  membership(): MembershipView | undefined;
  /**
   * Sends a client's message to the cluster: the daemon adds src/seq/hg/ts/ld/ttl/auth, sends
   * it to `dest` (one node) or everyone, and — like Heartbeat — also delivers it to local
   * clients (call `ApiServer.deliver`) when it is addressed to us or to all.
   */
  sendToCluster(msg: Message): void;
}
