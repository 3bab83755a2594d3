/**
 * The binary messages of Heartbeat's CCM client socket (membership/ccm/ccmlib.h, 3.0.6):
 * C structs sent as-is, in host byte order, one per IPC frame. libccmclient reads them
 * straight into memory, so the layout is the x86-64/arm64 gcc one (ints 4 bytes, little
 * endian, no packing):
 *
 *   ccm_llm_t      int ev=CCM_LLM(4); uint n; int mynode; n × { uint Uuid; char Id[255]; pad 1 }
 *   ccm_meminfo_t  int ev=CCM_NEW_MEMBERSHIP(2); int n; int trans; int quorum;
 *                  n × { int index; int bornon }
 *   influx/evict   int ev (CCM_INFLUX 3 / CCM_EVICTED 1)
 *
 * `index` of a member is the `Uuid` of its LLM entry (the client looks the name up by it).
 */

/** Event codes (ccmlib.h). */
export const CCM_EV = { EVICTED: 1, NEW_MEMBERSHIP: 2, INFLUX: 3, LLM: 4 } as const;

/** `char Id[NODEIDSIZE]` (ccmlib.h NODEIDSIZE). */
export const NODEIDSIZE = 255;
/** sizeof(struct node_s): uint + char[255], padded to int alignment. */
export const LLM_NODE_SIZE = 260;
/** offsetof(ccm_llm_t, node). */
export const LLM_HEADER = 12;
/** offsetof(ccm_meminfo_t, member). */
export const MEMINFO_HEADER = 16;
/** sizeof(born_t). */
export const BORN_SIZE = 8;

/** The low-level membership: every configured node with its index. */
export interface CcmNodeList {
  /** Node names; a node's `Uuid` and member `index` is its position here. */
  readonly nodes: readonly string[];
  /** Index of the local node. */
  readonly mynode: number;
}

/** One member of a membership: its node index and the instance it joined at. */
export interface CcmMember {
  readonly index: number;
  readonly bornon: number;
}

/** A membership as libccmclient receives it. */
export interface CcmMemInfo {
  /** Transition number (our view instance). */
  readonly trans: number;
  readonly quorum: boolean;
  readonly members: readonly CcmMember[];
}

/** Why a CCM client message could not be read. */
export interface CcmStructError {
  readonly kind: "ccm_struct";
  readonly detail: string;
}

const latin1 = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff);

/** Encodes ccm_llm_t. A name longer than 254 bytes is cut (strncpy into Id[255]). */
export function encodeLlm(list: CcmNodeList): Uint8Array {
  const out = new Uint8Array(LLM_HEADER + list.nodes.length * LLM_NODE_SIZE);
  const dv = new DataView(out.buffer);
  dv.setInt32(0, CCM_EV.LLM, true);
  dv.setUint32(4, list.nodes.length, true);
  dv.setInt32(8, list.mynode, true);
  list.nodes.forEach((name, i) => {
    const at = LLM_HEADER + i * LLM_NODE_SIZE;
    dv.setUint32(at, i, true);
    out.set(latin1(name).subarray(0, NODEIDSIZE - 1), at + 4);
  });
  return out;
}

/** Encodes ccm_meminfo_t for a new membership. */
export function encodeMemInfo(m: CcmMemInfo): Uint8Array {
  const out = new Uint8Array(MEMINFO_HEADER + m.members.length * BORN_SIZE);
  const dv = new DataView(out.buffer);
  dv.setInt32(0, CCM_EV.NEW_MEMBERSHIP, true);
  dv.setInt32(4, m.members.length, true);
  dv.setInt32(8, m.trans, true);
  dv.setInt32(12, m.quorum ? 1 : 0, true);
  m.members.forEach((b, i) => {
    dv.setInt32(MEMINFO_HEADER + i * BORN_SIZE, b.index, true);
    dv.setInt32(MEMINFO_HEADER + i * BORN_SIZE + 4, b.bornon, true);
  });
  return out;
}

/** Encodes a bare event (CCM_INFLUX or CCM_EVICTED): one int. */
export function encodeBareEvent(ev: typeof CCM_EV.INFLUX | typeof CCM_EV.EVICTED): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setInt32(0, ev, true);
  return out;
}

/** A decoded client-socket message (for tests and TypeScript CCM clients). */
export type CcmMessage =
  | { readonly ev: "llm"; readonly list: CcmNodeList }
  | { readonly ev: "membership"; readonly info: CcmMemInfo }
  | { readonly ev: "influx" }
  | { readonly ev: "evicted" };

/** Decodes one message body as libccmclient would read it. */
export function decodeCcmMessage(
  b: Uint8Array,
): { ok: true; msg: CcmMessage } | { ok: false; error: CcmStructError } {
  const fail = (detail: string) => ({
    ok: false as const,
    error: { kind: "ccm_struct" as const, detail },
  });
  if (b.length < 4) return fail(`${b.length}-byte message is shorter than its event code`);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const ev = dv.getInt32(0, true);
  switch (ev) {
    case CCM_EV.INFLUX:
      return { ok: true, msg: { ev: "influx" } };
    case CCM_EV.EVICTED:
      return { ok: true, msg: { ev: "evicted" } };
    case CCM_EV.LLM: {
      if (b.length < LLM_HEADER) return fail("node list shorter than its header");
      const n = dv.getUint32(4, true);
      if (b.length !== LLM_HEADER + n * LLM_NODE_SIZE) {
        return fail(`node list of ${n} nodes is ${b.length} bytes`);
      }
      const nodes: string[] = [];
      for (let i = 0; i < n; i++) {
        const at = LLM_HEADER + i * LLM_NODE_SIZE;
        if (dv.getUint32(at, true) !== i) {
          return fail(`node ${i} has Uuid ${dv.getUint32(at, true)}`);
        }
        const id = b.subarray(at + 4, at + 4 + NODEIDSIZE);
        const end = id.indexOf(0);
        nodes.push(String.fromCharCode(...(end < 0 ? id : id.subarray(0, end))));
      }
      const mynode = dv.getInt32(8, true);
      if (mynode < 0 || mynode >= n) return fail(`mynode ${mynode} is not one of ${n} nodes`);
      return { ok: true, msg: { ev: "llm", list: { nodes, mynode } } };
    }
    case CCM_EV.NEW_MEMBERSHIP: {
      if (b.length < MEMINFO_HEADER) return fail("membership shorter than its header");
      const n = dv.getInt32(4, true);
      if (n < 0 || b.length !== MEMINFO_HEADER + n * BORN_SIZE) {
        return fail(`membership of ${n} members is ${b.length} bytes`);
      }
      const members: CcmMember[] = [];
      for (let i = 0; i < n; i++) {
        const at = MEMINFO_HEADER + i * BORN_SIZE;
        members.push({ index: dv.getInt32(at, true), bornon: dv.getInt32(at + 4, true) });
      }
      return {
        ok: true,
        msg: {
          ev: "membership",
          info: { trans: dv.getInt32(8, true), quorum: dv.getInt32(12, true) !== 0, members },
        },
      };
    }
    default:
      return fail(`unknown event code ${ev}`);
  }
}
