#!/usr/bin/env bash
# Compose v2 (`docker compose`) where a machine lacks it: the official CLI built from its Go module, the version
# tools/compose/go.mod pins, with the machine's Go, installed as a Docker CLI plugin (README "Docker").
#
#   scripts/compose-v2.sh ensure    nothing when `docker compose version` answers v2 or later; else build and install
#   scripts/compose-v2.sh build     build into .tools/compose/ (Go's module and build caches make a rebuild seconds)
#   scripts/compose-v2.sh version   the pinned version
#
# The plugin goes where the Docker CLI looks for plugins: /usr/local/lib/docker/cli-plugins as root, else
# ~/.docker/cli-plugins (DOCKER_CLI_PLUGINS overrides the folder).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../infra/lib.sh"

MODULE=github.com/docker/compose/v5
TOOL_DIR="$ROOT/tools/compose"
OUT_DIR="$ROOT/.tools/compose"

pinned_version() { awk -v module="$MODULE" '$1 == module { print $2 }' "$TOOL_DIR/go.mod"; }

plugin_dir() {
  if [[ -n "${DOCKER_CLI_PLUGINS:-}" ]]; then echo "$DOCKER_CLI_PLUGINS"
  elif [[ $EUID -eq 0 ]]; then echo /usr/local/lib/docker/cli-plugins
  else echo "$HOME/.docker/cli-plugins"; fi
}

# The machine's Go, also where it is installed but not on PATH (/usr/local/go on this project's machines).
go_command() {
  PATH="$PATH:/usr/local/go/bin" command -v go \
    || die "compose-v2: Go is needed to build Compose v2 and is not installed (go.dev/doc/install; Go ≥ 1.26)"
}

# Major version of the `docker compose` that answers now, or nothing.
installed_major() {
  local version
  version=$(docker compose version --short 2>/dev/null) || return 0
  version=${version#v}
  echo "${version%%.*}"
}

build() {
  local go version started=$SECONDS
  go=$(go_command)
  # Go keeps its caches under HOME; a CI without HOME keeps them in the project's tools folder instead.
  [[ -n "${HOME:-}" ]] || export GOPATH="$ROOT/.tools/go" GOCACHE="$ROOT/.tools/go/cache"
  version=$(pinned_version)
  [[ -n "$version" ]] || die "compose-v2: $TOOL_DIR/go.mod pins no $MODULE"
  mkdir -p "$OUT_DIR"
  log "compose-v2: building Docker Compose $version from $MODULE with $("$go" version | cut -d' ' -f3)"
  log "compose-v2: about two minutes the first time, seconds with Go's caches"
  # -X stamps the version the official release stamps, so `docker compose version` says which one this is.
  (cd "$TOOL_DIR" && "$go" build -trimpath \
    -ldflags "-s -w -X main.version=$version -X $MODULE/internal.Version=$version" \
    -o "$OUT_DIR/docker-compose" .)
  log "compose-v2: built in $((SECONDS - started)) s"
}

ensure() {
  local major dir
  major=$(installed_major)
  if [[ -n "$major" && "$major" -ge 2 ]]; then return 0; fi
  build
  dir=$(plugin_dir)
  mkdir -p "$dir"
  install -m 0755 "$OUT_DIR/docker-compose" "$dir/docker-compose"
  docker compose version >/dev/null 2>&1 \
    || die "compose-v2: installed $dir/docker-compose but 'docker compose version' does not answer"
  log "compose-v2: $(docker compose version) installed as $dir/docker-compose"
}

case "${1:-}" in
  ensure) ensure ;;
  build) build ;;
  version) pinned_version ;;
  *) die "usage: $0 ensure|build|version" ;;
esac
