/**
 * NodeCore: the Heartbeat protocol of one node as a pure state machine. The daemon feeds
 * it events with the monotonic time and carries out the returned actions; it must send a
 * `tick` at `nextDeadline()`.
 *
 * Where we differ from Heartbeat 3.0.6 on purpose (the wire stays compatible):
 * - We advertise our configured deadtime from the start; Heartbeat adds 2 s for the first
 *   5 s (`dt=1b58` in captures) and sends an extra status when it drops back.
 * - We go `active` as soon as every configured node was heard, or at initdead, whichever
 *   comes first, so a cluster becomes mutually active quickly.
 * - A node seen again in the same generation after we declared it dead rejoins (CRIT log);
 *   Heartbeat re-executes itself 2 s later when it manages resources — we never do.
 * - Restart (higher `hg`) is recognised on any sequenced message, not only `status`, so a
 *   lost first status does not leave the restarted node's messages dropped as duplicates.
 * - After a peer's `shutdone`, further messages of that generation do not revive it (its
 *   trailing statuses would otherwise bring it back for a deadtime).
 * - A local `send` addressed to ourselves is delivered locally without using a seq.
 */
import { Message } from "../wire/message.ts";
import { hex, isUnsequenced, parseDec, parseHex, sameUuid, stampStandardFields } from "./fields.ts";
import { MAXMSGHIST, SentHistory } from "./history.ts";
import { Liveness } from "./liveness.ts";
import { RexmitScheduler } from "./rexmit.ts";
import { SEQGAP, SeqTrack } from "./seqtrack.ts";
import type {
  CoreAction,
  CoreConfig,
  CoreCounters,
  CoreEnv,
  CoreEvent,
  CoreSnapshot,
  DropReason,
  NodeSnapshot,
  NodeStatus,
} from "./types.ts";

/** Sequenced types the core consumes itself instead of handing to clients. */
const CONTROL_TYPES = new Set(["status", "reqnodes", "repnodes"]);
/** Most seqs served per NS_rexmit (MAX_REXMIT_BATCH). */
export const MAX_REXMIT_BATCH = 50;
/** A seq is not resent twice within this window (several receivers asking at once). */
export const REXMIT_RESEND_GAP_MS = 50;
/** Acks are sent when seq % ACK_MSG_DIV == the per-peer trigger. */
export const ACK_MSG_DIV = 10;
/** A live peer this many of our seqs behind should have acked by now (several triggers). */
export const LATE_ACK_SEQS = 3 * ACK_MSG_DIV;

interface Peer {
  name: string;
  status: NodeStatus;
  uuid: Uint8Array | null;
  generation: number | null;
  track: SeqTrack;
  ackTrigger: number;
  /** Highest of our seqs this peer acked (it has everything up to it). */
  ackedByPeer: number;
  /**
   * Flow control floor: our lastSeq when this peer (or its generation) was first heard; it
   * never asks for older seqs, so they do not count as unacked by it.
   */
  flowFloor: number;
  /** Highest of its seqs we acked (acks go out at least every ACK_MSG_DIV seqs). */
  lastAckSent: number;
  /** Since when it is over LATE_ACK_SEQS behind in acking us (flow control), or null. */
  lateSince: number | null;
  /** Generation that announced `shutdone`; messages of it no longer revive the node. */
  shutdownGen: number | null;
  reqnodesSent: boolean;
  everHeard: boolean;
  /** Seq of the newest status applied: a retransmitted older status must not roll back. */
  lastStatusSeq: number;
}

/** The protocol core of one node. */
export class NodeCore {
  private readonly peers = new Map<string, Peer>();
  private readonly liveness: Liveness;
  private readonly history = new SentHistory();
  private readonly rexmit: RexmitScheduler;
  private readonly lastResent = new Map<number, number>();
  private readonly unknownWarned = new Set<string>();
  private status: NodeStatus = "init";
  private started = false;
  private stopped = false;
  private activeAt = Infinity;
  private nextStatusAt = Infinity;
  private readonly counters: CoreCounters = {
    sent: 0,
    received: 0,
    delivered: 0,
    dropped: {
      no_src: 0,
      unknown_node: 0,
      no_seq: 0,
      bad_seq: 0,
      bad_generation: 0,
      replay: 0,
      duplicate: 0,
      own: 0,
    },
    notForUs: 0,
    rexmitRequested: 0,
    rexmitServed: 0,
    rexmitNaked: 0,
    lost: 0,
    acksSent: 0,
    deaths: 0,
  };
  private lastNow = 0;

  constructor(private readonly cfg: CoreConfig, private readonly env: CoreEnv) {
    const others = [...new Set(cfg.nodes)].filter((n) => n !== cfg.self);
    for (const name of others) {
      this.peers.set(name, {
        name,
        status: "init",
        uuid: null,
        generation: null,
        track: new SeqTrack(),
        ackTrigger: Math.floor(env.random() * ACK_MSG_DIV),
        ackedByPeer: 0,
        flowFloor: 0,
        lastAckSent: 0,
        lateSince: null,
        shutdownGen: null,
        reqnodesSent: false,
        everHeard: false,
        lastStatusSeq: 0,
      });
    }
    this.liveness = new Liveness(others, cfg.links, cfg.deadtimeMs, cfg.warntimeMs);
    this.rexmit = new RexmitScheduler(cfg.maxRexmitDelayMs);
  }

  /** Handles one event at monotonic time `now` (ms) and returns what to do. */
  step(ev: CoreEvent, now: number): CoreAction[] {
    if (this.stopped) return [];
    this.lastNow = now;
    const out: CoreAction[] = [];
    switch (ev.kind) {
      case "start":
        this.onStart(now, out);
        break;
      case "tick":
        break;
      case "receive":
        if (this.started) this.onReceive(ev.link, ev.msg, now, out);
        break;
      case "send":
        if (this.started) this.onLocalSend(ev.msg, ev.dest, out);
        break;
      case "shutdown":
        this.onShutdown(out);
        return out;
    }
    if (this.started) this.onTimers(now, out);
    return out;
  }

  /** When the daemon must step a `tick` next (monotonic ms); Infinity when nothing is due. */
  nextDeadline(): number {
    if (!this.started || this.stopped) return Infinity;
    return Math.min(
      this.nextStatusAt,
      this.status === "active" ? Infinity : this.activeAt,
      this.liveness.nextDeadline(),
      this.rexmit.nextDeadline(),
    );
  }

  /**
   * Flow control: how many of our sequenced messages the slowest live peer has not acked yet
   * (0 without live peers). Dead and never-heard peers do not count, so they cannot block
   * clients forever; nor does a live peer that stayed over LATE_ACK_SEQS behind for a whole
   * deadtime (it hears us no more, or never acks): its history may then age out, as before.
   * The daemon stops reading clients while this is high (Heartbeat does the same) so the
   * retransmission history never ages out under a flood. Call it after every step.
   */
  unackedBacklog(): number {
    let worst = 0;
    const last = this.history.lastSeq;
    for (const p of this.peers.values()) {
      if (p.status === "dead" || p.status === "init" || !p.everHeard) continue;
      if (p.shutdownGen !== null) continue;
      const behind = last - Math.max(p.ackedByPeer, p.flowFloor);
      if (behind <= LATE_ACK_SEQS) {
        p.lateSince = null;
      } else if (p.lateSince === null) {
        p.lateSince = this.lastNow;
      } else if (this.lastNow - p.lateSince > this.liveness.deadtimeOf(p.name)) {
        continue;
      }
      if (behind > worst) worst = behind;
    }
    return worst;
  }

  /** State for status tools, as of the last step. */
  snapshot(): CoreSnapshot {
    const now = this.lastNow;
    const nodes: NodeSnapshot[] = [{
      name: this.cfg.self,
      status: this.status,
      lastHeardAgoMs: null,
      generation: this.cfg.generation,
      uuid: this.cfg.selfUuid,
      deadtimeMs: this.cfg.deadtimeMs,
      links: this.cfg.links.map((name) => ({
        name,
        status: this.started ? "up" as const : "init" as const,
      })),
    }];
    for (const p of this.peers.values()) {
      const heard = this.liveness.lastHeard(p.name);
      nodes.push({
        name: p.name,
        status: p.status,
        lastHeardAgoMs: heard === null ? null : now - heard,
        generation: p.generation,
        uuid: p.uuid,
        deadtimeMs: this.liveness.deadtimeOf(p.name),
        links: this.liveness.linkStatuses(p.name),
      });
    }
    return {
      self: this.cfg.self,
      status: this.status,
      generation: this.cfg.generation,
      lastSeqSent: this.history.lastSeq,
      nodes,
      counters: structuredClone(this.counters),
    };
  }

  // ---- start, status, shutdown -------------------------------------------------------

  private onStart(now: number, out: CoreAction[]): void {
    if (this.started) return;
    this.started = true;
    this.liveness.start(now, this.cfg.initdeadMs);
    this.activeAt = now + this.cfg.initdeadMs;
    this.sendStatus(now, out); // st=init, as Heartbeat's first message
    this.setSelfStatus("up", "started", out);
    this.sendStatus(now, out);
    this.maybeGoActive(now, out);
  }

  private setSelfStatus(status: NodeStatus, reason: string, out: CoreAction[]): void {
    if (status === this.status) return;
    const previous = this.status;
    this.status = status;
    out.push({ kind: "node_status", node: this.cfg.self, status, previous, reason });
    out.push({ kind: "log", level: "info", text: `Local status now set to: '${status}'` });
  }

  private maybeGoActive(now: number, out: CoreAction[]): void {
    if (this.status !== "up") return;
    const allHeard = [...this.peers.values()].every((p) => p.everHeard);
    if (!allHeard && now < this.activeAt) return;
    this.setSelfStatus("active", allHeard ? "all nodes heard" : "initdead elapsed", out);
    this.sendStatus(now, out);
  }

  private statusMessage(): Message {
    return Message.of({
      t: "status",
      st: this.status,
      dt: hex(this.cfg.deadtimeMs),
      protocol: "1",
    });
  }

  private sendStatus(now: number, out: CoreAction[]): void {
    this.sendSequenced(this.statusMessage(), out);
    this.nextStatusAt = now + this.cfg.keepaliveMs;
  }

  private onShutdown(out: CoreAction[]): void {
    if (this.started) {
      this.sendSequenced(Message.of({ t: "shutdone", st: "dead" }), out);
      this.sendSequenced(this.statusMessage(), out);
    }
    out.push({ kind: "log", level: "info", text: "Heartbeat shutdown complete." });
    out.push({ kind: "stopped" });
    this.stopped = true;
  }

  // ---- sending ------------------------------------------------------------------------

  private sendSequenced(msg: Message, out: CoreAction[]): Message {
    const seq = this.history.lastSeq + 1;
    stampStandardFields(msg, this.cfg, this.env, seq);
    this.history.put(seq, msg);
    this.counters.sent++;
    out.push({ kind: "transmit", msg });
    return msg;
  }

  private sendUnsequenced(msg: Message, out: CoreAction[]): void {
    stampStandardFields(msg, this.cfg, this.env, null);
    this.counters.sent++;
    out.push({ kind: "transmit", msg });
  }

  private onLocalSend(client: Message, dest: string | undefined, out: CoreAction[]): void {
    const msg = client.clone();
    const to = dest ?? msg.get("dest");
    if (to === this.cfg.self) {
      // Heartbeat delivers it like any cluster message: with src (api_test prints it).
      msg.set("dest", to);
      stampStandardFields(msg, this.cfg, this.env, null);
      this.deliver(msg, out);
      return;
    }
    if (dest !== undefined) msg.set("dest", dest);
    if (isUnsequenced(msg.get("t"))) this.sendUnsequenced(msg, out);
    else this.sendSequenced(msg, out);
    if (to === undefined) this.deliver(msg, out);
  }

  private deliver(msg: Message, out: CoreAction[]): void {
    this.counters.delivered++;
    out.push({ kind: "deliver", msg });
  }

  /** A node-directed control message: dest (+destuuid when known) in capture order. */
  private directed(type: string, peer: Peer, extra: Record<string, string>): Message {
    const m = Message.of({ t: type, dest: peer.name, ...extra });
    if (peer.uuid) m.setBinary("destuuid", peer.uuid);
    return m;
  }

  // ---- receiving ----------------------------------------------------------------------

  private drop(reason: DropReason, out: CoreAction[], node?: string): void {
    this.counters.dropped[reason]++;
    out.push(node === undefined ? { kind: "drop", reason } : { kind: "drop", reason, node });
  }

  private addressedToUs(msg: Message): boolean {
    const destuuid = msg.getBinary("destuuid");
    if (destuuid) return sameUuid(destuuid, this.cfg.selfUuid);
    const dest = msg.get("dest");
    return dest === undefined || dest === this.cfg.self;
  }

  private onReceive(link: string, msg: Message, now: number, out: CoreAction[]): void {
    const src = msg.get("src");
    if (src === undefined) return this.drop("no_src", out);
    if (src === this.cfg.self) return this.drop("own", out, src);
    const peer = this.peers.get(src);
    if (!peer) {
      if (!this.unknownWarned.has(src) && this.unknownWarned.size < 64) {
        this.unknownWarned.add(src);
        out.push({
          kind: "log",
          level: "warn",
          text: `Messages from node '${src}', which is not in ha.cf, are ignored`,
        });
      }
      return this.drop("unknown_node", out, src);
    }
    this.counters.received++;
    const hg = parseHex(msg.get("hg"));
    if (hg === null) return this.drop("bad_generation", out, src);
    if (peer.generation !== null && hg < peer.generation) {
      out.push({
        kind: "log",
        level: "warn",
        text:
          `Dropping message from ${src}: generation ${hg} < ${peer.generation} (attempted replay attack?)`,
      });
      return this.drop("replay", out, src);
    }
    const srcuuid = msg.getBinary("srcuuid");
    if (srcuuid && srcuuid.length === 16) peer.uuid = srcuuid;
    const type = msg.get("t");
    const toUs = this.addressedToUs(msg);

    if (isUnsequenced(type)) {
      this.noteHeard(peer, link, undefined, hg, peer.generation === hg, now, out);
      if (!toUs) {
        this.counters.notForUs++;
        return;
      }
      if (type === "NS_rexmit") this.serveRexmit(peer, msg, out);
      else if (type === "NS_nak_rexmit") this.onNak(peer, msg, now, out);
      else if (type === "NS_ackmsg") this.onAck(peer, msg);
      return;
    }

    const seqText = msg.get("seq");
    if (seqText === undefined) return this.drop("no_seq", out, src);
    const seq = parseHex(seqText);
    if (seq === null || seq <= 0) return this.drop("bad_seq", out, src);

    const sameGen = peer.generation === hg;
    if (peer.generation === null) {
      peer.generation = hg;
    } else if (hg > peer.generation) {
      out.push({ kind: "log", level: "info", text: `Heartbeat restart on node ${src}` });
      peer.generation = hg;
      peer.track = new SeqTrack();
      peer.ackedByPeer = 0;
      peer.flowFloor = this.history.lastSeq;
      peer.lastAckSent = 0;
      peer.reqnodesSent = false;
      peer.shutdownGen = null;
      peer.lastStatusSeq = 0;
      this.rexmit.removeNode(src);
    }
    const freshStatus = type === "status" && seq > peer.lastStatusSeq;
    this.noteHeard(peer, link, freshStatus ? msg.get("st") : undefined, hg, sameGen, now, out);

    const deliverable = toUs && type !== undefined && !CONTROL_TYPES.has(type);
    const r = peer.track.accept(seq, deliverable ? msg : null);
    const v = r.verdict;
    if (v.kind === "duplicate") return this.drop("duplicate", out, src);
    if (v.kind === "gap") {
      for (const s of v.missing) {
        this.rexmit.add(src, s, now + this.env.random() * this.cfg.maxRexmitDelayMs);
      }
    } else if (v.kind === "fill") {
      this.rexmit.remove(src, seq);
    } else if (v.kind === "reset") {
      this.rexmit.removeNode(src);
      out.push({
        kind: "log",
        level: "warn",
        text: `Sequence gap from ${src} above ${SEQGAP}: tracking restarted at ${seq}` +
          (v.abandoned.length ? `, ${v.abandoned.length} packets irretrievably lost` : ""),
      });
      this.counters.lost += v.abandoned.length;
    }
    for (const s of r.overflowLost) this.lostPacket(peer, s, "too many held", out);
    for (const m of r.released) this.deliver(m, out);

    this.maybeAck(peer, seq, v.kind, out);

    if (freshStatus) this.onStatus(peer, seq, msg, hg, out);
    else if (toUs) this.onControl(peer, type, hg, out);
    if (!peer.reqnodesSent && peer.shutdownGen === null) {
      peer.reqnodesSent = true;
      this.sendSequenced(this.directed("reqnodes", peer, {}), out);
    }
    this.maybeGoActive(now, out);
  }

  /**
   * Acks `peer`'s seqs: on its trigger seq when it has no holes (as Heartbeat), and also
   * whenever what we hold contiguously moved ACK_MSG_DIV past our last ack, or a
   * retransmission filled a hole — even while later holes remain — so a sender pausing its
   * clients for flow control keeps hearing from us.
   */
  private maybeAck(peer: Peer, seq: number, kind: string, out: CoreAction[]): void {
    const upTo = peer.track.contiguousTo();
    if (upTo <= peer.lastAckSent) return;
    const trigger = (kind === "in_order" || kind === "first") && upTo === seq &&
      seq % ACK_MSG_DIV === peer.ackTrigger;
    const due = trigger || upTo - peer.lastAckSent >= ACK_MSG_DIV || kind === "fill";
    if (!due) return;
    peer.lastAckSent = upTo;
    this.counters.acksSent++;
    this.sendUnsequenced(this.directed("NS_ackmsg", peer, { ackseq: hex(upTo) }), out);
  }

  /**
   * Liveness and status bookkeeping for any authenticated message not from a generation that
   * already said `shutdone`. `sameGen` is false when this message just revealed a restart.
   * A dead or never-heard node comes back with the status `st` its newest status message
   * announces, or `up` (anything else).
   */
  private noteHeard(
    peer: Peer,
    link: string,
    st: string | undefined,
    hg: number,
    sameGen: boolean,
    now: number,
    out: CoreAction[],
  ): void {
    if (peer.shutdownGen !== null && hg <= peer.shutdownGen) return;
    const h = this.liveness.heard(peer.name, link, now);
    if (h.linkUp) out.push({ kind: "link_status", node: peer.name, link, status: "up" });
    const firstHeard = !peer.everHeard;
    peer.everHeard = true;
    if (peer.status === "dead" || peer.status === "init") {
      // Returning or new: what it missed while away must not hold up our clients.
      peer.flowFloor = Math.max(peer.flowFloor, this.history.lastSeq);
      const wasDead = peer.status === "dead";
      if (wasDead && sameGen) {
        out.push({
          kind: "log",
          level: "crit",
          text: `Cluster node ${peer.name} returning after partition.`,
        });
      }
      const next: NodeStatus = st === "init" || st === "up" || st === "active" ? st : "up";
      // A restarted peer announces `init`; its next message is not a "first" hearing.
      const why = wasDead ? "heard again" : firstHeard ? "first heard" : "heard after init";
      this.setPeerStatus(peer, next, why, out);
    }
  }

  private setPeerStatus(peer: Peer, status: NodeStatus, reason: string, out: CoreAction[]): void {
    if (peer.status === status) return;
    const previous = peer.status;
    peer.status = status;
    if (status === "dead") this.counters.deaths++;
    // The daemon logs node_status itself; a log action here would print every change twice.
    out.push({ kind: "node_status", node: peer.name, status, previous, reason });
  }

  /** A status message newer than any applied: its deadtime and status. */
  private onStatus(peer: Peer, seq: number, msg: Message, hg: number, out: CoreAction[]): void {
    if (peer.shutdownGen !== null && hg <= peer.shutdownGen) return;
    peer.lastStatusSeq = seq;
    const dt = parseHex(msg.get("dt"));
    if (dt !== null && dt > 0) this.liveness.setDeadtime(peer.name, dt);
    const st = msg.get("st");
    if (st === "init" || st === "up" || st === "active") {
      this.setPeerStatus(peer, st, "status message", out);
    }
  }

  /** Control messages addressed to us (or to all) that the core answers itself. */
  private onControl(
    peer: Peer,
    type: string | undefined,
    hg: number,
    out: CoreAction[],
  ): void {
    switch (type) {
      case "reqnodes": {
        const names = [...new Set(this.cfg.nodes)].map((n) => n + " ").join("");
        // Field order as in captures: dest first, then t.
        const m = Message.of({ dest: peer.name, t: "repnodes", nodelist: names, delnodelist: " " });
        if (peer.uuid) m.setBinary("destuuid", peer.uuid);
        this.sendSequenced(m, out);
        return;
      }
      case "shutdone":
        out.push({
          kind: "log",
          level: "info",
          text: `Received shutdown notice from '${peer.name}'.`,
        });
        peer.shutdownGen = hg;
        this.liveness.markDead(peer.name);
        this.setPeerStatus(peer, "dead", "shutdown notice", out);
        return;
    }
  }

  // ---- retransmission -----------------------------------------------------------------

  private serveRexmit(peer: Peer, msg: Message, out: CoreAction[]): void {
    const first = parseDec(msg.get("firstseq"));
    const last = parseDec(msg.get("lastseq"));
    if (first === null || last === null || last < first) {
      out.push({
        kind: "log",
        level: "debug",
        text: `Malformed NS_rexmit from ${peer.name} ignored`,
      });
      return;
    }
    const end = Math.min(last, first + MAX_REXMIT_BATCH - 1);
    for (let s = first; s <= end; s++) {
      if (s <= peer.ackedByPeer) continue;
      const h = this.history.lookup(s);
      if (h.kind === "not_sent") continue;
      if (h.kind === "too_old") {
        this.counters.rexmitNaked++;
        this.sendUnsequenced(
          Message.of({
            t: "NS_nak_rexmit",
            firstseq: hex(s),
            dest: peer.name,
            info: "seqno too low",
          }),
          out,
        );
        continue;
      }
      const prev = this.lastResent.get(s);
      if (prev !== undefined && this.lastNow - prev < REXMIT_RESEND_GAP_MS) continue;
      this.lastResent.set(s, this.lastNow);
      if (this.lastResent.size > 2 * MAXMSGHIST) {
        for (const k of this.lastResent.keys()) {
          if (k <= this.history.lastSeq - MAXMSGHIST) this.lastResent.delete(k);
        }
      }
      this.counters.rexmitServed++;
      out.push({ kind: "transmit", msg: h.msg });
    }
  }

  private onNak(peer: Peer, msg: Message, _now: number, out: CoreAction[]): void {
    const seq = parseHex(msg.get("firstseq"));
    if (seq === null || !peer.track.isMissing(seq)) return;
    this.lostPacket(peer, seq, "NAKed", out);
  }

  private lostPacket(peer: Peer, seq: number, why: string, out: CoreAction[]): void {
    this.rexmit.remove(peer.name, seq);
    this.counters.lost++;
    out.push({
      kind: "log",
      level: "error",
      text: `Irretrievably lost packet: node ${peer.name} seq ${seq} (${why})`,
    });
    for (const m of peer.track.giveUp(seq)) this.deliver(m, out);
  }

  private onAck(peer: Peer, msg: Message): void {
    const ack = parseHex(msg.get("ackseq"));
    if (ack !== null && ack <= this.history.lastSeq && ack > peer.ackedByPeer) {
      peer.ackedByPeer = ack;
    }
  }

  // ---- timers ---------------------------------------------------------------------------

  private onTimers(now: number, out: CoreAction[]): void {
    for (const e of this.liveness.expire(now)) {
      const peer = this.peers.get(e.node)!;
      // warn_late and link_status are logged by the daemon (no duplicate log action here).
      if (e.kind === "warn") {
        out.push({ kind: "warn_late", node: e.node, silentMs: e.silentMs });
      } else if (e.kind === "link_dead") {
        out.push({ kind: "link_status", node: e.node, link: e.link, status: "dead" });
      } else if (peer.status !== "dead") {
        this.setPeerStatus(
          peer,
          "dead",
          e.neverHeard ? "not heard within initdead" : `silent for ${Math.round(e.silentMs)} ms`,
          out,
        );
      }
    }
    for (const d of this.rexmit.due(now)) {
      const peer = this.peers.get(d.node)!;
      if (d.kind === "give_up") {
        this.lostPacket(peer, d.seq, "no answer to retransmission requests", out);
      } else {
        this.counters.rexmitRequested++;
        this.sendUnsequenced(
          Message.of({
            t: "NS_rexmit",
            dest: d.node,
            firstseq: String(d.seq),
            lastseq: String(d.seq),
          }),
          out,
        );
      }
    }
    this.maybeGoActive(now, out);
    if (now >= this.nextStatusAt) this.sendStatus(now, out);
  }
}
