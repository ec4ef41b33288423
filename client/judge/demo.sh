#!/usr/bin/env bash
# demo.sh -- what `make demo` runs: respd and the judge pipeline on their
# default ports (respd 6379, api 3000, workers demo-1 and demo-2, notify
# 8080), in the foreground until Ctrl-C, with what to try next printed.
#
#   BIN=bin bash client/judge/demo.sh      (from the repository root)
#
# DEMO_BROKER_PORT, DEMO_API_PORT and DEMO_NOTIFY_PORT move it elsewhere
# when the default ports are taken.  Logs go to a fresh directory under
# $TMPDIR (or /tmp), named at start, and so do the workers' runs.
set -u
BIN=${BIN:-bin}
broker_port=${DEMO_BROKER_PORT:-6379}
api_port=${DEMO_API_PORT:-3000}
notify_port=${DEMO_NOTIFY_PORT:-8080}
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

for port in "$broker_port" "$api_port" "$notify_port"; do
    if in_use "$port"; then
        echo "demo: port $port is already in use (another respd, redis-server" >&2
        echo "      or demo?); stop it first, or choose others with" >&2
        echo "      DEMO_BROKER_PORT, DEMO_API_PORT, DEMO_NOTIFY_PORT" >&2
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

broker=127.0.0.1:$broker_port
mkdir -p "$logs/runs"
start respd "$BIN/respd" --port "$broker_port" --save "" --dir "$logs"
wait_port "$broker_port" respd
start api "$BIN/judge" api --broker "$broker" --listen "127.0.0.1:$api_port"
start worker-1 "$BIN/judge" worker --broker "$broker" --id demo-1 \
    --tmp-dir "$logs/runs"
start worker-2 "$BIN/judge" worker --broker "$broker" --id demo-2 \
    --tmp-dir "$logs/runs"
start notify "$BIN/judge" notify --broker "$broker" \
    --listen "127.0.0.1:$notify_port"
wait_port "$api_port" api
wait_port "$notify_port" notify

cat <<EOF

The judge pipeline is running:
  respd    127.0.0.1:$broker_port   the queue, the records and the channel
  api      127.0.0.1:$api_port   HTTP: submit, read records and problems
  workers  demo-1, demo-2   judging submissions
  notify   127.0.0.1:$notify_port   WebSocket: verdicts pushed to users
Logs: $logs

1. Watch verdicts arrive.  In a browser's console (any page):
     ws = new WebSocket("ws://127.0.0.1:$notify_port");
     ws.onmessage = (e) => console.log(JSON.parse(e.data));
     ws.onopen = () => ws.send(JSON.stringify({userId: "alice"}));
   or listen on the broker's channel directly:
     redis-cli -p $broker_port subscribe problem_done

2. Look at the problems and languages:
     curl -s localhost:$api_port/problems
     curl -s localhost:$api_port/problems/a-plus-b
     curl -s localhost:$api_port/languages

3. Submit an accepted and a wrong answer:
     curl -s localhost:$api_port/submissions -d '{"userId": "alice",
       "problemId": "a-plus-b", "lang": "python",
       "code": "a, b = map(int, input().split())\\nprint(a + b)\\n"}'
     curl -s localhost:$api_port/submissions -d '{"userId": "alice",
       "problemId": "a-plus-b", "lang": "c",
       "code": "int main(void) { return 0; }"}'
   Each answers {"id": ...}; the verdicts reach the socket of step 1.

4. Or poll:   curl -s localhost:$api_port/submissions/<id>

5. Kill a worker in the middle of a job (kill -9 <pid>, pids below): the
   other one takes the job over once the lease of the dead one expires
   (5 s), and the verdict is still written and pushed once.
     worker pids: $(echo "$pids" | awk '{print $3, $4}')

Ctrl-C stops everything.
EOF

wait
