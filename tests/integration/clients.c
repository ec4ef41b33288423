/* clients.c -- connection limits and connection-level commands: many
 * clients at once, maxclients, requirepass, the idle timeout, QUIT. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"

#define MANY_CLIENTS 1000
#define MAX_CLIENTS  5

static struct hs_server srv;

static void stop_server(void)
{
    hs_stop(&srv);
}

/* Each test starts the server with the options it is about. */
TestSuite(clients, .fini = stop_server, .timeout = 60);

static void start_with(const char *name, const char *value)
{
    cr_assert_eq(hs_start(&srv, name, value, NULL), 0,
                 "server did not start with %s %s", name, value);
}

static void connect_checked(struct hs_client *c)
{
    cr_assert_eq(hs_connect(&srv, c), 0, "cannot connect");
}

Test(clients, thousand_concurrent_clients_each_set_and_get_their_key)
{
    static struct hs_client c[MANY_CLIENTS];
    char key[32], want[64];

    cr_assert_eq(hs_start(&srv, NULL), 0);
    for (int i = 0; i < MANY_CLIENTS; i++) {
        connect_checked(&c[i]);
        snprintf(key, sizeof(key), "key:%d", i);
        hs_cmd(&c[i], "SET", key, key + 4, NULL);
    }
    for (int i = 0; i < MANY_CLIENTS; i++)
        hs_assert_reply(&c[i], "+OK\r\n");

    for (int i = MANY_CLIENTS - 1; i >= 0; i--) {
        snprintf(key, sizeof(key), "key:%d", i);
        hs_cmd(&c[i], "GET", key, NULL);
    }
    for (int i = 0; i < MANY_CLIENTS; i++) {
        snprintf(key, sizeof(key), "%d", i);
        snprintf(want, sizeof(want), "$%zu\r\n%s\r\n", strlen(key), key);
        hs_assert_reply(&c[i], want);
        hs_close(&c[i]);
    }
}

Test(clients, connection_past_maxclients_is_refused_and_closed)
{
    struct hs_client c[MAX_CLIENTS], extra;
    char n[8];

    snprintf(n, sizeof(n), "%d", MAX_CLIENTS);
    start_with("--maxclients", n);
    for (int i = 0; i < MAX_CLIENTS; i++) {
        connect_checked(&c[i]);
        hs_send_str(&c[i], "PING\r\n");
        hs_assert_reply(&c[i], "+PONG\r\n");
    }
    connect_checked(&extra);
    hs_assert_reply(&extra, "-ERR max number of clients reached\r\n");
    cr_assert_eq(hs_wait_closed(&extra, HS_TIMEOUT_MS), HS_EOF);
    hs_close(&extra);

    hs_send_str(&c[0], "PING\r\n");
    hs_assert_reply(&c[0], "+PONG\r\n");
    for (int i = 0; i < MAX_CLIENTS; i++)
        hs_close(&c[i]);
}

Test(clients, slot_freed_below_maxclients_accepts_a_new_client)
{
    struct hs_client c[MAX_CLIENTS];
    char n[8];

    snprintf(n, sizeof(n), "%d", MAX_CLIENTS);
    start_with("--maxclients", n);
    for (int i = 0; i < MAX_CLIENTS; i++) {
        connect_checked(&c[i]);
        hs_send_str(&c[i], "PING\r\n");
        hs_assert_reply(&c[i], "+PONG\r\n");
    }
    hs_close(&c[0]);
    hs_sleep_ms(200); /* let the server notice the close */
    connect_checked(&c[0]);
    hs_send_str(&c[0], "PING\r\n");
    hs_assert_reply(&c[0], "+PONG\r\n");
    for (int i = 0; i < MAX_CLIENTS; i++)
        hs_close(&c[i]);
}

Test(clients, requirepass_refuses_commands_before_auth_with_noauth)
{
    struct hs_client c;

    start_with("--requirepass", "secret");
    connect_checked(&c);
    hs_cmd(&c, "SET", "k", "v", NULL);
    hs_assert_reply(&c, "-NOAUTH Authentication required.\r\n");
    hs_send_str(&c, "PING\r\n");
    hs_assert_reply(&c, "-NOAUTH Authentication required.\r\n");
    hs_close(&c);
}

Test(clients, auth_with_a_wrong_password_gets_wrongpass)
{
    struct hs_client c;

    start_with("--requirepass", "secret");
    connect_checked(&c);
    hs_cmd(&c, "AUTH", "wrong", NULL);
    hs_assert_reply(&c, "-WRONGPASS invalid username-password pair or user "
                        "is disabled.\r\n");
    hs_send_str(&c, "PING\r\n");
    hs_assert_reply(&c, "-NOAUTH Authentication required.\r\n");
    hs_close(&c);
}

Test(clients, auth_with_the_right_password_unlocks_commands)
{
    struct hs_client c;

    start_with("--requirepass", "secret");
    connect_checked(&c);
    hs_cmd(&c, "AUTH", "secret", NULL);
    hs_assert_reply(&c, "+OK\r\n");
    hs_send_str(&c, "PING\r\n");
    hs_assert_reply(&c, "+PONG\r\n");
    hs_close(&c);
}

Test(clients, auth_default_user_and_password_unlocks_commands)
{
    struct hs_client c;

    start_with("--requirepass", "secret");
    connect_checked(&c);
    hs_cmd(&c, "AUTH", "default", "secret", NULL);
    hs_assert_reply(&c, "+OK\r\n");
    hs_send_str(&c, "PING\r\n");
    hs_assert_reply(&c, "+PONG\r\n");
    hs_close(&c);
}

Test(clients, hello_3_auth_default_password_authenticates_in_resp3)
{
    struct hs_client c;
    struct hs_reply r;

    start_with("--requirepass", "secret");
    connect_checked(&c);
    hs_cmd(&c, "HELLO", "3", "AUTH", "default", "secret", NULL);
    cr_assert_eq(hs_read_reply(&c, HS_TIMEOUT_MS, &r), HS_OK);
    cr_assert_eq(r.reply->type, RESP_MAP, "HELLO 3 answered %s",
                 hs_escape(r.raw, r.raw_len, 200));
    hs_reply_free(&r);
    hs_cmd(&c, "GET", "missing", NULL);
    hs_assert_reply(&c, "_\r\n");
    hs_close(&c);
}

Test(clients, hello_auth_with_a_wrong_password_gets_wrongpass)
{
    struct hs_client c;

    start_with("--requirepass", "secret");
    connect_checked(&c);
    hs_cmd(&c, "HELLO", "3", "AUTH", "default", "bad", NULL);
    hs_assert_reply(&c, "-WRONGPASS invalid username-password pair or user "
                        "is disabled.\r\n");
    hs_send_str(&c, "PING\r\n");
    hs_assert_reply(&c, "-NOAUTH Authentication required.\r\n");
    hs_close(&c);
}

Test(clients, hello_before_auth_explains_hello_auth)
{
    struct hs_client c;

    start_with("--requirepass", "secret");
    connect_checked(&c);
    hs_cmd(&c, "HELLO", "3", NULL);
    hs_assert_reply(
        &c, "-NOAUTH HELLO must be called with the client already "
            "authenticated, otherwise the HELLO AUTH <user> <pass> option "
            "can be used to authenticate the client and select the RESP "
            "protocol version at the same time\r\n");
    hs_close(&c);
}

Test(clients, auth_without_a_configured_password_is_an_error)
{
    struct hs_client c;

    cr_assert_eq(hs_start(&srv, NULL), 0);
    connect_checked(&c);
    hs_cmd(&c, "AUTH", "anything", NULL);
    hs_assert_reply(&c, "-ERR AUTH <password> called without any password "
                        "configured for the default user. Are you sure your "
                        "configuration is correct?\r\n");
    hs_close(&c);
}

Test(clients, idle_client_is_closed_after_timeout_1)
{
    struct hs_client c;
    long long t0, waited;

    start_with("--timeout", "1");
    connect_checked(&c);
    hs_send_str(&c, "PING\r\n");
    hs_assert_reply(&c, "+PONG\r\n");
    t0 = hs_now_ms();
    cr_assert_eq(hs_wait_closed(&c, 5000), HS_EOF,
                 "idle client still open after 5 s");
    waited = hs_now_ms() - t0;
    cr_assert_geq(waited, 900, "closed after only %lld ms", waited);
    hs_close(&c);
}

Test(clients, busy_client_is_not_closed_by_timeout_1)
{
    struct hs_client c;

    start_with("--timeout", "1");
    connect_checked(&c);
    for (int i = 0; i < 12; i++) {
        hs_send_str(&c, "PING\r\n");
        hs_assert_reply(&c, "+PONG\r\n");
        hs_sleep_ms(250);
    }
    hs_close(&c);
}

Test(clients, quit_replies_ok_and_closes)
{
    struct hs_client c;

    cr_assert_eq(hs_start(&srv, NULL), 0);
    connect_checked(&c);
    hs_send_str(&c, "QUIT\r\n");
    hs_assert_reply(&c, "+OK\r\n");
    cr_assert_eq(hs_wait_closed(&c, HS_TIMEOUT_MS), HS_EOF);
    hs_close(&c);
}

Test(clients, commands_after_quit_in_the_same_write_are_not_run)
{
    struct hs_client c;

    cr_assert_eq(hs_start(&srv, NULL), 0);
    connect_checked(&c);
    hs_send_str(&c, "QUIT\r\nSET after quit\r\n");
    hs_assert_reply(&c, "+OK\r\n");
    cr_assert_eq(hs_wait_closed(&c, HS_TIMEOUT_MS), HS_EOF);
    hs_close(&c);

    connect_checked(&c);
    hs_cmd(&c, "EXISTS", "after", NULL);
    hs_assert_reply(&c, ":0\r\n");
    hs_close(&c);
}

/* A subscribed connection, RESP2 or RESP3, is of type pubsub for CLIENT
 * LIST and CLIENT KILL, as in Redis; the others stay normal. */
Test(clients, subscribers_are_of_type_pubsub_for_list_and_kill)
{
    struct hs_client sub2, sub3, other;
    struct hs_reply r;

    cr_assert_eq(hs_start(&srv, NULL), 0);
    connect_checked(&sub2);
    connect_checked(&sub3);
    connect_checked(&other);
    hs_cmd(&sub2, "SUBSCRIBE", "a", NULL);
    cr_assert_eq(hs_read_reply(&sub2, HS_TIMEOUT_MS, &r), HS_OK);
    hs_reply_free(&r);
    hs_cmd(&sub3, "HELLO", "3", NULL);
    cr_assert_eq(hs_read_reply(&sub3, HS_TIMEOUT_MS, &r), HS_OK);
    hs_reply_free(&r);
    hs_cmd(&sub3, "PSUBSCRIBE", "b*", NULL);
    cr_assert_eq(hs_read_reply(&sub3, HS_TIMEOUT_MS, &r), HS_OK);
    hs_reply_free(&r);

    hs_cmd(&other, "CLIENT", "LIST", "TYPE", "pubsub", NULL);
    cr_assert_eq(hs_read_reply(&other, HS_TIMEOUT_MS, &r), HS_OK);
    int lines = 0;
    for (const char *p = r.reply->str; (p = strstr(p, "flags=P")); p++)
        lines++;
    cr_assert_eq(lines, 2, "%s", r.reply->str);
    cr_assert_null(strstr(r.reply->str, "cmd=client|list"));
    hs_reply_free(&r);

    hs_cmd(&other, "CLIENT", "KILL", "TYPE", "pubsub", NULL);
    hs_assert_reply(&other, ":2\r\n");
    cr_assert_eq(hs_wait_closed(&sub2, HS_TIMEOUT_MS), HS_EOF);
    cr_assert_eq(hs_wait_closed(&sub3, HS_TIMEOUT_MS), HS_EOF);
    hs_cmd(&other, "PING", NULL);
    hs_assert_reply(&other, "+PONG\r\n");
    hs_close(&sub2);
    hs_close(&sub3);
    hs_close(&other);
}
