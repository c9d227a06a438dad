#!/usr/bin/env bash
# The Docker runtime's commands, run with Compose v2 (`docker compose`: what the suite tests; scripts/compose-v2.sh
# builds it where a machine lacks it), or Debian's v1 (`docker-compose`) where v2 is missing (untested since v2 came).
#
#   scripts/compose.sh runtime            prints `docker`, or `local: <why not docker>`
#                                         (the Makefile's default RUNTIME; local while the local runtime is up)
#   scripts/compose.sh up [ARGS]          base images ensured, images built, `up -d --wait ARGS` (v2; v1: `up -d`, then
#                                         the wait below), the last log lines of whatever is not healthy when it fails
#   scripts/compose.sh wait [SERVICE…]    waits until each service's containers are healthy
#   scripts/compose.sh status SERVICE     `SERVICE: running` or `SERVICE: stopped`
#   scripts/compose.sh exec SERVICE CMD…  `exec` without a TTY when there is none (scripts, tests)
#   scripts/compose.sh plain ARGS…        compose ARGS exactly as a user types them (`plain up -d`: no checks, no wait)
#   scripts/compose.sh ARGS…              any other compose command, with the base images in the environment
#
# COMPOSE overrides the detected command; COMPOSE_FILES (space-separated) the files; WAIT_TIMEOUT (240 s) the wait.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../infra/lib.sh"
cd "$ROOT"

SERVICES=(event-generator automatic-generator event-consumer event-viewer)
WAIT_TIMEOUT=${WAIT_TIMEOUT:-240}
# Compose v2 builds with BuildKit through the buildx plugin when it finds one; the Dockerfiles need nothing
# BuildKit adds, and Debian's engine has no buildx, so the classic builder, said once here, not warned of.
export DOCKER_BUILDKIT=${DOCKER_BUILDKIT:-0}

compose_command() {
  if [[ -n "${COMPOSE:-}" ]]; then echo "$COMPOSE"
  elif docker compose version >/dev/null 2>&1; then echo "docker compose"
  elif command -v docker-compose >/dev/null 2>&1; then echo "docker-compose"
  else return 1; fi
}

# The local runtime is up when any of its supervisors is alive (pid files in $LOCAL_DIR/run).
local_runtime_up() {
  local pidfile
  for pidfile in "$LOCAL_DIR"/run/*.pid; do pid_alive "$pidfile" && return 0; done
  return 1
}

runtime() {
  # Whatever is actually up: `make ps` after `make up RUNTIME=local` looks at the local runtime
  # even when Docker answers.
  if local_runtime_up; then echo "local: the local runtime is up (make down RUNTIME=local stops it)"; return; fi
  if ! command -v docker >/dev/null 2>&1; then echo "local: docker is not installed"; return; fi
  if ! docker info >/dev/null 2>&1; then
    echo "local: no Docker engine answers (make docker-engine starts one)"; return
  fi
  if ! compose_command >/dev/null; then
    echo "local: Docker answers but neither 'docker compose' nor 'docker-compose' is installed"; return
  fi
  echo docker
}

compose() {
  local cmd files=() file
  cmd=$(compose_command) \
    || die "compose: neither 'docker compose' nor 'docker-compose' found (Debian: apt-get install -y docker-compose)"
  for file in ${COMPOSE_FILES:-docker-compose.yml}; do files+=(-f "$file"); done
  eval "$("$ROOT/scripts/docker-images.sh" env)"
  # shellcheck disable=SC2086
  $cmd "${files[@]}" "$@"
}

containers_of() { compose ps -q "$1" 2>/dev/null; }

health_of() {
  docker inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}' "$1" \
    2>/dev/null || echo missing
}

wait_healthy() {
  local services=("$@") deadline=$((SECONDS + WAIT_TIMEOUT)) service id pending
  ((${#services[@]})) || services=("${SERVICES[@]}")
  while :; do
    pending=()
    for service in "${services[@]}"; do
      local ids
      ids=$(containers_of "$service")
      [[ -n "$ids" ]] || { pending+=("$service (no container)"); continue; }
      for id in $ids; do
        local state
        state=$(health_of "$id")
        [[ "$state" == healthy ]] || pending+=("$service ($state)")
      done
    done
    ((${#pending[@]} == 0)) && { log "compose: ${services[*]} healthy"; return 0; }
    if ((SECONDS >= deadline)); then wait_failed "${services[@]}"; fi
    sleep 1
  done
}

# What is not healthy (every service of the files when none is named: `up --wait` may fail on Kafka or Redis),
# with each one's last log lines; exits 1. A one-shot container that exited 0 (kafka-init) is done, not failed.
wait_failed() {
  local services=("$@") service id state failed=()
  ((${#services[@]})) || mapfile -t services < <(compose config --services)
  for service in "${services[@]}"; do
    for id in $(containers_of "$service"); do
      state=$(health_of "$id")
      [[ "$state" == healthy || "$state" == running ]] && continue
      [[ "$state" == exited && "$(docker inspect -f '{{.State.ExitCode}}' "$id")" == 0 ]] && continue
      failed+=("$service ($state)")
    done
  done
  log "compose: not healthy after ${WAIT_TIMEOUT}s: ${failed[*]:-none named}; their last log lines:"
  for service in "${failed[@]%% *}"; do compose logs --tail=15 "$service" >&2 || true; done
  exit 1
}

# Each broker's storage asked, before `up` recreates it, whether it can serve the credentials and quorum
# asked for now (infra/kafka/docker-entrypoint.sh check): a mismatch stops here with the reason instead of
# a broker that never becomes healthy.
check_kafka_storage() {
  local service
  for service in $(compose config --services | grep -E '^kafka(-[0-9]+)?$'); do
    compose run --rm --no-deps -T --entrypoint "bash /opt/eventstreamapp/kafka-entrypoint.sh check" \
      "$service" >/dev/null \
      || die "up: $service cannot start on its volume (the line above says why)"
  done
}

status() {
  local id
  for id in $(containers_of "$1"); do
    if [[ "$(docker inspect -f '{{.State.Running}}' "$id" 2>/dev/null)" == true ]]; then echo "$1: running"; return; fi
  done
  echo "$1: stopped"
}

case "${1:-}" in
  runtime) runtime ;;
  up)
    shift
    args=()
    for arg in "$@"; do [[ "$arg" == -d || "$arg" == --detach ]] || args+=("$arg"); done
    eval "$("$ROOT/scripts/docker-images.sh" ensure)"
    compose build --quiet
    check_kafka_storage
    if [[ "$(compose_command)" == "docker compose" ]]; then
      compose up -d --wait --wait-timeout "$WAIT_TIMEOUT" "${args[@]}" || wait_failed
    else
      compose up -d "${args[@]}"
      wait_healthy
    fi
    log "up: generator http://127.0.0.1:${GENERATOR_PORT:-8080}/publish ·" \
      "viewer http://127.0.0.1:${VIEWER_PORT:-5000}/events"
    ;;
  wait) shift; wait_healthy "$@" ;;
  status) status "${2:?usage: $0 status SERVICE}" ;;
  exec)
    shift
    if [[ -t 0 && -t 1 ]]; then compose exec "$@"; else compose exec -T "$@"; fi
    ;;
  run)
    # A one-off container of a service's image (make dlq-replay); no TTY when the caller has none.
    shift
    if [[ -t 0 && -t 1 ]]; then compose run --rm --no-deps "$@"; else compose run --rm --no-deps -T "$@"; fi
    ;;
  plain) shift; compose "$@" ;;
  "") die "usage: $0 runtime|up|wait|status|exec|run|plain|COMPOSE-ARGS…" ;;
  *) compose "$@" ;;
esac
