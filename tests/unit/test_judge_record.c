/* test_judge_record.c -- the submission record (client/judge/record.h)
 * and the judge's shared helpers (client/judge/judge.h): one JSON shape
 * from an HGETALL reply, whatever order the hash gives the fields in, and
 * the checks on names that become parts of keys. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../client/judge/judge.h"
#include "../../client/judge/record.h"

/* A reply to HGETALL: type (RESP_ARRAY or RESP_MAP) over NULL-terminated
 * field, value, field, value ... strings. */
static struct resp_reply *hgetall_reply(enum resp_type type,
                                        const char *const *kv)
{
    struct resp_reply *r = calloc(1, sizeof(*r));
    size_t n = 0;

    while (kv[n])
        n++;
    r->type = type;
    r->elements = n;
    r->element = calloc(n + 1, sizeof(*r->element));
    for (size_t i = 0; i < n; i++) {
        struct resp_reply *e = calloc(1, sizeof(*e));
        e->type = RESP_STRING;
        e->str = strdup(kv[i]);
        e->len = strlen(kv[i]);
        r->element[i] = e;
    }
    return r;
}

/* The JSON of the record read from kv (freed by the caller). */
static char *json_of(enum resp_type type, const char *const *kv)
{
    struct resp_reply *r = hgetall_reply(type, kv);
    struct record rec;
    struct json_writer w;

    record_init(&rec);
    cr_assert_geq(record_from_reply(&rec, r), 0);
    json_writer_init(&w);
    cr_assert_eq(record_write_json(&rec, &w), 0);
    char *out = strdup(json_writer_result(&w, NULL));
    json_writer_free(&w);
    record_free(&rec);
    resp_reply_free(r);
    return out;
}

Test(judge_record, json_follows_the_schema_order_not_the_hash_order)
{
    const char *const kv[] = {
        "status",    "PENDING",  "code",     "int main;", "created", "17",
        "userId",    "alice",    "lang",     "c",         "id",      "1-ab",
        "problemId", "a-plus-b", "attempts", "0",         NULL};
    char *json = json_of(RESP_ARRAY, kv);

    cr_assert_str_eq(json, "{\"id\":\"1-ab\",\"userId\":\"alice\","
                           "\"problemId\":\"a-plus-b\",\"lang\":\"c\","
                           "\"status\":\"PENDING\",\"created\":17,"
                           "\"attempts\":0}");
    free(json);
}

Test(judge_record, a_resp3_map_reads_like_an_array)
{
    const char *const kv[] = {"id",      "x",  "status", "DONE",
                              "verdict", "AC", NULL};
    char *a = json_of(RESP_ARRAY, kv), *m = json_of(RESP_MAP, kv);

    cr_assert_str_eq(a, m);
    cr_assert_str_eq(a, "{\"id\":\"x\",\"status\":\"DONE\","
                        "\"verdict\":\"AC\"}");
    free(a);
    free(m);
}

Test(judge_record, code_and_unknown_fields_never_reach_the_json)
{
    const char *const kv[] = {"id", "x", "code", "secret", "extra", "1", NULL};
    char *json = json_of(RESP_ARRAY, kv);

    cr_assert_str_eq(json, "{\"id\":\"x\"}");
    free(json);
}

Test(judge_record, tests_are_inserted_as_json_only_when_they_are_json)
{
    const char *const good[] = {"id", "x", "tests",
                                "[{\"name\":\"01\",\"verdict\":\"AC\"}]", NULL};
    const char *const bad[] = {"id", "x", "tests", "[{\"name\":", NULL};
    char *g = json_of(RESP_ARRAY, good), *b = json_of(RESP_ARRAY, bad);

    cr_assert_str_eq(g, "{\"id\":\"x\",\"tests\":[{\"name\":\"01\","
                        "\"verdict\":\"AC\"}]}");
    cr_assert_str_eq(b, "{\"id\":\"x\"}");
    free(g);
    free(b);
}

Test(judge_record, integers_that_are_not_integers_are_left_out)
{
    const char *const kv[] = {"id", "x",        "created", "soon", "timeMs",
                              "12", "memoryKb", "-3",      NULL};
    char *json = json_of(RESP_ARRAY, kv);

    cr_assert_str_eq(json, "{\"id\":\"x\",\"timeMs\":12,\"memoryKb\":-3}");
    free(json);
}

Test(judge_record, strings_are_escaped)
{
    const char *const kv[] = {"id", "x", "message", "a \"quote\"\n", NULL};
    char *json = json_of(RESP_ARRAY, kv);

    cr_assert_str_eq(json, "{\"id\":\"x\",\"message\":\"a \\\"quote\\\"\\n\"}");
    free(json);
}

Test(judge_record, an_empty_hash_is_no_record_and_an_error_is_refused)
{
    const char *const none[] = {NULL};
    struct resp_reply *r = hgetall_reply(RESP_ARRAY, none);
    struct resp_reply err = {.type = RESP_ERROR, .str = "WRONGTYPE"};
    struct record rec;

    record_init(&rec);
    cr_assert_eq(record_from_reply(&rec, r), 0);
    cr_assert_eq(record_from_reply(&rec, &err), -1);
    cr_assert_eq(record_from_reply(&rec, NULL), -1);
    record_free(&rec);
    resp_reply_free(r);
}

Test(judge_record, set_get_and_integers)
{
    struct record rec;
    size_t len;

    record_init(&rec);
    cr_assert_eq(record_set_int(&rec, REC_ATTEMPTS, 3), 0);
    cr_assert_eq(record_get_int(&rec, REC_ATTEMPTS, -1), 3);
    cr_assert_eq(record_get_int(&rec, REC_PASSED, -1), -1, "absent");
    cr_assert_eq(record_set(&rec, REC_CODE, "a\0b", 3), 0);
    cr_assert_eq(memcmp(record_get(&rec, REC_CODE, &len), "a\0b", 3), 0);
    cr_assert_eq(len, 3);
    cr_assert_eq(record_set_str(&rec, REC_STATUS, RECORD_DONE), 0);
    cr_assert(record_is(&rec, REC_STATUS, "DONE"));
    cr_assert(!record_is(&rec, REC_STATUS, "DON"));
    record_free(&rec);
}

Test(judge_helpers, addresses)
{
    char host[64];
    int port;

    cr_assert_eq(judge_parse_addr("10.0.0.1:3000", host, sizeof(host), &port),
                 0);
    cr_assert_str_eq(host, "10.0.0.1");
    cr_assert_eq(port, 3000);
    cr_assert_eq(judge_parse_addr("[::1]:8080", host, sizeof(host), &port), 0);
    cr_assert_str_eq(host, "::1");
    cr_assert_eq(port, 8080);
    cr_assert_eq(judge_parse_addr(":6380", host, sizeof(host), &port), 0);
    cr_assert_str_eq(host, "127.0.0.1");
    cr_assert_eq(port, 6380);
    cr_assert_eq(judge_parse_addr("localhost", host, sizeof(host), &port), -1);
    cr_assert_eq(judge_parse_addr("h:70000", host, sizeof(host), &port), -1);
    cr_assert_eq(judge_parse_addr("h:", host, sizeof(host), &port), -1);
    cr_assert_eq(judge_parse_addr("h:1x", host, sizeof(host), &port), -1);
}

Test(judge_helpers, names_that_go_into_keys)
{
    cr_assert(judge_valid_user("alice.b-c_d@e", 13));
    cr_assert(!judge_valid_user("", 0));
    cr_assert(!judge_valid_user("a b", 3));
    cr_assert(!judge_valid_user("a:b", 3), "':' would blur key names");
    cr_assert(!judge_valid_user("a\0b", 3));
    char longname[JUDGE_USER_MAX + 2];
    memset(longname, 'a', sizeof(longname));
    cr_assert(judge_valid_user(longname, JUDGE_USER_MAX));
    cr_assert(!judge_valid_user(longname, JUDGE_USER_MAX + 1));
    cr_assert(judge_valid_id("1718000000123-9f3a2b1c00d4e5f6", 30));
    cr_assert(!judge_valid_id("a/b", 3));
    cr_assert(!judge_valid_id("a@b", 3), "ids are narrower than users");
}

Test(judge_helpers, new_ids_are_valid_and_distinct)
{
    char a[JUDGE_ID_MAX], b[JUDGE_ID_MAX];
    long long ms;
    char hex[17];

    judge_new_id(a);
    judge_new_id(b);
    cr_assert(judge_valid_id(a, strlen(a)), "%s", a);
    cr_assert_str_neq(a, b);
    cr_assert_eq(sscanf(a, "%lld-%16[0-9a-f]", &ms, hex), 2, "%s", a);
    cr_assert_eq(strlen(hex), 16);
}
