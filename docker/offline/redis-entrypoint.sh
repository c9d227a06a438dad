#!/bin/sh
# As the official image: `redis-server [CONFIG] ARGS…` runs with protected mode off, so that other
# containers of the compose network can connect; a config file stays first, as Redis requires,
# and the caller's arguments come after and win.
set -e
if [ "$1" = "redis-server" ]; then
  shift
  case "${1:-}" in
    -v | --version | -h | --help | --test-memory | --check-system) exec redis-server "$@" ;;
    "" | -*) exec redis-server --protected-mode no "$@" ;;
    *)
      config=$1
      shift
      exec redis-server "$config" --protected-mode no "$@"
      ;;
  esac
fi
exec "$@"
