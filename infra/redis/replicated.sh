#!/usr/bin/env bash
# The replicated topology's Redis: two redis-servers (a, the first primary, and b, its replica), both
# append-only, and three Sentinels that watch them and promote the replica when the primary is lost.
# Services find the primary through the Sentinels (REDIS_SENTINELS, REDIS_SENTINEL_NAME).
#
#   infra/redis/replicated.sh start|stop|wipe|status|sentinels|primary-port|kill-node a|b|start-node a|b|node-pid a|b
#
# Environment: REDIS_REPLICATED_PORT (6380): a on it, b on the next; REDIS_SENTINEL_PORT (26380): the
# three Sentinels from it; REDIS_REPLICATED_DIR (.local/redis-replicated); REDIS_SENTINEL_NAME (eventstreamapp).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

PORT=${REDIS_REPLICATED_PORT:-6380}
SENTINEL_PORT=${REDIS_SENTINEL_PORT:-26380}
DIR=${REDIS_REPLICATED_DIR:-$LOCAL_DIR/redis-replicated}
NAME=${REDIS_SENTINEL_NAME:-eventstreamapp}
# A primary silent for this long is down for a Sentinel; two of three must agree (quorum 2).
DOWN_AFTER_MS=${REDIS_DOWN_AFTER_MS:-2000}

node_port() { case $1 in a) echo "$PORT" ;; b) echo $((PORT + 1)) ;; *) die "redis node is a or b, not '$1'" ;; esac; }

answers() { redis_answers "$1"; }

wait_answers() { # wait_answers PORT NAME
  for _ in $(seq 1 100); do answers "$1" && return 0; sleep 0.1; done
  die "redis-replicated: $2 does not answer on 127.0.0.1:$1 (logs in $DIR)"
}

start_node() { # start_node a|b
  local n=$1 port
  port=$(node_port "$n")
  mkdir -p "$DIR/$n"
  if pid_alive "$DIR/$n/redis.pid" && answers "$port"; then return 0; fi
  port_open "$port" && die "redis-replicated: port $port is taken; set REDIS_REPLICATED_PORT"
  local role=()
  # b starts as a's replica; a node restarted after a failover is told its role by the Sentinels.
  [[ $n == b && ! -f "$DIR/b/started-once" ]] && role=(--replicaof 127.0.0.1 "$PORT")
  redis-server --port "$port" --bind 127.0.0.1 --daemonize yes --pidfile "$DIR/$n/redis.pid" --dir "$DIR/$n" \
    --logfile "$DIR/$n/redis.log" --appendonly yes --save '' \
    "${REDIS_LIMIT_ARGS[@]}" "${REDIS_AUTH_ARGS[@]}" "${role[@]}" >/dev/null
  wait_answers "$port" "redis $n"
  touch "$DIR/$n/started-once"
}

start_sentinel() { # start_sentinel 1|2|3
  local i=$1 port=$((SENTINEL_PORT + $1 - 1)) dir=$DIR/sentinel-$1
  mkdir -p "$dir"
  if pid_alive "$dir/sentinel.pid" && answers "$port"; then return 0; fi
  # Sentinel rewrites its file with what it learns (the current primary, the other Sentinels): written once.
  if [[ ! -f "$dir/sentinel.conf" ]]; then
    cat > "$dir/sentinel.conf" <<CONF
port $port
bind 127.0.0.1
dir $dir
sentinel monitor $NAME 127.0.0.1 $PORT 2
sentinel down-after-milliseconds $NAME $DOWN_AFTER_MS
sentinel failover-timeout $NAME 10000
sentinel parallel-syncs $NAME 1
CONF
  fi
  # The password as CREDENTIALS says now (infra/credentials.sh): the Sentinel's own, and the one it gives the nodes.
  sed -i -e '/^requirepass /d' -e "/^sentinel auth-pass $NAME /d" "$dir/sentinel.conf"
  [[ -n "${REDIS_PASSWORD:-}" ]] \
    && printf 'requirepass %s\nsentinel auth-pass %s %s\n' "$REDIS_PASSWORD" "$NAME" "$REDIS_PASSWORD" \
    >> "$dir/sentinel.conf"
  redis-server "$dir/sentinel.conf" --sentinel --daemonize yes --pidfile "$dir/sentinel.pid" \
    --logfile "$dir/sentinel.log" >/dev/null
  wait_answers "$port" "sentinel $i"
}

sentinels() {
  local list=() i
  for i in 1 2 3; do list+=("127.0.0.1:$((SENTINEL_PORT + i - 1))"); done
  (IFS=,; echo "${list[*]}")
}

# The primary's port as the Sentinels see it.
primary_port() {
  # The reply: *2, $<len>, the host, $<len>, the port.
  redis_command "$SENTINEL_PORT" 5 SENTINEL get-master-addr-by-name "$NAME" | sed -n 5p
}

start() {
  require redis-server redis-server
  start_node a
  start_node b
  for i in 1 2 3; do start_sentinel "$i"; done
  log "redis-replicated: primary and replica on 127.0.0.1:$PORT,$((PORT + 1)); Sentinels on $(sentinels) (name $NAME)"
}

stop() {
  for i in 1 2 3; do stop_pid "$DIR/sentinel-$i/sentinel.pid" "sentinel $i" 10; done
  for n in b a; do stop_pid "$DIR/$n/redis.pid" "redis $n" 10; done
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  wipe) stop; rm -rf "$DIR"; log "redis-replicated: wiped" ;;
  status)
    rc=0
    for n in a b; do
      if answers "$(node_port "$n")"; then echo "redis $n: answering on 127.0.0.1:$(node_port "$n")"
      else echo "redis $n: stopped"; rc=3; fi
    done
    for i in 1 2 3; do
      if answers $((SENTINEL_PORT + i - 1)); then echo "sentinel $i: answering on 127.0.0.1:$((SENTINEL_PORT + i - 1))"
      else echo "sentinel $i: stopped"; rc=3; fi
    done
    exit $rc ;;
  sentinels) sentinels ;;
  primary-port) primary_port ;;
  kill-node)
    if pid_alive "$DIR/${2:?a or b}/redis.pid"; then
      kill_pid "$(cat "$DIR/$2/redis.pid")" "redis $2" || exit 1; log "redis $2: killed"
    else log "redis $2: not running"; fi ;;
  start-node) start_node "${2:?a or b}" ;;
  node-pid) cat "$DIR/${2:?a or b}/redis.pid" ;;
  *) die "usage: $0 start|stop|wipe|status|sentinels|primary-port|kill-node a|b|start-node a|b|node-pid a|b" ;;
esac
