#!/usr/bin/env bash
# Copied from shared/interop/ into the repo so CI has it; namespace names take the prefix $HBNET_NS (default "hb").
# realhb.sh - run the REAL Heartbeat 3.0.6 (Debian package) as node K of the
# namespace LAN made by hbnet.sh, each node with its own config and state.
#
#   realhb.sh install                 apt-get install heartbeat if missing (no service start)
#   realhb.sh start K [options]       write node K's ha.cf/authkeys and start heartbeat
#   realhb.sh stop K                  graceful stop (SIGTERM, waits up to 30 s, then SIGKILL)
#   realhb.sh kill K                  SIGKILL all of node K's heartbeat processes (a crash)
#   realhb.sh status K                run the real cl_status commands as node K
#   realhb.sh log K                   print node K's heartbeat log
#   realhb.sh pids K                  print node K's heartbeat PIDs (master first)
#   realhb.sh exec K CMD...           run CMD as if on node K (its network, hostname, files)
#   realhb.sh waitlog K REGEX [SECS]  wait (default 30 s) for a new log line matching
#                                     REGEX (Perl syntax); prints "<epoch-ms> <line>"
#   realhb.sh clean [K]               stop and wipe node K's (or every node's) lab state
#
# start options (defaults in brackets):
#   --auth crc|md5|sha1 [sha1]   --key SECRET [interop-secret]
#   --media ucast|bcast|mcast [ucast]   (repeatable: several media at once)
#   --keepalive T [1]  --warntime T [5]  --deadtime T [10]  --initdead T [20]
#       T uses Heartbeat's time syntax: whole seconds ("2") or milliseconds ("500ms").
#   --nodes "1 2 3"  node numbers in the cluster [every hbnK namespace that exists]
#   --port P [694]   --mcast-group G [239.0.0.99]   --debug N [0]
#   --no-ccm         do not respawn the ccm membership daemon
#   --realtime on|off [on]   --extra "directive value"  (appended to ha.cf; repeatable)
#   --keep-log       append to the old log instead of rotating it to ha.log.1
#   --authkeys-mode M  chmod authkeys to M [0600] (for error-behaviour tests)
#
# Environment: HBLAB (lab state root) [/tmp/hblab].
# Node K is host "nodeK" with address 10.99.0.(10+K) on eth0 of namespace hbnK.
set -euo pipefail

LAB=${HBLAB:-/tmp/hblab}
NSP=${HBNET_NS:-hb}  # namespace name prefix, as in hbnet.sh
HB_BIN=/usr/libexec/heartbeat/heartbeat
CCM_BIN=/usr/libexec/heartbeat/ccm
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

die() { echo "realhb: $*" >&2; exit 1; }
ndir() { echo "$LAB/n$1"; }
node_ip() { echo "10.99.0.$((10 + $1))"; }
check_k() {
  [[ "${1:-}" =~ ^[0-9]+$ ]] && (( $1 >= 1 && $1 <= 32 )) || die "node number must be 1..32, got '${1:-}'"
}
ns_exists() { ip netns list | awk '{print $1}' | grep -qx "${NSP}n$1"; }

# ---------------------------------------------------------------------------
# The namespace trick.
#
# Heartbeat hard-codes its paths: /etc/ha.d (config), /run/heartbeat (API
# registration socket, ccm socket), /run/heartbeat.pid, /var/lib/heartbeat
# (hb_uuid, hb_generation, hostcache, the FIFO, core dirs). Two instances on
# one machine would trample each other's files, and each checks that its own
# name from the "node" lines equals `uname -n`.
#
# So every node runs in three namespaces:
#   network: hbnK (made by hbnet.sh) - its own eth0/IP;
#   UTS:     a private hostname "nodeK" (unshare -u + hostname);
#   mount:   a private mount table (unshare -m, propagation private, so nothing
#            leaks back to the host) where per-node lab directories are
#            bind-mounted over the hard-coded paths:
#              $LAB/nK/ha.d -> /etc/ha.d
#              $LAB/nK/run  -> /run        (so /var/run, a symlink to /run, too)
#              $LAB/nK/lib  -> /var/lib/heartbeat
# /tmp stays shared, so the log file and pcaps are visible from the host.
#
# A client (cl_status, strace, a test program) started later with the same
# recipe sees the very same files - a Unix socket reached through a bind mount
# is the same socket - so we never need to nsenter the daemon's namespace.
# ---------------------------------------------------------------------------
in_node() {
  local k=$1; shift
  ns_exists "$k" || die "namespace ${NSP}n$k missing (run: hbnet.sh up N)"
  local d; d=$(ndir "$k")
  [ -d "$d/run" ] && [ -d "$d/lib" ] && [ -d "$d/ha.d" ] || die "node $k has no lab state (start it first)"
  ip netns exec "${NSP}n$k" unshare --mount --uts --propagation private \
    /bin/sh -c '
      set -e
      mount --bind "$1/ha.d" /etc/ha.d
      mount --bind "$1/run"  /run
      mount --bind "$1/lib"  /var/lib/heartbeat
      hostname "$2"
      shift 2
      exec "$@"' sh "$d" "node$k" "$@"
}

# Make node K's private /run and /var/lib/heartbeat (state kept across restarts,
# like a real disk; "clean" wipes it).
prepare_dirs() {
  local k=$1 d; d=$(ndir "$k")
  mkdir -p "$d"
  if [ ! -d "$d/lib" ]; then
    # Copy the package's empty skeleton (right owners and modes), never its state.
    mkdir -p "$d/lib"
    cp -a /var/lib/heartbeat/. "$d/lib/"
    rm -f "$d/lib/hb_uuid" "$d/lib/hb_generation" "$d/lib/hostcache" "$d/lib/delhostcache" "$d/lib/fifo"
  fi
  # A fresh /run for each start: stale sockets or a stale pidfile must not survive.
  rm -rf "$d/run"
  mkdir -p "$d/run/lock"
  install -d -m 0750 -o hacluster -g haclient "$d/run/heartbeat" "$d/run/heartbeat/ccm" \
    "$d/run/heartbeat/crm" "$d/run/heartbeat/dopd"
  chmod 0755 "$d/run"
  rm -rf "$d/ha.d"
  cp -a /etc/ha.d "$d/ha.d"
}

all_nodes() {
  ip netns list | awk '{print $1}' | grep -E "^${NSP}n[0-9]+\$" | sed "s/^${NSP}n//" | sort -n | tr '\n' ' '
}

write_config() {
  local k=$1 d; d=$(ndir "$k")
  local nodes=$NODES n names="" m
  [ -n "$nodes" ] || nodes=$(all_nodes)
  for n in $nodes; do names+=" node$n"; done
  {
    echo "# generated by realhb.sh for node$k"
    echo "logfile $d/ha.log"
    echo "logfacility none"
    echo "use_logd no"
    echo "debug $DEBUG"
    echo "realtime $REALTIME"
    echo "keepalive $KEEPALIVE"
    echo "warntime $WARNTIME"
    echo "deadtime $DEADTIME"
    echo "initdead $INITDEAD"
    echo "udpport $PORT"
    for m in $MEDIA; do
      case "$m" in
        ucast) for n in $nodes; do echo "ucast eth0 $(node_ip "$n")"; done ;;
        bcast) echo "bcast eth0" ;;
        mcast) echo "mcast eth0 $MCAST_GROUP $PORT 1 0" ;;
        *) die "unknown medium '$m' (ucast|bcast|mcast)" ;;
      esac
    done
    echo "node$names"
    if [ "$CCM" = yes ]; then
      # ccm is Heartbeat's own membership daemon; without pacemaker it only
      # runs when asked for. It must be allowed to sign on to the API.
      echo "respawn hacluster $CCM_BIN"
      echo "apiauth ccm uid=hacluster"
    fi
    local x; for x in "${EXTRA[@]}"; do echo "$x"; done
  } > "$d/ha.d/ha.cf"
  {
    echo "auth 1"
    if [ "$AUTH" = crc ]; then echo "1 crc"; else echo "1 $AUTH $KEY"; fi
  } > "$d/ha.d/authkeys"
  chmod "$AUTHKEYS_MODE" "$d/ha.d/authkeys"
  : > "$d/ha.d/haresources"
}

# PIDs of node K's heartbeat family: every process in netns hbnK that shares
# the private mount namespace recorded at start (so a tcpdump or client we run
# in the same netns is never hit). Master first when it is still alive.
hb_pids() {
  local k=$1 d mnt p master=""; d=$(ndir "$k")
  [ -f "$d/mntns" ] || return 0
  mnt=$(cat "$d/mntns")
  ns_exists "$k" || return 0
  [ -f "$d/run/heartbeat.pid" ] && master=$(tr -dc 0-9 < "$d/run/heartbeat.pid")
  local list=()
  for p in $(ip netns pids "${NSP}n$k"); do
    [ "$(readlink "/proc/$p/ns/mnt" 2>/dev/null)" = "$mnt" ] || continue
    if [ "$p" = "$master" ]; then list=("$p" "${list[@]}"); else list+=("$p"); fi
  done
  echo "${list[@]}"
}

wait_gone() { # k seconds [master-pid]
  local k=$1 t=$(( $2 * 10 )) m=${3:-} i
  for ((i = 0; i < t; i++)); do
    # A dead master stays a zombie until PID 1 reaps it; until then "heartbeat -s"
    # and a new start would still see its pidfile PID alive, so wait for that too.
    if [ -z "$(hb_pids "$k")" ] && { [ -z "$m" ] || [ ! -e "/proc/$m" ]; }; then return 0; fi
    sleep 0.1
  done
  return 1
}

cmd_start() {
  local k=$1; shift
  check_k "$k"
  AUTH=sha1 KEY=interop-secret MEDIA="" KEEPALIVE=1 WARNTIME=5 DEADTIME=10 INITDEAD=20
  NODES=${HB_NODES:-} PORT=694 MCAST_GROUP=239.0.0.99 DEBUG=0 CCM=yes REALTIME=on KEEPLOG=no AUTHKEYS_MODE=0600
  EXTRA=()
  while [ $# -gt 0 ]; do
    case "$1" in
      --auth) AUTH=$2; shift 2 ;;
      --key) KEY=$2; shift 2 ;;
      --media) MEDIA+=" $2"; shift 2 ;;
      --keepalive) KEEPALIVE=$2; shift 2 ;;
      --warntime) WARNTIME=$2; shift 2 ;;
      --deadtime) DEADTIME=$2; shift 2 ;;
      --initdead) INITDEAD=$2; shift 2 ;;
      --nodes) NODES=$2; shift 2 ;;
      --port) PORT=$2; shift 2 ;;
      --mcast-group) MCAST_GROUP=$2; shift 2 ;;
      --debug) DEBUG=$2; shift 2 ;;
      --no-ccm) CCM=no; shift ;;
      --realtime) REALTIME=$2; shift 2 ;;
      --extra) EXTRA+=("$2"); shift 2 ;;
      --keep-log) KEEPLOG=yes; shift ;;
      --authkeys-mode) AUTHKEYS_MODE=$2; shift 2 ;;
      *) die "unknown start option '$1'" ;;
    esac
  done
  case "$AUTH" in crc|md5|sha1) ;; *) die "--auth must be crc, md5 or sha1" ;; esac
  [ -n "$MEDIA" ] || MEDIA=ucast
  ns_exists "$k" || die "namespace ${NSP}n$k missing (run: hbnet.sh up N)"
  [ -x "$HB_BIN" ] || die "$HB_BIN not found (run: realhb.sh install)"
  [ -z "$(hb_pids "$k")" ] || die "node $k is already running (pids: $(hb_pids "$k"))"

  local d; d=$(ndir "$k")
  prepare_dirs "$k"
  write_config "$k"
  if [ "$KEEPLOG" = no ] && [ -f "$d/ha.log" ]; then mv -f "$d/ha.log" "$d/ha.log.1"; fi
  touch "$d/ha.log"

  # heartbeat daemonizes: the foreground call returns and the daemon keeps the
  # namespaces alive. Each in_node call makes a NEW mount namespace, so the one
  # the daemon lives in is read from the master and recorded: hb_pids uses it
  # to recognise the daemon's family later.
  in_node "$k" "$HB_BIN" || { tail -n 20 "$d/ha.log" >&2; die "heartbeat failed to start on node $k (log: $d/ha.log)"; }
  local i pid=""
  for ((i = 0; i < 100; i++)); do
    if [ -s "$d/run/heartbeat.pid" ]; then
      pid=$(tr -dc 0-9 < "$d/run/heartbeat.pid")
      [ -n "$pid" ] && [ -e "/proc/$pid" ] && break
    fi
    sleep 0.1
  done
  [ -n "$pid" ] && [ -e "/proc/$pid" ] || { tail -n 20 "$d/ha.log" >&2; die "no heartbeat master after 10 s on node $k"; }
  readlink "/proc/$pid/ns/mnt" > "$d/mntns"
  echo "node$k started: master pid $pid, log $d/ha.log"
}

cmd_stop() {
  local k=$1 pids master; check_k "$k"
  pids=$(hb_pids "$k"); [ -n "$pids" ] || { echo "node$k not running"; return 0; }
  master=${pids%% *}
  # SIGTERM to the master makes it shut its children down and leave politely
  # (the peers log a graceful leave rather than a death).
  kill -TERM "$master" 2>/dev/null || true
  if ! wait_gone "$k" 30 "$master"; then
    pids=$(hb_pids "$k"); [ -z "$pids" ] || kill -KILL $pids 2>/dev/null || true
    wait_gone "$k" 5 || die "node $k processes survive SIGKILL: $(hb_pids "$k")"
    echo "node$k did not stop in 30 s; killed"
  else
    echo "node$k stopped"
  fi
}

cmd_kill() {
  local k=$1 pids; check_k "$k"
  pids=$(hb_pids "$k"); [ -n "$pids" ] || { echo "node$k not running"; return 0; }
  # One kill(1) call for the whole family: as close to a simultaneous crash as a
  # shell gets. The epoch-ms timestamp printed is taken right before it.
  echo "kill_at_ms $(date +%s%3N) pids $pids"
  kill -KILL $pids 2>/dev/null || true
  wait_gone "$k" 5 "${pids%% *}" || die "node $k processes survive SIGKILL: $(hb_pids "$k")"
}

cmd_status() {
  local k=$1 n nodes; check_k "$k"
  # One shell inside node K's namespaces runs the whole cl_status tour.
  in_node "$k" /bin/sh -c '
    run() { echo "\$ cl_status $*"; cl_status "$@" 2>&1; echo "[exit $?]"; }
    run hbstatus
    run listnodes
    for n in $(cl_status listnodes 2>/dev/null); do
      run nodestatus "$n"
      run nodetype "$n"
      run listhblinks "$n"
      for l in $(cl_status listhblinks "$n" 2>/dev/null); do run hblinkstatus "$n" "$l"; done
    done
    run clientstatus "$(uname -n)" ccm 2
    run rscstatus
    for p in keepalive warntime deadtime initdead udpport auto_failback; do run hbparameter -p "$p"; done'
}

cmd_waitlog() {
  local k=$1 re=$2 secs=${3:-30} d; check_k "$k"; d=$(ndir "$k")
  [ -f "$d/ha.log" ] || die "no log for node $k"
  # Perl (always present on Debian) polls the end of the file every 2 ms and
  # stamps lines with the time they appeared: Heartbeat's own log timestamps
  # only have one-second resolution.
  perl -MTime::HiRes=time,sleep -e '
    my ($f, $re, $secs) = @ARGV; open(my $fh, "<", $f) or die "$f: $!";
    seek($fh, 0, 2); my $end = time + $secs; my $buf = "";
    while (time < $end) {
      while (defined(my $l = <$fh>)) {
        $buf .= $l; next unless $buf =~ /\n\z/; my $line = $buf; $buf = "";
        if ($line =~ /$re/) { printf "%d %s", time * 1000, $line; exit 0 }
      }
      seek($fh, 0, 1); sleep 0.002;
    }
    exit 1' "$d/ha.log" "$re" "$secs" || { echo "realhb: no log line matching /$re/ on node $k within ${secs}s" >&2; return 1; }
}

cmd_clean() {
  local k
  if [ -n "${1:-}" ]; then set -- "$1"; else set -- $(ls "$LAB" 2>/dev/null | sed -n 's/^n\([0-9]\+\)$/\1/p'); fi
  for k in "$@"; do
    check_k "$k"
    [ -z "$(hb_pids "$k")" ] || cmd_kill "$k" >/dev/null
    rm -rf "$(ndir "$k")"
  done
}

cmd=${1:-}
case "$cmd" in
  install)
    if dpkg-query -W -f='${Status}' heartbeat 2>/dev/null | grep -q 'ok installed'; then
      echo "heartbeat already installed"
    else
      # policy-rc.d exit 101 keeps the package scripts from starting the service.
      printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d
      apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q heartbeat
      rm -f /usr/sbin/policy-rc.d
    fi ;;
  start) [ $# -ge 2 ] || die "usage: realhb.sh start K [options]"; shift; cmd_start "$@" ;;
  stop) [ $# -eq 2 ] || die "usage: realhb.sh stop K"; cmd_stop "$2" ;;
  kill) [ $# -eq 2 ] || die "usage: realhb.sh kill K"; cmd_kill "$2" ;;
  status) [ $# -eq 2 ] || die "usage: realhb.sh status K"; cmd_status "$2" ;;
  log) [ $# -eq 2 ] || die "usage: realhb.sh log K"; check_k "$2"; cat "$(ndir "$2")/ha.log" ;;
  pids) [ $# -eq 2 ] || die "usage: realhb.sh pids K"; check_k "$2"; hb_pids "$2" ;;
  exec) [ $# -ge 3 ] || die "usage: realhb.sh exec K CMD..."; check_k "$2"; k=$2; shift 2; in_node "$k" "$@" ;;
  waitlog) [ $# -ge 3 ] || die "usage: realhb.sh waitlog K REGEX [SECS]"; cmd_waitlog "$2" "$3" "${4:-30}" ;;
  clean) cmd_clean "${2:-}" ;;
  *) sed -n '2,30p' "$0" | sed 's/^# \{0,1\}//'; [ -z "$cmd" ] || exit 2 ;;
esac
