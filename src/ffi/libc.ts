/**
 * The one libc binding, through Deno FFI (needs `--allow-ffi`; opened on first use, so a
 * process that never calls it needs no permission): the serial medium, ICMP ping, UDP send
 * sockets, peer credentials, sd_notify and the realtime scheduler.
 *
 * Deno has no API for tty devices, so the fd is ours: opened O_NONBLOCK and polled from a
 * timer, never read by a blocking call (which would stall the event loop or pin a worker).
 * Deno's UDP sockets expose no fd and no IP_MULTICAST_IF / SO_BINDTODEVICE, and each send is
 * an awaited op: the UDP media send from sockets of their own (udp_socket.ts).
 * Results are plain numbers; -1 comes with `errno()`.
 */

const SYMBOLS = {
  open: { parameters: ["buffer", "i32"], result: "i32" },
  close: { parameters: ["i32"], result: "i32" },
  read: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  write: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  tcgetattr: { parameters: ["i32", "buffer"], result: "i32" },
  tcsetattr: { parameters: ["i32", "i32", "buffer"], result: "i32" },
  cfmakeraw: { parameters: ["buffer"], result: "void" },
  cfsetspeed: { parameters: ["buffer", "u32"], result: "i32" },
  cfgetospeed: { parameters: ["buffer"], result: "u32" },
  tcflush: { parameters: ["i32", "i32"], result: "i32" },
  isatty: { parameters: ["i32"], result: "i32" },
  posix_openpt: { parameters: ["i32"], result: "i32" },
  grantpt: { parameters: ["i32"], result: "i32" },
  unlockpt: { parameters: ["i32"], result: "i32" },
  ptsname: { parameters: ["i32"], result: "pointer" },
  strerror: { parameters: ["i32"], result: "pointer" },
  __errno_location: { parameters: [], result: "pointer" },
  socket: { parameters: ["i32", "i32", "i32"], result: "i32" },
  bind: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  getsockname: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
  setsockopt: { parameters: ["i32", "i32", "i32", "buffer", "u32"], result: "i32" },
  // ssize_t read as i32 (sendto, recvfrom): a datagram is < 64 KiB, and the low half of the return register
  // holds it (and -1) on every 64-bit ABI; an isize result would be a BigInt per call.
  sendto: { parameters: ["i32", "buffer", "usize", "i32", "buffer", "u32"], result: "i32" },
  recvfrom: {
    parameters: ["i32", "buffer", "usize", "i32", "buffer", "buffer"],
    result: "i32",
  },
  usleep: { parameters: ["u32"], result: "i32" },
  getsockopt: { parameters: ["i32", "i32", "i32", "buffer", "buffer"], result: "i32" },
  sched_setscheduler: { parameters: ["i32", "i32", "buffer"], result: "i32" },
  sched_getscheduler: { parameters: ["i32"], result: "i32" },
  sched_getparam: { parameters: ["i32", "buffer"], result: "i32" },
  getrlimit: { parameters: ["i32", "buffer"], result: "i32" },
} as const;

/** open(2) flags (Linux, all architectures Deno ships for). */
export const O_RDWR = 0o2;
export const O_NOCTTY = 0o400;
export const O_NONBLOCK = 0o4000;
export const O_CLOEXEC = 0o2000000;

/** socket(2) types and flags (Linux, all architectures Deno ships for). */
export const SOCK_DGRAM = 2;
export const SOCK_RAW = 3;
export const SOCK_NONBLOCK = 0o4000;
export const SOCK_CLOEXEC = 0o2000000;

/** errno values we act on. */
export const EINTR = 4;
export const EIO = 5;
export const EAGAIN = 11;
export const ENXIO = 6;
export const ENOBUFS = 105;

export type Libc = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];

let lib: Deno.DynamicLibrary<typeof SYMBOLS> | undefined;

/** libc's symbols, opened once per process. Throws when FFI is not permitted. */
export function libc(): Libc {
  lib ??= Deno.dlopen("libc.so.6", SYMBOLS);
  return lib.symbols;
}

/** libc's symbols, or a sentence saying why they cannot be had (no FFI permission, no libc). */
export function tryLibc(): { ok: true; value: Libc } | { ok: false; error: string } {
  try {
    return { ok: true, value: libc() };
  } catch (e) {
    return {
      ok: false,
      error: `cannot load libc.so.6 through FFI (${
        e instanceof Error ? e.message : e
      }); run with --allow-ffi (or -A)`,
    };
  }
}

/**
 * Sleeps the calling thread for `ms` (at most 1000), the event loop included: nothing else
 * runs meanwhile, and no socket wakes it. False (and no sleep) when FFI is not permitted.
 */
export function sleepSync(ms: number): boolean {
  let c: Libc;
  try {
    c = libc();
  } catch {
    return false;
  }
  c.usleep(Math.round(Math.min(Math.max(ms, 0), 1000) * 1000));
  return true;
}

/** The calling thread's errno, right after a failed call. */
export function errno(): number {
  const p = libc().__errno_location();
  return p === null ? 0 : new Deno.UnsafePointerView(p).getInt32();
}

/** strerror(code), e.g. "Input/output error". */
export function errorText(code: number): string {
  const p = libc().strerror(code);
  return p === null ? `errno ${code}` : Deno.UnsafePointerView.getCString(p);
}

/** A C string for a path argument. */
export function cString(s: string): Uint8Array<ArrayBuffer> {
  const b = new TextEncoder().encode(s);
  const out = new Uint8Array(b.length + 1);
  out.set(b);
  return out;
}

/** Outcome of a non-blocking read or write: bytes moved, "again" (EAGAIN), or an error. */
export type IoResult = { ok: true; n: number } | { ok: false; again: true } | {
  ok: false;
  again: false;
  errno: number;
  /** read(2) returned 0: the other end is gone for good. */
  eof: boolean;
};

/** read(2) into `buf`, never blocking when `fd` is O_NONBLOCK. */
export function readNonBlocking(fd: number, buf: Uint8Array<ArrayBuffer>): IoResult {
  const n = Number(libc().read(fd, buf, BigInt(buf.length)));
  if (n > 0) return { ok: true, n };
  if (n === 0) return { ok: false, again: false, errno: 0, eof: true };
  const e = errno();
  if (e === EAGAIN || e === EINTR) return { ok: false, again: true };
  return { ok: false, again: false, errno: e, eof: false };
}

/** write(2) of `buf`, never blocking when `fd` is O_NONBLOCK. */
export function writeNonBlocking(fd: number, buf: Uint8Array<ArrayBuffer>): IoResult {
  if (buf.length === 0) return { ok: true, n: 0 };
  const n = Number(libc().write(fd, buf, BigInt(buf.length)));
  if (n >= 0) return { ok: true, n };
  const e = errno();
  if (e === EAGAIN || e === EINTR) return { ok: false, again: true };
  return { ok: false, again: false, errno: e, eof: false };
}

/** A pseudo-terminal: our master fd and the slave's device path (/dev/pts/N). */
export interface Pty {
  master: number;
  slave: string;
}

/**
 * Opens a new pty master (O_NONBLOCK) and returns it with its slave path; an error sentence
 * when the system has no ptys left or FFI fails.
 */
export function openPty(): Pty | string {
  const c = libc();
  const m = c.posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (m < 0) return `posix_openpt: ${errorText(errno())}`;
  if (c.grantpt(m) !== 0 || c.unlockpt(m) !== 0) {
    const e = errorText(errno());
    c.close(m);
    return `grantpt/unlockpt: ${e}`;
  }
  const p = c.ptsname(m);
  if (p === null) {
    c.close(m);
    return "ptsname failed";
  }
  return { master: m, slave: Deno.UnsafePointerView.getCString(p) };
}

/** Names of the errno values we explain to users. */
const ERRNO_NAMES: Record<number, string> = {
  1: "EPERM",
  2: "ENOENT",
  3: "ESRCH",
  11: "EAGAIN",
  13: "EACCES",
  22: "EINVAL",
  91: "EPROTOTYPE",
  111: "ECONNREFUSED",
};

/** `EPERM (1)` style name of an errno value. */
export function errnoName(n: number): string {
  return `${ERRNO_NAMES[n] ?? "errno"} (${n})`;
}
