/** Writes formatted lines to stderr, for foreground (`-f`/`-d`) runs. */

import { formatLine } from "../format.ts";
import type { LogRecord } from "../record.ts";
import type { LogSink, SinkFilter } from "../sink.ts";
import { writeAll } from "./write_all.ts";

/** A sink that writes one line per record to the process's stderr, one write per batch. */
export class StderrSink implements LogSink {
  readonly name = "stderr";
  readonly #enc = new TextEncoder();

  constructor(readonly filter: SinkFilter = "all") {}

  async write(records: readonly LogRecord[]): Promise<void> {
    let text = "";
    for (const r of records) text += formatLine(r) + "\n";
    await writeAll(Deno.stderr, this.#enc.encode(text));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
