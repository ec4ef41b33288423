#!/usr/bin/env bash
# test_config.sh -- the configuration module against redis-server 7.0.15:
# defaults, config files (comments, quotes, include), command-line options,
# fatal errors (compared with what the real redis-server prints for the same
# input), and CONFIG GET / SET / RESETSTAT / HELP.
#
# Usage: RESPD=./bin/respd tests/shell/test_config.sh
# Prints "ok - ..." / "not ok - ..." per check and "N passed, N failed";
# exits non-zero when any check failed.  Needs redis-cli; the comparisons
# with redis-server are skipped (and said so) when it is not installed.

RESPD=${RESPD:-./bin/respd}
REDIS_SERVER=${REDIS_SERVER:-redis-server}
CLI=${REDIS_CLI:-redis-cli}

case $RESPD in /*) ;; *) RESPD=$PWD/$RESPD ;; esac
if [ ! -x "$RESPD" ]; then
    echo "not ok - respd binary $RESPD is missing"
    echo "0 passed, 1 failed"
    exit 1
fi
HAVE_REDIS=1
command -v "$REDIS_SERVER" >/dev/null 2>&1 || HAVE_REDIS=0

TMP=$(mktemp -d /tmp/test_config.XXXXXX)
PIDS=()
passed=0
failed=0

cleanup() {
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    done
    rm -rf "$TMP"
}
trap cleanup EXIT

ok() {
    echo "ok - $1"
    passed=$((passed + 1))
}

not_ok() {
    echo "not ok - $1"
    shift
    for line in "$@"; do
        printf '#   %s\n' "$line"
    done
    failed=$((failed + 1))
}

# check NAME EXPECTED ACTUAL
check() {
    if [ "$2" == "$3" ]; then
        ok "$1"
    else
        not_ok "$1" "expected: $(printf '%q' "$2")" "actual:   $(printf '%q' "$3")"
    fi
}

# check_contains NAME NEEDLE HAYSTACK
check_contains() {
    case $3 in
    *"$2"*) ok "$1" ;;
    *) not_ok "$1" "expected to contain: $2" "actual: $(printf '%q' "$3")" ;;
    esac
}

skip() {
    echo "ok - $1 # skip $2"
    passed=$((passed + 1))
}

port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

free_port() {
    local p
    while :; do
        p=$((7000 + RANDOM % 3000))
        port_in_use "$p" || { echo "$p"; return; }
    done
}

# start_server BINARY PORT ARGS... : start in the background (cwd $TMP),
# wait until it answers PING.  Sets SERVER_PID.  Returns 1 if it never does.
start_server() {
    local bin=$1 port=$2
    shift 2
    (cd "$TMP" && exec "$bin" "$@" >>"$TMP/server-$port.log" 2>&1) &
    SERVER_PID=$!
    PIDS+=("$SERVER_PID")
    for _ in $(seq 50); do
        "$CLI" -p "$port" ping 2>/dev/null | grep -q -e PONG -e NOAUTH && return 0
        sleep 0.1
    done
    return 1
}

stop_server() {
    kill "$1" 2>/dev/null
    wait "$1" 2>/dev/null
}

cli() {
    local port=$1
    shift
    "$CLI" -p "$port" "$@" 2>&1
}

# config_value PORT NAME: the value CONFIG GET answers.
config_value() {
    "$CLI" -p "$1" config get "$2" 2>&1 | sed -n 2p
}

# --- defaults ----------------------------------------------------------------

test_defaults() {
    local port
    port=$(free_port)
    if ! start_server "$RESPD" "$port" --port "$port"; then
        not_ok "respd starts with --port $port"
        return
    fi
    local expect="bind=127.0.0.1 -::1
unixsocket=
unixsocketperm=0
requirepass=
maxclients=10000
databases=16
timeout=0
tcp-keepalive=300
tcp-backlog=511
loglevel=notice
logfile=
dir=$TMP
daemonize=no
pidfile=
proto-max-bulk-len=536870912
client-query-buffer-limit=1073741824
hz=10
save=3600 1 300 100 60 10000
appendonly=no
dbfilename=dump.rdb
rdbcompression=yes
rdbchecksum=yes
stop-writes-on-bgsave-error=yes
appendfilename=appendonly.aof
appenddirname=appendonlydir
appendfsync=everysec
no-appendfsync-on-rewrite=no
auto-aof-rewrite-percentage=100
auto-aof-rewrite-min-size=67108864
aof-load-truncated=yes
aof-use-rdb-preamble=yes
aof-timestamp-enabled=no"
    while IFS='=' read -r name value; do
        check "default $name is '$value'" "$value" "$(config_value "$port" "$name")"
    done <<<"$expect"
    check "CONFIG GET port answers the port" "$port" "$(config_value "$port" port)"
    stop_server "$SERVER_PID"
}

# --- config files ------------------------------------------------------------

test_file_values() {
    local port
    port=$(free_port)
    mkdir -p "$TMP/data"
    cat >"$TMP/full.conf" <<EOF
# a comment, then a blank line

   # an indented comment
PORT $port
hz 20
maxclients 50
timeout 30
loglevel VERBOSE
databases 4
tcp-keepalive 60
tcp-backlog 128
proto-max-bulk-len 2mb
client-query-buffer-limit 1GB
unixsocket $TMP/respd.sock
unixsocketperm 700
pidfile $TMP/respd.pid
daemonize NO
appendonly no
save ""
requirepass "p w\\x41"
dir data
EOF
    if ! start_server "$RESPD" "$port" "$TMP/full.conf"; then
        not_ok "respd starts with a full config file" "$(tail -5 "$TMP/server-$port.log")"
        return
    fi
    local a=(-a "p wA" --no-auth-warning)
    check "file: hz" "20" "$(cli "$port" "${a[@]}" config get hz | sed -n 2p)"
    check "file: maxclients" "50" "$(cli "$port" "${a[@]}" config get maxclients | sed -n 2p)"
    check "file: timeout" "30" "$(cli "$port" "${a[@]}" config get timeout | sed -n 2p)"
    check "file: enum value is case-insensitive" "verbose" "$(cli "$port" "${a[@]}" config get loglevel | sed -n 2p)"
    check "file: databases" "4" "$(cli "$port" "${a[@]}" config get databases | sed -n 2p)"
    check "file: tcp-keepalive" "60" "$(cli "$port" "${a[@]}" config get tcp-keepalive | sed -n 2p)"
    check "file: tcp-backlog" "128" "$(cli "$port" "${a[@]}" config get tcp-backlog | sed -n 2p)"
    check "file: memory unit mb is 1024*1024" "2097152" "$(cli "$port" "${a[@]}" config get proto-max-bulk-len | sed -n 2p)"
    check "file: memory unit GB is case-insensitive" "1073741824" "$(cli "$port" "${a[@]}" config get client-query-buffer-limit | sed -n 2p)"
    check "file: unixsocket" "$TMP/respd.sock" "$(cli "$port" "${a[@]}" config get unixsocket | sed -n 2p)"
    check "file: unixsocketperm is octal" "700" "$(cli "$port" "${a[@]}" config get unixsocketperm | sed -n 2p)"
    check "file: pidfile" "$TMP/respd.pid" "$(cli "$port" "${a[@]}" config get pidfile | sed -n 2p)"
    check "file: quoted requirepass with escapes" "p wA" "$(cli "$port" "${a[@]}" config get requirepass | sed -n 2p)"
    check "file: dir is answered as the absolute cwd" "$TMP/data" "$(cli "$port" "${a[@]}" config get dir | sed -n 2p)"
    check "file: unix socket answers" "PONG" "$("$CLI" -s "$TMP/respd.sock" "${a[@]}" ping 2>&1)"
    check "file: a password is required" "NOAUTH Authentication required." "$(cli "$port" get k)"
    stop_server "$SERVER_PID"
}

test_include() {
    local port
    port=$(free_port)
    mkdir -p "$TMP/conf.d"
    printf 'hz 33\ninclude inc2.conf\ntimeout 9\n' >"$TMP/inc1.conf"
    printf 'timeout 7\ntcp-keepalive 77\n' >"$TMP/inc2.conf"
    printf 'maxclients 123\n' >"$TMP/conf.d/a.conf"
    printf 'databases 5\n' >"$TMP/conf.d/b.conf"
    printf 'port %s\ninclude inc1.conf\ninclude conf.d/*.conf\ninclude conf.d/none-*.conf\nhz 44\n' \
        "$port" >"$TMP/main.conf"
    if ! start_server "$RESPD" "$port" main.conf; then
        not_ok "respd starts with nested includes" "$(tail -5 "$TMP/server-$port.log")"
        return
    fi
    check "include: later line in main file overrides the include" "44" "$(config_value "$port" hz)"
    check "include: line after a nested include overrides it" "9" "$(config_value "$port" timeout)"
    check "include: nested include is read" "77" "$(config_value "$port" tcp-keepalive)"
    check "include: glob pattern reads every match" "123 5" \
        "$(config_value "$port" maxclients) $(config_value "$port" databases)"
    stop_server "$SERVER_PID"
}

# --- the command line --------------------------------------------------------

test_command_line() {
    local port out
    port=$(free_port)
    printf 'port %s\nhz 20\ntimeout 5\n' "$port" >"$TMP/cl.conf"
    if start_server "$RESPD" "$port" cl.conf --hz 44 "--timeout 6" --save "" \
        --bind 127.0.0.1 -::1 --requirepass "a b" --appendonly no --save; then
        local a=(-a "a b" --no-auth-warning)
        check "options override the file" "44" "$(cli "$port" "${a[@]}" config get hz | sed -n 2p)"
        check "an option and its value in one argument" "6" "$(cli "$port" "${a[@]}" config get timeout | sed -n 2p)"
        check "--bind takes several values" "127.0.0.1 -::1" "$(cli "$port" "${a[@]}" config get bind | sed -n 2p)"
        check "an option value with a space" "a b" "$(cli "$port" "${a[@]}" config get requirepass | sed -n 2p)"
        check "--save as the last option means save \"\"" "" "$(cli "$port" "${a[@]}" config get save | sed -n 2p)"
        stop_server "$SERVER_PID"
    else
        not_ok "respd starts with file and options" "$(tail -5 "$TMP/server-$port.log")"
    fi
    out=$(cd "$TMP" && "$RESPD" --port "$(free_port)" --appendonly 2>&1)
    check_contains "an option without its value is refused" "wrong number of arguments" "$out"

    port=$(free_port)
    if start_server "$RESPD" "$port" --port "$port" --save --hz 12; then
        check "--save followed by an option means save \"\"" "12" "$(config_value "$port" hz)"
        stop_server "$SERVER_PID"
    else
        not_ok "--save followed by an option means save \"\""
    fi

    port=$(free_port)
    printf 'hz 13\nport %s\n' "$port" >"$TMP/stdin.conf"
    (cd "$TMP" && exec "$RESPD" - --timeout 3 <stdin.conf >>"$TMP/stdin.log" 2>&1) &
    local pid=$!
    PIDS+=("$pid")
    for _ in $(seq 30); do
        "$CLI" -p "$port" ping >/dev/null 2>&1 && break
        sleep 0.1
    done
    check "'-' reads the config from stdin, then options" "13 3" \
        "$(config_value "$port" hz) $(config_value "$port" timeout)"
    stop_server "$pid"

    out=$("$RESPD" -v 2>&1)
    check "-v exits 0" "0" "$?"
    check_contains "-v prints the version" "v=7.0.15" "$out"
    out=$("$RESPD" --version 2>&1)
    check_contains "--version prints the version" "v=7.0.15" "$out"
    out=$("$RESPD" -h 2>&1 >/dev/null)
    check "-h exits 1 as redis-server" "1" "$?"
    check_contains "-h prints usage on stderr" "Usage:" "$out"
    out=$("$RESPD" --help 2>&1 >/dev/null)
    check_contains "--help prints usage on stderr" "Usage:" "$out"
}

# --- fatal errors, compared with redis-server ---------------------------------

# Run BINARY with ARGS in $TMP, at most 3 seconds; prints "rc" then stderr.
run_fatal() {
    local bin=$1
    shift
    (cd "$TMP" && timeout 3 "$bin" "$@" 2>"$TMP/fatal.err" >"$TMP/fatal.out" </dev/null)
    echo "rc=$?"
    cat "$TMP/fatal.err"
}

# What is allowed to differ: the file name respd adds.
normalize() {
    sed -E 's/^Reading the configuration file [^,]+, at line/Reading the configuration file, at line/'
}

# compare_fatal NAME CONTENT [ARGS...]: write CONTENT to bad.conf, run both
# servers on it (with ARGS after it), compare exit status and stderr.
compare_fatal() {
    local name=$1 content=$2 mine theirs
    shift 2
    printf '%b' "$content" >"$TMP/bad.conf"
    mine=$(run_fatal "$RESPD" "$TMP/bad.conf" "$@")
    if [ "$HAVE_REDIS" = 1 ]; then
        theirs=$(run_fatal "$REDIS_SERVER" "$TMP/bad.conf" "$@")
    else
        theirs=$mine
    fi
    check "fatal error as redis-server: $name" "$theirs" "$(normalize <<<"$mine")"
    FATAL_OUT=$mine
}

test_fatal_errors() {
    [ "$HAVE_REDIS" = 1 ] || skip "fatal errors compared with redis-server" "no $REDIS_SERVER"
    compare_fatal "port out of range" 'port 70000\n'
    check_contains "the error names the file" \
        "Reading the configuration file $TMP/bad.conf, at line 1" "$FATAL_OUT"
    compare_fatal "unknown directive" 'foo bar\n'
    compare_fatal "line number counts comments and blanks" '# c\n\nport abc\n'
    check_contains "the error names the file and line 3" \
        "Reading the configuration file $TMP/bad.conf, at line 3" "$FATAL_OUT"
    compare_fatal "boolean not yes/no" 'daemonize maybe\n'
    compare_fatal "missing argument" 'port\n'
    compare_fatal "too many arguments" 'port 1 2\n'
    compare_fatal "unbalanced quotes" 'port "abc\n'
    compare_fatal "closing quote followed by a letter" 'port "abc"x\n'
    compare_fatal "directive name case and surrounding blanks" '   PORT   abc   \n'
    compare_fatal "include without a file" 'include\n'
    compare_fatal "include with two files" 'include a b\n'
    compare_fatal "unixsocketperm not octal" 'unixsocketperm 999\n'
    compare_fatal "unixsocketperm above 0777" 'unixsocketperm 1777\n'
    compare_fatal "unixsocketperm negative" 'unixsocketperm -1\n'
    compare_fatal "seventeen bind addresses" \
        'bind 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17\n'
    compare_fatal "dir that does not exist" 'dir /nonexistent-dir\n'
    compare_fatal "unknown loglevel" 'loglevel foo\n'
    compare_fatal "memory value with a bad unit" 'proto-max-bulk-len 1x\n'
    compare_fatal "memory value negative" 'proto-max-bulk-len -5\n'
    compare_fatal "memory value empty" 'proto-max-bulk-len ""\n'
    compare_fatal "memory value below the minimum" 'client-query-buffer-limit 1023kb\n'
    compare_fatal "hz negative" 'hz -1\n'
    compare_fatal "databases zero" 'databases 0\n'
    compare_fatal "maxclients zero" 'maxclients 0\n'
    compare_fatal "tcp-backlog negative" 'tcp-backlog -1\n'
    compare_fatal "timeout above INT_MAX" 'timeout 2147483648\n'
    compare_fatal "integer with a leading zero" 'port 01\n'
    compare_fatal "integer with a plus sign" 'port +1\n'
    compare_fatal "integer with a space" 'port " 1"\n'
    compare_fatal "save with an odd count" 'save 1\n'
    compare_fatal "save with zero seconds" 'save 0 1\n'
    compare_fatal "save with a non-number" 'save x\n'
    compare_fatal "appendonly not yes/no" 'appendonly maybe\n'
    compare_fatal "requirepass with two arguments" 'requirepass a b\n'
    compare_fatal "log file that cannot be opened" 'logfile /nonexistent-dir/x.log\n'
    compare_fatal "error on a command-line option" '' --port 70000
    compare_fatal "option line number follows the file" 'hz 5\n\n' --port 1 --daemonize maybe
    check_contains "an option line is reported without the file" \
        "Reading the configuration file, at line 5" "$FATAL_OUT"
    compare_fatal "option with too many values" '' --port 1 2
    compare_fatal "option --port followed by -v" '' --port 7 -v

    printf 'hz 0x\n' >"$TMP/inc-bad.conf"
    compare_fatal "error inside an included file" 'port 1\ninclude inc-bad.conf\n'
    check_contains "the error names the included file, its own line" \
        "Reading the configuration file inc-bad.conf, at line 1" "$FATAL_OUT"

    local mine theirs
    mine=$(run_fatal "$RESPD" /nonexistent-dir/x.conf; sed 's/^.* # //' "$TMP/fatal.out")
    theirs=$mine
    if [ "$HAVE_REDIS" = 1 ]; then
        theirs=$(run_fatal "$REDIS_SERVER" /nonexistent-dir/x.conf; sed 's/^.* # //' "$TMP/fatal.out")
    fi
    check "missing config file: same exit status and message" "$theirs" "$mine"
    printf 'include /nonexistent-dir/y.conf\n' >"$TMP/bad.conf"
    mine=$(run_fatal "$RESPD" "$TMP/bad.conf"; sed 's/^.* # //' "$TMP/fatal.out")
    check_contains "missing include file" \
        "Fatal error, can't open config file '/nonexistent-dir/y.conf'" "$mine"

    # What respd refuses on its own: include loops.
    printf 'include loop.conf\n' >"$TMP/loop.conf"
    mine=$(run_fatal "$RESPD" "$TMP/loop.conf")
    check_contains "an include loop is a fatal error" "Too many nested includes" "$mine"
    check_contains "an include loop exits 1" "rc=1" "$mine"
}

# --- CONFIG SET and GET, compared with redis-server ----------------------------

# Commands whose replies must be identical on both servers.
CONFIG_SET_SCRIPT='config set foo 1
config set port
config set port 1 hz
config set daemonize yes
config set DAEMONIZE yes
config set port abc
config set PORT 70000
config set hz 5 hz 6
config set hz 5 HZ 6
config set hz abc port 1
config set foo 1 daemonize yes
config set daemonize yes foo 1
config set dir /nonexist
config set logfile x
config set hz 1000
config get hz
config set hz 0
config get hz
config set hz 10
config set loglevel foo
config set loglevel WARNING
config get loglevel
config set loglevel notice
config set maxclients 0
config set maxclients -1
config set maxclients 100
config get maxclients
config set maxclients 10000
config set timeout -1
config set timeout 007
config set proto-max-bulk-len 1k
config set proto-max-bulk-len 2MB
config get proto-max-bulk-len
config set proto-max-bulk-len 99999999999999999999
config set proto-max-bulk-len 9999999999gb
config set proto-max-bulk-len 99999999999999999999999gb
config set proto-max-bulk-len 1x
config set proto-max-bulk-len ""
config set proto-max-bulk-len 512mb
config set client-query-buffer-limit 1G
config get client-query-buffer-limit
config set client-query-buffer-limit 1gb
config set unixsocketperm 777
config set unixsocket /tmp/x
config set pidfile /tmp/x
config set tcp-backlog 5
config set databases 5
config set save "1 2 3"
config set save "0 2"
config set save "a b"
config set save ""
config get save
config set save "900 1 300 10"
config get save
config set save ""
config set dbfilename x.rdb
config set appendfilename x.aof
config set appenddirname d
config set rdbchecksum no
config set rdbcompression no
config get rdbcompression
config set rdbcompression yes
config set appendfsync sometimes
config set appendfsync always
config get appendfsync
config set appendfsync everysec
config set auto-aof-rewrite-percentage -1
config set auto-aof-rewrite-percentage 50
config get auto-aof-rewrite-percentage
config set auto-aof-rewrite-min-size 1mb
config get auto-aof-rewrite-min-size
config set aof-load-truncated no
config get aof-load-truncated
config set aof-use-rdb-preamble no
config get aof-use-rdb-preamble
config set stop-writes-on-bgsave-error no
config get stop-writes-on-bgsave-error
config set no-appendfsync-on-rewrite yes
config get no-appendfsync-on-rewrite
config set appendonly maybe
config set appendonly no
config get appendonly
config set requirepass ""
config set tcp-keepalive 100
config get tcp-keepalive
config set tcp-keepalive 300
config set hz 20 port abc
config get hz
config set timeout 5 timeout 6
config set enable-protected-configs yes
config get nosuch
config get
config get PORT
config get port PORT p*t
config get tim*ut
config resetstat
config foo
config
config resetstat x
config help x
config set bind "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17"'

run_script() {
    local port=$1 line
    while IFS= read -r line; do
        echo "> $line"
        eval "\"\$CLI\" -p $port $line" 2>&1 | sed "s/^$port\$/PORT/"
    done <<<"$CONFIG_SET_SCRIPT"
}

test_config_set_vs_redis() {
    if [ "$HAVE_REDIS" != 1 ]; then
        skip "CONFIG SET replies compared with redis-server" "no $REDIS_SERVER"
        return
    fi
    local rport mport rpid mpid
    rport=$(free_port)
    start_server "$REDIS_SERVER" "$rport" --port "$rport" --save "" \
        --appendonly no --bind 127.0.0.1 || { not_ok "redis-server starts"; return; }
    rpid=$SERVER_PID
    mport=$(free_port)
    start_server "$RESPD" "$mport" --port "$mport" --save "" \
        --appendonly no --bind 127.0.0.1 ||
        { not_ok "respd starts"; stop_server "$rpid"; return; }
    mpid=$SERVER_PID
    run_script "$rport" >"$TMP/redis.out"
    run_script "$mport" >"$TMP/respd.out"
    stop_server "$rpid"
    # One check per command, so a difference names its command.
    local n=0 cmd expected actual
    while IFS= read -r cmd; do
        n=$((n + 1))
        expected=$(awk -v n="$n" '/^> /{i++} i==n' "$TMP/redis.out")
        actual=$(awk -v n="$n" '/^> /{i++} i==n' "$TMP/respd.out")
        check "as redis-server: $cmd" "$expected" "$actual"
    done <<<"$CONFIG_SET_SCRIPT"

    # CONFIG HELP: Redis's lines, without REWRITE, which respd lacks.
    local help
    help=$(cli "$mport" config help)
    check "CONFIG HELP" "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:
GET <pattern>
    Return parameters matching the glob-like <pattern> and their values.
SET <directive> <value>
    Set the configuration <directive> to <value>.
RESETSTAT
    Reset statistics reported by the INFO command.
HELP
    Prints this help." "$help"
    stop_server "$mpid"
}

# Raw RESP over bash's /dev/tcp: send $2 to port $1, print what comes back
# within $3 seconds, followed by "." (so $(...) keeps the last CRLF).
raw() {
    exec 5<>"/dev/tcp/127.0.0.1/$1" || return 1
    printf '%b' "$2" >&5
    timeout "${3:-0.5}" cat <&5
    exec 5>&-
    printf '.'
}

test_config_get_protocol() {
    local port
    port=$(free_port)
    start_server "$RESPD" "$port" --port "$port" --hz 11 || { not_ok "respd starts"; return; }
    check "CONFIG GET in RESP2 is a flat array" \
        $'*4\r\n$2\r\nhz\r\n$2\r\n11\r\n$7\r\ntimeout\r\n$1\r\n0\r\n.' \
        "$(raw "$port" 'CONFIG GET hz timeout\r\n')"
    local r3
    r3=$(raw "$port" 'HELLO 3\r\nCONFIG GET hz\r\n')
    check_contains "CONFIG GET in RESP3 is a map" $'%1\r\n$2\r\nhz\r\n$2\r\n11\r\n.' "$r3"
    check "CONFIG GET answers each parameter once" "hz 11 timeout 0" \
        "$("$CLI" -p "$port" config get hz HZ 'h?' '*z' timeout 't*t' | xargs)"
    check "CONFIG GET * lists every directive" "88" "$("$CLI" -p "$port" config get '*' | wc -l)"
    check "CONFIG GET with a class pattern" "bind
127.0.0.1 -::1" "$(cli "$port" config get '[a-c]ind')"
    stop_server "$SERVER_PID"
}

# --- CONFIG SET effects --------------------------------------------------------

test_config_set_effects() {
    local port out
    port=$(free_port)
    start_server "$RESPD" "$port" --port "$port" --loglevel notice || { not_ok "respd starts"; return; }

    out=$(raw "$port" 'CONFIG SET requirepass pw\r\nPING\r\n')
    check "requirepass: the connection that set it stays authenticated" \
        $'+OK\r\n+PONG\r\n.' "$out"
    check "requirepass: a new connection gets NOAUTH" \
        "NOAUTH Authentication required." "$(cli "$port" get k)"
    check "requirepass: AUTH with it works" "PONG" \
        "$(cli "$port" -a pw --no-auth-warning ping)"
    check "requirepass: set back to none" "OK" \
        "$(cli "$port" -a pw --no-auth-warning config set requirepass '')"
    check "requirepass: none means no AUTH needed" "PONG" "$(cli "$port" ping)"

    cli "$port" config set loglevel verbose >/dev/null
    check "timeout: CONFIG SET timeout 1" "OK" "$(cli "$port" config set timeout 1)"
    exec 6<>"/dev/tcp/127.0.0.1/$port"
    sleep 2.5
    printf 'PING\r\n' >&6 2>/dev/null
    out=$(timeout 1 cat <&6 2>/dev/null; echo "rc=$?")
    exec 6>&-
    check "timeout: an idle client is closed (EOF, no reply)" "rc=0" "$out"
    check "loglevel: verbose messages now reach the log" "1" \
        "$(grep -c -m1 'Closing idle client' "$TMP/server-$port.log")"
    cli "$port" config set timeout 0 >/dev/null
    cli "$port" config set loglevel notice >/dev/null

    check "maxclients: CONFIG SET maxclients 1" "OK" "$(cli "$port" config set maxclients 1)"
    exec 6<>"/dev/tcp/127.0.0.1/$port"
    sleep 0.2
    check "maxclients: a second client is refused" "ERR max number of clients reached" \
        "$(cli "$port" ping)"
    exec 6>&-
    sleep 0.2
    check "maxclients: back to 10000" "OK" "$(cli "$port" config set maxclients 10000)"

    check "proto-max-bulk-len: CONFIG SET 1mb" "OK" "$(cli "$port" config set proto-max-bulk-len 1mb)"
    # Only the header: a client still sending its payload when the server
    # closes would see a reset instead of the error (with Redis too).
    out=$(raw "$port" '*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$2000000\r\n')
    check_contains "proto-max-bulk-len: a larger bulk is refused" "invalid bulk length" "$out"
    cli "$port" config set proto-max-bulk-len 512mb >/dev/null
    head -c 2000000 /dev/zero | tr '\0' x >"$TMP/big"
    out=$("$CLI" -p "$port" -x set big <"$TMP/big" 2>&1)
    check "proto-max-bulk-len: raised again, it is accepted" "OK" "$out"

    check "CONFIG SET of several pairs" "OK" "$(cli "$port" config set hz 15 timeout 4)"
    check "CONFIG SET of several pairs sets both" "15 4" \
        "$(config_value "$port" hz) $(config_value "$port" timeout)"
    cli "$port" config set hz 21 timeout abc >/dev/null
    check "CONFIG SET is atomic: a bad pair keeps every old value" "15 4" \
        "$(config_value "$port" hz) $(config_value "$port" timeout)"
    cli "$port" config set timeout 0 >/dev/null

    check "CONFIG SET port to its current value is accepted" "OK" \
        "$(cli "$port" config set port "$port")"
    local old=$port
    port=$(free_port)
    check "CONFIG SET port to another port is accepted" "OK" \
        "$(cli "$old" config set port "$port")"
    check "after CONFIG SET port the server answers on the new port" "PONG" \
        "$(cli "$port" ping)"
    check_contains "after CONFIG SET port the old port is closed" \
        "Connection refused" "$(cli "$old" ping 2>&1)"
    # 192.0.2.1 (TEST-NET-1) is never a local address: bind() fails.
    check_contains "CONFIG SET bind to an address that cannot be bound fails" \
        "ERR CONFIG SET failed (possibly related to argument 'bind')" \
        "$(cli "$port" config set bind 192.0.2.1)"
    check "a failed bind change keeps the old listeners" "PONG" \
        "$(cli "$port" ping)"
    check "a failed bind change keeps the old bind value" "127.0.0.1 -::1" \
        "$(config_value "$port" bind)"
    check "CONFIG SET save with a schedule" "OK" "$(cli "$port" config set save '900 1 30 5')"
    check "CONFIG GET save shows the rules" "900 1 30 5" "$(config_value "$port" save)"
    check "CONFIG SET save \"\" removes them" "OK" "$(cli "$port" config set save '')"
    check "CONFIG GET save after removing" "" "$(config_value "$port" save)"
    check "CONFIG SET appendonly yes" "OK" "$(cli "$port" config set appendonly yes)"
    check "CONFIG GET appendonly" "yes" "$(config_value "$port" appendonly)"
    check "CONFIG SET appendonly no" "OK" "$(cli "$port" config set appendonly no)"
    stop_server "$SERVER_PID"
}

test_dir_and_protected() {
    local port
    port=$(free_port)
    mkdir -p "$TMP/d1" "$TMP/d2"
    start_server "$RESPD" "$port" --port "$port" --dir d1 --enable-protected-configs yes ||
        { not_ok "respd starts with enable-protected-configs yes"; return; }
    check "dir from options is answered absolute" "$TMP/d1" "$(config_value "$port" dir)"
    check "CONFIG SET dir with protected configs enabled" "OK" \
        "$(cli "$port" config set dir "$TMP/d2")"
    check "CONFIG SET dir changes the working directory" "$TMP/d2" \
        "$(readlink "/proc/$SERVER_PID/cwd")"
    check "CONFIG SET dir to a missing directory" \
        "ERR CONFIG SET failed (possibly related to argument 'dir') - No such file or directory" \
        "$(cli "$port" config set dir "$TMP/missing" | head -1)"
    check "a failed dir change keeps the directory" "$TMP/d2" "$(config_value "$port" dir)"
    stop_server "$SERVER_PID"
}

# INFO after CONFIG RESETSTAT, on either server: the RESETSTAT itself is
# the only command counted so far, as in Redis.
resetstat_view() {
    local port=$1
    for _ in 1 2 3; do cli "$port" ping >/dev/null; done
    cli "$port" set k v >/dev/null
    cli "$port" config resetstat
    cli "$port" info stats | tr -d '\r' |
        grep -e '^total_commands_processed:' -e '^total_connections_received:' \
            -e '^total_error_replies:' -e '^keyspace_hits:'
    cli "$port" info commandstats | tr -d '\r' | grep '^cmdstat_' |
        sed -E 's/usec=[0-9]+,usec_per_call=[0-9.]+/usec=_/' | sort
}

test_resetstat() {
    local port mine theirs
    port=$(free_port)
    start_server "$RESPD" "$port" --port "$port" || { not_ok "respd starts"; return; }
    cli "$port" config set nosuch 1 >/dev/null # one error reply to reset
    mine=$(resetstat_view "$port")
    stop_server "$SERVER_PID"
    check_contains "CONFIG RESETSTAT replies OK" "OK" "$mine"
    check_contains "RESETSTAT zeroes the error count" "total_error_replies:0" "$mine"
    if [ "$HAVE_REDIS" != 1 ]; then
        skip "INFO after RESETSTAT compared with redis-server" "no $REDIS_SERVER"
        return
    fi
    port=$(free_port)
    start_server "$REDIS_SERVER" "$port" --port "$port" --save "" \
        --appendonly no --bind 127.0.0.1 || { not_ok "redis-server starts"; return; }
    cli "$port" config set nosuch 1 >/dev/null
    theirs=$(resetstat_view "$port")
    stop_server "$SERVER_PID"
    check "INFO stats and commandstats after RESETSTAT as redis-server" \
        "$theirs" "$mine"
}

test_defaults
test_file_values
test_include
test_command_line
test_fatal_errors
test_config_set_vs_redis
test_config_get_protocol
test_config_set_effects
test_dir_and_protected
test_resetstat

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
