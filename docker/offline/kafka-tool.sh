#!/bin/bash
# One script behind every /opt/kafka/bin/<tool>.sh link: runs the tool's main class with the jars.
set -euo pipefail
case $(basename "$0" .sh) in
  kafka-server-start) main=kafka.Kafka heap=${KAFKA_HEAP_OPTS:--Xms256m -Xmx1g} gc=-XX:+UseG1GC log=log4j2.yaml ;;
  kafka-storage) main=kafka.tools.StorageTool ;;
  kafka-topics) main=org.apache.kafka.tools.TopicCommand ;;
  kafka-console-consumer) main=org.apache.kafka.tools.consumer.ConsoleConsumer ;;
  kafka-console-producer) main=org.apache.kafka.tools.ConsoleProducer ;;
  kafka-broker-api-versions) main=org.apache.kafka.tools.BrokerApiVersionsCommand ;;
  kafka-consumer-groups) main=org.apache.kafka.tools.consumer.group.ConsumerGroupCommand ;;
  kafka-configs) main=org.apache.kafka.tools.ConfigCommand ;;
  kafka-metadata-quorum) main=org.apache.kafka.tools.MetadataQuorumCommand ;;
  kafka-get-offsets) main=org.apache.kafka.tools.GetOffsetShell ;;
  kafka-run-class) main=$1; shift ;;
  *) echo "unknown Kafka tool: $0" >&2; exit 2 ;;
esac
exec java ${heap:--Xms32m -Xmx256m} ${gc:--XX:+UseSerialGC} -Djava.awt.headless=true \
  -Dlog4j2.configurationFile="/opt/kafka/config/${log:-tools-log4j2.yaml}" -cp '/opt/kafka/libs/*' "$main" "$@"
