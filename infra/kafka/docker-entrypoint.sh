#!/bin/bash
# The Kafka containers' entrypoint in docker-compose*.yml, mounted read-only, in front of the image's own
# (apache/kafka's /etc/kafka/docker/run, or the stand-in's run-kafka.sh):
#
#   docker-entrypoint.sh broker          as the image's start, after writing /tmp/client.properties and,
#                                        with credentials, formatting the storage with the SCRAM users
#   docker-entrypoint.sh client-config   only /tmp/client.properties (kafka-init)
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
  JAAS="org.apache.kafka.common.security.scram.ScramLoginModule required username=\"admin\" password=\"$SCRAM_ADMIN_PASSWORD\";"
  (umask 077; printf 'security.protocol=SASL_PLAINTEXT\nsasl.mechanism=SCRAM-SHA-512\nsasl.jaas.config=%s\n' "$JAAS" > "$CLIENT_CONFIG")
}

# What `kafka-storage.sh format` reads: the node's identity, its listeners and its log directory, from the
# KAFKA_* variables docker-compose*.yml gives the image.
format_properties() {
  local name key
  for name in PROCESS_ROLES NODE_ID CONTROLLER_QUORUM_VOTERS CONTROLLER_LISTENER_NAMES LISTENERS ADVERTISED_LISTENERS \
    INTER_BROKER_LISTENER_NAME LISTENER_SECURITY_PROTOCOL_MAP SASL_ENABLED_MECHANISMS SASL_MECHANISM_INTER_BROKER_PROTOCOL LOG_DIRS; do
    key=${name,,}
    name=KAFKA_$name
    echo "${key//_/.}=${!name:?$name must be set (docker-compose.yml)}"
  done
}

broker() {
  client_config
  export CLUSTER_ID=${CLUSTER_ID:-5L6g3nShT-eMCtK--X86sw}
  if [[ -n "${SCRAM_ADMIN_PASSWORD:-}" ]]; then
    # The broker logs in to the others (and itself) as admin on the client listener.
    export KAFKA_LISTENER_NAME_CLIENT_SCRAM___SHA___512_SASL_JAAS_CONFIG=$JAAS
    local log_dir=${KAFKA_LOG_DIRS:?KAFKA_LOG_DIRS must be set (docker-compose.yml)}
    if [[ ! -f "${log_dir%%,*}/meta.properties" ]]; then
      format_properties > /tmp/format.properties
      /opt/kafka/bin/kafka-storage.sh format --cluster-id "$CLUSTER_ID" --config /tmp/format.properties --ignore-formatted \
        --add-scram "SCRAM-SHA-512=[name=admin,password=$SCRAM_ADMIN_PASSWORD]" \
        --add-scram "SCRAM-SHA-512=[name=${SCRAM_USER:-eventstreamapp},password=${SCRAM_USER_PASSWORD:?SCRAM_USER_PASSWORD must be set with SCRAM_ADMIN_PASSWORD}]" >/dev/null
      echo "kafka: storage formatted with SCRAM users admin and ${SCRAM_USER:-eventstreamapp}" >&2
    fi
  fi
  if [[ -x /etc/kafka/docker/run ]]; then exec /etc/kafka/docker/run; fi
  exec /opt/kafka/bin/run-kafka.sh
}

case "${1:-}" in
  broker) broker ;;
  client-config) client_config ;;
  *) echo "usage: $0 broker|client-config" >&2; exit 2 ;;
esac
