/**
 * A send-only UDP socket of our own, through libc FFI (needs `--allow-ffi`).
 *
 * Deno's datagram sockets make every send an awaited op, one datagram per event-loop turn,
 * and expose neither their fd nor IP_MULTICAST_IF / IPV6_MULTICAST_HOPS / SO_BINDTODEVICE.
 * A plain non-blocking socket sends synchronously (one sendto(2), ~5 µs on loopback against
 * ~17 µs awaited through Deno) and takes the options Heartbeat sets on its write sockets.
 * Heartbeat too sends from a write socket of its own with an ephemeral source port
 * (bcast.c/mcast.c/ucast.c: `wsocket`), receiving on another bound to udpport.
 *
 * Option numbers are Linux's for x86_64 and aarch64 (the platforms Deno ships for).
 */

import {
  EINTR,
  errno,
  errorText,
  libc,
  SOCK_CLOEXEC,
  SOCK_DGRAM,
  SOCK_NONBLOCK,
} from "../ffi/libc.ts";
import { AF_INET, AF_INET6, sockaddrIn, sockaddrIn6 } from "./sockaddr.ts";

const SOL_SOCKET = 1;
const SO_BROADCAST = 6;
const SO_SNDBUF = 7;
const SO_BINDTODEVICE = 25;
const IPPROTO_IP = 0;
const IP_MULTICAST_IF = 32;
const IP_MULTICAST_TTL = 33;
const IP_MULTICAST_LOOP = 34;
const IPPROTO_IPV6 = 41;
const IPV6_MULTICAST_IF = 17;
const IPV6_MULTICAST_HOPS = 18;
const IPV6_MULTICAST_LOOP = 19;
const MSG_DONTWAIT = 0x40;
const EPERM = 1;

/** How a send socket is set up; everything but `family` is optional. */
export interface SendSocketOptions {
  family: 4 | 6;
  /** Source address (the port is ephemeral): keeps the address peers see us send from. */
  bindAddress?: string;
  /** IPv6: interface index of `bindAddress` (needed when it is link-local). */
  bindScopeId?: number;
  /** SO_BINDTODEVICE: datagrams leave through this interface whatever the routes say. */
  device?: string;
  /** SO_BROADCAST, needed to send to a broadcast address. */
  broadcast?: boolean;
  /** IPv4 multicast: outgoing interface (by its address), TTL and loopback to this host. */
  multicastV4?: { ifaceAddress: string; ttl: number; loop: boolean };
  /** IPv6 multicast: outgoing interface (by index), hop limit and loopback to this host. */
  multicastV6?: { ifindex: number; hops: number; loop: boolean };
  /** SO_SNDBUF in bytes (the kernel doubles it and enforces a minimum); default: the system's. */
  sendBufferBytes?: number;
}

/** True when libc can be called (FFI permitted): UDP media then send through it. */
export function ffiSendAvailable(): boolean {
  try {
    libc();
    return true;
  } catch {
    return false;
  }
}

/** Result of one send: 0 when the datagram left, else the errno (EAGAIN: try again later). */
export type SendErrno = number;

/** An open send socket. Never blocks; never throws once open. */
export class UdpSendSocket {
  readonly #fd: number;
  readonly family: 4 | 6;
  #closed = false;

  private constructor(fd: number, family: 4 | 6) {
    this.#fd = fd;
    this.family = family;
  }

  /**
   * Opens and sets up a socket; a sentence naming the failing step when it cannot (no FFI
   * permission, bad address, no such device without the right to bind to it).
   */
  static open(opts: SendSocketOptions): UdpSendSocket | string {
    let c;
    try {
      c = libc();
    } catch (e) {
      return `cannot load libc through FFI (${(e as Error).message}); run with --allow-ffi`;
    }
    const domain = opts.family === 4 ? AF_INET : AF_INET6;
    const fd = c.socket(domain, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return `socket(): ${errorText(errno())}`;
    const fail = (what: string): string => {
      const e = errorText(errno());
      c.close(fd);
      return `${what}: ${e}`;
    };
    const int = (v: number) => new Uint8Array(new Int32Array([v]).buffer);
    const set = (level: number, name: number, value: Uint8Array<ArrayBuffer>) =>
      c.setsockopt(fd, level, name, value, value.length) === 0;
    if (opts.broadcast && !set(SOL_SOCKET, SO_BROADCAST, int(1))) return fail("SO_BROADCAST");
    if (
      opts.sendBufferBytes !== undefined && !set(SOL_SOCKET, SO_SNDBUF, int(opts.sendBufferBytes))
    ) {
      return fail("SO_SNDBUF");
    }
    if (opts.device !== undefined) {
      const name = new TextEncoder().encode(opts.device + "\0");
      // Without CAP_NET_RAW the kernel refuses; the bound source address still picks the
      // interface for our media (directly attached peers), so go on without it.
      if (!set(SOL_SOCKET, SO_BINDTODEVICE, name) && errno() !== EPERM) {
        return fail(`SO_BINDTODEVICE ${opts.device}`);
      }
    }
    const m4 = opts.multicastV4;
    if (m4 !== undefined) {
      const a = sockaddrIn(m4.ifaceAddress, 0);
      if (a === null) return fail(`IP_MULTICAST_IF: ${m4.ifaceAddress} is not an IPv4 address`);
      if (!set(IPPROTO_IP, IP_MULTICAST_IF, a.slice(4, 8))) return fail("IP_MULTICAST_IF");
      if (!set(IPPROTO_IP, IP_MULTICAST_TTL, int(m4.ttl))) return fail("IP_MULTICAST_TTL");
      if (!set(IPPROTO_IP, IP_MULTICAST_LOOP, int(m4.loop ? 1 : 0))) {
        return fail("IP_MULTICAST_LOOP");
      }
    }
    const m6 = opts.multicastV6;
    if (m6 !== undefined) {
      if (!set(IPPROTO_IPV6, IPV6_MULTICAST_IF, int(m6.ifindex))) return fail("IPV6_MULTICAST_IF");
      if (!set(IPPROTO_IPV6, IPV6_MULTICAST_HOPS, int(m6.hops))) {
        return fail("IPV6_MULTICAST_HOPS");
      }
      if (!set(IPPROTO_IPV6, IPV6_MULTICAST_LOOP, int(m6.loop ? 1 : 0))) {
        return fail("IPV6_MULTICAST_LOOP");
      }
    }
    if (opts.bindAddress !== undefined) {
      const sa = opts.family === 4
        ? sockaddrIn(opts.bindAddress, 0)
        : sockaddrIn6(opts.bindAddress, 0, opts.bindScopeId ?? 0);
      if (sa === null) {
        c.close(fd);
        return `bind: ${opts.bindAddress} is not an IPv${opts.family} address`;
      }
      if (c.bind(fd, sa, sa.length) !== 0) return fail(`bind ${opts.bindAddress}`);
    }
    return new UdpSendSocket(fd, opts.family);
  }

  /**
   * Sends one datagram to `to` (a sockaddr from sockaddr.ts) without blocking: 0 when it
   * left, else the errno (EAGAIN or ENOBUFS when the socket's buffer is full).
   */
  sendTo(bytes: Uint8Array<ArrayBuffer>, to: Uint8Array<ArrayBuffer>): SendErrno {
    if (this.#closed) return 9; // EBADF
    const c = libc();
    for (;;) {
      const n = c.sendto(this.#fd, bytes, BigInt(bytes.length), MSG_DONTWAIT, to, to.length);
      if (n >= 0) return 0;
      const e = errno();
      if (e !== EINTR) return e;
    }
  }

  /**
   * The local port the kernel gave the socket (bound sockets: at open), or 0 when it has
   * none yet or cannot say.
   */
  localPort(): number {
    if (this.#closed) return 0;
    const sa = new Uint8Array(128);
    const len = new Uint8Array(new Uint32Array([sa.length]).buffer);
    if (libc().getsockname(this.#fd, sa, len) !== 0) return 0;
    // sin_port and sin6_port both sit at offset 2, in network byte order.
    return (sa[2] << 8) | sa[3];
  }

  /** Closes the fd (idempotent). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    libc().close(this.#fd);
  }
}
