# Stand-in for redis:7.4-alpine, built only where that image cannot be pulled (scripts/docker-images.sh):
# Debian's redis-server (Sentinel is redis-server --sentinel) behind the official image's contract —
# the redis user with its ids, created before the package would make its own; root at start, /data
# chowned and the server run as redis through gosu, umask 0077; protected mode off; VOLUME /data.
# docker/offline/README.md lists each behaviour and where the official image defines it.
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
RUN groupadd --system --gid 1000 redis \
 && useradd --system --uid 999 --gid redis --home-dir /home/redis --shell /sbin/nologin redis \
 && apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends redis-server redis-tools gosu \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir /data && chown redis:redis /data
VOLUME /data
WORKDIR /data
COPY redis-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
ENTRYPOINT ["docker-entrypoint.sh"]
EXPOSE 6379
CMD ["redis-server"]
