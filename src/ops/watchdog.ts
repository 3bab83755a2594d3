/**
 * ha.cf's `watchdog DEVICE` (e.g. /dev/watchdog), as Heartbeat does it: open the device
 * write-only at start, write one byte on every heartbeat tick so the kernel's timer never
 * expires while the daemon's loop runs, and write the magic 'V' before closing on a graceful
 * stop so the watchdog is disarmed (with CONFIG_WATCHDOG_NOWAYOUT it stays armed anyway).
 * A write failure closes the device, as Heartbeat does, and is reported once.
 */

/** Why the watchdog device could not be used: a sentence naming the device. */
export interface WatchdogError {
  device: string;
  message: string;
}

/** An open watchdog device. */
export class Watchdog {
  readonly device: string;
  #file: Deno.FsFile | null;
  #feeds = 0;
  /** The first write failure (the device is closed after it); null while healthy. */
  failure: WatchdogError | null = null;

  private constructor(device: string, file: Deno.FsFile) {
    this.device = device;
    this.#file = file;
  }

  /** Opens `device` write-only; opening a kernel watchdog arms it. */
  static open(device: string): { ok: true; value: Watchdog } | { ok: false; error: WatchdogError } {
    try {
      const f = Deno.openSync(device, { write: true });
      return { ok: true, value: new Watchdog(device, f) };
    } catch (e) {
      const why = e instanceof Deno.errors.NotFound
        ? "it does not exist (load a watchdog driver such as softdog, or remove the directive)"
        : e instanceof Deno.errors.PermissionDenied
        ? "permission denied (the daemon must run as root)"
        : e instanceof Deno.errors.Busy || /busy/i.test(String(e))
        ? "another process holds it open (only one may; is another watchdog daemon running?)"
        : e instanceof Error
        ? e.message
        : String(e);
      return { ok: false, error: { device, message: `watchdog ${device}: cannot open: ${why}` } };
    }
  }

  /** True while the device is open and being fed. */
  get active(): boolean {
    return this.#file !== null;
  }

  /** Bytes written so far by `feed()`. */
  get feeds(): number {
    return this.#feeds;
  }

  /**
   * Keeps the watchdog from firing: call once per heartbeat tick. Returns the error the first
   * time a write fails (the device is then closed and later calls do nothing), else null.
   */
  feed(): WatchdogError | null {
    if (!this.#file) return null;
    try {
      // Heartbeat writes one NUL byte; any byte other than 'V' is a plain keepalive.
      this.#file.writeSync(new Uint8Array([0]));
      this.#feeds++;
      return null;
    } catch (e) {
      this.failure = {
        device: this.device,
        message: `watchdog ${this.device}: write failed (${
          e instanceof Error ? e.message : e
        }); device closed, the machine may reboot when its timer runs out`,
      };
      this.#closeQuietly();
      return this.failure;
    }
  }

  /** Graceful stop: writes the magic 'V' so the driver disarms, then closes the device. */
  close(): WatchdogError | null {
    if (!this.#file) return null;
    let err: WatchdogError | null = null;
    try {
      this.#file.writeSync(new TextEncoder().encode("V"));
    } catch (e) {
      err = {
        device: this.device,
        message: `watchdog ${this.device}: magic close failed (${
          e instanceof Error ? e.message : e
        }); the machine may reboot when its timer runs out`,
      };
    }
    this.#closeQuietly();
    return err;
  }

  #closeQuietly(): void {
    try {
      this.#file?.close();
    } catch {
      // already closed
    }
    this.#file = null;
  }
}
