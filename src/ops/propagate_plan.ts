/**
 * What `heartbeat propagate` runs for each node: the `scp` that puts the files beside their
 * targets under temporary names, then the `ssh` that sets their modes and renames them into
 * place (so a node never reads a half-copied authkeys). Pure: builds argv lists only.
 */

/** One file to copy: where it is here, where it goes there, and its mode there. */
export interface PropagateFile {
  local: string;
  remote: string;
  mode: number;
}

/** How to reach the nodes. */
export interface TransportOptions {
  /** The ssh command as words, e.g. `["ssh", "-F", "cfg"]` (default `["ssh"]`). */
  ssh: string[];
  /** Remote login user (ssh `-l`, scp `-o User=`); default: ssh's own choice. */
  user?: string;
  /** `StrictHostKeyChecking` value; default: leave it to the ssh configuration. */
  hostKeyChecking?: string;
  /** `ConnectTimeout` in seconds. */
  connectTimeoutS: number;
}

/** The two commands for one node. */
export interface NodePlan {
  node: string;
  /** scp argv (program first). */
  copy: string[];
  /** ssh argv (program first) running the install script. */
  install: string[];
}

/** ssh options that take an argument (OpenSSH 9), so we can walk a user's ssh command. */
const SSH_ARG_OPTIONS = new Set("BbcDEeFIiJLlmOoPpQRSWw".split("").map((c) => `-${c}`));
/** Of those, the ones scp understands the same way. */
const SCP_SAME_ARG = new Set(["-F", "-i", "-J", "-o", "-c"]);
const SCP_SAME_FLAG = new Set(["-4", "-6", "-C", "-v", "-q"]);

/** Splits a command line into words: whitespace, '...' and "..." quoting, backslash escapes. */
export function splitWords(
  text: string,
): { ok: true; value: string[] } | { ok: false; error: string } {
  const words: string[] = [];
  let cur = "";
  let has = false;
  let quote: "'" | '"' | null = null;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quote) {
      if (ch === quote) quote = null;
      else if (ch === "\\" && quote === '"' && i + 1 < text.length) cur += text[++i];
      else cur += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      has = true;
    } else if (ch === "\\" && i + 1 < text.length) {
      cur += text[++i];
      has = true;
    } else if (/\s/.test(ch)) {
      if (has) words.push(cur);
      cur = "";
      has = false;
    } else {
      cur += ch;
      has = true;
    }
  }
  if (quote) return { ok: false, error: `unterminated ${quote} quote in "${text}"` };
  if (has) words.push(cur);
  if (words.length === 0) return { ok: false, error: "empty ssh command" };
  return { ok: true, value: words };
}

/** Quotes a word for the remote POSIX shell. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./=:@%+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The options our ssh and scp share, derived from the user's ssh command. */
function options(t: TransportOptions): { ssh: string[]; scp: string[] } {
  const [program, ...rest] = t.ssh;
  const ssh = [program];
  // No -q: scp passes it on to ssh, which would then hide why a connection failed.
  const scp = ["scp", "-p"];
  if (program !== "ssh") scp.push("-S", program);
  for (let i = 0; i < rest.length; i++) {
    const w = rest[i];
    if (SSH_ARG_OPTIONS.has(w) && i + 1 < rest.length) {
      const v = rest[++i];
      ssh.push(w, v);
      if (SCP_SAME_ARG.has(w)) scp.push(w, v);
      else if (w === "-p") scp.push("-P", v);
      else if (w === "-l") scp.push("-o", `User=${v}`);
      continue;
    }
    ssh.push(w);
    if (SCP_SAME_FLAG.has(w)) scp.push(w);
  }
  const common = ["-o", "BatchMode=yes", "-o", `ConnectTimeout=${t.connectTimeoutS}`];
  if (t.hostKeyChecking) common.push("-o", `StrictHostKeyChecking=${t.hostKeyChecking}`);
  if (t.user) common.push("-o", `User=${t.user}`);
  return { ssh: [...ssh, ...common], scp: [...scp, ...common] };
}

/**
 * The commands for `node`: `files` are copied to `remote` under `.NAME.hbts-propagate-TAG`
 * temporaries (the local `staged` copies carry those names), then renamed into place.
 */
export function planNode(
  node: string,
  files: { file: PropagateFile; staged: string; tmpName: string }[],
  remoteDir: string,
  t: TransportOptions,
): NodePlan {
  const o = options(t);
  const copy = [...o.scp, "--", ...files.map((f) => f.staged), `${node}:${remoteDir}/`];
  const temps = files.map((f) => `${remoteDir}/${f.tmpName}`);
  const script = [
    `trap ${shellQuote(`rm -f ${temps.map(shellQuote).join(" ")}`)} EXIT`,
    "set -e",
    ...files.map((f, i) =>
      `chmod ${f.file.mode.toString(8).padStart(4, "0")} ${shellQuote(temps[i])}`
    ),
    ...files.map((f, i) => `mv -f ${shellQuote(temps[i])} ${shellQuote(f.file.remote)}`),
  ].join("; ");
  const install = [...o.ssh, "--", node, script];
  return { node, copy, install };
}
