/* api_routes.c -- the endpoints of `judge api` and its broker
 * connection (the server around them is api.c).
 *
 *   POST /submissions       {problemId, lang, code, userId} -> 202 {id}
 *   GET  /submissions/<id>  the record (record.h)
 *   GET  /problems          the problems, without statements
 *   GET  /problems/<id>     one problem: statement, limits, samples
 *   GET  /languages         the languages workers judge
 *   GET  /health            whether the broker answers
 *
 * Submitting is one MULTI/EXEC (api_enqueue): the hash, the queue push,
 * the user's in-flight counter and the user's recent list change
 * together or not at all, under WATCH of the counter so that the per-user
 * cap holds even with several api processes.
 *
 * The broker is reached over one connection, synchronously, from the
 * event loop: each round trip on loopback costs microseconds, but a
 * stalled broker stalls every HTTP client for up to JUDGE_BROKER_IO_MS
 * (then the requests get 503).  A pool of broker connections on threads,
 * or a non-blocking client, would remove that coupling; one api process
 * per core behind a balancer is the simpler way to scale meanwhile. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "record.h"
#include "runner.h"

#define API_BROKER_RETRY_MS 200
#define API_TX_RETRIES      8 /* WATCH conflicts before giving up */

/* ---- replies ------------------------------------------------------------ */

void api_reply_init(struct api_reply *r)
{
    r->status = 200;
    json_writer_init(&r->body);
    r->extra[0] = '\0';
}

/* Make r a JSON error {"error": message}. */
void api_reply_error(struct api_reply *r, int status, const char *fmt, ...)
{
    char msg[API_ERR_LEN];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    r->status = status;
    json_writer_reset(&r->body);
    json_write_object_begin(&r->body);
    json_write_kv_string(&r->body, "error", msg);
    json_write_object_end(&r->body);
}

/* ---- the broker --------------------------------------------------------- */

/* The broker connection, (re)connecting when it is down, at most every
 * API_BROKER_RETRY_MS.  NULL when unreachable. */
struct client *api_broker_get(struct api *api)
{
    long long now = judge_mono_ms();

    if (api->broker != NULL && client_err(api->broker) == CLIENT_OK)
        return api->broker;
    if (now < api->broker_retry_at)
        return NULL;
    if (api->broker == NULL)
        api->broker = judge_broker_connect(api->cfg);
    else
        client_reconnect(api->broker);
    if (api->broker != NULL && client_err(api->broker) == CLIENT_OK) {
        if (api->broker_was_down)
            judge_log(2, "broker %s:%d reachable again", api->cfg->broker_host,
                      api->cfg->broker_port);
        api->broker_was_down = 0;
        return api->broker;
    }
    if (!api->broker_was_down)
        judge_log(3, "broker %s:%d unreachable: %s", api->cfg->broker_host,
                  api->cfg->broker_port,
                  api->broker ? client_errstr(api->broker) : "out of memory");
    api->broker_was_down = 1;
    api->broker_retry_at = now + API_BROKER_RETRY_MS;
    return NULL;
}

/* After a failure on a connection that looked fine: reconnect at once
 * (not after API_BROKER_RETRY_MS), for one retry of a request that had
 * written nothing yet. */
static struct client *broker_again(struct api *api)
{
    api->broker_retry_at = 0;
    return api_broker_get(api);
}

/* After a reply the protocol did not lead us to expect, the connection's
 * state (WATCH, MULTI) is unknown: drop it, so that no later request
 * inherits it. */
static void broker_drop(struct api *api, const char *why)
{
    judge_log(3, "dropping the broker connection: %s", why);
    client_free(api->broker);
    api->broker = NULL;
}

static int reply_is_ok(const struct resp_reply *r)
{
    return r != NULL && r->type == RESP_SIMPLE && strcmp(r->str, "OK") == 0;
}

static int reply_is_queued(const struct resp_reply *r)
{
    return r != NULL && r->type == RESP_SIMPLE && strcmp(r->str, "QUEUED") == 0;
}

/* Read n replies into out[] (NULLs after a connection error).  Returns
 * 0, or -1 if the connection failed. */
static int read_replies(struct client *b, struct resp_reply **out, int n)
{
    int rc = 0;

    for (int i = 0; i < n; i++) {
        out[i] = rc == 0 ? client_read_reply(b) : NULL;
        if (out[i] == NULL)
            rc = -1;
    }
    return rc;
}

static void free_replies(struct resp_reply **r, int n)
{
    for (int i = 0; i < n; i++)
        resp_reply_free(r[i]);
}

/* The replies to WATCH, GET user:<u>:inflight and LLEN submissions,
 * checked: returns 0 with the counts, 1 to answer 500 (text in err), -1
 * when the connection failed or misbehaved. */
static int read_counts(struct client *b, long long *inflight, long long *qlen,
                       char *err, size_t errlen)
{
    struct resp_reply *r[3];
    int rc = 0;

    if (read_replies(b, r, 3) < 0) {
        free_replies(r, 3);
        return -1;
    }
    char *end;
    *inflight = 0;
    if (!reply_is_ok(r[0])) {
        rc = -1;
    } else if (r[1]->type == RESP_STRING) {
        *inflight = strtoll(r[1]->str, &end, 10);
        if (r[1]->len == 0 || *end != '\0') {
            snprintf(err, errlen, "in-flight counter is not a number");
            rc = 1;
        }
    } else if (r[1]->type != RESP_NIL) {
        snprintf(err, errlen, "in-flight counter: %s",
                 r[1]->type == RESP_ERROR ? r[1]->str : "unexpected reply");
        rc = 1;
    }
    if (rc == 0 && r[2]->type != RESP_INTEGER) {
        snprintf(err, errlen, "queue length: %s",
                 r[2]->type == RESP_ERROR ? r[2]->str : "unexpected reply");
        rc = 1;
    }
    *qlen = r[2]->integer;
    free_replies(r, 3);
    return rc;
}

/* Queue MULTI, the writes of one submission, EXEC.  Returns the number of
 * replies to expect, or -1. */
static int append_submission(struct api *api, struct client *b,
                             const struct record *rec)
{
    static const enum record_field fields[] = {
        REC_ID,     REC_USER,    REC_PROBLEM,  REC_LANG,
        REC_STATUS, REC_CREATED, REC_ATTEMPTS, REC_CODE};
    const char *id = record_get(rec, REC_ID, NULL);
    const char *user = record_get(rec, REC_USER, NULL);
    char subkey[JUDGE_KEY_MAX], listkey[JUDGE_KEY_MAX], countkey[JUDGE_KEY_MAX];
    char keep[16];

    judge_key(subkey, JUDGE_SUB_PREFIX, id, "");
    judge_key(listkey, JUDGE_USER_PREFIX, user, JUDGE_USER_LIST);
    judge_key(countkey, JUDGE_USER_PREFIX, user, JUDGE_USER_COUNT);
    snprintf(keep, sizeof(keep), "%d", api->cfg->recent - 1);
    if (client_append(b, "MULTI", NULL) < 0 ||
        record_append_hset(b, subkey, rec, fields,
                           sizeof(fields) / sizeof(fields[0])) < 0 ||
        client_append(b, "LPUSH", JUDGE_QUEUE, id, NULL) < 0 ||
        client_append(b, "INCR", countkey, NULL) < 0 ||
        client_append(b, "LPUSH", listkey, id, NULL) < 0 ||
        client_append(b, "LTRIM", listkey, "0", keep, NULL) < 0 ||
        client_append(b, "EXEC", NULL) < 0)
        return -1;
    return 7;
}

/* Check the replies to append_submission.  Returns 0 when EXEC ran every
 * command, 1 when WATCH aborted it (retry), 2 when the broker refused it
 * (err says why), -1 when the connection failed or misbehaved. */
static int read_exec(struct client *b, int n, char *err, size_t errlen)
{
    struct resp_reply *r[8];
    int rc = 0;

    if (read_replies(b, r, n) < 0) {
        free_replies(r, n);
        return -1;
    }
    if (!reply_is_ok(r[0]))
        rc = -1;
    for (int i = 1; rc == 0 && i < n - 1; i++)
        if (!reply_is_queued(r[i])) {
            snprintf(err, errlen, "%s",
                     r[i]->type == RESP_ERROR ? r[i]->str : "not queued");
            rc = 2;
        }
    const struct resp_reply *exec = r[n - 1];
    if (rc == 0 && exec->type == RESP_NIL) {
        rc = 1;
    } else if (rc == 0 && exec->type == RESP_ERROR) {
        snprintf(err, errlen, "%s", exec->str);
        rc = 2;
    } else if (rc == 0 && exec->type == RESP_ARRAY) {
        for (size_t i = 0; i < exec->elements; i++)
            if (exec->element[i]->type == RESP_ERROR) {
                /* Only a key of ours holding another type gets here
                 * (they are checked or fresh): the rest did run. */
                snprintf(err, errlen, "partly applied: %s",
                         exec->element[i]->str);
                rc = 2;
                break;
            }
    } else if (rc == 0) {
        rc = -1;
    }
    free_replies(r, n);
    return rc;
}

/* The caps on a new submission, given the user's in-flight count and the
 * queue's length: 0 when it may go in, else 429 (the user's cap) or 503
 * (the queue's) with the reason in err. */
static int check_caps(const struct api *api, long long inflight, long long qlen,
                      char *err, size_t errlen)
{
    if (inflight >= api->cfg->max_inflight) {
        snprintf(err, errlen,
                 "%lld submissions of this user are still being judged "
                 "(limit %d)",
                 inflight, api->cfg->max_inflight);
        return 429;
    }
    if (qlen >= api->cfg->max_queue) {
        snprintf(err, errlen, "the queue is full (%lld waiting)", qlen);
        return 503;
    }
    return 0;
}

/* Record and queue a submission (see the overview).  Returns the HTTP
 * status to answer: 202, or 429, 500, 503 with a reason in err. */
static int api_enqueue(struct api *api, const struct record *rec, char *err,
                       size_t errlen)
{
    char countkey[JUDGE_KEY_MAX];
    struct client *b = api_broker_get(api);
    long long inflight, qlen;

    if (b == NULL) {
        snprintf(err, errlen, "broker unavailable");
        return 503;
    }
    judge_key(countkey, JUDGE_USER_PREFIX, record_get(rec, REC_USER, NULL),
              JUDGE_USER_COUNT);
    for (int attempt = 0; attempt < API_TX_RETRIES; attempt++) {
        client_append(b, "WATCH", countkey, NULL);
        client_append(b, "GET", countkey, NULL);
        client_append(b, "LLEN", JUDGE_QUEUE, NULL);
        int rc = read_counts(b, &inflight, &qlen, err, errlen);
        if (rc < 0 && attempt == 0 && client_err(b) != CLIENT_OK) {
            /* Nothing was written yet: a connection that died while
             * idle (a broker restart) gets one fresh try. */
            b = broker_again(api);
            if (b == NULL)
                break;
            continue;
        }
        if (rc == 0)
            rc = check_caps(api, inflight, qlen, err, errlen);
        if (rc > 0) {
            resp_reply_free(client_command(b, "UNWATCH", NULL));
            return rc == 1 ? 500 : rc;
        }
        int n = rc == 0 ? append_submission(api, b, rec) : -1;
        rc = n > 0 ? read_exec(b, n, err, errlen) : -1;
        if (rc == 0)
            return 202;
        if (rc == 2) {
            judge_log(3, "submission %s refused by the broker: %s",
                      record_get(rec, REC_ID, NULL), err);
            return 500;
        }
        if (rc < 0) {
            /* Whether EXEC ran is unknown only if the connection broke
             * after sending it; either all of it ran or none. */
            snprintf(err, errlen, "broker unavailable");
            if (client_err(b) == CLIENT_OK)
                broker_drop(api, "unexpected reply in a transaction");
            return 503;
        }
    }
    if (b == NULL) {
        snprintf(err, errlen, "broker unavailable");
        return 503;
    }
    snprintf(err, errlen, "too many concurrent submissions, try again");
    return 503;
}

/* ---- handlers ----------------------------------------------------------- */

/* The string member key of doc (its length in *len), or NULL after
 * making r a 400 that names it (unless r already is an error). */
static const char *required_string(const struct json_value *doc,
                                   const char *key, size_t *len,
                                   struct api_reply *r)
{
    const char *s = json_get_string(doc, key, len);

    if (s == NULL && r->status < 400)
        api_reply_error(r, 400, "missing or non-string field \"%s\"", key);
    return s;
}

/* Check the fields of a submission.  Returns 0, or -1 with r made a
 * 400 saying what is wrong. */
static int check_fields(struct api *api, const char *pid, size_t plen,
                        const char *lang, size_t llen, const char *user,
                        size_t ulen, size_t clen, struct api_reply *r)
{
    /* Strings may hold NULs (\u0000): compare lengths too. */
    if (problem_set_find(api->problems, pid) == NULL || strlen(pid) != plen)
        api_reply_error(r, 400, "unknown problem \"%.64s\"", pid);
    else if (runner_lang_find(lang) == NULL || strlen(lang) != llen)
        api_reply_error(
            r, 400, "unknown language \"%.32s\" (see GET /languages)", lang);
    else if (!judge_valid_user(user, ulen))
        api_reply_error(
            r, 400, "userId must be 1 to %d characters of A-Z a-z 0-9 . _ @ -",
            JUDGE_USER_MAX);
    else if (clen == 0)
        api_reply_error(r, 400, "code is empty");
    else if (clen > JUDGE_CODE_MAX)
        api_reply_error(r, 400, "code is %zu bytes, over the limit of %d", clen,
                        JUDGE_CODE_MAX);
    return r->status >= 400 ? -1 : 0;
}

/* Build the PENDING record of a new submission from a request body.
 * Returns 0, or -1 with r made the error to answer (400, or 500 when out
 * of memory). */
static int parse_submission(struct api *api, const struct http_request *req,
                            struct record *rec, struct api_reply *r)
{
    struct json_error jerr;
    size_t plen, llen, clen, ulen;
    char id[JUDGE_ID_MAX];
    struct json_value *doc =
        json_parse(req->body ? req->body : "", req->body_len, NULL, &jerr);

    if (doc == NULL) {
        api_reply_error(r, 400, "invalid JSON: %s", jerr.message);
        return -1;
    }
    const char *pid = required_string(doc, "problemId", &plen, r);
    const char *lang = required_string(doc, "lang", &llen, r);
    const char *code = required_string(doc, "code", &clen, r);
    const char *user = required_string(doc, "userId", &ulen, r);
    if (doc->type != JSON_OBJECT)
        api_reply_error(r, 400, "the body must be a JSON object");
    if (r->status >= 400 ||
        check_fields(api, pid, plen, lang, llen, user, ulen, clen, r) < 0) {
        json_free(doc);
        return -1;
    }
    judge_new_id(id);
    int ok = record_set_str(rec, REC_ID, id) == 0 &&
             record_set(rec, REC_USER, user, ulen) == 0 &&
             record_set(rec, REC_PROBLEM, pid, plen) == 0 &&
             record_set(rec, REC_LANG, lang, llen) == 0 &&
             record_set_str(rec, REC_STATUS, RECORD_PENDING) == 0 &&
             record_set_int(rec, REC_CREATED, judge_time_ms()) == 0 &&
             record_set_int(rec, REC_ATTEMPTS, 0) == 0 &&
             record_set(rec, REC_CODE, code, clen) == 0;
    json_free(doc);
    if (!ok)
        api_reply_error(r, 500, "out of memory");
    return ok ? 0 : -1;
}

/* POST /submissions {problemId, lang, code, userId} */
static void handle_submit(struct api *api, const struct http_request *req,
                          struct api_reply *r)
{
    struct record rec;
    char err[API_ERR_LEN];

    record_init(&rec);
    if (parse_submission(api, req, &rec, r) < 0) {
        record_free(&rec);
        return;
    }
    const char *id = record_get(&rec, REC_ID, NULL);
    int status = api_enqueue(api, &rec, err, sizeof(err));
    if (status != 202) {
        api_reply_error(r, status, "%s", err);
        if (status == 503)
            snprintf(r->extra, sizeof(r->extra), "Retry-After: 1\r\n");
    } else {
        r->status = 202;
        json_write_object_begin(&r->body);
        json_write_kv_string(&r->body, "id", id);
        json_write_kv_string(&r->body, "status", RECORD_PENDING);
        json_write_object_end(&r->body);
        snprintf(r->extra, sizeof(r->extra), "Location: /submissions/%s\r\n",
                 id);
    }
    record_free(&rec);
}

/* GET /submissions/<id> */
static void handle_record(struct api *api, const char *id, size_t idlen,
                          struct api_reply *r)
{
    char key[JUDGE_KEY_MAX];
    struct record rec;

    if (!judge_valid_id(id, idlen)) {
        api_reply_error(r, 404, "no such submission");
        return;
    }
    struct client *b = api_broker_get(api);
    if (b == NULL) {
        api_reply_error(r, 503, "broker unavailable");
        return;
    }
    snprintf(key, sizeof(key), "%s%.*s", JUDGE_SUB_PREFIX, (int)idlen, id);
    struct resp_reply *rep = client_command(b, "HGETALL", key, NULL);
    if (rep == NULL && (b = broker_again(api)) != NULL)
        rep = client_command(b, "HGETALL", key, NULL);
    if (rep == NULL) {
        api_reply_error(r, 503, "broker unavailable");
        return;
    }
    record_init(&rec);
    int n = record_from_reply(&rec, rep);
    if (n < 0)
        api_reply_error(r, 500, "%s",
                        rep->type == RESP_ERROR ? rep->str
                                                : "malformed record");
    else if (n == 0)
        api_reply_error(r, 404, "no such submission");
    else
        record_write_json(&rec, &r->body);
    record_free(&rec);
    resp_reply_free(rep);
}

static void write_problem_summary(struct json_writer *w,
                                  const struct problem *p)
{
    json_write_kv_string(w, "id", p->id);
    json_write_kv_string(w, "title", p->title);
    json_write_kv_int(w, "timeLimitMs", p->time_limit_ms);
    json_write_kv_int(w, "memoryLimitMb", p->memory_limit_mb);
    json_write_kv_int(w, "tests", (long long)p->ntests);
}

/* GET /problems/<id> */
static void handle_problem(struct api *api, const char *id, size_t idlen,
                           struct api_reply *r)
{
    char name[PROBLEM_ID_MAX];
    struct json_writer *w = &r->body;

    if (idlen == 0 || idlen >= sizeof(name)) {
        api_reply_error(r, 404, "no such problem");
        return;
    }
    memcpy(name, id, idlen);
    name[idlen] = '\0';
    const struct problem *p = problem_set_find(api->problems, name);
    if (p == NULL) {
        api_reply_error(r, 404, "no such problem");
        return;
    }
    json_write_object_begin(w);
    write_problem_summary(w, p);
    json_write_kv_string_n(w, "statement", p->statement, p->statement_len);
    json_write_key(w, "samples");
    json_write_array_begin(w);
    for (size_t i = 0; i < p->nsamples && i < p->ntests; i++) {
        json_write_object_begin(w);
        json_write_kv_string(w, "name", p->tests[i].name);
        json_write_kv_string_n(w, "input", p->tests[i].input,
                               p->tests[i].input_len);
        json_write_kv_string_n(w, "output", p->tests[i].output,
                               p->tests[i].output_len);
        json_write_object_end(w);
    }
    json_write_array_end(w);
    json_write_object_end(w);
}

/* GET /health: 200 when the broker answers PING, else 503. */
static void handle_health(struct api *api, struct api_reply *r)
{
    struct client *b = api_broker_get(api);
    struct resp_reply *rep = b ? client_command(b, "PING", NULL) : NULL;
    if (rep == NULL && b != NULL && (b = broker_again(api)) != NULL)
        rep = client_command(b, "PING", NULL);
    int up = rep != NULL && rep->type == RESP_SIMPLE;

    resp_reply_free(rep);
    r->status = up ? 200 : 503;
    json_write_object_begin(&r->body);
    json_write_kv_string(&r->body, "status", up ? "ok" : "degraded");
    json_write_kv_string(&r->body, "broker", up ? "up" : "down");
    json_write_object_end(&r->body);
}

static int path_is(const struct http_request *req, const char *p)
{
    return req->path_len == strlen(p) &&
           memcmp(req->path, p, req->path_len) == 0;
}

static int path_under(const struct http_request *req, const char *prefix)
{
    size_t n = strlen(prefix);

    return req->path_len > n && memcmp(req->path, prefix, n) == 0;
}

/* Route req to its handler, filling r. */
void api_route(struct api *api, const struct http_request *req,
               struct api_reply *r)
{
    int get = http_method_is(req, "GET") || http_method_is(req, "HEAD");
    int post = http_method_is(req, "POST");
    const char *allow = "GET, HEAD";

    if (path_is(req, "/submissions")) {
        allow = "POST";
        if (post)
            handle_submit(api, req, r);
    } else if (path_under(req, "/submissions/")) {
        if (get)
            handle_record(api, req->path + 13, req->path_len - 13, r);
    } else if (path_is(req, "/problems")) {
        if (get)
            json_write_raw(&r->body, api->problems_json,
                           strlen(api->problems_json));
    } else if (path_under(req, "/problems/")) {
        if (get)
            handle_problem(api, req->path + 10, req->path_len - 10, r);
    } else if (path_is(req, "/languages")) {
        if (get)
            json_write_raw(&r->body, api->languages_json,
                           strlen(api->languages_json));
    } else if (path_is(req, "/health")) {
        if (get)
            handle_health(api, r);
    } else {
        api_reply_error(r, 404, "no such resource");
        return;
    }
    if (!json_writer_result(&r->body, NULL) && r->status < 400) {
        api_reply_error(r, 405, "method not allowed here");
        snprintf(r->extra, sizeof(r->extra), "Allow: %s\r\n", allow);
    }
}

/* The constant answers, built once: GET /problems and GET /languages. */
int api_build_static(struct api *api)
{
    struct json_writer w;
    char version[RUNNER_VERSION_LEN];

    json_writer_init(&w);
    json_write_array_begin(&w);
    for (size_t i = 0; i < problem_set_count(api->problems); i++) {
        json_write_object_begin(&w);
        write_problem_summary(&w, problem_set_at(api->problems, i));
        json_write_object_end(&w);
    }
    json_write_array_end(&w);
    const char *s = json_writer_result(&w, NULL);
    api->problems_json = s ? strdup(s) : NULL;

    json_writer_reset(&w);
    json_write_array_begin(&w);
    for (size_t i = 0; i < runner_lang_count(); i++) {
        const struct runner_lang *lang = runner_lang_at(i);
        json_write_object_begin(&w);
        json_write_kv_string(&w, "name", lang->name);
        json_write_kv_string(&w, "display", lang->display);
        if (runner_lang_version(lang, version, sizeof(version)) == 0)
            json_write_kv_string(&w, "version", version);
        else
            json_write_kv_null(&w, "version");
        json_write_object_end(&w);
    }
    json_write_array_end(&w);
    s = json_writer_result(&w, NULL);
    api->languages_json = s ? strdup(s) : NULL;
    json_writer_free(&w);
    return api->problems_json && api->languages_json ? 0 : -1;
}
