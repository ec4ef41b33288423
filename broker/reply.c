/* reply.c -- appending replies to a client (see reply.h). */
#include "reply.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../resp/resp_write.h"
#include "admin.h"
#include "info.h"
#include "cmd.h"
#include "conn.h"
#include "obj.h"
#include "outq.h"
#include "server.h"
#include "util.h"

#define REPLY_ERROR_MAX 1024
/* Room reserved for a deferred header: type, up to 20 digits, CRLF. */
#define DEFERRED_MAX 23

/* Every writer funnels through here: the client is queued for the flush
 * before the loop sleeps. */
static struct resp_buf *out(struct conn *c)
{
    conn_mark_pending(c);
    return &c->reply;
}

void reply_raw(struct conn *c, const void *p, size_t n)
{
    util_check_resp(resp_buf_append(out(c), p, n));
}

void reply_shared(struct conn *c, struct shared_reply *s)
{
    if (c->flags & CONN_CLOSE_ASAP)
        return;
    /* The running client's own reply buffer may hold a deferred length's
     * offsets (reply_defer_len): copy into it rather than move it. */
    if (c == server.current) {
        reply_raw(c, s->data, s->len);
    } else {
        if (c->reply.len > c->sent)
            outq_push_buf(&c->outq, &c->reply, c->sent);
        else
            c->reply.len = 0;
        c->sent = 0;
        outq_push_shared(&c->outq, s);
        conn_mark_pending(c);
    }
    conn_check_output_limit(c);
}

void reply_simple(struct conn *c, const char *s)
{
    util_check_resp(resp_w_simple(out(c), s, strlen(s)));
}

void reply_ok(struct conn *c)
{
    reply_raw(c, "+OK\r\n", 5);
}

/* Append "-msg\r\n".  Errors may not contain line breaks: Redis turns
 * them into spaces, here in the reply buffer itself, so a message of any
 * length costs no copy. */
static void reply_error_len(struct conn *c, const char *msg, size_t n)
{
    struct resp_buf *b = out(c);
    size_t at = b->len + 1; /* after the '-' */

    util_check_resp(resp_w_error(b, msg, n));
    for (size_t i = at; i < at + n; i++)
        if (b->data[i] == '\r' || b->data[i] == '\n')
            b->data[i] = ' ';
    server.stat_total_error_replies++;
    info_count_error(b->data + at, n);
}

void reply_error(struct conn *c, const char *msg)
{
    reply_error_len(c, msg, strlen(msg));
}

/* Formatted on the stack when it fits, which is nearly always; a longer
 * message (Redis quotes whole arguments in some errors) goes to the heap. */
void reply_errorf(struct conn *c, const char *fmt, ...)
{
    char buf[REPLY_ERROR_MAX];
    va_list ap;

    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof(buf)) {
        reply_error_len(c, buf, (size_t)n);
        return;
    }
    char *big = xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    reply_error_len(c, big, (size_t)n);
    xfree(big);
}

void reply_arity_error(struct conn *c)
{
    reply_errorf(c, "ERR wrong number of arguments for '%s' command",
                 c->cmd->fullname);
}

void reply_subcommand_error(struct conn *c)
{
    char upper[48];
    const char *name = c->cmd ? c->cmd->name : "";
    size_t i;

    for (i = 0; name[i] && i < sizeof(upper) - 1; i++)
        upper[i] =
            (char)(name[i] >= 'a' && name[i] <= 'z' ? name[i] - 32 : name[i]);
    upper[i] = '\0';
    int len = c->argc > 1 ? (int)c->argv[1].len : 0;
    if (len > 128)
        len = 128;
    reply_errorf(c, "ERR unknown subcommand '%.*s'. Try %s HELP.", len,
                 c->argc > 1 ? c->argv[1].ptr : "", upper);
}

void reply_int(struct conn *c, long long v)
{
    util_check_resp(resp_w_int(out(c), v));
}

void reply_bulk(struct conn *c, const void *p, size_t n)
{
    util_check_resp(resp_w_bulk(out(c), p, n));
}

void reply_bulk_cstr(struct conn *c, const char *s)
{
    if (s == NULL)
        reply_null(c);
    else
        reply_bulk(c, s, strlen(s));
}

void reply_bulk_ll(struct conn *c, long long v)
{
    util_check_resp(resp_w_bulk_ll(out(c), v));
}

void reply_bulk_obj(struct conn *c, const struct obj *o)
{
    char buf[32];
    size_t len;
    const char *p = obj_str(o, buf, &len);
    reply_bulk(c, p, len);
}

void reply_null(struct conn *c)
{
    util_check_resp(resp_w_null(out(c), c->proto));
}

void reply_null_array(struct conn *c)
{
    util_check_resp(resp_w_null_array(out(c), c->proto));
}

void reply_array(struct conn *c, long long n)
{
    util_check_resp(resp_w_aggregate(out(c), c->proto, '*', n));
}

void reply_map(struct conn *c, long long pairs)
{
    util_check_resp(resp_w_aggregate(out(c), c->proto, '%', pairs));
}

void reply_set(struct conn *c, long long n)
{
    util_check_resp(resp_w_aggregate(out(c), c->proto, '~', n));
}

void reply_push(struct conn *c, long long n)
{
    util_check_resp(resp_w_aggregate(out(c), c->proto, '>', n));
}

void reply_bool(struct conn *c, int v)
{
    util_check_resp(resp_w_bool(out(c), c->proto, v));
}

void reply_double(struct conn *c, double v)
{
    util_check_resp(resp_w_double(out(c), c->proto, v));
}

void reply_verbatim(struct conn *c, const char *p, size_t n)
{
    util_check_resp(resp_w_verbatim(out(c), c->proto, "txt", p, n));
}

void reply_help(struct conn *c, const char *cmdname, const char **lines)
{
    size_t n = 0;
    char first[128];

    while (lines[n])
        n++;
    snprintf(
        first, sizeof(first),
        "%s <subcommand> [<arg> [value] [opt] ...]. Subcommands are:", cmdname);
    reply_array(c, (long long)n + 3);
    reply_simple(c, first);
    for (size_t i = 0; i < n; i++)
        reply_simple(c, lines[i]);
    reply_simple(c, "HELP");
    reply_simple(c, "    Prints this help.");
}

/* The header is written later, when the length is known, by moving the
 * elements written since; that one memmove per deferred aggregate is what
 * KEYS and SCAN pay for not counting twice. */
size_t reply_defer_len(struct conn *c)
{
    conn_mark_pending(c);
    return c->reply.len;
}

void reply_set_deferred_len(struct conn *c, size_t handle, char type,
                            long long n)
{
    struct resp_buf hdr;
    char tmp[DEFERRED_MAX + 8];

    hdr.data = tmp;
    hdr.len = 0;
    hdr.cap = sizeof(tmp);
    resp_w_aggregate(&hdr, c->proto, type, n);

    struct resp_buf *b = &c->reply;
    util_check_resp(resp_buf_reserve(b, hdr.len));
    memmove(b->data + handle + hdr.len, b->data + handle, b->len - handle);
    memcpy(b->data + handle, hdr.data, hdr.len);
    b->len += hdr.len;
}
