#!/bin/sh
# The official redis image's docker-entrypoint.sh, behaviour for behaviour (docker/offline/README.md):
# a first argument that is a flag or a *.conf file means redis-server; started as root, it gives every
# file under the working directory (/data) to redis and runs again as redis through gosu — under
# `set -e`, so a file root may not read stops the container, as it does the official one; as redis it
# sets umask 0077 when the umask is the default 0022. The official image also compiles protected mode
# off; Debian's binary has it on, so redis-server gets `--protected-mode no` after any config file.
set -e
if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then
  set -- redis-server "$@"
fi
if [ "$1" = 'redis-server' ] && [ "$(id -u)" = '0' ]; then
  find . \! -user redis -exec chown redis '{}' +
  exec gosu redis "$0" "$@"
fi
if [ "$(umask)" = '0022' ]; then
  umask 0077
fi
if [ "$1" = 'redis-server' ]; then
  shift
  case "${1:-}" in
    -v | --version | -h | --help | --test-memory | --check-system) ;;
    "" | -*) set -- --protected-mode no "$@" ;;
    *)
      config=$1
      shift
      set -- "$config" --protected-mode no "$@"
      ;;
  esac
  set -- redis-server "$@"
fi
exec "$@"
