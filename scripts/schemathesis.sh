#!/usr/bin/env bash
# Schemathesis, the OpenAPI fuzzer from PyPI, at the versions tools/schemathesis/requirements.txt pins, in a
# virtual environment of its own under .tools/ (README "The HTTP contract").
#
#   scripts/schemathesis.sh ensure          install when the environment is missing or pins something else
#   scripts/schemathesis.sh run ARGS…       `schemathesis run ARGS…` from it, with tools/schemathesis/schemathesis.toml
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../infra/lib.sh"

REQUIREMENTS="$ROOT/tools/schemathesis/requirements.txt"
VENV="$ROOT/.tools/schemathesis"
STAMP="$VENV/.requirements"

ensure() {
  if [[ -x "$VENV/bin/schemathesis" ]] && cmp -s "$REQUIREMENTS" "$STAMP"; then return 0; fi
  require python3 python3
  log "schemathesis: installing $(grep -m1 '^schemathesis==' "$REQUIREMENTS") into ${VENV#"$ROOT"/} (PyPI, once)"
  rm -rf "$VENV"
  python3 -m venv "$VENV" || die "schemathesis: python3 -m venv failed (Debian: apt-get install -y python3-venv)"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check --no-deps -r "$REQUIREMENTS" \
    || die "schemathesis: pip could not install tools/schemathesis/requirements.txt"
  cp "$REQUIREMENTS" "$STAMP"
}

case "${1:-}" in
  ensure) ensure ;;
  run)
    shift
    ensure
    exec "$VENV/bin/schemathesis" --config-file "$ROOT/tools/schemathesis/schemathesis.toml" run "$@" ;;
  *) die "usage: scripts/schemathesis.sh ensure|run ARGS…" ;;
esac
