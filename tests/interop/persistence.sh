#!/usr/bin/env bash
# interop/persistence.sh -- respd's data files against Redis 7's own.
#
#   RESPD=path/to/respd bash tests/interop/persistence.sh  (default bin/respd)
#
# redis-check-rdb and redis-check-aof must accept the files respd writes
# (dump.rdb from SAVE and BGSAVE, with and without compression and
# checksums; the AOF directory before and after a rewrite, with an RDB or
# an AOF base), and data directories must move between the two servers
# both ways: redis-server started on respd's files, and respd on
# redis-server's, hold the same keys, types, encodings, values and expiry
# times.  Contents are compared through redis-cli --raw dumps of every key.
# Prints "ok - ..." / "not ok - ..." per check and a final "N passed, N
# failed"; exits non-zero if anything failed.
if [ -z "${BASH_VERSION:-}" ]; then
    exec bash "$0" "$@"
fi
set -u
cd "$(dirname "$0")/../.." || exit 1
if [[ -z ${RESPD:-} && -n ${BIN:-} ]]; then
    case $BIN in
    /*) RESPD=$BIN/respd ;;
    *) RESPD=$PWD/$BIN/respd ;;
    esac
fi
. tests/lib.sh

CLI_TIMEOUT=30

for tool in redis-server redis-cli redis-check-rdb redis-check-aof; do
    if ! command -v "$tool" >/dev/null; then
        echo "persistence: $tool not found (run make test, or" \
            "tests/install-deps.sh)"
        echo "0 passed, 1 failed"
        exit 1
    fi
done

cli() {
    local port=$1
    shift
    timeout "$CLI_TIMEOUT" redis-cli -p "$port" "$@" 2>&1
}

# wait_loaded PORT: redis-server answers -LOADING while it reads its files.
wait_loaded() {
    local _
    for _ in $(seq 1 200); do
        [[ $(cli "$1" PING) == PONG ]] && return 0
        sleep 0.05
    done
    return 1
}

# A fresh directory under the test's temporary one.
new_dir() {
    local d
    d=$(mktemp -d "$LIB_TMP/data.XXXXXX")
    echo "$d"
}

# respd_on DIR [ARGS...] / redis_on DIR [ARGS...]: start a server on DIR
# (persistence off unless ARGS say otherwise) and wait until its data is
# loaded; sets PORT and PID.  A server that does not start (it could not
# load the files) counts as a failed check.
server_on() {
    local start=$1 dir=$2
    shift 2
    PORT=$(free_port) || exit 1
    if ! "$start" "$PORT" --dir "$dir" "$@" || ! wait_loaded "$PORT"; then
        check "$start on $dir $*" false
        return 1
    fi
    PID=$SERVER_PID
}

respd_on() {
    server_on start_respd "$@"
}

redis_on() {
    server_on start_redis "$@"
}

# populate PORT: every type respd has, in each of its encodings, with
# TTLs, in three databases.
populate() {
    local port=$1 i
    {
        echo "MSET s:int 12345 s:neg -7 s:max 9223372036854775807" \
            "s:embstr hello s:zeros 007 s:huge 123456789012345678901234567890"
        echo "SET s:raw $(printf 'r%.0s' $(seq 1 100))"
        echo "SET s:big $(printf 'abcdefg%.0s' $(seq 1 3000))"
        echo "RPUSH l:small a b c 1 -2 300"
        echo "RPUSH l:ints 0 127 128 -4096 4095 32767 -32768 8388607" \
            "2147483647 -2147483648 9223372036854775807 -9223372036854775808"
        for i in $(seq 0 99); do
            echo "RPUSH l:large $(printf 'item:%d ' \
                $(seq "$((i * 50))" "$((i * 50 + 49))"))"
        done
        echo "RPUSH l:bigelem $(printf 'x%.0s' $(seq 1 9000)) small"
        echo "HSET h:small name respd n 42 neg -1"
        for i in $(seq 0 9); do
            echo "HSET h:large $(for j in $(seq 0 99); do
                printf 'f%d %d ' "$((i * 100 + j))" "$((j * 7))"
            done)"
        done
        echo "HSET h:bigval short x long $(printf 'v%.0s' $(seq 1 100))"
        echo "SET t:str v PXAT 4102444800123"
        echo "RPUSH t:list x"
        echo "PEXPIREAT t:list 4102444800456"
        echo "HSET t:hash f v"
        echo "EXPIREAT t:hash 4102444800"
        echo "SELECT 1"
        echo "SET x in-db-1"
        echo "SELECT 9"
        echo "RPUSH x in db-9"
    } | cli "$port" >/dev/null
    printf 'a\000b\r\nc' | cli "$port" -x SET s:bin >/dev/null
}

# dump PORT: every key of every database, sorted, with its type,
# encoding, expiry time and value, as redis-cli --raw prints them (od -c
# keeps binary values visible).  One redis-cli per database for all the
# keys, and one per hash, whose fields are sorted: a large hash lists them
# in its hash table's order.
dump() {
    local port=$1 db key keys types t
    for db in $(seq 0 15); do
        keys=$(cli "$port" -n "$db" --raw KEYS '*' | sort)
        [[ -n $keys ]] || continue
        types=$(for key in $keys; do echo "TYPE $key"; done |
            cli "$port" -n "$db")
        paste <(echo "$keys") <(echo "$types") | sed "s/^/key db$db /"
        for key in $keys; do
            echo "OBJECT ENCODING $key"
            echo "PEXPIRETIME $key"
        done | cli "$port" -n "$db" | paste - -
        paste <(echo "$keys") <(echo "$types") | while read -r key t; do
            case $t in
            string) echo "GET $key" ;;
            list) echo "LRANGE $key 0 -1" ;;
            esac
        done | cli "$port" -n "$db" --raw | od -c
        paste <(echo "$keys") <(echo "$types") | while read -r key t; do
            if [[ $t == hash ]]; then
                echo "hash $key"
                cli "$port" -n "$db" --raw HGETALL "$key" | paste - - | sort
            fi
        done
    done
}

# stop PID: SIGTERM; with no save rules neither server writes a dump on
# the way out.
stop() {
    stop_server "$1"
}

# check_rdb DESCRIPTION FILE: redis-check-rdb finds FILE valid.
check_rdb() {
    local out
    out=$(redis-check-rdb "$2" 2>&1)
    if ! check "$1" grep -qF 'RDB looks OK!' <<<"$out"; then
        sed 's/^/    /' <<<"$out" | tail -n 8
    fi
}

# check_aof DESCRIPTION DIR: redis-check-aof finds the manifest in DIR and
# every file it lists valid.
check_aof() {
    local out
    out=$(redis-check-aof "$2/appendonly.aof.manifest" 2>&1)
    if ! check "$1" grep -qF 'All AOF files and manifest are valid' \
        <<<"$out"; then
        sed 's/^/    /' <<<"$out" | tail -n 8
    fi
}

# --- dump.rdb ----------------------------------------------------------

rdb_from_respd() {
    local dir want got copy
    dir=$(new_dir)
    respd_on "$dir" || return
    populate "$PORT"
    want=$(dump "$PORT")
    cli "$PORT" SAVE >/dev/null
    check_rdb "redis-check-rdb accepts respd's SAVE" "$dir/dump.rdb"

    copy=$(new_dir)
    cp "$dir/dump.rdb" "$copy/"
    cli "$PORT" DEL s:int >/dev/null
    cli "$PORT" BGSAVE >/dev/null
    for _ in $(seq 1 100); do
        cli "$PORT" INFO persistence | grep -q 'rdb_bgsave_in_progress:0' &&
            break
        sleep 0.05
    done
    check_rdb "redis-check-rdb accepts respd's BGSAVE" "$dir/dump.rdb"
    stop "$PID"

    redis_on "$copy" || return
    got=$(dump "$PORT")
    stop "$PID"
    check_eq "redis-server loads respd's dump.rdb with the same contents" \
        "$want" "$got"
    check "the dump has every key" test "$(grep -c '^key db' <<<"$want")" -eq 21
}

rdb_settings_from_respd() {
    local dir want got
    dir=$(new_dir)
    respd_on "$dir" --rdbcompression no --rdbchecksum no || return
    populate "$PORT"
    want=$(dump "$PORT")
    cli "$PORT" SAVE >/dev/null
    stop "$PID"
    check_rdb "redis-check-rdb accepts a dump without compression or checksum" \
        "$dir/dump.rdb"
    redis_on "$dir" || return
    got=$(dump "$PORT")
    stop "$PID"
    check_eq "redis-server loads it with the same contents" "$want" "$got"
}

rdb_from_redis() {
    local dir want got
    dir=$(new_dir)
    redis_on "$dir" || return
    populate "$PORT"
    want=$(dump "$PORT")
    cli "$PORT" SAVE >/dev/null
    stop "$PID"
    respd_on "$dir" || return
    got=$(dump "$PORT")
    stop "$PID"
    check_eq "respd loads redis-server's dump.rdb with the same contents" \
        "$want" "$got"

    dir=$(new_dir)
    redis_on "$dir" --rdbcompression no || return
    populate "$PORT"
    cli "$PORT" SAVE >/dev/null
    stop "$PID"
    respd_on "$dir" || return
    got=$(dump "$PORT")
    stop "$PID"
    check_eq "respd loads redis-server's uncompressed dump.rdb" "$want" "$got"
}

# --- the AOF directory ------------------------------------------------

# aof_from_respd PREAMBLE: respd's AOF directory, before and after a
# rewrite with aof-use-rdb-preamble PREAMBLE, in redis-server.
aof_from_respd() {
    local preamble=$1 dir want got copy
    dir=$(new_dir)
    respd_on "$dir" --appendonly yes --appendfsync always \
        --aof-use-rdb-preamble "$preamble" || return
    populate "$PORT"
    want=$(dump "$PORT")
    copy=$(new_dir)
    cp -r "$dir/appendonlydir" "$copy/"
    check_aof "redis-check-aof accepts respd's AOF (preamble $preamble)" \
        "$copy/appendonlydir"

    cli "$PORT" BGREWRITEAOF >/dev/null
    for _ in $(seq 1 100); do
        cli "$PORT" INFO persistence |
            grep -q 'aof_rewrite_in_progress:0' && break
        sleep 0.05
    done
    sleep 0.2
    cli "$PORT" SET after-rewrite yes >/dev/null
    local want2
    want2=$(dump "$PORT")
    stop "$PID"
    check_aof "redis-check-aof accepts it after BGREWRITEAOF ($preamble)" \
        "$dir/appendonlydir"

    redis_on "$copy" --appendonly yes || return
    got=$(dump "$PORT")
    stop "$PID"
    check_eq "redis-server loads respd's AOF (preamble $preamble)" \
        "$want" "$got"
    redis_on "$dir" --appendonly yes || return
    got=$(dump "$PORT")
    stop "$PID"
    check_eq "redis-server loads respd's AOF after BGREWRITEAOF ($preamble)" \
        "$want2" "$got"
}

aof_from_redis() {
    local preamble=$1 dir want got
    dir=$(new_dir)
    redis_on "$dir" --appendonly yes --appendfsync always \
        --aof-use-rdb-preamble "$preamble" || return
    populate "$PORT"
    cli "$PORT" BGREWRITEAOF >/dev/null
    for _ in $(seq 1 100); do
        cli "$PORT" INFO persistence |
            grep -q 'aof_rewrite_in_progress:0' && break
        sleep 0.05
    done
    sleep 0.2
    cli "$PORT" SET after-rewrite yes >/dev/null
    cli "$PORT" RPUSH l:small tail >/dev/null
    want=$(dump "$PORT")
    stop "$PID"
    respd_on "$dir" --appendonly yes || return
    got=$(dump "$PORT")
    stop "$PID"
    check_eq "respd loads redis-server's AOF (preamble $preamble)" \
        "$want" "$got"
}

rdb_from_respd
rdb_settings_from_respd
rdb_from_redis
aof_from_respd yes
aof_from_respd no
aof_from_redis yes
aof_from_redis no
finish
