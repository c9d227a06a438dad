# Stand-in for node:24-bookworm-slim, built only where that image cannot be pulled
# (scripts/docker-images.sh). Node and npm come from the npm registry's packages. What it copies of the
# official image, and from where, is in docker/offline/README.md.
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
# npm trusts Node's own CA list; the base's store also holds the CAs the building machine added.
ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt NPM_CONFIG_UPDATE_NOTIFIER=false
COPY node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
COPY node-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && groupadd --gid 1000 node \
 && useradd --uid 1000 --gid node --shell /bin/bash --create-home node \
 && node --version && npm --version
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["node"]
