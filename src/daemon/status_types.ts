/** The daemon's status report: what `heartbeat status` shows and `--json` prints. */

export interface LinkReport {
  name: string;
  status: "up" | "dead";
}

export interface NodeReport {
  name: string;
  /** Heartbeat's node types: `normal` cluster nodes, `ping` pseudo-nodes. */
  type: "normal" | "ping";
  status: string;
  /** Milliseconds since anything was heard from it; null when never heard (or ourselves). */
  lastHeardMsAgo: number | null;
  generation: number | null;
  uuid: string | null;
  links: LinkReport[];
}

export interface MembershipReport {
  instance: number;
  leader: string;
  members: string[];
  quorum: boolean;
}

export interface StatusReport {
  node: string;
  uuid: string;
  generation: number;
  pid: number;
  version: string;
  uptimeMs: number;
  status: string;
  timings: { keepaliveMs: number; warntimeMs: number; deadtimeMs: number; initdeadMs: number };
  /** The consensus membership view this node holds (null before the first one). */
  membership: MembershipReport | null;
  nodes: NodeReport[];
  counters: Record<string, number>;
}
