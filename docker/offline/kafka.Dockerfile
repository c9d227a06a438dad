# Stand-in for apache/kafka, built only where that image cannot be pulled
# (scripts/docker-images.sh): the same Kafka jars as the local runtime (Maven Central), Debian's
# OpenJDK, and the contracts docker-compose.yml relies on: KAFKA_* variables become
# server.properties, and the tools are /opt/kafka/bin/*.sh.
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends openjdk-17-jre-headless \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 1000 --home-dir /var/lib/kafka --create-home appuser
COPY libs /opt/kafka/libs
COPY config /opt/kafka/config
COPY bin /opt/kafka/bin
ENV PATH=/opt/kafka/bin:$PATH CLUSTER_ID=5L6g3nShT-eMCtK--X86sw
USER appuser
EXPOSE 9092
ENTRYPOINT ["/opt/kafka/bin/run-kafka.sh"]
