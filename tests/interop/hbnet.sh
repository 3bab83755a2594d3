#!/usr/bin/env bash
# Copied from shared/interop/ into the repo so CI has it; namespace names take the prefix $HBNET_NS (default "hb").
# hbnet.sh - a private test LAN built from network namespaces.
#
#   hbnet.sh up N        create switch namespace "hbsw" (bridge br0) and N node
#                        namespaces hbn1..hbnN; node K has eth0 = 10.99.0.(10+K)/24.
#                        Idempotent: existing pieces are kept, missing ones added.
#   hbnet.sh down        delete every hbsw/hbnK namespace (all veths go with them);
#                        processes still inside are SIGKILLed first (stop nodes before).
#   hbnet.sh exec K CMD  run CMD inside node K's network namespace.
#   hbnet.sh list        print "K name ip" for each node namespace that exists.
#
# The root namespace gets no address and no route in 10.99.0.0/24, so nothing
# sent on this LAN can leave it. Needs root and iproute2.
set -euo pipefail

NSP=${HBNET_NS:-hb}  # namespace name prefix (HBNET_NS), so test runs can share a machine
SW=${NSP}sw         # switch namespace
BR=br0             # bridge inside the switch namespace
NET_PREFIX=10.99.0 # node K gets $NET_PREFIX.$((10+K))
MAX_NODES=32

die() { echo "hbnet: $*" >&2; exit 1; }
ns_exists() { ip netns list | awk '{print $1}' | grep -qx "$1"; }
node_ip() { echo "$NET_PREFIX.$((10 + $1))"; }

check_k() {
  [[ "$1" =~ ^[0-9]+$ ]] && (( $1 >= 1 && $1 <= MAX_NODES )) \
    || die "node number must be 1..$MAX_NODES, got '$1'"
}

up() {
  local n=$1 k ns
  check_k "$n"
  if ! ns_exists "$SW"; then ip netns add "$SW"; fi
  ip -n "$SW" link set lo up
  if ! ip -n "$SW" link show "$BR" >/dev/null 2>&1; then
    # No STP and zero forwarding delay: ports forward at once, as on a
    # simple switch, so start-up timings are not skewed by the bridge.
    ip -n "$SW" link add "$BR" type bridge stp_state 0 forward_delay 0
  fi
  # Allow IGMP-less multicast to flood (no snooping surprises with mcast media).
  ip -n "$SW" link set "$BR" type bridge mcast_snooping 0
  ip -n "$SW" link set "$BR" up
  for ((k = 1; k <= n; k++)); do
    ns="${NSP}n$k"
    ns_exists "$ns" || ip netns add "$ns"
    ip -n "$ns" link set lo up
    if ! ip -n "$ns" link show eth0 >/dev/null 2>&1; then
      # Create the pair directly with one end in each namespace, so no
      # interface ever appears in the root namespace.
      ip link add name eth0 netns "$ns" type veth peer name "p$k" netns "$SW"
    fi
    ip -n "$SW" link set "p$k" master "$BR"
    ip -n "$SW" link set "p$k" up
    # "brd +" matters: without a broadcast address the bcast medium cannot send.
    ip -n "$ns" addr replace "$(node_ip "$k")/24" brd + dev eth0
    ip -n "$ns" link set eth0 up
  done
}

down() {
  local ns pids
  for ns in $(ip netns list | awk '{print $1}' | grep -E "^(${NSP}n[0-9]+|$SW)$" || true); do
    # Deleting the name does not end processes still inside; they would linger in an
    # unreachable namespace. Anything left there was started by us: end it by PID.
    pids=$(ip netns pids "$ns" | tr '\n' ' ')
    if [ -n "${pids// /}" ]; then
      echo "hbnet: killing processes left in $ns: $pids" >&2
      kill -KILL $pids 2>/dev/null || true
    fi
    ip netns del "$ns"
  done
}

list() {
  local ns k
  for ns in $(ip netns list | awk '{print $1}' | grep -E "^${NSP}n[0-9]+\$" | sort -V); do
    k=${ns#${NSP}n}
    echo "$k $ns $(node_ip "$k")"
  done
}

cmd=${1:-}
case "$cmd" in
  up)   [ $# -eq 2 ] || die "usage: hbnet.sh up N"; up "$2" ;;
  down) down ;;
  list) list ;;
  exec)
    [ $# -ge 3 ] || die "usage: hbnet.sh exec K CMD..."
    check_k "$2"; ns_exists "${NSP}n$2" || die "namespace ${NSP}n$2 does not exist (run: hbnet.sh up N)"
    k=$2; shift 2
    exec ip netns exec "${NSP}n$k" "$@" ;;
  *) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; [ -z "$cmd" ] || exit 2 ;;
esac
