#!/usr/bin/env bash
# The local runtime's Apache Kafka: one KRaft node (broker + controller in one JVM) whose jars Maven
# resolves from Maven Central (infra/kafka/pom.xml) — a single-node cluster by default, or one node of
# the three that infra/kafka/cluster.sh runs for the replicated topology.
#
#   infra/kafka/kafka.sh install|lib-dir|cluster-id|start|launch|wait|stop|kill|wipe|status|create-topics
#   infra/kafka/kafka.sh consume [TOPIC]
#
# Environment: KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (KAFKA_PORT+1), KAFKA_STATE_DIR
# (.local/kafka), KAFKA_HEAP_OPTS (-Xms256m -Xmx768m), KAFKA_TOPIC_PARTITIONS (3),
# KAFKA_START_TIMEOUT (90 s); for a node of a cluster KAFKA_NODE_ID (1), KAFKA_VOTERS (this node
# alone), KAFKA_CLUSTER_ID (random), KAFKA_REPLICATION_FACTOR (1), KAFKA_MIN_ISR (1). With
# KAFKA_SASL_PASSWORD and KAFKA_ADMIN_PASSWORD (CREDENTIALS=on, infra/credentials.sh) the client
# listener takes SASL/SCRAM-SHA-512 only: users `admin` (broker to broker, these tools) and
# KAFKA_SASL_USERNAME (the services) are written at storage format time. KAFKA_EXTRA_PROPERTIES: lines added
# to server.properties at each start, after ours (later keys win), e.g. to try a broker setting.
# Several brokers can run side by side with distinct ports and state dirs.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

KAFKA_VERSION=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$ROOT/infra/kafka/pom.xml")
KAFKA_PORT=${KAFKA_PORT:-9092}
KAFKA_CONTROLLER_PORT=${KAFKA_CONTROLLER_PORT:-$((KAFKA_PORT + 1))}
STATE_DIR=${KAFKA_STATE_DIR:-$LOCAL_DIR/kafka}
LIB_DIR=${KAFKA_LIB_DIR:-$LOCAL_DIR/kafka-lib/$KAFKA_VERSION}
DATA_DIR=$STATE_DIR/data
daemon_files "$STATE_DIR" kafka
CONFIG=$STATE_DIR/server.properties
BOOTSTRAP=127.0.0.1:$KAFKA_PORT
TOPICS=(events events.dlq)
PARTITIONS=${KAFKA_TOPIC_PARTITIONS:-3}
START_TIMEOUT=${KAFKA_START_TIMEOUT:-90}
NODE_ID=${KAFKA_NODE_ID:-1}
VOTERS=${KAFKA_VOTERS:-$NODE_ID@127.0.0.1:$KAFKA_CONTROLLER_PORT}
REPLICATION=${KAFKA_REPLICATION_FACTOR:-1}
MIN_ISR=${KAFKA_MIN_ISR:-1}

SASL=${KAFKA_SASL_PASSWORD:+on}
CLIENT_CONFIG=$STATE_DIR/client.properties
if [[ -n "$SASL" ]]; then
  [[ -n "${KAFKA_ADMIN_PASSWORD:-}" ]] \
    || die "kafka: KAFKA_SASL_PASSWORD is set but KAFKA_ADMIN_PASSWORD is not (infra/credentials.sh sets both)"
  SASL_USER=${KAFKA_SASL_USERNAME:-eventstreamapp}
  JAAS="org.apache.kafka.common.security.scram.ScramLoginModule required"
  JAAS+=" username=\"admin\" password=\"$KAFKA_ADMIN_PASSWORD\";"
fi
# The tools' client settings: the admin's SCRAM login when credentials are on.
tool_config() { # tool_config OPTION → OPTION FILE, or nothing
  [[ -n "$SASL" ]] || return 0
  (umask 077; printf 'security.protocol=SASL_PLAINTEXT\nsasl.mechanism=SCRAM-SHA-512\nsasl.jaas.config=%s\n' \
    "$JAAS" > "$CLIENT_CONFIG")
  echo "$1" "$CLIENT_CONFIG"
}

# The tools run for a second or two: C1 only and the serial collector cost them a third less CPU.
kafka_java() {
  java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xms64m -Xmx256m \
    -Dlog4j2.configurationFile="$ROOT/infra/kafka/log4j2-tools.yaml" \
    -cp "$LIB_DIR/*" "$@"
}

# A KRaft cluster id as Kafka's StorageTool random-uuid makes one (16 random bytes, URL-safe base64,
# never starting with "-"), without starting a JVM for it.
new_cluster_id() {
  local id
  until [[ -n "${id:-}" && "$id" != -* ]]; do id=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n'); done
  echo "$id"
}

install() {
  require java openjdk-17-jre-headless
  if [[ -f "$LIB_DIR/.complete" ]]; then return 0; fi
  require mvn maven
  log "kafka: resolving Apache Kafka $KAFKA_VERSION jars from Maven Central into ${LIB_DIR#"$ROOT"/}"
  mkdir -p "$LIB_DIR"
  mvn -q -B -f "$ROOT/infra/kafka/pom.xml" dependency:copy-dependencies -DincludeScope=runtime \
    -DoutputDirectory="$LIB_DIR" >&2 \
    || die "kafka: Maven could not resolve Apache Kafka $KAFKA_VERSION (see the output above)"
  touch "$LIB_DIR/.complete"
}

write_config() {
  mkdir -p "$DATA_DIR"
  sed -e "s|@PORT@|$KAFKA_PORT|g" -e "s|@CONTROLLER_PORT@|$KAFKA_CONTROLLER_PORT|g" \
      -e "s|@DATA_DIR@|$DATA_DIR|g" -e "s|@PARTITIONS@|$PARTITIONS|g" -e "s|@NODE_ID@|$NODE_ID|g" \
      -e "s|@VOTERS@|$VOTERS|g" -e "s|@REPLICATION@|$REPLICATION|g" -e "s|@MIN_ISR@|$MIN_ISR|g" \
      "$ROOT/infra/kafka/server.properties.template" > "$CONFIG"
  # Later keys win in a properties file: the client listener becomes SASL_PLAINTEXT, the controller's stays local.
  [[ -n "$SASL" ]] && (umask 077; cat >> "$CONFIG" <<PROPERTIES
listeners=SASL_PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=SASL_PLAINTEXT://127.0.0.1:$KAFKA_PORT
listener.security.protocol.map=SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=SASL_PLAINTEXT
sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=$JAAS
PROPERTIES
  )
  # Last, so that they win over ours, the credentials' listeners included.
  [[ -z "${KAFKA_EXTRA_PROPERTIES:-}" ]] || printf '%s\n' "$KAFKA_EXTRA_PROPERTIES" >> "$CONFIG"
  return 0
}

# Which SCRAM users the storage was formatted with (a digest, not the passwords).
scram_digest() {
  [[ -n "$SASL" ]] && printf '%s:%s:%s' "$SASL_USER" "$KAFKA_SASL_PASSWORD" "$KAFKA_ADMIN_PASSWORD" \
    | sha256sum | cut -c1-16 || echo none
}

format_storage() {
  if [[ -f "$DATA_DIR/meta.properties" ]]; then
    # SCRAM users are written at format time: storage formatted with other credentials would refuse these.
    [[ -z "$SASL" || "$(cat "$STATE_DIR/scram-users" 2>/dev/null)" == "$(scram_digest)" ]] \
      || die "kafka: ${DATA_DIR#"$ROOT"/} was formatted without these credentials (CREDENTIALS=on);" \
        "make infra-wipe formats it anew (its events are lost)"
    return 0
  fi
  log "kafka: formatting new KRaft storage in ${DATA_DIR#"$ROOT"/}${SASL:+ with SCRAM users admin and $SASL_USER}"
  local scram=()
  [[ -n "$SASL" ]] && scram=(--add-scram "SCRAM-SHA-512=[name=admin,password=$KAFKA_ADMIN_PASSWORD]"
    --add-scram "SCRAM-SHA-512=[name=$SASL_USER,password=$KAFKA_SASL_PASSWORD]")
  kafka_java kafka.tools.StorageTool format --cluster-id "${KAFKA_CLUSTER_ID:-$(new_cluster_id)}" \
    --config "$CONFIG" "${scram[@]}" >/dev/null
  scram_digest > "$STATE_DIR/scram-users"
}

# Ready means: this start's broker process is alive, its port answers, and this start's log (the
# file is emptied at each start) says it started — never a line left by an earlier, killed broker.
wait_ready() {
  local deadline=$((SECONDS + START_TIMEOUT))
  until pid_alive "$PID_FILE" && port_open "$KAFKA_PORT" && grep -q 'Kafka Server started' "$LOG_FILE" 2>/dev/null; do
    if ! pid_alive "$PID_FILE"; then
      tail -n 30 "$LOG_FILE" >&2 2>/dev/null || true
      die "kafka: the broker exited during start-up (log: $LOG_FILE)"
    fi
    ((SECONDS < deadline)) || die "kafka: not ready on $BOOTSTRAP after ${START_TIMEOUT}s (log: $LOG_FILE)"
    sleep 0.3
  done
}

create_topic() {
  # shellcheck disable=SC2046 # tool_config prints an option and a file name, or nothing
  kafka_java org.apache.kafka.tools.TopicCommand --bootstrap-server "$BOOTSTRAP" $(tool_config --command-config) \
    --create --if-not-exists \
    --topic "$1" --partitions "$PARTITIONS" --replication-factor "$REPLICATION" \
    --config "min.insync.replicas=$MIN_ISR" >/dev/null
}

# The topics at once (one JVM each); fails when any fails.
create_topics() {
  local pids=() pid topic failed=0
  for topic in "${TOPICS[@]}"; do create_topic "$topic" & pids+=($!); done
  for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
  ((failed == 0)) || return 1
  log "kafka: topics ${TOPICS[*]} present on $BOOTSTRAP"
}

# Our broker's storage already holds the topics (a restart): a node keeps a folder per partition it
# hosts, and each node here hosts partition 0 of each.
topics_stored() {
  local topic
  for topic in "${TOPICS[@]}"; do [[ -d "$DATA_DIR/$topic-0" ]] || return 1; done
}

# A created topic reaches this broker's metadata a moment after the tool returns: ready means a client
# sees them, so wait until the broker has made their folders.
wait_topics_stored() {
  for _ in $(seq 1 300); do topics_stored && return 0; sleep 0.1; done
  die "kafka: topics ${TOPICS[*]} created but not on this broker after 30s (log: $LOG_FILE)"
}

# Starts the JVM and returns at once: the nodes of a cluster must all be up before any is ready.
launch() {
  install
  if pid_alive "$PID_FILE"; then return 0; fi
  wait_port_released
  write_config
  format_storage
  log "kafka: starting Apache Kafka $KAFKA_VERSION (KRaft node $NODE_ID) on $BOOTSTRAP"
  : > "$LOG_FILE"
  # setsid: the broker must outlive the shell (and the make or test run) that started it.
  setsid java ${KAFKA_HEAP_OPTS:--Xms256m -Xmx768m} -XX:+UseG1GC -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$ROOT/infra/kafka/log4j2.yaml" -Dkafka.logs.dir="$STATE_DIR" \
    -cp "$LIB_DIR/*" kafka.Kafka "$CONFIG" >> "$LOG_FILE" 2>&1 < /dev/null &
  echo $! > "$PID_FILE"
}

# Our broker died (a pid file, no process): a killed JVM can hold its port for a moment after its
# pid is gone, and that must not pass for a broker someone else runs there.
wait_port_released() {
  [[ -f "$PID_FILE" ]] || return 0
  for _ in $(seq 1 300); do port_open "$KAFKA_PORT" || return 0; sleep 0.1; done
}

start() {
  install
  if pid_alive "$PID_FILE"; then
    wait_ready
    log "kafka: already running on $BOOTSTRAP (pid $(cat "$PID_FILE"))"
    return 0
  fi
  wait_port_released
  if port_open "$KAFKA_PORT"; then
    # Like Redis: a broker this project did not start (another clone's, a developer's) is used as is.
    create_topics 2>/dev/null \
      || die "kafka: port $KAFKA_PORT is taken by something that is not a Kafka broker; set KAFKA_PORT"
    log "kafka: using the Kafka already answering on $BOOTSTRAP"
    return 0
  fi
  launch
  wait_ready
  topics_stored || { create_topics && wait_topics_stored; }
  log "kafka: ready on $BOOTSTRAP"
}

status() {
  if pid_alive "$PID_FILE"; then echo "kafka: running on $BOOTSTRAP (pid $(cat "$PID_FILE"))"
  else echo "kafka: stopped"; return 3; fi
}

case "${1:-}" in
  install) install ;;
  cluster-id) new_cluster_id ;;
  lib-dir) install; echo "$LIB_DIR" ;;
  start) start ;;
  launch) launch ;;
  wait) wait_ready ;;
  stop) stop_pid "$PID_FILE" kafka 30 ;;
  kill)
    if pid_alive "$PID_FILE"; then kill_pid "$(cat "$PID_FILE")" kafka || exit 1; log "kafka: node $NODE_ID killed"; fi
    ;;
  wipe)
    stop_pid "$PID_FILE" kafka 30
    rm -rf "$DATA_DIR" "$LOG_FILE" "$CONFIG" "$CLIENT_CONFIG" "$STATE_DIR/scram-users"
    log "kafka: wiped ${STATE_DIR#"$ROOT"/}" ;;
  status) status ;;
  create-topics) install; create_topics && wait_topics_stored ;;
  consume)
    install
    # shellcheck disable=SC2046
    kafka_java org.apache.kafka.tools.consumer.ConsoleConsumer --bootstrap-server "$BOOTSTRAP" \
      $(tool_config --consumer.config) \
      --topic "${2:-events}" --from-beginning --property print.key=true ${KAFKA_CONSUME_ARGS:-} ;;
  *) die "usage: $0 install|lib-dir|cluster-id|start|launch|wait|stop|kill|wipe|status|create-topics|consume [TOPIC]" ;;
esac
