/* record.h -- a submission's record: the fields of hash submission:<id>
 * and their one JSON form.
 *
 * The api, the worker (on channel problem_done) and notify (on the
 * WebSocket) all build the JSON with record_write_json(), so a record has
 * the same shape wherever a client meets it: the fields below in this
 * order, each present only when the hash has it, integers as numbers,
 * "tests" as an array, and never the source code.
 *
 *   id, userId, problemId, lang   as submitted
 *   status     PENDING, RUNNING or DONE
 *   created    ms since the epoch, when the api accepted it
 *   attempts   deliveries to a worker so far
 *   worker     the worker judging it, then the one that judged it
 *   started    ms since the epoch, when the last attempt started
 *   verdict    (DONE) AC, WA, TLE, MLE, OLE, RE, CE or IE
 *   passed, total     tests passed, tests in the problem
 *   timeMs, memoryKb  CPU time summed over the tests, largest peak RSS
 *   finished   ms since the epoch
 *   tests      [{"name","verdict","timeMs","wallMs","memoryKb","detail"}]
 *              for each test run, in order
 *   message    compiler output (CE), stderr (RE), or what failed (IE)
 */
#ifndef RECORD_H
#define RECORD_H

#include <stddef.h>

#include "../client.h"
#include "json.h"

#define RECORD_PENDING "PENDING"
#define RECORD_RUNNING "RUNNING"
#define RECORD_DONE    "DONE"

enum record_field {
    REC_ID,
    REC_USER,
    REC_PROBLEM,
    REC_LANG,
    REC_STATUS,
    REC_CREATED,
    REC_ATTEMPTS,
    REC_WORKER,
    REC_STARTED,
    REC_VERDICT,
    REC_PASSED,
    REC_TOTAL,
    REC_TIME,
    REC_MEMORY,
    REC_FINISHED,
    REC_TESTS,
    REC_MESSAGE,
    REC_CODE, /* stored in the hash, never in the JSON */
    REC_NFIELDS
};

/* Field values are owned copies, NUL-terminated (and binary-safe with
 * len); NULL when absent. */
struct record {
    char *val[REC_NFIELDS];
    size_t len[REC_NFIELDS];
};

/* The hash field (and JSON member) name of f. */
const char *record_field_name(enum record_field f);

void record_init(struct record *r);
void record_free(struct record *r);

/* Set f to v[0..n) (a copy) or to the decimal form of v.  Return 0, or -1
 * when out of memory (f then absent). */
int record_set(struct record *r, enum record_field f, const char *v, size_t n);
int record_set_str(struct record *r, enum record_field f, const char *v);
int record_set_int(struct record *r, enum record_field f, long long v);

/* f's value (with *len when len != NULL), or NULL when absent. */
const char *record_get(const struct record *r, enum record_field f,
                       size_t *len);
/* f as an integer, or dflt when absent or not a decimal integer. */
long long record_get_int(const struct record *r, enum record_field f,
                         long long dflt);
/* 1 if f is present and equals s. */
int record_is(const struct record *r, enum record_field f, const char *s);

/* Fill r (record_init'ed) from the reply to HGETALL submission:<id> (a
 * RESP2 array or a RESP3 map of field/value pairs; unknown fields are
 * skipped).  Returns the number of fields taken (0: no such hash), or -1
 * when the reply has another shape or memory ran out. */
int record_from_reply(struct record *r, const struct resp_reply *reply);

/* Write r as one JSON object (see the overview).  Returns 0 or -1 when
 * the writer failed. */
int record_write_json(const struct record *r, struct json_writer *w);

/* Queue "HSET key f1 v1 f2 v2 ..." on c for the n fields listed that r
 * has (at least one must be present).  Returns 0 or -1. */
int record_append_hset(struct client *c, const char *key,
                       const struct record *r, const enum record_field *fields,
                       size_t n);

#endif
