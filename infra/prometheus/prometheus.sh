#!/usr/bin/env bash
# The local runtime's Prometheus (`make up MONITORING=1`): Debian's prometheus binary scraping the four
# services on 127.0.0.1 with the project's alert rules (infra/prometheus/rules.yml).
#
#   infra/prometheus/prometheus.sh start|stop|status|config
#
# Environment: PROMETHEUS_PORT (9090), PROMETHEUS_DIR (.local/prometheus), PROMETHEUS_TARGETS (host:port,…;
# default the services' ports: GENERATOR_PORT, VIEWER_PORT, AUTOGEN_PORT, CONSUMER_PORT),
# PROMETHEUS_INTERVAL (scrape and rule evaluation, 5s), PROMETHEUS_RULES (rules.yml), VIEWER_TOKEN (sent as
# the bearer token of every scrape when set: the viewer behind credentials).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

PORT=${PROMETHEUS_PORT:-9090}
DIR=${PROMETHEUS_DIR:-$LOCAL_DIR/prometheus}
daemon_files "$DIR" prometheus
INTERVAL=${PROMETHEUS_INTERVAL:-5s}
RULES=${PROMETHEUS_RULES:-$ROOT/infra/prometheus/rules.yml}
DEFAULT_TARGETS="127.0.0.1:${GENERATOR_PORT:-8080},127.0.0.1:${VIEWER_PORT:-5000},"
DEFAULT_TARGETS+="127.0.0.1:${AUTOGEN_PORT:-8082},127.0.0.1:${CONSUMER_PORT:-8083}"
TARGETS=${PROMETHEUS_TARGETS:-$DEFAULT_TARGETS}

config() {
  local quoted
  quoted=$(sed 's/[^,]*/"&"/g; s/,/, /g' <<< "$TARGETS")
  cat <<YAML
# Written by infra/prometheus/prometheus.sh; the Docker runtime's twin is infra/prometheus/prometheus.docker.yml.
global:
  scrape_interval: $INTERVAL
  evaluation_interval: $INTERVAL
rule_files:
  - $RULES
scrape_configs:
  - job_name: eventstreamapp
    static_configs:
      - targets: [$quoted]
YAML
  # A viewer behind credentials (VIEWER_TOKEN) is scraped with its bearer token; the other services ignore it.
  if [[ -n "${VIEWER_TOKEN:-}" ]]; then
    mkdir -p "$DIR"
    (umask 077; printf "%s" "$VIEWER_TOKEN" > "$DIR/viewer-token")
    echo "    authorization: { type: Bearer, credentials_file: $DIR/viewer-token }"
  fi
}

ready() { curl -fsS "http://127.0.0.1:$PORT/-/ready" >/dev/null 2>&1; }

start() {
  require prometheus prometheus
  if pid_alive "$PID_FILE"; then
    log "prometheus: already running on 127.0.0.1:$PORT (pid $(cat "$PID_FILE"))"; return 0
  fi
  port_open "$PORT" && die "prometheus: port $PORT is taken; set PROMETHEUS_PORT"
  mkdir -p "$DIR/data"
  config > "$DIR/prometheus.yml"
  # setsid: it outlives the make that started it, like the services' supervisors.
  setsid prometheus --config.file="$DIR/prometheus.yml" --storage.tsdb.path="$DIR/data" \
    --storage.tsdb.retention.time=2d --web.listen-address="127.0.0.1:$PORT" >> "$LOG_FILE" 2>&1 < /dev/null &
  echo $! > "$PID_FILE"
  for _ in $(seq 1 100); do
    if ready; then
      log "prometheus: http://127.0.0.1:$PORT (alerts: /alerts; scraping $TARGETS every $INTERVAL)"; return 0
    fi
    pid_alive "$PID_FILE" || break
    sleep 0.2
  done
  tail -n 10 "$LOG_FILE" >&2 || true
  die "prometheus: not ready on 127.0.0.1:$PORT within 20 s (log: $LOG_FILE)"
}

case "${1:-}" in
  start) start ;;
  stop) if [[ -f "$PID_FILE" ]]; then stop_pid "$PID_FILE" prometheus 10; fi ;;
  status)
    if pid_alive "$PID_FILE" && ready; then echo "prometheus: http://127.0.0.1:$PORT"
    else echo "prometheus: stopped"; exit 3; fi ;;
  config) config ;;
  *) die "usage: $0 start|stop|status|config" ;;
esac
