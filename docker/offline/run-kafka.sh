#!/bin/bash
# The stand-in's entrypoint, following apache/kafka's contract: every KAFKA_<NAME> variable
# becomes the property <name> ("_" → ".", "__" → "_", "___" → "-"), storage is formatted with
# CLUSTER_ID on first start, then the broker runs in the foreground.
set -euo pipefail
CONFIG=/var/lib/kafka/server.properties
: > "$CONFIG"
declare -A set_by_env=()
while IFS='=' read -r name value; do
  case $name in
    KAFKA_HEAP_OPTS|KAFKA_OPTS|KAFKA_JVM_PERFORMANCE_OPTS|KAFKA_LOG4J_OPTS|KAFKA_GC_LOG_OPTS|KAFKA_JMX_OPTS) continue ;;
    KAFKA_*) ;;
    *) continue ;;
  esac
  key=${name#KAFKA_}
  key=${key,,}
  key=${key//___/-}
  key=${key//__/@}
  key=${key//_/.}
  key=${key//@/_}
  set_by_env[$key]=1
  printf '%s=%s\n' "$key" "$value" >> "$CONFIG"
done < <(env)
[[ -n "${set_by_env[log.dirs]:-}" ]] || echo "log.dirs=/var/lib/kafka/data" >> "$CONFIG"
log_dirs=$(sed -n 's/^log\.dirs=//p' "$CONFIG" | tail -n 1)
if [[ ! -f "${log_dirs%%,*}/meta.properties" ]]; then
  kafka-storage.sh format --cluster-id "$CLUSTER_ID" --config "$CONFIG" --ignore-formatted >/dev/null
fi
exec kafka-server-start.sh "$CONFIG"
