/* command.c -- COMMAND: what the server tells clients about its commands.
 *
 * COMMAND INFO and COMMAND DOCS answer in Redis 7.0's shapes.  Most of what
 * they report comes from struct cmd (arity, flags, key positions, ACL
 * categories, summary, ...).  What struct cmd has no room for -- key specs,
 * command tips, the argument tree of COMMAND DOCS, history, deprecation --
 * lives in command_meta[] below, one row for each command that has any of
 * it, in a compact text form.  A command without a row still gets a
 * well-formed answer: one key spec derived from first_key, last_key and
 * key_step, and no "arguments".  That is all clients need: ioredis and
 * cluster clients read the legacy key range, and redis-cli (which sends
 * COMMAND DOCS when it starts interactively and builds its hints from it)
 * only requires a summary, since and group per command and, when arguments
 * are given, a type and a name for each.
 *
 * The rows were taken from redis-server 7.0.15 and cover the commands
 * respd implements; a command added later without a row reports less
 * detail than Redis until its row is written.  Redis lists commands in its
 * hash table's order, which changes with every start; respd lists them in
 * table order, which clients cannot rely on either way. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cmd.h"
#include "command.h"
#include "conn.h"
#include "reply.h"
#include "util.h"

#define COMMAND_MAX_KEY_SPECS 8 /* Redis 7.0's commands have at most 3 */
/* Characters that end a name, token or version in an argument tree. */
#define COMMAND_ARG_STOPS "#=@!?*+() "

/* A piece of a metadata string; p is NULL when the piece is absent. */
struct command_span {
    const char *p;
    size_t len;
};

/* Metadata that struct cmd lacks, for the command whose full name is
 * fullname ("get", "client|kill").  Rows are sorted by fullname in strcmp
 * order, for bsearch.  Every field is text, NULL when empty:
 *
 * flags      COMMAND INFO flags that have no CMD_* bit ("no_async_loading");
 *            movablekeys is computed from the key specs.
 * tips       command tips, separated by spaces.
 * key_specs  key specs separated by ';', each FLAGS|BEGIN|FIND[|NOTES]:
 *            FLAGS separated by spaces ("RW access update"); BEGIN is iN
 *            (index N), kKEYWORD,STARTFROM (keyword) or u (unknown); FIND is
 *            rLASTKEY,KEYSTEP,LIMIT (range), nKEYNUMIDX,FIRSTKEY,KEYSTEP
 *            (keynum) or u.  Notes contain no '|' or ';'.
 * doc_flags, deprecated_since, replaced_by: as COMMAND DOCS shows them.
 * history    entries separated by '|', each "VERSION TEXT".
 * args       the arguments, separated by spaces, each TYPE:NAME followed by
 *            modifiers: #N key spec index, =TOKEN, @VERSION (since),
 *            !VERSION (deprecated since), ? optional, * multiple, +
 *            multiple_token, and (...) holding the arguments of a oneof or
 *            a block.  Names and tokens contain none of COMMAND_ARG_STOPS
 *            (a name may contain ':', as in "ip:port"). */
struct command_meta {
    const char *fullname;
    const char *flags;
    const char *tips;
    const char *key_specs;
    const char *doc_flags;
    const char *deprecated_since;
    const char *replaced_by;
    const char *history;
    const char *args;
};

static const struct command_meta command_meta[] = {
    {"append", .key_specs = "RW insert|i1|r0,1,0",
     .args = "key:key#0 string:value"},
    {"auth", .history = "6.0.0 Added ACL style (username and password).",
     .args = "string:username@6.0.0? string:password"},
    {"bgrewriteaof", .flags = "no_async_loading"},
    {"bgsave", .flags = "no_async_loading",
     .history = "3.2.2 Added the `SCHEDULE` option.",
     .args = "pure-token:schedule=SCHEDULE@3.2.2?"},
    {"blmove", .key_specs = "RW access delete|i1|r0,1,0;RW insert|i2|r0,1,0",
     .args = "key:source#0 key:destination#1 oneof:wherefrom("
             "pure-token:left=LEFT pure-token:right=RIGHT) oneof:whereto("
             "pure-token:left=LEFT pure-token:right=RIGHT) double:timeout"},
    {"blmpop", .key_specs = "RW access delete|i2|n0,1,1",
     .args = "double:timeout integer:numkeys key:key#0* oneof:where("
             "pure-token:left=LEFT pure-token:right=RIGHT) "
             "integer:count=COUNT?"},
    {"blpop", .key_specs = "RW access delete|i1|r-2,1,0",
     .history = "6.0.0 `timeout` is interpreted as a double instead of an "
                "integer.",
     .args = "key:key#0* double:timeout"},
    {"brpop", .key_specs = "RW access delete|i1|r-2,1,0",
     .history = "6.0.0 `timeout` is interpreted as a double instead of an "
                "integer.",
     .args = "key:key#0* double:timeout"},
    {"brpoplpush",
     .key_specs = "RW access delete|i1|r0,1,0;RW insert|i2|r0,1,0",
     .doc_flags = "deprecated", .deprecated_since = "6.2.0",
     .replaced_by = "`BLMOVE` with the `RIGHT` and `LEFT` arguments",
     .history = "6.0.0 `timeout` is interpreted as a double instead of an "
                "integer.",
     .args = "key:source#0 key:destination#1 double:timeout"},
    {"client|caching",
     .args = "oneof:mode(pure-token:yes=YES pure-token:no=NO)"},
    {"client|info", .tips = "nondeterministic_output"},
    {"client|kill",
     .history = "2.8.12 Added new filter format.|2.8.12 `ID` option.|3.2.0 "
                "Added `master` type in for `TYPE` option.|5.0.0 Replaced "
                "`slave` `TYPE` with `replica`. `slave` still supported for "
                "backward compatibility.|6.2.0 `LADDR` option.",
     .args = "oneof:filter(string:ip:port!2.8.12 oneof:new-format*("
             "integer:client-id=ID@2.8.12? "
             "oneof:normal_master_slave_pubsub=TYPE@2.8.12?("
             "pure-token:normal=NORMAL pure-token:master=MASTER@3.2.0 "
             "pure-token:slave=SLAVE pure-token:replica=REPLICA@5.0.0 "
             "pure-token:pubsub=PUBSUB) string:username=USER? "
             "string:ip:port=ADDR? string:ip:port=LADDR@6.2.0? "
             "string:yes/no=SKIPME?))"},
    {"client|list", .tips = "nondeterministic_output",
     .history = "2.8.12 Added unique client `id` field.|5.0.0 Added optional "
                "`TYPE` filter.|6.0.0 Added `user` field.|6.2.0 Added "
                "`argv-mem`, `tot-mem`, `laddr` and `redir` fields and the "
                "optional `ID` filter.|7.0.0 Added `resp`, `multi-mem`, "
                "`rbs` and `rbp` fields.|7.0.3 Added `ssub` field.",
     .args = "oneof:normal_master_replica_pubsub=TYPE@5.0.0?("
             "pure-token:normal=NORMAL pure-token:master=MASTER "
             "pure-token:replica=REPLICA pure-token:pubsub=PUBSUB) "
             "block:id=ID@6.2.0?(integer:client-id*)"},
    {"client|no-evict",
     .args = "oneof:enabled(pure-token:on=ON pure-token:off=OFF)"},
    {"client|pause",
     .history = "6.2.0 `CLIENT PAUSE WRITE` mode added along with the `mode` "
                "option.",
     .args = "integer:timeout oneof:mode@6.2.0?(pure-token:write=WRITE "
             "pure-token:all=ALL)"},
    {"client|reply",
     .args = "oneof:on_off_skip(pure-token:on=ON pure-token:off=OFF "
             "pure-token:skip=SKIP)"},
    {"client|setname", .args = "string:connection-name"},
    {"client|tracking",
     .args = "oneof:status(pure-token:on=ON pure-token:off=OFF) "
             "integer:client-id=REDIRECT? string:prefix=PREFIX?*+ "
             "pure-token:bcast=BCAST? pure-token:optin=OPTIN? "
             "pure-token:optout=OPTOUT? pure-token:noloop=NOLOOP?"},
    {"client|unblock",
     .args = "integer:client-id oneof:timeout_error?("
             "pure-token:timeout=TIMEOUT pure-token:error=ERROR)"},
    {"command", .tips = "nondeterministic_output_order"},
    {"command|docs", .tips = "nondeterministic_output_order",
     .args = "string:command-name?*"},
    {"command|info", .tips = "nondeterministic_output_order",
     .history = "7.0.0 Allowed to be called with no argument to get info on "
                "all commands.",
     .args = "string:command-name?*"},
    {"command|list", .tips = "nondeterministic_output_order",
     .args = "oneof:filterby=FILTERBY?(string:module-name=MODULE "
             "string:category=ACLCAT pattern:pattern=PATTERN)"},
    {"config|get",
     .history = "7.0.0 Added the ability to pass multiple pattern parameters "
                "in one call",
     .args = "block:parameter*(string:parameter)"},
    {"config|set",
     .tips = "request_policy:all_nodes response_policy:all_succeeded",
     .history = "7.0.0 Added the ability to set multiple parameters in one "
                "call.",
     .args = "block:parameter_value*(string:parameter string:value)"},
    {"dbsize", .tips = "request_policy:all_shards response_policy:agg_sum"},
    {"debug", .doc_flags = "syscmd"},
    {"decr", .key_specs = "RW access update|i1|r0,1,0", .args = "key:key#0"},
    {"decrby", .key_specs = "RW access update|i1|r0,1,0",
     .args = "key:key#0 integer:decrement"},
    {"del", .tips = "request_policy:multi_shard response_policy:agg_sum",
     .key_specs = "RM delete|i1|r-1,1,0", .args = "key:key#0*"},
    {"echo", .args = "string:message"},
    {"exec", .flags = "skip_slowlog"},
    {"exists", .tips = "request_policy:multi_shard response_policy:agg_sum",
     .key_specs = "RO|i1|r-1,1,0",
     .history = "3.0.3 Accepts multiple `key` arguments.",
     .args = "key:key#0*"},
    {"expire", .key_specs = "RW update|i1|r0,1,0",
     .history = "7.0.0 Added options: `NX`, `XX`, `GT` and `LT`.",
     .args = "key:key#0 integer:seconds oneof:condition@7.0.0?("
             "pure-token:nx=NX pure-token:xx=XX pure-token:gt=GT "
             "pure-token:lt=LT)"},
    {"expireat", .key_specs = "RW update|i1|r0,1,0",
     .history = "7.0.0 Added options: `NX`, `XX`, `GT` and `LT`.",
     .args = "key:key#0 unix-time:unix-time-seconds oneof:condition@7.0.0?("
             "pure-token:nx=NX pure-token:xx=XX pure-token:gt=GT "
             "pure-token:lt=LT)"},
    {"expiretime", .key_specs = "RO access|i1|r0,1,0", .args = "key:key#0"},
    {"flushall",
     .tips = "request_policy:all_shards response_policy:all_succeeded",
     .history = "4.0.0 Added the `ASYNC` flushing mode modifier.|6.2.0 Added "
                "the `SYNC` flushing mode modifier.",
     .args = "oneof:async?(pure-token:async=ASYNC@4.0.0 "
             "pure-token:sync=SYNC@6.2.0)"},
    {"flushdb",
     .tips = "request_policy:all_shards response_policy:all_succeeded",
     .history = "4.0.0 Added the `ASYNC` flushing mode modifier.|6.2.0 Added "
                "the `SYNC` flushing mode modifier.",
     .args = "oneof:async?(pure-token:async=ASYNC@4.0.0 "
             "pure-token:sync=SYNC@6.2.0)"},
    {"get", .key_specs = "RO access|i1|r0,1,0", .args = "key:key#0"},
    {"getdel", .key_specs = "RW access delete|i1|r0,1,0", .args = "key:key#0"},
    {"getex",
     .key_specs = "RW access update|i1|r0,1,0|RW and UPDATE because it "
                  "changes the TTL",
     .args = "key:key#0 oneof:expiration?(integer:seconds=EX "
             "integer:milliseconds=PX unix-time:unix-time-seconds=EXAT "
             "unix-time:unix-time-milliseconds=PXAT "
             "pure-token:persist=PERSIST)"},
    {"getrange", .key_specs = "RO access|i1|r0,1,0",
     .args = "key:key#0 integer:start integer:end"},
    {"getset", .key_specs = "RW access update|i1|r0,1,0",
     .doc_flags = "deprecated", .deprecated_since = "6.2.0",
     .replaced_by = "`SET` with the `!GET` argument",
     .args = "key:key#0 string:value"},
    {"hdel", .key_specs = "RW delete|i1|r0,1,0",
     .history = "2.4.0 Accepts multiple `field` arguments.",
     .args = "key:key#0 string:field*"},
    {"hello",
     .history = "6.2.0 `protover` made optional; when called without "
                "arguments the command reports the current connection's "
                "context.",
     .args = "block:arguments?(integer:protover "
             "block:username_password=AUTH?(string:username string:password) "
             "string:clientname=SETNAME?)"},
    {"hexists", .key_specs = "RO|i1|r0,1,0", .args = "key:key#0 string:field"},
    {"hget", .key_specs = "RO access|i1|r0,1,0",
     .args = "key:key#0 string:field"},
    {"hgetall", .tips = "nondeterministic_output_order",
     .key_specs = "RO access|i1|r0,1,0", .args = "key:key#0"},
    {"hincrby", .key_specs = "RW access update|i1|r0,1,0",
     .args = "key:key#0 string:field integer:increment"},
    {"hincrbyfloat", .key_specs = "RW access update|i1|r0,1,0",
     .args = "key:key#0 string:field double:increment"},
    {"hkeys", .tips = "nondeterministic_output_order",
     .key_specs = "RO access|i1|r0,1,0", .args = "key:key#0"},
    {"hlen", .key_specs = "RO|i1|r0,1,0", .args = "key:key#0"},
    {"hmget", .key_specs = "RO access|i1|r0,1,0",
     .args = "key:key#0 string:field*"},
    {"hmset", .key_specs = "RW update|i1|r0,1,0", .doc_flags = "deprecated",
     .deprecated_since = "4.0.0",
     .replaced_by = "`HSET` with multiple field-value pairs",
     .args = "key:key#0 block:field_value*(string:field string:value)"},
    {"hrandfield", .tips = "nondeterministic_output",
     .key_specs = "RO access|i1|r0,1,0",
     .args = "key:key#0 block:options?(integer:count "
             "pure-token:withvalues=WITHVALUES?)"},
    {"hscan", .tips = "nondeterministic_output",
     .key_specs = "RO access|i1|r0,1,0",
     .args = "key:key#0 integer:cursor pattern:pattern=MATCH? "
             "integer:count=COUNT?"},
    {"hset", .key_specs = "RW update|i1|r0,1,0",
     .history = "4.0.0 Accepts multiple `field` and `value` arguments.",
     .args = "key:key#0 block:field_value*(string:field string:value)"},
    {"hsetnx", .key_specs = "RW insert|i1|r0,1,0",
     .args = "key:key#0 string:field string:value"},
    {"hstrlen", .key_specs = "RO|i1|r0,1,0", .args = "key:key#0 string:field"},
    {"hvals", .tips = "nondeterministic_output_order",
     .key_specs = "RO access|i1|r0,1,0", .args = "key:key#0"},
    {"incr", .key_specs = "RW access update|i1|r0,1,0", .args = "key:key#0"},
    {"incrby", .key_specs = "RW access update|i1|r0,1,0",
     .args = "key:key#0 integer:increment"},
    {"incrbyfloat", .key_specs = "RW access update|i1|r0,1,0",
     .args = "key:key#0 double:increment"},
    {"info",
     .tips = "nondeterministic_output request_policy:all_shards "
             "response_policy:special",
     .history = "7.0.0 Added support for taking multiple section arguments.",
     .args = "string:section?*"},
    {"keys", .tips = "request_policy:all_shards nondeterministic_output_order",
     .args = "pattern:pattern"},
    {"lastsave", .tips = "nondeterministic_output"},
    {"lcs", .key_specs = "RO access|i1|r1,1,0",
     .args = "key:key1#0 key:key2#0 pure-token:len=LEN? pure-token:idx=IDX? "
             "integer:len=MINMATCHLEN? pure-token:withmatchlen=WITHMATCHLEN?"},
    {"lindex", .key_specs = "RO access|i1|r0,1,0",
     .args = "key:key#0 integer:index"},
    {"linsert", .key_specs = "RW insert|i1|r0,1,0",
     .args = "key:key#0 oneof:where(pure-token:before=BEFORE "
             "pure-token:after=AFTER) string:pivot string:element"},
    {"llen", .key_specs = "RO|i1|r0,1,0", .args = "key:key#0"},
    {"lmove", .key_specs = "RW access delete|i1|r0,1,0;RW insert|i2|r0,1,0",
     .args = "key:source#0 key:destination#1 oneof:wherefrom("
             "pure-token:left=LEFT pure-token:right=RIGHT) oneof:whereto("
             "pure-token:left=LEFT pure-token:right=RIGHT)"},
    {"lmpop", .key_specs = "RW access delete|i1|n0,1,1",
     .args = "integer:numkeys key:key#0* oneof:where(pure-token:left=LEFT "
             "pure-token:right=RIGHT) integer:count=COUNT?"},
    {"lpop", .key_specs = "RW access delete|i1|r0,1,0",
     .history = "6.2.0 Added the `count` argument.",
     .args = "key:key#0 integer:count@6.2.0?"},
    {"lpos", .key_specs = "RO access|i1|r0,1,0",
     .args = "key:key#0 string:element integer:rank=RANK? "
             "integer:num-matches=COUNT? integer:len=MAXLEN?"},
    {"lpush", .key_specs = "RW insert|i1|r0,1,0",
     .history = "2.4.0 Accepts multiple `element` arguments.",
     .args = "key:key#0 string:element*"},
    {"lpushx", .key_specs = "RW insert|i1|r0,1,0",
     .history = "4.0.0 Accepts multiple `element` arguments.",
     .args = "key:key#0 string:element*"},
    {"lrange", .key_specs = "RO access|i1|r0,1,0",
     .args = "key:key#0 integer:start integer:stop"},
    {"lrem", .key_specs = "RW delete|i1|r0,1,0",
     .args = "key:key#0 integer:count string:element"},
    {"lset", .key_specs = "RW update|i1|r0,1,0",
     .args = "key:key#0 integer:index string:element"},
    {"ltrim", .key_specs = "RW delete|i1|r0,1,0",
     .args = "key:key#0 integer:start integer:stop"},
    {"mget", .tips = "request_policy:multi_shard",
     .key_specs = "RO access|i1|r-1,1,0", .args = "key:key#0*"},
    {"mset", .tips = "request_policy:multi_shard response_policy:all_succeeded",
     .key_specs = "OW update|i1|r-1,2,0",
     .args = "block:key_value*(key:key#0 string:value)"},
    {"msetnx", .tips = "request_policy:multi_shard response_policy:agg_min",
     .key_specs = "OW insert|i1|r-1,2,0",
     .args = "block:key_value*(key:key#0 string:value)"},
    {"object|encoding", .tips = "nondeterministic_output",
     .key_specs = "RO|i2|r0,1,0", .args = "key:key#0"},
    {"object|freq", .tips = "nondeterministic_output",
     .key_specs = "RO|i2|r0,1,0", .args = "key:key#0"},
    {"object|idletime", .tips = "nondeterministic_output",
     .key_specs = "RO|i2|r0,1,0", .args = "key:key#0"},
    {"object|refcount", .tips = "nondeterministic_output",
     .key_specs = "RO|i2|r0,1,0", .args = "key:key#0"},
    {"persist", .key_specs = "RW update|i1|r0,1,0", .args = "key:key#0"},
    {"pexpire", .key_specs = "RW update|i1|r0,1,0",
     .history = "7.0.0 Added options: `NX`, `XX`, `GT` and `LT`.",
     .args = "key:key#0 integer:milliseconds oneof:condition@7.0.0?("
             "pure-token:nx=NX pure-token:xx=XX pure-token:gt=GT "
             "pure-token:lt=LT)"},
    {"pexpireat", .key_specs = "RW update|i1|r0,1,0",
     .history = "7.0.0 Added options: `NX`, `XX`, `GT` and `LT`.",
     .args = "key:key#0 unix-time:unix-time-milliseconds "
             "oneof:condition@7.0.0?(pure-token:nx=NX pure-token:xx=XX "
             "pure-token:gt=GT pure-token:lt=LT)"},
    {"pexpiretime", .key_specs = "RO access|i1|r0,1,0", .args = "key:key#0"},
    {"ping", .tips = "request_policy:all_shards response_policy:all_succeeded",
     .args = "string:message?"},
    {"psetex", .key_specs = "OW update|i1|r0,1,0",
     .args = "key:key#0 integer:milliseconds string:value"},
    {"psubscribe", .args = "block:pattern*(pattern:pattern)"},
    {"pttl", .tips = "nondeterministic_output",
     .key_specs = "RO access|i1|r0,1,0", .history = "2.8.0 Added the -2 reply.",
     .args = "key:key#0"},
    {"publish", .args = "string:channel string:message"},
    {"pubsub|channels", .args = "pattern:pattern?"},
    {"pubsub|numsub", .args = "string:channel?*"},
    {"pubsub|shardchannels", .args = "pattern:pattern?"},
    {"pubsub|shardnumsub", .args = "string:shardchannel?*"},
    {"punsubscribe", .args = "pattern:pattern?*"},
    {"randomkey", .tips = "request_policy:all_shards nondeterministic_output"},
    {"rename", .key_specs = "RW access delete|i1|r0,1,0;OW update|i2|r0,1,0",
     .args = "key:key#0 key:newkey#1"},
    {"renamenx", .key_specs = "RW access delete|i1|r0,1,0;OW insert|i2|r0,1,0",
     .history = "3.2.0 The command no longer returns an error when source "
                "and destination names are the same.",
     .args = "key:key#0 key:newkey#1"},
    {"rpop", .key_specs = "RW access delete|i1|r0,1,0",
     .history = "6.2.0 Added the `count` argument.",
     .args = "key:key#0 integer:count@6.2.0?"},
    {"rpoplpush", .key_specs = "RW access delete|i1|r0,1,0;RW insert|i2|r0,1,0",
     .doc_flags = "deprecated", .deprecated_since = "6.2.0",
     .replaced_by = "`LMOVE` with the `RIGHT` and `LEFT` arguments",
     .args = "key:source#0 key:destination#1"},
    {"rpush", .key_specs = "RW insert|i1|r0,1,0",
     .history = "2.4.0 Accepts multiple `element` arguments.",
     .args = "key:key#0 string:element*"},
    {"rpushx", .key_specs = "RW insert|i1|r0,1,0",
     .history = "4.0.0 Accepts multiple `element` arguments.",
     .args = "key:key#0 string:element*"},
    {"save", .flags = "no_async_loading"},
    {"scan", .tips = "nondeterministic_output request_policy:special",
     .history = "6.0.0 Added the `TYPE` subcommand.",
     .args = "integer:cursor pattern:pattern=MATCH? integer:count=COUNT? "
             "string:type=TYPE@6.0.0?"},
    {"select", .args = "integer:index"},
    {"set",
     .key_specs = "RW access update variable_flags|i1|r0,1,0|RW and ACCESS "
                  "due to the optional `GET` argument",
     .history = "2.6.12 Added the `EX`, `PX`, `NX` and `XX` options.|6.0.0 "
                "Added the `KEEPTTL` option.|6.2.0 Added the `GET`, `EXAT` "
                "and `PXAT` option.|7.0.0 Allowed the `NX` and `GET` options "
                "to be used together.",
     .args = "key:key#0 string:value oneof:condition@2.6.12?("
             "pure-token:nx=NX pure-token:xx=XX) pure-token:get=GET@6.2.0? "
             "oneof:expiration?(integer:seconds=EX@2.6.12 "
             "integer:milliseconds=PX@2.6.12 "
             "unix-time:unix-time-seconds=EXAT@6.2.0 "
             "unix-time:unix-time-milliseconds=PXAT@6.2.0 "
             "pure-token:keepttl=KEEPTTL@6.0.0)"},
    {"setex", .key_specs = "OW update|i1|r0,1,0",
     .args = "key:key#0 integer:seconds string:value"},
    {"setnx", .key_specs = "OW insert|i1|r0,1,0",
     .args = "key:key#0 string:value"},
    {"setrange", .key_specs = "RW update|i1|r0,1,0",
     .args = "key:key#0 integer:offset string:value"},
    {"shutdown",
     .history = "7.0.0 Added the `NOW`, `FORCE` and `ABORT` modifiers.",
     .args = "oneof:nosave_save?(pure-token:nosave=NOSAVE "
             "pure-token:save=SAVE) pure-token:now=NOW@7.0.0? "
             "pure-token:force=FORCE@7.0.0? pure-token:abort=ABORT@7.0.0?"},
    {"spublish", .key_specs = "not_key|i1|r0,1,0",
     .args = "string:shardchannel string:message"},
    {"ssubscribe", .key_specs = "not_key|i1|r-1,1,0",
     .args = "string:shardchannel*"},
    {"strlen", .key_specs = "RO|i1|r0,1,0", .args = "key:key#0"},
    {"subscribe", .args = "string:channel*"},
    {"substr", .key_specs = "RO access|i1|r0,1,0", .doc_flags = "deprecated",
     .deprecated_since = "2.0.0", .replaced_by = "`GETRANGE`",
     .args = "key:key#0 integer:start integer:end"},
    {"sunsubscribe", .key_specs = "not_key|i1|r-1,1,0",
     .args = "string:shardchannel?*"},
    {"swapdb", .args = "integer:index1 integer:index2"},
    {"time", .tips = "nondeterministic_output"},
    {"touch", .tips = "request_policy:multi_shard response_policy:agg_sum",
     .key_specs = "RO|i1|r-1,1,0", .args = "key:key#0*"},
    {"ttl", .tips = "nondeterministic_output",
     .key_specs = "RO access|i1|r0,1,0", .history = "2.8.0 Added the -2 reply.",
     .args = "key:key#0"},
    {"type", .key_specs = "RO|i1|r0,1,0", .args = "key:key#0"},
    {"unlink", .tips = "request_policy:multi_shard response_policy:agg_sum",
     .key_specs = "RM delete|i1|r-1,1,0", .args = "key:key#0*"},
    {"unsubscribe", .args = "string:channel?*"},
    {"watch", .key_specs = "RO|i1|r-1,1,0", .args = "key:key#0*"},
};

/* A key spec, parsed from a key_specs field or derived from the legacy
 * key range. */
struct command_key_spec {
    struct command_span flags; /* "RW access update" */
    struct command_span notes;
    char begin;                  /* 'i' index, 'k' keyword, 'u' unknown */
    long index;                  /* begin 'i' */
    struct command_span keyword; /* begin 'k' */
    long startfrom;
    char find;  /* 'r' range, 'n' keynum, 'u' unknown */
    long fk[3]; /* lastkey, keystep, limit or keynumidx, firstkey, keystep */
};

/* One argument of a COMMAND DOCS argument tree. */
struct command_arg {
    struct command_span type, name, token, since, deprecated;
    long key_spec_index; /* -1 when none */
    int optional, multiple, multiple_token;
    struct command_span children; /* inside the parentheses */
};

/* COMMAND INFO flag names in the order Redis prints them, with the CMD_*
 * bit that stands for each (0 for those only metadata or key specs give). */
static const struct {
    const char *name;
    uint32_t bit;
} command_flag_names[] = {
    {"write", CMD_WRITE},
    {"readonly", CMD_READONLY},
    {"denyoom", CMD_DENYOOM},
    {"module", 0},
    {"admin", CMD_ADMIN},
    {"pubsub", CMD_PUBSUB},
    {"noscript", CMD_NOSCRIPT},
    {"blocking", CMD_BLOCKING},
    {"loading", CMD_LOADING},
    {"stale", CMD_STALE},
    {"skip_monitor", CMD_SKIP_MONITOR},
    {"skip_slowlog", 0},
    {"asking", 0},
    {"fast", CMD_FAST},
    {"no_auth", CMD_NO_AUTH},
    {"may_replicate", 0},
    {"no_mandatory_keys", 0},
    {"no_async_loading", 0},
    {"no_multi", CMD_NO_MULTI},
    {"movablekeys", 0},
    {"allow_busy", CMD_ALLOW_BUSY},
};

#define COMMAND_NFLAGS                                                         \
    (sizeof(command_flag_names) / sizeof(*command_flag_names))

/* --- small text helpers ------------------------------------------------ */

/* Store in *out the piece of p up to the first of stops (or the end), and
 * return a pointer to where it stopped. */
static const char *command_span_until(const char *p, const char *stops,
                                      struct command_span *out)
{
    out->p = p;
    out->len = strcspn(p, stops);
    return p + out->len;
}

static struct command_span command_span_of(const char *s)
{
    struct command_span sp = {s, s ? strlen(s) : 0};
    return sp;
}

/* Number of words separated by single spaces in s[0..n). */
static int command_count_words(const char *s, size_t n)
{
    int words = 0;

    for (size_t i = 0; i < n; i++) {
        if (s[i] != ' ' && (i == 0 || s[i - 1] == ' '))
            words++;
    }
    return words;
}

/* Whether the space-separated list s contains word. */
static int command_has_word(const char *s, const char *word)
{
    size_t wlen = strlen(word);

    while (s && *s) {
        size_t n = strcspn(s, " ");
        if (n == wlen && memcmp(s, word, n) == 0)
            return 1;
        s += n + (s[n] == ' ');
    }
    return 0;
}

/* The same for the space-separated list p[0..len), not NUL-terminated. */
static int command_span_has_word(const char *p, size_t len, const char *word)
{
    size_t wlen = strlen(word), i = 0;

    while (i < len) {
        size_t n = 0;
        while (i + n < len && p[i + n] != ' ')
            n++;
        if (n == wlen && memcmp(p + i, word, n) == 0)
            return 1;
        i += n + 1;
    }
    return 0;
}

/* Reply with a simple string that is not NUL-terminated.  It is written
 * raw because a simple string is the same in RESP2 and RESP3. */
static void command_reply_simple_n(struct conn *c, const char *p, size_t n)
{
    reply_raw(c, "+", 1);
    reply_raw(c, p, n);
    reply_raw(c, "\r\n", 2);
}

/* Reply with the space-separated words of s[0..n) as a set: of simple
 * strings (flags, categories), or of bulk strings when bulk is set (tips,
 * as Redis sends them). */
static void command_reply_words_n(struct conn *c, const char *s, size_t n,
                                  int bulk)
{
    const char *end = s + n;

    reply_set(c, command_count_words(s, n));
    while (s < end) {
        size_t len = strcspn(s, " ");
        if (len > (size_t)(end - s))
            len = end - s;
        if (len > 0 && bulk)
            reply_bulk(c, s, len);
        else if (len > 0)
            command_reply_simple_n(c, s, len);
        s += len + 1;
    }
}

static void command_reply_words(struct conn *c, const char *s, int bulk)
{
    command_reply_words_n(c, s ? s : "", s ? strlen(s) : 0, bulk);
}

/* A map field whose value is a bulk string. */
static void command_reply_field(struct conn *c, const char *name,
                                struct command_span value)
{
    reply_bulk_cstr(c, name);
    reply_bulk(c, value.p, value.len);
}

/* A map field whose value is the string s, empty when s is NULL. */
static void command_reply_text(struct conn *c, const char *name, const char *s)
{
    command_reply_field(c, name, command_span_of(s ? s : ""));
}

static void command_reply_int_field(struct conn *c, const char *name,
                                    long long v)
{
    reply_bulk_cstr(c, name);
    reply_int(c, v);
}

/* --- finding commands and their metadata ------------------------------ */

static const char *command_fullname(const struct cmd *cmd)
{
    return cmd->fullname[0] ? cmd->fullname : cmd->name;
}

static int command_meta_cmp(const void *key, const void *row)
{
    return strcmp(key, ((const struct command_meta *)row)->fullname);
}

/* The metadata row of cmd, or NULL when it has none. */
static const struct command_meta *command_meta_of(const struct cmd *cmd)
{
    return bsearch(command_fullname(cmd), command_meta,
                   sizeof(command_meta) / sizeof(*command_meta),
                   sizeof(*command_meta), command_meta_cmp);
}

/* The subcommand of container cmd named p[0..n), case-insensitively, or
 * NULL. */
static struct cmd *command_find_sub(struct cmd *cmd, const char *p, size_t n)
{
    if (!cmd->subcmds)
        return NULL;
    for (struct cmd *sub = cmd->subcmds; sub->name; sub++) {
        if (util_eq_ci(p, n, sub->name))
            return sub;
    }
    return NULL;
}

/* The command named p[0..n) as COMMAND INFO and DOCS take names: "get" or
 * "client|kill", case-insensitively.  NULL when there is none. */
static struct cmd *command_find_name(const char *p, size_t n)
{
    const char *bar = memchr(p, '|', n);
    struct cmd *cmd = cmd_lookup(p, bar ? (size_t)(bar - p) : n);

    if (!cmd || !bar)
        return cmd;
    return command_find_sub(cmd, bar + 1, n - (size_t)(bar - p) - 1);
}

/* The command a request argv[0..argc) would run, as cmd_dispatch resolves
 * it: a container's subcommand is its second word.  NULL when unknown. */
static struct cmd *command_find_argv(const struct resp_arg *argv, int argc)
{
    struct cmd *cmd = cmd_lookup(argv[0].ptr, argv[0].len);

    if (!cmd || !cmd->subcmds || argc < 2)
        return cmd;
    return command_find_sub(cmd, argv[1].ptr, argv[1].len);
}

static int command_count_subcmds(const struct cmd *cmd)
{
    int n = 0;

    for (const struct cmd *sub = cmd->subcmds; sub && sub->name; sub++)
        n++;
    return n;
}

/* --- key specs -------------------------------------------------------- */

/* Parse n comma-separated integers at p into out; return the end. */
static const char *command_parse_longs(const char *p, long *out, int n)
{
    char *end;

    for (int i = 0; i < n; i++) {
        out[i] = strtol(p, &end, 10);
        p = *end == ',' ? end + 1 : end;
    }
    return p;
}

static const char *command_parse_begin(const char *p,
                                       struct command_key_spec *ks)
{
    ks->begin = *p++;
    if (ks->begin == 'i')
        return command_parse_longs(p, &ks->index, 1);
    if (ks->begin == 'k') {
        p = command_span_until(p, ",", &ks->keyword);
        return command_parse_longs(p + (*p == ','), &ks->startfrom, 1);
    }
    return p;
}

static const char *command_parse_find(const char *p,
                                      struct command_key_spec *ks)
{
    ks->find = *p++;
    if (ks->find == 'r' || ks->find == 'n')
        return command_parse_longs(p, ks->fk, 3);
    return p;
}

/* Parse the key spec at p (see command_meta); return where it ends, at the
 * ';' before the next spec or at the end of the string. */
static const char *command_parse_spec(const char *p,
                                      struct command_key_spec *ks)
{
    memset(ks, 0, sizeof(*ks));
    p = command_span_until(p, "|;", &ks->flags);
    if (*p == '|')
        p = command_parse_begin(p + 1, ks);
    if (*p == '|')
        p = command_parse_find(p + 1, ks);
    if (*p == '|')
        p = command_span_until(p + 1, ";", &ks->notes);
    return p;
}

/* Fill specs[] (COMMAND_MAX_KEY_SPECS long) with cmd's key specs and
 * return how many.  Without a row, a command with a legacy key range gets
 * the one range spec Redis would give it, with flags guessed from
 * CMD_READONLY / CMD_WRITE. */
static int command_key_specs(const struct cmd *cmd,
                             const struct command_meta *meta,
                             struct command_key_spec *specs)
{
    int n = 0;

    if (meta && meta->key_specs) {
        const char *p = meta->key_specs;
        while (*p && n < COMMAND_MAX_KEY_SPECS) {
            p = command_parse_spec(p, &specs[n++]);
            p += (*p == ';');
        }
        return n;
    }
    if (cmd->first_key <= 0)
        return 0;
    memset(specs, 0, sizeof(*specs));
    specs->flags =
        command_span_of(cmd->flags & CMD_READONLY ? "RO access" : "RW update");
    specs->begin = 'i';
    specs->index = cmd->first_key;
    specs->find = 'r';
    specs->fk[0] =
        cmd->last_key < 0 ? cmd->last_key : cmd->last_key - cmd->first_key;
    specs->fk[1] = cmd->key_step > 0 ? cmd->key_step : 1;
    return 1;
}

/* Whether a client must run the command to know where its keys are. */
static int command_keys_movable(const struct command_key_spec *specs, int n)
{
    for (int i = 0; i < n; i++) {
        if (specs[i].begin != 'i' || specs[i].find != 'r')
            return 1;
    }
    return 0;
}

static void command_reply_begin_search(struct conn *c,
                                       const struct command_key_spec *ks)
{
    reply_map(c, 2);
    reply_bulk_cstr(c, "type");
    if (ks->begin == 'i') {
        reply_bulk_cstr(c, "index");
        reply_bulk_cstr(c, "spec");
        reply_map(c, 1);
        command_reply_int_field(c, "index", ks->index);
    } else if (ks->begin == 'k') {
        reply_bulk_cstr(c, "keyword");
        reply_bulk_cstr(c, "spec");
        reply_map(c, 2);
        command_reply_field(c, "keyword", ks->keyword);
        command_reply_int_field(c, "startfrom", ks->startfrom);
    } else {
        reply_bulk_cstr(c, "unknown");
        reply_bulk_cstr(c, "spec");
        reply_map(c, 0);
    }
}

static void command_reply_find_keys(struct conn *c,
                                    const struct command_key_spec *ks)
{
    static const char *const range[] = {"lastkey", "keystep", "limit"};
    static const char *const keynum[] = {"keynumidx", "firstkey", "keystep"};
    const char *const *names = ks->find == 'r' ? range : keynum;

    reply_map(c, 2);
    reply_bulk_cstr(c, "type");
    reply_bulk_cstr(c, ks->find == 'r'   ? "range"
                       : ks->find == 'n' ? "keynum"
                                         : "unknown");
    reply_bulk_cstr(c, "spec");
    if (ks->find != 'r' && ks->find != 'n') {
        reply_map(c, 0);
        return;
    }
    reply_map(c, 3);
    for (int i = 0; i < 3; i++)
        command_reply_int_field(c, names[i], ks->fk[i]);
}

static void command_reply_key_spec(struct conn *c,
                                   const struct command_key_spec *ks)
{
    reply_map(c, ks->notes.p ? 4 : 3);
    if (ks->notes.p)
        command_reply_field(c, "notes", ks->notes);
    reply_bulk_cstr(c, "flags");
    command_reply_words_n(c, ks->flags.p, ks->flags.len, 0);
    reply_bulk_cstr(c, "begin_search");
    command_reply_begin_search(c, ks);
    reply_bulk_cstr(c, "find_keys");
    command_reply_find_keys(c, ks);
}

/* --- COMMAND INFO ----------------------------------------------------- */

static int command_has_flag(const struct cmd *cmd,
                            const struct command_meta *meta, int movable,
                            size_t i)
{
    if (command_flag_names[i].bit)
        return (cmd->flags & command_flag_names[i].bit) != 0;
    if (strcmp(command_flag_names[i].name, "movablekeys") == 0)
        return movable;
    return meta && command_has_word(meta->flags, command_flag_names[i].name);
}

static void command_reply_flags(struct conn *c, const struct cmd *cmd,
                                const struct command_meta *meta, int movable)
{
    int n = 0;

    for (size_t i = 0; i < COMMAND_NFLAGS; i++)
        n += command_has_flag(cmd, meta, movable, i);
    reply_set(c, n);
    for (size_t i = 0; i < COMMAND_NFLAGS; i++) {
        if (command_has_flag(cmd, meta, movable, i))
            reply_simple(c, command_flag_names[i].name);
    }
}

static void command_reply_info(struct conn *c, const struct cmd *cmd);

/* The subcommands' entries: an array, but an empty set for a command
 * without subcommands, as Redis 7.0 writes them in RESP3. */
static void command_reply_subcmds_info(struct conn *c, const struct cmd *cmd)
{
    int n = command_count_subcmds(cmd);

    if (n == 0) {
        reply_set(c, 0);
        return;
    }
    reply_array(c, n);
    for (const struct cmd *sub = cmd->subcmds; sub && sub->name; sub++)
        command_reply_info(c, sub);
}

/* One COMMAND INFO entry: name, arity, flags, first key, last key, step,
 * ACL categories, tips, key specs, subcommands. */
static void command_reply_info(struct conn *c, const struct cmd *cmd)
{
    const struct command_meta *meta = command_meta_of(cmd);
    struct command_key_spec specs[COMMAND_MAX_KEY_SPECS];
    int nspecs = command_key_specs(cmd, meta, specs);

    reply_array(c, 10);
    reply_bulk_cstr(c, command_fullname(cmd));
    reply_int(c, cmd->arity);
    command_reply_flags(c, cmd, meta, command_keys_movable(specs, nspecs));
    reply_int(c, cmd->first_key);
    reply_int(c, cmd->last_key);
    reply_int(c, cmd->key_step);
    command_reply_words(c, cmd->acl_categories, 0);
    command_reply_words(c, meta ? meta->tips : NULL, 1);
    reply_set(c, nspecs);
    for (int i = 0; i < nspecs; i++)
        command_reply_key_spec(c, &specs[i]);
    command_reply_subcmds_info(c, cmd);
}

static void command_reply_all_info(struct conn *c)
{
    int n = cmd_count();

    reply_array(c, n);
    for (int i = 0; i < n; i++)
        command_reply_info(c, cmd_at(i));
}

/* COMMAND */
static void command_command(struct conn *c)
{
    command_reply_all_info(c);
}

/* COMMAND INFO [command-name ...] */
static void command_info_command(struct conn *c)
{
    if (c->argc == 2) {
        command_reply_all_info(c);
        return;
    }
    reply_array(c, c->argc - 2);
    for (int i = 2; i < c->argc; i++) {
        struct cmd *cmd = command_find_name(c->argv[i].ptr, c->argv[i].len);
        if (cmd)
            command_reply_info(c, cmd);
        else
            reply_null(c);
    }
}

/* COMMAND COUNT */
static void command_count_command(struct conn *c)
{
    reply_int(c, cmd_count());
}

/* --- COMMAND DOCS ----------------------------------------------------- */

/* Parse the children of an argument, p being just after their '('; return
 * the end, after the matching ')'. */
static const char *command_parse_children(const char *p, struct command_arg *a)
{
    int depth = 0;

    a->children.p = p;
    for (; *p && (*p != ')' || depth > 0); p++)
        depth += (*p == '(') - (*p == ')');
    a->children.len = (size_t)(p - a->children.p);
    return *p ? p + 1 : p;
}

/* Parse one modifier of an argument (see command_meta); return its end. */
static const char *command_parse_modifier(const char *p, struct command_arg *a)
{
    char *end;

    switch (*p++) {
    case '#':
        a->key_spec_index = strtol(p, &end, 10);
        return end;
    case '=':
        return command_span_until(p, COMMAND_ARG_STOPS, &a->token);
    case '@':
        return command_span_until(p, COMMAND_ARG_STOPS, &a->since);
    case '!':
        return command_span_until(p, COMMAND_ARG_STOPS, &a->deprecated);
    case '?':
        a->optional = 1;
        return p;
    case '*':
        a->multiple = 1;
        return p;
    case '+':
        a->multiple_token = 1;
        return p;
    case '(':
        return command_parse_children(p, a);
    default: /* a stray character in a row: skip it */
        return p;
    }
}

/* Parse the argument at p (see command_meta); return where it ends, at the
 * space before the next one, the ')' closing its parent, or the end. */
static const char *command_parse_arg(const char *p, struct command_arg *a)
{
    memset(a, 0, sizeof(*a));
    a->key_spec_index = -1;
    p = command_span_until(p, ":", &a->type);
    p = command_span_until(p + (*p == ':'), COMMAND_ARG_STOPS, &a->name);
    while (*p && *p != ' ' && *p != ')')
        p = command_parse_modifier(p, a);
    return p;
}

static int command_count_args(const char *p, const char *end)
{
    struct command_arg a;
    int n = 0;

    while (p < end) {
        p = command_parse_arg(p, &a);
        p += (*p == ' ');
        n++;
    }
    return n;
}

static void command_reply_args(struct conn *c, const char *p, const char *end);

static void command_reply_arg_flags(struct conn *c, const struct command_arg *a)
{
    reply_bulk_cstr(c, "flags");
    reply_set(c, a->optional + a->multiple + a->multiple_token);
    if (a->optional)
        reply_simple(c, "optional");
    if (a->multiple)
        reply_simple(c, "multiple");
    if (a->multiple_token)
        reply_simple(c, "multiple_token");
}

/* One argument's map, its fields in the order Redis 7.0 writes them. */
static void command_reply_arg(struct conn *c, const struct command_arg *a)
{
    int has_flags = a->optional || a->multiple || a->multiple_token;

    reply_map(c, 2 + (a->key_spec_index >= 0) + (a->token.p != NULL) +
                     (a->since.p != NULL) + (a->deprecated.p != NULL) +
                     has_flags + (a->children.p != NULL));
    command_reply_field(c, "name", a->name);
    command_reply_field(c, "type", a->type);
    if (a->key_spec_index >= 0)
        command_reply_int_field(c, "key_spec_index", a->key_spec_index);
    if (a->token.p)
        command_reply_field(c, "token", a->token);
    if (a->since.p)
        command_reply_field(c, "since", a->since);
    if (a->deprecated.p)
        command_reply_field(c, "deprecated_since", a->deprecated);
    if (has_flags)
        command_reply_arg_flags(c, a);
    if (a->children.p) {
        reply_bulk_cstr(c, "arguments");
        command_reply_args(c, a->children.p, a->children.p + a->children.len);
    }
}

/* The array of the arguments written in p[0..end). */
static void command_reply_args(struct conn *c, const char *p, const char *end)
{
    struct command_arg a;

    reply_array(c, command_count_args(p, end));
    while (p < end) {
        p = command_parse_arg(p, &a);
        command_reply_arg(c, &a);
        p += (*p == ' ');
    }
}

/* The history entries of s ("VERSION TEXT|VERSION TEXT"), each an array
 * of its version and its text. */
static void command_reply_history(struct conn *c, const char *s)
{
    struct command_span entry;
    int n = 1;

    for (const char *p = s; *p; p++)
        n += (*p == '|');
    reply_set(c, n);
    while (*s) {
        size_t vlen;
        s = command_span_until(s, "|", &entry);
        vlen = strcspn(entry.p, " ");
        reply_array(c, 2);
        reply_bulk(c, entry.p, vlen);
        reply_bulk(c, entry.p + vlen + 1, entry.len - vlen - 1);
        s += (*s == '|');
    }
}

static void command_reply_doc(struct conn *c, const struct cmd *cmd);

/* How many fields of a COMMAND DOCS map a metadata row gives. */
static int command_meta_doc_fields(const struct command_meta *m)
{
    if (!m)
        return 0;
    return (m->doc_flags != NULL) + (m->deprecated_since != NULL) +
           (m->replaced_by != NULL) + (m->history != NULL) + (m->args != NULL);
}

static void command_reply_meta_doc(struct conn *c, const struct command_meta *m)
{
    if (!m)
        return;
    if (m->doc_flags) {
        reply_bulk_cstr(c, "doc_flags");
        command_reply_words(c, m->doc_flags, 0);
    }
    if (m->deprecated_since)
        command_reply_text(c, "deprecated_since", m->deprecated_since);
    if (m->replaced_by)
        command_reply_text(c, "replaced_by", m->replaced_by);
    if (m->history) {
        reply_bulk_cstr(c, "history");
        command_reply_history(c, m->history);
    }
    if (m->args) {
        reply_bulk_cstr(c, "arguments");
        command_reply_args(c, m->args, m->args + strlen(m->args));
    }
}

/* One COMMAND DOCS map.  summary, since and group are always present,
 * empty when struct cmd lacks them, because redis-cli reads them without
 * checking. */
static void command_reply_doc(struct conn *c, const struct cmd *cmd)
{
    const struct command_meta *meta = command_meta_of(cmd);
    int nsub = command_count_subcmds(cmd);

    reply_map(c, 3 + (cmd->complexity != NULL) + command_meta_doc_fields(meta) +
                     (nsub > 0));
    command_reply_text(c, "summary", cmd->summary);
    command_reply_text(c, "since", cmd->since);
    command_reply_text(c, "group", cmd->group);
    if (cmd->complexity)
        command_reply_text(c, "complexity", cmd->complexity);
    command_reply_meta_doc(c, meta);
    if (nsub > 0) {
        reply_bulk_cstr(c, "subcommands");
        reply_map(c, nsub);
        for (const struct cmd *sub = cmd->subcmds; sub->name; sub++) {
            reply_bulk_cstr(c, command_fullname(sub));
            command_reply_doc(c, sub);
        }
    }
}

/* COMMAND DOCS [command-name ...] */
static void command_docs_command(struct conn *c)
{
    int found = 0;

    if (c->argc == 2) {
        reply_map(c, cmd_count());
        for (int i = 0; i < cmd_count(); i++) {
            reply_bulk_cstr(c, command_fullname(cmd_at(i)));
            command_reply_doc(c, cmd_at(i));
        }
        return;
    }
    /* Unknown names are left out, so count the known ones first. */
    for (int i = 2; i < c->argc; i++)
        found += command_find_name(c->argv[i].ptr, c->argv[i].len) != NULL;
    reply_map(c, found);
    for (int i = 2; i < c->argc; i++) {
        struct cmd *cmd = command_find_name(c->argv[i].ptr, c->argv[i].len);
        if (cmd) {
            reply_bulk_cstr(c, command_fullname(cmd));
            command_reply_doc(c, cmd);
        }
    }
}

/* --- COMMAND LIST ----------------------------------------------------- */

enum command_filter {
    COMMAND_FILTER_NONE,
    COMMAND_FILTER_MODULE,
    COMMAND_FILTER_ACLCAT,
    COMMAND_FILTER_PATTERN
};

/* Whether cmd's ACL categories ("@read @string @fast") include the one
 * named arg[0..) without its '@', case-insensitively. */
static int command_in_category(const struct cmd *cmd,
                               const struct resp_arg *arg)
{
    const char *cats = cmd->acl_categories;

    while (cats && *cats) {
        size_t n = strcspn(cats, " ");
        if (n == arg->len + 1 && cats[0] == '@' &&
            strncasecmp(cats + 1, arg->ptr, arg->len) == 0)
            return 1;
        cats += n + (cats[n] == ' ');
    }
    return 0;
}

/* Whether cmd passes COMMAND LIST's filter f, whose argument is arg.
 * respd has no modules, so no command belongs to one. */
static int command_list_match(const struct cmd *cmd, enum command_filter f,
                              const struct resp_arg *arg)
{
    const char *name = command_fullname(cmd);

    switch (f) {
    case COMMAND_FILTER_MODULE:
        return 0;
    case COMMAND_FILTER_ACLCAT:
        return command_in_category(cmd, arg);
    case COMMAND_FILTER_PATTERN:
        return util_glob_match(arg->ptr, arg->len, name, strlen(name), 1);
    default:
        return 1;
    }
}

static int command_list_one(struct conn *c, const struct cmd *cmd,
                            enum command_filter f, const struct resp_arg *arg,
                            int emit)
{
    if (!command_list_match(cmd, f, arg))
        return 0;
    if (emit)
        reply_bulk_cstr(c, command_fullname(cmd));
    return 1;
}

/* Count the commands and subcommands that pass the filter and, when emit
 * is set, reply with their names, in table order (each container before
 * its subcommands). */
static int command_list_walk(struct conn *c, enum command_filter f,
                             const struct resp_arg *arg, int emit)
{
    int n = 0;

    for (int i = 0; i < cmd_count(); i++) {
        const struct cmd *cmd = cmd_at(i);
        n += command_list_one(c, cmd, f, arg, emit);
        for (const struct cmd *sub = cmd->subcmds; sub && sub->name; sub++)
            n += command_list_one(c, sub, f, arg, emit);
    }
    return n;
}

/* COMMAND LIST [FILTERBY MODULE module-name | ACLCAT category |
 *               PATTERN pattern] */
static void command_list_command(struct conn *c)
{
    enum command_filter f = COMMAND_FILTER_NONE;
    const struct resp_arg *arg = NULL;

    if (c->argc == 5 &&
        util_eq_ci(c->argv[2].ptr, c->argv[2].len, "filterby")) {
        const struct resp_arg *kind = &c->argv[3];
        arg = &c->argv[4];
        if (util_eq_ci(kind->ptr, kind->len, "module"))
            f = COMMAND_FILTER_MODULE;
        else if (util_eq_ci(kind->ptr, kind->len, "aclcat"))
            f = COMMAND_FILTER_ACLCAT;
        else if (util_eq_ci(kind->ptr, kind->len, "pattern"))
            f = COMMAND_FILTER_PATTERN;
    }
    if (c->argc != 2 && f == COMMAND_FILTER_NONE) {
        reply_error(c, ERR_SYNTAX);
        return;
    }
    reply_array(c, command_list_walk(c, f, arg, 0));
    command_list_walk(c, f, arg, 1);
}

/* --- COMMAND GETKEYS -------------------------------------------------- */

/* Find the keyword of spec ks in argv, searching forward from startfrom
 * or, when it is negative, backward from argc + startfrom, without looking
 * at the last (first) argument as Redis does.  Set *first to the argument
 * after it and return 0, or return 1 when it is absent. */
static int command_find_keyword(const struct command_key_spec *ks,
                                const struct resp_arg *argv, int argc,
                                long *first)
{
    int forward = ks->startfrom > 0;
    long i = forward ? ks->startfrom : argc + ks->startfrom;
    long stop = forward ? argc - 1 : 1; /* not looked at */

    for (; i != stop && i >= 1 && i < argc; i += forward ? 1 : -1) {
        if (argv[i].len == ks->keyword.len &&
            strncasecmp(argv[i].ptr, ks->keyword.p, ks->keyword.len) == 0) {
            *first = i + 1;
            return 0;
        }
    }
    return 1;
}

/* Where spec ks finds keys in argv[0..argc): positions *first, *first +
 * *step, ... up to *last (which may pass argc: callers stop at argc, as
 * Redis does for commands of variable arity).  Returns 0, 1 when the spec
 * finds no key here (its keyword is absent), or -1 when the keys cannot be
 * known without running the command. */
static int command_spec_range(const struct command_key_spec *ks,
                              const struct resp_arg *argv, int argc,
                              long *first, long *last, long *step)
{
    long long numkeys;

    *first = ks->index;
    if (ks->begin == 'k' && command_find_keyword(ks, argv, argc, first) != 0)
        return 1;
    if (ks->begin != 'i' && ks->begin != 'k')
        return -1;
    if (ks->find == 'r') {
        *step = ks->fk[1] > 0 ? ks->fk[1] : 1;
        if (ks->fk[0] >= 0)
            *last = *first + ks->fk[0];
        else if (ks->fk[2] == 0)
            *last = argc + ks->fk[0];
        else
            *last = *first + ((argc - *first) / ks->fk[2] + ks->fk[0]);
        return 0;
    }
    if (ks->find != 'n' || *first + ks->fk[0] >= argc)
        return -1;
    if (util_str2ll(argv[*first + ks->fk[0]].ptr, argv[*first + ks->fk[0]].len,
                    &numkeys) != 0 ||
        numkeys < 0)
        return -1;
    *first += ks->fk[1];
    *last = *first + numkeys - 1;
    *step = ks->fk[2] > 0 ? ks->fk[2] : 1;
    return 0;
}

/* A request whose keys COMMAND GETKEYS looks for. */
struct command_keys_req {
    const struct cmd *cmd;
    const struct command_meta *meta;
    const struct resp_arg *argv;
    int argc;
    struct command_key_spec specs[COMMAND_MAX_KEY_SPECS];
    int nspecs;
};

/* The flags of a key found by spec ks.  A spec with variable_flags has
 * flags that depend on the request: SET's on its GET option, the only such
 * command respd has. */
static struct command_span command_key_flags(const struct command_keys_req *r,
                                             const struct command_key_spec *ks)
{
    struct command_span flags = ks->flags;

    if (strcmp(command_fullname(r->cmd), "set") != 0)
        return flags;
    for (int i = 3; i < r->argc; i++) {
        if (util_eq_ci(r->argv[i].ptr, r->argv[i].len, "get"))
            return command_span_of("RW access update");
    }
    return command_span_of("OW update");
}

static void command_reply_key(struct conn *c, const struct command_keys_req *r,
                              const struct command_key_spec *ks, long pos,
                              int with_flags)
{
    struct command_span flags;

    if (!with_flags) {
        reply_bulk(c, r->argv[pos].ptr, r->argv[pos].len);
        return;
    }
    flags = command_key_flags(r, ks);
    reply_array(c, 2);
    reply_bulk(c, r->argv[pos].ptr, r->argv[pos].len);
    command_reply_words_n(c, flags.p, flags.len, 0);
}

/* Count the keys of request r and, when emit is set, reply with each (and
 * its flags when with_flags).  Returns the count, or -1 when a spec cannot
 * find its keys without running the command. */
static int command_walk_keys(struct conn *c, const struct command_keys_req *r,
                             int emit, int with_flags)
{
    int n = 0;

    for (int s = 0; s < r->nspecs; s++) {
        long first, last, step;
        int rc = command_spec_range(&r->specs[s], r->argv, r->argc, &first,
                                    &last, &step);
        if (rc < 0)
            return -1;
        for (long i = first; rc == 0 && i <= last && i < r->argc; i += step) {
            n++;
            if (emit)
                command_reply_key(c, r, &r->specs[s], i, with_flags);
        }
    }
    return n;
}

/* Drop the specs flagged not_key (SPUBLISH's channel): they describe
 * arguments that look like keys but are not, and GETKEYS skips them as
 * Redis does.  Returns how many remain. */
static int command_drop_not_key(struct command_key_spec *specs, int n)
{
    int kept = 0;

    for (int i = 0; i < n; i++) {
        const struct command_span *f = &specs[i].flags;
        if (!command_span_has_word(f->p, f->len, "not_key"))
            specs[kept++] = specs[i];
    }
    return kept;
}

/* Resolve the request in c->argv[2..] into r.  Replies with Redis's error
 * and returns -1 when its command is unknown, has no keys, or is given the
 * wrong number of arguments. */
static int command_keys_req_init(struct conn *c, struct command_keys_req *r)
{
    r->argv = c->argv + 2;
    r->argc = c->argc - 2;
    r->cmd = command_find_argv(r->argv, r->argc);
    if (!r->cmd) {
        reply_error(c, "ERR Invalid command specified");
        return -1;
    }
    r->meta = command_meta_of(r->cmd);
    r->nspecs = command_drop_not_key(
        r->specs, command_key_specs(r->cmd, r->meta, r->specs));
    if (r->nspecs == 0) {
        reply_error(c, "ERR The command has no key arguments");
        return -1;
    }
    if ((r->cmd->arity > 0 && r->cmd->arity != r->argc) ||
        r->argc < -r->cmd->arity) {
        reply_error(c, "ERR Invalid number of arguments specified for command");
        return -1;
    }
    return 0;
}

static void command_getkeys_worker(struct conn *c, int with_flags)
{
    struct command_keys_req r;
    int n;

    if (command_keys_req_init(c, &r) != 0)
        return;
    n = command_walk_keys(c, &r, 0, with_flags);
    if (n <= 0 &&
        !(r.meta && command_has_word(r.meta->flags, "no_mandatory_keys"))) {
        reply_error(c, "ERR Invalid arguments specified for command");
        return;
    }
    reply_array(c, n > 0 ? n : 0);
    if (n > 0)
        command_walk_keys(c, &r, 1, with_flags);
}

/* COMMAND GETKEYS command [arg ...] */
static void command_getkeys_command(struct conn *c)
{
    command_getkeys_worker(c, 0);
}

/* COMMAND GETKEYSANDFLAGS command [arg ...] */
static void command_getkeysandflags_command(struct conn *c)
{
    command_getkeys_worker(c, 1);
}

/* COMMAND HELP */
static void command_help_command(struct conn *c)
{
    static const char *lines[] = {
        "(no subcommand)",
        "    Return details about all Redis commands.",
        "COUNT",
        "    Return the total number of commands in this Redis server.",
        "LIST",
        "    Return a list of all commands in this Redis server.",
        "INFO [<command-name> ...]",
        "    Return details about multiple Redis commands.",
        "    If no command names are given, documentation details for all",
        "    commands are returned.",
        "DOCS [<command-name> ...]",
        "    Return documentation details about multiple Redis commands.",
        "    If no command names are given, documentation details for all",
        "    commands are returned.",
        "GETKEYS <full-command>",
        "    Return the keys from a full Redis command.",
        "GETKEYSANDFLAGS <full-command>",
        "    Return the keys and the access flags from a full Redis command.",
        NULL};

    reply_help(c, "COMMAND", lines);
}

/* --- the table -------------------------------------------------------- */

#define COMMAND_SUB(n, fn, ar, when, text, cost)                               \
    {                                                                          \
        .name = n, .proc = fn, .arity = ar, .flags = CMD_LOADING | CMD_STALE,  \
        .acl_categories = "@slow @connection", .group = "server",              \
        .since = when, .summary = text, .complexity = cost                     \
    }

static struct cmd command_subcommands[] = {
    COMMAND_SUB("count", command_count_command, 2, "2.8.13",
                "Get total number of Redis commands", "O(1)"),
    COMMAND_SUB("docs", command_docs_command, -2, "7.0.0",
                "Get array of specific Redis command documentation",
                "O(N) where N is the number of commands to look up"),
    COMMAND_SUB("getkeys", command_getkeys_command, -4, "2.8.13",
                "Extract keys given a full Redis command",
                "O(N) where N is the number of arguments to the command"),
    COMMAND_SUB("getkeysandflags", command_getkeysandflags_command, -4, "7.0.0",
                "Extract keys and access flags given a full Redis command",
                "O(N) where N is the number of arguments to the command"),
    COMMAND_SUB("help", command_help_command, 2, "5.0.0",
                "Show helpful text about the different subcommands", "O(1)"),
    COMMAND_SUB("info", command_info_command, -2, "2.8.13",
                "Get array of specific Redis command details, or all when no "
                "argument is given.",
                "O(N) where N is the number of commands to look up"),
    COMMAND_SUB("list", command_list_command, -2, "7.0.0",
                "Get an array of Redis command names",
                "O(N) where N is the total number of Redis commands"),
    {0}};

/* COMMAND runs command_command when called alone, a subcommand
 * otherwise. */
struct cmd command_commands[] = {
    {.name = "command",
     .proc = command_command,
     .arity = -1,
     .flags = CMD_LOADING | CMD_STALE,
     .acl_categories = "@slow @connection",
     .group = "server",
     .since = "2.8.13",
     .summary = "Get array of Redis command details",
     .complexity = "O(N) where N is the total number of Redis commands",
     .subcmds = command_subcommands},
    {0}};
