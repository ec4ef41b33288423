/* resp3.c -- protocol switching with HELLO.
 *
 * After HELLO 3 Redis uses RESP3's own types: "_" for null, "%" maps for
 * CONFIG GET and HELLO itself, "," doubles, "=" verbatim text for INFO.
 * HELLO 2 switches back.  The exact bytes were taken from redis-server
 * 7.0.15. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

static struct hs_server srv;
static struct hs_client cli;

static void setup(void)
{
    cr_assert_eq(hs_start(&srv, NULL), 0, "server did not start");
    cr_assert_eq(hs_connect(&srv, &cli), 0);
}

static void teardown(void)
{
    hs_close(&cli);
    hs_stop(&srv);
}

TestSuite(resp3, .init = setup, .fini = teardown, .timeout = 30);

/* HELLO's reply for protocol `proto`, given the connection id it names. */
static void hello_reply(char *out, size_t len, int proto, long long id)
{
    snprintf(out, len,
             "%s\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n"
             "$6\r\n7.0.15\r\n$5\r\nproto\r\n:%d\r\n$2\r\nid\r\n:%lld\r\n"
             "$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster"
             "\r\n$7\r\nmodules\r\n*0\r\n",
             proto == 3 ? "%7" : "*14", proto, id);
}

/* Read a HELLO reply and check it byte for byte for protocol proto. */
static void assert_hello_reply(int proto)
{
    char want[512];
    struct hs_reply r;

    cr_assert_eq(hs_read_reply(&cli, HS_TIMEOUT_MS, &r), HS_OK);
    cr_assert(r.reply->elements == 14 &&
                  r.reply->element[7]->type == RESP_INTEGER,
              "HELLO answered %s", hs_escape(r.raw, r.raw_len, 300));
    hello_reply(want, sizeof(want), proto, r.reply->element[7]->integer);
    cr_assert(r.raw_len == strlen(want) && memcmp(r.raw, want, r.raw_len) == 0,
              "HELLO answered %s, expected %s",
              hs_escape(r.raw, r.raw_len, 300),
              hs_escape(want, strlen(want), 300));
    hs_reply_free(&r);
}

static void switch_protocol(int proto)
{
    char num[4];

    snprintf(num, sizeof(num), "%d", proto);
    hs_cmd(&cli, "HELLO", num, NULL);
    assert_hello_reply(proto);
}

Test(resp3, hello_3_answers_a_map_describing_the_server)
{
    switch_protocol(3);
}

Test(resp3, hello_2_answers_a_flat_array_describing_the_server)
{
    switch_protocol(2);
}

Test(resp3, missing_key_is_an_underscore_null_in_resp3)
{
    switch_protocol(3);
    hs_cmd(&cli, "GET", "missing", NULL);
    hs_assert_reply(&cli, "_\r\n");
}

Test(resp3, nulls_inside_arrays_are_underscores_in_resp3)
{
    switch_protocol(3);
    hs_cmd(&cli, "MGET", "a", "b", NULL);
    hs_assert_reply(&cli, "*2\r\n_\r\n_\r\n");
}

Test(resp3, config_get_is_a_map_in_resp3)
{
    switch_protocol(3);
    hs_cmd(&cli, "CONFIG", "GET", "maxclients", NULL);
    hs_assert_reply(&cli, "%1\r\n$10\r\nmaxclients\r\n$5\r\n10000\r\n");
}

Test(resp3, doubles_use_the_comma_type_in_resp3)
{
    switch_protocol(3);
    hs_cmd(&cli, "DEBUG", "PROTOCOL", "double", NULL);
    hs_assert_reply(&cli, ",3.141\r\n");
}

Test(resp3, info_is_verbatim_text_in_resp3)
{
    struct hs_reply r;

    switch_protocol(3);
    hs_cmd(&cli, "INFO", "server", NULL);
    cr_assert_eq(hs_read_reply(&cli, HS_TIMEOUT_MS, &r), HS_OK);
    cr_assert(r.raw[0] == '=' && r.reply->type == RESP_VERBATIM,
              "INFO answered %s", hs_escape(r.raw, r.raw_len, 60));
    cr_assert_str_eq(r.reply->vtype, "txt");
    hs_reply_free(&r);
}

Test(resp3, hello_2_goes_back_to_resp2_types)
{
    switch_protocol(3);
    switch_protocol(2);
    hs_cmd(&cli, "GET", "missing", NULL);
    hs_assert_reply(&cli, "$-1\r\n");
    hs_cmd(&cli, "MGET", "a", NULL);
    hs_assert_reply(&cli, "*1\r\n$-1\r\n");
    hs_cmd(&cli, "CONFIG", "GET", "maxclients", NULL);
    hs_assert_reply(&cli, "*2\r\n$10\r\nmaxclients\r\n$5\r\n10000\r\n");
    hs_cmd(&cli, "DEBUG", "PROTOCOL", "double", NULL);
    hs_assert_reply(&cli, "$5\r\n3.141\r\n");
}

Test(resp3, hello_with_an_unknown_version_is_noproto)
{
    hs_cmd(&cli, "HELLO", "4", NULL);
    hs_assert_reply(&cli, "-NOPROTO unsupported protocol version\r\n");
    hs_cmd(&cli, "GET", "missing", NULL);
    hs_assert_reply(&cli, "$-1\r\n");
}

Test(resp3, hello_without_a_version_keeps_the_protocol)
{
    switch_protocol(3);
    hs_cmd(&cli, "HELLO", NULL);
    assert_hello_reply(3);
}
