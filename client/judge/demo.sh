#!/usr/bin/env bash
# demo.sh -- what `make demo` runs: respd and the judge pipeline on their
# default ports (respd 6379, api 3000, workers demo-1 and demo-2, notify
# 8080), in the foreground until Ctrl-C, with what to try next printed.
#
#   BIN=bin bash client/judge/demo.sh      (from the repository root)
#
# Logs go to a fresh directory under $TMPDIR (or /tmp), named at start.
set -u
BIN=${BIN:-bin}
logs=$(mktemp -d "${TMPDIR:-/tmp}/judge-demo.XXXXXX") || exit 1
pids=""

stop_all() {
    for pid in $pids; do
        kill "$pid" 2>/dev/null
    done
    for pid in $pids; do
        wait "$pid" 2>/dev/null
    done
    pids=""
}
trap 'stop_all; echo; echo "demo stopped; logs kept in $logs"; exit 0' INT TERM
trap 'stop_all' EXIT

in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

for port in 6379 3000 8080; do
    if in_use "$port"; then
        echo "demo: port $port is already in use (another respd, redis-server" >&2
        echo "      or demo?); stop it first" >&2
        exit 1
    fi
done

# start NAME COMMAND...: run in the background, output to NAME.log.
start() {
    name=$1
    shift
    "$@" >"$logs/$name.log" 2>&1 &
    pids="$pids $!"
}

# wait_port PORT NAME: until something listens on PORT (5 s at most).
wait_port() {
    i=0
    while [ $i -lt 100 ]; do
        if in_use "$1"; then
            return 0
        fi
        i=$((i + 1))
        sleep 0.05
    done
    echo "demo: $2 did not start on port $1; its log:" >&2
    sed 's/^/    /' "$logs/$2.log" >&2
    exit 1
}

start respd "$BIN/respd" --port 6379 --save "" --dir "$logs"
wait_port 6379 respd
start api "$BIN/judge" api
start worker-1 "$BIN/judge" worker --id demo-1
start worker-2 "$BIN/judge" worker --id demo-2
start notify "$BIN/judge" notify
wait_port 3000 api
wait_port 8080 notify

cat <<EOF

The judge pipeline is running:
  respd    127.0.0.1:6379   the queue, the records and the channel
  api      127.0.0.1:3000   HTTP: submit, read records and problems
  workers  demo-1, demo-2   judging submissions
  notify   127.0.0.1:8080   WebSocket: verdicts pushed to users
Logs: $logs

1. Watch verdicts arrive.  In a browser's console (any page):
     ws = new WebSocket("ws://127.0.0.1:8080");
     ws.onmessage = (e) => console.log(JSON.parse(e.data));
     ws.onopen = () => ws.send(JSON.stringify({userId: "alice"}));
   or listen on the broker's channel directly:
     redis-cli -p 6379 subscribe problem_done

2. Look at the problems and languages:
     curl -s localhost:3000/problems
     curl -s localhost:3000/problems/a-plus-b
     curl -s localhost:3000/languages

3. Submit an accepted and a wrong answer:
     curl -s localhost:3000/submissions -d '{"userId": "alice",
       "problemId": "a-plus-b", "lang": "python",
       "code": "a, b = map(int, input().split())\\nprint(a + b)\\n"}'
     curl -s localhost:3000/submissions -d '{"userId": "alice",
       "problemId": "a-plus-b", "lang": "c",
       "code": "int main(void) { return 0; }"}'
   Each answers {"id": ...}; the verdicts reach the socket of step 1.

4. Or poll:   curl -s localhost:3000/submissions/<id>

5. Kill a worker in the middle of a job (kill -9 <pid>, pids below): the
   other one takes the job over once the lease of the dead one expires
   (5 s), and the verdict is still written and pushed once.
     worker pids: $(echo "$pids" | awk '{print $3, $4}')

Ctrl-C stops everything.
EOF

wait
