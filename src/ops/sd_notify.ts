/**
 * systemd's readiness protocol (sd_notify(3)): `READY=1`, `STATUS=...`, `WATCHDOG=1`,
 * `STOPPING=1` sent as datagrams to the AF_UNIX socket named by $NOTIFY_SOCKET. When the
 * variable is unset (not started by systemd with Type=notify) every call is a no-op.
 *
 * Why FFI: Deno's own datagram sockets (`Deno.listenDatagram({transport:"unixpacket"})`) can
 * send to an abstract address (written `\0name`), but only from a socket bound to a path of
 * its own, which would leave a file behind after SIGKILL. systemd normally gives an abstract
 * `@/org/freedesktop/systemd1/notify/...` name; an unbound libc socket + sendto() reaches
 * both kinds with nothing on disk. The socket is non-blocking: a full queue drops the
 * message (reported) rather than stall the heartbeat loop.
 */
import {
  errno,
  errnoName,
  type Libc,
  SOCK_CLOEXEC,
  SOCK_DGRAM,
  SOCK_NONBLOCK,
  tryLibc,
} from "../ffi/libc.ts";

const AF_UNIX = 1;
const MSG_NOSIGNAL = 0x4000;
const SUN_PATH_MAX = 108;

/** Where notifications go: a filesystem path, or an abstract name (`@name` in the env). */
export interface NotifyAddress {
  /** The name without the leading `@` for abstract sockets. */
  name: string;
  abstract: boolean;
}

/** The outcome of one notification: sent, skipped (no $NOTIFY_SOCKET), or why it failed. */
export type NotifyResult =
  | { ok: true; sent: boolean }
  | { ok: false; error: string };

/** Reads $NOTIFY_SOCKET's value; null when unset or empty, an error for kinds we cannot use. */
export function parseNotifySocket(
  value: string | undefined,
): { ok: true; value: NotifyAddress | null } | { ok: false; error: string } {
  if (value === undefined || value === "") return { ok: true, value: null };
  let addr: NotifyAddress;
  if (value.startsWith("@")) addr = { name: value.slice(1), abstract: true };
  else if (value.startsWith("/")) addr = { name: value, abstract: false };
  else {
    return {
      ok: false,
      error: `NOTIFY_SOCKET=${value} is neither a path nor an @abstract name ` +
        `(vsock addresses are not supported); systemd notifications are off`,
    };
  }
  if (new TextEncoder().encode(addr.name).length + 1 > SUN_PATH_MAX) {
    return { ok: false, error: `NOTIFY_SOCKET=${value} is longer than a unix socket address` };
  }
  return { ok: true, value: addr };
}

/**
 * The watchdog ping interval systemd asks for: half of $WATCHDOG_USEC, or null when no
 * watchdog is set or $WATCHDOG_PID names another process.
 */
export function watchdogIntervalMs(
  usec: string | undefined,
  pid: string | undefined,
  ownPid: number,
): number | null {
  if (usec === undefined || !/^\d+$/.test(usec) || Number(usec) === 0) return null;
  if (pid !== undefined && pid !== "" && Number(pid) !== ownPid) return null;
  return Math.max(1, Math.floor(Number(usec) / 2000));
}

/** The `struct sockaddr_un` bytes and their length for `sendto`. */
function sockaddr(addr: NotifyAddress): { buf: Uint8Array; len: number } {
  const name = new TextEncoder().encode(addr.name);
  const buf = new Uint8Array(2 + SUN_PATH_MAX);
  new DataView(buf.buffer).setUint16(0, AF_UNIX, true);
  if (addr.abstract) {
    // Abstract names start with a NUL and are exactly as long as given (no terminator).
    buf.set(name, 3);
    return { buf, len: 2 + 1 + name.length };
  }
  buf.set(name, 2);
  return { buf, len: 2 + name.length + 1 };
}

/** Sends sd_notify messages for this process. */
export class SdNotifier {
  /** Where messages go; null when not under systemd (everything is then a no-op). */
  readonly address: NotifyAddress | null;
  /** How often to send WATCHDOG=1 (half of $WATCHDOG_USEC); null when not asked. */
  readonly watchdogIntervalMs: number | null;
  /** Why notifications are off despite $NOTIFY_SOCKET being set, if they are. */
  readonly problem: string | null;
  #fd = -1;
  #c: Libc | undefined;
  #addr: { buf: Uint8Array; len: number } | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;

  private constructor(
    address: NotifyAddress | null,
    interval: number | null,
    problem: string | null,
  ) {
    this.address = address;
    this.watchdogIntervalMs = address ? interval : null;
    this.problem = problem;
  }

  /** A notifier configured from $NOTIFY_SOCKET, $WATCHDOG_USEC and $WATCHDOG_PID. */
  static fromEnv(env: (name: string) => string | undefined = (n) => Deno.env.get(n)): SdNotifier {
    const parsed = parseNotifySocket(env("NOTIFY_SOCKET"));
    const interval = watchdogIntervalMs(env("WATCHDOG_USEC"), env("WATCHDOG_PID"), Deno.pid);
    if (!parsed.ok) return new SdNotifier(null, null, parsed.error);
    return new SdNotifier(parsed.value, interval, null);
  }

  /** True when messages are really sent somewhere. */
  get enabled(): boolean {
    return this.address !== null;
  }

  /** Sends one message (newline-separated `KEY=VALUE` assignments). */
  send(state: string): NotifyResult {
    if (!this.address) return { ok: true, sent: false };
    if (this.#fd < 0) {
      const c = tryLibc();
      if (!c.ok) return { ok: false, error: `sd_notify: ${c.error}` };
      this.#c = c.value;
      const fd = c.value.socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      if (fd < 0) {
        return { ok: false, error: `sd_notify: socket() failed: ${errnoName(errno())}` };
      }
      this.#fd = fd;
      this.#addr = sockaddr(this.address);
    }
    const c = this.#c!;
    const data = new TextEncoder().encode(state);
    const n = c.sendto(
      this.#fd,
      data,
      BigInt(data.length),
      MSG_NOSIGNAL,
      this.#addr!.buf,
      this.#addr!.len,
    );
    if (n < 0) {
      const err = errno();
      const where = `${this.address.abstract ? "@" : ""}${this.address.name}`;
      const hint = err === 11
        ? "the service manager is not reading its queue; message dropped"
        : err === 111 || err === 2
        ? "nobody listens there (was the service manager restarted?)"
        : "message not delivered";
      return { ok: false, error: `sd_notify to ${where} failed: ${errnoName(err)}: ${hint}` };
    }
    return { ok: true, sent: true };
  }

  /** `READY=1` (with a STATUS line when given): startup is complete. */
  ready(status?: string): NotifyResult {
    return this.send(status === undefined ? "READY=1" : `READY=1\nSTATUS=${oneLine(status)}`);
  }

  /** `STATUS=text`: a one-line status shown by `systemctl status`. */
  status(text: string): NotifyResult {
    return this.send(`STATUS=${oneLine(text)}`);
  }

  /** `WATCHDOG=1`: the service is alive. */
  watchdog(): NotifyResult {
    return this.send("WATCHDOG=1");
  }

  /** `RELOADING=1`: a configuration reload has begun (send `ready()` when done). */
  reloading(): NotifyResult {
    return this.send("RELOADING=1");
  }

  /** `STOPPING=1`: shutdown has begun. Also stops the watchdog pings. */
  stopping(status?: string): NotifyResult {
    this.stopWatchdog();
    return this.send(status === undefined ? "STOPPING=1" : `STOPPING=1\nSTATUS=${oneLine(status)}`);
  }

  /**
   * Sends WATCHDOG=1 every `watchdogIntervalMs` from a timer on the event loop, so a stuck
   * loop stops the pings and systemd restarts us. `onError` hears failed sends. No-op
   * when systemd asked for no watchdog.
   */
  startWatchdog(onError: (error: string) => void = () => {}): void {
    if (this.watchdogIntervalMs === null || this.#timer !== undefined) return;
    this.#timer = setInterval(() => {
      const r = this.watchdog();
      if (!r.ok) onError(r.error);
    }, this.watchdogIntervalMs);
    Deno.unrefTimer(this.#timer); // the pings alone never keep the process alive
  }

  /** Stops the watchdog pings. */
  stopWatchdog(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Stops pings and closes the socket. */
  close(): void {
    this.stopWatchdog();
    if (this.#fd >= 0) this.#c!.close(this.#fd);
    this.#fd = -1;
  }
}

/** STATUS= is one line; newlines would start new assignments. */
function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, " ");
}
