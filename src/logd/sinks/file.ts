/** Appends formatted lines to a file (Heartbeat's logfile / debugfile). */

import { formatLine } from "../format.ts";
import type { LogRecord } from "../record.ts";
import type { LogSink, SinkFilter } from "../sink.ts";
import { writeAll } from "./write_all.ts";

/** Options for {@link FileSink}. */
export interface FileSinkOptions {
  /** Mode for a file the sink creates (logd.cf `logmode`), default 0o644. */
  readonly mode?: number;
  /** `nondebug` for a logfile next to a debugfile; `all` (default) otherwise. */
  readonly filter?: SinkFilter;
}

/**
 * A sink that appends one line per record to `path`, one write per batch. The file is
 * opened on first write and after {@link FileSink.reopen} (for logrotate).
 *
 * @example
 * ```ts
 * const logger = createLogger({ entity: "heartbeat", sinks: [new FileSink("/var/log/ha-log")] });
 * ```
 */
export class FileSink implements LogSink {
  readonly name: string;
  readonly filter: SinkFilter;
  readonly #mode: number;
  #file: Deno.FsFile | undefined;
  #closed = false;
  readonly #enc = new TextEncoder();

  constructor(readonly path: string, modeOrOptions: number | FileSinkOptions = 0o644) {
    const o = typeof modeOrOptions === "number" ? { mode: modeOrOptions } : modeOrOptions;
    this.#mode = o.mode ?? 0o644;
    this.filter = o.filter ?? "all";
    this.name = `file ${path}`;
  }

  async #open(): Promise<Deno.FsFile> {
    let created = false;
    try {
      await Deno.lstat(this.path);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
      created = true;
    }
    const f = await Deno.open(this.path, {
      append: true,
      create: true,
      mode: this.#mode,
    });
    // The umask may have narrowed the mode; logmode is what the admin asked for.
    if (created) await Deno.chmod(this.path, this.#mode);
    return f;
  }

  /** Appends the batch as one write. */
  async write(records: readonly LogRecord[]): Promise<void> {
    let text = "";
    for (const r of records) text += formatLine(r) + "\n";
    if (this.#closed) throw new Error(`${this.path}: file sink is closed`);
    this.#file ??= await this.#open();
    try {
      await writeAll(this.#file, this.#enc.encode(text));
    } catch (e) {
      // Drop the handle so the next batch reopens (file removed, disk remounted...).
      this.#closeFile();
      throw e;
    }
  }

  /** Closes the file so the next batch reopens `path` (after log rotation). */
  reopen(): void {
    this.#closeFile();
  }

  #closeFile(): void {
    try {
      this.#file?.close();
    } catch {
      // already closed
    }
    this.#file = undefined;
  }

  close(): Promise<void> {
    this.#closed = true;
    this.#closeFile();
    return Promise.resolve();
  }
}
