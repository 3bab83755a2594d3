/**
 * Silence detection per peer and per peer×link, on the monotonic clock only (wall-clock
 * jumps cannot kill anyone). A peer is dead once nothing authenticated was heard from it
 * on any link for its advertised deadtime; a link on the same rule for that link alone.
 * Never-heard peers and links are declared dead at initdead after our start.
 */
import type { LinkStatus } from "./types.ts";

export type Expiry =
  | { kind: "node_dead"; node: string; silentMs: number; neverHeard: boolean }
  | { kind: "link_dead"; node: string; link: string }
  | { kind: "warn"; node: string; silentMs: number };

interface LinkClock {
  lastHeard: number | null;
  status: LinkStatus;
}

interface PeerClock {
  lastHeard: number | null;
  state: "never" | "alive" | "dead";
  deadtimeMs: number;
  warned: boolean;
  links: Map<string, LinkClock>;
}

/** What hearing a message changed. */
export interface Heard {
  /** The peer had been silent past its deadtime (or never heard). */
  nodeRevived: boolean;
  linkUp: boolean;
}

/** Last-heard times and the deadlines they imply. */
export class Liveness {
  private readonly peers = new Map<string, PeerClock>();
  private initdeadAt = Infinity;
  /**
   * A lower bound on the earliest deadline (-Infinity: unknown). It keeps expire() and
   * nextDeadline() O(1) on the hot path: a step per received packet would otherwise scan
   * every peer and link, which made 64-node simulations grow with N³.
   */
  private bound = -Infinity;

  constructor(
    peers: string[],
    private readonly links: string[],
    private readonly defaultDeadtimeMs: number,
    private readonly warntimeMs: number,
  ) {
    for (const p of peers) {
      this.peers.set(p, {
        lastHeard: null,
        state: "never",
        deadtimeMs: defaultDeadtimeMs,
        warned: false,
        links: new Map(links.map((l) => [l, { lastHeard: null, status: "init" }])),
      });
    }
  }

  /** Starts the initdead window. */
  start(now: number, initdeadMs: number): void {
    this.initdeadAt = now + initdeadMs;
    this.bound = -Infinity;
  }

  /** Uses the peer's advertised deadtime (`dt`) from now on. */
  setDeadtime(node: string, ms: number): void {
    const p = this.peers.get(node);
    if (p && p.deadtimeMs !== ms) {
      p.deadtimeMs = ms;
      this.bound = -Infinity;
    }
  }

  deadtimeOf(node: string): number {
    return this.peers.get(node)?.deadtimeMs ?? this.defaultDeadtimeMs;
  }

  lastHeard(node: string): number | null {
    return this.peers.get(node)?.lastHeard ?? null;
  }

  linkStatuses(node: string): { name: string; status: LinkStatus }[] {
    const p = this.peers.get(node);
    return p ? [...p.links].map(([name, l]) => ({ name, status: l.status })) : [];
  }

  /** Records an authenticated message from `node` on `link` at `now`. */
  heard(node: string, link: string, now: number): Heard {
    const p = this.peers.get(node);
    if (!p) return { nodeRevived: false, linkUp: false };
    let l = p.links.get(link);
    if (!l) {
      l = { lastHeard: null, status: "init" };
      p.links.set(link, l);
    }
    const nodeRevived = p.state !== "alive";
    const linkUp = l.status !== "up";
    p.lastHeard = now;
    p.state = "alive";
    p.warned = false;
    l.lastHeard = now;
    l.status = "up";
    // Hearing only moves this peer's deadlines later, except from nothing (never, dead, a
    // new link) to now + warntime/deadtime, which may come before every other one.
    const soonest = now + Math.min(this.warntimeMs, p.deadtimeMs);
    if (soonest < this.bound) this.bound = soonest;
    return { nodeRevived, linkUp };
  }

  /** Marks a peer dead now (shutdown notice); hearing it again revives it. */
  markDead(node: string): void {
    const p = this.peers.get(node);
    if (p) p.state = "dead";
  }

  /** Deadlines reached at `now`, each reported once. */
  expire(now: number): Expiry[] {
    if (now < this.bound) return [];
    const out: Expiry[] = [];
    for (const [node, p] of this.peers) {
      if (p.state === "alive" && p.lastHeard !== null) {
        // Compare against the same sums nextDeadline() returns: with fractional times,
        // `now - last >= dt` can differ from `now >= last + dt` by one ulp.
        const silent = now - p.lastHeard;
        if (now >= p.lastHeard + p.deadtimeMs) {
          p.state = "dead";
          out.push({ kind: "node_dead", node, silentMs: silent, neverHeard: false });
        } else if (
          !p.warned && this.warntimeMs < p.deadtimeMs && now >= p.lastHeard + this.warntimeMs
        ) {
          p.warned = true;
          out.push({ kind: "warn", node, silentMs: silent });
        }
      } else if (p.state === "never" && now >= this.initdeadAt) {
        p.state = "dead";
        out.push({ kind: "node_dead", node, silentMs: now - this.initdeadAt, neverHeard: true });
      }
      for (const [link, l] of p.links) {
        if (l.status === "up" && l.lastHeard !== null && now >= l.lastHeard + p.deadtimeMs) {
          l.status = "dead";
          out.push({ kind: "link_dead", node, link });
        } else if (l.status === "init" && now >= this.initdeadAt) {
          l.status = "dead";
          out.push({ kind: "link_dead", node, link });
        }
      }
    }
    this.bound = this.scanDeadline();
    return out;
  }

  /**
   * The earliest monotonic time at which expire() may have something to report: never later
   * than the true deadline, at most one early wake-up after which it is exact again.
   */
  nextDeadline(): number {
    if (this.bound === -Infinity) this.bound = this.scanDeadline();
    return this.bound;
  }

  private scanDeadline(): number {
    let t = Infinity;
    for (const p of this.peers.values()) {
      if (p.state === "alive" && p.lastHeard !== null) {
        t = Math.min(t, p.lastHeard + p.deadtimeMs);
        if (!p.warned && this.warntimeMs < p.deadtimeMs) {
          t = Math.min(t, p.lastHeard + this.warntimeMs);
        }
      } else if (p.state === "never") t = Math.min(t, this.initdeadAt);
      for (const l of p.links.values()) {
        if (l.status === "up" && l.lastHeard !== null) t = Math.min(t, l.lastHeard + p.deadtimeMs);
        else if (l.status === "init") t = Math.min(t, this.initdeadAt);
      }
    }
    return t;
  }
}
