/**
 * Liveness of ping pseudo-nodes (ha.cf `ping IP...` and `ping_group NAME IP...`), pure like
 * the rest of the core: events in (start, tick, echo sent, reply received, at monotonic time
 * `now`), actions out (send an echo, node/link status changes).
 *
 * As in Heartbeat: a `ping IP` node is named by its address and has one link of that name; a
 * `ping_group` node has one link per address and is alive while any of them answers. A ping
 * node's status is `ping` while replies arrive and `dead` once none came for `deadping`
 * (never-answering nodes die when the initdead window ends). Echoes go out every keepalive.
 */

/** One ping pseudo-node: its name and the addresses that keep it alive. */
export interface PingTarget {
  readonly node: string;
  readonly addresses: readonly string[];
}

export interface PingTimings {
  /** Interval between echoes to each address (Heartbeat: keepalive). */
  readonly intervalMs: number;
  /** Silence after which a ping node (or one of its links) is dead. */
  readonly deadpingMs: number;
  /** Window after start in which never-heard ping nodes are not yet declared dead. */
  readonly initdeadMs: number;
}

export type PingEvent =
  | { readonly kind: "start" }
  | { readonly kind: "tick" }
  /** The shell sent echo `seq` to `address` (only echoes reported sent are matched). */
  | { readonly kind: "sent"; readonly address: string; readonly seq: number }
  | { readonly kind: "reply"; readonly address: string; readonly seq: number };

export type PingStatus = "init" | "ping" | "dead";

export type PingAction =
  | { readonly kind: "send_echo"; readonly node: string; readonly address: string; seq: number }
  | {
    readonly kind: "node_status";
    readonly node: string;
    readonly status: "ping" | "dead";
    readonly reason: string;
  }
  | {
    readonly kind: "link_status";
    readonly node: string;
    readonly link: string;
    readonly status: "up" | "dead";
  };

/** A ping node as status reports and the API show it. */
export interface PingNodeView {
  readonly name: string;
  readonly status: PingStatus;
  readonly lastHeardAgoMs: number | null;
  readonly links: readonly { readonly name: string; readonly status: "init" | "up" | "dead" }[];
}

interface AddrState {
  node: string;
  lastHeard: number | null;
  link: "init" | "up" | "dead";
  /** seq → time sent, for the echoes still worth matching. */
  sent: Map<number, number>;
}

interface NodeState {
  addresses: string[];
  lastHeard: number | null;
  status: PingStatus;
}

/** Targets from the configuration's `ping` and `ping_group` directives. */
export function pingTargets(
  ping: readonly { address: string }[],
  groups: readonly { name: string; addresses: string[] }[],
): PingTarget[] {
  return [
    ...ping.map((p) => ({ node: p.address, addresses: [p.address] })),
    ...groups.map((g) => ({ node: g.name, addresses: [...g.addresses] })),
  ];
}

/** The ping pseudo-nodes' state machine. */
export class PingNodes {
  readonly #t: PingTimings;
  readonly #nodes = new Map<string, NodeState>();
  /** Per address, one state per node that pings it (an address may be in several). */
  readonly #addrs = new Map<string, AddrState[]>();
  #started = false;
  #initdeadAt = Infinity;
  #nextSendAt = Infinity;
  #seq = 0;

  constructor(targets: readonly PingTarget[], timings: PingTimings) {
    this.#t = timings;
    for (const tg of targets) {
      this.#nodes.set(tg.node, { addresses: [...tg.addresses], lastHeard: null, status: "init" });
      for (const a of tg.addresses) {
        const list = this.#addrs.get(a) ?? [];
        list.push({ node: tg.node, lastHeard: null, link: "init", sent: new Map() });
        this.#addrs.set(a, list);
      }
    }
  }

  /** Handles one event at monotonic time `now`; returns what the shell must do. */
  step(ev: PingEvent, now: number): PingAction[] {
    const out: PingAction[] = [];
    switch (ev.kind) {
      case "start":
        if (this.#started || this.#nodes.size === 0) return out;
        this.#started = true;
        this.#initdeadAt = now + this.#t.initdeadMs;
        this.#nextSendAt = now;
        break;
      case "sent": {
        for (const a of this.#addrs.get(ev.address) ?? []) a.sent.set(ev.seq, now);
        break;
      }
      case "reply":
        this.#reply(ev.address, ev.seq, now, out);
        break;
      case "tick":
        break;
    }
    if (this.#started) {
      this.#expire(now, out);
      if (now >= this.#nextSendAt) {
        this.#nextSendAt = now + this.#t.intervalMs;
        this.#seq = (this.#seq + 1) & 0xffff;
        for (const [address, list] of this.#addrs) {
          out.push({ kind: "send_echo", node: list[0].node, address, seq: this.#seq });
        }
      }
    }
    return out;
  }

  /** The earliest time at which `tick` has something to do. */
  nextDeadline(): number {
    if (!this.#started) return Infinity;
    let t = this.#nextSendAt;
    for (const n of this.#nodes.values()) {
      if (n.status === "ping" && n.lastHeard !== null) {
        t = Math.min(t, n.lastHeard + this.#t.deadpingMs);
      } else if (n.status === "init") t = Math.min(t, this.#initdeadAt);
    }
    for (const a of [...this.#addrs.values()].flat()) {
      if (a.link === "up" && a.lastHeard !== null) {
        t = Math.min(t, a.lastHeard + this.#t.deadpingMs);
      } else if (a.link === "init") t = Math.min(t, this.#initdeadAt);
    }
    return t;
  }

  /** Every ping node, in configuration order. */
  snapshot(now: number): PingNodeView[] {
    return [...this.#nodes].map(([name, n]) => ({
      name,
      status: n.status,
      lastHeardAgoMs: n.lastHeard === null ? null : now - n.lastHeard,
      links: n.addresses.map((a) => ({
        name: a,
        status: this.#addrs.get(a)!.find((x) => x.node === name)!.link,
      })),
    }));
  }

  #reply(address: string, seq: number, now: number, out: PingAction[]): void {
    for (const a of this.#addrs.get(address) ?? []) this.#replyFor(a, address, seq, now, out);
  }

  #replyFor(a: AddrState, address: string, seq: number, now: number, out: PingAction[]): void {
    const sentAt = a.sent.get(seq);
    // Only answers to our own recent echoes count: a reply delayed past deadping, or one to
    // somebody else's echo, says nothing about the address now.
    if (sentAt === undefined || now - sentAt > this.#t.deadpingMs) return;
    for (const [s, t] of a.sent) if (now - t > this.#t.deadpingMs) a.sent.delete(s);
    a.lastHeard = now;
    if (a.link !== "up") {
      a.link = "up";
      out.push({ kind: "link_status", node: a.node, link: address, status: "up" });
    }
    const n = this.#nodes.get(a.node)!;
    n.lastHeard = now;
    if (n.status !== "ping") {
      n.status = "ping";
      out.push({ kind: "node_status", node: a.node, status: "ping", reason: `${address} answers` });
    }
  }

  #expire(now: number, out: PingAction[]): void {
    for (
      const [address, a] of [...this.#addrs].flatMap(([ad, l]) => l.map((x) => [ad, x] as const))
    ) {
      const dead = a.link === "up"
        ? a.lastHeard !== null && now >= a.lastHeard + this.#t.deadpingMs
        : a.link === "init" && now >= this.#initdeadAt;
      if (dead) {
        a.link = "dead";
        out.push({ kind: "link_status", node: a.node, link: address, status: "dead" });
      }
    }
    for (const [name, n] of this.#nodes) {
      if (n.status === "ping" && n.lastHeard !== null && now >= n.lastHeard + this.#t.deadpingMs) {
        n.status = "dead";
        out.push({
          kind: "node_status",
          node: name,
          status: "dead",
          reason: `no echo reply for ${Math.round(now - n.lastHeard)} ms (deadping)`,
        });
      } else if (n.status === "init" && now >= this.#initdeadAt) {
        n.status = "dead";
        out.push({
          kind: "node_status",
          node: name,
          status: "dead",
          reason: "never answered within initdead",
        });
      }
    }
  }
}
