# Stand-in for apache/kafka, built only where that image cannot be pulled (scripts/docker-images.sh): the
# same Kafka jars as the local runtime (Maven Central) on Debian's OpenJDK, behind the official image's
# contract — user appuser (uid 1000), its three VOLUMEs, CMD /etc/kafka/docker/run turning KAFKA_*
# variables into /opt/kafka/config/server.properties and formatting the storage, the tools in
# /opt/kafka/bin and Java in /opt/java/openjdk/bin (not on PATH: as in the official image, only Java is).
# docker/offline/README.md lists each behaviour and where the official image defines it.
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends openjdk-17-jre-headless procps \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /opt/java/openjdk \
 && ln -s "$(dirname "$(dirname "$(readlink -f /usr/bin/java)")")/bin" /opt/java/openjdk/bin \
 && useradd --uid 1000 --user-group --home-dir /home/appuser --create-home --shell /bin/bash appuser
COPY libs /opt/kafka/libs
COPY config /opt/kafka/config
COPY bin /opt/kafka/bin
COPY kafka-run.sh /etc/kafka/docker/run
COPY kafka-default-server.properties /etc/kafka/docker/server.properties
RUN mkdir -p /var/lib/kafka/data /etc/kafka/secrets /usr/logs /mnt/shared/config \
 && chown -R appuser:appuser /usr/logs /opt/kafka /mnt/shared/config \
 && chown -R appuser:root /var/lib/kafka /etc/kafka/secrets /etc/kafka \
 && chmod -R ug+w /etc/kafka /var/lib/kafka /etc/kafka/secrets
ENV JAVA_HOME=/opt/java/openjdk PATH=/opt/java/openjdk/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
EXPOSE 9092
USER appuser
VOLUME ["/etc/kafka/secrets", "/var/lib/kafka/data", "/mnt/shared/config"]
CMD ["/etc/kafka/docker/run"]
