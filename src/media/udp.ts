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
 *
 * Receiving uses Deno sockets bound to the medium's port. Sending uses sockets of our own
 * (udp_socket.ts, FFI): one synchronous sendto(2) per datagram instead of an awaited Deno
 * op, an ephemeral source port as Heartbeat's write sockets have, and the multicast options
 * Deno cannot set. Without --allow-ffi the receive sockets send, as before, one at a time.
 */

import type { MediaGroup, MediaHandlers } from "./types.ts";
import { ffiSendAvailable, type SendSocketOptions, UdpSendSocket } from "./udp_socket.ts";
import { type Destination, SendQueue } from "./udp_send_queue.ts";
import { isLinkScopeIPv6, parseIPv6, sockaddrIn, sockaddrIn6 } from "./sockaddr.ts";
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

/** A bound receive socket (one per local address and port). */
interface Endpoint {
  socket: Deno.DatagramConn;
  link: string;
  /** Deno-socket sending only (no FFI): datagrams waiting for the previous send (FIFO). */
  queue: { bytes: Uint8Array; route: Route }[];
  sending: boolean;
}

/** Most datagrams waiting on one Deno socket; beyond it the oldest is dropped and reported. */
const MAX_SEND_QUEUE = 4096;

/** A send socket of our own (FFI) with its in-order queue; shared by routes with equal options. */
interface Outlet {
  key: string;
  socket: UdpSendSocket;
  queue: SendQueue;
}

interface Route {
  link: string;
  /** Where `bytes` leave: our own send socket, or (no FFI) the receive endpoint's socket. */
  outlet: Outlet | undefined;
  endpoint: Endpoint;
  to: Deno.NetAddr;
  dest: Destination;
}

/** The open UDP media of a node. */
export class UdpMedia implements MediaGroup {
  readonly #endpoints: Endpoint[] = [];
  readonly #outlets: Outlet[] = [];
  readonly #routes: Route[] = [];
  /**
   * "address:port" of our own IPv4 send sockets. Broadcast and looped multicast come back to
   * this host's receive socket; such a copy is ours (the core would drop it as `own` after
   * decoding and checking two digests), so it is dropped unread.
   */
  readonly #ownSources = new Set<string>();
  readonly #handlers: MediaHandlers;
  /** Copies of our own datagrams dropped on receipt (see #ownSources). */
  echoesDropped = 0;
  /** Send through FFI sockets; false when FFI is not permitted (Deno sockets, slower). */
  readonly #ffi: boolean;
  #closed = false;

  private constructor(handlers: MediaHandlers, ffi: boolean) {
    this.#handlers = handlers;
    this.#ffi = ffi;
  }

  /**
   * Opens every medium. Throws MediaError naming the medium when a socket cannot be opened
   * (address in use, no such interface): a node that cannot use a configured medium must
   * not pretend to run. `opts.ffi: false` sends through Deno's sockets (as without
   * --allow-ffi, where that is the fallback).
   */
  static async open(
    specs: readonly UdpMediumSpec[],
    handlers: MediaHandlers,
    ifaces: Deno.NetworkInterfaceInfo[] = Deno.networkInterfaces(),
    opts: { ffi?: boolean } = {},
  ): Promise<UdpMedia> {
    const media = new UdpMedia(handlers, opts.ffi ?? ffiSendAvailable());
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

  /** True when datagrams leave through our own FFI send sockets (not Deno's). */
  get sendsThroughFfi(): boolean {
    return this.#ffi;
  }

  /** Own datagrams dropped on receipt, and datagrams waiting for send-buffer space (FFI path). */
  counters(): Record<string, number> {
    return {
      echoes_dropped: this.echoesDropped,
      send_waiting: this.#outlets.reduce((n, o) => n + o.queue.waiting, 0),
    };
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
    for (const o of this.#outlets) o.queue.close();
  }

  /**
   * Sends in order: a datagram leaves after every datagram given before it on the same
   * socket. Sends issued together without waiting (a node's first status, status and
   * membership report) once left the host in reverse order, and real Heartbeat's sequence
   * tracking cannot take reordering: it dropped the early seqs as duplicates and kept
   * asking for one it never accepted.
   */
  #sendOne(r: Route, bytes: Uint8Array): void {
    if (this.#closed) return;
    if (r.outlet !== undefined) {
      r.outlet.queue.send(bytes as Uint8Array<ArrayBuffer>, r.dest);
      return;
    }
    const ep = r.endpoint;
    if (ep.queue.length >= MAX_SEND_QUEUE) {
      const old = ep.queue.shift()!;
      this.#handlers.onError(old.route.link, `send queue full: dropped a datagram`);
    }
    ep.queue.push({ bytes, route: r });
    if (!ep.sending) this.#drain(ep);
  }

  /** Deno-socket path: one awaited send at a time. */
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

  /**
   * Receives until closed. A receive that is already complete when asked (Deno resolves it at
   * once when a datagram is waiting) continues a burst; one that has to wait ends it: the
   * handlers hear onBurst(true) before a burst's first packet and onBurst(false) after its last.
   */
  async #receiveLoop(ep: Endpoint): Promise<void> {
    let burst = false;
    try {
      await this.#receiveAll(ep, (active) => {
        if (active === burst) return;
        burst = active;
        this.#handlers.onBurst?.(active);
      });
    } finally {
      if (burst) this.#handlers.onBurst?.(false);
    }
  }

  async #receiveAll(ep: Endpoint, burst: (active: boolean) => void): Promise<void> {
    const buf = new Uint8Array(65536);
    while (!this.#closed) {
      let got: [Uint8Array, Deno.Addr];
      try {
        const next = ep.socket.receive(buf);
        const now = await Promise.race([next, notYet()]);
        if (now === "not yet") {
          burst(false);
          got = await next;
        } else {
          got = now;
        }
      } catch (e) {
        burst(false);
        if (this.#closed) return;
        this.#handlers.onError(ep.link, `receive: ${(e as Error).message}`);
        // Errors such as ECONNREFUSED from an earlier send are per-datagram; keep going.
        await new Promise((r) => setTimeout(r, 10));
        continue;
      }
      const [data, from] = got;
      const addr = from as Deno.NetAddr;
      const source = `${addr.hostname}:${addr.port}`;
      if (this.#ownSources.has(source)) {
        this.echoesDropped++;
        continue;
      }
      burst(true);
      // A view into `buf`, valid until the next receive: handlers copy what they keep.
      this.#handlers.onPacket(ep.link, data, source);
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

  /** The FFI send socket with these options (opened once), or undefined without FFI. */
  #outlet(where: string, link: string, opts: SendSocketOptions): Outlet | undefined {
    if (!this.#ffi) return undefined;
    const key = JSON.stringify(opts);
    const found = this.#outlets.find((o) => o.key === key);
    if (found) return found;
    const socket = UdpSendSocket.open(opts);
    if (typeof socket === "string") {
      throw new MediaError(`${where}: cannot open a UDP send socket: ${socket}`);
    }
    const queue = new SendQueue(
      (bytes, to) => socket.sendTo(bytes, to.addr),
      (_to, text) => {
        if (!this.#closed) this.#handlers.onError(link, text);
      },
      () => socket.close(),
    );
    const o: Outlet = { key, socket, queue };
    this.#outlets.push(o);
    const port = socket.localPort();
    if (opts.family === 4 && opts.bindAddress !== undefined && port !== 0) {
      this.#ownSources.add(`${opts.bindAddress}:${port}`);
    }
    return o;
  }

  #route(
    link: string,
    endpoint: Endpoint,
    outlet: Outlet | undefined,
    to: Deno.NetAddr,
    scope = 0,
  ) {
    const addr = to.hostname.includes(":")
      ? sockaddrIn6(to.hostname, to.port, scope)
      : sockaddrIn(to.hostname, to.port);
    if (addr === null) {
      throw new MediaError(`link ${link}: ${to.hostname} is not an IP address`);
    }
    const dest: Destination = { addr, text: `${to.hostname}:${to.port}` };
    this.#routes.push({ link, outlet, endpoint, to, dest });
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
    // Heartbeat binds its write sockets to the medium's device; a literal address has none.
    const device = isIPv4(spec.iface) || isIPv6(spec.iface) ? undefined : spec.iface;
    switch (spec.kind) {
      case "ucast": {
        if (!info.v4) throw new MediaError(`${where}: interface has no IPv4 address`);
        // A ucast line naming one of our own addresses is skipped (shared ha.cf files).
        if (isLocalAddress(spec.peer, ifaces) || spec.peer === info.v4.address) return;
        const ep = this.#endpoint(info.v4.address, spec.port, link, true);
        const out = this.#outlet(where, link, { family: 4, bindAddress: info.v4.address, device });
        this.#route(link, ep, out, udp(spec.peer, spec.port));
        return;
      }
      case "bcast": {
        if (!info.v4) throw new MediaError(`${where}: interface has no IPv4 address`);
        const ep = this.#endpoint("0.0.0.0", spec.port, link, true);
        const to = broadcastAddress(info.v4.address, info.v4.netmask);
        const out = this.#outlet(where, link, {
          family: 4,
          bindAddress: info.v4.address,
          device,
          broadcast: true,
        });
        this.#route(link, ep, out, udp(to, spec.port));
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
        const out = this.#outlet(where, link, {
          family: 4,
          bindAddress: info.v4.address,
          device,
          multicastV4: { ifaceAddress: info.v4.address, ttl: spec.ttl, loop: spec.loop },
        });
        // Without FFI there is no IP_MULTICAST_IF: Linux picks the outgoing device of a
        // multicast datagram from the socket's bound source address, so send from a Deno
        // socket bound to the interface's address (ephemeral port, as Heartbeat's writer).
        const sender = out ? ep : this.#endpoint(info.v4.address, 0, link, false);
        this.#route(link, sender, out, udp(spec.group, spec.port));
        return;
      }
      case "ucast6": {
        const [peer] = spec.peer.split("%");
        if (isLocalAddress(peer, ifaces)) return;
        const local = info.v6?.address ?? "::";
        const ep = this.#endpoint(local, spec.port, link, true);
        const index = ifaceIndex(spec.iface, info);
        const linkLocal = (a: string) => isLinkScopeIPv6(parseIPv6(a) ?? new Uint8Array(16));
        const out = this.#outlet(where, link, {
          family: 6,
          bindAddress: info.v6?.address,
          bindScopeId: info.v6 && linkLocal(info.v6.address) ? index : undefined,
          device,
        });
        this.#route(link, ep, out, udp(peer, spec.port), linkLocal(peer) ? index : 0);
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
        const out = this.#outlet(where, link, {
          family: 6,
          device,
          multicastV6: { ifindex: index, hops: spec.hops, loop: spec.loop },
        });
        const scope = isLinkScopeIPv6(parseIPv6(spec.group) ?? new Uint8Array(16)) ? index : 0;
        this.#route(link, ep, out, udp(spec.group, spec.port), scope);
        return;
      }
    }
  }
}

/**
 * Resolves a few microtasks from now. Deno completes a receive at once when a datagram is
 * waiting, but its promise settles two microtasks later (receive() awaits the op): raced
 * against this, such a receive wins and one that has to wait for the socket loses.
 */
function notYet(): Promise<"not yet"> {
  return Promise.resolve().then(hop).then(hop).then(hop).then(() => "not yet" as const);
}
function hop(): void {}

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
