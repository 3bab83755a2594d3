/**
 * Our CCM messages. They travel as ordinary cluster messages through the heartbeat core
 * (sequenced, retransmitted, authenticated) with their own `t=` types, so a real ccm — which
 * only handles `CCM_TYPE_*` — never acts on them; `to_id`/`from_id` name a client no real
 * Heartbeat node has, so its master delivers them to nobody.
 */
import { Message } from "../wire/message.ts";
import { parseHex } from "../core/fields.ts";

/** Client id stamped as from_id/to_id. */
export const CCM_CLIENT_ID = "hbts_ccm";

export const CCM_TYPES = {
  /**
   * Broadcast: the nodes I hear (including me), my view (instance and id), and the peers
   * whose report I lack (they answer with theirs).
   */
  report: "hbccm_report",
  /** Leader → all: proposed members for a round. */
  propose: "hbccm_propose",
  /** Member → leader: I hear every proposed member (ok=1) or not (ok=0). */
  ack: "hbccm_ack",
  /** Leader → all: every member acknowledged; install the view. */
  commit: "hbccm_commit",
} as const;

const TYPE_SET = new Set<string>(Object.values(CCM_TYPES));

/** Whether a delivered message is one of ours (route it to the membership core). */
export function isCcmMessage(msg: { get(name: string): string | undefined }): boolean {
  const t = msg.get("t");
  return t !== undefined && TYPE_SET.has(t);
}

export type CcmMessage =
  | { type: "report"; hears: string[]; instance: number; viewId: string; want: string[] }
  | { type: "propose"; round: number; instance: number; members: string[] }
  | {
    type: "ack";
    round: number;
    leaderGen: number;
    ok: boolean;
    instance: number;
    /** With a refusal: whom the member hears now (the leader's copy may be stale). */
    hears: string[];
  }
  | { type: "commit"; round: number; instance: number; members: string[] };

/** Sender identity of a delivered message (stamped by the sender's core). */
export interface Origin {
  src: string;
  generation: number;
}

function names(list: string[]): string {
  return list.join(" ");
}

function parseNames(s: string | undefined): string[] | null {
  if (s === undefined) return null;
  return s.split(" ").filter((x) => x !== "");
}

function parseCount(s: string | undefined): number | null {
  if (s === undefined || !/^[0-9]{1,15}$/.test(s)) return null;
  return Number(s);
}

/** The cluster message (type-specific fields only; the core stamps the rest). */
export function encodeCcm(m: CcmMessage): Message {
  const base = { from_id: CCM_CLIENT_ID, to_id: CCM_CLIENT_ID };
  switch (m.type) {
    case "report":
      return Message.of({
        t: CCM_TYPES.report,
        hears: names(m.hears),
        inst: String(m.instance),
        vid: m.viewId,
        want: names(m.want),
        ...base,
      });
    case "propose":
    case "commit":
      return Message.of({
        t: CCM_TYPES[m.type],
        round: String(m.round),
        inst: String(m.instance),
        members: names(m.members),
        ...base,
      });
    case "ack":
      return Message.of({
        t: CCM_TYPES.ack,
        round: String(m.round),
        lhg: m.leaderGen.toString(16),
        ok: m.ok ? "1" : "0",
        inst: String(m.instance),
        hears: names(m.hears),
        ...base,
      });
  }
}

/** Parses a delivered message: null when it is not a well-formed CCM message. */
export function decodeCcm(
  msg: { get(name: string): string | undefined },
): { origin: Origin; body: CcmMessage } | null {
  const src = msg.get("src");
  const generation = parseHex(msg.get("hg"));
  if (src === undefined || generation === null) return null;
  const origin = { src, generation };
  const instance = parseCount(msg.get("inst"));
  if (instance === null) return null;
  switch (msg.get("t")) {
    case CCM_TYPES.report: {
      const hears = parseNames(msg.get("hears"));
      const want = parseNames(msg.get("want") ?? "");
      const viewId = msg.get("vid") ?? "";
      if (!hears || !want) return null;
      return { origin, body: { type: "report", hears, instance, viewId, want } };
    }
    case CCM_TYPES.propose:
    case CCM_TYPES.commit: {
      const round = parseCount(msg.get("round"));
      const members = parseNames(msg.get("members"));
      if (round === null || !members || members.length === 0) return null;
      const type = msg.get("t") === CCM_TYPES.propose ? "propose" : "commit";
      return { origin, body: { type, round, instance, members } };
    }
    case CCM_TYPES.ack: {
      const round = parseCount(msg.get("round"));
      const leaderGen = parseHex(msg.get("lhg"));
      const ok = msg.get("ok");
      const hears = parseNames(msg.get("hears") ?? "");
      if (round === null || leaderGen === null || (ok !== "0" && ok !== "1") || !hears) return null;
      return { origin, body: { type: "ack", round, leaderGen, ok: ok === "1", instance, hears } };
    }
  }
  return null;
}
