/** What the daemon needs from any medium kind (UDP, serial): send to all links, close. */

export interface MediaHandlers {
  /**
   * A datagram/frame arrived on `link` from `from` (address, device). `bytes` may be a view
   * into the medium's receive buffer, valid only during the call: copy what you keep.
   */
  onPacket(link: string, bytes: Uint8Array, from: string): void;
  /**
   * Optional: a burst begins (true: packets were waiting, more calls of onPacket follow at
   * once) or ends (false: nothing is waiting any more). Calls come in pairs; a medium that
   * cannot tell never calls it.
   */
  onBurst?(active: boolean): void;
  /** A send or receive failed on `link`; the medium keeps running. */
  onError(link: string, message: string): void;
}

/** A set of open links of one medium kind. */
export interface MediaGroup {
  /** Link names, in configuration order, without repeats. */
  readonly links: string[];
  /** Sends one message on every link. Never throws, never blocks the caller. */
  send(bytes: Uint8Array): void;
  close(): void;
  /** Optional counters of the medium for status and metrics (name → value). */
  counters?(): Record<string, number>;
}
