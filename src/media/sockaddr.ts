/**
 * Socket addresses as the kernel takes them (struct sockaddr_in / sockaddr_in6, Linux
 * layout), for the send sockets we open through FFI. Text forms are parsed here, once per
 * medium, never per datagram.
 */

/** AF_INET and AF_INET6 on Linux. */
export const AF_INET = 2;
export const AF_INET6 = 10;

/** The 4 bytes of a dotted-quad IPv4 address, or null when `s` is not one. */
export function parseIPv4(s: string): Uint8Array<ArrayBuffer> | null {
  const parts = s.split(".");
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    if (!/^\d{1,3}$/.test(parts[i])) return null;
    const v = Number(parts[i]);
    if (v > 255) return null;
    out[i] = v;
  }
  return out;
}

/**
 * The 16 bytes of an IPv6 address in any RFC 4291 text form ("::", "fe80::1", "::ffff:1.2.3.4",
 * with or without a "%zone" suffix, which is ignored here), or null when `s` is not one.
 */
export function parseIPv6(s: string): Uint8Array<ArrayBuffer> | null {
  const text = s.split("%")[0];
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const groups = (part: string): number[] | null => {
    if (part === "") return [];
    const out: number[] = [];
    const items = part.split(":");
    for (let i = 0; i < items.length; i++) {
      const it = items[i];
      if (i === items.length - 1 && it.includes(".")) {
        const v4 = parseIPv4(it);
        if (v4 === null) return null;
        out.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(it)) return null;
        out.push(parseInt(it, 16));
      }
    }
    return out;
  };
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  if (head === null || tail === null) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const all = [...head, ...new Array(missing).fill(0), ...tail];
  const out = new Uint8Array(16);
  all.forEach((g, i) => {
    out[i * 2] = g >> 8;
    out[i * 2 + 1] = g & 0xff;
  });
  return out;
}

/** A struct sockaddr_in for `host:port`, or null when `host` is not an IPv4 address. */
export function sockaddrIn(host: string, port: number): Uint8Array<ArrayBuffer> | null {
  const a = parseIPv4(host);
  if (a === null) return null;
  const out = new Uint8Array(16);
  const v = new DataView(out.buffer);
  v.setUint16(0, AF_INET, true);
  v.setUint16(2, port, false);
  out.set(a, 4);
  return out;
}

/**
 * A struct sockaddr_in6 for `[host]:port` on interface `scopeId` (0: none; link-local
 * addresses need one), or null when `host` is not an IPv6 address.
 */
export function sockaddrIn6(
  host: string,
  port: number,
  scopeId = 0,
): Uint8Array<ArrayBuffer> | null {
  const a = parseIPv6(host);
  if (a === null) return null;
  const out = new Uint8Array(28);
  const v = new DataView(out.buffer);
  v.setUint16(0, AF_INET6, true);
  v.setUint16(2, port, false);
  out.set(a, 8);
  v.setUint32(24, scopeId, true);
  return out;
}

/** True for fe80::/10 (link-local unicast) and ff02::/16-style link-scope multicast. */
export function isLinkScopeIPv6(a: Uint8Array): boolean {
  if (a[0] === 0xfe && (a[1] & 0xc0) === 0x80) return true;
  return a[0] === 0xff && (a[1] & 0x0f) === 0x02;
}
