/**
 * The Heartbeat-compatible local client API server (hb_api.c): a unix stream socket where
 * cl_status, ipfail, ccm-style clients sign on, ask questions, send cluster messages and
 * receive them.
 *
 * Access control. Heartbeat reads each peer's uid/gid with SO_PEERCRED, refuses a signon
 * whose declared `uid=`/`gid=` differ, and checks `apiauth`. Deno offers no SO_PEERCRED, so
 * `PeerCredProbe` (peercred.ts) reads it through FFI on libc. When that is unavailable
 * (no --allow-ffi, no /proc, ambiguous fd), the identity the client *declares* in signon is
 * all we have: it is checked against `apiauth` as information only, a dishonest local client
 * can lie about it, and the real protection is the socket directory's mode (0750, group
 * haclient, created so by `listen`), exactly the outer guard Heartbeat relies on too. Every
 * signon is logged with the identity source (`peer` or `declared`).
 */

import type { LogLevel } from "../logd/levels.ts";
import { Message } from "../wire/message.ts";
import type { ApiBackend } from "./backend.ts";
import { authorize, type AuthTable } from "./apiauth.ts";
import { decodePayload, DEFAULT_MAX_FRAME, encodeFrame } from "./framing.ts";
import { type PeerCred, PeerCredProbe } from "./peercred.ts";
import {
  ALL_TREATMENTS,
  badRequest,
  clientStatusMessage,
  DEBUG_TREATMENTS,
  linkStatusMessage,
  nodeStatusMessage,
  REQ,
  response,
  RESULT,
  T,
  Treatment,
} from "./protocol.ts";
import * as Q from "./queries.ts";
import { addViewFields, type MembershipView, membershipViewMessage, MEMREQ } from "./membership.ts";
import { describeEnd, type EndReason, Session } from "./session.ts";

/** Where log lines go. */
export type ApiLog = (level: LogLevel, text: string) => void;

/** Server options; every field has a default. */
export interface ApiServerOptions {
  /** Socket file mode (Heartbeat: 0777; the directory is the guard). */
  readonly socketMode?: number;
  /** Mode for the socket's directory when `listen` creates it (default 0750). */
  readonly dirMode?: number;
  /** Group (name or gid) for a directory `listen` creates (Heartbeat: haclient). */
  readonly dirGroup?: string | number;
  /** Resolved `apiauth` table; undefined means every identity is allowed (tests, demos). */
  readonly auth?: AuthTable;
  /** Read SO_PEERCRED through FFI when possible (default true). */
  readonly peerCredentials?: boolean;
  /** Biggest frame a client may send (default 256 KiB); bigger ends the connection. */
  readonly maxFrame?: number;
  /** Per-client output queue bound in bytes (default 4 MiB). */
  readonly maxQueueBytes?: number;
  /**
   * Per-client output queue bound in messages (default 10,000: a reading client starved of CPU
   * for a moment under a flood must not lose messages; the byte bound still caps memory).
   */
  readonly maxQueueFrames?: number;
  /**
   * A client whose queue is full and that has read nothing for this long is disconnected at
   * the next message it would miss (default 5000 ms). Until then messages are dropped.
   */
  readonly stallTimeoutMs?: number;
  /** Most simultaneous connections (default 256); more are closed at once. */
  readonly maxClients?: number;
  /** A connection that has not signed on by then is closed (default 10 s). */
  readonly signonTimeoutMs?: number;
  /** Undecodable messages in a row after which a client is removed (Heartbeat: 10). */
  readonly maxBadMessages?: number;
  readonly log?: ApiLog;
}

/** Counters for `heartbeat status` and tests. */
export interface ApiServerStats {
  accepted: number;
  refusedSignons: number;
  rejectedConnections: number;
  connected: number;
  signedOn: number;
  requests: number;
  clusterMessagesSent: number;
  delivered: number;
  dropped: number;
  badFrames: number;
  badMessages: number;
  stalledDisconnects: number;
  undeliverable: number;
  /** Times client input was paused for flow control (`setInputPaused(true)`). */
  inputPauses: number;
  /** Clients subscribed to membership views (`hbts_memsub`). */
  membershipSubscribers: number;
  /** View messages queued to subscribers. */
  membershipViewsSent: number;
}

/** Why the server could not listen. */
export interface ApiListenError {
  readonly kind: "api_listen";
  readonly path: string;
  readonly detail: string;
}

/** One connected client (signed on or not yet). */
interface Client {
  readonly serial: number;
  readonly session: Session;
  readonly peer: PeerCred | undefined;
  signedOn: boolean;
  /** Heartbeat client id: the name for named clients, the pid for casual ones. */
  clientId: string;
  casual: boolean;
  pid: number;
  uid: number;
  gid: number;
  generation: number;
  desiredTypes: number;
  signal: number;
  badInARow: number;
  signonTimer: ReturnType<typeof setTimeout> | undefined;
  removeReason: string | undefined;
  /** Subscribed to membership views (our extension; real clients never ask). */
  membership: boolean;
  /** Id of the last view sent to this client, so one view is never sent twice. */
  lastViewId: string | undefined;
}

/** Linux signal numbers a client may ask for with `setsignal` (no SIGKILL/SIGSTOP). */
const SIGNALS: Record<number, Deno.Signal> = {
  1: "SIGHUP",
  2: "SIGINT",
  3: "SIGQUIT",
  10: "SIGUSR1",
  12: "SIGUSR2",
  13: "SIGPIPE",
  14: "SIGALRM",
  15: "SIGTERM",
  17: "SIGCHLD",
  18: "SIGCONT",
  23: "SIGURG",
  28: "SIGWINCH",
  29: "SIGIO",
};

/** The API server. Create it with `ApiServer.listen`. */
export class ApiServer {
  readonly path: string;
  readonly #backend: ApiBackend;
  readonly #listener: Deno.UnixListener;
  readonly #opts: Required<Omit<ApiServerOptions, "auth" | "dirGroup">> & {
    auth?: AuthTable;
  };
  readonly #probe: PeerCredProbe | undefined;
  readonly #clients = new Map<number, Client>();
  #inputPaused = false;
  readonly #stats: ApiServerStats = {
    accepted: 0,
    refusedSignons: 0,
    rejectedConnections: 0,
    connected: 0,
    signedOn: 0,
    requests: 0,
    clusterMessagesSent: 0,
    delivered: 0,
    dropped: 0,
    badFrames: 0,
    badMessages: 0,
    stalledDisconnects: 0,
    undeliverable: 0,
    inputPauses: 0,
    membershipSubscribers: 0,
    membershipViewsSent: 0,
  };
  #serial = 0;
  #generation = 0;
  #debugClients = 0;
  #closed = false;
  readonly #acceptLoop: Promise<void>;
  readonly #ourUid: number;

  private constructor(
    path: string,
    backend: ApiBackend,
    listener: Deno.UnixListener,
    opts: ApiServerOptions,
  ) {
    this.path = path;
    this.#backend = backend;
    this.#listener = listener;
    this.#opts = {
      socketMode: opts.socketMode ?? 0o777,
      dirMode: opts.dirMode ?? 0o750,
      auth: opts.auth,
      peerCredentials: opts.peerCredentials ?? true,
      maxFrame: opts.maxFrame ?? DEFAULT_MAX_FRAME,
      maxQueueBytes: opts.maxQueueBytes ?? 4 * 1024 * 1024,
      maxQueueFrames: opts.maxQueueFrames ?? 10_000,
      stallTimeoutMs: opts.stallTimeoutMs ?? 5000,
      maxClients: opts.maxClients ?? 256,
      signonTimeoutMs: opts.signonTimeoutMs ?? 10_000,
      maxBadMessages: opts.maxBadMessages ?? 10,
      log: opts.log ?? (() => {}),
    };
    this.#probe = this.#opts.peerCredentials ? PeerCredProbe.open() : undefined;
    this.#ourUid = Deno.uid() ?? 0;
    this.#acceptLoop = this.#accept();
  }

  /**
   * Listens on `path` (Heartbeat: /run/heartbeat/register). Creates the directory with
   * `dirMode`/`dirGroup` when missing, replaces a stale socket file, refuses to replace
   * anything that is not a socket, and sets the socket's mode.
   */
  static async listen(
    path: string,
    backend: ApiBackend,
    opts: ApiServerOptions = {},
  ): Promise<{ ok: true; server: ApiServer } | { ok: false; error: ApiListenError }> {
    const fail = (detail: string) => ({
      ok: false as const,
      error: { kind: "api_listen" as const, path, detail },
    });
    const slash = path.lastIndexOf("/");
    const dir = slash < 0 ? "." : slash === 0 ? "/" : path.slice(0, slash);
    try {
      const st = await Deno.stat(dir).catch(() => undefined);
      if (st === undefined) {
        await Deno.mkdir(dir, { recursive: true, mode: opts.dirMode ?? 0o750 });
        await Deno.chmod(dir, opts.dirMode ?? 0o750);
        if (opts.dirGroup !== undefined) {
          const gid = typeof opts.dirGroup === "number" ? opts.dirGroup : groupId(opts.dirGroup);
          if (gid === undefined) {
            return fail(`group "${opts.dirGroup}" for ${dir} is not in /etc/group`);
          }
          await Deno.chown(dir, null, gid);
        }
      } else if (!st.isDirectory) {
        return fail(`${dir} exists and is not a directory`);
      } else if (st.mode !== null && (st.mode & 0o007) !== 0) {
        // The directory is the real guard (the socket itself is 0777, as in Heartbeat).
        opts.log?.(
          "warn",
          `API: ${dir} is mode ${(st.mode & 0o777).toString(8)}: every local user can reach ` +
            `${path}; make it 0750 root:haclient as Heartbeat's package does`,
        );
      }
      const old = await Deno.lstat(path).catch(() => undefined);
      if (old !== undefined) {
        if (!old.isSocket) return fail(`${path} exists and is not a socket; remove it`);
        await Deno.remove(path);
      }
      const listener = Deno.listen({ transport: "unix", path });
      await Deno.chmod(path, opts.socketMode ?? 0o777);
      return { ok: true, server: new ApiServer(path, backend, listener, opts) };
    } catch (e) {
      return fail(e instanceof Error ? e.message : String(e));
    }
  }

  /**
   * Flow control: stops (true) or resumes (false) reading signed-on clients' sockets, so a
   * flooding client blocks in its own write instead of outrunning the cluster. Clients that
   * sign on while paused are paused right after their signon.
   */
  setInputPaused(paused: boolean): void {
    if (paused === this.#inputPaused) return;
    this.#inputPaused = paused;
    if (paused) this.#stats.inputPauses++;
    for (const c of this.#clients.values()) if (c.signedOn) c.session.pause(paused);
  }

  /**
   * Holds (true) or lets go of (false) writes to every client: the daemon holds them while it
   * handles a burst of datagrams, so each client gets the burst's messages in one write.
   */
  holdWrites(hold: boolean): void {
    for (const c of this.#clients.values()) c.session.hold(hold);
  }

  /** True while client input is paused for flow control. */
  get inputPaused(): boolean {
    return this.#inputPaused;
  }

  /** Counters (a copy). */
  stats(): ApiServerStats {
    return { ...this.#stats };
  }

  /** Client ids of signed-on clients (names for named clients, pids for casual ones). */
  clients(): { clientId: string; casual: boolean; pid: number; uid: number; gid: number }[] {
    return [...this.#clients.values()].filter((c) => c.signedOn).map((c) => ({
      clientId: c.clientId,
      casual: c.casual,
      pid: c.pid,
      uid: c.uid,
      gid: c.gid,
    }));
  }

  /** True when a client signed on under `clientId` (local `clientstatus`). */
  hasClient(clientId: string): boolean {
    for (const c of this.#clients.values()) {
      if (c.signedOn && c.clientId === clientId) return true;
    }
    return false;
  }

  /**
   * Delivers a message received from the cluster (or generated locally) to every signed-on
   * client that wants `treatment` (default KEEPIT). A `to_id=` field restricts it to the
   * client with that id (hb_api.c api_heartbeat_monitor). Never blocks, never throws.
   */
  deliver(msg: Message, treatment: number = Treatment.KEEPIT): number {
    if (this.#closed) return 0;
    let frame: Uint8Array | undefined;
    const toId = msg.get("to_id");
    let count = 0;
    for (const c of this.#clients.values()) {
      if (!c.signedOn || c.removeReason !== undefined) continue;
      if (toId !== undefined && toId !== c.clientId) continue;
      if ((c.desiredTypes & treatment) !== 0) {
        if (frame === undefined) {
          try {
            frame = encodeFrame(msg);
          } catch (e) {
            this.#stats.undeliverable++;
            this.#log("warn", `API: cannot pass a ${msg.get("t") ?? "?"} message to clients: ${e}`);
            return 0;
          }
        }
        if (this.#sendFrame(c, frame)) count++;
      }
      if (toId !== undefined) break;
    }
    return count;
  }

  /**
   * Tells clients about a status change *we* detected (a node declared dead): delivers
   * `t=status seq=1 ts=<hex> src=NODE st=STATUS` like Heartbeat. A change a peer reports
   * itself (init, up, active) is delivered by passing the peer's own status message to
   * `deliver()` instead, as Heartbeat does (measured on 3.0.6).
   */
  nodeStatusChanged(node: string, status: string, info?: string): number {
    return this.deliver(nodeStatusMessage(node, status, Date.now(), info));
  }

  /**
   * A new membership view was installed: sends `t=hbts_memview` to every subscribed client
   * (and to nobody else). Returns how many clients it was queued to.
   */
  membershipChanged(view: MembershipView, reason?: string): number {
    if (this.#closed) return 0;
    let frame: Uint8Array | undefined;
    let count = 0;
    for (const c of this.#clients.values()) {
      if (!c.signedOn || !c.membership || c.removeReason !== undefined) continue;
      if (c.lastViewId === view.id) continue;
      frame ??= encodeFrame(membershipViewMessage(this.#backend.localNode(), view, reason));
      if (this.#sendView(c, view, frame)) count++;
    }
    return count;
  }

  /** Tells clients a link's status changed (`t=ifstat node= ifname= st=`). */
  linkStatusChanged(node: string, link: string, status: string): number {
    return this.deliver(linkStatusMessage(node, link, status));
  }

  /**
   * The answer to a `query-cstatus` message received from the cluster (from a peer or from
   * ourselves): `t=respond-cstatus dest=<asker> result=OK cn= to_id= cs=online|offline`.
   * The daemon sends it with `sendToCluster`. Undefined when the query lacks a field.
   */
  clientStatusReply(query: Message): Message | undefined {
    const src = query.get("src");
    const cn = query.get("cn");
    const from = query.get("from_id");
    if (query.get("t") !== T.QUERY_CSTATUS || src === undefined || cn === undefined) {
      return undefined;
    }
    const m = Message.of({ t: T.RESPOND_CSTATUS, dest: src, result: RESULT.OK, cn });
    if (from !== undefined) m.set("to_id", from);
    m.set("cs", this.hasClient(cn) ? "online" : "offline");
    return m;
  }

  /** Stops listening, disconnects every client and removes the socket file. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#listener.close();
    } catch {
      // already closed
    }
    for (const c of [...this.#clients.values()]) {
      c.session.end({ kind: "closed", reason: "server shutting down" });
    }
    await this.#acceptLoop;
    await Deno.remove(this.path).catch(() => {});
    this.#probe?.close();
  }

  // ---------------------------------------------------------------- connections

  async #accept(): Promise<void> {
    for (;;) {
      let conn: Deno.UnixConn;
      try {
        conn = await this.#listener.accept();
      } catch (e) {
        if (this.#closed) return;
        this.#log("error", `API: accept on ${this.path} failed: ${e}`);
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      // Read the peer's credentials before anything else can accept on this path.
      const peer = this.#probe?.claim(this.path);
      if (this.#closed) {
        conn.close();
        return;
      }
      this.#stats.accepted++;
      if (this.#clients.size >= this.#opts.maxClients) {
        this.#stats.rejectedConnections++;
        this.#log("warn", `API: ${this.#clients.size} clients connected; refusing another`);
        if (peer) this.#probe?.release(peer.inode);
        conn.close();
        continue;
      }
      this.#startClient(conn, peer);
    }
  }

  #startClient(conn: Deno.UnixConn, peer: PeerCred | undefined): void {
    const serial = ++this.#serial;
    const client: Client = {
      serial,
      peer,
      session: undefined as unknown as Session,
      signedOn: false,
      clientId: "",
      casual: true,
      pid: 0,
      uid: -1,
      gid: -1,
      generation: 0,
      desiredTypes: Treatment.KEEPIT,
      signal: 0,
      badInARow: 0,
      signonTimer: undefined,
      removeReason: undefined,
      membership: false,
      lastViewId: undefined,
    };
    const session = new Session(conn, {
      maxFrame: this.#opts.maxFrame,
      maxQueueBytes: this.#opts.maxQueueBytes,
      maxQueueFrames: this.#opts.maxQueueFrames,
      stallTimeoutMs: this.#opts.stallTimeoutMs,
    }, {
      payload: (p) => this.#onPayload(client, p),
      ended: (r) => this.#onEnded(client, r),
    });
    (client as { session: Session }).session = session;
    this.#clients.set(serial, client);
    this.#stats.connected = this.#clients.size;
    if (this.#opts.signonTimeoutMs > 0) {
      client.signonTimer = setTimeout(() => {
        client.signonTimer = undefined;
        if (!client.signedOn) {
          session.end({ kind: "closed", reason: "no signon within the time limit" });
        }
      }, this.#opts.signonTimeoutMs);
    }
    session.run().catch((e) => this.#log("error", `API: client session failed: ${e}`));
  }

  #onEnded(c: Client, r: EndReason): void {
    if (c.signonTimer !== undefined) clearTimeout(c.signonTimer);
    if (r.kind === "frame") this.#stats.badFrames++;
    if (r.kind === "stalled") this.#stats.stalledDisconnects++;
    this.#clients.delete(c.serial);
    if (c.peer) this.#probe?.release(c.peer.inode);
    this.#stats.connected = this.#clients.size;
    if (!c.signedOn) {
      if (r.kind !== "eof") this.#log("info", `API: unsigned connection closed: ${describeEnd(r)}`);
      return;
    }
    c.signedOn = false;
    this.#stats.signedOn--;
    if (c.membership) this.#stats.membershipSubscribers--;
    if ((c.desiredTypes & DEBUG_TREATMENTS) !== 0) this.#debugClients--;
    const reason = c.removeReason ?? (r.kind === "eof" ? "EOF" : describeEnd(r));
    const level = r.kind === "eof" || c.removeReason === REQ.SIGNOFF ? "debug" : "warn";
    this.#log(level, `API: client ${c.clientId} (pid ${c.pid}) removed: ${reason}`);
    if (!c.casual) this.#announce(c, "leave", reason);
  }

  #remove(c: Client, reason: string): void {
    if (c.removeReason === undefined) c.removeReason = reason;
    // Let already queued replies (a refusal, a leave notice) reach the client first.
    c.session.drain(200).then(() => c.session.end({ kind: "closed", reason }));
  }

  #sendFrame(c: Client, frame: Uint8Array): boolean {
    const ok = c.session.send(frame);
    if (ok) {
      this.#stats.delivered++;
      if (c.signal > 0 && SIGNALS[c.signal] !== undefined) {
        try {
          Deno.kill(c.pid, SIGNALS[c.signal]);
        } catch {
          // The client is gone or not ours to signal; EOF will remove it.
        }
      }
    } else {
      this.#stats.dropped++;
    }
    return ok;
  }

  #reply(c: Client, m: Message): void {
    this.#sendFrame(c, encodeFrame(m));
  }

  // ---------------------------------------------------------------- requests

  #onPayload(c: Client, payload: Uint8Array): void {
    if (c.removeReason !== undefined) return;
    const d = decodePayload(payload);
    if (!d.ok) {
      this.#stats.badMessages++;
      c.badInARow++;
      this.#log("warn", `API: undecodable message from pid ${c.pid || "?"}: ${d.error.detail}`);
      if (c.badInARow >= this.#opts.maxBadMessages) this.#remove(c, "noinput");
      return;
    }
    c.badInARow = 0;
    const msg = d.msg;
    if (this.#debugClients > 0) this.deliver(msg, Treatment.APICALL);
    if (!c.signedOn) {
      this.#signon(c, msg);
      return;
    }
    if (msg.get("t") !== T.APIREQ) {
      this.#clusterMessage(c, msg);
      return;
    }
    this.#request(c, msg);
  }

  #signon(c: Client, msg: Message): void {
    if (msg.get("t") !== T.APIREQ || msg.get("reqtype") !== REQ.SIGNON) {
      this.#log("error", "API: first message of a connection is not a signon; ignored");
      return;
    }
    const pidText = msg.get("pid");
    const fromId = msg.get("from_id");
    const pid = pidText === undefined ? 0 : parseInt(pidText, 10);
    this.#generation++;
    c.generation = this.#generation;
    const refuse = (reason: string, detail: string) => {
      this.#stats.refusedSignons++;
      this.#log(
        "warn",
        `API: signon refused (pid ${pidText ?? "?"}, ${fromId ?? "casual"}): ${detail}`,
      );
      this.#reply(c, this.#signonReply(reason));
      if (fromId !== undefined && parseInt(fromId, 10) !== pid) {
        // Real 3.0.6 tells a refused named client it has left (measured with api_test).
        this.#reply(
          c,
          clientStatusMessage(fromId, "leave", this.#backend.localNode(), reason, c.generation),
        );
      }
      this.#remove(c, reason);
    };
    if (!(pid > 0)) return refuse("bad pid", `pid "${pidText ?? ""}" is not a process id`);
    const casual = fromId === undefined || parseInt(fromId, 10) === pid;
    const clientId = fromId ?? String(pid);
    for (const o of this.#clients.values()) {
      if (o.signedOn && (o.clientId === clientId)) {
        return refuse("duplicate add request", `a client named "${clientId}" is already signed on`);
      }
    }
    const uidText = msg.get("uid");
    const gidText = msg.get("gid");
    if (
      uidText === undefined || gidText === undefined || !/^-?[0-9]+$/.test(uidText) ||
      !/^-?[0-9]+$/.test(gidText)
    ) {
      return refuse("invalid id info", `uid "${uidText}" / gid "${gidText}" are not numbers`);
    }
    const uid = Number(uidText);
    const gid = Number(gidText);
    if (c.peer !== undefined) {
      if (c.peer.uid !== uid || c.peer.gid !== gid) {
        return refuse(
          "incorrect/false credentials",
          `declared uid ${uid} gid ${gid}, the kernel says uid ${c.peer.uid} gid ${c.peer.gid}`,
        );
      }
      if (c.peer.pid > 0 && c.peer.pid !== pid) {
        return refuse("pid mismatch", `declared pid ${pid}, the kernel says ${c.peer.pid}`);
      }
    }
    if (this.#opts.auth !== undefined) {
      const a = authorize(this.#opts.auth, casual ? undefined : clientId, uid, gid);
      if (!a.ok) return refuse(a.reason, a.detail);
    }
    c.signedOn = true;
    if (this.#inputPaused) c.session.pause(true);
    c.clientId = clientId;
    c.casual = casual;
    c.pid = pid;
    c.uid = uid;
    c.gid = gid;
    if (c.signonTimer !== undefined) clearTimeout(c.signonTimer);
    c.signonTimer = undefined;
    this.#stats.signedOn++;
    this.#log(
      "debug",
      `API: signon ${casual ? "casual" : `"${clientId}"`} pid ${pid} uid ${uid} gid ${gid} ` +
        `(identity ${c.peer ? "peer" : "declared"})`,
    );
    if (!casual) this.#announce(c, "join", REQ.SIGNON);
    this.#reply(c, this.#signonReply(undefined));
  }

  /** Signon reply; with `failure` it carries `info=` before `result=badreq` (real 3.0.6). */
  #signonReply(failure: string | undefined): Message {
    const b = this.#backend;
    const t = b.timings();
    const m = Message.of({ t: T.APIRESP, reqtype: REQ.SIGNON });
    if (failure !== undefined) m.set("info", failure).set("result", RESULT.BADREQ);
    else m.set("result", RESULT.OK);
    m.set("deadtime", Math.max(0, Math.round(t.deadtimeMs)).toString(16));
    m.set("keepalive", Math.max(0, Math.round(t.keepaliveMs)).toString(16));
    m.set("node", b.localNode());
    m.set("hbversion", b.version());
    m.set("pacemaker", "false");
    m.set("logfacility", String(b.logFacility()));
    return m;
  }

  #announce(c: Client, status: "join" | "leave", reason: string): void {
    const m = clientStatusMessage(
      c.clientId,
      status,
      this.#backend.localNode(),
      reason,
      c.generation,
    );
    // A leaving client still connected is told first (api_send_client_status).
    if (status === "leave" && !c.session.ended) this.#reply(c, m);
    this.#toCluster(m);
  }

  #toCluster(m: Message): void {
    this.#stats.clusterMessagesSent++;
    try {
      this.#backend.sendToCluster(m);
    } catch (e) {
      this.#log("error", `API: backend failed to send a ${m.get("t")} message: ${e}`);
    }
  }

  #clusterMessage(c: Client, msg: Message): void {
    if (c.casual) {
      this.#log("info", `API: general message from casual client ${c.clientId}; removing it`);
      this.#remove(c, "badclient");
      return;
    }
    // Stamp the sender: from_id/to_id = our client id, so only same-named clients get it.
    msg.set("from_id", c.clientId).set("to_id", c.clientId);
    msg.set("client_gen", String(c.generation));
    this.#toCluster(msg);
  }

  #request(c: Client, msg: Message): void {
    const reqtype = msg.get("reqtype");
    const fromId = msg.get("from_id");
    const pid = msg.get("pid");
    if (reqtype === undefined || (fromId === undefined && pid === undefined)) {
      this.#log("error", "API: request without reqtype or from_id/pid; ignored");
      return;
    }
    if (fromId !== c.clientId && (pid === undefined || parseInt(pid, 10) !== c.pid)) {
      this.#log("error", `API: client ${c.clientId} sent a request as ${fromId ?? pid}; ignored`);
      return;
    }
    this.#stats.requests++;
    const b = this.#backend;
    switch (reqtype) {
      case REQ.SIGNOFF:
        c.removeReason = REQ.SIGNOFF;
        this.#remove(c, REQ.SIGNOFF);
        return;
      case REQ.SETFILTER:
        return this.#setFilter(c, msg);
      case REQ.SETSIGNAL:
        return this.#setSignal(c, msg);
      case REQ.NODELIST:
        for (const m of Q.nodeList(b)) this.#reply(c, m);
        return;
      case REQ.NODESTATUS:
        return this.#reply(c, Q.nodeStatus(b, msg));
      case REQ.NODETYPE:
        return this.#reply(c, Q.nodeType(b, msg));
      case REQ.NODEWEIGHT:
        return this.#reply(c, Q.nodeWeight(b, msg));
      case REQ.NODESITE:
        return this.#reply(c, Q.nodeSite(b, msg));
      case REQ.NUMNODES:
        return this.#reply(c, Q.numNodes(b));
      case REQ.IFLIST:
        for (const m of Q.ifList(b, msg)) this.#reply(c, m);
        return;
      case REQ.IFSTATUS:
        return this.#reply(c, Q.ifStatus(b, msg));
      case REQ.GETPARM:
        return this.#reply(c, Q.getParameter(b, msg));
      case REQ.GETRSC:
        return this.#reply(c, Q.getResources(b));
      case REQ.GETUUID:
        return this.#reply(c, Q.getUuid(b, msg));
      case REQ.GETNAME:
        return this.#reply(c, Q.getNodeName(b, msg));
      case REQ.CLIENTSTATUS:
        return this.#clientStatus(c, msg);
      case MEMREQ.QUERY:
        return this.#membershipQuery(c);
      case MEMREQ.SUBSCRIBE:
        return this.#membershipSubscribe(c, true);
      case MEMREQ.UNSUBSCRIBE:
        return this.#membershipSubscribe(c, false);
      case REQ.SET_SENDQLEN: {
        const n = Number(msg.get("sendqlen"));
        if (Number.isInteger(n) && n > 0) {
          c.session.queueFrameLimit = Math.min(n, this.#opts.maxQueueFrames * 16);
        }
        return; // no reply, as Heartbeat
      }
      default:
        this.#log("error", `API: unknown request "${reqtype}" from ${c.clientId}`);
        this.#reply(c, badRequest(reqtype));
    }
  }

  #setFilter(c: Client, msg: Message): void {
    const text = msg.get("fmask") ?? "";
    const mask = /^(0x)?[0-9a-fA-F]+/.test(text) ? parseInt(text, 16) : NaN;
    if (!Number.isFinite(mask) || (mask & ALL_TREATMENTS) === 0) {
      return this.#reply(c, badRequest(REQ.SETFILTER, "EINVAL"));
    }
    const wasDebug = (c.desiredTypes & DEBUG_TREATMENTS) !== 0;
    const isDebug = (mask & DEBUG_TREATMENTS) !== 0;
    if (!wasDebug && isDebug) {
      if (c.uid !== 0 && c.uid !== this.#ourUid) {
        return this.#reply(c, badRequest(REQ.SETFILTER, "EPERM"));
      }
      this.#debugClients++;
    } else if (wasDebug && !isDebug) {
      this.#debugClients--;
    }
    c.desiredTypes = mask;
    this.#reply(c, response(REQ.SETFILTER, [], RESULT.OK));
  }

  #setSignal(c: Client, msg: Message): void {
    const text = msg.get("signal");
    if (text === undefined || !/^[0-9]+/.test(text)) {
      return this.#reply(c, badRequest(REQ.SETSIGNAL));
    }
    const sig = parseInt(text, 10);
    if (sig === 9 || sig === 19 || sig >= 32) {
      return this.#reply(c, badRequest(REQ.SETSIGNAL, "EINVAL"));
    }
    c.signal = sig;
    this.#reply(c, response(REQ.SETSIGNAL, [], RESULT.OK));
  }

  #membershipQuery(c: Client): void {
    const view = this.#currentView();
    const m = Message.of({ t: T.APIRESP, reqtype: MEMREQ.QUERY });
    m.set("node", this.#backend.localNode());
    if (view === undefined) m.set("view", "none");
    else addViewFields(m, view);
    m.set("result", RESULT.OK);
    this.#reply(c, m);
  }

  /** Replies first, then (subscribing) sends the current view, so it follows the reply. */
  #membershipSubscribe(c: Client, on: boolean): void {
    const reqtype = on ? MEMREQ.SUBSCRIBE : MEMREQ.UNSUBSCRIBE;
    // Every subscribe gets the current view again (a client may have replaced its callback).
    c.lastViewId = undefined;
    if (on !== c.membership) {
      c.membership = on;
      this.#stats.membershipSubscribers += on ? 1 : -1;
      this.#log(
        "debug",
        `API: client ${c.clientId} ${on ? "subscribed to" : "unsubscribed from"} membership`,
      );
    }
    this.#reply(c, response(reqtype, [], RESULT.OK));
    if (!on) return;
    const view = this.#currentView();
    if (view === undefined) return;
    this.#sendView(
      c,
      view,
      encodeFrame(membershipViewMessage(this.#backend.localNode(), view, "subscribed")),
    );
  }

  #sendView(c: Client, view: MembershipView, frame: Uint8Array): boolean {
    const ok = this.#sendFrame(c, frame);
    // Remember it even when dropped (full queue): a client that lost a view still gets the
    // next one, and can ask `hbts_memquery` for the current one.
    c.lastViewId = view.id;
    if (ok) this.#stats.membershipViewsSent++;
    return ok;
  }

  #currentView(): MembershipView | undefined {
    try {
      return this.#backend.membership();
    } catch (e) {
      this.#log("error", `API: backend failed to report the membership view: ${e}`);
      return undefined;
    }
  }

  #clientStatus(c: Client, msg: Message): void {
    const node = msg.get("node");
    const cn = msg.get("cn");
    const fromId = msg.get("from_id");
    const info = node === undefined
      ? undefined
      : this.#backend.nodes().find((n) => n.name === node);
    if (cn === undefined || fromId === undefined || info === undefined) {
      return this.#reply(c, badRequest(REQ.CLIENTSTATUS, "EINVAL"));
    }
    if (node === this.#backend.localNode()) {
      return this.#reply(c, Q.clientStatusAnswer(this.hasClient(cn)));
    }
    if (info.status !== "active") return this.#reply(c, Q.clientStatusAnswer(false));
    // Ask the node; its respond-cstatus comes back through deliver() with to_id = fromId.
    this.#toCluster(Message.of({ t: T.QUERY_CSTATUS, dest: info.name, cn, from_id: fromId }));
  }

  #log(level: LogLevel, text: string): void {
    try {
      this.#opts.log(level, text);
    } catch {
      // a failing logger must not take the API down
    }
  }
}

function groupId(name: string): number | undefined {
  try {
    for (const line of Deno.readTextFileSync("/etc/group").split("\n")) {
      const p = line.split(":");
      if (p[0] === name && p.length >= 3) return Number(p[2]);
    }
  } catch {
    return undefined;
  }
  return undefined;
}
