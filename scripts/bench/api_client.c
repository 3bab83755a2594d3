/*
 * api_client.c - one client program for the API benchmark (scripts/bench_api.ts), linked
 * against the real Heartbeat client library, so our daemon and Heartbeat 3.0.6 are measured
 * with the very same client code.
 *
 *   api_client send CLIENTID TYPE N [RATE]     sign on, send N messages of type TYPE to the
 *                                              cluster (RATE msgs/s, 0 = as fast as possible)
 *   api_client recv CLIENTID TYPE N IDLE_MS    sign on, print "ready", count messages of
 *                                              TYPE until N arrived or IDLE_MS of silence
 *
 * Each message carries its index and the sender's CLOCK_MONOTONIC time in ns; both clients
 * run on one machine (network namespaces share the clock), so the receiver computes one-way
 * latency. The receiver prints one JSON line:
 *   {"received":K,"first_send_ns":..,"first_recv_ns":..,"last_recv_ns":..,
 *    "p50_us":..,"p99_us":..,"max_us":..}
 * The sender prints {"sent":K,"elapsed_ns":..,"retries":R,"stalled":B}; it stops early
 * (stalled) when the daemon refuses its messages for 5 s.
 *
 * Build: gcc -O2 api_client.c $(pkg-config --cflags glib-2.0) -I/usr/include/heartbeat \
 *        -lhbclient -lplumb $(pkg-config --libs glib-2.0)
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>
#include <heartbeat/hb_api.h>
#include <heartbeat/ha_msg.h>

static long long now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static ll_cluster_t *sign_on(const char *id) {
  ll_cluster_t *hb = ll_cluster_new("heartbeat");
  if (hb == NULL) {
    fprintf(stderr, "api_client: ll_cluster_new failed\n");
    exit(2);
  }
  if (hb->llc_ops->signon(hb, id) != HA_OK) {
    fprintf(stderr, "api_client: signon as %s failed: %s\n", id, hb->llc_ops->errmsg(hb));
    exit(2);
  }
  return hb;
}

/* Reads and frees whatever is queued for us (our own broadcasts come back). */
static void drain(ll_cluster_t *hb) {
  while (hb->llc_ops->msgready(hb)) {
    struct ha_msg *m = hb->llc_ops->readmsg(hb, 0);
    if (m == NULL) break;
    ha_msg_del(m);
  }
}

static int do_send(const char *id, const char *type, long n, double rate) {
  ll_cluster_t *hb = sign_on(id);
  long long start = now_ns();
  long retries = 0, sent = 0;
  int stalled = 0;
  char buf[32];
  for (long i = 0; i < n; i++) {
    if (rate > 0) {
      long long due = start + (long long)(i * 1e9 / rate);
      while (now_ns() < due) {
        drain(hb);
        usleep(50);
      }
    }
    struct ha_msg *m = ha_msg_new(4);
    ha_msg_add(m, F_TYPE, type);
    snprintf(buf, sizeof buf, "%ld", i);
    ha_msg_add(m, "bench_i", buf);
    snprintf(buf, sizeof buf, "%lld", now_ns());
    ha_msg_add(m, "bench_ns", buf);
    /* A full channel refuses the message (the daemon paused us): read our side, wait a
     * little, retry; after 5 s without progress the daemon is stuck and we stop. */
    long long stuck_since = 0;
    while (hb->llc_ops->sendclustermsg(hb, m) != HA_OK) {
      retries++;
      if (stuck_since == 0) stuck_since = now_ns();
      if (now_ns() - stuck_since > 5000000000LL) {
        stalled = 1;
        break;
      }
      drain(hb);
      usleep(100);
    }
    ha_msg_del(m);
    if (stalled) break;
    sent++;
    drain(hb);
  }
  long long elapsed = now_ns() - start;
  printf("{\"sent\":%ld,\"elapsed_ns\":%lld,\"retries\":%ld,\"stalled\":%s}\n", sent,
         elapsed, retries, stalled ? "true" : "false");
  fflush(stdout);
  /* Give the daemon time to pass the last messages on before we leave. */
  for (int k = 0; k < 20; k++) {
    drain(hb);
    usleep(10000);
  }
  hb->llc_ops->signoff(hb, TRUE);
  hb->llc_ops->delete(hb);
  return 0;
}

static int cmp_ll(const void *a, const void *b) {
  long long x = *(const long long *)a, y = *(const long long *)b;
  return x < y ? -1 : x > y;
}

static int do_recv(const char *id, const char *type, long n, int idle_ms) {
  ll_cluster_t *hb = sign_on(id);
  long long *lat = calloc((size_t)n, sizeof *lat);
  long got = 0;
  long long first_send = 0, first_recv = 0, last_recv = 0;
  printf("ready\n");
  fflush(stdout);
  int fd = hb->llc_ops->inputfd(hb);
  while (got < n) {
    if (!hb->llc_ops->msgready(hb)) {
      struct pollfd p = {.fd = fd, .events = POLLIN};
      int r = poll(&p, 1, got == 0 ? 60000 : idle_ms);
      if (r == 0) break;
      if (r < 0 && errno != EINTR) break;
    }
    struct ha_msg *m = hb->llc_ops->readmsg(hb, 0);
    if (m == NULL) {
      if (!hb->llc_ops->msgready(hb) && hb->llc_ops->inputfd(hb) < 0) break;
      continue;
    }
    const char *t = ha_msg_value(m, F_TYPE);
    const char *ts = ha_msg_value(m, "bench_ns");
    if (t != NULL && ts != NULL && strcmp(t, type) == 0) {
      long long now = now_ns();
      long long sent = atoll(ts);
      if (got == 0) {
        first_send = sent;
        first_recv = now;
      }
      last_recv = now;
      lat[got++] = now - sent;
    }
    ha_msg_del(m);
  }
  qsort(lat, (size_t)got, sizeof *lat, cmp_ll);
  long long p50 = got ? lat[got / 2] : 0;
  long long p99 = got ? lat[(got * 99) / 100 < got ? (got * 99) / 100 : got - 1] : 0;
  long long mx = got ? lat[got - 1] : 0;
  printf("{\"received\":%ld,\"first_send_ns\":%lld,\"first_recv_ns\":%lld,\"last_recv_ns\":%lld,"
         "\"p50_us\":%.1f,\"p99_us\":%.1f,\"max_us\":%.1f}\n",
         got, first_send, first_recv, last_recv, p50 / 1e3, p99 / 1e3, mx / 1e3);
  fflush(stdout);
  hb->llc_ops->signoff(hb, TRUE);
  hb->llc_ops->delete(hb);
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 5 && strcmp(argv[1], "send") == 0) {
    return do_send(argv[2], argv[3], atol(argv[4]), argc > 5 ? atof(argv[5]) : 0);
  }
  if (argc >= 6 && strcmp(argv[1], "recv") == 0) {
    return do_recv(argv[2], argv[3], atol(argv[4]), atoi(argv[5]));
  }
  fprintf(stderr, "usage: api_client send ID TYPE N [RATE] | recv ID TYPE N IDLE_MS\n");
  return 2;
}
