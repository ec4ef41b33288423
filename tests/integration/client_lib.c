/* client_lib.c -- the client library (client/client.h) against a real
 * server: connecting over TCP and unix sockets, AUTH and SELECT on
 * connect, pipelining, blocking pops with their timeouts, subscribers fed
 * by a second connection, and reconnecting after the server restarts.
 *
 * The same tests run against redis-server (tests/run-all.sh runs this
 * suite a second time with RESPD=redis-server): what the library expects
 * of a server is what Redis 7.0 does.
 *
 * Replies are compared as transcripts, as in tests/unit/test_client.c:
 *   $'bulk'  +'simple'  -'error'  :42  nil  *[a b]  %{k v}  >[a]
 * with bytes outside printable ASCII shown as \xHH. */
#include <criterion/criterion.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../client/client.h"
#include "harness.h"

#define IO_TIMEOUT_MS   5000
#define MAX_CLIENTS     8
#define PIPELINE_N      1000
#define WAIT_BLOCKED_MS 5000
#define PASSWORD        "s3cret"
#define START_ATTEMPTS  3

static struct hs_server srv;
static struct client *clients[MAX_CLIENTS];
static int nclients;
static pid_t own_server; /* a server started here, not by the harness */
static char sock_path[108];

static void teardown(void)
{
    for (int i = 0; i < nclients; i++)
        client_free(clients[i]);
    nclients = 0;
    if (own_server > 0) {
        kill(own_server, SIGTERM);
        waitpid(own_server, NULL, 0);
        own_server = 0;
    }
    hs_stop(&srv);
    if (sock_path[0] != '\0')
        unlink(sock_path);
}

TestSuite(client_lib, .fini = teardown, .timeout = 60);

/* --- helpers ------------------------------------------------------------- */

/* The value following option name in extra (NULL-terminated), or NULL. */
static const char *option(const char *const *extra, const char *name)
{
    for (int i = 0; extra[i] != NULL; i++)
        if (strcmp(extra[i], name) == 0)
            return extra[i + 1];
    return NULL;
}

/* Whether the server answering on srv.port is the one srv started.  The
 * harness takes any server accepting on the port for its own, and another
 * test starting a server at the same moment may have won the port. */
static int server_is_ours(const char *password)
{
    struct client_opts o = {.host = "127.0.0.1",
                            .port = srv.port,
                            .password = password,
                            .connect_timeout_ms = 2000,
                            .io_timeout_ms = 2000};
    struct client *c = client_connect(&o);
    struct resp_reply *r = client_command(c, "INFO", "server", NULL);
    char want[48];
    int ours;

    snprintf(want, sizeof(want), "\r\nprocess_id:%d\r\n", (int)srv.pid);
    ours = r != NULL && r->str != NULL && strstr(r->str, want) != NULL;
    resp_reply_free(r);
    client_free(c);
    return ours;
}

/* Wait until a unix socket the server was told to make is there: it may
 * create it after its TCP port already accepts. */
static void wait_unix_socket(const char *path)
{
    long long deadline = hs_now_ms() + HS_START_TIMEOUT_MS;

    while (access(path, F_OK) != 0 && hs_now_ms() < deadline)
        hs_sleep_ms(5);
}

/* Start the server with extra arguments (NULL-terminated), making sure
 * the one answering is ours. */
static void start_server_argv(const char *const *extra)
{
    for (int attempt = 0; attempt < START_ATTEMPTS; attempt++) {
        cr_assert_eq(hs_start_argv(&srv, extra), 0, "server did not start");
        if (server_is_ours(option(extra, "--requirepass"))) {
            if (option(extra, "--unixsocket") != NULL)
                wait_unix_socket(option(extra, "--unixsocket"));
            return;
        }
        hs_stop(&srv);
    }
    cr_assert_fail("another server kept answering on our port");
}

#define start_server(...) start_server_argv((const char *const[]){__VA_ARGS__})

/* A unix socket path for this test process (removed by teardown). */
static const char *unix_path(void)
{
    snprintf(sock_path, sizeof(sock_path), "/tmp/client-lib-%d.sock",
             (int)getpid());
    return sock_path;
}

/* Connect to srv as o says (host, port and timeouts filled in unless
 * set), and keep the client for teardown.  Does not check the result. */
static struct client *open_client(struct client_opts o)
{
    struct client *c;

    if (o.unix_path == NULL && o.port == 0) {
        o.host = "127.0.0.1";
        o.port = srv.port;
    }
    if (o.connect_timeout_ms == 0)
        o.connect_timeout_ms = 2000;
    if (o.io_timeout_ms == 0)
        o.io_timeout_ms = IO_TIMEOUT_MS;
    c = client_connect(&o);
    cr_assert_not_null(c);
    cr_assert_lt(nclients, MAX_CLIENTS);
    clients[nclients++] = c;
    return c;
}

/* open_client() that must succeed. */
static struct client *connected(struct client_opts o)
{
    struct client *c = open_client(o);

    cr_assert_eq(client_err(c), CLIENT_OK, "connect: %s", client_errstr(c));
    return c;
}

static void render(FILE *out, const struct resp_reply *r);

static void render_list(FILE *out, const struct resp_reply *r, const char *open,
                        const char *close)
{
    fputs(open, out);
    for (size_t i = 0; i < r->elements; i++) {
        if (i > 0)
            fputc(' ', out);
        render(out, r->element[i]);
    }
    fputs(close, out);
}

static void render_text(FILE *out, char sigil, const char *p, size_t n)
{
    fprintf(out, "%c'", sigil);
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)p[i];

        if (ch >= 0x20 && ch < 0x7f && ch != '\\')
            fputc(ch, out);
        else
            fprintf(out, "\\x%02x", ch);
    }
    fputc('\'', out);
}

static void render(FILE *out, const struct resp_reply *r)
{
    switch (r->type) {
    case RESP_STRING:
        render_text(out, '$', r->str, r->len);
        break;
    case RESP_SIMPLE:
        render_text(out, '+', r->str, r->len);
        break;
    case RESP_ERROR:
        render_text(out, '-', r->str, r->len);
        break;
    case RESP_INTEGER:
        fprintf(out, ":%lld", r->integer);
        break;
    case RESP_NIL:
        fputs("nil", out);
        break;
    case RESP_ARRAY:
        render_list(out, r, "*[", "]");
        break;
    case RESP_MAP:
        render_list(out, r, "%{", "}");
        break;
    case RESP_PUSH:
        render_list(out, r, ">[", "]");
        break;
    default:
        fprintf(out, "?%d", (int)r->type);
    }
}

/* The transcript of r in a rotating static buffer; r is freed. */
static const char *show(struct resp_reply *r)
{
    static char bufs[4][4096];
    static int next;
    char *buf = bufs[next++ % 4];
    FILE *out = fmemopen(buf, sizeof(bufs[0]), "w");

    cr_assert_not_null(out);
    if (r == NULL)
        fputs("(null)", out);
    else
        render(out, r);
    fclose(out);
    resp_reply_free(r);
    return buf;
}

/* Run a command (NUL-terminated arguments, NULL last) and compare the
 * transcript of its reply. */
#define assert_command(c, want, ...)                                           \
    do {                                                                       \
        const char *got_ = show(client_command((c), __VA_ARGS__));             \
        cr_assert_str_eq(got_, want, "got %s, want %s (error %d: %s)", got_,   \
                         want, client_err(c), client_errstr(c));               \
    } while (0)

#define assert_next(c, want)                                                   \
    do {                                                                       \
        const char *got_ = show(client_read_reply(c));                         \
        cr_assert_str_eq(got_, want, "got %s, want %s (error %d: %s)", got_,   \
                         want, client_err(c), client_errstr(c));               \
    } while (0)

/* Wait until INFO on c reports n clients blocked. */
static void wait_blocked(struct client *c, int n)
{
    long long deadline = hs_now_ms() + WAIT_BLOCKED_MS;
    char want[64];

    snprintf(want, sizeof(want), "\r\nblocked_clients:%d\r\n", n);
    while (hs_now_ms() < deadline) {
        struct resp_reply *r = client_command(c, "INFO", "clients", NULL);
        int found;

        cr_assert_not_null(r, "INFO: %s", client_errstr(c));
        found = r->str != NULL && strstr(r->str, want) != NULL;
        resp_reply_free(r);
        if (found)
            return;
        hs_sleep_ms(5);
    }
    cr_assert_fail("INFO never showed %d blocked clients", n);
}

/* --- connecting ---------------------------------------------------------- */

Test(client_lib, binary_values_round_trip_over_tcp)
{
    const char *set[] = {"SET", "bin\0key", "a\0b\r\nc"};
    const size_t set_len[] = {3, 7, 6};
    const char *get[] = {"GET", "bin\0key"};
    const size_t get_len[] = {3, 7};
    struct client *c;

    start_server(NULL);
    c = connected((struct client_opts){0});
    cr_assert_str_eq(show(client_command_argv(c, 3, set, set_len)), "+'OK'");
    cr_assert_str_eq(show(client_command_argv(c, 2, get, get_len)),
                     "$'a\\x00b\\x0d\\x0ac'");
    assert_command(c, "$''", "ECHO", "", NULL);
}

Test(client_lib, an_error_reply_leaves_the_connection_usable)
{
    struct client *c;

    start_server(NULL);
    c = connected((struct client_opts){0});
    assert_command(c, "+'OK'", "SET", "s", "text", NULL);
    assert_command(c, "-'ERR value is not an integer or out of range'", "INCR",
                   "s", NULL);
    cr_assert_eq(client_err(c), CLIENT_OK);
    assert_command(c, "+'PONG'", "PING", NULL);
}

Test(client_lib, connects_over_a_unix_socket)
{
    struct client *c;

    start_server("--unixsocket", unix_path(), "--unixsocketperm", "700", NULL);
    c = connected((struct client_opts){.unix_path = sock_path});
    assert_command(c, "+'PONG'", "PING", NULL);
}

/* --- AUTH and SELECT ----------------------------------------------------- */

Test(client_lib, without_the_password_commands_get_noauth_replies)
{
    struct client *c;
    const char *got;

    start_server("--requirepass", PASSWORD, NULL);
    c = connected((struct client_opts){0});
    got = show(client_command(c, "GET", "k", NULL));
    cr_assert(strncmp(got, "-'NOAUTH ", 9) == 0, "%s", got);
    cr_assert_eq(client_err(c), CLIENT_OK);
}

Test(client_lib, a_wrong_password_is_an_auth_error)
{
    struct client *c;

    start_server("--requirepass", PASSWORD, NULL);
    c = open_client((struct client_opts){.password = "nope"});
    cr_assert_eq(client_err(c), CLIENT_ERR_AUTH);
    cr_assert(strncmp(client_errstr(c), "AUTH: WRONGPASS", 15) == 0, "%s",
              client_errstr(c));
    cr_assert_null(client_command(c, "PING", NULL));
}

Test(client_lib, the_password_alone_or_with_the_default_user_logs_in)
{
    struct client *plain, *with_user;

    start_server("--requirepass", PASSWORD, NULL);
    plain = connected((struct client_opts){.password = PASSWORD});
    with_user = connected(
        (struct client_opts){.user = "default", .password = PASSWORD});
    assert_command(plain, "+'PONG'", "PING", NULL);
    assert_command(with_user, "+'PONG'", "PING", NULL);
}

Test(client_lib, select_on_connect_uses_that_database)
{
    struct client *db3, *db0, *db3_again;

    start_server("--requirepass", PASSWORD, NULL);
    db3 = connected((struct client_opts){.password = PASSWORD, .db = 3});
    db0 = connected((struct client_opts){.password = PASSWORD});
    assert_command(db3, "+'OK'", "SET", "k", "in three", NULL);
    assert_command(db0, "nil", "GET", "k", NULL);
    db3_again = connected((struct client_opts){.password = PASSWORD, .db = 3});
    assert_command(db3_again, "$'in three'", "GET", "k", NULL);
}

Test(client_lib, a_database_out_of_range_is_refused_on_connect)
{
    struct client *c;

    start_server(NULL);
    c = open_client((struct client_opts){.db = 16});
    cr_assert_eq(client_err(c), CLIENT_ERR_AUTH);
    cr_assert_str_eq(client_errstr(c), "SELECT: ERR DB index is out of range");
}

/* --- pipelining ---------------------------------------------------------- */

Test(client_lib, pipelined_commands_are_answered_in_order)
{
    struct client *c;

    start_server(NULL);
    c = connected((struct client_opts){0});
    for (int i = 0; i < PIPELINE_N; i++)
        cr_assert_eq(client_append(c, "INCR", "n", NULL), 0);
    for (int i = 1; i <= PIPELINE_N; i++) {
        struct resp_reply *r = client_read_reply(c);

        cr_assert_not_null(r, "reply %d: %s", i, client_errstr(c));
        cr_assert(r->type == RESP_INTEGER && r->integer == i, "reply %d is %s",
                  i, show(r));
        resp_reply_free(r);
    }
    client_append(c, "RPUSH", "l", "a", "b", NULL);
    client_append(c, "NOSUCHCOMMAND", NULL);
    client_append(c, "LRANGE", "l", "0", "-1", NULL);
    assert_next(c, ":2");
    cr_assert(
        strncmp(show(client_read_reply(c)), "-'ERR unknown command", 21) == 0);
    assert_next(c, "*[$'a' $'b']");
    cr_assert_eq(client_has_buffered_reply(c), 0);
}

/* --- blocking commands --------------------------------------------------- */

Test(client_lib, brpop_waits_for_a_push_from_another_client)
{
    struct client *waiter, *pusher;

    start_server(NULL);
    waiter = connected((struct client_opts){.io_timeout_ms = 200});
    pusher = connected((struct client_opts){0});
    client_set_block_timeout(waiter, 5);
    cr_assert_eq(client_append(waiter, "BRPOP", "jobs", "5", NULL), 0);
    cr_assert_eq(client_flush(waiter), 0);
    wait_blocked(pusher, 1);
    hs_sleep_ms(300); /* longer than the 200 ms io timeout it started with */
    assert_command(pusher, ":1", "LPUSH", "jobs", "job-1", NULL);
    assert_next(waiter, "*[$'jobs' $'job-1']");
}

Test(client_lib, brpop_times_out_with_nil_under_a_block_timeout)
{
    struct client *c;
    long long t0, ms;

    start_server(NULL);
    c = connected((struct client_opts){.io_timeout_ms = 200});
    client_set_block_timeout(c, 0.5);
    t0 = hs_now_ms();
    assert_command(c, "nil", "BRPOP", "empty", "0.5", NULL);
    ms = hs_now_ms() - t0;
    cr_assert(ms >= 400 && ms < 1500, "BRPOP returned after %lld ms", ms);
    client_set_timeout(c, 200);
    assert_command(c, "+'PONG'", "PING", NULL);
}

Test(client_lib, an_io_timeout_shorter_than_the_block_is_an_error)
{
    struct client *c;

    start_server(NULL);
    c = connected((struct client_opts){.io_timeout_ms = 100});
    cr_assert_null(client_command(c, "BRPOP", "empty", "2", NULL));
    cr_assert_eq(client_err(c), CLIENT_ERR_TIMEOUT);
    cr_assert_null(client_command(c, "PING", NULL)); /* sticky */
    cr_assert_eq(client_reconnect(c), 0, "%s", client_errstr(c));
    assert_command(c, "+'PONG'", "PING", NULL);
}

Test(client_lib, blmove_moves_a_pushed_element_into_the_target_list)
{
    struct client *worker, *producer;

    start_server(NULL);
    worker = connected((struct client_opts){0});
    producer = connected((struct client_opts){0});
    client_set_block_timeout(worker, 5);
    client_append(worker, "BLMOVE", "queue", "processing:w1", "RIGHT", "LEFT",
                  "5", NULL);
    cr_assert_eq(client_flush(worker), 0);
    wait_blocked(producer, 1);
    assert_command(producer, ":1", "LPUSH", "queue", "job-7", NULL);
    assert_next(worker, "$'job-7'");
    assert_command(producer, "*[$'job-7']", "LRANGE", "processing:w1", "0",
                   "-1", NULL);
    assert_command(producer, ":0", "LLEN", "queue", NULL);
}

/* --- subscribers --------------------------------------------------------- */

Test(client_lib, a_subscriber_receives_published_messages_in_order)
{
    struct client *sub, *pub;

    start_server(NULL);
    sub = connected((struct client_opts){0});
    pub = connected((struct client_opts){0});
    client_append(sub, "SUBSCRIBE", "news", NULL);
    assert_next(sub, "*[$'subscribe' $'news' :1]");
    client_append(sub, "PSUBSCRIBE", "n*", NULL);
    assert_next(sub, "*[$'psubscribe' $'n*' :2]");
    cr_assert_eq(client_is_subscribed(sub), 1);

    assert_command(pub, ":2", "PUBLISH", "news", "first", NULL);
    for (int i = 0; i < 3; i++) {
        char msg[16];

        snprintf(msg, sizeof(msg), "m%d", i);
        assert_command(pub, ":1", "PUBLISH", "nx", msg, NULL);
    }
    assert_next(sub, "*[$'message' $'news' $'first']");
    assert_next(sub, "*[$'pmessage' $'n*' $'news' $'first']");
    assert_next(sub, "*[$'pmessage' $'n*' $'nx' $'m0']");
    assert_next(sub, "*[$'pmessage' $'n*' $'nx' $'m1']");
    assert_next(sub, "*[$'pmessage' $'n*' $'nx' $'m2']");
}

Test(client_lib, a_waiting_subscriber_may_time_out_and_wait_again)
{
    struct client *sub, *pub;

    start_server(NULL);
    sub = connected((struct client_opts){.io_timeout_ms = 100});
    pub = connected((struct client_opts){0});
    client_append(sub, "SUBSCRIBE", "ch", NULL);
    assert_next(sub, "*[$'subscribe' $'ch' :1]");
    for (int i = 0; i < 3; i++) {
        cr_assert_null(client_read_reply(sub));
        cr_assert_eq(client_err(sub), CLIENT_ERR_TIMEOUT);
        cr_assert_geq(client_fd(sub), 0);
    }
    assert_command(pub, ":1", "PUBLISH", "ch", "at last", NULL);
    assert_next(sub, "*[$'message' $'ch' $'at last']");
    cr_assert_eq(client_err(sub), CLIENT_OK);
}

Test(client_lib, a_resp3_subscriber_gets_push_messages)
{
    struct client *sub, *pub;
    struct resp_reply *hello;

    start_server(NULL);
    sub = connected((struct client_opts){0});
    pub = connected((struct client_opts){0});
    hello = client_command(sub, "HELLO", "3", NULL);
    cr_assert(hello != NULL && hello->type == RESP_MAP, "HELLO 3: %s",
              show(hello));
    resp_reply_free(hello);
    client_append(sub, "SUBSCRIBE", "ch", NULL);
    assert_next(sub, ">[$'subscribe' $'ch' :1]");
    assert_command(pub, ":1", "PUBLISH", "ch", "pushed", NULL);
    assert_next(sub, ">[$'message' $'ch' $'pushed']");
}

Test(client_lib, unsubscribing_from_everything_returns_to_commands)
{
    struct client *c;

    start_server(NULL);
    c = connected((struct client_opts){0});
    client_append(c, "SUBSCRIBE", "a", "b", NULL);
    assert_next(c, "*[$'subscribe' $'a' :1]");
    assert_next(c, "*[$'subscribe' $'b' :2]");
    client_append(c, "UNSUBSCRIBE", "b", "a", NULL);
    assert_next(c, "*[$'unsubscribe' $'b' :1]");
    cr_assert_eq(client_is_subscribed(c), 1);
    assert_next(c, "*[$'unsubscribe' $'a' :0]");
    cr_assert_eq(client_is_subscribed(c), 0);
    assert_command(c, "+'PONG'", "PING", NULL);
}

/* --- reconnecting -------------------------------------------------------- */

/* After a restart the reconnected client must be authenticated and in its
 * database again: SET through it, read back from a fresh client. */
static void check_back_in_db2(struct client *c, struct client_opts fresh)
{
    struct client *check;

    assert_command(c, "+'OK'", "SET", "after", "restart", NULL);
    fresh.db = 2;
    check = connected(fresh);
    assert_command(check, "$'restart'", "GET", "after", NULL);
}

Test(client_lib, reconnect_after_a_restart_over_a_unix_socket)
{
    struct client_opts o = {.password = PASSWORD, .db = 2};
    struct client *c;
    int err;

    start_server("--unixsocket", unix_path(), "--requirepass", PASSWORD, NULL);
    o.unix_path = sock_path;
    c = connected(o);
    assert_command(c, "+'OK'", "SET", "before", "restart", NULL);
    hs_terminate(&srv);
    cr_assert_null(client_command(c, "GET", "before", NULL));
    err = client_err(c);
    cr_assert(err == CLIENT_ERR_EOF || err == CLIENT_ERR_IO, "%d: %s", err,
              client_errstr(c));

    cr_assert_eq(hs_restart(&srv, "--unixsocket", sock_path, "--requirepass",
                            PASSWORD, NULL),
                 0);
    cr_assert_eq(client_reconnect_backoff(c, 20, 20, 200), 0, "%s",
                 client_errstr(c));
    assert_command(c, "nil", "GET", "before", NULL); /* nothing persisted */
    check_back_in_db2(c, o);
}

/* Start the server under test on port, as the harness would, in srv.dir. */
static pid_t spawn_on_port(int port)
{
    char port_str[16];
    pid_t pid;

    snprintf(port_str, sizeof(port_str), "%d", port);
    pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        freopen("/dev/null", "w", stdout);
        freopen("/dev/null", "w", stderr);
        execl(hs_server_path(), hs_server_path(), "--port", port_str, "--bind",
              "127.0.0.1", "--dir", srv.dir, "--save", "", "--appendonly", "no",
              "--requirepass", PASSWORD, (char *)NULL);
        _exit(127);
    }
    return pid;
}

/* The server comes back on the same port a little later; the client keeps
 * trying with back-off until it answers. */
Test(client_lib, reconnect_with_backoff_after_a_restart_on_the_same_port)
{
    struct client_opts o = {.password = PASSWORD, .db = 2};
    struct client *c;
    long long t0;

    start_server("--requirepass", PASSWORD, NULL);
    c = connected(o);
    assert_command(c, "+'PONG'", "PING", NULL);
    hs_terminate(&srv);
    cr_assert_null(client_command(c, "PING", NULL));

    t0 = hs_now_ms();
    own_server = spawn_on_port(srv.port);
    cr_assert_eq(client_reconnect_backoff(c, 100, 10, 100), 0, "%s",
                 client_errstr(c));
    cr_assert_lt(hs_now_ms() - t0, 10000);
    o.host = "127.0.0.1";
    o.port = srv.port;
    check_back_in_db2(c, o);
}
