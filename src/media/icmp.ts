/**
 * ICMP echo through libc FFI (needs `--allow-ffi`): Deno has no raw or ping sockets.
 *
 * Opens an unprivileged ping socket (`socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP)`) when
 * net.ipv4.ping_group_range admits our group, else a raw ICMP socket (root / CAP_NET_RAW).
 * The fd is non-blocking and drained from one short timer, like the serial medium: nothing
 * ever waits on it. Echo requests carry a caller-chosen payload (Heartbeat puts its status
 * message there); replies come back with their payload, source address and sequence number.
 */

import {
  EAGAIN,
  EINTR,
  errno,
  errorText,
  libc as loadLibc,
  SOCK_CLOEXEC,
  SOCK_DGRAM,
  SOCK_NONBLOCK,
  SOCK_RAW,
} from "../ffi/libc.ts";
import { AF_INET, sockaddrIn } from "./sockaddr.ts";

const IPPROTO_ICMP = 1;
const ICMP_ECHO = 8;
const ICMP_ECHOREPLY = 0;

/** Why an ICMP socket could not be opened or used; `detail` is a sentence for the user. */
export interface IcmpError {
  readonly kind: "icmp";
  readonly detail: string;
}

/** One echo reply. */
export interface EchoReply {
  /** Source address, dotted quad. */
  readonly from: string;
  readonly seq: number;
  readonly payload: Uint8Array;
}

export interface IcmpOptions {
  readonly onReply: (r: EchoReply) => void;
  /** Drain interval (default 10 ms). */
  readonly pollMs?: number;
  /** Force the socket kind (tests); default: ping socket, else raw. */
  readonly kind?: "dgram" | "raw";
}

/** The Internet checksum (RFC 1071) of `b`. */
export function inetChecksum(b: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i + 1 < b.length; i += 2) sum += (b[i] << 8) | b[i + 1];
  if (b.length % 2 === 1) sum += b[b.length - 1] << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** An ICMP echo request (type 8) with identifier, sequence number and payload. */
export function echoRequest(id: number, seq: number, payload: Uint8Array): Uint8Array {
  const p = new Uint8Array(8 + payload.length);
  p[0] = ICMP_ECHO;
  p[4] = (id >> 8) & 0xff;
  p[5] = id & 0xff;
  p[6] = (seq >> 8) & 0xff;
  p[7] = seq & 0xff;
  p.set(payload, 8);
  const sum = inetChecksum(p);
  p[2] = sum >> 8;
  p[3] = sum & 0xff;
  return p;
}

/**
 * Parses a received packet as an echo reply: `ipHeader` when it starts with the IPv4 header
 * (raw sockets). Returns undefined for anything else (other ICMP types, other identifiers).
 */
export function parseEchoReply(
  pkt: Uint8Array,
  ipHeader: boolean,
  id: number | undefined,
): { seq: number; payload: Uint8Array } | undefined {
  let off = 0;
  if (ipHeader) {
    if (pkt.length < 20 || pkt[0] >> 4 !== 4 || pkt[9] !== IPPROTO_ICMP) return undefined;
    off = (pkt[0] & 0x0f) * 4;
  }
  if (pkt.length < off + 8 || pkt[off] !== ICMP_ECHOREPLY) return undefined;
  if (id !== undefined && ((pkt[off + 4] << 8) | pkt[off + 5]) !== id) return undefined;
  return { seq: (pkt[off + 6] << 8) | pkt[off + 7], payload: pkt.slice(off + 8) };
}

let idCounter = 0;

/** A non-blocking ICMP echo socket. */
export class IcmpSocket {
  /** `dgram`: unprivileged ping socket (the kernel picks the identifier); `raw`: raw ICMP. */
  readonly kind: "dgram" | "raw";
  readonly #fd: number;
  readonly #id: number;
  readonly #onReply: (r: EchoReply) => void;
  readonly #timer: ReturnType<typeof setInterval>;
  readonly #buf = new Uint8Array(65536);
  readonly #addr = new Uint8Array(16);
  readonly #addrLen = new Uint32Array(1);
  #closed = false;

  private constructor(fd: number, kind: "dgram" | "raw", opts: IcmpOptions) {
    this.#fd = fd;
    this.kind = kind;
    this.#id = (Deno.pid * 31 + idCounter++) & 0xffff;
    this.#onReply = opts.onReply;
    this.#timer = setInterval(() => this.#drain(), opts.pollMs ?? 10);
  }

  /** Opens the socket, or says why not (no FFI permission, no privilege for either kind). */
  static open(opts: IcmpOptions): IcmpSocket | IcmpError {
    let libc;
    try {
      libc = loadLibc();
    } catch (e) {
      return { kind: "icmp", detail: `cannot load libc for ICMP: ${(e as Error).message}` };
    }
    const flags = SOCK_NONBLOCK | SOCK_CLOEXEC;
    const tries: ("dgram" | "raw")[] = opts.kind ? [opts.kind] : ["dgram", "raw"];
    const why: string[] = [];
    for (const kind of tries) {
      const type = (kind === "dgram" ? SOCK_DGRAM : SOCK_RAW) | flags;
      const fd = libc.socket(AF_INET, type, IPPROTO_ICMP);
      if (fd >= 0) return new IcmpSocket(fd, kind, opts);
      why.push(`${kind === "dgram" ? "ping socket" : "raw socket"}: ${errorText(errno())}`);
    }
    return {
      kind: "icmp",
      detail: `cannot open an ICMP socket (${why.join("; ")}): run as root, or allow ` +
        `unprivileged ping sockets with sysctl net.ipv4.ping_group_range="0 2147483647"`,
    };
  }

  /** Sends one echo request to `address`; an error sentence when the kernel refuses it. */
  send(address: string, seq: number, payload: Uint8Array): true | string {
    if (this.#closed) return "ICMP socket is closed";
    const sa = sockaddrIn(address, 0);
    if (sa === null) return `${address} is not an IPv4 address`;
    const pkt = echoRequest(this.#id, seq & 0xffff, payload);
    const n = loadLibc().sendto(this.#fd, pkt, BigInt(pkt.length), 0, sa, sa.length);
    if (n < 0) return `ICMP echo to ${address}: ${errorText(errno())}`;
    return true;
  }

  /** Reads every packet waiting (never blocks). Called by the timer; public for tests. */
  drain(): void {
    this.#drain();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    loadLibc().close(this.#fd);
  }

  #drain(): void {
    // Bounded per pass so a flood of ICMP cannot starve the event loop.
    for (let i = 0; i < 256 && !this.#closed; i++) {
      this.#addrLen[0] = 16;
      const n = loadLibc().recvfrom(
        this.#fd,
        this.#buf,
        BigInt(this.#buf.length),
        0,
        this.#addr,
        this.#addrLen,
      );
      if (n < 0) {
        const e = errno();
        if (e === EAGAIN || e === EINTR) return;
        return; // ICMP errors queued on the socket are per packet; the next pass goes on.
      }
      const raw = this.kind === "raw";
      const r = parseEchoReply(this.#buf.subarray(0, n), raw, raw ? this.#id : undefined);
      if (r === undefined) continue;
      const from = [...this.#addr.subarray(4, 8)].join(".");
      this.#onReply({ from, seq: r.seq, payload: r.payload });
    }
  }
}
