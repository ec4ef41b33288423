/* reply.h -- appending replies to a client, in its protocol version.
 *
 * Thin wrappers over resp_write.h that pick the client's RESP version and
 * put the client on the pending-writes list.  Error texts are passed
 * without the leading '-' ("ERR syntax error"). */
#ifndef REPLY_H
#define REPLY_H

#include <stddef.h>

struct conn;
struct obj;
struct shared_reply;

/* Error texts Redis 7 uses, shared by many commands. */
#define ERR_SYNTAX "ERR syntax error"
#define ERR_WRONGTYPE                                                          \
    "WRONGTYPE Operation against a key holding the wrong kind of value"
#define ERR_NOT_INT   "ERR value is not an integer or out of range"
#define ERR_NOT_FLOAT "ERR value is not a valid float"
#define ERR_OVERFLOW  "ERR increment or decrement would overflow"
#define ERR_NO_KEY    "ERR no such key"
#define ERR_DB_INDEX  "ERR DB index is out of range"
#define ERR_NOAUTH    "NOAUTH Authentication required."
#define ERR_WRONGPASS                                                          \
    "WRONGPASS invalid username-password pair or user is disabled."

void reply_simple(struct conn *c, const char *s);
void reply_ok(struct conn *c);
void reply_error(struct conn *c, const char *msg);
void reply_errorf(struct conn *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* "ERR wrong number of arguments for 'get' command" for c's command. */
void reply_arity_error(struct conn *c);
/* "ERR unknown subcommand 'x'. Try CLIENT HELP." */
void reply_subcommand_error(struct conn *c);

void reply_int(struct conn *c, long long v);
void reply_bulk(struct conn *c, const void *p, size_t n);
void reply_bulk_cstr(struct conn *c, const char *s);
void reply_bulk_ll(struct conn *c, long long v);
void reply_bulk_obj(struct conn *c, const struct obj *o);
void reply_null(struct conn *c);
void reply_null_array(struct conn *c);
void reply_array(struct conn *c, long long n);
void reply_map(struct conn *c, long long pairs);
void reply_set(struct conn *c, long long n);
void reply_push(struct conn *c, long long n);
void reply_bool(struct conn *c, int v);
void reply_double(struct conn *c, double v);
void reply_verbatim(struct conn *c, const char *p, size_t n);
/* Lines of help, as the HELP subcommands answer (array of simple strings);
 * lines ends with NULL. */
void reply_help(struct conn *c, const char *cmdname, const char **lines);

/* Aggregates whose length is known only at the end (KEYS, SCAN): reserve a
 * place, then fill it in.  type is '*', '%' or '~'. */
size_t reply_defer_len(struct conn *c);
void reply_set_deferred_len(struct conn *c, size_t handle, char type,
                            long long n);

/* Raw, already formatted protocol bytes. */
void reply_raw(struct conn *c, const void *p, size_t n);

/* Queue a shared, already formatted block (a published message) after c's
 * pending output without copying it (outq.h), then enforce c's output
 * buffer limit.  A client being closed gets nothing. */
void reply_shared(struct conn *c, struct shared_reply *s);

#endif
