#!/usr/bin/env bash
# run.sh -- differential tests: run every tests/compat/*.txt script against
# respd and the reference redis-server side by side with resp-compat.
#
#   tests/compat/run.sh [--self] [-v] [script.txt ...]
#
# --self compares two redis-servers instead, which must agree 100%: that
# validates the scripts (no line whose reply depends on timing, ids or
# ports) and the tool itself.  BIN (default bin) says where respd and
# resp-compat are; RESPD and COMPAT override each.
set -u
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../lib.sh
. "$here/../lib.sh"
COMPAT=${COMPAT:-$LIB_BIN/resp-compat}

self=no
opts=()
scripts=()
for arg in "$@"; do
    case $arg in
    --self) self=yes ;;
    -*) opts+=("$arg") ;; # for resp-compat (-v)
    *) scripts+=("$arg") ;;
    esac
done
if ((${#scripts[@]} == 0)); then
    scripts=("$here"/*.txt)
fi

for tool in "$COMPAT" redis-server; do
    if ! command -v "$tool" >/dev/null; then
        echo "compat: $tool not found (run make test, or tests/install-deps.sh)"
        echo "0 passed, 1 failed"
        exit 1
    fi
done

port_a=$(free_port) || exit 1
if [[ $self == yes ]]; then
    start_redis "$port_a" || exit 1
else
    start_respd "$port_a" || { echo "0 passed, 1 failed"; exit 1; }
fi
pid_a=$SERVER_PID
log_a=$SERVER_LOG

port_b=$(free_port) || exit 1
while [[ $port_b == "$port_a" ]]; do
    port_b=$(free_port) || exit 1
done
start_redis "$port_b" || { echo "0 passed, 1 failed"; exit 1; }

"$COMPAT" "${opts[@]}" --a "127.0.0.1:$port_a" --b "127.0.0.1:$port_b" \
    "${scripts[@]}"
status=$?

# A crash shows up above as a stream of connection failures; say why.
if ! kill -0 "$pid_a" 2>/dev/null; then
    echo "compat: server a exited during the run; last lines of its log:"
    tail -n 20 "$log_a" | sed 's/^/    /'
    status=1
fi
exit "$status"
