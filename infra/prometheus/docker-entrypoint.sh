#!/bin/sh
# The Prometheus container's entrypoint (docker-compose.yml, profile monitoring), in front of the image's
# /bin/prometheus: the mounted prometheus.docker.yml, with the viewer's bearer token added when the viewer
# is behind one (VIEWER_TOKEN) — Prometheus reads no environment variables of its own. Both written to the
# container's tmpfs /tmp; the token only to a file of mode 600.
#
#   docker-entrypoint.sh [PROMETHEUS FLAGS…]    (CONFIG and TMP override the paths, for the static test)
set -eu
source_config=${CONFIG:-/etc/eventstreamapp/prometheus.yml}
dir=${TMP:-/tmp}
cp "$source_config" "$dir/prometheus.yml"
if [ -n "${VIEWER_TOKEN:-}" ]; then
  (umask 077 && printf '%s' "$VIEWER_TOKEN" > "$dir/viewer-token")
  echo "    authorization: { type: Bearer, credentials_file: $dir/viewer-token }" >> "$dir/prometheus.yml"
fi
[ -n "${TMP:-}" ] && exit 0
exec /bin/prometheus --config.file="$dir/prometheus.yml" "$@"
