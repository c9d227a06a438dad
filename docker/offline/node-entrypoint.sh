#!/bin/sh
# As the official node image's docker-entrypoint.sh: arguments that are not a command (a flag such as
# `--version`, a script path that is not executable) are given to node; a command runs as it is.
set -e
if [ "${1#-}" != "$1" ] || [ -z "$(command -v "$1")" ] || { [ -f "$1" ] && ! [ -x "$1" ]; }; then
  set -- node "$@"
fi
exec "$@"
