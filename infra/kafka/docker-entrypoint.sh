#!/bin/bash
# The Kafka containers' entrypoint in docker-compose*.yml, mounted read-only, in front of the image's own
# (apache/kafka's /etc/kafka/docker/run, which the stand-in copies):
#
#   docker-entrypoint.sh broker          as the image's start, after writing /tmp/client.properties and,
#                                        with credentials, formatting the storage with the SCRAM users
#   docker-entrypoint.sh client-config   only /tmp/client.properties (kafka-init)
#   docker-entrypoint.sh check           exit 1 with the reason when the storage was formatted for another
#                                        quorum or credential mode (scripts/compose.sh up, before `up`)
#
# /tmp/client.properties is what the tools take (--command-config, --consumer.config): PLAINTEXT, or
# with SCRAM_ADMIN_PASSWORD set (CREDENTIALS=on, infra/credentials.sh) the admin's SASL/SCRAM login.
# SCRAM users are written when the storage is formatted (KRaft has no other way to make the first
# one): `admin` (broker to broker, tools) and SCRAM_USER (the services). Variables other than KAFKA_*
# so the image does not take them for broker properties.
set -euo pipefail
CLIENT_CONFIG=/tmp/client.properties

client_config() {
  if [[ -z "${SCRAM_ADMIN_PASSWORD:-}" ]]; then
    echo "security.protocol=PLAINTEXT" > "$CLIENT_CONFIG"
    return 0
  fi
  JAAS="org.apache.kafka.common.security.scram.ScramLoginModule required"
  JAAS+=" username=\"admin\" password=\"$SCRAM_ADMIN_PASSWORD\";"
  (umask 077; printf 'security.protocol=SASL_PLAINTEXT\nsasl.mechanism=SCRAM-SHA-512\nsasl.jaas.config=%s\n' \
    "$JAAS" > "$CLIENT_CONFIG")
}

# What `kafka-storage.sh format` reads: the node's identity, its listeners and its log directory, from the
# KAFKA_* variables docker-compose*.yml gives the image.
format_properties() {
  local name key
  for name in PROCESS_ROLES NODE_ID CONTROLLER_QUORUM_VOTERS CONTROLLER_LISTENER_NAMES LISTENERS ADVERTISED_LISTENERS \
    INTER_BROKER_LISTENER_NAME LISTENER_SECURITY_PROTOCOL_MAP SASL_ENABLED_MECHANISMS \
    SASL_MECHANISM_INTER_BROKER_PROTOCOL LOG_DIRS; do
    key=${name,,}
    name=KAFKA_$name
    echo "${key//_/.}=${!name:?$name must be set (docker-compose.yml)}"
  done
}

# What the storage was formatted for, kept beside it (STORAGE_MODE in the log directory): the quorum's
# voters and whether SCRAM users were written, with a fingerprint of their passwords. KRaft writes SCRAM
# users only when it formats, and a broker on a storage formatted for another quorum or without the users
# it logs in with waits forever; so a mismatch stops here, saying how to start afresh.
STORAGE_MODE_FILE=eventstreamapp-storage.properties
REFUSED=/tmp/eventstreamapp-refused
AFRESH="To start afresh, delete the data: \`make infra-wipe RUNTIME=docker\` or \`docker compose down -v\`"
AFRESH+=" (Kafka's and Redis' volumes)"
NEEDS_USER="SCRAM_USER_PASSWORD must be set with SCRAM_ADMIN_PASSWORD"

storage_mode() {
  local credentials=plaintext fingerprint=none
  if [[ -n "${SCRAM_ADMIN_PASSWORD:-}" ]]; then
    credentials=scram
    fingerprint=$(printf 'admin:%s\n%s:%s' "$SCRAM_ADMIN_PASSWORD" "${SCRAM_USER:-eventstreamapp}" \
      "${SCRAM_USER_PASSWORD:-}" | sha256sum | cut -c1-16)
  fi
  printf 'voters=%s\ncredentials=%s\nscram_fingerprint=%s\n' \
    "${KAFKA_CONTROLLER_QUORUM_VOTERS:-}" "$credentials" "$fingerprint"
}

field() { sed -n "s/^$1=//p" <<< "$2"; }

# Prints why this storage cannot serve the mode asked for, or nothing when it can.
mismatch() {
  local recorded=$1 wanted=$2
  if [[ "$(field voters "$recorded")" != "$(field voters "$wanted")" ]]; then
    echo "its storage was formatted for the quorum '$(field voters "$recorded")',"\
      "not '$(field voters "$wanted")' (another topology)"
  elif [[ "$(field credentials "$wanted")" == scram && "$(field credentials "$recorded")" != scram ]]; then
    echo "its storage was formatted without SCRAM users (credentials off), and KRaft writes them only when it formats"
  elif [[ "$(field credentials "$wanted")" == scram \
    && "$(field scram_fingerprint "$recorded")" != "$(field scram_fingerprint "$wanted")" ]]; then
    echo "its storage holds SCRAM users with other passwords than the ones given now" \
      "(.local/credentials.env was made anew?)"
  fi
}

# Stays up, unhealthy, saying why, instead of exiting into the restart policy's loop.
refuse() {
  local message="kafka: refusing to start: $1. $AFRESH, or only Kafka's: \`docker compose down\`,"
  message+=" then \`docker volume rm\` the project's kafka-*data volumes."
  echo "$message" >&2
  echo "$message" > "$REFUSED"
  trap 'exit 0' TERM INT
  while :; do sleep 3600 & wait $!; done
}

# `check`: whether this storage can serve the mode asked for, without starting (scripts/compose.sh up asks
# before it recreates the brokers, so that `make up` stops at once with the reason).
check() {
  local log_dir=${KAFKA_LOG_DIRS:?KAFKA_LOG_DIRS must be set (docker-compose.yml)} reason
  log_dir=${log_dir%%,*}
  [[ -f "$log_dir/$STORAGE_MODE_FILE" ]] || return 0
  reason=$(mismatch "$(cat "$log_dir/$STORAGE_MODE_FILE")" "$(storage_mode)")
  [[ -z "$reason" ]] || { echo "kafka: cannot start on this volume: $reason. $AFRESH." >&2; return 1; }
}

broker() {
  client_config
  rm -f "$REFUSED"
  export CLUSTER_ID=${CLUSTER_ID:-5L6g3nShT-eMCtK--X86sw}
  local log_dir=${KAFKA_LOG_DIRS:?KAFKA_LOG_DIRS must be set (docker-compose.yml)}
  log_dir=${log_dir%%,*}
  local wanted recorded reason
  wanted=$(storage_mode)
  if [[ -n "${SCRAM_ADMIN_PASSWORD:-}" ]]; then
    # The broker logs in to the others (and itself) as admin on the client listener.
    export KAFKA_LISTENER_NAME_CLIENT_SCRAM___SHA___512_SASL_JAAS_CONFIG=$JAAS
  fi
  if [[ -f "$log_dir/meta.properties" && -f "$log_dir/$STORAGE_MODE_FILE" ]]; then
    recorded=$(cat "$log_dir/$STORAGE_MODE_FILE")
    reason=$(mismatch "$recorded" "$wanted")
    [[ -z "$reason" ]] || refuse "$reason"
    if [[ "$(field credentials "$recorded")" == scram && -z "${SCRAM_ADMIN_PASSWORD:-}" ]]; then
      echo "kafka: credentials are off: its SCRAM users stay in the storage, unused," \
        "and the listener takes any client" >&2
    fi
  elif [[ ! -f "$log_dir/meta.properties" ]]; then
    if [[ -n "${SCRAM_ADMIN_PASSWORD:-}" ]]; then
      format_properties > /tmp/format.properties
      /opt/kafka/bin/kafka-storage.sh format --cluster-id "$CLUSTER_ID" --config /tmp/format.properties \
        --ignore-formatted \
        --add-scram "SCRAM-SHA-512=[name=admin,password=$SCRAM_ADMIN_PASSWORD]" \
        --add-scram "SCRAM-SHA-512=[name=${SCRAM_USER:-eventstreamapp},password=${SCRAM_USER_PASSWORD:?$NEEDS_USER}]" \
        >/dev/null
      echo "kafka: storage formatted with SCRAM users admin and ${SCRAM_USER:-eventstreamapp}" >&2
    fi
    # Written before the image formats a plaintext storage too: a first start that dies between the two
    # is formatted on the next one, in the mode recorded.
    echo "$wanted" > "$log_dir/$STORAGE_MODE_FILE"
  else
    # Formatted by something that recorded nothing (an earlier version of this file): taken as it is asked for now.
    echo "$wanted" > "$log_dir/$STORAGE_MODE_FILE"
  fi
  if [[ -x /etc/kafka/docker/run ]]; then exec /etc/kafka/docker/run; fi
  echo "kafka: /etc/kafka/docker/run not found: KAFKA_IMAGE is not apache/kafka or a stand-in of it" >&2
  exit 1
}

case "${1:-}" in
  broker) broker ;;
  check) check ;;
  client-config) client_config ;;
  *) echo "usage: $0 broker|client-config" >&2; exit 2 ;;
esac
