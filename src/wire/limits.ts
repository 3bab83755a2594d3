/**
 * Size and shape limits of the wire codecs. Every decoder checks them before it allocates,
 * so no datagram can make us use unbounded memory or time.
 */

/** Biggest message on the wire (ipc.h MAXMSG = 256 KiB). Bigger input is refused unread. */
export const MAXMSG = 256 * 1024;

/** Room cl_netstring.c keeps for the signature netstring (MAX_AUTH_BYTES). */
export const MAX_AUTH_BYTES = 64;

/** Deepest struct nesting in the netstring format (ha_msg.h MAXDEPTH). The top message is depth 0. */
export const MAXDEPTH = 16;

/**
 * Deepest struct nesting in the classic text format. The text encoder replaces newlines of a
 * nested message at depth d by SPECIAL_SYMS[d]; cluster-glue's table has only 10 entries
 * (bytes 20..29), so deeper text nesting would read past it in C. We refuse it instead.
 */
export const MAX_TEXT_DEPTH = 10;

/**
 * Most fields in one message (each nesting level counted on its own). Heartbeat grows its
 * field arrays without a fixed cap; real messages carry < 40 fields. 1024 keeps parsing
 * cheap while leaving room for big CIB-like payloads.
 */
export const MAX_FIELDS = 1024;

/** Most digits in a netstring length: MAXMSG (262144) has 6, so 7 is generous. */
export const MAX_LENGTH_DIGITS = 7;
