#!/bin/bash
# The stand-in's /etc/kafka/docker/run, doing what apache/kafka's run, configure, configureDefaults and
# launch scripts and its KafkaDockerWrapper do (docker/offline/README.md): arguments NAME=value are
# exported; CLUSTER_ID defaults to the image's; every KAFKA_<NAME> variable but the JVM and log4j ones
# becomes the property <name> ("KAFKA_" removed, lower case, "_" → ".", "..." → "-", ".." → "_"),
# appended to /mnt/shared/config/server.properties when one is mounted, else alone, else the image's
# default; the storage is formatted with CLUSTER_ID unless it already is; then the broker runs.
set -o nounset -o errexit
for assignment in "$@"; do export "${assignment?}"; done
export CLUSTER_ID=${CLUSTER_ID:-5L6g3nShT-eMCtK--X86sw}

if [[ "${KAFKA_PROCESS_ROLES:-}" == controller && -n "${KAFKA_ADVERTISED_LISTENERS:-}" ]]; then
  echo "KAFKA_ADVERTISED_LISTENERS is not supported on a KRaft controller."
  exit 1
fi
if [[ -z "${KAFKA_LISTENERS:-}" && "${KAFKA_PROCESS_ROLES:-}" != controller \
  && -n "${KAFKA_ADVERTISED_LISTENERS:-}" ]]; then
  export KAFKA_LISTENERS
  KAFKA_LISTENERS=$(sed -e 's|://[^:]*:|://0.0.0.0:|g' <<< "$KAFKA_ADVERTISED_LISTENERS")
fi
[[ -w /opt/kafka/config/ ]] || { echo "/opt/kafka/config/ file not writable"; exit 1; }

EXCLUDED=" KAFKA_VERSION KAFKA_HEAP_OPTS KAFKA_LOG4J_OPTS KAFKA_OPTS KAFKA_JMX_OPTS KAFKA_JVM_PERFORMANCE_OPTS "
EXCLUDED+="KAFKA_GC_LOG_OPTS KAFKA_LOG4J_ROOT_LOGLEVEL KAFKA_LOG4J_LOGGERS "
EXCLUDED+="KAFKA_TOOLS_LOG4J_LOGLEVEL KAFKA_JMX_HOSTNAME "
CONFIG=/opt/kafka/config/server.properties
from_env=$(
  for name in $(compgen -e); do
    [[ $name == KAFKA_* && $EXCLUDED != *" $name "* ]] || continue
    key=${name//KAFKA_/}
    key=${key,,}
    key=${key//_/.}
    key=${key//.../-}
    key=${key//../_}
    printf '%s=%s\n' "$key" "${!name}"
  done
)
if [[ -f /mnt/shared/config/server.properties ]]; then
  { cat /mnt/shared/config/server.properties; echo; echo "$from_env"; } > "$CONFIG"
else
  echo "$from_env" > "$CONFIG"
fi
[[ -n "$(tr -d '[:space:]' < "$CONFIG")" ]] || cp /etc/kafka/docker/server.properties "$CONFIG"

/opt/kafka/bin/kafka-storage.sh format --cluster-id "$CLUSTER_ID" --config "$CONFIG" --ignore-formatted >/dev/null
exec /opt/kafka/bin/kafka-server-start.sh "$CONFIG"
