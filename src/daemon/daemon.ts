/**
 * The daemon shell: wires config, the pure protocol core, the media, the logger and the
 * control socket together. Everything here is I/O; every protocol decision is the core's.
 *
 * Event flow: datagram → decodeAndVerify → core.step(receive) → actions; one timer armed at
 * core.nextDeadline() → core.step(tick) → actions. Time is `performance.now()` (monotonic),
 * so a wall-clock jump never moves a deadline.
 */
import type { AuthKeys } from "../config/auth_types.ts";
import type { Config } from "../config/types.ts";
import { NodeCore } from "../core/node.ts";
import type { CoreAction, CoreEvent } from "../core/types.ts";
import type { Logger } from "../logd/mod.ts";
import { MediaError } from "../media/udp.ts";
import type { MediaGroup } from "../media/types.ts";
import { openMedia } from "./open_media.ts";
import { signAndEncode } from "../wire/auth.ts";
import { decodeAndVerifyAny } from "../media/serial_framing.ts";
import { VERSION } from "../version.ts";
import { ControlServer } from "./control.ts";
import { controlSocketPath } from "./paths.ts";
import { openStateDir } from "./state_dir.ts";
import { prepareRunDir } from "./run_dir.ts";
import type { NodeReport, StatusReport } from "./status_types.ts";
import { RateLimiter } from "./rate_limit.ts";
import { ApiServer, buildAuthTable, loadIdDb } from "../api/mod.ts";
import { daemonApiBackend } from "./api_backend.ts";
import { CcmClientServer, realCcmRespawned } from "../ccmapi/mod.ts";
import { respawnEntries, Respawner } from "./respawn.ts";
import {
  isCcmMessage,
  type MembershipAction,
  MembershipCore,
  membershipEventFromCore,
  membershipTimings,
} from "../ccm/mod.ts";
import { Message } from "../wire/message.ts";
import { PingMedium } from "../media/ping.ts";
import { pingTargets } from "../core/ping_nodes.ts";

/**
 * Unacked sequenced messages above which clients are paused. Well below MAXMSGHIST (500) so
 * retransmissions never age out, and small enough that a burst fits the receiver's default
 * socket buffer (208 KiB ≈ 150 datagrams): measured on bench:api, 100 → 10-12k msgs/s with
 * no retransmission; 200 overflows the receiver, each hole waits for a rexmit → ~2k msgs/s.
 */
export const FLOW_PAUSE_AT = 100;
/** ... and below which they are read again. */
export const FLOW_RESUME_AT = 50;

export interface DaemonOptions {
  config: Config;
  authkeys: AuthKeys;
  logger: Logger;
  stateDir: string;
  runDir: string;
  /** Called each time we send a heartbeat (watchdog feeding, sd_notify WATCHDOG). */
  onHeartbeat?: () => void;
}

/** Counters the shell keeps (the core keeps its own protocol counters). */
interface ShellCounters {
  rxDatagrams: number;
  rxRejected: number;
  txDatagrams: number;
  txErrors: number;
  rejectedByReason: Record<string, number>;
}

export class Daemon {
  readonly #opts: DaemonOptions;
  readonly #log: Logger;
  #core!: NodeCore;
  #ccm!: MembershipCore;
  #media: MediaGroup[] = [];
  #control?: ControlServer;
  #api?: ApiServer;
  /** Heartbeat's CCM client socket, fed from our views (unless the real ccm runs). */
  #ccmClients?: CcmClientServer;
  #respawn?: Respawner;
  #ping?: PingMedium;
  /** Events raised while executing a step's actions, run after it (the core is not re-entrant). */
  readonly #pending: CoreEvent[] = [];
  #stepping = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #armedAt = Infinity;
  #startedAt = 0;
  #uuidHex = "";
  #stopping = false;
  #finished = false;
  /** Media bursts under way (see #onBurst). */
  #bursts = 0;
  #stopped!: Promise<void>;
  #resolveStopped!: () => void;
  readonly #limiter = new RateLimiter(10_000);
  readonly #counters: ShellCounters = {
    rxDatagrams: 0,
    rxRejected: 0,
    txDatagrams: 0,
    txErrors: 0,
    rejectedByReason: {},
  };
  #loadAvg = "0.00 0.00 0.00 1/1 1";
  #loadAvgAt = -Infinity;

  constructor(opts: DaemonOptions) {
    this.#opts = opts;
    this.#log = opts.logger;
    this.#stopped = new Promise((r) => this.#resolveStopped = r);
  }

  /** Opens state, media and the control socket, then starts the protocol. */
  async start(): Promise<void> {
    const { config } = this.#opts;
    const identity = openStateDir(this.#opts.stateDir, Date.now() / 1000);
    this.#uuidHex = hex(identity.uuid);
    this.#media = await openMedia(config, {
      onPacket: (link, bytes, from) => this.#onPacket(link, bytes, from),
      onBurst: (active) => this.#onBurst(active),
      onError: (link, message) => this.#onMediaError(link, message),
    });
    const links = this.#media.flatMap((m) => m.links);
    const t = config.timings;
    this.#core = new NodeCore({
      self: config.localNode,
      selfUuid: identity.uuid,
      generation: identity.generation,
      nodes: config.nodes,
      links,
      keepaliveMs: t.keepaliveMs,
      warntimeMs: t.warntimeMs,
      deadtimeMs: t.deadtimeMs,
      initdeadMs: t.initdeadMs,
      maxRexmitDelayMs: config.maxRexmitDelayMs,
      hopfudge: config.hopfudge,
    }, {
      random: Math.random,
      wallClockSec: () => Math.floor(Date.now() / 1000),
      loadAvg: () => this.#readLoadAvg(),
    });
    this.#ccm = new MembershipCore({
      self: config.localNode,
      nodes: config.nodes,
      generation: identity.generation,
      ...membershipTimings(t.keepaliveMs),
    });
    this.#control = ControlServer.listen(controlSocketPath(this.#opts.runDir), (req) => {
      if (req.cmd === "status") return this.status();
      return "pong";
    });
    for (const p of prepareRunDir(this.#opts.runDir)) this.#log.warn(p);
    await this.#startApi();
    this.#startCcmClients();
    this.#startPing();
    this.#startedAt = performance.now();
    this.#log.info(
      `heartbeat-ts ${VERSION} starting as ${config.localNode} (generation ${identity.generation}, ` +
        `links ${links.join(", ") || "none"}, keepalive ${t.keepaliveMs} ms, ` +
        `deadtime ${t.deadtimeMs} ms)`,
    );
    this.#step({ kind: "start" });
    // Children start once the API is up, so they can sign on at once.
    this.#respawn = new Respawner(
      respawnEntries(config),
      this.#log,
      Object.fromEntries(config.process.env),
    );
    this.#respawn.start();
  }

  /** Ping nodes (ha.cf `ping`, `ping_group`): ICMP echo every keepalive, deadping. */
  #startPing(): void {
    const { config, authkeys } = this.#opts;
    const targets = pingTargets(config.ping, config.pingGroups);
    if (targets.length === 0) return;
    const t = config.timings;
    const m = PingMedium.open(targets, {
      intervalMs: t.keepaliveMs,
      deadpingMs: t.deadpingMs,
      initdeadMs: t.initdeadMs,
    }, {
      onNodeStatus: (node, status, reason) => {
        this.#log.info(`Status update for node ${node}: status ${status} (${reason})`);
        this.#api?.nodeStatusChanged(node, status);
      },
      onLinkStatus: (node, link, status) => {
        this.#log.info(`Link ${node}:${link} ${status}.`);
        this.#api?.linkStatusChanged(node, link, status);
      },
      onError: (address, message) => this.#onMediaError(address, message),
    }, {
      // Like Heartbeat's ping plugin: the echo carries our signed status message.
      payload: () =>
        signAndEncode(
          Message.of({ t: "status", st: this.#core.snapshot().status, src: config.localNode }),
          authkeys,
        ),
    });
    if (!(m instanceof PingMedium)) throw new Error(`ping nodes: ${m.detail}`);
    this.#ping = m;
  }

  async #startApi(): Promise<void> {
    const { config } = this.#opts;
    const auth = buildAuthTable(config.apiauth, loadIdDb());
    for (const u of auth.unresolved) this.#log.warn(`apiauth: ${u}`);
    const backend = daemonApiBackend(
      config,
      () => this.#core.snapshot(),
      (msg, dest) => this.#step({ kind: "send", msg, dest }),
      () => this.#ping?.snapshot() ?? [],
      () => this.#ccm.currentView(),
    );
    const r = await ApiServer.listen(`${this.#opts.runDir}/register`, backend, {
      auth,
      dirGroup: "haclient",
      log: (level, text) => this.#log.log(level, `api: ${text}`),
    });
    if (!r.ok) {
      throw new Error(
        `cannot serve the client API at ${r.error.path}: ${r.error.detail}`,
      );
    }
    this.#api = r.server;
  }

  #startCcmClients(): void {
    const { config, runDir } = this.#opts;
    if (realCcmRespawned(respawnEntries(config).map((e) => e.path))) return;
    const r = CcmClientServer.listen(`${runDir}/ccm/ccm`, config.nodes, config.localNode, {
      log: (level, text) => this.#log.log(level, text),
    });
    if (r.ok) this.#ccmClients = r.server;
    else this.#log.warn(`ccm clients not served at ${r.error.path}: ${r.error.detail}`);
  }

  /** Resolves when a graceful stop has finished. */
  get stopped(): Promise<void> {
    return this.#stopped;
  }

  /** Graceful leave: peers get a shutdown notice and mark us dead at once. */
  stop(): void {
    if (this.#stopping) return;
    this.#stopping = true;
    // Children first (they may still talk to the cluster), then the shutdown notice.
    const children = this.#respawn?.stop() ?? Promise.resolve();
    children.then(() => {
      this.#log.info("shutting down: sending shutdown notice to the cluster");
      this.#step({ kind: "shutdown" });
      // The core says when it is done; never hang on it.
      setTimeout(() => this.#finish(), 2000);
    });
  }

  /** The status report served on the control socket. */
  status(): StatusReport {
    const snap = this.#core.snapshot();
    const now = performance.now();
    const counters: Record<string, number> = {
      sent: snap.counters.sent,
      received: snap.counters.received,
      delivered: snap.counters.delivered,
      rexmit_requested: snap.counters.rexmitRequested,
      rexmit_served: snap.counters.rexmitServed,
      rexmit_naked: snap.counters.rexmitNaked,
      lost: snap.counters.lost,
      acks_sent: snap.counters.acksSent,
      deaths: snap.counters.deaths,
      not_for_us: snap.counters.notForUs,
      rx_datagrams: this.#counters.rxDatagrams,
      rx_rejected: this.#counters.rxRejected,
      tx_datagrams: this.#counters.txDatagrams,
      tx_errors: this.#counters.txErrors,
    };
    if (this.#respawn) {
      counters.respawn_children = this.#respawn.report().length;
      counters.respawn_restarts = this.#respawn.report().reduce((n, c) => n + c.restarts, 0);
    }
    if (this.#api) {
      const st = this.#api.stats() as unknown as Record<string, unknown>;
      for (const [k, v] of Object.entries(st)) if (typeof v === "number") counters[`api_${k}`] = v;
    }
    for (const m of this.#media) {
      for (const [k, v] of Object.entries(m.counters?.() ?? {})) {
        counters[`media_${k}`] = (counters[`media_${k}`] ?? 0) + v;
      }
    }
    if (this.#ccmClients) {
      const st = this.#ccmClients.stats();
      for (const [k, v] of Object.entries(st)) counters[`ccm_clients_${k}`] = v;
    }
    for (const [k, v] of Object.entries(snap.counters.dropped)) counters[`dropped_${k}`] = v;
    for (const [k, v] of Object.entries(this.#counters.rejectedByReason)) {
      counters[`rejected_${k}`] = v;
    }
    const t = this.#opts.config.timings;
    return {
      node: snap.self,
      uuid: this.#uuidHex,
      generation: snap.generation,
      pid: Deno.pid,
      version: VERSION,
      uptimeMs: Math.round(now - this.#startedAt),
      status: snap.status,
      timings: {
        keepaliveMs: t.keepaliveMs,
        warntimeMs: t.warntimeMs,
        deadtimeMs: t.deadtimeMs,
        initdeadMs: t.initdeadMs,
      },
      membership: (() => {
        const v = this.#ccm.currentView();
        return v === null ? null : {
          instance: v.instance,
          leader: v.leader,
          members: v.members,
          quorum: v.quorum,
        };
      })(),
      nodes: [
        ...(this.#ping?.snapshot() ?? []).map((p) => ({
          name: p.name,
          type: "ping" as const,
          status: p.status,
          lastHeardMsAgo: p.lastHeardAgoMs === null ? null : Math.round(p.lastHeardAgoMs),
          generation: null,
          uuid: null,
          links: p.links.map((l) => ({
            name: l.name,
            status: l.status === "up" ? "up" as const : "dead" as const,
          })),
        })),
        ...this.#normalNodes(snap),
      ],
      counters,
    };
  }

  #normalNodes(snap: ReturnType<NodeCore["snapshot"]>): NodeReport[] {
    return snap.nodes.map((n) => ({
      name: n.name,
      type: "normal" as const,
      status: n.status,
      lastHeardMsAgo: n.lastHeardAgoMs === null ? null : Math.round(n.lastHeardAgoMs),
      generation: n.generation,
      uuid: n.uuid ? hex(n.uuid) : null,
      links: n.links.map((l) => ({ name: l.name, status: l.status === "up" ? "up" : "dead" })),
    }));
  }

  #finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const m of this.#media) m.close();
    this.#ping?.close();
    this.#control?.close();
    void this.#api?.close();
    void this.#ccmClients?.close();
    this.#resolveStopped();
  }

  #now(): number {
    return performance.now();
  }

  #step(ev: CoreEvent): void {
    if (this.#finished) return;
    if (this.#stepping) {
      this.#pending.push(ev);
      return;
    }
    this.#stepping = true;
    try {
      let next: CoreEvent | undefined = ev;
      while (next !== undefined && !this.#finished) {
        const now = this.#now();
        if (next.kind === "start") this.#membership(this.#ccm.step({ kind: "start" }, now));
        for (const a of this.#core.step(next, now)) {
          this.#execute(a);
          // Membership follows what the heartbeat core sees (deaths, joins, CCM messages).
          const mev = membershipEventFromCore(a);
          if (mev) this.#membership(this.#ccm.step(mev, now));
        }
        if (this.#ccm.nextDeadline() <= now) {
          this.#membership(this.#ccm.step({ kind: "tick" }, now));
        }
        next = this.#pending.shift();
      }
    } finally {
      this.#stepping = false;
    }
    this.#flowControl();
    this.#arm();
  }

  /**
   * Pauses client input while the slowest live peer has more than FLOW_PAUSE_AT of our
   * messages unacked and resumes below FLOW_RESUME_AT, so a flood never outruns the
   * retransmission history (MAXMSGHIST) and no client message is lost.
   */
  #flowControl(): void {
    const api = this.#api;
    if (api === undefined) return;
    const backlog = this.#core.unackedBacklog();
    if (!api.inputPaused && backlog > FLOW_PAUSE_AT) api.setInputPaused(true);
    else if (api.inputPaused && backlog < FLOW_RESUME_AT) api.setInputPaused(false);
  }

  /** Keeps exactly one timer, armed for the core's next deadline. */
  #arm(): void {
    if (this.#finished) return;
    const at = Math.min(this.#core.nextDeadline(), this.#ccm.nextDeadline());
    if (at === this.#armedAt && this.#timer !== undefined) return;
    clearTimeout(this.#timer);
    this.#armedAt = at;
    if (!Number.isFinite(at)) {
      this.#timer = undefined;
      return;
    }
    const delay = Math.max(0, at - this.#now());
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#armedAt = Infinity;
      this.#step({ kind: "tick" });
    }, delay);
  }

  #execute(a: CoreAction): void {
    switch (a.kind) {
      case "transmit": {
        const bytes = signAndEncode(a.msg.clone(), this.#opts.authkeys);
        this.#counters.txDatagrams++;
        for (const m of this.#media) m.send(bytes);
        if (a.msg.get("t") === "status") this.#opts.onHeartbeat?.();
        return;
      }
      case "node_status":
        this.#log.info(`Status update for node ${a.node}: status ${a.status} (${a.reason})`);
        if (a.node !== this.#opts.config.localNode) this.#api?.nodeStatusChanged(a.node, a.status);
        if (a.status === "dead") {
          this.#log.warn(`node ${a.node}: is dead (${a.reason})`);
        }
        return;
      case "link_status":
        this.#log.info(`Link ${a.node}:${a.link} ${a.status}.`);
        this.#api?.linkStatusChanged(a.node, a.link, a.status);
        return;
      case "warn_late":
        this.#log.warn(`Late heartbeat: Node ${a.node}: interval ${Math.round(a.silentMs)} ms`);
        return;
      case "deliver":
        this.#deliver(a.msg);
        return;
      case "drop":
        return;
      case "log":
        if (a.level === "debug") this.#log.debug(1, a.text);
        else this.#log.log(a.level, a.text);
        return;
      case "stopped":
        this.#finish();
        return;
    }
  }

  /** Carries out the membership core's actions (its sends go through the heartbeat core). */
  #membership(actions: MembershipAction[]): void {
    for (const a of actions) {
      switch (a.kind) {
        case "send":
          this.#pending.push({ kind: "send", msg: a.msg, dest: a.dest });
          break;
        case "view":
          this.#log.info(
            `membership: view ${a.view.instance} [${a.view.members.join(" ")}] ` +
              `(leader ${a.view.leader}, ${a.view.quorum ? "quorum" : "NO quorum"}; ${a.reason})`,
          );
          this.#api?.membershipChanged(a.view, a.reason);
          this.#ccmClients?.viewChanged(a.view);
          break;
        case "log":
          if (a.level === "debug") this.#log.debug(1, `membership: ${a.text}`);
          else this.#log.log(a.level, `membership: ${a.text}`);
          break;
      }
    }
  }

  /** Hands a cluster message to local API clients; answers client-status queries. */
  #deliver(msg: Message): void {
    if (this.#api === undefined || isCcmMessage(msg)) return;
    if (msg.get("t") === "query-cstatus") {
      const reply = this.#api.clientStatusReply(msg);
      if (reply !== undefined) this.#step({ kind: "send", msg: reply, dest: reply.get("dest") });
      return;
    }
    this.#api.deliver(msg);
  }

  #onPacket(link: string, bytes: Uint8Array, from: string): void {
    if (this.#finished) return;
    this.#counters.rxDatagrams++;
    // Netstring from UDP peers; classic text from serial lines (and old senders).
    const r = decodeAndVerifyAny(bytes, this.#opts.authkeys);
    if (!r.ok) {
      this.#counters.rxRejected++;
      const code = r.error.code;
      this.#counters.rejectedByReason[code] = (this.#counters.rejectedByReason[code] ?? 0) + 1;
      // A wrong key shows as a bad or unknown signature; a matching signature with a bad
      // `auth=` field is a damaged or forged message, not a key mismatch.
      const keys = code === "bad_signature" || code === "unknown_key" || code === "no_signature";
      // One line per peer address and reason (a peer may send from several ports).
      const colon = from.lastIndexOf(":");
      const host = from.startsWith("/") || colon < 0 ? from : from.slice(0, colon);
      const n = this.#limiter.hit(`${host}:${code}`, this.#now());
      if (n > 0) {
        const what = keys
          ? `packet from ${from} on link ${link} failed authentication (${r.error.detail}): ` +
            `the sender's authkeys differ from ours; copy the same authkeys to every node`
          : code === "bad_auth_field"
          ? `packet from ${from} on link ${link} has a valid signature but a bad auth field ` +
            `(${r.error.detail}): damaged or forged; dropped`
          : `malformed packet from ${from} on link ${link}: ${r.error.detail}`;
        this.#log.warn(n > 1 ? `${what} (${n} such packets in the last 10 s)` : what);
      }
      return;
    }
    this.#step({ kind: "receive", link, msg: r.msg });
  }

  /**
   * Media bursts (datagrams that were all waiting): client writes are held from the first
   * burst's start to the last one's end, so a client gets a burst's messages in one write.
   */
  #onBurst(active: boolean): void {
    this.#bursts += active ? 1 : -1;
    if (this.#bursts === (active ? 1 : 0)) this.#api?.holdWrites(active);
  }

  #onMediaError(link: string, message: string): void {
    this.#counters.txErrors++;
    const n = this.#limiter.hit(`media:${link}`, this.#now());
    if (n > 0) this.#log.warn(`link ${link}: ${message}${n > 1 ? ` (${n} errors in 10 s)` : ""}`);
  }

  #readLoadAvg(): string {
    const now = this.#now();
    if (now - this.#loadAvgAt > 1000) {
      this.#loadAvgAt = now;
      try {
        const t = Deno.readTextFileSync("/proc/loadavg").trim().split(/\s+/);
        this.#loadAvg = t.slice(0, 5).join(" ");
      } catch {
        // keep the last value
      }
    }
    return this.#loadAvg;
  }
}

export { MediaError };

/** Bytes as lowercase hex (uuids in status reports). */
function hex(b: Uint8Array): string {
  return [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
}
