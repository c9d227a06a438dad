#!/usr/bin/env bash
# Writes each service's Dockerfile (under OUT, default the repository) from docker/Dockerfile.template
# (one source for all four).
# tests/static/docker.test.ts fails when a Dockerfile is not what this script writes.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT=${1:-$ROOT}
render() { # SERVICE PORT
  sed -e "s/@SERVICE@/$1/g" -e "s/@PORT@/$2/g" "$ROOT/docker/Dockerfile.template"
}
mkdir -p "$OUT"/{event-generator,event-viewer,automatic-generator,event-consumer}
render event-generator 8080 > "$OUT/event-generator/Dockerfile"
render event-viewer 5000 > "$OUT/event-viewer/Dockerfile"
render automatic-generator 8082 > "$OUT/automatic-generator/Dockerfile"
render event-consumer 8083 > "$OUT/event-consumer/Dockerfile"
