# Shared helpers for the local runtime's scripts (sourced, not run).
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOCAL_DIR="${LOCAL_DIR:-$ROOT/.local}"

die() { echo "$*" >&2; exit 1; }
log() { echo "$*" >&2; }

require() { # require COMMAND DEBIAN_PACKAGE
  command -v "$1" >/dev/null 2>&1 \
    || die "missing prerequisite: '$1' not found; install it (Debian: apt-get install -y $2)"
}

# The memory budget of every Redis this project starts (README "Bounds"; tests/static/redis-limits.test.ts
# checks that compose says the same): a full Redis refuses writes (the consumer holds, nothing is lost)
# instead of evicting events or being killed, and no one client's unread replies can grow it past 64 MiB.
REDIS_MAXMEMORY=${REDIS_MAXMEMORY:-1gb}
REDIS_LIMIT_ARGS=(--maxmemory "$REDIS_MAXMEMORY" --maxmemory-policy noeviction
  --client-output-buffer-limit "normal 64mb 16mb 10")

# CREDENTIALS=on (infra/credentials.sh): every Redis and Sentinel this project starts requires REDIS_PASSWORD,
# and a replica gives it to its primary.
REDIS_AUTH_ARGS=()
[[ -n "${REDIS_PASSWORD:-}" ]] && REDIS_AUTH_ARGS=(--requirepass "$REDIS_PASSWORD" --masterauth "$REDIS_PASSWORD")

# redis_command PORT LINES WORD…: one command over bash's /dev/tcp (no redis-cli needed), after AUTH when
# REDIS_PASSWORD is set; prints the reply's first LINES lines, fails when AUTH is refused or nothing answers.
redis_command() {
  local port=$1 lines=$2
  shift 2
  (
    exec 3<>"/dev/tcp/127.0.0.1/$port" || exit 1
    if [[ -n "${REDIS_PASSWORD:-}" ]]; then
      printf 'AUTH %s\r\n' "$REDIS_PASSWORD" >&3
      IFS= read -r -t 2 reply <&3 || exit 1
      [[ "$reply" == "+OK"* ]] || exit 2
    fi
    printf '%s\r\n' "$*" >&3
    for ((i = 0; i < lines; i++)); do IFS= read -r -t 2 line <&3 || break; echo "${line%$'\r'}"; done
  ) 2>/dev/null
}

redis_answers() { [[ "$(redis_command "$1" 1 PING)" == "+PONG" ]]; }

# Tells whether a Redis this project did not start has a memory budget: one without may grow until killed.
redis_budget_note() { # redis_budget_note PORT NAME
  local reply
  reply=$(redis_command "$1" 5 CONFIG GET maxmemory | sed -n 5p)
  [[ "$reply" == 0 ]] && log "$2: note: the Redis on 127.0.0.1:$1 has no maxmemory" \
    "(this project starts its own with $REDIS_MAXMEMORY, policy noeviction)"
  return 0
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# A process that exists and is not a zombie: where nothing reaps orphans (PID 1 of some sandboxes
# does not), a killed daemon stays a zombie that `kill -0` would report alive.
process_alive() {
  local state
  state=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1) || return 1
  [[ -n "$state" && "$state" != Z && "$state" != X ]]
}

# daemon_files DIR NAME: where a daemon this project starts keeps its PID and its log (PID_FILE, LOG_FILE).
daemon_files() { PID_FILE=$1/$2.pid; LOG_FILE=$1/$2.log; }

pid_alive() { [[ -f "$1" ]] && process_alive "$(cat "$1")"; }

# How long a process may take to be gone after SIGKILL: a JVM's gigabytes are given back by the kernel
# after the signal, not at it.
KILL_WAIT_SECONDS=10

# kill_pid PID NAME: SIGKILL, then wait until the process is gone; fails, saying so, if it is not.
kill_pid() {
  local pid=$1 name=$2 i
  kill -KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < KILL_WAIT_SECONDS * 10; i++)); do process_alive "$pid" || return 0; sleep 0.1; done
  log "$name: pid $pid still exists ${KILL_WAIT_SECONDS}s after SIGKILL"
  return 1
}

# stop_pid PIDFILE NAME [SECONDS]: SIGTERM, then SIGKILL after the grace period; says "stopped" only once
# the process is gone (the scripts' twin of the launcher's `terminate`, scripts/launcher/process-state.ts:
# these scripts run without Node).
stop_pid() {
  local pidfile=$1 name=$2 grace=${3:-20} pid i
  if ! pid_alive "$pidfile"; then rm -f "$pidfile"; log "$name: not running"; return 0; fi
  pid=$(cat "$pidfile")
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < grace * 10; i++)); do process_alive "$pid" || break; sleep 0.1; done
  if process_alive "$pid"; then
    log "$name: still running after ${grace}s, killing"
    kill_pid "$pid" "$name" || die "$name: not stopped"
  fi
  rm -f "$pidfile"
  log "$name: stopped"
}
