# shellcheck shell=bash
# lib.sh -- helpers shared by the shell test suites (source it from bash).
#
#   . "$(dirname "$0")/../lib.sh"
#   port=$(free_port)
#   start_respd "$port"            # or: start_redis "$port"
#   check "PING answers PONG" test "$(redis-cli -p "$port" ping)" = PONG
#   check_eq "GET of a missing key is empty" "" "$(redis-cli -p "$port" get k)"
#   finish                         # prints "N passed, N failed", exits
#
# Servers started here are stopped when the script exits, whatever the
# reason (a script that sets its own EXIT trap must call lib_cleanup in it).  RESPD names the binary under test (default $BIN/respd, BIN being
# bin under the repository root unless set).  Every server gets its own
# empty directory so no dump or AOF file lands in the work tree.

LIB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Where the built programs are: BIN as given to make, relative to the
# repository root unless absolute.
LIB_BIN=${BIN:-bin}
if [[ $LIB_BIN != /* ]]; then
    LIB_BIN=$LIB_ROOT/$LIB_BIN
fi
RESPD=${RESPD:-$LIB_BIN/respd}
LIB_PASSED=0
LIB_FAILED=0
LIB_PIDS=()
LIB_TMP=$(mktemp -d "${TMPDIR:-/tmp}/respd-test.XXXXXX")
# The pid and log file of the last server started.
SERVER_PID=
SERVER_LOG=

lib_cleanup() {
    local pid
    for pid in "${LIB_PIDS[@]}"; do
        stop_server "$pid"
    done
    rm -rf "$LIB_TMP"
}
trap lib_cleanup EXIT
trap 'exit 130' INT TERM

# free_port: print a loopback TCP port in 7000-9999 that nothing listens on.
# Another process may take it before the server binds it; the server then
# exits and start_* fail, which is why they check that it still runs.
free_port() {
    local port _
    for _ in $(seq 1 200); do
        port=$((7000 + RANDOM % 3000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return 0
        fi
    done
    echo "free_port: no free port found" >&2
    return 1
}

# wait_ready PORT [SECONDS [PID]]: wait until a server on PORT answers PING
# with +PONG (or -NOAUTH, when it has a password); returns 1 after SECONDS (default 10), or as soon as process
# PID (when given) has exited.
wait_ready() {
    local port=$1 limit=${2:-10} pid=${3:-} deadline line
    deadline=$((SECONDS + limit))
    while ((SECONDS < deadline)); do
        if [[ -n $pid ]] && ! kill -0 "$pid" 2>/dev/null; then
            break
        fi
        # A subshell, because a failed exec redirection ends the shell.
        line=$( (exec 3<>"/dev/tcp/127.0.0.1/$port" || exit 1
            printf 'PING\r\n' >&3
            read -r -t 1 line <&3 && echo "$line") 2>/dev/null)
        if [[ $line == "+PONG"* || $line == "-NOAUTH"* ]]; then
            return 0
        fi
        sleep 0.05
    done
    echo "wait_ready: nothing answered on port $port" >&2
    return 1
}

# lib_start NAME PORT COMMAND...: run COMMAND in the background, remember
# it for cleanup, and wait until it answers on PORT.  Sets SERVER_PID and
# SERVER_LOG; returns 1 (after printing the log) if it never became ready.
lib_start() {
    local name=$1 port=$2
    shift 2
    SERVER_LOG=$LIB_TMP/$name-$port.log
    "$@" >"$SERVER_LOG" 2>&1 &
    SERVER_PID=$!
    LIB_PIDS+=("$SERVER_PID")
    if ! wait_ready "$port" 10 "$SERVER_PID" ||
        ! kill -0 "$SERVER_PID" 2>/dev/null; then
        echo "lib_start: $name on port $port did not start; log:" >&2
        sed 's/^/    /' "$SERVER_LOG" >&2
        return 1
    fi
}

# start_respd PORT [ARGS...]: start $RESPD on PORT with persistence off.
start_respd() {
    local port=$1
    shift
    local dir=$LIB_TMP/respd-$port
    mkdir -p "$dir"
    lib_start respd "$port" "$RESPD" --port "$port" --save "" --dir "$dir" \
        "$@"
}

# start_redis PORT [ARGS...]: start the reference redis-server on PORT.
start_redis() {
    local port=$1
    shift
    local dir=$LIB_TMP/redis-$port
    mkdir -p "$dir"
    lib_start redis "$port" redis-server --port "$port" --bind 127.0.0.1 \
        --save "" --appendonly no --dir "$dir" "$@"
}

# stop_server PID: TERM, then KILL after 5 s; quiet if already gone.
stop_server() {
    local pid=$1 _
    kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || return 0
    for _ in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

# raw_exchange PORT BYTES [SECONDS]: send BYTES (printf %b escapes such as
# \r\n allowed) and print everything received until the server closes the
# connection or SECONDS (default 1) pass without it closing.
raw_exchange() {
    local port=$1 bytes=$2 limit=${3:-1}
    (exec 3<>"/dev/tcp/127.0.0.1/$port" || exit 1
        printf '%b' "$bytes" >&3
        timeout "$limit" cat <&3
        exit 0)
}

# check DESCRIPTION COMMAND...: run COMMAND; print "ok - DESCRIPTION" when it
# succeeds, "not ok - DESCRIPTION" otherwise, and count the result.
check() {
    local desc=$1
    shift
    if "$@"; then
        LIB_PASSED=$((LIB_PASSED + 1))
        echo "ok - $desc"
    else
        LIB_FAILED=$((LIB_FAILED + 1))
        echo "not ok - $desc"
    fi
}

# check_eq DESCRIPTION EXPECTED ACTUAL: like check, comparing two strings and
# showing both when they differ.
check_eq() {
    local desc=$1 expected=$2 actual=$3
    if [[ $expected == "$actual" ]]; then
        LIB_PASSED=$((LIB_PASSED + 1))
        echo "ok - $desc"
    else
        LIB_FAILED=$((LIB_FAILED + 1))
        echo "not ok - $desc"
        printf '    expected: %q\n    actual:   %q\n' "$expected" "$actual"
    fi
}

# finish: print the closing "N passed, N failed" line and exit 1 if any
# check failed (or none ran, which means the script is broken).
finish() {
    echo "$LIB_PASSED passed, $LIB_FAILED failed"
    if ((LIB_FAILED > 0 || LIB_PASSED == 0)); then
        exit 1
    fi
    exit 0
}
