/**
 * The local control socket that `heartbeat status` talks to: a unix stream socket, one JSON
 * request line in, one JSON reply line out. Answered straight from the daemon's in-memory
 * state, so a reply never waits for protocol work (Heartbeat's can take 0.5 s when busy).
 *
 * Access: the socket is mode 0660 in a 0750 directory; who may read status is whoever may
 * enter the run directory.
 */

export type ControlRequest = { cmd: "status" } | { cmd: "ping" };

export type ControlHandler = (req: ControlRequest) => unknown;

const MAX_REQUEST = 4096;

export class ControlServer {
  readonly path: string;
  readonly #listener: Deno.Listener;
  #closed = false;

  private constructor(path: string, listener: Deno.Listener) {
    this.path = path;
    this.#listener = listener;
  }

  /** Listens at `path` (a stale socket file from a crash is replaced). */
  static listen(path: string, handler: ControlHandler): ControlServer {
    const dir = path.slice(0, path.lastIndexOf("/")) || "/";
    Deno.mkdirSync(dir, { recursive: true, mode: 0o750 });
    try {
      Deno.removeSync(path);
    } catch {
      // not there
    }
    const listener = Deno.listen({ transport: "unix", path });
    Deno.chmodSync(path, 0o660);
    const server = new ControlServer(path, listener);
    server.#accept(handler);
    return server;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#listener.close(); // also unlinks the socket file
    } catch {
      // already closed
    }
  }

  async #accept(handler: ControlHandler): Promise<void> {
    try {
      for await (const conn of this.#listener) this.#serve(conn, handler);
    } catch {
      // listener closed
    }
  }

  async #serve(conn: Deno.Conn, handler: ControlHandler): Promise<void> {
    try {
      const line = await readLine(conn, MAX_REQUEST, 2000);
      let reply: unknown;
      const req = parseRequest(line);
      if (typeof req === "string") reply = { ok: false, error: req };
      else reply = { ok: true, result: handler(req) };
      await writeAll(conn, new TextEncoder().encode(JSON.stringify(reply) + "\n"));
    } catch {
      // client went away or sent garbage past the limit: nothing to answer
    } finally {
      try {
        conn.close();
      } catch {
        // closed
      }
    }
  }
}

function parseRequest(line: string | null): ControlRequest | string {
  if (line === null) return "request too long or incomplete";
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return "request is not JSON";
  }
  const cmd = (v as { cmd?: unknown })?.cmd;
  if (cmd === "status" || cmd === "ping") return { cmd };
  return `unknown command ${JSON.stringify(cmd)} (known: status, ping)`;
}

/** Reads up to the first newline; null when the limit or timeout is hit first. */
export async function readLine(conn: Deno.Conn, limit: number, timeoutMs: number) {
  const chunks: Uint8Array[] = [];
  let size = 0;
  const buf = new Uint8Array(4096);
  const deadline = Date.now() + timeoutMs;
  while (size <= limit) {
    const left = deadline - Date.now();
    if (left <= 0) return null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const n = await Promise.race([
      conn.read(buf),
      new Promise<"timeout">((r) => timer = setTimeout(() => r("timeout"), left)),
    ]);
    clearTimeout(timer);
    if (n === "timeout" || n === null) {
      if (n === null && size > 0) break;
      return null;
    }
    const chunk = buf.slice(0, n);
    const nl = chunk.indexOf(10);
    if (nl >= 0) {
      chunks.push(chunk.subarray(0, nl));
      size += nl;
      break;
    }
    chunks.push(chunk);
    size += n;
  }
  if (size > limit) return null;
  const all = new Uint8Array(size);
  let off = 0;
  for (const c of chunks) {
    all.set(c, off);
    off += c.length;
  }
  return new TextDecoder().decode(all);
}

async function writeAll(conn: Deno.Conn, data: Uint8Array): Promise<void> {
  let off = 0;
  while (off < data.length) off += await conn.write(data.subarray(off));
}

/** Client side: sends one request and returns the parsed reply. */
export async function controlRequest(
  path: string,
  req: ControlRequest,
  timeoutMs = 2000,
): Promise<{ ok: true; result: unknown } | { ok: false; error: string }> {
  const conn = await Deno.connect({ transport: "unix", path });
  try {
    await writeAll(conn, new TextEncoder().encode(JSON.stringify(req) + "\n"));
    const line = await readLine(conn, 16 * 1024 * 1024, timeoutMs);
    if (line === null) return { ok: false, error: "no reply from the daemon" };
    return JSON.parse(line);
  } finally {
    try {
      conn.close();
    } catch {
      // closed
    }
  }
}
