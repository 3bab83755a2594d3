/**
 * Serial line settings (struct termios on Linux/glibc) through FFI.
 *
 * The line is set up as Heartbeat's serial plugin sets it: raw 8-bit, no parity, receiver on,
 * modem lines ignored (CLOCAL), RTS/CTS flow control, carriage returns dropped on input,
 * and the configured speed for both directions.
 */

import { errno, errorText, libc } from "../ffi/libc.ts";

/** sizeof(struct termios) with glibc on Linux. */
export const TERMIOS_SIZE = 60;

// Field offsets: c_iflag, c_oflag, c_cflag, c_lflag (u32 each), c_line (u8), c_cc[32].
const IFLAG = 0;
const CFLAG = 8;
const CC = 17;
const VTIME = 5;
const VMIN = 6;

const IGNCR = 0o200;
const CREAD = 0o200;
const CLOCAL = 0o4000;
const CRTSCTS = 0o20000000000;
const TCSANOW = 0;
const TCIOFLUSH = 2;

/** Speed → Bxxx constant (termios-baud.h). */
const BAUD_CODES: ReadonlyMap<number, number> = new Map([
  [1200, 0o11],
  [2400, 0o13],
  [4800, 0o14],
  [9600, 0o15],
  [19200, 0o16],
  [38400, 0o17],
  [57600, 0o10001],
  [115200, 0o10002],
  [230400, 0o10003],
  [460800, 0o10004],
]);

/** The Bxxx code for a speed, or undefined when termios has none. */
export function baudCode(baud: number): number | undefined {
  return BAUD_CODES.get(baud);
}

/**
 * Puts the tty `fd` in raw mode at `baud` and flushes stale input/output. Returns an error
 * sentence (naming the failing call) or undefined on success.
 */
export function setupLine(fd: number, baud: number): string | undefined {
  const code = baudCode(baud);
  if (code === undefined) return `baud ${baud} has no termios speed code`;
  const c = libc();
  const t = new Uint8Array(TERMIOS_SIZE);
  if (c.tcgetattr(fd, t) !== 0) return `tcgetattr: ${errorText(errno())} (is it a tty?)`;
  c.cfmakeraw(t);
  const v = new DataView(t.buffer);
  v.setUint32(IFLAG, v.getUint32(IFLAG, true) | IGNCR, true);
  v.setUint32(CFLAG, (v.getUint32(CFLAG, true) | CREAD | CLOCAL | CRTSCTS) >>> 0, true);
  // O_NONBLOCK reads make VMIN/VTIME moot; set them as Heartbeat does for tools that look.
  t[CC + VMIN] = 1;
  t[CC + VTIME] = 1;
  if (c.cfsetspeed(t, code) !== 0) return `cfsetspeed ${baud}: ${errorText(errno())}`;
  if (c.tcsetattr(fd, TCSANOW, t) !== 0) return `tcsetattr: ${errorText(errno())}`;
  c.tcflush(fd, TCIOFLUSH);
  return undefined;
}

/** The output speed the line is set to now (bits per second), or undefined. */
export function lineSpeed(fd: number): number | undefined {
  const t = new Uint8Array(TERMIOS_SIZE);
  if (libc().tcgetattr(fd, t) !== 0) return undefined;
  const code = libc().cfgetospeed(t);
  for (const [baud, c] of BAUD_CODES) if (c === code) return baud;
  return undefined;
}
