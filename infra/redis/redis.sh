#!/usr/bin/env bash
# The local runtime's Redis: uses a Redis already answering on REDIS_PORT, otherwise starts
# Debian's redis-server there with append-only persistence under .local/redis.
#
#   infra/redis/redis.sh start|wait|stop|wipe|status|ping
#
# Environment: REDIS_PORT (6379), REDIS_STATE_DIR (.local/redis), REDIS_MAXMEMORY (1gb).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

REDIS_PORT=${REDIS_PORT:-6379}
STATE_DIR=${REDIS_STATE_DIR:-$LOCAL_DIR/redis}
daemon_files "$STATE_DIR" redis

ping() { redis_answers "$REDIS_PORT"; }

wait_ready() {
  for _ in $(seq 1 100); do ping && return 0; sleep 0.1; done
  die "redis: no answer on 127.0.0.1:$REDIS_PORT after 10s (log: $LOG_FILE)"
}

start() {
  if ping; then
    if pid_alive "$PID_FILE"; then log "redis: already running on 127.0.0.1:$REDIS_PORT (pid $(cat "$PID_FILE"))"
    else log "redis: using the Redis already answering on 127.0.0.1:$REDIS_PORT"
      redis_budget_note "$REDIS_PORT" redis; fi
    return 0
  fi
  require redis-server redis-server
  if [[ -n "${REDIS_PASSWORD:-}" ]] && [[ "$(REDIS_PASSWORD='' redis_command "$REDIS_PORT" 1 PING)" == [+-]* ]]; then
    die "redis: the Redis on 127.0.0.1:$REDIS_PORT does not take REDIS_PASSWORD (CREDENTIALS=on);" \
      "it was not started by this project with these credentials: stop it, or set REDIS_PORT"
  fi
  port_open "$REDIS_PORT" && die "redis: port $REDIS_PORT is taken by something that is not Redis; set REDIS_PORT"
  mkdir -p "$STATE_DIR"
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --daemonize yes --pidfile "$PID_FILE" \
    --dir "$STATE_DIR" --logfile "$LOG_FILE" --appendonly yes --save '' \
    "${REDIS_LIMIT_ARGS[@]}" "${REDIS_AUTH_ARGS[@]}" >/dev/null
  wait_ready
  log "redis: started redis-server on 127.0.0.1:$REDIS_PORT" \
    "(append-only, maxmemory $REDIS_MAXMEMORY, ${REDIS_PASSWORD:+requirepass, }data in ${STATE_DIR#"$ROOT"/})"
}

stop() {
  if [[ -f "$PID_FILE" ]]; then stop_pid "$PID_FILE" redis 10
  elif ping; then log "redis: the Redis on 127.0.0.1:$REDIS_PORT was not started by this project; leaving it running"
  else log "redis: not running"; fi
}

case "${1:-}" in
  start) start ;;
  wait) wait_ready ;;
  stop) stop ;;
  wipe) stop; rm -rf "$STATE_DIR"
    log "redis: wiped ${STATE_DIR#"$ROOT"/} (a Redis not started here is never flushed)" ;;
  status)
    if ping; then echo "redis: answering on 127.0.0.1:$REDIS_PORT"
    elif [[ "$(REDIS_PASSWORD='' redis_command "$REDIS_PORT" 1 PING)" == -NOAUTH* ]]; then
      echo "redis: answering on 127.0.0.1:$REDIS_PORT, with a password (CREDENTIALS=on)"
    else echo "redis: stopped"; exit 3; fi ;;
  ping) ping ;;
  *) die "usage: $0 start|wait|stop|wipe|status|ping" ;;
esac
