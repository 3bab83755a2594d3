import assert from "node:assert/strict";
import {
  METRICS_CONTENT_TYPE,
  type MetricsInput,
  parseMetricsAddress,
  renderMetrics,
  serveMetrics,
} from "../../src/ops/metrics.ts";
import type { StatusReport } from "../../src/daemon/status_types.ts";

function report(over: Partial<StatusReport> = {}): StatusReport {
  return {
    node: "alpha",
    uuid: "0123456789abcdef0123456789abcdef",
    generation: 7,
    pid: 1234,
    version: "0.1.0",
    uptimeMs: 61_500,
    status: "active",
    timings: { keepaliveMs: 1000, warntimeMs: 5000, deadtimeMs: 10000, initdeadMs: 30000 },
    membership: null,
    nodes: [
      {
        name: "alpha",
        type: "normal",
        status: "active",
        lastHeardMsAgo: null,
        generation: 7,
        uuid: null,
        links: [],
      },
      {
        name: 'be"ta\\x',
        type: "normal",
        status: "dead",
        lastHeardMsAgo: 12_250,
        generation: 3,
        uuid: null,
        links: [{ name: "eth0", status: "dead" }, { name: "eth1", status: "up" }],
      },
    ],
    counters: {
      sent: 100,
      received: 90,
      rexmit_requested: 4,
      rexmit_served: 2,
      deaths: 1,
      rx_rejected: 5,
      rejected_bad_auth: 3,
      rejected_parse: 2,
      dropped_duplicate: 6,
      brand_new: 9,
      api_refusedSignons: 4,
      api_connected: 3,
      api_signedOn: 2,
      respawn_children: 1,
    },
    ...over,
  };
}

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/**
 * A strict reader of the text format 0.0.4: HELP/TYPE before a family's samples, families not
 * interleaved, label syntax and escapes, float values, no duplicate series.
 */
function parseExposition(text: string): { types: Map<string, string>; samples: Sample[] } {
  assert.ok(text.endsWith("\n"), "ends with a newline");
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  const seen = new Set<string>();
  const closed = new Set<string>();
  let current = "";
  const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
  for (const [i, line] of text.slice(0, -1).split("\n").entries()) {
    const where = `line ${i + 1}: ${line}`;
    let m;
    if ((m = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line))) {
      assert.match(m[2], NAME, where);
      if (m[2] !== current) {
        assert.ok(!closed.has(m[2]), `family ${m[2]} split: ${where}`);
        if (current) closed.add(current);
        current = m[2];
      }
      if (m[1] === "TYPE") {
        assert.ok(["counter", "gauge", "untyped", "summary", "histogram"].includes(m[3]), where);
        assert.ok(!types.has(m[2]), `second TYPE: ${where}`);
        types.set(m[2], m[3]);
      } else assert.doesNotMatch(m[3], /\n/);
      continue;
    }
    m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m, `not a sample: ${where}`);
    const [, name, labelText, valueText] = m;
    assert.equal(name, current, `sample outside its family: ${where}`);
    assert.ok(types.has(name), `no TYPE before ${where}`);
    const labels: Record<string, string> = {};
    if (labelText) {
      const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)/y;
      let pos = 0;
      while (pos < labelText.length) {
        re.lastIndex = pos;
        const lm = re.exec(labelText);
        assert.ok(lm, `bad labels at ${pos}: ${where}`);
        labels[lm[1]] = lm[2].replace(/\\(.)/g, (_, c) => (c === "n" ? "\n" : c));
        pos = re.lastIndex;
      }
    }
    const value = Number(valueText.replace("+Inf", "Infinity").replace("-Inf", "-Infinity"));
    assert.ok(valueText === "NaN" || !Number.isNaN(value), `bad value: ${where}`);
    const key = name + JSON.stringify(Object.entries(labels).sort());
    assert.ok(!seen.has(key), `duplicate series: ${where}`);
    seen.add(key);
    samples.push({ name, labels, value });
  }
  return { types, samples };
}

function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const s = samples.filter((x) =>
    x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v)
  );
  assert.equal(s.length, 1, `${name}${JSON.stringify(labels)} appears ${s.length} times`);
  return s[0].value;
}

Deno.test("metrics: rendering is valid format 0.0.4 and carries the report's numbers", () => {
  const text = renderMetrics({ status: report(), apiClients: 2, logLinesDropped: 17 });
  const { types, samples } = parseExposition(text);
  assert.equal(value(samples, "heartbeat_packets_sent_total"), 100);
  assert.equal(value(samples, "heartbeat_packets_received_total"), 90);
  assert.equal(value(samples, "heartbeat_retransmissions_total", { kind: "requested" }), 4);
  assert.equal(value(samples, "heartbeat_retransmissions_total", { kind: "served" }), 2);
  assert.equal(value(samples, "heartbeat_deaths_detected_total"), 1);
  assert.equal(value(samples, "heartbeat_packets_rejected_total", { reason: "bad_auth" }), 3);
  assert.equal(value(samples, "heartbeat_packets_rejected_total", { reason: "parse" }), 2);
  assert.equal(value(samples, "heartbeat_datagrams_rejected_total"), 5);
  assert.equal(value(samples, "heartbeat_messages_dropped_total", { reason: "duplicate" }), 6);
  assert.equal(value(samples, "heartbeat_brand_new_total"), 9, "unknown counters still show");
  assert.equal(value(samples, "heartbeat_api_clients"), 2);
  assert.equal(value(samples, "heartbeat_api_connections"), 3);
  assert.equal(types.get("heartbeat_api_connections"), "gauge");
  assert.equal(value(samples, "heartbeat_respawn_children"), 1);
  assert.equal(types.get("heartbeat_respawn_children"), "gauge");
  assert.equal(value(samples, "heartbeat_api_refused_signons_total"), 4, "camelCase → snake");
  assert.equal(value(samples, "heartbeat_log_lines_dropped_total"), 17);
  assert.equal(value(samples, "heartbeat_uptime_seconds"), 61.5);
  assert.equal(value(samples, "heartbeat_timing_seconds", { timing: "deadtime" }), 10);
  // Node and link states, with a label value that needs escaping.
  assert.equal(value(samples, "heartbeat_node_up", { node: "alpha" }), 1);
  assert.equal(value(samples, "heartbeat_node_up", { node: 'be"ta\\x' }), 0);
  assert.equal(value(samples, "heartbeat_node_status", { node: 'be"ta\\x', status: "dead" }), 1);
  assert.equal(value(samples, "heartbeat_node_last_heard_seconds", { node: 'be"ta\\x' }), 12.25);
  assert.equal(value(samples, "heartbeat_link_up", { link: "eth0" }), 0);
  assert.equal(value(samples, "heartbeat_link_up", { link: "eth1" }), 1);
  assert.equal(value(samples, "heartbeat_info", { uuid: "0123456789abcdef0123456789abcdef" }), 1);
  // Every counter family is named *_total, every *_total is a counter.
  for (const [name, type] of types) assert.equal(type === "counter", name.endsWith("_total"), name);
});

Deno.test("metrics: a node never heard has no last-heard sample; API clients from the report", () => {
  const { samples } = parseExposition(renderMetrics({ status: report() }));
  assert.equal(value(samples, "heartbeat_api_clients"), 2, "from api_signedOn");
  const explicit = parseExposition(renderMetrics({ status: report(), apiClients: 5 })).samples;
  assert.equal(value(explicit, "heartbeat_api_clients"), 5, "explicit value wins, once");
  const noApi = report();
  noApi.counters = { sent: 1 };
  const bare = parseExposition(renderMetrics({ status: noApi })).samples;
  assert.equal(bare.some((s) => s.name === "heartbeat_api_clients"), false);
  assert.equal(
    samples.filter((s) => s.name === "heartbeat_node_last_heard_seconds").length,
    1,
  );
});

Deno.test("metrics: --metrics addresses", () => {
  assert.deepEqual(parseMetricsAddress("9694"), {
    ok: true,
    value: { hostname: "127.0.0.1", port: 9694 },
  });
  assert.deepEqual(parseMetricsAddress("127.0.0.2:80"), {
    ok: true,
    value: { hostname: "127.0.0.2", port: 80 },
  });
  assert.deepEqual(parseMetricsAddress("[::1]:9694"), {
    ok: true,
    value: { hostname: "::1", port: 9694 },
  });
  const wide = parseMetricsAddress("0.0.0.0:9694");
  assert.ok(wide.ok && wide.warning && /beyond this host/.test(wide.warning));
  for (const bad of ["", "host", "1.2.3.4:", "1.2.3.4:70000", "::1:80", "x:0"]) {
    const r = parseMetricsAddress(bad);
    assert.equal(r.ok, false, bad);
  }
});

Deno.test("metrics: served over HTTP on 127.0.0.1, fresh per scrape", async () => {
  let scrapes = 0;
  const collect = (): MetricsInput => {
    scrapes++;
    return { status: report({ counters: { sent: scrapes } }), apiClients: 0 };
  };
  const s = serveMetrics({ hostname: "127.0.0.1", port: 0 }, collect);
  if (!s.ok) throw new Error(s.error);
  const base = `http://127.0.0.1:${s.value.address.port}`;
  try {
    assert.ok(s.value.address.port > 0);
    for (const expected of [1, 2]) {
      const res = await fetch(`${base}/metrics`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("content-type"), METRICS_CONTENT_TYPE);
      const { samples } = parseExposition(await res.text());
      assert.equal(value(samples, "heartbeat_packets_sent_total"), expected);
    }
    const nf = await fetch(`${base}/`);
    assert.equal(nf.status, 404);
    await nf.body?.cancel();
    const post = await fetch(`${base}/metrics`, { method: "POST" });
    assert.equal(post.status, 405);
    await post.body?.cancel();
  } finally {
    await s.value.close();
  }
});

Deno.test("metrics: a port in use is an error value", async () => {
  const a = serveMetrics({ hostname: "127.0.0.1", port: 0 }, () => ({ status: report() }));
  if (!a.ok) throw new Error(a.error);
  try {
    const b = serveMetrics(a.value.address, () => ({ status: report() }));
    if (b.ok) {
      await b.value.close();
      throw new Error("second listener on the same port was accepted");
    }
    assert.match(b.error, /cannot listen on 127\.0\.0\.1:\d+: address already in use/);
  } finally {
    await a.value.close();
  }
});

/** Debian's python (where python3-prometheus-client installs), not a user's pyenv one. */
const SYSTEM_PYTHON = "/usr/bin/python3";
const hasPromClient = (() => {
  try {
    return new Deno.Command(SYSTEM_PYTHON, {
      args: ["-c", "import prometheus_client"],
      stdout: "null",
      stderr: "null",
    }).outputSync().success;
  } catch {
    return false;
  }
})();

Deno.test({
  name: "metrics: Prometheus' own parser (python3-prometheus-client) reads the output",
  ignore: !hasPromClient,
  async fn() {
    const text = renderMetrics({ status: report(), apiClients: 1, logLinesDropped: 0 });
    const child = new Deno.Command(SYSTEM_PYTHON, {
      args: [
        "-c",
        `import sys, json
from prometheus_client.parser import text_string_to_metric_families
out = {}
for f in text_string_to_metric_families(sys.stdin.read()):
    for s in f.samples:
        out.setdefault(f.type + " " + s.name, []).append([s.labels, s.value])
print(json.dumps(out))`,
      ],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(text));
    await w.close();
    const out = await child.output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    const parsed = JSON.parse(new TextDecoder().decode(out.stdout));
    assert.deepEqual(parsed["counter heartbeat_deaths_detected_total"], [[{}, 1]]);
    assert.deepEqual(parsed["gauge heartbeat_node_up"], [
      [{ node: "alpha", type: "normal" }, 1],
      [{ node: 'be"ta\\x', type: "normal" }, 0],
    ]);
  },
});
