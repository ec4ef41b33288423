/* problem.c -- load problems from their directories (format in problem.h).
 *
 * Loading is all or nothing, and every error names the file it is about
 * (and the line, for problem.conf), because the person reading it is
 * whoever just added or edited a problem. */
#include "problem.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CONF_LINE_MAX 1024

struct problem_set {
    struct problem *items; /* sorted by id */
    size_t count;
};

static void set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL || errlen == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* Join dir and name into a new string, or NULL when out of memory. */
static char *path_join(const char *dir, const char *name)
{
    size_t a = strlen(dir), b = strlen(name);
    char *p = malloc(a + b + 2);

    if (p == NULL)
        return NULL;
    memcpy(p, dir, a);
    p[a] = '/';
    memcpy(p + a + 1, name, b + 1);
    return p;
}

/* Read the whole regular file path (at most PROBLEM_FILE_MAX bytes) into a
 * new NUL-terminated buffer.  Returns 0, or -1 with "path: reason". */
static int read_file(const char *path, char **out, size_t *out_len, char *err,
                     size_t errlen)
{
    struct stat st;
    char *buf;
    size_t got = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0) {
        set_err(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (fstat(fd, &st) != 0) {
        set_err(err, errlen, "%s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    if (!S_ISREG(st.st_mode) || st.st_size > PROBLEM_FILE_MAX) {
        set_err(err, errlen, "%s: %s", path,
                !S_ISREG(st.st_mode) ? "not a regular file"
                                     : "larger than the file size cap");
        close(fd);
        return -1;
    }
    buf = malloc((size_t)st.st_size + 1);
    if (buf == NULL) {
        set_err(err, errlen, "%s: out of memory", path);
        close(fd);
        return -1;
    }
    while (got < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            set_err(err, errlen, "%s: %s", path,
                    n < 0 ? strerror(errno) : "file shrank while reading");
            free(buf);
            close(fd);
            return -1;
        }
        got += (size_t)n;
    }
    close(fd);
    buf[got] = '\0';
    *out = buf;
    *out_len = got;
    return 0;
}

/* ---- problem.conf ------------------------------------------------------- */

enum conf_key { KEY_ID, KEY_TITLE, KEY_TIME, KEY_MEMORY, KEY_SAMPLES, NKEYS };

static const char *const conf_key_names[NKEYS] = {
    "id", "title", "time_limit_ms", "memory_limit_mb", "samples"};

static int valid_id(const char *s)
{
    size_t n = strlen(s);

    if (n == 0 || n >= PROBLEM_ID_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!islower((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) &&
            s[i] != '-')
            return 0;
    return 1;
}

/* Parse a decimal integer in [min, max] filling the whole of s.  Returns 0
 * or -1. */
static int parse_int(const char *s, long min, long max, long *out)
{
    char *end;
    long v;

    if (!isdigit((unsigned char)s[0]))
        return -1;
    errno = 0;
    v = strtol(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

/* Store the value of key k from line lineno into p.  Returns 0, or -1 with
 * "file:line: reason". */
static int conf_set(struct problem *p, enum conf_key k, const char *value,
                    const char *file, int lineno, char *err, size_t errlen)
{
    long v = 0;
    const char *what = NULL;

    switch (k) {
    case KEY_ID:
        if (!valid_id(value))
            what = "id must be 1-63 characters of a-z, 0-9 and '-'";
        else
            strcpy(p->id, value);
        break;
    case KEY_TITLE:
        if (value[0] == '\0' || strlen(value) >= PROBLEM_TITLE_MAX)
            what = "title must be 1-127 bytes";
        else
            strcpy(p->title, value);
        break;
    case KEY_TIME:
        if (parse_int(value, 1, PROBLEM_TIME_MAX_MS, &v) != 0)
            what = "time_limit_ms must be an integer in 1..60000";
        p->time_limit_ms = (int)v;
        break;
    case KEY_MEMORY:
        if (parse_int(value, 1, PROBLEM_MEMORY_MAX_MB, &v) != 0)
            what = "memory_limit_mb must be an integer in 1..4096";
        p->memory_limit_mb = (int)v;
        break;
    case KEY_SAMPLES:
        if (parse_int(value, 0, PROBLEM_TESTS_MAX, &v) != 0)
            what = "samples must be an integer in 0..256";
        p->nsamples = (size_t)v;
        break;
    default:
        what = "unknown key";
        break;
    }
    if (what != NULL) {
        set_err(err, errlen, "%s:%d: %s, not '%s'", file, lineno, what, value);
        return -1;
    }
    return 0;
}

/* Split one line (NUL-terminated, no newline) into key and value, both
 * trimmed, in place.  Returns 0 for a blank or comment line (*key NULL),
 * 1 for a pair. */
static int conf_split(char *line, char **key, char **value)
{
    char *s = line, *e;

    *key = NULL;
    while (*s == ' ' || *s == '\t' || *s == '\r')
        s++;
    if (*s == '\0' || *s == '#')
        return 0;
    *key = s;
    while (*s != '\0' && *s != ' ' && *s != '\t')
        s++;
    if (*s != '\0')
        *s++ = '\0';
    while (*s == ' ' || *s == '\t')
        s++;
    e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
        e--;
    *e = '\0';
    *value = s;
    return 1;
}

/* Parse the text of file (problem.conf) into p.  Returns 0, or -1 with
 * "file:line: reason" (line 0 for a key that is missing altogether). */
static int conf_parse(struct problem *p, char *text, const char *file,
                      char *err, size_t errlen)
{
    int seen[NKEYS] = {0};
    int lineno = 0;
    char *line = text;

    while (line != NULL && *line != '\0') {
        char *next = strchr(line, '\n'), *key, *value;
        int k;

        if (next != NULL)
            *next++ = '\0';
        lineno++;
        if (strlen(line) > CONF_LINE_MAX) {
            set_err(err, errlen, "%s:%d: line too long", file, lineno);
            return -1;
        }
        if (conf_split(line, &key, &value) == 1) {
            for (k = 0; k < NKEYS; k++)
                if (strcmp(key, conf_key_names[k]) == 0)
                    break;
            if (k == NKEYS || seen[k]) {
                set_err(err, errlen, "%s:%d: %s key '%s'", file, lineno,
                        k == NKEYS ? "unknown" : "repeated", key);
                return -1;
            }
            seen[k] = 1;
            if (conf_set(p, (enum conf_key)k, value, file, lineno, err,
                         errlen) != 0)
                return -1;
        }
        line = next;
    }
    for (int k = 0; k < KEY_SAMPLES; k++) {
        if (!seen[k]) {
            set_err(err, errlen, "%s: missing key '%s'", file,
                    conf_key_names[k]);
            return -1;
        }
    }
    return 0;
}

/* ---- tests/ -------------------------------------------------------------- */

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);

    return n > m && strcmp(s + n - m, suffix) == 0;
}

static void free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* List the entries of dir ending in ".in" or ".out", sorted.  Returns 0
 * with a new array in *names (free_names), or -1 with "dir: reason". */
static int list_tests(const char *dir, char ***names, size_t *count, char *err,
                      size_t errlen)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char **v = NULL;
    size_t n = 0, cap = 0;

    if (d == NULL) {
        set_err(err, errlen, "%s: %s", dir, strerror(errno));
        return -1;
    }
    while ((de = readdir(d)) != NULL) {
        if (!has_suffix(de->d_name, ".in") && !has_suffix(de->d_name, ".out"))
            continue;
        if (n == 2 * PROBLEM_TESTS_MAX) {
            set_err(err, errlen, "%s: more than %d tests", dir,
                    PROBLEM_TESTS_MAX);
            goto fail;
        }
        if (n == cap) {
            char **nv;
            cap = cap ? cap * 2 : 16;
            nv = realloc(v, cap * sizeof(*v));
            if (nv == NULL)
                goto oom;
            v = nv;
        }
        if ((v[n] = strdup(de->d_name)) == NULL)
            goto oom;
        n++;
    }
    closedir(d);
    if (n > 0)
        qsort(v, n, sizeof(*v), cmp_names);
    *names = v;
    *count = n;
    return 0;

oom:
    set_err(err, errlen, "%s: out of memory", dir);
fail:
    closedir(d);
    free_names(v, n);
    return -1;
}

/* Load test stem (from dir/stem.in and dir/stem.out) into t. */
static int load_test(struct problem_test *t, const char *dir, const char *stem,
                     char *err, size_t errlen)
{
    char file[PROBLEM_ID_MAX + 8];
    char *out_path;

    if (strlen(stem) >= PROBLEM_ID_MAX) {
        set_err(err, errlen, "%s/%s.in: test name too long", dir, stem);
        return -1;
    }
    strcpy(t->name, stem);
    snprintf(file, sizeof(file), "%s.in", stem);
    t->input_path = path_join(dir, file);
    snprintf(file, sizeof(file), "%s.out", stem);
    out_path = path_join(dir, file);
    if (t->input_path == NULL || out_path == NULL) {
        free(out_path);
        set_err(err, errlen, "%s: out of memory", dir);
        return -1;
    }
    if (read_file(t->input_path, &t->input, &t->input_len, err, errlen) != 0 ||
        read_file(out_path, &t->output, &t->output_len, err, errlen) != 0) {
        free(out_path);
        return -1;
    }
    free(out_path);
    return 0;
}

/* Pair up the sorted names of dir into tests: each "X.in" must be followed
 * by "X.out" (they sort next to each other).  Returns 0 or -1. */
static int load_tests(struct problem *p, const char *dir, char **names,
                      size_t n, char *err, size_t errlen)
{
    p->tests = calloc(n / 2 + 1, sizeof(*p->tests));
    if (p->tests == NULL) {
        set_err(err, errlen, "%s: out of memory", dir);
        return -1;
    }
    for (size_t i = 0; i < n; i += 2) {
        size_t stem_len = strlen(names[i]) - 3;
        char stem[PROBLEM_ID_MAX];

        if (!has_suffix(names[i], ".in") || i + 1 == n ||
            strncmp(names[i + 1], names[i], stem_len) != 0 ||
            strcmp(names[i + 1] + stem_len, ".out") != 0) {
            set_err(err, errlen, "%s/%s: no matching %s file", dir, names[i],
                    has_suffix(names[i], ".in") ? ".out" : ".in");
            return -1;
        }
        if (stem_len >= sizeof(stem)) {
            set_err(err, errlen, "%s/%s: test name too long", dir, names[i]);
            return -1;
        }
        /* A dot in a stem could sort between "X.in" and "X.out". */
        if (memchr(names[i], '.', stem_len) != NULL) {
            set_err(err, errlen, "%s/%s: test names may not contain '.'", dir,
                    names[i]);
            return -1;
        }
        memcpy(stem, names[i], stem_len);
        stem[stem_len] = '\0';
        if (load_test(&p->tests[p->ntests], dir, stem, err, errlen) != 0) {
            p->ntests++;
            return -1;
        }
        p->ntests++;
    }
    return 0;
}

/* ---- one problem ------------------------------------------------------- */

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');

    return s != NULL ? s + 1 : path;
}

static int load_conf(struct problem *p, const char *path, char *err,
                     size_t errlen)
{
    char *file = path_join(path, "problem.conf"), *text;
    size_t len;
    int rc = -1;

    if (file == NULL) {
        set_err(err, errlen, "%s: out of memory", path);
        return -1;
    }
    if (read_file(file, &text, &len, err, errlen) == 0) {
        if (memchr(text, '\0', len) != NULL)
            set_err(err, errlen, "%s: contains a NUL byte", file);
        else if (conf_parse(p, text, file, err, errlen) == 0)
            rc = 0;
        free(text);
    }
    if (rc == 0 && strcmp(p->id, base_name(path)) != 0) {
        set_err(err, errlen, "%s: id '%s' differs from the directory name",
                file, p->id);
        rc = -1;
    }
    free(file);
    return rc;
}

static int load_statement(struct problem *p, const char *path, char *err,
                          size_t errlen)
{
    char *file = path_join(path, "statement.md");
    int rc;

    if (file == NULL) {
        set_err(err, errlen, "%s: out of memory", path);
        return -1;
    }
    rc = read_file(file, &p->statement, &p->statement_len, err, errlen);
    if (rc == 0 && p->statement_len == 0) {
        set_err(err, errlen, "%s: empty statement", file);
        rc = -1;
    }
    free(file);
    return rc;
}

static int load_test_dir(struct problem *p, const char *path, char *err,
                         size_t errlen)
{
    char *dir = path_join(path, "tests");
    char **names = NULL;
    size_t n = 0;
    int rc = -1;

    if (dir == NULL) {
        set_err(err, errlen, "%s: out of memory", path);
        return -1;
    }
    if (list_tests(dir, &names, &n, err, errlen) == 0) {
        if (n == 0)
            set_err(err, errlen, "%s: no tests (NN.in and NN.out)", dir);
        else
            rc = load_tests(p, dir, names, n, err, errlen);
        free_names(names, n);
    }
    if (rc == 0 && p->nsamples > p->ntests) {
        set_err(err, errlen, "%s/problem.conf: samples %zu but only %zu tests",
                path, p->nsamples, p->ntests);
        rc = -1;
    }
    free(dir);
    return rc;
}

int problem_load(const char *path, struct problem *p, char *err, size_t errlen)
{
    memset(p, 0, sizeof(*p));
    if (load_conf(p, path, err, errlen) != 0 ||
        load_statement(p, path, err, errlen) != 0 ||
        load_test_dir(p, path, err, errlen) != 0) {
        problem_free(p);
        return -1;
    }
    return 0;
}

void problem_free(struct problem *p)
{
    for (size_t i = 0; i < p->ntests; i++) {
        free(p->tests[i].input_path);
        free(p->tests[i].input);
        free(p->tests[i].output);
    }
    free(p->tests);
    free(p->statement);
    memset(p, 0, sizeof(*p));
}

/* ---- the set ----------------------------------------------------------- */

static int cmp_problems(const void *a, const void *b)
{
    return strcmp(((const struct problem *)a)->id,
                  ((const struct problem *)b)->id);
}

/* Append the problem in dir/name to set.  Returns 0 or -1. */
static int set_add(struct problem_set *set, size_t *cap, const char *dir,
                   const char *name, char *err, size_t errlen)
{
    char *path = path_join(dir, name);
    int rc;

    if (path == NULL) {
        set_err(err, errlen, "%s: out of memory", dir);
        return -1;
    }
    if (set->count == *cap) {
        size_t ncap = *cap ? *cap * 2 : 8;
        struct problem *nv = realloc(set->items, ncap * sizeof(*nv));
        if (nv == NULL) {
            set_err(err, errlen, "%s: out of memory", dir);
            free(path);
            return -1;
        }
        set->items = nv;
        *cap = ncap;
    }
    rc = problem_load(path, &set->items[set->count], err, errlen);
    if (rc == 0)
        set->count++;
    free(path);
    return rc;
}

struct problem_set *problem_set_load(const char *dir, char *err, size_t errlen)
{
    struct problem_set *set = calloc(1, sizeof(*set));
    struct dirent *de;
    size_t cap = 0;
    DIR *d;

    if (set == NULL) {
        set_err(err, errlen, "%s: out of memory", dir);
        return NULL;
    }
    if ((d = opendir(dir)) == NULL) {
        set_err(err, errlen, "%s: %s", dir, strerror(errno));
        free(set);
        return NULL;
    }
    while ((de = readdir(d)) != NULL) {
        struct stat st;
        char *path;

        if (de->d_name[0] == '.')
            continue;
        path = path_join(dir, de->d_name);
        if (path != NULL && stat(path, &st) == 0 && !S_ISDIR(st.st_mode)) {
            free(path);
            continue;
        }
        free(path);
        if (set_add(set, &cap, dir, de->d_name, err, errlen) != 0) {
            closedir(d);
            problem_set_free(set);
            return NULL;
        }
    }
    closedir(d);
    if (set->count == 0) {
        set_err(err, errlen, "%s: no problems", dir);
        problem_set_free(set);
        return NULL;
    }
    qsort(set->items, set->count, sizeof(*set->items), cmp_problems);
    return set;
}

void problem_set_free(struct problem_set *set)
{
    if (set == NULL)
        return;
    for (size_t i = 0; i < set->count; i++)
        problem_free(&set->items[i]);
    free(set->items);
    free(set);
}

size_t problem_set_count(const struct problem_set *set)
{
    return set->count;
}

const struct problem *problem_set_at(const struct problem_set *set, size_t i)
{
    return i < set->count ? &set->items[i] : NULL;
}

const struct problem *problem_set_find(const struct problem_set *set,
                                       const char *id)
{
    struct problem key;

    if (id == NULL || strlen(id) >= sizeof(key.id))
        return NULL;
    strcpy(key.id, id);
    return bsearch(&key, set->items, set->count, sizeof(*set->items),
                   cmp_problems);
}
