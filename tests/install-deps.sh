#!/bin/sh
# install-deps.sh -- make sure the tools the test suites need are present.
#
# Needs: Criterion (unit and integration tests), redis-server (the reference
# the differential tests compare against), redis-cli and redis-benchmark
# (interop tests, benchmarks), gcc and python3 (the judge runs submissions
# with them, found along a fixed PATH rather than the caller's, hence the
# test for /usr/bin).  As root the missing Debian packages are installed;
# otherwise the script names them and fails, since the suites cannot run
# without them.
#
# Installing redis-server normally starts a service on port 6379.  The tests
# never use fixed ports, but a stray service is still a surprise on a
# developer's machine, so the install runs with a policy-rc.d that forbids
# service starts, and any instance that started anyway is stopped.
set -eu

missing=""
need() {
    # need PACKAGE TEST...: add PACKAGE unless the test command succeeds.
    pkg=$1
    shift
    if ! "$@" >/dev/null 2>&1; then
        case " $missing " in
        *" $pkg "*) ;;
        *) missing="$missing $pkg" ;;
        esac
    fi
}

need libcriterion-dev test -f /usr/include/criterion/criterion.h
need redis-tools command -v redis-cli
need redis-tools command -v redis-benchmark
need redis-server command -v redis-server
need gcc test -x /usr/bin/gcc
need python3 test -x /usr/bin/python3

if [ -z "$missing" ]; then
    echo "install-deps: all test dependencies present"
    exit 0
fi

if [ "$(id -u)" != 0 ]; then
    echo "install-deps: missing test dependencies; install them with:" >&2
    echo "    sudo apt-get install -y$missing" >&2
    exit 1
fi

# Forbid service starts during the install unless a policy already exists
# (container images often ship one; it is left as it is).
policy=/usr/sbin/policy-rc.d
own_policy=no
if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    own_policy=yes
fi
cleanup() {
    if [ "$own_policy" = yes ]; then
        rm -f "$policy"
    fi
}
trap cleanup EXIT

echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update
# The full set is named so that packages which depend on each other come
# from the same release.
apt-get install -y --no-install-recommends libcriterion-dev redis-tools \
    redis-server gcc python3

# A service manager that ignored the policy may still have started one.
if command -v systemctl >/dev/null 2>&1 &&
    systemctl is-active --quiet redis-server 2>/dev/null; then
    systemctl stop redis-server || true
    systemctl disable redis-server >/dev/null 2>&1 || true
elif command -v service >/dev/null 2>&1; then
    service redis-server stop >/dev/null 2>&1 || true
fi

echo "install-deps: done"
