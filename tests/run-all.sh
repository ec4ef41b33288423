#!/usr/bin/env bash
# run-all.sh -- run every test suite in order and add up the results.
#
#   BIN=bin tests/run-all.sh        (what `make test` runs, after building)
#
# Suites, in order: the Criterion unit tests ($BIN/unit-tests), the
# Criterion integration tests ($BIN/integration-tests), the client library's
# integration tests again against redis-server, each
# tests/shell/*.sh, the differential tests against redis-server
# (tests/compat/run.sh), the client interop tests (tests/interop/run.sh)
# and the data-file interop tests (tests/interop/persistence.sh).
# Each suite's own output is shown as it runs; then one line per suite with
# its counts and duration, and last the totals as "N passed, N failed",
# the line CI reads.  A suite that is missing, crashes, times out or prints
# no counts counts as one failure, so a broken suite cannot pass silently.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 1
BIN=${BIN:-bin}
bin_dir=$BIN
if [[ $bin_dir != /* ]]; then
    bin_dir=$root/$bin_dir
fi
export BIN RESPD=${RESPD:-$bin_dir/respd}

# Per-suite limits in seconds; together well under CI's budget, and a hung
# suite fails instead of stalling the run.
CRITERION_LIMIT=300
SHELL_LIMIT=180
COMPAT_LIMIT=300
INTEROP_LIMIT=300

total_passed=0
total_failed=0
summary=()
log=$(mktemp "${TMPDIR:-/tmp}/run-all.XXXXXX")
trap 'rm -f "$log"' EXIT

# counts_criterion FILE: print "passed failed" from Criterion's synthesis
# line ("Tested: 3 | Passing: 1 | Failing: 2 | Crashing: 1"; crashes are
# already among the failures).
counts_criterion() {
    local n=' *\([0-9][0-9]*\) *'
    local re="Synthesis: Tested:$n|  *Passing:$n|  *Failing:$n"
    sed -n "s/.*$re.*/\\2 \\3/p" "$1" | tail -n 1
}

# counts_plain FILE: print "passed failed" from the last "N passed, N
# failed" line.
counts_plain() {
    local n='\([0-9][0-9]*\)' word='\([A-Za-z-]*: \)\{0,1\}'
    sed -n "s/^$word$n passed, $n failed.*\$/\\2 \\3/p" "$1" | tail -n 1
}

# run_suite NAME KIND LIMIT COMMAND...: run COMMAND with its output shown
# and kept, then record its counts (KIND criterion or plain).
run_suite() {
    local name=$1 kind=$2 limit=$3
    shift 3
    local start end status counts passed failed note=""

    echo "=== $name"
    start=$(date +%s.%N)
    timeout --kill-after=10 "$limit" "$@" </dev/null 2>&1 | tee "$log"
    status=${PIPESTATUS[0]}
    end=$(date +%s.%N)

    counts=$(counts_"$kind" "$log")
    passed=${counts% *}
    failed=${counts#* }
    if [[ -z $counts ]]; then
        passed=0
        failed=0
    fi
    if ((status == 124 || status == 137)); then
        failed=$((failed + 1))
        note=" (timed out after ${limit}s)"
    elif [[ -z $counts ]]; then
        failed=1
        note=" (no counts printed, status $status)"
    elif ((status != 0 && failed == 0)); then
        failed=1
        note=" (exited with status $status)"
    fi
    record "$name" "$passed" "$failed" "$(elapsed "$start" "$end")" "$note"
}

elapsed() {
    awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1fs", b - a }'
}

record() {
    total_passed=$((total_passed + $2))
    total_failed=$((total_failed + $3))
    summary+=("$(printf '%-28s %5d passed, %3d failed  %7s%s' "$1" "$2" "$3" \
        "$4" "$5")")
}

# missing NAME WHAT: a suite that should exist and does not.
missing() {
    echo "=== $1"
    echo "$2 is missing (run make test, which builds it)"
    record "$1" 0 1 "0.0s" " (missing)"
}

if [[ -x $bin_dir/unit-tests ]]; then
    run_suite unit criterion "$CRITERION_LIMIT" "$bin_dir/unit-tests" \
        --ascii --color=never -S
else
    missing unit "$bin_dir/unit-tests"
fi

if [[ -x $bin_dir/integration-tests ]]; then
    run_suite integration criterion "$CRITERION_LIMIT" \
        "$bin_dir/integration-tests" --ascii --color=never -S
else
    missing integration "$bin_dir/integration-tests"
fi

# The client library's integration tests once more against redis-server:
# the library must work with the real Redis as well as with respd.
if [[ -x $bin_dir/integration-tests ]] &&
    command -v redis-server >/dev/null; then
    run_suite client-vs-redis criterion "$CRITERION_LIMIT" \
        env RESPD="$(command -v redis-server)" "$bin_dir/integration-tests" \
        --ascii --color=never -S --filter 'client_lib/*'
else
    missing client-vs-redis "redis-server or $bin_dir/integration-tests"
fi

for script in tests/shell/*.sh; do
    [[ -e $script ]] || continue
    run_suite "shell/$(basename "$script" .sh)" plain "$SHELL_LIMIT" \
        bash "$script"
done

run_suite compat plain "$COMPAT_LIMIT" bash tests/compat/run.sh

if [[ -f tests/interop/run.sh ]]; then
    run_suite interop plain "$INTEROP_LIMIT" bash tests/interop/run.sh
else
    missing interop tests/interop/run.sh
fi

run_suite interop-persistence plain "$INTEROP_LIMIT" \
    bash tests/interop/persistence.sh

echo
echo "=== summary"
printf '%s\n' "${summary[@]}"
echo "$total_passed passed, $total_failed failed"
((total_failed == 0))
