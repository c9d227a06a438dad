#!/usr/bin/env bash
# Writes each service's Dockerfile (under OUT, default the repository) from docker/Dockerfile.template (one source for all four).
# tests/static/docker.test.ts fails when a Dockerfile is not what this script writes.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT=${1:-$ROOT}
render() { # SERVICE PORT_VAR PORT
  sed -e "s/@SERVICE@/$1/g" -e "s/@PORT_VAR@/$2/g" -e "s/@PORT@/$3/g" "$ROOT/docker/Dockerfile.template"
}
mkdir -p "$OUT"/{event-generator,event-viewer,automatic-generator,event-consumer}
render event-generator PORT 8080 > "$OUT/event-generator/Dockerfile"
render event-viewer PORT 5000 > "$OUT/event-viewer/Dockerfile"
render automatic-generator OPS_PORT 8082 > "$OUT/automatic-generator/Dockerfile"
render event-consumer OPS_PORT 8083 > "$OUT/event-consumer/Dockerfile"
