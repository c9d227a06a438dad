#!/usr/bin/env bash
# Engines with credentials (README "Security"): with CREDENTIALS=on, every Redis and Kafka this project
# starts, in both runtimes and both topologies, requires a password, and the services are given theirs.
#
#   infra/credentials.sh env            prints NAME=value lines: the Makefile exports them when CREDENTIALS=on
#   infra/credentials.sh viewer-token   prints VIEWER_TOKEN=…: the token Prometheus scrapes the viewer with when
#                                       `make up MONITORING=1` finds VIEWER_USERS_FILE set and no VIEWER_TOKEN
#                                       (made once into .local/viewer-token, mode 600)
#
# The passwords are made once (random, hex) into .local/credentials.env (mode 600) and read from there
# after; a variable already set in the environment wins, so a deployment brings its own.
#   REDIS_PASSWORD          Redis' requirepass, the replica's masterauth, the Sentinels' requirepass and auth-pass
#   KAFKA_SASL_USERNAME     the services' SCRAM user (eventstreamapp)
#   KAFKA_SASL_PASSWORD     its password
#   KAFKA_ADMIN_PASSWORD    user `admin`: broker to broker, and the scripts' tools (topics, console consumer)
#   KAFKA_CLIENT_PROTOCOL   SASL_PLAINTEXT (the compose files read it; PLAINTEXT when credentials are off)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

FILE=$LOCAL_DIR/credentials.env

make_file() {
  mkdir -p "$LOCAL_DIR"
  local secret
  secret() { od -An -N24 -tx1 /dev/urandom | tr -d ' \n'; }
  (
    umask 077
    {
      echo "REDIS_PASSWORD=$(secret)"
      echo "KAFKA_SASL_USERNAME=eventstreamapp"
      echo "KAFKA_SASL_PASSWORD=$(secret)"
      echo "KAFKA_ADMIN_PASSWORD=$(secret)"
    } > "$FILE"
  )
  log "credentials: made new passwords in ${FILE#"$ROOT"/} (mode 600)"
}

print_env() {
  [[ -f "$FILE" ]] || make_file
  local name value
  while IFS='=' read -r name value; do
    [[ -n "$name" && "$name" != \#* ]] || continue
    # The environment wins over the file.
    [[ -n "${!name:-}" ]] && value=${!name}
    # The passwords go into JAAS and Redis configuration lines: no quotes, backslashes or spaces.
    [[ "$value" =~ ^[A-Za-z0-9._~+/=-]+$ ]] || die "credentials: $name may hold only letters, digits and ._~+/=-"
    echo "$name=$value"
  done < "$FILE"
  echo "KAFKA_CLIENT_PROTOCOL=SASL_PLAINTEXT"
}

viewer_token() {
  local file=$LOCAL_DIR/viewer-token
  if [[ ! -f "$file" ]]; then
    mkdir -p "$LOCAL_DIR"
    (umask 077; od -An -N24 -tx1 /dev/urandom | tr -d ' \n' > "$file")
    log "credentials: made a viewer token for Prometheus in ${file#"$ROOT"/} (mode 600)"
  fi
  echo "VIEWER_TOKEN=$(cat "$file")"
}

case "${1:-}" in
  env) print_env ;;
  viewer-token) viewer_token ;;
  *) die "usage: $0 env|viewer-token" ;;
esac
