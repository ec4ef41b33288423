/* api.h -- what the two halves of `judge api` share: api.c (the HTTP
 * server: connections, the event loop, start-up) and api_routes.c (the
 * endpoints and the broker).  Internal to bin/judge. */
#ifndef API_H
#define API_H

#include "http.h"
#include "judge.h"
#include "json.h"
#include "loop.h"
#include "problem.h"

#define API_ERR_LEN 256

struct api_conn;

struct api {
    const struct judge_config *cfg;
    struct jloop *loop;
    int listen_fd;
    struct problem_set *problems;
    struct client *broker;
    long long broker_retry_at;
    int broker_was_down;
    struct http_limits limits;
    struct api_conn *conns;
    int nconns;
    char *problems_json;  /* GET /problems, built once */
    char *languages_json; /* GET /languages, built once */
};

/* What a handler answers: a status, a JSON body and extra header lines. */
struct api_reply {
    int status;
    struct json_writer body;
    char extra[256];
};

/* Status 200 and an empty body. */
void api_reply_init(struct api_reply *r);
/* Make r a JSON error {"error": message} with status. */
void api_reply_error(struct api_reply *r, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The broker connection, (re)connecting when it is down (at most every
 * API_BROKER_RETRY_MS).  NULL when the broker is unreachable. */
struct client *api_broker_get(struct api *api);

/* Build api->problems_json and api->languages_json (asking each
 * language's compiler or interpreter for its version).  Returns 0/-1. */
int api_build_static(struct api *api);

/* Answer req (api_routes.c): fills r, talking to the broker if needed. */
void api_route(struct api *api, const struct http_request *req,
               struct api_reply *r);

#endif
