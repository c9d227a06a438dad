#!/usr/bin/env bash
# The replicated topology's Kafka: three KRaft nodes, each a broker and a voter of the metadata quorum,
# on 127.0.0.1, with small heaps. Topics `events` and `events.dlq` (and Kafka's internal topics) have a
# replication factor of 3 and min.insync.replicas=2: one node may be lost without stopping writes.
#
#   infra/kafka/cluster.sh start|stop|wipe|status|bootstrap|start-node N|stop-node N|kill-node N|node-port N|node-pid N
#
# Environment: KAFKA_CLUSTER_PORT (9192): node N's broker listens on KAFKA_CLUSTER_PORT + 2(N-1), its
# controller on the port after; KAFKA_CLUSTER_DIR (.local/kafka-cluster); KAFKA_CLUSTER_HEAP_OPTS
# (-Xms128m -Xmx384m).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

BASE_PORT=${KAFKA_CLUSTER_PORT:-9192}
DIR=${KAFKA_CLUSTER_DIR:-$LOCAL_DIR/kafka-cluster}
NODES=(1 2 3)

broker_port() { echo $((BASE_PORT + 2 * ($1 - 1))); }
controller_port() { echo $((BASE_PORT + 2 * ($1 - 1) + 1)); }

voters() {
  local list=() n
  for n in "${NODES[@]}"; do list+=("$n@127.0.0.1:$(controller_port "$n")"); done
  (IFS=,; echo "${list[*]}")
}

bootstrap() {
  local list=() n
  for n in "${NODES[@]}"; do list+=("127.0.0.1:$(broker_port "$n")"); done
  (IFS=,; echo "${list[*]}")
}

# One cluster id for all three, made once: a node formatted with another would not join.
cluster_id() {
  mkdir -p "$DIR"
  if [[ ! -s "$DIR/cluster-id" ]]; then
    "$ROOT/infra/kafka/kafka.sh" cluster-id > "$DIR/cluster-id"
  fi
  cat "$DIR/cluster-id"
}

node() { # node N COMMAND
  local n=$1
  shift
  KAFKA_PORT=$(broker_port "$n") KAFKA_CONTROLLER_PORT=$(controller_port "$n") KAFKA_STATE_DIR="$DIR/node-$n" \
    KAFKA_NODE_ID=$n KAFKA_VOTERS=$(voters) KAFKA_CLUSTER_ID=$(cluster_id) KAFKA_REPLICATION_FACTOR=3 KAFKA_MIN_ISR=2 \
    KAFKA_HEAP_OPTS=${KAFKA_CLUSTER_HEAP_OPTS:--Xms128m -Xmx384m} "$ROOT/infra/kafka/kafka.sh" "$@"
}

start() {
  local n pids=() pid failed=0
  "$ROOT/infra/kafka/kafka.sh" install
  cluster_id > /dev/null
  # All three first, side by side (formatting is a JVM each): a node becomes ready only once a
  # majority of the quorum is up.
  for n in "${NODES[@]}"; do node "$n" launch & pids+=($!); done
  for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
  ((failed == 0)) || die "kafka-cluster: a node did not launch (see above)"
  for n in "${NODES[@]}"; do node "$n" wait; done
  node 1 create-topics
  log "kafka-cluster: three nodes ready on $(bootstrap)"
}

# All three at once: stopped one by one, the last node has no quorum left to shut down with and
# waits out its grace period.
stop_all() {
  local n pids=() pid failed=0
  for n in "${NODES[@]}"; do node "$n" stop & pids+=($!); done
  for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
  return "$failed"
}

case "${1:-}" in
  start) start ;;
  stop) stop_all ;;
  # The data goes: no controlled shutdown to wait for.
  wipe) for n in "${NODES[@]}"; do node "$n" kill; node "$n" wipe; done; rm -rf "$DIR"; log "kafka-cluster: wiped" ;;
  status) rc=0; for n in "${NODES[@]}"; do node "$n" status || rc=3; done; exit $rc ;;
  bootstrap) bootstrap ;;
  start-node) node "${2:?node number}" launch; node "$2" wait ;;
  stop-node) node "${2:?node number}" stop ;;
  kill-node) node "${2:?node number}" kill ;;
  node-port) broker_port "${2:?node number}" ;;
  node-pid) cat "$DIR/node-${2:?node number}/kafka.pid" ;;
  *) die "usage: $0 start|stop|wipe|status|bootstrap|start-node N|stop-node N|kill-node N|node-port N|node-pid N" ;;
esac
