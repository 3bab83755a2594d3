/**
 * Heartbeat's CCM client socket (`/run/heartbeat/ccm/ccm`, served by the real ccm daemon)
 * fed from our own membership views, so unmodified libccmclient programs (ccm_testclient,
 * old CRM, OCFS2/DLM helpers built on the OCF membership API) keep working.
 *
 * The protocol is one-way (membership/ccm/ccmclient.c): a client connects and sends
 * nothing; once a membership exists the server sends the node list (ccm_llm_t) and the
 * membership (ccm_meminfo_t), and sends both again at every new membership. Frames are the
 * cluster-glue IPC ones the client API uses (length + magic 0xABCD), bodies are C structs
 * (structs.ts).
 *
 * The real ccm blocks until a slow client reads (its code says it can livelock); we queue
 * and disconnect a client whose queue overflows: a membership client that misses an event
 * would act on a stale membership.
 */

import { framePayload } from "../api/framing.ts";
import { describeEnd, type EndReason, Session } from "../api/session.ts";
import type { MembershipView } from "../api/membership.ts";
import type { LogLevel } from "../logd/levels.ts";
import { BornTracker } from "./born.ts";
import { type CcmNodeList, encodeLlm, encodeMemInfo } from "./structs.ts";

/** Options; every field has a default. */
export interface CcmClientServerOptions {
  /** Frames queued per client before it is disconnected (default 64). */
  readonly maxQueueFrames?: number;
  /** Most simultaneous clients (default 64). */
  readonly maxClients?: number;
  readonly log?: (level: LogLevel, text: string) => void;
}

/** Why the socket could not be served. */
export interface CcmListenError {
  readonly kind: "ccm_listen";
  readonly path: string;
  readonly detail: string;
}

/** Counters for status and tests. */
export interface CcmClientServerStats {
  accepted: number;
  connected: number;
  /** Memberships queued to clients (each is node list + membership). */
  membershipsSent: number;
  /** Clients disconnected because they did not read. */
  overflowDisconnects: number;
}

/** Serves libccmclient clients. Create it with `CcmClientServer.listen`. */
export class CcmClientServer {
  readonly path: string;
  readonly #listener: Deno.UnixListener;
  readonly #list: CcmNodeList;
  readonly #sessions = new Set<Session>();
  readonly #born = new BornTracker();
  readonly #maxQueueFrames: number;
  readonly #maxClients: number;
  readonly #log: (level: LogLevel, text: string) => void;
  readonly #stats: CcmClientServerStats = {
    accepted: 0,
    connected: 0,
    membershipsSent: 0,
    overflowDisconnects: 0,
  };
  /** Node list + membership frames of the current view (undefined before the first). */
  #current: Uint8Array[] | undefined;
  #closed = false;
  readonly #acceptLoop: Promise<void>;

  private constructor(
    path: string,
    listener: Deno.UnixListener,
    list: CcmNodeList,
    opts: CcmClientServerOptions,
  ) {
    this.path = path;
    this.#listener = listener;
    this.#list = list;
    this.#maxQueueFrames = opts.maxQueueFrames ?? 64;
    this.#maxClients = opts.maxClients ?? 64;
    this.#log = opts.log ?? (() => {});
    this.#acceptLoop = this.#accept();
  }

  /**
   * Listens on `path` (Heartbeat: /run/heartbeat/ccm/ccm; its directory must exist, the
   * daemon's run-dir setup makes it 0750 hacluster:haclient). `nodes` are the configured
   * cluster nodes: their sorted order gives each node its index for clients.
   */
  static listen(
    path: string,
    nodes: readonly string[],
    self: string,
    opts: CcmClientServerOptions = {},
  ): { ok: true; server: CcmClientServer } | { ok: false; error: CcmListenError } {
    const fail = (detail: string) => ({
      ok: false as const,
      error: { kind: "ccm_listen" as const, path, detail },
    });
    const sorted = [...new Set(nodes)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const mynode = sorted.indexOf(self);
    if (mynode < 0) return fail(`local node "${self}" is not among the nodes ${sorted.join(" ")}`);
    try {
      const old = (() => {
        try {
          return Deno.lstatSync(path);
        } catch {
          return undefined;
        }
      })();
      if (old !== undefined) {
        if (!old.isSocket) return fail(`${path} exists and is not a socket; remove it`);
        Deno.removeSync(path);
      }
      const listener = Deno.listen({ transport: "unix", path });
      // Like the real ccm (umask 0): the directory is the guard.
      Deno.chmodSync(path, 0o777);
      return {
        ok: true,
        server: new CcmClientServer(path, listener, { nodes: sorted, mynode }, opts),
      };
    } catch (e) {
      return fail(e instanceof Error ? e.message : String(e));
    }
  }

  /** Counters (a copy). */
  stats(): CcmClientServerStats {
    return { ...this.#stats, connected: this.#sessions.size };
  }

  /**
   * A new view was installed: every client gets the node list and the new membership
   * (`trans` = view instance; quorum as computed by our CCM). Returns the client count.
   */
  viewChanged(view: MembershipView): number {
    if (this.#closed) return 0;
    const index = new Map(this.#list.nodes.map((n, i) => [n, i]));
    const known = view.members.filter((m) => index.has(m));
    if (known.length !== view.members.length) {
      this.#log(
        "warn",
        `ccm clients: view ${view.id} names nodes outside the node list: ` +
          view.members.filter((m) => !index.has(m)).join(" "),
      );
    }
    const members = this.#born.next(view.instance, known).map((m) => ({
      index: index.get(m.name)!,
      bornon: m.bornon,
    }));
    this.#current = [
      framePayload(encodeLlm(this.#list)),
      framePayload(encodeMemInfo({ trans: view.instance, quorum: view.quorum, members })),
    ];
    let count = 0;
    for (const s of [...this.#sessions]) if (this.#sendCurrent(s)) count++;
    return count;
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
    for (const s of [...this.#sessions]) s.end({ kind: "closed", reason: "shutting down" });
    await this.#acceptLoop;
    try {
      Deno.removeSync(this.path);
    } catch {
      // gone already
    }
  }

  #sendCurrent(s: Session): boolean {
    if (this.#current === undefined) return false;
    for (const f of this.#current) {
      if (!s.send(f)) {
        if (!s.ended) {
          this.#stats.overflowDisconnects++;
          s.end({ kind: "closed", reason: "client does not read its membership events" });
        }
        return false;
      }
    }
    this.#stats.membershipsSent++;
    return true;
  }

  async #accept(): Promise<void> {
    for (;;) {
      let conn: Deno.UnixConn;
      try {
        conn = await this.#listener.accept();
      } catch (e) {
        if (this.#closed) return;
        this.#log("error", `ccm clients: accept on ${this.path} failed: ${e}`);
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      if (this.#closed) {
        conn.close();
        return;
      }
      this.#stats.accepted++;
      if (this.#sessions.size >= this.#maxClients) {
        this.#log("warn", `ccm clients: ${this.#sessions.size} connected; refusing another`);
        conn.close();
        continue;
      }
      this.#start(conn);
    }
  }

  #start(conn: Deno.UnixConn): void {
    const session: Session = new Session(conn, {
      maxFrame: 64 * 1024,
      maxQueueBytes: 4 * 1024 * 1024,
      maxQueueFrames: this.#maxQueueFrames,
      // Never reached: an overflow disconnects at once (see #sendCurrent).
      stallTimeoutMs: 60_000,
    }, {
      // Clients send nothing in this protocol; anything they do send is ignored.
      payload: () => {},
      ended: (r: EndReason) => {
        this.#sessions.delete(session);
        if (r.kind !== "eof" && !(r.kind === "closed" && this.#closed)) {
          this.#log("info", `ccm clients: client removed: ${describeEnd(r)}`);
        }
      },
    });
    this.#sessions.add(session);
    // A client that connects after a membership exists gets it at once (client_add).
    this.#sendCurrent(session);
    session.run().catch((e) => this.#log("error", `ccm clients: session failed: ${e}`));
  }
}
