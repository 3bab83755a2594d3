/**
 * Peer credentials (SO_PEERCRED) of accepted API connections.
 *
 * Deno exposes neither the fd of a `Deno.Conn` nor SO_PEERCRED (Deno 2: no `rid`, no
 * `getsockopt`). We recover them through FFI on libc: after each accept we list
 * /proc/self/fd, keep the socket fds whose local name is our socket path and that are not the
 * listener (SO_ACCEPTCONN = 0), drop those already claimed by earlier connections (by socket
 * inode), and read SO_PEERCRED of the one that is left. Our accept loop accepts one
 * connection at a time, so exactly one unclaimed fd exists right after `accept()` returns;
 * when that is not so (another part of the process listens on the same path, or the fd
 * vanished), the probe answers `undefined` and the caller falls back to the identity the
 * client declares — never to a guess. Needs `--allow-ffi` and read access to /proc; without
 * them `PeerCredProbe.open()` returns undefined.
 */

import { type Libc, libc } from "../ffi/libc.ts";

/** What the kernel says about the process at the other end (at connect time). */
export interface PeerCred {
  readonly pid: number;
  readonly uid: number;
  readonly gid: number;
  /** Socket inode: the claim key, released when the connection closes. */
  readonly inode: string;
}

const SOL_SOCKET = 1;
const SO_PEERCRED = 17;
const SO_ACCEPTCONN = 30;

/** Reads peer credentials of freshly accepted unix stream connections. */
export class PeerCredProbe {
  readonly #libc: Libc;
  readonly #claimed = new Set<string>();

  private constructor(c: Libc) {
    this.#libc = c;
  }

  /** Opens libc; undefined when FFI or /proc is not available to us. */
  static open(): PeerCredProbe | undefined {
    try {
      if (Deno.build.os !== "linux") return undefined;
      Deno.readDirSync("/proc/self/fd");
      return new PeerCredProbe(libc());
    } catch {
      return undefined;
    }
  }

  /**
   * Credentials of the one accepted, not yet claimed connection on `path`; it is then claimed
   * until `release()`. Undefined when zero or several candidates exist.
   */
  claim(path: string): PeerCred | undefined {
    const found: PeerCred[] = [];
    let entries: Deno.DirEntry[];
    try {
      entries = [...Deno.readDirSync("/proc/self/fd")];
    } catch {
      return undefined;
    }
    for (const e of entries) {
      const fd = Number(e.name);
      if (!Number.isInteger(fd)) continue;
      let link: string;
      try {
        link = Deno.readLinkSync(`/proc/self/fd/${fd}`);
      } catch {
        continue;
      }
      if (!link.startsWith("socket:[") || this.#claimed.has(link)) continue;
      if (this.#localName(fd) !== path || this.#intOpt(fd, SO_ACCEPTCONN) !== 0) continue;
      const cred = this.#peerCred(fd);
      if (cred !== undefined) found.push({ ...cred, inode: link });
    }
    if (found.length !== 1) return undefined;
    this.#claimed.add(found[0].inode);
    return found[0];
  }

  /** Forgets a claim (call when the connection closes, before its fd number can be reused). */
  release(inode: string): void {
    this.#claimed.delete(inode);
  }

  /** Nothing to release: libc stays open for the process (src/ffi/libc.ts). */
  close(): void {}

  #localName(fd: number): string | undefined {
    const sa = new Uint8Array(110);
    const len = new Uint32Array([sa.length]);
    if (this.#libc.getsockname(fd, sa, new Uint8Array(len.buffer)) !== 0) return undefined;
    const family = sa[0] | (sa[1] << 8);
    if (family !== 1 /* AF_UNIX */) return undefined;
    const n = Math.min(len[0], sa.length);
    const raw = sa.subarray(2, n);
    const nul = raw.indexOf(0);
    return new TextDecoder().decode(nul >= 0 ? raw.subarray(0, nul) : raw);
  }

  #intOpt(fd: number, opt: number): number | undefined {
    const v = new Int32Array(1);
    const len = new Uint32Array([4]);
    const r = this.#libc.getsockopt(
      fd,
      SOL_SOCKET,
      opt,
      new Uint8Array(v.buffer),
      new Uint8Array(len.buffer),
    );
    return r === 0 ? v[0] : undefined;
  }

  #peerCred(fd: number): { pid: number; uid: number; gid: number } | undefined {
    const buf = new Uint8Array(12);
    const len = new Uint32Array([12]);
    const r = this.#libc.getsockopt(
      fd,
      SOL_SOCKET,
      SO_PEERCRED,
      buf,
      new Uint8Array(len.buffer),
    );
    if (r !== 0 || len[0] < 12) return undefined;
    const dv = new DataView(buf.buffer);
    return { pid: dv.getInt32(0, true), uid: dv.getUint32(4, true), gid: dv.getUint32(8, true) };
  }
}
