/**
 * UDP media: ucast, bcast, mcast (IPv4) and ucast6, mcast6, over Deno datagram sockets.
 *
 * One socket per local (address, port); several media lines that need the same local
 * endpoint share it. Each medium is a *link* named after its interface, as Heartbeat names
 * them (`cl_status listhblinks` shows `eth0`). Sending is fire-and-forget: a failed send is
 * reported (counted, logged rate-limited by the daemon) and never awaited by the heartbeat loop.
 *
 * Extension over Heartbeat: the interface of `ucast`/`bcast`/`mcast` may be given as a local
 * IP address instead of a name (for several nodes on one host's loopback, as in the demo).
 */

import type { MediaGroup, MediaHandlers } from "./types.ts";
export type { MediaHandlers } from "./types.ts";

export type UdpMediumSpec =
  | { kind: "ucast"; iface: string; peer: string; port: number }
  | { kind: "bcast"; iface: string; port: number }
  | { kind: "mcast"; iface: string; group: string; port: number; ttl: number; loop: boolean }
  | { kind: "ucast6"; iface: string; peer: string; port: number }
  | { kind: "mcast6"; iface: string; group: string; port: number; hops: number; loop: boolean };

export class MediaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MediaError";
  }
}

/** An interface's addresses, as the media need them. */
export interface IfaceInfo {
  v4?: { address: string; netmask: string };
  v6?: { address: string; scopeid: number | null };
}

/** Resolves an interface name (or a literal address) to its addresses. */
export function resolveIface(
  iface: string,
  list: Deno.NetworkInterfaceInfo[] = Deno.networkInterfaces(),
): IfaceInfo {
  if (isIPv4(iface)) return { v4: { address: iface, netmask: "255.255.255.255" } };
  if (isIPv6(iface)) return { v6: { address: iface, scopeid: null } };
  const mine = list.filter((i) => i.name === iface);
  if (mine.length === 0) {
    const names = [...new Set(list.map((i) => i.name))].join(", ");
    throw new MediaError(
      `interface ${iface} does not exist or has no address (interfaces here: ${names})`,
    );
  }
  const info: IfaceInfo = {};
  const v4 = mine.find((i) => i.family === "IPv4");
  if (v4) info.v4 = { address: v4.address, netmask: v4.netmask };
  // Prefer a global IPv6 address; fall back to link-local.
  const v6s = mine.filter((i) => i.family === "IPv6");
  const v6 = v6s.find((i) => !i.address.toLowerCase().startsWith("fe80")) ?? v6s[0];
  if (v6) info.v6 = { address: v6.address, scopeid: v6.scopeid };
  return info;
}

/** The directed broadcast address of an IPv4 address/netmask. */
export function broadcastAddress(address: string, netmask: string): string {
  const a = address.split(".").map(Number);
  const m = netmask.split(".").map(Number);
  return a.map((x, i) => (x | (~m[i] & 0xff)) & 0xff).join(".");
}

export function isIPv4(s: string): boolean {
  const p = s.split(".");
  return p.length === 4 && p.every((x) => /^\d{1,3}$/.test(x) && Number(x) <= 255);
}

export function isIPv6(s: string): boolean {
  return s.includes(":") && /^[0-9a-fA-F:.]+(%[\w.-]+)?$/.test(s);
}

interface Endpoint {
  socket: Deno.DatagramConn;
  link: string;
  /** Datagrams waiting for the previous send on this socket to finish (FIFO). */
  queue: { bytes: Uint8Array; route: Route }[];
  sending: boolean;
}

/** Most datagrams waiting on one socket; beyond it the oldest is dropped and reported. */
const MAX_SEND_QUEUE = 4096;

interface Route {
  link: string;
  endpoint: Endpoint;
  to: Deno.NetAddr;
}

/** The open UDP media of a node. */
export class UdpMedia implements MediaGroup {
  readonly #endpoints: Endpoint[] = [];
  readonly #routes: Route[] = [];
  readonly #handlers: MediaHandlers;
  #closed = false;

  private constructor(handlers: MediaHandlers) {
    this.#handlers = handlers;
  }

  /**
   * Opens every medium. Throws MediaError naming the medium when a socket cannot be opened
   * (address in use, no such interface): a node that cannot use a configured medium must
   * not pretend to run.
   */
  static async open(
    specs: readonly UdpMediumSpec[],
    handlers: MediaHandlers,
    ifaces: Deno.NetworkInterfaceInfo[] = Deno.networkInterfaces(),
  ): Promise<UdpMedia> {
    const media = new UdpMedia(handlers);
    try {
      for (const spec of specs) await media.#add(spec, ifaces);
    } catch (e) {
      media.close();
      throw e;
    }
    for (const ep of media.#endpoints) media.#receiveLoop(ep);
    return media;
  }

  /** Link names, in configuration order, without repeats. */
  get links(): string[] {
    return [...new Set(this.#routes.map((r) => r.link))];
  }

  /** Sends one datagram on every medium. Never throws, never blocks the caller. */
  send(bytes: Uint8Array): void {
    for (const r of this.#routes) this.#sendOne(r, bytes);
  }

  /** Sends on one link only. */
  sendOn(link: string, bytes: Uint8Array): void {
    for (const r of this.#routes) if (r.link === link) this.#sendOne(r, bytes);
  }

  /**
   * Stops receiving and sending new datagrams. Datagrams already queued (a shutdown notice)
   * still go out: a socket with a queue is closed when its queue is empty.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const ep of this.#endpoints) if (!ep.sending) closeSocket(ep);
  }

  /**
   * Queues one datagram; a socket sends one datagram at a time, in order. Sends issued
   * together without waiting (a node's first status, status and membership report) left the
   * host in reverse order, and real Heartbeat's sequence tracking cannot take reordering:
   * it dropped the early seqs as duplicates and kept asking for one it never accepted.
   */
  #sendOne(r: Route, bytes: Uint8Array): void {
    if (this.#closed) return;
    const ep = r.endpoint;
    if (ep.queue.length >= MAX_SEND_QUEUE) {
      const old = ep.queue.shift()!;
      this.#handlers.onError(old.route.link, `send queue full: dropped a datagram`);
    }
    ep.queue.push({ bytes, route: r });
    if (!ep.sending) this.#drain(ep);
  }

  async #drain(ep: Endpoint): Promise<void> {
    ep.sending = true;
    while (ep.queue.length > 0) {
      const { bytes, route } = ep.queue.shift()!;
      try {
        await ep.socket.send(bytes, route.to);
      } catch (e) {
        if (!this.#closed) {
          const to = `${route.to.hostname}:${route.to.port}`;
          this.#handlers.onError(route.link, `send to ${to}: ${(e as Error).message}`);
        }
      }
    }
    ep.sending = false;
    if (this.#closed) closeSocket(ep);
  }

  async #receiveLoop(ep: Endpoint): Promise<void> {
    const buf = new Uint8Array(65536);
    while (!this.#closed) {
      let got: [Uint8Array, Deno.Addr];
      try {
        got = await ep.socket.receive(buf);
      } catch (e) {
        if (this.#closed) return;
        this.#handlers.onError(ep.link, `receive: ${(e as Error).message}`);
        // Errors such as ECONNREFUSED from an earlier send are per-datagram; keep going.
        await new Promise((r) => setTimeout(r, 10));
        continue;
      }
      const [data, from] = got;
      const addr = from as Deno.NetAddr;
      this.#handlers.onPacket(ep.link, data.slice(), `${addr.hostname}:${addr.port}`);
    }
  }

  #endpoint(
    hostname: string,
    port: number,
    link: string,
    reuse: boolean,
    loopback = false,
  ): Endpoint {
    const found = this.#endpoints.find((e) => {
      const a = e.socket.addr as Deno.NetAddr;
      return a.hostname === hostname && a.port === port;
    });
    if (found) return found;
    let socket: Deno.DatagramConn;
    try {
      socket = Deno.listenDatagram({
        transport: "udp",
        hostname,
        port,
        reuseAddress: reuse,
        loopback,
      });
    } catch (e) {
      throw new MediaError(
        `cannot open UDP ${hostname}:${port} for link ${link}: ${(e as Error).message}`,
      );
    }
    const ep: Endpoint = { socket, link, queue: [], sending: false };
    this.#endpoints.push(ep);
    return ep;
  }

  async #add(spec: UdpMediumSpec, ifaces: Deno.NetworkInterfaceInfo[]): Promise<void> {
    const where = `${spec.kind} ${spec.iface}`;
    let info: IfaceInfo;
    try {
      info = resolveIface(spec.iface, ifaces);
    } catch (e) {
      throw new MediaError(`${where}: ${(e as Error).message}`);
    }
    const link = spec.iface;
    switch (spec.kind) {
      case "ucast": {
        if (!info.v4) throw new MediaError(`${where}: interface has no IPv4 address`);
        // A ucast line naming one of our own addresses is skipped (shared ha.cf files).
        if (isLocalAddress(spec.peer, ifaces) || spec.peer === info.v4.address) return;
        const ep = this.#endpoint(info.v4.address, spec.port, link, true);
        this.#routes.push({ link, endpoint: ep, to: udp(spec.peer, spec.port) });
        return;
      }
      case "bcast": {
        if (!info.v4) throw new MediaError(`${where}: interface has no IPv4 address`);
        const ep = this.#endpoint("0.0.0.0", spec.port, link, true);
        const to = broadcastAddress(info.v4.address, info.v4.netmask);
        this.#routes.push({ link, endpoint: ep, to: udp(to, spec.port) });
        return;
      }
      case "mcast": {
        if (!info.v4) throw new MediaError(`${where}: interface has no IPv4 address`);
        const ep = this.#endpoint("0.0.0.0", spec.port, link, true, spec.loop);
        try {
          const m = await ep.socket.joinMulticastV4(spec.group, info.v4.address);
          await m.setLoopback(spec.loop);
          await m.setTTL(spec.ttl);
        } catch (e) {
          throw new MediaError(`${where}: cannot join ${spec.group}: ${(e as Error).message}`);
        }
        // Deno has no IP_MULTICAST_IF; Linux picks the outgoing device of a multicast
        // datagram from the socket's bound source address, so send from a socket bound to
        // the interface's address (ephemeral port, as Heartbeat's writer does).
        const out = this.#endpoint(info.v4.address, 0, link, false);
        this.#routes.push({ link, endpoint: out, to: udp(spec.group, spec.port) });
        return;
      }
      case "ucast6": {
        const [peer] = spec.peer.split("%");
        if (isLocalAddress(peer, ifaces)) return;
        const local = info.v6?.address ?? "::";
        const ep = this.#endpoint(local, spec.port, link, true);
        this.#routes.push({ link, endpoint: ep, to: udp(peer, spec.port) });
        return;
      }
      case "mcast6": {
        const ep = this.#endpoint("::", spec.port, link, true, spec.loop);
        const index = ifaceIndex(spec.iface, info);
        try {
          const m = await ep.socket.joinMulticastV6(spec.group, index);
          await m.setLoopback(spec.loop);
        } catch (e) {
          throw new MediaError(`${where}: cannot join ${spec.group}: ${(e as Error).message}`);
        }
        this.#routes.push({ link, endpoint: ep, to: udp(spec.group, spec.port) });
        return;
      }
    }
  }
}

function closeSocket(ep: Endpoint): void {
  try {
    ep.socket.close();
  } catch {
    // already closed
  }
}

function udp(hostname: string, port: number): Deno.NetAddr {
  return { transport: "udp", hostname, port };
}

function isLocalAddress(addr: string, ifaces: Deno.NetworkInterfaceInfo[]): boolean {
  return ifaces.some((i) => i.address === addr);
}

function ifaceIndex(iface: string, info: IfaceInfo): number {
  try {
    return Number(Deno.readTextFileSync(`/sys/class/net/${iface}/ifindex`).trim());
  } catch {
    return info.v6?.scopeid ?? 0;
  }
}
