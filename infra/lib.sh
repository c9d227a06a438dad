# Shared helpers for the local runtime's scripts (sourced, not run).
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOCAL_DIR="${LOCAL_DIR:-$ROOT/.local}"

die() { echo "$*" >&2; exit 1; }
log() { echo "$*" >&2; }

require() { # require COMMAND DEBIAN_PACKAGE
  command -v "$1" >/dev/null 2>&1 || die "missing prerequisite: '$1' not found; install it (Debian: apt-get install -y $2)"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# A process that exists and is not a zombie: where nothing reaps orphans (PID 1 of some sandboxes
# does not), a killed daemon stays a zombie that `kill -0` would report alive.
process_alive() {
  local state
  state=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1) || return 1
  [[ -n "$state" && "$state" != Z && "$state" != X ]]
}

pid_alive() { [[ -f "$1" ]] && process_alive "$(cat "$1")"; }

# stop_pid PIDFILE NAME [SECONDS]: SIGTERM, then SIGKILL after the grace period.
stop_pid() {
  local pidfile=$1 name=$2 grace=${3:-20} pid i
  if ! pid_alive "$pidfile"; then rm -f "$pidfile"; log "$name: not running"; return 0; fi
  pid=$(cat "$pidfile")
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < grace * 10; i++)); do process_alive "$pid" || break; sleep 0.1; done
  if process_alive "$pid"; then log "$name: still running after ${grace}s, killing"; kill -KILL "$pid" 2>/dev/null || true; fi
  rm -f "$pidfile"
  log "$name: stopped"
}
