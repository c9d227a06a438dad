#!/usr/bin/env bash
# What `make test` (and `.ci/run`) need from the machine, installed when missing.
#
#   scripts/prerequisites.sh install         the Debian packages below, as root with apt-get (otherwise one line
#                                            naming the packages and the command, and exit 1), then Compose v2
#                                            built from its Go module when `docker compose` does not answer
#   scripts/prerequisites.sh docker-engine   a Docker engine answering: dockerd started when installed and not
#                                            running (root), within 60 s; otherwise one line saying why, and exit 1
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../infra/lib.sh"

# command → Debian package
PACKAGES=(
  redis-server:redis-server
  redis-cli:redis-tools
  java:openjdk-17-jre-headless
  mvn:maven
  curl:curl
  chromium:chromium
  dockerd:docker.io
  debootstrap:debootstrap
  promtool:prometheus
  nginx:nginx-light
)

install() {
  local missing=() entry
  for entry in "${PACKAGES[@]}"; do
    command -v "${entry%%:*}" >/dev/null 2>&1 \
      || PATH="$PATH:/usr/sbin:/sbin" command -v "${entry%%:*}" >/dev/null 2>&1 \
      || missing+=("${entry#*:}")
  done
  ((${#missing[@]})) || { compose_v2; return; }
  if [[ $EUID -ne 0 ]] || ! command -v apt-get >/dev/null; then
    die "prerequisites: missing ${missing[*]}; install them" \
      "(Debian: sudo apt-get install -y --no-install-recommends ${missing[*]})"
  fi
  log "prerequisites: installing ${missing[*]} (apt-get)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  compose_v2
}

# The suite's Docker tests run Compose v2 (README, "Runtimes"); Debian offers only v1.
compose_v2() { "$ROOT/scripts/compose-v2.sh" ensure; }

docker_engine() {
  command -v docker >/dev/null || die "docker-engine: docker is not installed (Debian: apt-get install -y docker.io)"
  if timeout 20 docker info >/dev/null 2>&1; then return 0; fi
  local dockerd
  dockerd=$(PATH="$PATH:/usr/sbin:/sbin" command -v dockerd) \
    || die "docker-engine: no engine answers and dockerd is not installed (Debian: apt-get install -y docker.io)"
  [[ $EUID -eq 0 ]] \
    || die "docker-engine: no engine answers, and starting dockerd needs root" \
      "(sudo dockerd &, or sudo systemctl start docker)"
  mkdir -p "$LOCAL_DIR"
  log "docker-engine: starting dockerd (log: $LOCAL_DIR/dockerd.log)"
  # setsid: the engine outlives the make or test run that started it.
  setsid "$dockerd" >> "$LOCAL_DIR/dockerd.log" 2>&1 < /dev/null &
  for _ in $(seq 1 60); do
    if timeout 5 docker info >/dev/null 2>&1; then log "docker-engine: dockerd answers"; return 0; fi
    sleep 1
  done
  tail -n 15 "$LOCAL_DIR/dockerd.log" >&2 || true
  die "docker-engine: dockerd started but did not answer within 60 s (log: $LOCAL_DIR/dockerd.log)"
}

case "${1:-}" in
  install) install ;;
  docker-engine) docker_engine ;;
  *) die "usage: $0 install|docker-engine" ;;
esac
