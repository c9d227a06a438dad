#!/usr/bin/env bash
# The local runtime (RUNTIME=local): Kafka, Redis and the four services as native processes,
# the same `node dist/main.js` the Docker images run. Pid and log files live in $LOCAL_DIR.
#
#   scripts/local-runtime.sh up|down|ps|logs [SERVICE]|start SERVICE|stop SERVICE|status SERVICE
#
# Ports (environment): KAFKA_PORT 9092, REDIS_PORT 6379, GENERATOR_PORT 8080, VIEWER_PORT 5000,
# AUTOGEN_OPS_PORT 8082, CONSUMER_OPS_PORT 8083. Services listen on 127.0.0.1 only.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../infra/lib.sh"

export KAFKA_PORT=${KAFKA_PORT:-9092}
export REDIS_PORT=${REDIS_PORT:-6379}
GENERATOR_PORT=${GENERATOR_PORT:-8080}
VIEWER_PORT=${VIEWER_PORT:-5000}
AUTOGEN_OPS_PORT=${AUTOGEN_OPS_PORT:-8082}
CONSUMER_OPS_PORT=${CONSUMER_OPS_PORT:-8083}
export KAFKA_STATE_DIR=${KAFKA_STATE_DIR:-$LOCAL_DIR/kafka}
export REDIS_STATE_DIR=${REDIS_STATE_DIR:-$LOCAL_DIR/redis}
RUN_DIR=$LOCAL_DIR/run
LOG_DIR=$LOCAL_DIR/logs
SERVICES=(event-consumer event-generator event-viewer automatic-generator)
READY_TIMEOUT=${READY_TIMEOUT:-60}

ready_url() {
  case $1 in
    event-generator) echo "http://127.0.0.1:$GENERATOR_PORT/readyz" ;;
    event-viewer) echo "http://127.0.0.1:$VIEWER_PORT/readyz" ;;
    automatic-generator) echo "http://127.0.0.1:$AUTOGEN_OPS_PORT/readyz" ;;
    event-consumer) echo "http://127.0.0.1:$CONSUMER_OPS_PORT/readyz" ;;
    *) die "unknown service '$1' (one of: ${SERVICES[*]})" ;;
  esac
}

service_env() {
  local common=(LOG_LEVEL="${LOG_LEVEL:-info}" KAFKA_BROKERS="127.0.0.1:$KAFKA_PORT" REDIS_URL="redis://127.0.0.1:$REDIS_PORT")
  case $1 in
    event-generator) echo "${common[@]}" PORT="$GENERATOR_PORT" HOST=127.0.0.1 ;;
    event-viewer) echo "${common[@]}" PORT="$VIEWER_PORT" HOST=127.0.0.1 ;;
    automatic-generator) echo "${common[@]}" PORT="$AUTOGEN_OPS_PORT" HOST=127.0.0.1 ;;
    event-consumer) echo "${common[@]}" PORT="$CONSUMER_OPS_PORT" HOST=127.0.0.1 ;;
  esac
}

is_ready() { curl -fsS -o /dev/null --max-time 2 "$(ready_url "$1")" 2>/dev/null; }

wait_ready() {
  local service=$1 pidfile=$RUN_DIR/$1.pid deadline=$((SECONDS + READY_TIMEOUT))
  until is_ready "$service"; do
    if ! pid_alive "$pidfile" || ((SECONDS >= deadline)); then
      log "$service: not ready ($(pid_alive "$pidfile" && echo "no answer from $(ready_url "$service") after ${READY_TIMEOUT}s" || echo 'the process exited')); last lines of $LOG_DIR/$service.log:"
      tail -n 20 "$LOG_DIR/$service.log" >&2 || true
      return 1
    fi
    sleep 0.3
  done
}

start_service() {
  local service=$1 pidfile=$RUN_DIR/$1.pid
  [[ -f "$ROOT/$service/dist/main.js" ]] || die "$service is not built: run 'make build'"
  mkdir -p "$RUN_DIR" "$LOG_DIR"
  if pid_alive "$pidfile"; then log "$service: already running (pid $(cat "$pidfile"))"; return 0; fi
  # shellcheck disable=SC2046
  (cd "$ROOT/$service" && exec env $(service_env "$service") setsid node dist/main.js >> "$LOG_DIR/$service.log" 2>&1 < /dev/null) &
  echo $! > "$pidfile"
  wait_ready "$service"
  log "$service: running (pid $(cat "$pidfile")), log $LOG_DIR/$service.log"
}

stop_service() { stop_pid "$RUN_DIR/$1.pid" "$1" 10; }

up() {
  command -v curl >/dev/null || die "missing prerequisite: 'curl' not found; install it (Debian: apt-get install -y curl)"
  "$ROOT/infra/kafka/kafka.sh" start
  "$ROOT/infra/redis/redis.sh" start
  for service in "${SERVICES[@]}"; do start_service "$service"; done
  log "up: generator http://127.0.0.1:$GENERATOR_PORT/publish · viewer http://127.0.0.1:$VIEWER_PORT/events"
}

down() {
  for ((i = ${#SERVICES[@]} - 1; i >= 0; i--)); do stop_service "${SERVICES[$i]}"; done
  "$ROOT/infra/kafka/kafka.sh" stop
  "$ROOT/infra/redis/redis.sh" stop
}

ps_all() {
  for service in "${SERVICES[@]}"; do
    local pidfile=$RUN_DIR/$service.pid state=stopped
    if pid_alive "$pidfile"; then state="running (pid $(cat "$pidfile"))"; is_ready "$service" && state+=", ready" || state+=", not ready"; fi
    printf '%-20s %s\n' "$service" "$state"
  done
  "$ROOT/infra/kafka/kafka.sh" status || true
  "$ROOT/infra/redis/redis.sh" status || true
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  ps) ps_all ;;
  logs) if [[ -n "${2:-}" ]]; then tail -n "${LINES:-100}" ${FOLLOW:+-F} "$LOG_DIR/$2.log"; else tail -n "${LINES:-20}" ${FOLLOW:+-F} "$LOG_DIR"/*.log; fi ;;
  start) [[ -n "${2:-}" ]] || die "usage: $0 start SERVICE"; ready_url "$2" >/dev/null; start_service "$2" ;;
  stop) [[ -n "${2:-}" ]] || die "usage: $0 stop SERVICE"; ready_url "$2" >/dev/null; stop_service "$2" ;;
  status) [[ -n "${2:-}" ]] || die "usage: $0 status SERVICE"; if pid_alive "$RUN_DIR/$2.pid"; then echo "$2: running"; else echo "$2: stopped"; fi ;;
  *) die "usage: $0 up|down|ps|logs [SERVICE]|start SERVICE|stop SERVICE|status SERVICE" ;;
esac
