/**
 * Heartbeat's keyless "crc" auth method (HBauth crc.c, wire.md §5.3): CRC-32 with polynomial
 * 0x04C11DB7, MSB first (not reflected), initial value 0, final value ~crc, no length
 * appended, printed with %lx (lowercase, no leading zeros).
 */

const POLY = 0x04c11db7;

const TABLE: Uint32Array = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 24;
    for (let k = 0; k < 8; k++) c = c & 0x80000000 ? (c << 1) ^ POLY : c << 1;
    t[i] = c >>> 0;
  }
  return t;
})();

/** The CRC of a byte string (one char per byte) or bytes, as an unsigned 32-bit number. */
export function heartbeatCrc(data: string | Uint8Array): number {
  let crc = 0;
  if (typeof data === "string") {
    for (let i = 0; i < data.length; i++) {
      crc = (crc << 8) ^ TABLE[((crc >>> 24) ^ data.charCodeAt(i)) & 0xff];
    }
  } else {
    for (let i = 0; i < data.length; i++) {
      crc = (crc << 8) ^ TABLE[((crc >>> 24) ^ data[i]) & 0xff];
    }
  }
  return ~crc >>> 0;
}

/** The digest text Heartbeat writes for the crc method: `%lx` of the CRC. */
export function heartbeatCrcHex(data: string | Uint8Array): string {
  return heartbeatCrc(data).toString(16);
}
