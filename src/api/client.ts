/**
 * A TypeScript client of the Heartbeat API (the role of lib/hbclient/client_lib.c): sign on,
 * ask questions, send cluster messages, receive messages by type, node/link status callbacks.
 * Works against our server and against real Heartbeat 3.0.6 (same frames, same fields).
 * Membership views (`membership()`, `onMembership()`) are heartbeat-ts's extension: real
 * Heartbeat refuses those requests (`badreq`).
 */

import { Message } from "../wire/message.ts";
import { decodePayload, encodeFrame, FrameDecoder } from "./framing.ts";
import { REQ, RESULT, T } from "./protocol.ts";
import {
  type MembershipEvent,
  type MembershipView,
  MEMREQ,
  parseMembershipEvent,
  parseViewFields,
  T_MEMVIEW,
} from "./membership.ts";

/** Heartbeat's default socket path. */
export const DEFAULT_API_PATH = "/run/heartbeat/register";

/** Why a client call failed. */
export interface ApiClientError {
  readonly kind: "api_client";
  readonly code: "connect" | "refused" | "timeout" | "closed" | "badreq";
  readonly detail: string;
}

export type ApiResult<T> = { ok: true; value: T } | { ok: false; error: ApiClientError };

/** What the signon reply told us. */
export interface SignonInfo {
  readonly node: string;
  readonly deadtimeMs: number;
  readonly keepaliveMs: number;
  readonly version: string | undefined;
  readonly logFacility: number | undefined;
}

/** Options of `ApiClient.connect`. */
export interface ApiClientOptions {
  /** Socket path (default /run/heartbeat/register). */
  readonly path?: string;
  /** Client name for a named client; casual (the pid) when absent. */
  readonly clientId?: string;
  /** Declared identity; defaults to our own pid/uid/gid. */
  readonly pid?: number;
  readonly uid?: number;
  readonly gid?: number;
  /** Time for connect + signon and for each request (default 5000 ms). */
  readonly timeoutMs?: number;
}

const err = (
  code: ApiClientError["code"],
  detail: string,
): { ok: false; error: ApiClientError } => ({
  ok: false,
  error: { kind: "api_client", code, detail },
});

type Waiter = { match: (m: Message) => boolean; resolve: (m: Message | undefined) => void };

/** A signed-on API connection. */
export class ApiClient {
  readonly info: SignonInfo;
  readonly clientId: string;
  readonly #conn: Deno.UnixConn;
  readonly #pid: number;
  readonly #timeoutMs: number;
  readonly #decoder = new FrameDecoder();
  readonly #inbox: Message[] = [];
  #waiters: Waiter[] = [];
  #typeHandlers = new Map<string, (m: Message) => void>();
  #nodeHandler: ((node: string, status: string) => void) | undefined;
  #linkHandler: ((node: string, link: string, status: string) => void) | undefined;
  #membershipHandler: ((e: MembershipEvent) => void) | undefined;
  #closed = false;
  #lock: Promise<unknown> = Promise.resolve();

  private constructor(
    conn: Deno.UnixConn,
    info: SignonInfo,
    clientId: string,
    pid: number,
    timeoutMs: number,
    decoder: FrameDecoder,
    early: Message[],
  ) {
    this.#conn = conn;
    this.info = info;
    this.clientId = clientId;
    this.#pid = pid;
    this.#timeoutMs = timeoutMs;
    this.#decoder = decoder;
    this.#inbox.push(...early);
    this.#readLoop();
  }

  /** Connects and signs on. */
  static async connect(opts: ApiClientOptions = {}): Promise<ApiResult<ApiClient>> {
    const path = opts.path ?? DEFAULT_API_PATH;
    const timeoutMs = opts.timeoutMs ?? 5000;
    const pid = opts.pid ?? Deno.pid;
    const clientId = opts.clientId ?? String(pid);
    let conn: Deno.UnixConn;
    try {
      conn = await Deno.connect({ transport: "unix", path });
    } catch (e) {
      return err("connect", `cannot connect to ${path}: ${e instanceof Error ? e.message : e}`);
    }
    const signon = Message.of({ t: T.APIREQ, reqtype: REQ.SIGNON, pid: String(pid) });
    signon.set("from_id", clientId);
    signon.set("uid", String(opts.uid ?? Deno.uid() ?? 0));
    signon.set("gid", String(opts.gid ?? Deno.gid() ?? 0));
    const decoder = new FrameDecoder();
    const early: Message[] = [];
    try {
      await writeAll(conn, encodeFrame(signon));
      const deadline = Date.now() + timeoutMs;
      const buf = new Uint8Array(64 * 1024);
      for (;;) {
        const item = decoder.next();
        if (item !== undefined) {
          if (!item.ok) {
            conn.close();
            return err("closed", item.error.detail);
          }
          const d = decodePayload(item.payload);
          if (!d.ok) continue;
          if (d.msg.get("t") === T.APIRESP && d.msg.get("reqtype") === REQ.SIGNON) {
            if (d.msg.get("result") !== RESULT.OK) {
              conn.close();
              return err("refused", `signon refused: ${d.msg.get("info") ?? d.msg.get("result")}`);
            }
            return {
              ok: true,
              value: new ApiClient(
                conn,
                signonInfo(d.msg),
                clientId,
                pid,
                timeoutMs,
                decoder,
                early,
              ),
            };
          }
          early.push(d.msg);
          continue;
        }
        const left = deadline - Date.now();
        if (left <= 0) {
          conn.close();
          return err("timeout", `no signon reply within ${timeoutMs} ms`);
        }
        const n = await withTimeout(conn.read(buf), left);
        if (n === "timeout") {
          conn.close();
          return err("timeout", `no signon reply within ${timeoutMs} ms`);
        }
        if (n === null) {
          conn.close();
          return err("closed", "the server closed the connection during signon");
        }
        decoder.push(buf.subarray(0, n));
      }
    } catch (e) {
      try {
        conn.close();
      } catch { /* closed */ }
      return err("closed", `signon failed: ${e instanceof Error ? e.message : e}`);
    }
  }

  /** True after close/signoff or when the server went away. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Sends one request and collects its replies up to the one whose result is not `ok/more`.
   * Requests are serialised, so replies never interleave.
   */
  request(reqtype: string, fields: Record<string, string> = {}): Promise<ApiResult<Message[]>> {
    const run = async (): Promise<ApiResult<Message[]>> => {
      const m = Message.of({ t: T.APIREQ, reqtype, dest: this.info.node, pid: String(this.#pid) });
      m.set("from_id", this.clientId);
      for (const [k, v] of Object.entries(fields)) m.set(k, v);
      const sent = await this.#write(m);
      if (!sent.ok) return sent;
      const out: Message[] = [];
      for (;;) {
        const r = await this.#await(
          (x) => x.get("t") === T.APIRESP && x.get("reqtype") === reqtype,
          this.#timeoutMs,
        );
        if (r === undefined) {
          return err(this.#closed ? "closed" : "timeout", `no reply to ${reqtype}`);
        }
        out.push(r);
        if (r.get("result") !== RESULT.MORE) return { ok: true, value: out };
      }
    };
    const p = this.#lock.then(run, run);
    this.#lock = p;
    return p;
  }

  /** One-reply request: the reply when `result=OK`, else a `badreq` error with its `info`. */
  async query(reqtype: string, fields: Record<string, string> = {}): Promise<ApiResult<Message>> {
    const r = await this.request(reqtype, fields);
    if (!r.ok) return r;
    const last = r.value[r.value.length - 1];
    if (last.get("result") !== RESULT.OK) {
      return err("badreq", `${reqtype}: ${last.get("result")} ${last.get("info") ?? ""}`.trim());
    }
    return { ok: true, value: last };
  }

  /** Nodes with type and status, in the server's order. */
  async nodeList(): Promise<ApiResult<{ name: string; type: string; status: string }[]>> {
    const r = await this.request(REQ.NODELIST);
    if (!r.ok) return r;
    return {
      ok: true,
      value: r.value.filter((m) => m.get("node") !== undefined).map((m) => ({
        name: m.get("node")!,
        type: m.get("nodetype") ?? "unknown",
        status: m.get("st") ?? "unknown",
      })),
    };
  }

  /** `nodestatus`. */
  async nodeStatus(node: string): Promise<ApiResult<string>> {
    return field(await this.query(REQ.NODESTATUS, { node }), "st");
  }

  /** `nodetype`. */
  async nodeType(node: string): Promise<ApiResult<string>> {
    return field(await this.query(REQ.NODETYPE, { node }), "nodetype");
  }

  /** Links of a node with their status. */
  async linkList(node: string): Promise<ApiResult<{ name: string; status: string }[]>> {
    const r = await this.request(REQ.IFLIST, { node });
    if (!r.ok) return r;
    const last = r.value[r.value.length - 1];
    if (last.get("result") !== RESULT.OK) return err("badreq", `iflist: ${last.get("info") ?? ""}`);
    return {
      ok: true,
      value: r.value.map((m) => ({ name: m.get("ifname") ?? "", status: m.get("st") ?? "" })),
    };
  }

  /** `ifstatus`. */
  async linkStatus(node: string, link: string): Promise<ApiResult<string>> {
    return field(await this.query(REQ.IFSTATUS, { node, ifname: link }), "st");
  }

  /** `getparm`: the ha.cf text, or undefined when the daemon has none. */
  async parameter(name: string): Promise<ApiResult<string | undefined>> {
    const r = await this.query(REQ.GETPARM, { pname: name });
    return r.ok ? { ok: true, value: r.value.get("pvalue") } : r;
  }

  /**
   * `clientstatus`: `online`/`offline`. For another node the answer travels the cluster and
   * arrives as a `respond-cstatus` message; `timeoutMs` bounds the wait.
   */
  clientStatus(
    node: string,
    client: string,
    timeoutMs = this.#timeoutMs,
  ): Promise<ApiResult<string>> {
    const run = async (): Promise<ApiResult<string>> => {
      const m = Message.of({ t: T.APIREQ, reqtype: REQ.CLIENTSTATUS, dest: this.info.node });
      m.set("pid", String(this.#pid)).set("from_id", this.clientId).set("node", node).set(
        "cn",
        client,
      );
      const sent = await this.#write(m);
      if (!sent.ok) return sent;
      const r = await this.#await(
        (x) =>
          (x.get("t") === T.APIRESP && x.get("reqtype") === REQ.CLIENTSTATUS) ||
          (x.get("t") === T.RESPOND_CSTATUS && x.get("cn") === client),
        timeoutMs,
      );
      if (r === undefined) return err(this.#closed ? "closed" : "timeout", "No timely response.");
      if (r.get("result") !== RESULT.OK) {
        return err("badreq", `clientstatus: ${r.get("info") ?? ""}`);
      }
      const cs = r.get("cs");
      return cs === undefined
        ? err("badreq", "clientstatus: reply without cs")
        : { ok: true, value: cs };
    };
    const p = this.#lock.then(run, run);
    this.#lock = p;
    return p;
  }

  /** `setfilter` with a treatment mask (Treatment.KEEPIT ...). */
  async setFilter(mask: number): Promise<ApiResult<void>> {
    const r = await this.query(REQ.SETFILTER, { fmask: mask.toString(16) });
    return r.ok ? { ok: true, value: undefined } : r;
  }

  /** Sends a cluster message (named clients only; `dest` for one node). */
  send(msg: Message): Promise<ApiResult<void>> {
    return this.#write(msg);
  }

  /** Calls `cb` for every received message of type `t` (instead of queueing it). */
  onMessage(t: string, cb: ((m: Message) => void) | undefined): void {
    if (cb === undefined) this.#typeHandlers.delete(t);
    else this.#typeHandlers.set(t, cb);
  }

  /** Node status change callback (`t=status` / `NS_st`). */
  onNodeStatus(cb: ((node: string, status: string) => void) | undefined): void {
    this.#nodeHandler = cb;
  }

  /** Link status change callback (`t=ifstat`). */
  onLinkStatus(cb: ((node: string, link: string, status: string) => void) | undefined): void {
    this.#linkHandler = cb;
  }

  /**
   * The daemon's current membership view (heartbeat-ts only), or undefined before its first
   * one. A `badreq` error means the daemon does not deliver views (real Heartbeat).
   */
  async membership(): Promise<ApiResult<MembershipView | undefined>> {
    const r = await this.query(MEMREQ.QUERY);
    if (!r.ok) return noMembership(r.error);
    const v = parseViewFields(r.value);
    return v.ok ? { ok: true, value: v.view } : err("badreq", v.error.detail);
  }

  /**
   * Membership callback (heartbeat-ts only): subscribes, then `cb` gets the current view
   * (when there is one) and every change after it, in order. `undefined` unsubscribes.
   * Views are not queued for `receive()` while a callback is set.
   */
  async onMembership(cb: ((e: MembershipEvent) => void) | undefined): Promise<ApiResult<void>> {
    // Set before asking: the first view follows the reply at once.
    const before = this.#membershipHandler;
    this.#membershipHandler = cb;
    const r = await this.query(cb === undefined ? MEMREQ.UNSUBSCRIBE : MEMREQ.SUBSCRIBE);
    if (r.ok) return { ok: true, value: undefined };
    if (this.#membershipHandler === cb) this.#membershipHandler = before;
    return noMembership(r.error);
  }

  /** The next queued message (optionally of type `t`), waiting up to `timeoutMs`. */
  receive(t?: string, timeoutMs = this.#timeoutMs): Promise<Message | undefined> {
    return this.#await((m) => t === undefined || m.get("t") === t, timeoutMs);
  }

  /** Signs off and closes. */
  async signoff(): Promise<void> {
    if (this.#closed) return;
    const m = Message.of({ t: T.APIREQ, reqtype: REQ.SIGNOFF, dest: this.info.node });
    m.set("pid", String(this.#pid)).set("from_id", this.clientId);
    await this.#write(m);
    this.close();
  }

  /** Closes without signing off (the server sees EOF). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#conn.close();
    } catch { /* already closed */ }
    for (const w of this.#waiters) w.resolve(undefined);
    this.#waiters = [];
  }

  async #write(m: Message): Promise<ApiResult<void>> {
    if (this.#closed) return err("closed", "the connection is closed");
    try {
      await writeAll(this.#conn, encodeFrame(m));
      return { ok: true, value: undefined };
    } catch (e) {
      this.close();
      return err("closed", `write failed: ${e instanceof Error ? e.message : e}`);
    }
  }

  #await(match: (m: Message) => boolean, timeoutMs: number): Promise<Message | undefined> {
    const i = this.#inbox.findIndex(match);
    if (i >= 0) return Promise.resolve(this.#inbox.splice(i, 1)[0]);
    if (this.#closed) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const w: Waiter = {
        match,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      };
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((x) => x !== w);
        resolve(undefined);
      }, timeoutMs);
      this.#waiters.push(w);
    });
  }

  #dispatch(m: Message): void {
    const t = m.get("t") ?? "";
    if (t !== T.APIRESP) {
      if ((t === T.STATUS || t === T.NS_STATUS) && this.#nodeHandler) {
        return this.#nodeHandler(m.get("src") ?? "", m.get("st") ?? "");
      }
      if (t === T.IFSTATUS && this.#linkHandler) {
        return this.#linkHandler(m.get("node") ?? "", m.get("ifname") ?? "", m.get("st") ?? "");
      }
      if (t === T_MEMVIEW && this.#membershipHandler) {
        const e = parseMembershipEvent(m);
        // A malformed view is queued like any unknown message rather than lost silently.
        if (e.ok) return this.#membershipHandler(e.event);
      }
      const h = this.#typeHandlers.get(t);
      if (h) return h(m);
    }
    const wi = this.#waiters.findIndex((w) => w.match(m));
    if (wi >= 0) {
      const [w] = this.#waiters.splice(wi, 1);
      w.resolve(m);
      return;
    }
    // Bounded: a caller that never reads must not make us grow without limit.
    if (this.#inbox.length >= 10_000) this.#inbox.shift();
    this.#inbox.push(m);
  }

  async #readLoop(): Promise<void> {
    // Messages that arrived with the signon reply first.
    const early = this.#inbox.splice(0);
    for (const m of early) this.#dispatch(m);
    const buf = new Uint8Array(64 * 1024);
    try {
      for (;;) {
        for (;;) {
          const item = this.#decoder.next();
          if (item === undefined) break;
          if (!item.ok) return this.close();
          const d = decodePayload(item.payload);
          if (d.ok) this.#dispatch(d.msg);
        }
        const n = await this.#conn.read(buf);
        if (n === null) return this.close();
        this.#decoder.push(buf.subarray(0, n));
      }
    } catch {
      this.close();
    }
  }
}

function signonInfo(m: Message): SignonInfo {
  const hex = (s: string | undefined) => (s === undefined ? 0 : parseInt(s, 16) || 0);
  const lf = m.get("logfacility");
  return {
    node: m.get("node") ?? "",
    deadtimeMs: hex(m.get("deadtime")),
    keepaliveMs: hex(m.get("keepalive")),
    version: m.get("hbversion"),
    logFacility: lf === undefined ? undefined : Number(lf),
  };
}

/** A refusal of a membership request, explained: real Heartbeat does not know it. */
function noMembership(e: ApiClientError): { ok: false; error: ApiClientError } {
  if (e.code !== "badreq") return { ok: false, error: e };
  return err(
    "badreq",
    `${e.detail}: this daemon does not deliver membership views (real Heartbeat, or a ` +
      `heartbeat-ts older than membership views)`,
  );
}

function field(r: ApiResult<Message>, name: string): ApiResult<string> {
  if (!r.ok) return r;
  const v = r.value.get(name);
  return v === undefined ? err("badreq", `reply has no ${name}`) : { ok: true, value: v };
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let off = 0;
  while (off < bytes.length) off += await conn.write(bytes.subarray(off));
}

async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | "timeout"> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const t = new Promise<"timeout">((r) => (timer = setTimeout(() => r("timeout"), ms)));
  try {
    return await Promise.race([p, t]);
  } finally {
    clearTimeout(timer);
  }
}
