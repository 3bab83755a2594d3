/*
 * api_sender.c - a real Heartbeat API client (linked against libhbclient) for the mixed-cluster
 * tests: it signs on and sends N cluster messages of type TYPE, each carrying SIZE bytes in
 * the shape MODE asks for, 100 ms apart, and prints "sent K".
 *
 *   api_sender CLIENTID TYPE MODE SIZE N
 *     MODE flat       a plain string field
 *          list       a list field (FT_LIST) of two short items (SIZE unused)
 *          struct     a nested message (ha_msg_addstruct; real Heartbeat then sends no auth=)
 *          compressed a nested message compressed by the library (ha_msg_addstruct_compress,
 *                     as Pacemaker sends CIB updates)
 *
 * Build: gcc api_sender.c $(pkg-config --cflags --libs glib-2.0) -I/usr/include/heartbeat \
 *        -lhbclient -lplumb   (Debian: gcc, pkg-config, libglib2.0-dev, libheartbeat2-dev)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>
#include <heartbeat/hb_api.h>
#include <heartbeat/ha_msg.h>

int main(int argc, char **argv) {
  if (argc != 6) {
    fprintf(stderr, "usage: api_sender CLIENTID TYPE flat|list|struct|compressed SIZE N\n");
    return 2;
  }
  const char *mode = argv[3];
  long size = atol(argv[4]), n = atol(argv[5]);
  ll_cluster_t *hb = ll_cluster_new("heartbeat");
  /* The previous sender's sign-off may still be in progress (one client id at a time). */
  int on = 0;
  for (int tries = 0; hb != NULL && !on && tries < 20; tries++) {
    on = hb->llc_ops->signon(hb, argv[1]) == HA_OK;
    if (!on) usleep(250000);
  }
  if (!on) {
    fprintf(stderr, "api_sender: cannot sign on as %s\n", argv[1]);
    return 2;
  }
  /* Compressible but not trivial text, so a compressed field stays well above one byte. */
  char *payload = malloc(size + 1);
  for (long i = 0; i < size; i++) payload[i] = "abcdefghijklmnopqrstuvwxyz0123456789"[(i * 7 + i / 13) % 36];
  payload[size] = 0;
  long sent = 0;
  for (long i = 0; i < n; i++) {
    struct ha_msg *m = ha_msg_new(4);
    char idx[32];
    snprintf(idx, sizeof idx, "%ld", i);
    ha_msg_add(m, F_TYPE, argv[2]);
    ha_msg_add(m, "idx", idx);
    int rc = HA_OK;
    if (strcmp(mode, "list") == 0) {
      /* Short items only: a list item of a few KB makes the real master die ("string list
       * length exceeds limit", then Emergency Shutdown), whoever the peers are. */
      rc = cl_msg_list_add_string(m, "lst", "alpha");
      if (rc == HA_OK) rc = cl_msg_list_add_string(m, "lst", "beta");
    } else if (strcmp(mode, "struct") == 0 || strcmp(mode, "compressed") == 0) {
      struct ha_msg *child = ha_msg_new(2);
      ha_msg_add(child, "payload", payload);
      ha_msg_add(child, "kind", "nested");
      rc = strcmp(mode, "struct") == 0 ? ha_msg_addstruct(m, "sub", child)
                                       : ha_msg_addstruct_compress(m, "sub", child);
      ha_msg_del(child);
    } else {
      rc = ha_msg_add(m, "payload", payload);
    }
    if (rc == HA_OK && hb->llc_ops->sendclustermsg(hb, m) == HA_OK) sent++;
    ha_msg_del(m);
    usleep(100000);
  }
  printf("sent %ld\n", sent);
  fflush(stdout);
  sleep(1); /* let the daemon pass the last message on before we sign off */
  hb->llc_ops->signoff(hb, TRUE);
  hb->llc_ops->delete(hb);
  return sent == n ? 0 : 1;
}
