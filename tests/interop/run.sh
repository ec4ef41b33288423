#!/usr/bin/env bash
# interop/run.sh -- the real redis-cli and redis-benchmark against respd.
#
#   RESPD=path/to/respd bash tests/interop/run.sh     (default bin/respd)
#
# Every redis-cli check runs the same command against respd and against a
# real redis-server started with the same options on another free port, and
# compares what redis-cli prints (stdout and stderr), so the expected output
# is whatever Redis 7 makes redis-cli print.  redis-benchmark must finish
# with status 0: it aborts on the first error reply.  Prints "ok - ..." /
# "not ok - ..." per check and a final "N passed, N failed"; exits non-zero
# if anything failed.
if [ -z "${BASH_VERSION:-}" ]; then
    exec bash "$0" "$@"
fi
set -u
cd "$(dirname "$0")/../.." || exit 1
# make passes BIN, which may be an absolute path (BIN=/tmp/bin-x).
if [[ -z ${RESPD:-} && -n ${BIN:-} ]]; then
    case $BIN in
    /*) RESPD=$BIN/respd ;;
    *) RESPD=$PWD/$BIN/respd ;;
    esac
fi
. tests/lib.sh

PIPE_COUNT=100000
BENCH_REQUESTS=20000
CLI_TIMEOUT=30

# cli PORT ARGS...: redis-cli's output (stdout and stderr) for one call.
cli() {
    local port=$1
    shift
    timeout "$CLI_TIMEOUT" redis-cli -p "$port" "$@" 2>&1
}

# same DESCRIPTION ARGS...: redis-cli ARGS against both servers prints the
# same thing.
same() {
    local desc=$1
    shift
    local want got
    want=$(cli "$REDIS_PORT" "$@")
    got=$(cli "$RESPD_PORT" "$@")
    check_eq "$desc" "$want" "$got"
}

# same_stdin DESCRIPTION INPUT ARGS...: as same, with INPUT on stdin.
same_stdin() {
    local desc=$1 input=$2
    shift 2
    local want got
    want=$(printf '%b' "$input" | cli "$REDIS_PORT" "$@")
    got=$(printf '%b' "$input" | cli "$RESPD_PORT" "$@")
    check_eq "$desc" "$want" "$got"
}

# same_sorted DESCRIPTION ARGS...: as same, ignoring line order (SCAN and
# KEYS order depends on each server's hash table).
same_sorted() {
    local desc=$1
    shift
    local want got
    want=$(cli "$REDIS_PORT" "$@" | sort)
    got=$(cli "$RESPD_PORT" "$@" | sort)
    check_eq "$desc" "$want" "$got"
}

# start_pair ARGS...: respd and redis-server with the same extra options;
# sets RESPD_PORT and REDIS_PORT.
start_pair() {
    RESPD_PORT=$(free_port) && start_respd "$RESPD_PORT" "$@" || exit 1
    REDIS_PORT=$(free_port) && start_redis "$REDIS_PORT" "$@" || exit 1
}

# --- redis-cli with arguments, one command per call ----------------------

cli_arguments() {
    same "SET answers OK" SET foo bar
    same "GET returns the value" GET foo
    same "GET of a missing key prints an empty line" GET missing
    same "INCR of a non-integer is an error" INCR foo
    same "DEL counts removed keys" DEL foo missing
    same "DEL of a missing key is 0" DEL foo
    same "SET of a number" SET n 10
    same "INCR increments" INCR n
    same "EXPIRE on an existing key is 1" EXPIRE n 100
    same "TTL shows the seconds left" TTL n
    same "TTL of a key without expiry is -1" TTL missing
    same "MSET answers OK" MSET a 1 b 2 c 3
    same "MGET prints values and empty lines for missing keys" \
        MGET a b missing c
    same_sorted "SCAN 0 COUNT 1000 returns cursor 0 and every key" \
        SCAN 0 COUNT 1000
    same_sorted "SCAN with MATCH filters keys" SCAN 0 MATCH '[ab]' COUNT 1000
    same "SELECT 1 answers OK" SELECT 1
    same "SELECT out of range is an error" SELECT 99
    same "unknown command error" NOSUCHCOMMAND x y
    same "wrong arity error" GET
}

# INFO output differs in pids, ports and times, so only stable fields are
# compared.
cli_info() {
    local want got
    want=$(cli "$REDIS_PORT" INFO server | grep -E '^redis_version:')
    got=$(cli "$RESPD_PORT" INFO server | grep -E '^redis_version:')
    check_eq "INFO server reports redis_version" "$want" "$got"
    want=$(cli "$REDIS_PORT" INFO keyspace | sed 's/avg_ttl=[0-9]*/avg_ttl=N/')
    got=$(cli "$RESPD_PORT" INFO keyspace | sed 's/avg_ttl=[0-9]*/avg_ttl=N/')
    check_eq "INFO keyspace counts keys and expires" "$want" "$got"
    got=$(cli "$RESPD_PORT" INFO | grep -c '^# ')
    check "INFO without arguments has sections" test "$got" -gt 0
}

# --- redis-cli reading commands on stdin ---------------------------------

cli_stdin() {
    same_stdin "commands read from stdin run in order" \
        'SET s 1\nINCR s\nINCRBY s 10\nGET s\nDEL s\nGET s\n'
    same_stdin "quoted arguments on stdin" \
        'SET q "hello world"\nGET q\nSTRLEN q\nAPPEND q " !"\nGET q\n'
    same_stdin "errors on stdin do not stop the rest" \
        'SET e x\nINCR e\nGET e\n'
}

# --- redis-cli -n, -3, -a -------------------------------------------------

cli_options() {
    same "-n 2 SET writes database 2" -n 2 SET only2 yes
    same "-n 2 GET reads database 2" -n 2 GET only2
    same "database 0 does not see database 2" GET only2
    same "-n 2 DBSIZE" -n 2 DBSIZE
    same "-3 GET of a missing key" -3 GET missing
    same "-3 CONFIG GET prints the map" -3 CONFIG GET maxclients
    same "-3 MGET with a missing key" -3 MGET a missing
}

# start_locked NAME PORT COMMAND...: like lib.sh's lib_start for a server
# with requirepass, which answers PING with NOAUTH rather than PONG.
start_locked() {
    local name=$1 port=$2 i
    shift 2
    SERVER_LOG=$LIB_TMP/$name-$port.log
    "$@" --port "$port" --save "" --dir "$LIB_TMP" >"$SERVER_LOG" 2>&1 &
    LIB_PIDS+=("$!")
    for i in $(seq 1 200); do
        if [[ $(cli "$port" PING) == NOAUTH* ]]; then
            return 0
        fi
        sleep 0.05
    done
    echo "start_locked: $name on port $port did not start; log:" >&2
    sed 's/^/    /' "$SERVER_LOG" >&2
    exit 1
}

cli_requirepass() {
    local saved_respd=$RESPD_PORT saved_redis=$REDIS_PORT
    RESPD_PORT=$(free_port) || exit 1
    start_locked respd "$RESPD_PORT" "$RESPD" --requirepass pass
    REDIS_PORT=$(free_port) || exit 1
    start_locked redis "$REDIS_PORT" redis-server --requirepass pass \
        --appendonly no --bind 127.0.0.1
    same "without -a a command gets NOAUTH" PING
    same "-a with the right password runs the command" \
        -a pass --no-auth-warning PING
    same "-a with a wrong password prints AUTH failed" \
        -a wrong --no-auth-warning PING
    same "-a with -3 authenticates and switches protocol" \
        -a pass --no-auth-warning -3 GET missing
    RESPD_PORT=$saved_respd
    REDIS_PORT=$saved_redis
}

# --- redis-cli --pipe and --scan -------------------------------------------

# PIPE_COUNT SET commands in RESP, as mass-insertion tools write them.
pipe_input() {
    awk -v n="$PIPE_COUNT" 'BEGIN {
        for (i = 0; i < n; i++) {
            k = "key:" i; v = "value:" i
            printf "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n",
                length(k), k, length(v), v
        }
    }'
}

cli_pipe() {
    local input=$LIB_TMP/pipe.resp out
    pipe_input >"$input"
    out=$(timeout 120 redis-cli -p "$RESPD_PORT" --pipe <"$input" 2>&1)
    check "--pipe of $PIPE_COUNT SETs reports no errors" \
        grep -q "errors: 0, replies: $PIPE_COUNT" <<<"$out"
    [[ $out == *"errors: 0, replies: $PIPE_COUNT"* ]] || echo "    $out"
    timeout 120 redis-cli -p "$REDIS_PORT" --pipe <"$input" >/dev/null 2>&1
    same "DBSIZE after --pipe" DBSIZE
    same "a key written by --pipe" GET key:99999
}

cli_scan() {
    local count
    count=$(cli "$RESPD_PORT" --scan | wc -l)
    check_eq "--scan lists every key" \
        "$(cli "$REDIS_PORT" --scan | wc -l)" "$count"
    same_sorted "--scan --pattern lists the matching keys" \
        --scan --pattern 'key:999*'
    same_sorted "--scan --count 10 --pattern" \
        --scan --count 10 --pattern 'key:1234*'
}

# --- redis-benchmark -------------------------------------------------------

# bench DESCRIPTION ARGS...: redis-benchmark exits 0 without error lines.
bench() {
    local desc=$1 out status
    shift
    out=$(timeout 120 redis-benchmark -p "$RESPD_PORT" -q \
        -n "$BENCH_REQUESTS" "$@" 2>&1)
    status=$?
    if ((status == 0)) && ! grep -qi 'error' <<<"$out"; then
        check "$desc" true
    else
        check "$desc" false
        sed 's/^/    /' <<<"$out" | tail -n 5
    fi
}

benchmarks() {
    bench "redis-benchmark -t ping,set,get,incr,mset" -t ping,set,get,incr,mset
    bench "redis-benchmark -t ping,set,get,incr,mset -P 16" \
        -t ping,set,get,incr,mset -P 16
    bench "redis-benchmark -t lpush,rpush,lpop,rpop,hset,lrange" \
        -t lpush,rpush,lpop,rpop,hset,lrange
}

# --- the judge pipeline's flow, as the article types it into redis-cli ----

cli_article_flow() {
    same "LPUSH problems 1" LPUSH problems 1
    same "LPUSH problems 2" LPUSH problems 2
    same "RPOP problems gives the first pushed" RPOP problems
    same "HSET of a user record" \
        HSET user:100 name "John Doe" email "user@example.com" age 30
    same "HGET of one field" HGET user:100 email
    same_sorted "HGETALL of the record" HGETALL user:100
    cli "$RESPD_PORT" DEL problems >/dev/null

    # BRPOP in one redis-cli blocks until another pushes, then prints the
    # key and the element.
    local out pid start elapsed
    start=$SECONDS
    cli "$RESPD_PORT" BRPOP problems 0 >"$LIB_TMP/brpop.out" &
    pid=$!
    sleep 0.5
    check "BRPOP is still waiting before the push" kill -0 "$pid"
    cli "$RESPD_PORT" LPUSH problems 7 >/dev/null
    wait "$pid"
    out=$(cat "$LIB_TMP/brpop.out")
    elapsed=$((SECONDS - start))
    check_eq "BRPOP prints the key and the element after the push" \
        "$(printf 'problems\n7')" "$out"
    check "BRPOP returned as soon as the element came" test "$elapsed" -lt 5
}

start_pair
cli_arguments
cli_info
cli_stdin
cli_options
cli_pipe
cli_scan
cli_requirepass
cli_article_flow
benchmarks
finish
