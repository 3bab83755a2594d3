/**
 * The ping medium: drives the pure ping-node state machine (core/ping_nodes.ts) with a real
 * ICMP socket (icmp.ts) and one timer armed at the machine's next deadline. Status changes
 * come out through handlers, for the daemon to log and pass to API clients.
 */
import {
  type PingAction,
  type PingEvent,
  PingNodes,
  type PingNodeView,
  type PingTarget,
  type PingTimings,
} from "../core/ping_nodes.ts";
import { type IcmpError, IcmpSocket } from "./icmp.ts";

export interface PingHandlers {
  onNodeStatus(node: string, status: "ping" | "dead", reason: string): void;
  onLinkStatus(node: string, link: string, status: "up" | "dead"): void;
  /** A send failed (no route, ...): the address just stays silent. */
  onError(address: string, message: string): void;
}

export interface PingMediumOptions {
  /** Echo payload (Heartbeat sends its signed status message); default `heartbeat-ts`. */
  readonly payload?: () => Uint8Array;
  /** Socket kind (default: ping socket if allowed, else raw). */
  readonly kind?: "dgram" | "raw";
  /** Socket drain interval (default 10 ms). */
  readonly pollMs?: number;
}

/** Ping pseudo-nodes over ICMP. */
export class PingMedium {
  readonly #core: PingNodes;
  readonly #handlers: PingHandlers;
  readonly #payload: () => Uint8Array;
  #sock!: IcmpSocket;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;
  #stepping = false;
  readonly #pending: PingEvent[] = [];

  private constructor(core: PingNodes, handlers: PingHandlers, payload: () => Uint8Array) {
    this.#core = core;
    this.#handlers = handlers;
    this.#payload = payload;
  }

  /**
   * Opens the ICMP socket and starts pinging. Returns an IcmpError when no ICMP socket can be
   * opened (the daemon should refuse to start: ha.cf asks for ping nodes it cannot serve).
   */
  static open(
    targets: readonly PingTarget[],
    timings: PingTimings,
    handlers: PingHandlers,
    opts: PingMediumOptions = {},
  ): PingMedium | IcmpError {
    const enc = new TextEncoder().encode("heartbeat-ts");
    const m = new PingMedium(
      new PingNodes(targets, timings),
      handlers,
      opts.payload ?? (() => enc),
    );
    const s = IcmpSocket.open({
      kind: opts.kind,
      pollMs: opts.pollMs,
      onReply: (r) => m.#step({ kind: "reply", address: r.from, seq: r.seq }),
    });
    if (!(s instanceof IcmpSocket)) return s;
    m.#sock = s;
    m.#step({ kind: "start" });
    return m;
  }

  /** Which socket kind is in use. */
  get kind(): "dgram" | "raw" {
    return this.#sock.kind;
  }

  /** Every ping node's current status. */
  snapshot(): PingNodeView[] {
    return this.#core.snapshot(performance.now());
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#sock.close();
  }

  #step(ev: PingEvent): void {
    if (this.#closed) return;
    if (this.#stepping) {
      this.#pending.push(ev);
      return;
    }
    this.#stepping = true;
    try {
      let next: PingEvent | undefined = ev;
      while (next !== undefined && !this.#closed) {
        for (const a of this.#core.step(next, performance.now())) this.#execute(a);
        next = this.#pending.shift();
      }
    } finally {
      this.#stepping = false;
    }
    this.#arm();
  }

  #arm(): void {
    if (this.#closed) return;
    clearTimeout(this.#timer);
    const at = this.#core.nextDeadline();
    if (!Number.isFinite(at)) return;
    this.#timer = setTimeout(
      () => this.#step({ kind: "tick" }),
      Math.max(0, at - performance.now()),
    );
  }

  #execute(a: PingAction): void {
    switch (a.kind) {
      case "send_echo": {
        const r = this.#sock.send(a.address, a.seq, this.#payload());
        if (r === true) this.#pending.push({ kind: "sent", address: a.address, seq: a.seq });
        else this.#handlers.onError(a.address, r);
        return;
      }
      case "node_status":
        this.#handlers.onNodeStatus(a.node, a.status, a.reason);
        return;
      case "link_status":
        this.#handlers.onLinkStatus(a.node, a.link, a.status);
        return;
    }
  }
}
