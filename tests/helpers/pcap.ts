/**
 * A small reader for classic libpcap files (not pcapng): both byte orders, microsecond and
 * nanosecond magic, link types Ethernet (1), Linux cooked SLL (113) and SLL2 (276), IPv4 +
 * UDP only (other packets and IP fragments are skipped). Enough to replay test captures.
 */

export interface UdpPacket {
  /** Capture time in seconds since the epoch (fractional). */
  readonly ts: number;
  readonly src: string;
  readonly sport: number;
  readonly dst: string;
  readonly dport: number;
  readonly payload: Uint8Array;
}

const LINK_ETHERNET = 1;
const LINK_SLL = 113;
const LINK_SLL2 = 276;

/** Offset of the network-layer header and its ethertype, per link type; null if unknown. */
function networkStart(link: number, p: Uint8Array): { at: number; etherType: number } | null {
  const be16 = (o: number) => (p[o] << 8) | p[o + 1];
  switch (link) {
    case LINK_ETHERNET: {
      if (p.length < 14) return null;
      let at = 12;
      let et = be16(at);
      while (et === 0x8100 || et === 0x88a8) { // VLAN tags
        at += 4;
        if (p.length < at + 2) return null;
        et = be16(at);
      }
      return { at: at + 2, etherType: et };
    }
    case LINK_SLL:
      return p.length < 16 ? null : { at: 16, etherType: be16(14) };
    case LINK_SLL2:
      return p.length < 20 ? null : { at: 20, etherType: be16(0) };
    default:
      return null;
  }
}

/** Parses a whole pcap file; throws on a file that is not classic pcap (test input bug). */
export function readPcap(file: Uint8Array): UdpPacket[] {
  const dv = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const magicLE = dv.getUint32(0, true);
  let little: boolean;
  let nano: boolean;
  if (magicLE === 0xa1b2c3d4 || magicLE === 0xa1b23c4d) {
    little = true;
    nano = magicLE === 0xa1b23c4d;
  } else {
    const magicBE = dv.getUint32(0, false);
    if (magicBE !== 0xa1b2c3d4 && magicBE !== 0xa1b23c4d) {
      throw new Error("not a classic pcap file (bad magic)");
    }
    little = false;
    nano = magicBE === 0xa1b23c4d;
  }
  const link = dv.getUint32(20, little) & 0x0fffffff; // upper bits may carry FCS info
  const out: UdpPacket[] = [];
  let off = 24;
  while (off + 16 <= file.length) {
    const sec = dv.getUint32(off, little);
    const frac = dv.getUint32(off + 4, little);
    const incl = dv.getUint32(off + 8, little);
    off += 16;
    if (off + incl > file.length) throw new Error(`pcap record at ${off - 16} is truncated`);
    const pkt = file.subarray(off, off + incl);
    off += incl;
    const udp = parseUdp(link, pkt);
    if (udp !== null) out.push({ ts: sec + frac / (nano ? 1e9 : 1e6), ...udp });
  }
  return out;
}

function parseUdp(link: number, p: Uint8Array): Omit<UdpPacket, "ts"> | null {
  const n = networkStart(link, p);
  if (n === null || n.etherType !== 0x0800) return null;
  const ip = n.at;
  if (p.length < ip + 20 || p[ip] >> 4 !== 4) return null;
  const ihl = (p[ip] & 0x0f) * 4;
  const totalLen = (p[ip + 2] << 8) | p[ip + 3];
  const fragBits = ((p[ip + 6] << 8) | p[ip + 7]) & 0x3fff; // MF flag + offset
  if (p[ip + 9] !== 17 || fragBits !== 0) return null;
  const u = ip + ihl;
  if (p.length < u + 8) return null;
  const udpLen = (p[u + 4] << 8) | p[u + 5];
  const end = Math.min(p.length, ip + totalLen, u + udpLen);
  const addr = (o: number) => `${p[o]}.${p[o + 1]}.${p[o + 2]}.${p[o + 3]}`;
  return {
    src: addr(ip + 12),
    dst: addr(ip + 16),
    sport: (p[u] << 8) | p[u + 1],
    dport: (p[u + 2] << 8) | p[u + 3],
    payload: p.slice(u + 8, end),
  };
}
