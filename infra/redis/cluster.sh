#!/usr/bin/env bash
# The cluster topology's Redis: a Redis Cluster of three masters, each with one replica — six
# redis-servers, append-only, created once by `redis-cli --cluster create` and checked by
# `redis-cli --cluster check`. A master lost for REDIS_CLUSTER_NODE_TIMEOUT_MS is failed over by the
# cluster itself (its replica promoted); services follow MOVED through ioredis' Cluster client.
#
#   infra/redis/cluster.sh start|stop|wipe|status|check|ready|nodes|masters
#                          |kill-node N|start-node N|node-pid N|node-port N
#
# N is 1–6 (the first three are the masters at creation). Environment: REDIS_CLUSTER_PORT (7000): node N
# on port + N - 1, its cluster bus on that + 10000; REDIS_CLUSTER_DIR (.local/redis-cluster);
# REDIS_CLUSTER_NODE_TIMEOUT_MS (2000); REDIS_CLUSTER_ANNOUNCE_IP (127.0.0.1).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

PORT=${REDIS_CLUSTER_PORT:-7000}
DIR=${REDIS_CLUSTER_DIR:-$LOCAL_DIR/redis-cluster}
NODE_TIMEOUT_MS=${REDIS_CLUSTER_NODE_TIMEOUT_MS:-2000}
ANNOUNCE_IP=${REDIS_CLUSTER_ANNOUNCE_IP:-127.0.0.1}
NODES=(1 2 3 4 5 6)

node_port() {
  [[ "$1" =~ ^[1-6]$ ]] || die "redis-cluster: a node is 1–6, not '$1'"
  echo $((PORT + $1 - 1))
}

wait_answers() { # wait_answers PORT NAME
  for _ in $(seq 1 100); do redis_answers "$1" && return 0; sleep 0.1; done
  die "redis-cluster: $2 does not answer on 127.0.0.1:$1 (log in $DIR)"
}

cli() { # redis-cli with the password, when there is one, from the environment (not on its command line)
  if [[ -n "${REDIS_PASSWORD:-}" ]]; then REDISCLI_AUTH=$REDIS_PASSWORD redis-cli "$@"; else redis-cli "$@"; fi
}

# The value of one field of CLUSTER INFO on a node, e.g. cluster_state or cluster_known_nodes.
cluster_info() { # cluster_info PORT FIELD
  cli -p "$1" cluster info 2>/dev/null | tr -d '\r' | sed -n "s/^$2://p"
}

start_node() {
  local n=$1 port dir
  port=$(node_port "$n")
  dir=$DIR/$n
  mkdir -p "$dir"
  if pid_alive "$dir/redis.pid" && redis_answers "$port"; then return 0; fi
  port_open "$port" && die "redis-cluster: port $port is taken; set REDIS_CLUSTER_PORT"
  # nodes.conf is the cluster's own record of its members and slots: a restarted node rejoins from it.
  redis-server --port "$port" --bind 127.0.0.1 --daemonize yes --pidfile "$dir/redis.pid" --dir "$dir" \
    --logfile "$dir/redis.log" --appendonly yes --save '' \
    --cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout "$NODE_TIMEOUT_MS" \
    --cluster-announce-ip "$ANNOUNCE_IP" \
    "${REDIS_LIMIT_ARGS[@]}" "${REDIS_AUTH_ARGS[@]}" >/dev/null
  wait_answers "$port" "node $n"
}

addresses() {
  local n
  for n in "${NODES[@]}"; do printf '127.0.0.1:%s ' "$(node_port "$n")"; done
}

# Every node sees the cluster as ok (all 16384 slots served, every master reachable), and three of them
# are replicas in sync with their master: without them a lost master loses its slots.
wait_ok() {
  local n port ok replicas
  for _ in $(seq 1 300); do
    ok=1 replicas=0
    for n in "${NODES[@]}"; do
      port=$(node_port "$n")
      [[ "$(cluster_info "$port" cluster_state)" == ok ]] || ok=0
      if cli -p "$port" info replication 2>/dev/null | grep -q '^role:slave'; then
        cli -p "$port" info replication | grep -q '^master_link_status:up' && replicas=$((replicas + 1))
      fi
    done
    ((ok && replicas == 3)) && return 0
    sleep 0.2
  done
  die "redis-cluster: not ok with three replicas in sync after 60s" \
    "(cluster_state $(cluster_info "$PORT" cluster_state)," \
    "$replicas replicas in sync)"
}

start() {
  require redis-server redis-server
  require redis-cli redis-tools
  local n
  for n in "${NODES[@]}"; do start_node "$n"; done
  # A node that has never been in a cluster knows only itself: create it (once; nodes.conf keeps it).
  if [[ "$(cluster_info "$PORT" cluster_known_nodes)" == 1 ]]; then
    log "redis-cluster: creating a cluster of three masters and three replicas on $(addresses)"
    # shellcheck disable=SC2046 # one address per word
    cli --cluster create $(addresses) --cluster-replicas 1 --cluster-yes >"$DIR/create.log" 2>&1 \
      || { cat "$DIR/create.log" >&2; die "redis-cluster: redis-cli --cluster create failed"; }
  fi
  wait_ok
  log "redis-cluster: six nodes on $(nodes), cluster_state ok"
}

stop() {
  local n
  for n in 6 5 4 3 2 1; do stop_pid "$DIR/$n/redis.pid" "redis-cluster node $n" 10; done
}

nodes() {
  local n list=()
  for n in "${NODES[@]}"; do list+=("127.0.0.1:$(node_port "$n")"); done
  (IFS=,; echo "${list[*]}")
}

# The masters' ports, as the cluster sees them now (after failovers too).
masters() {
  local n port=
  for n in "${NODES[@]}"; do redis_answers "$(node_port "$n")" && { port=$(node_port "$n"); break; }; done
  [[ -n "$port" ]] || die "redis-cluster: no node answers"
  cli -p "$port" cluster nodes | awk '$3 ~ /master/ && $3 !~ /fail/ {split($2, a, "[:@]"); print a[2]}' | sort -n
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  wipe) stop; rm -rf "$DIR"; log "redis-cluster: wiped" ;;
  status)
    rc=0
    for n in "${NODES[@]}"; do
      port=$(node_port "$n")
      if redis_answers "$port"; then
        echo "redis-cluster node $n: answering on 127.0.0.1:$port ($(cluster_info "$port" cluster_state))"
      else echo "redis-cluster node $n: stopped"; rc=3; fi
    done
    exit $rc ;;
  check) cli --cluster check "127.0.0.1:$PORT" ;;
  ready) wait_ok ;; # whole again: every node ok, three replicas in sync (after a node was killed or paused)
  nodes) nodes ;;
  masters) masters ;;
  kill-node)
    file=$DIR/${2:?a node 1–6}/redis.pid
    if pid_alive "$file"; then
      kill_pid "$(cat "$file")" "redis-cluster node $2" || exit 1
      log "redis-cluster node $2: killed"
    else log "redis-cluster node $2: not running"; fi ;;
  start-node) start_node "${2:?a node 1–6}" ;;
  node-pid) cat "$DIR/${2:?a node 1–6}/redis.pid" ;;
  node-port) node_port "${2:?a node 1–6}" ;;
  *) die "usage: $0 start|stop|wipe|status|check|ready|nodes|masters|kill-node N|start-node N|node-pid N|node-port N" ;;
esac
