# Stand-in for prom/prometheus, built only where that image cannot be pulled (scripts/docker-images.sh):
# Debian's prometheus package behind the official image's contract — user nobody, WORKDIR and VOLUME
# /prometheus, ENTRYPOINT /bin/prometheus with its default flags as CMD (docker/offline/README.md).
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends prometheus \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /prometheus && chown -R nobody:nogroup /etc/prometheus /prometheus && chmod g+w /prometheus
WORKDIR /prometheus
USER nobody
EXPOSE 9090
VOLUME ["/prometheus"]
ENTRYPOINT ["/bin/prometheus"]
CMD ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus"]
