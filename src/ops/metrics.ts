/**
 * An optional Prometheus endpoint (text exposition format 0.0.4) for the daemon: node and link
 * states, packet and retransmission counters, deaths detected, API clients, dropped log lines.
 * Off unless `heartbeat start --metrics ADDR` asks; a bare port binds loopback only, because
 * the numbers describe the cluster to anyone who can read them.
 */
import type { StatusReport } from "../daemon/status_types.ts";

/** What one scrape shows; the daemon builds it fresh for every request. */
export interface MetricsInput {
  /** The daemon's status report (`Daemon.status()`). */
  status: StatusReport;
  /**
   * Signed-on API clients; when omitted, the report's `api_signedOn` counter is used (the
   * daemon puts its API server's stats into the report as `api_*`).
   */
  apiClients?: number;
  /** Log records dropped since start (`Logger.stats().dropped`). */
  logLinesDropped?: number;
}

/** Where the endpoint listens. */
export interface MetricsAddress {
  hostname: string;
  port: number;
}

/** The default when `--metrics` names only a port. */
export const DEFAULT_METRICS_HOST = "127.0.0.1";

/**
 * Parses `--metrics`: `HOST:PORT`, `[V6]:PORT` or a bare `PORT` (loopback). The warning is
 * set when the address is not loopback.
 */
export function parseMetricsAddress(
  text: string,
): { ok: true; value: MetricsAddress; warning?: string } | { ok: false; error: string } {
  let host: string;
  let portText: string;
  const v6 = /^\[([0-9a-fA-F:.]+)\]:(\d+)$/.exec(text);
  if (v6) [, host, portText] = v6;
  else if (/^\d+$/.test(text)) [host, portText] = [DEFAULT_METRICS_HOST, text];
  else {
    const i = text.lastIndexOf(":");
    if (i <= 0 || text.indexOf(":") !== i) {
      return {
        ok: false,
        error: `--metrics ${text}: expected HOST:PORT (e.g. 127.0.0.1:9694), [::1]:PORT or PORT`,
      };
    }
    [host, portText] = [text.slice(0, i), text.slice(i + 1)];
  }
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < 1 || port > 65535) {
    return { ok: false, error: `--metrics ${text}: port must be 1..65535` };
  }
  const loopback = host === "::1" || host === "localhost" || /^127\.\d+\.\d+\.\d+$/.test(host);
  return {
    ok: true,
    value: { hostname: host, port },
    ...(loopback ? {} : {
      warning: `metrics endpoint on ${host}:${port} is reachable beyond this host; ` +
        `it shows node names and cluster state to anyone who connects`,
    }),
  };
}

type Labels = Record<string, string>;
interface Family {
  name: string;
  help: string;
  type: "gauge" | "counter";
  samples: { labels: Labels; value: number }[];
}

/** Label values escape backslash, double quote and newline (format 0.0.4). */
function escapeLabel(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  return String(v);
}

function render(families: Family[]): string {
  const out: string[] = [];
  for (const f of families) {
    if (f.samples.length === 0) continue;
    out.push(`# HELP ${f.name} ${f.help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")}`);
    out.push(`# TYPE ${f.name} ${f.type}`);
    for (const s of f.samples) {
      const ls = Object.entries(s.labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
      out.push(`${f.name}${ls.length ? `{${ls.join(",")}}` : ""} ${formatValue(s.value)}`);
    }
  }
  return out.join("\n") + "\n";
}

/**
 * Status report counters with a fixed meaning: key → [family, labels]. Keys not listed (and
 * not `dropped_*`/`rejected_*`) still appear, as `heartbeat_<key>_total`.
 */
const COUNTERS: Record<string, [string, Labels]> = {
  sent: ["heartbeat_packets_sent_total", {}],
  received: ["heartbeat_packets_received_total", {}],
  delivered: ["heartbeat_messages_delivered_total", {}],
  rexmit_requested: ["heartbeat_retransmissions_total", { kind: "requested" }],
  rexmit_served: ["heartbeat_retransmissions_total", { kind: "served" }],
  rexmit_naked: ["heartbeat_retransmissions_total", { kind: "naked" }],
  lost: ["heartbeat_packets_lost_total", {}],
  acks_sent: ["heartbeat_acks_sent_total", {}],
  deaths: ["heartbeat_deaths_detected_total", {}],
  not_for_us: ["heartbeat_packets_not_for_us_total", {}],
  rx_datagrams: ["heartbeat_datagrams_received_total", {}],
  rx_rejected: ["heartbeat_datagrams_rejected_total", {}],
  tx_datagrams: ["heartbeat_datagrams_sent_total", {}],
  tx_errors: ["heartbeat_send_errors_total", {}],
};

/** Status report "counters" that are really current values, exposed as gauges. */
const GAUGES: Record<string, [string, string]> = {
  api_connected: ["heartbeat_api_connections", "Open connections to the local API."],
  api_signedOn: ["heartbeat_api_clients", "Clients signed on to the local API."],
  respawn_children: ["heartbeat_respawn_children", "Programs run by respawn lines."],
};

/** `refusedSignons` → `refused_signons`, anything else non-alphanumeric → `_`. */
function snake(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase().replace(/[^a-z0-9_]/g, "_");
}

const HELP: Record<string, string> = {
  heartbeat_packets_sent_total: "Cluster messages sent by this node (heartbeats included).",
  heartbeat_packets_received_total: "Authenticated cluster messages received.",
  heartbeat_messages_delivered_total: "Messages delivered in order to local consumers.",
  heartbeat_retransmissions_total:
    "Retransmissions: requested from peers, served to peers, or answered as gone (naked).",
  heartbeat_packets_lost_total: "Messages given up on after retransmission failed.",
  heartbeat_acks_sent_total: "Acknowledgements sent.",
  heartbeat_deaths_detected_total: "Times a node was declared dead after deadtime.",
  heartbeat_packets_not_for_us_total: "Messages addressed to other nodes.",
  heartbeat_datagrams_received_total: "Datagrams read from all media.",
  heartbeat_datagrams_rejected_total: "Datagrams rejected before the protocol saw them.",
  heartbeat_datagrams_sent_total: "Datagrams written to all media.",
  heartbeat_send_errors_total: "Datagrams a medium failed to send.",
  heartbeat_packets_rejected_total: "Rejected datagrams by reason (bad auth, parse error...).",
  heartbeat_messages_dropped_total: "Messages the protocol dropped, by reason.",
};

/** Renders one scrape in the Prometheus text format 0.0.4. */
export function renderMetrics(input: MetricsInput): string {
  const st = input.status;
  const families = new Map<string, Family>();
  const fam = (name: string, type: Family["type"], help: string): Family => {
    let f = families.get(name);
    if (!f) families.set(name, f = { name, type, help, samples: [] });
    return f;
  };
  fam("heartbeat_info", "gauge", "Always 1; labels name this node, its version and uuid.")
    .samples.push({ labels: { node: st.node, version: st.version, uuid: st.uuid }, value: 1 });
  fam("heartbeat_local_status", "gauge", "1 for this node's current status.")
    .samples.push({ labels: { node: st.node, status: st.status }, value: 1 });
  fam("heartbeat_uptime_seconds", "gauge", "Seconds since the daemon started.")
    .samples.push({ labels: {}, value: st.uptimeMs / 1000 });
  fam("heartbeat_generation", "gauge", "This node's generation (incarnation) number.")
    .samples.push({ labels: {}, value: st.generation });
  const timing = fam("heartbeat_timing_seconds", "gauge", "Configured liveness timings.");
  for (const [k, v] of Object.entries(st.timings)) {
    timing.samples.push({ labels: { timing: k.replace(/Ms$/, "") }, value: v / 1000 });
  }

  const m = st.membership;
  if (m) {
    fam("heartbeat_membership_instance", "gauge", "Instance number of the membership view held.")
      .samples.push({ labels: { leader: m.leader }, value: m.instance });
    fam("heartbeat_membership_members", "gauge", "Members of the membership view held.")
      .samples.push({ labels: {}, value: m.members.length });
    fam("heartbeat_membership_quorum", "gauge", "1 when the view holds quorum, else 0.")
      .samples.push({ labels: {}, value: m.quorum ? 1 : 0 });
  }

  const state = fam(
    "heartbeat_node_status",
    "gauge",
    "1 for each node's current status (active, up, init, dead...).",
  );
  const up = fam("heartbeat_node_up", "gauge", "1 when the node is not dead, else 0.");
  const heard = fam(
    "heartbeat_node_last_heard_seconds",
    "gauge",
    "Seconds since anything was heard from the node.",
  );
  const gen = fam("heartbeat_node_generation", "gauge", "The generation each node announced.");
  const link = fam("heartbeat_link_up", "gauge", "1 when the link to the node is up, else 0.");
  for (const n of st.nodes) {
    state.samples.push({ labels: { node: n.name, type: n.type, status: n.status }, value: 1 });
    up.samples.push({ labels: { node: n.name, type: n.type }, value: n.status === "dead" ? 0 : 1 });
    if (n.lastHeardMsAgo !== null) {
      heard.samples.push({ labels: { node: n.name }, value: n.lastHeardMsAgo / 1000 });
    }
    if (n.generation !== null) gen.samples.push({ labels: { node: n.name }, value: n.generation });
    for (const l of n.links) {
      link.samples.push({
        labels: { node: n.name, link: l.name },
        value: l.status === "up" ? 1 : 0,
      });
    }
  }

  for (const [key, value] of Object.entries(st.counters)) {
    const gauge = GAUGES[key];
    if (gauge) {
      // An explicit apiClients wins over the report's copy of the same number.
      if (!(gauge[0] === "heartbeat_api_clients" && input.apiClients !== undefined)) {
        fam(gauge[0], "gauge", gauge[1]).samples.push({ labels: {}, value });
      }
      continue;
    }
    let name: string;
    let labels: Labels;
    if (COUNTERS[key]) [name, labels] = COUNTERS[key];
    else if (key.startsWith("rejected_")) {
      [name, labels] = ["heartbeat_packets_rejected_total", { reason: key.slice(9) }];
    } else if (key.startsWith("dropped_")) {
      [name, labels] = ["heartbeat_messages_dropped_total", { reason: key.slice(8) }];
    } else {
      const base = snake(key);
      [name, labels] = [`heartbeat_${base}${base.endsWith("_total") ? "" : "_total"}`, {}];
    }
    fam(name, "counter", HELP[name] ?? `The daemon's ${key} counter.`)
      .samples.push({ labels, value });
  }
  if (input.apiClients !== undefined) {
    fam("heartbeat_api_clients", "gauge", "Clients signed on to the local API.")
      .samples.push({ labels: {}, value: input.apiClients });
  }
  if (input.logLinesDropped !== undefined) {
    fam(
      "heartbeat_log_lines_dropped_total",
      "counter",
      "Log records dropped because a log sink was behind.",
    ).samples.push({ labels: {}, value: input.logLinesDropped });
  }
  return render([...families.values()]);
}

/** A running endpoint. */
export interface MetricsServer {
  /** The bound address (the real port when 0 was asked). */
  readonly address: MetricsAddress;
  /** Stops listening; resolves once open requests are done. */
  close(): Promise<void>;
}

/** The Content-Type of format 0.0.4. */
export const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/**
 * Serves `GET /metrics` at `address`, calling `collect` for every scrape. Errors (address in
 * use, not permitted) come back as a sentence; a throwing `collect` gives a 500 and a log line.
 */
export function serveMetrics(
  address: MetricsAddress,
  collect: () => MetricsInput,
  log: (text: string) => void = () => {},
): { ok: true; value: MetricsServer } | { ok: false; error: string } {
  const handler = (req: Request): Response => {
    const url = new URL(req.url);
    if (url.pathname !== "/metrics") {
      return new Response("heartbeat-ts: metrics are at /metrics\n", { status: 404 });
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      return new Response("only GET\n", { status: 405, headers: { allow: "GET, HEAD" } });
    }
    let body: string;
    try {
      body = renderMetrics(collect());
    } catch (e) {
      log(`metrics: cannot collect: ${e instanceof Error ? e.message : e}`);
      return new Response("cannot collect metrics\n", { status: 500 });
    }
    return new Response(req.method === "HEAD" ? null : body, {
      headers: { "content-type": METRICS_CONTENT_TYPE },
    });
  };
  let server: Deno.HttpServer<Deno.NetAddr>;
  try {
    server = Deno.serve({
      hostname: address.hostname,
      port: address.port,
      onListen: () => {}, // Deno's default prints "Listening on ..." to stdout
    }, handler);
  } catch (e) {
    const why = e instanceof Deno.errors.AddrInUse
      ? "address already in use (another heartbeat or exporter?)"
      : e instanceof Deno.errors.AddrNotAvailable
      ? "no such local address"
      : e instanceof Error
      ? e.message
      : String(e);
    return {
      ok: false,
      error: `metrics: cannot listen on ${address.hostname}:${address.port}: ${why}`,
    };
  }
  server.unref(); // the endpoint alone never keeps the daemon alive
  return {
    ok: true,
    value: {
      address: { hostname: server.addr.hostname, port: server.addr.port },
      close: () => server.shutdown(),
    },
  };
}
