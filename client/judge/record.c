/* record.c -- a submission's fields and their JSON form (see record.h). */
#include "record.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum field_kind { KIND_STRING, KIND_INT, KIND_JSON, KIND_HIDDEN };

static const struct {
    const char *name;
    enum field_kind kind;
} schema[REC_NFIELDS] = {
    [REC_ID] = {"id", KIND_STRING},
    [REC_USER] = {"userId", KIND_STRING},
    [REC_PROBLEM] = {"problemId", KIND_STRING},
    [REC_LANG] = {"lang", KIND_STRING},
    [REC_STATUS] = {"status", KIND_STRING},
    [REC_CREATED] = {"created", KIND_INT},
    [REC_ATTEMPTS] = {"attempts", KIND_INT},
    [REC_WORKER] = {"worker", KIND_STRING},
    [REC_STARTED] = {"started", KIND_INT},
    [REC_VERDICT] = {"verdict", KIND_STRING},
    [REC_PASSED] = {"passed", KIND_INT},
    [REC_TOTAL] = {"total", KIND_INT},
    [REC_TIME] = {"timeMs", KIND_INT},
    [REC_MEMORY] = {"memoryKb", KIND_INT},
    [REC_FINISHED] = {"finished", KIND_INT},
    [REC_TESTS] = {"tests", KIND_JSON},
    [REC_MESSAGE] = {"message", KIND_STRING},
    [REC_CODE] = {"code", KIND_HIDDEN},
};

const char *record_field_name(enum record_field f)
{
    return (unsigned)f < REC_NFIELDS ? schema[f].name : "?";
}

void record_init(struct record *r)
{
    memset(r, 0, sizeof(*r));
}

void record_free(struct record *r)
{
    for (int i = 0; i < REC_NFIELDS; i++)
        free(r->val[i]);
    record_init(r);
}

int record_set(struct record *r, enum record_field f, const char *v, size_t n)
{
    char *copy = malloc(n + 1);

    free(r->val[f]);
    r->val[f] = NULL;
    r->len[f] = 0;
    if (copy == NULL)
        return -1;
    memcpy(copy, v, n);
    copy[n] = '\0';
    r->val[f] = copy;
    r->len[f] = n;
    return 0;
}

int record_set_str(struct record *r, enum record_field f, const char *v)
{
    return record_set(r, f, v, strlen(v));
}

int record_set_int(struct record *r, enum record_field f, long long v)
{
    char buf[32];
    int n = snprintf(buf, sizeof(buf), "%lld", v);

    return record_set(r, f, buf, (size_t)n);
}

const char *record_get(const struct record *r, enum record_field f, size_t *len)
{
    if (len != NULL)
        *len = r->len[f];
    return r->val[f];
}

/* Parse a whole decimal integer.  Returns 0 or -1. */
static int parse_int(const char *s, size_t n, long long *out)
{
    char *end;

    if (s == NULL || n == 0 || n > 20)
        return -1;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno != 0 || end != s + n)
        return -1;
    *out = v;
    return 0;
}

long long record_get_int(const struct record *r, enum record_field f,
                         long long dflt)
{
    long long v;

    return parse_int(r->val[f], r->len[f], &v) == 0 ? v : dflt;
}

int record_is(const struct record *r, enum record_field f, const char *s)
{
    return r->val[f] != NULL && strcmp(r->val[f], s) == 0 &&
           r->len[f] == strlen(s);
}

static int field_by_name(const char *name, size_t n)
{
    for (int i = 0; i < REC_NFIELDS; i++)
        if (strlen(schema[i].name) == n && memcmp(schema[i].name, name, n) == 0)
            return i;
    return -1;
}

int record_from_reply(struct record *r, const struct resp_reply *reply)
{
    int taken = 0;

    if (reply == NULL ||
        (reply->type != RESP_ARRAY && reply->type != RESP_MAP) ||
        reply->elements % 2 != 0)
        return -1;
    for (size_t i = 0; i + 1 < reply->elements; i += 2) {
        const struct resp_reply *k = reply->element[i];
        const struct resp_reply *v = reply->element[i + 1];
        if (k->type != RESP_STRING || v->type != RESP_STRING)
            return -1;
        int f = field_by_name(k->str, k->len);
        if (f < 0)
            continue;
        if (record_set(r, (enum record_field)f, v->str, v->len) < 0)
            return -1;
        taken++;
    }
    return taken;
}

/* Write field f's member, if r has it in a form its kind allows. */
static void write_field(const struct record *r, int f, struct json_writer *w)
{
    const char *v = r->val[f];
    size_t n = r->len[f];
    long long iv;

    if (v == NULL || schema[f].kind == KIND_HIDDEN)
        return;
    switch (schema[f].kind) {
    case KIND_STRING:
        json_write_kv_string_n(w, schema[f].name, v, n);
        break;
    case KIND_INT:
        if (parse_int(v, n, &iv) == 0)
            json_write_kv_int(w, schema[f].name, iv);
        break;
    case KIND_JSON: {
        /* Stored by a worker, but the broker is shared: insert it only if
         * it really is JSON, so the document stays valid. */
        struct json_value *doc = json_parse(v, n, NULL, NULL);
        if (doc != NULL) {
            json_write_key(w, schema[f].name);
            json_write_raw(w, v, n);
            json_free(doc);
        }
        break;
    }
    case KIND_HIDDEN:
        break;
    }
}

int record_write_json(const struct record *r, struct json_writer *w)
{
    json_write_object_begin(w);
    for (int f = 0; f < REC_NFIELDS; f++)
        write_field(r, f, w);
    return json_write_object_end(w);
}

int record_append_hset(struct client *c, const char *key,
                       const struct record *r, const enum record_field *fields,
                       size_t n)
{
    const char *argv[2 + 2 * REC_NFIELDS];
    size_t lens[2 + 2 * REC_NFIELDS];
    int argc = 0;

    argv[argc] = "HSET";
    lens[argc++] = 4;
    argv[argc] = key;
    lens[argc++] = strlen(key);
    for (size_t i = 0; i < n && i < REC_NFIELDS; i++) {
        enum record_field f = fields[i];
        if (r->val[f] == NULL)
            continue;
        argv[argc] = schema[f].name;
        lens[argc++] = strlen(schema[f].name);
        argv[argc] = r->val[f];
        lens[argc++] = r->len[f];
    }
    if (argc == 2)
        return -1;
    return client_append_argv(c, argc, argv, lens);
}
