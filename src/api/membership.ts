/**
 * Membership views on the client API: our own extension of Heartbeat's protocol.
 *
 * Real Heartbeat clients (cl_status, ipfail, dopd, api_test) never see any of it: a client
 * asks with requests of our own types (`reqtype=hbts_memquery`, `hbts_memsub`,
 * `hbts_memunsub`) and only a subscribed session receives `t=hbts_memview` messages. Real
 * Heartbeat answers those requests `result=badreq`, so our client can tell it is not us.
 *
 * A view message (the one-shot answer carries the same fields):
 *   t=hbts_memview node=<local node> viewid=<id> instance=<decimal> leader=<node>
 *   nmembers=<n> members=<names, one space between> quorum=1|0 [reason=<why>]
 * Node names are hostnames (ha.cf `node` lines), so a space never occurs inside one.
 */

import { Message } from "../wire/message.ts";

/** Message type of a pushed view. */
export const T_MEMVIEW = "hbts_memview";

/** Request types of the membership extension. */
export const MEMREQ = {
  /** One-shot: the reply carries the current view (or `view=none`). */
  QUERY: "hbts_memquery",
  /** Subscribe: reply OK, then the current view, then every change. */
  SUBSCRIBE: "hbts_memsub",
  /** Unsubscribe: reply OK; no more view messages. */
  UNSUBSCRIBE: "hbts_memunsub",
} as const;

/** One agreed membership as clients see it (the daemon's CCM view). */
export interface MembershipView {
  /** Unique view id (`instance.leader.generation.round`); same id ⇒ same members. */
  readonly id: string;
  /** Membership instance: strictly increasing on a node. */
  readonly instance: number;
  /** The node that formed the view. */
  readonly leader: string;
  /** Members sorted by name. */
  readonly members: readonly string[];
  /** Whether the members hold quorum. */
  readonly quorum: boolean;
}

/** A view delivered to a subscriber, with where it came from. */
export interface MembershipEvent {
  /** The node whose daemon delivered it. */
  readonly node: string;
  readonly view: MembershipView;
  /** Why the view changed (the CCM's reason), when known. */
  readonly reason: string | undefined;
}

/** Why a view message could not be read. */
export interface MembershipParseError {
  readonly kind: "membership_parse";
  readonly detail: string;
}

/** Writes the view fields onto `m` (shared by the pushed message and the query reply). */
export function addViewFields(m: Message, view: MembershipView): Message {
  m.set("viewid", view.id);
  m.set("instance", String(view.instance));
  m.set("leader", view.leader);
  m.set("nmembers", String(view.members.length));
  m.set("members", view.members.join(" "));
  m.set("quorum", view.quorum ? "1" : "0");
  return m;
}

/** The `t=hbts_memview` message a subscriber receives. */
export function membershipViewMessage(
  node: string,
  view: MembershipView,
  reason?: string,
): Message {
  const m = addViewFields(Message.of({ t: T_MEMVIEW, node }), view);
  if (reason !== undefined) m.set("reason", reason);
  return m;
}

/**
 * Reads the view fields of a view message or query reply. `undefined` when the message
 * says there is no view yet (`view=none`).
 */
export function parseViewFields(
  m: Message,
): { ok: true; view: MembershipView | undefined } | { ok: false; error: MembershipParseError } {
  const fail = (detail: string) => ({
    ok: false as const,
    error: { kind: "membership_parse" as const, detail },
  });
  if (m.get("view") === "none") return { ok: true, view: undefined };
  const id = m.get("viewid");
  const instanceText = m.get("instance");
  const leader = m.get("leader");
  const countText = m.get("nmembers");
  const membersText = m.get("members");
  const quorumText = m.get("quorum");
  if (id === undefined || id === "") return fail("view message without viewid");
  if (instanceText === undefined || !/^[0-9]+$/.test(instanceText)) {
    return fail(`view ${id}: instance "${instanceText ?? ""}" is not a number`);
  }
  if (leader === undefined || leader === "") return fail(`view ${id}: no leader`);
  if (countText === undefined || !/^[0-9]+$/.test(countText)) {
    return fail(`view ${id}: nmembers "${countText ?? ""}" is not a number`);
  }
  const members = membersText === undefined || membersText === "" ? [] : membersText.split(" ");
  if (members.length !== Number(countText) || members.some((x) => x === "")) {
    return fail(`view ${id}: nmembers=${countText} but members="${membersText ?? ""}"`);
  }
  if (quorumText !== "0" && quorumText !== "1") {
    return fail(`view ${id}: quorum "${quorumText ?? ""}" is not 0 or 1`);
  }
  return {
    ok: true,
    view: { id, instance: Number(instanceText), leader, members, quorum: quorumText === "1" },
  };
}

/** Reads a pushed `t=hbts_memview` message. */
export function parseMembershipEvent(
  m: Message,
): { ok: true; event: MembershipEvent } | { ok: false; error: MembershipParseError } {
  if (m.get("t") !== T_MEMVIEW) {
    return {
      ok: false,
      error: { kind: "membership_parse", detail: `not a view message (t=${m.get("t")})` },
    };
  }
  const r = parseViewFields(m);
  if (!r.ok) return r;
  if (r.view === undefined) {
    return {
      ok: false,
      error: { kind: "membership_parse", detail: "view message without a view" },
    };
  }
  return { ok: true, event: { node: m.get("node") ?? "", view: r.view, reason: m.get("reason") } };
}
