/**
 * Sends records to the local syslog daemon as RFC 3164-style datagrams over a unix
 * datagram socket (`/dev/log`):
 *
 *     <PRI>MON DD HH:MM:SS ident[pid]: level: text
 *     <134>Nov 29 01:02:03 heartbeat[4242]: info: node node2 is up
 *
 * PRI = facility × 8 + severity. The timestamp is local time, as syslog daemons expect.
 * Deno cannot send from an unbound unix datagram socket, so the sink binds a private path
 * in a fresh temp directory and removes both on close.
 */

import { facilityCode, type SyslogFacility } from "../facility.ts";
import { sanitizeName, sanitizeText } from "../format.ts";
import { LEVEL_NAMES, SYSLOG_SEVERITY } from "../levels.ts";
import type { LogRecord } from "../record.ts";
import { type LogSink, type ProblemReporter, reportToStderr, type SinkFilter } from "../sink.ts";

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** Options for {@link SyslogSink}. */
export interface SyslogSinkOptions {
  /** Told once when syslog becomes unavailable; default: one line on stderr. */
  readonly onProblem?: ProblemReporter;
  /** How long to wait before trying an unavailable syslog again (ms), default 60 s. */
  readonly retryMs?: number;
  /** Clock for the retry timer (ms). */
  readonly now?: () => number;
  readonly filter?: SinkFilter;
  /** logd.cf `syslogprefix`: `prefix: entity[pid]: level: text` on every datagram. */
  readonly prefix?: string;
}

/** `MON DD HH:MM:SS` in local time, day padded with a space (RFC 3164). */
export function syslogTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, " ")} ${p(d.getHours())}:${
    p(d.getMinutes())
  }:${p(d.getSeconds())}`;
}

/** Largest datagram sent; syslog daemons truncate or refuse longer ones (rsyslog: 8 KiB). */
export const MAX_SYSLOG_DATAGRAM = 8192;

/** Cuts a datagram to {@link MAX_SYSLOG_DATAGRAM} bytes, at a UTF-8 character boundary. */
function capDatagram(b: Uint8Array): Uint8Array {
  if (b.length <= MAX_SYSLOG_DATAGRAM) return b;
  let end = MAX_SYSLOG_DATAGRAM;
  while (end > 0 && (b[end] & 0xc0) === 0x80) end--; // b[end] continues a character
  return b.subarray(0, end);
}

/** Errors meaning nobody is listening at the syslog path (or we cannot bind our own). */
function syslogIsGone(e: unknown): boolean {
  return e instanceof Deno.errors.NotFound || e instanceof Deno.errors.ConnectionRefused ||
    e instanceof Deno.errors.PermissionDenied || e instanceof Deno.errors.NotCapable ||
    e instanceof Deno.errors.AddrInUse || e instanceof Deno.errors.AlreadyExists;
}

/** Formats one record as a syslog datagram payload. */
export function formatSyslog(
  facility: SyslogFacility,
  ident: string | undefined,
  r: LogRecord,
  prefix?: string,
) {
  const pri = facilityCode(facility) * 8 + SYSLOG_SEVERITY[r.level];
  const who = (prefix === undefined ? "" : `${sanitizeName(prefix)}: `) +
    sanitizeName(ident ?? r.entity);
  return `<${pri}>${syslogTime(r.time)} ${who}[${r.pid}]: ${LEVEL_NAMES[r.level]}: ${
    sanitizeText(r.text)
  }`;
}

/**
 * A sink that sends each record as one datagram to the syslog socket at `path`. If the
 * socket is missing or refuses, the sink says so once, drops syslog copies (counted in
 * {@link SyslogSink.lost}) and tries again after `retryMs`; it never throws at the logger.
 */
export class SyslogSink implements LogSink {
  readonly name: string;
  readonly filter: SinkFilter;
  /** Records not delivered because syslog was unavailable. */
  lost = 0;
  #sock: Deno.DatagramConn | undefined;
  #dir: string | undefined;
  #downUntil = -Infinity;
  #reported = false;
  #msgReported = false;
  readonly #enc = new TextEncoder();
  readonly #onProblem: ProblemReporter;
  readonly #retryMs: number;
  readonly #now: () => number;
  readonly #prefix: string | undefined;

  constructor(
    readonly facility: SyslogFacility,
    readonly path = "/dev/log",
    readonly ident?: string,
    opts: SyslogSinkOptions = {},
  ) {
    this.name = `syslog ${path}`;
    this.filter = opts.filter ?? "all";
    this.#onProblem = opts.onProblem ?? reportToStderr;
    this.#retryMs = opts.retryMs ?? 60_000;
    this.#now = opts.now ?? Date.now;
    this.#prefix = opts.prefix;
  }

  /** True unless the last attempt found syslog unavailable. */
  get available(): boolean {
    return !this.#reported;
  }

  #bind(): Deno.DatagramConn {
    const dir = Deno.makeTempDirSync({ prefix: "hb-syslog-" });
    try {
      const sock = Deno.listenDatagram({ transport: "unixpacket", path: `${dir}/s` });
      this.#dir = dir;
      return sock;
    } catch (e) {
      Deno.removeSync(dir, { recursive: true });
      throw e;
    }
  }

  #down(why: string, count: number): void {
    this.lost += count;
    this.#downUntil = this.#now() + this.#retryMs;
    if (!this.#reported) {
      this.#reported = true;
      this.#onProblem(
        this.name,
        `syslog is unavailable (${why}); syslog copies are dropped, retrying every ${
          this.#retryMs / 1000
        } s`,
      );
    }
  }

  /** Sends the batch, one datagram per record. */
  async write(records: readonly LogRecord[]): Promise<void> {
    if (this.#now() < this.#downUntil) {
      this.lost += records.length;
      return;
    }
    const to: Deno.UnixAddr = { transport: "unixpacket", path: this.path };
    for (let i = 0; i < records.length; i++) {
      try {
        this.#sock ??= this.#bind();
        const text = formatSyslog(this.facility, this.ident, records[i], this.#prefix);
        await this.#sock.send(capDatagram(this.#enc.encode(text)), to);
      } catch (e) {
        if (!syslogIsGone(e)) {
          // A problem with this one message (e.g. too big for the socket): skip it only.
          this.lost++;
          if (!this.#msgReported) {
            this.#msgReported = true;
            this.#onProblem(this.name, `a syslog message could not be sent: ${String(e)}`);
          }
          continue;
        }
        this.#down(e instanceof Error ? e.message : String(e), records.length - i);
        return;
      }
      this.#reported = false;
    }
  }

  /** Closes the socket and removes its private path. */
  close(): Promise<void> {
    try {
      this.#sock?.close();
    } catch {
      // already closed
    }
    this.#sock = undefined;
    if (this.#dir !== undefined) {
      try {
        Deno.removeSync(this.#dir, { recursive: true });
      } catch {
        // already gone
      }
      this.#dir = undefined;
    }
    return Promise.resolve();
  }
}
