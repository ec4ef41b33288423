#!/usr/bin/env bash
# bench/run.sh -- compare respd with redis-server (`make bench`).
#
#   RESPD=path/to/respd bash bench/run.sh
#
# Knobs (environment): ROUNDS (5), REQUESTS (200000) per redis-benchmark
# test, PIPELINE (16), AOF_REQUESTS (100000; a fifth of it with appendfsync
# always) for the runs with the AOF on, CG_REQUESTS (20000) and CG_BASELINE
# (2000) for the callgrind runs, SKIP_THROUGHPUT=1, SKIP_AOF=1 or
# SKIP_CALLGRIND=1 to leave a part out.
# bench/README.md explains what is measured and how to read the numbers.
if [ -z "${BASH_VERSION:-}" ]; then
    exec bash "$0" "$@"
fi
set -u
cd "$(dirname "$0")/.." || exit 1
# make passes BIN, which may be an absolute path (BIN=/tmp/bin-x).
if [[ -z ${RESPD:-} && -n ${BIN:-} ]]; then
    case $BIN in
    /*) RESPD=$BIN/respd ;;
    *) RESPD=$PWD/$BIN/respd ;;
    esac
fi
. tests/lib.sh

ROUNDS=${ROUNDS:-5}
REQUESTS=${REQUESTS:-200000}
PIPELINE=${PIPELINE:-16}
CG_REQUESTS=${CG_REQUESTS:-20000}
CG_BASELINE=${CG_BASELINE:-2000}
AOF_REQUESTS=${AOF_REQUESTS:-100000}
TESTS=ping,set,get,incr,mset
RESULTS=$LIB_TMP/throughput.csv

progress() {
    echo "bench: $*" >&2
}

# --- throughput --------------------------------------------------------------

# run_benchmark SERVER PORT ROUND MODE ARGS...: one redis-benchmark run;
# appends "mode,round,server,test,rps" lines to $RESULTS.
run_benchmark() {
    local server=$1 port=$2 round=$3 mode=$4
    shift 4
    local out
    if ! out=$(redis-benchmark -p "$port" -t "$TESTS" -n "$REQUESTS" -q \
        --csv "$@" 2>&1); then
        progress "redis-benchmark failed against $server:"
        echo "$out" >&2
        exit 1
    fi
    awk -F'","' -v m="$mode" -v r="$round" -v s="$server" '
        NR > 1 { gsub(/"/, ""); print m "," r "," s "," $1 "," $2 }
    ' <<<"$out" >>"$RESULTS"
}

# Alternate the servers so drift in machine load hits both alike.
throughput() {
    local respd_port redis_port round mode
    respd_port=$(free_port) && start_respd "$respd_port" || exit 1
    redis_port=$(free_port) && start_redis "$redis_port" || exit 1
    for round in $(seq 1 "$ROUNDS"); do
        for mode in unpipelined pipelined; do
            local extra=()
            [[ $mode == pipelined ]] && extra=(-P "$PIPELINE")
            progress "round $round/$ROUNDS, $mode: respd"
            run_benchmark respd "$respd_port" "$round" "$mode" "${extra[@]}"
            progress "round $round/$ROUNDS, $mode: redis-server"
            run_benchmark redis "$redis_port" "$round" "$mode" "${extra[@]}"
        done
    done
}

# The same with the AOF on, both servers with the same appendfsync: the
# cost of logging every write (and, for always, of one fdatasync per loop
# iteration, shared by all clients) next to Redis's.  Fewer requests for
# always: each round waits on the disk.
AOF_TESTS=set,lpush,hset
throughput_aof() {
    local fsync respd_port redis_port round n
    for fsync in everysec always; do
        n=$AOF_REQUESTS
        [[ $fsync == always ]] && n=$((AOF_REQUESTS / 5))
        respd_port=$(free_port) &&
            start_respd "$respd_port" --appendonly yes --appendfsync "$fsync" ||
            exit 1
        redis_port=$(free_port) &&
            start_redis "$redis_port" --appendonly yes --appendfsync "$fsync" ||
            exit 1
        for round in $(seq 1 "$ROUNDS"); do
            progress "round $round/$ROUNDS, aof-$fsync: respd"
            TESTS=$AOF_TESTS REQUESTS=$n run_benchmark respd "$respd_port" \
                "$round" "aof-$fsync"
            progress "round $round/$ROUNDS, aof-$fsync: redis-server"
            TESTS=$AOF_TESTS REQUESTS=$n run_benchmark redis "$redis_port" \
                "$round" "aof-$fsync"
        done
    done
}

# Median per (mode, test) of respd's rps, redis's rps and their per-round
# ratio.
throughput_report() {
    echo
    echo "Throughput, requests/s (median of $ROUNDS rounds, $REQUESTS" \
        "requests, 50 clients; pipelined = -P $PIPELINE; aof-* = appendonly" \
        "yes with that appendfsync, $AOF_REQUESTS requests, always a fifth)"
    printf '%-12s %-16s %12s %12s %8s\n' mode test respd redis ratio
    awk -F, '
        function median(list,    a, n, i, j, t) {
            n = split(list, a, " ")
            for (i = 2; i <= n; i++)
                for (j = i; j > 1 && a[j-1] + 0 > a[j] + 0; j--) {
                    t = a[j]; a[j] = a[j-1]; a[j-1] = t
                }
            return n % 2 ? a[(n + 1) / 2] : (a[n/2] + a[n/2 + 1]) / 2
        }
        { rps[$1 "," $4 "," $3 "," $2] = $5; key[$1 "," $4] = 1
          order[$1 "," $4] = order[$1 "," $4] ? order[$1 "," $4] : NR
          rounds[$2] = 1 }
        END {
            for (k in key) {
                mine = ""; theirs = ""; ratios = ""
                for (r in rounds) {
                    a = rps[k ",respd," r]; b = rps[k ",redis," r]
                    mine = mine " " a; theirs = theirs " " b
                    if (b > 0) ratios = ratios " " a / b
                }
                split(k, mt, ",")
                printf "%08d %-12s %-16s %12.0f %12.0f %8.2f\n", order[k],
                    mt[1], mt[2], median(mine), median(theirs),
                    median(ratios)
            }
        }' "$RESULTS" | sort | cut -c10-
    echo "(ratio = respd / redis; above 1 means respd is faster)"
}

# --- instructions per request under callgrind --------------------------------

# cg_run NAME TEST N: start NAME (respd or redis) under callgrind, send N
# requests of TEST from one client, stop it with SIGTERM so callgrind
# writes its profile, and set CG_IR to the instructions it counted.
cg_run() {
    local name=$1 test=$2 n=$3 port out pid
    port=$(free_port) || exit 1
    out=$LIB_TMP/callgrind.$name.$test.$n
    local binary=$RESPD
    [[ $name == redis ]] && binary=redis-server
    valgrind --tool=callgrind --callgrind-out-file="$out" "$binary" \
        --port "$port" --bind 127.0.0.1 --save "" --appendonly no \
        --dir "$LIB_TMP" >"$out.log" 2>&1 &
    pid=$!
    LIB_PIDS+=("$pid")
    if ! wait_ready "$port" 120; then
        progress "$name did not start under callgrind:"
        cat "$out.log" >&2
        exit 1
    fi
    redis-cli -p "$port" SET key:__rand_int__ xxx >/dev/null
    if ((n > 0)); then
        redis-benchmark -p "$port" -c 1 -n "$n" -t "$test" -q >/dev/null
    fi
    kill -TERM "$pid"
    wait "$pid" 2>/dev/null
    CG_IR=$(awk '/^(summary|totals):/ { print $2; exit }' "$out")
    if [[ -z $CG_IR ]]; then
        progress "no instruction count in $out"
        exit 1
    fi
}

# Instructions per request: (Ir with N requests - Ir with the baseline
# count) / (N - baseline), which cancels start-up, shutdown and the set-up
# connection redis-benchmark opens.
callgrind() {
    local name test base full
    CG_TABLE=()
    for test in set get; do
        for name in respd redis; do
            progress "callgrind: $name, $CG_BASELINE $test requests"
            cg_run "$name" "$test" "$CG_BASELINE"
            base=$CG_IR
            progress "callgrind: $name, $CG_REQUESTS $test requests"
            cg_run "$name" "$test" "$CG_REQUESTS"
            full=$CG_IR
            CG_TABLE+=("$test $name $(((full - base) /
                (CG_REQUESTS - CG_BASELINE)))")
        done
    done
}

callgrind_report() {
    echo
    echo "Instructions per request under callgrind (one client," \
        "$CG_REQUESTS vs $CG_BASELINE requests)"
    printf '%-6s %12s %12s %8s\n' test respd redis ratio
    printf '%s\n' "${CG_TABLE[@]}" | awk '
        { ir[$1 "," $2] = $3; if (!seen[$1]++) tests[++n] = $1 }
        END {
            for (i = 1; i <= n; i++) {
                t = tests[i]; a = ir[t ",respd"]; b = ir[t ",redis"]
                ratio = a > 0 ? b / a : 0
                printf "%-6s %12d %12d %8.2f\n", t, a, b, ratio
            }
        }'
    echo "(ratio = redis / respd; above 1 means respd needs fewer" \
        "instructions)"
}

command -v redis-benchmark >/dev/null && command -v redis-server >/dev/null ||
    { echo "bench: redis-server and redis-benchmark are needed" >&2; exit 1; }
[[ -x $RESPD ]] || { echo "bench: $RESPD is not built" >&2; exit 1; }

if [[ ${SKIP_THROUGHPUT:-0} != 1 ]]; then
    throughput
fi
if [[ ${SKIP_AOF:-0} != 1 ]]; then
    throughput_aof
fi
if [[ ${SKIP_THROUGHPUT:-0} != 1 || ${SKIP_AOF:-0} != 1 ]]; then
    throughput_report
fi
if [[ ${SKIP_CALLGRIND:-0} != 1 ]]; then
    command -v valgrind >/dev/null ||
        { echo "bench: valgrind is needed" >&2; exit 1; }
    callgrind
    callgrind_report
fi
