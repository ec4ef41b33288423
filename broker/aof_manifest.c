/* aof_manifest.c -- the list of files that make up the AOF (see aof.h).
 *
 * The manifest is the single point of truth about which files hold the
 * data: a rewrite writes its new base under a temporary name and only a
 * manifest renamed into place makes it count, so a crash at any moment
 * leaves either the old set of files or the new one, never a mix. */
#include "aof.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

/* Redis reads manifest lines into a buffer of this size and refuses longer
 * ones. */
#define MANIFEST_MAX_LINE 1024
#define MANIFEST_MAX_ARGS 16

void aof_manifest_init(struct aof_manifest *m)
{
    memset(m, 0, sizeof(*m));
}

static void file_free(struct aof_file *f)
{
    xfree(f->name);
}

void aof_manifest_free(struct aof_manifest *m)
{
    if (m->base) {
        file_free(m->base);
        xfree(m->base);
    }
    for (int i = 0; i < m->incr_count; i++)
        file_free(&m->incr[i]);
    for (int i = 0; i < m->history_count; i++)
        file_free(&m->history[i]);
    xfree(m->incr);
    xfree(m->history);
    aof_manifest_init(m);
}

static void list_push(struct aof_file **list, int *count, const char *name,
                      long long seq, enum aof_file_type type)
{
    *list = xrealloc(*list, sizeof(**list) * (size_t)(*count + 1));
    (*list)[*count] = (struct aof_file){xstrdup(name), seq, type};
    (*count)++;
}

static void set_base(struct aof_manifest *m, const char *name, long long seq)
{
    if (m->base) {
        file_free(m->base);
        xfree(m->base);
    }
    m->base = xmalloc(sizeof(*m->base));
    *m->base = (struct aof_file){xstrdup(name), seq, AOF_FILE_BASE};
}

struct aof_manifest *aof_manifest_dup(const struct aof_manifest *m)
{
    struct aof_manifest *d = xmalloc(sizeof(*d));

    aof_manifest_init(d);
    if (m->base)
        set_base(d, m->base->name, m->base->seq);
    for (int i = 0; i < m->incr_count; i++)
        list_push(&d->incr, &d->incr_count, m->incr[i].name, m->incr[i].seq,
                  AOF_FILE_INCR);
    for (int i = 0; i < m->history_count; i++)
        list_push(&d->history, &d->history_count, m->history[i].name,
                  m->history[i].seq, AOF_FILE_HISTORY);
    d->base_seq = m->base_seq;
    d->incr_seq = m->incr_seq;
    return d;
}

/* ---- parsing ---------------------------------------------------------- */

static int parse_fail(struct aof_manifest *m, char *err, const char *why)
{
    snprintf(err, AOF_MANIFEST_ERR_LEN, "%s", why);
    aof_manifest_free(m);
    return -1;
}

/* A sequence number: digits (leading zeros allowed, as Redis reads it
 * with atoll), at least 1.  0 or -1. */
static int parse_seq(const char *p, size_t len, long long *out)
{
    long long v = 0;

    if (len == 0)
        return -1;
    for (size_t i = 0; i < len; i++) {
        if (p[i] < '0' || p[i] > '9' || v > (LLONG_MAX - 9) / 10)
            return -1;
        v = v * 10 + (p[i] - '0');
    }
    if (v < 1)
        return -1;
    *out = v;
    return 0;
}

/* One "file <name> seq <n> type <t>" line, keys in any order, into m. */
static int parse_line(struct aof_manifest *m, char *line, size_t len, char *err)
{
    struct resp_arg args[MANIFEST_MAX_ARGS];
    int too_many = 0;
    int n = resp_split_args(line, len, args, MANIFEST_MAX_ARGS, &too_many);
    char name[MANIFEST_MAX_LINE] = "";
    long long seq = -1;
    int type = 0;

    if (n < 0 || too_many || n % 2 != 0)
        return parse_fail(m, err, "Invalid AOF manifest file format");
    for (int i = 0; i < n; i += 2) {
        const struct resp_arg *k = &args[i], *v = &args[i + 1];
        if (util_eq_ci(k->ptr, k->len, "file")) {
            if (memchr(v->ptr, '/', v->len))
                return parse_fail(m, err,
                                  "File can't be a path, just a filename");
            if (v->len == 0 || v->len >= sizeof(name) ||
                memchr(v->ptr, '\0', v->len))
                return parse_fail(m, err, "Invalid AOF file name");
            memcpy(name, v->ptr, v->len);
            name[v->len] = '\0';
        } else if (util_eq_ci(k->ptr, k->len, "seq")) {
            if (parse_seq(v->ptr, v->len, &seq) != 0)
                return parse_fail(m, err, "Invalid AOF manifest file format");
        } else if (util_eq_ci(k->ptr, k->len, "type")) {
            if (v->len != 1)
                return parse_fail(m, err, "Unknown AOF file type");
            type = v->ptr[0];
        }
        /* Unknown keys are skipped: later versions may add some. */
    }
    if (name[0] == '\0' || seq < 0 || type == 0)
        return parse_fail(m, err, "Invalid AOF manifest file format");

    switch (type) {
    case AOF_FILE_BASE:
        if (m->base)
            return parse_fail(m, err, "Found duplicate base file information");
        set_base(m, name, seq);
        if (seq > m->base_seq)
            m->base_seq = seq;
        return 0;
    case AOF_FILE_HISTORY:
        list_push(&m->history, &m->history_count, name, seq, type);
        return 0;
    case AOF_FILE_INCR:
        if (seq <= m->incr_seq)
            return parse_fail(m, err, "Found a non-monotonic sequence number");
        list_push(&m->incr, &m->incr_count, name, seq, type);
        m->incr_seq = seq;
        return 0;
    default:
        return parse_fail(m, err, "Unknown AOF file type");
    }
}

int aof_manifest_parse(struct aof_manifest *m, const char *text, size_t len,
                       char *err)
{
    char line[MANIFEST_MAX_LINE + 1];
    size_t pos = 0;

    /* Redis's rules: only a file without a single line is empty; comment
     * lines are skipped; any other line, blank ones included, must be an
     * entry, ending with a newline (Redis reads lines with fgets() and
     * takes a missing newline for a line too long for its buffer). */
    aof_manifest_init(m);
    if (len == 0)
        return parse_fail(m, err, "Found an empty AOF manifest");
    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;

        if (n >= MANIFEST_MAX_LINE)
            return parse_fail(m, err,
                              "The AOF manifest file contains too long line");
        memcpy(line, text + pos, n);
        line[n] = '\0';
        pos += n + (nl != NULL);
        if (line[0] == '#')
            continue;
        if (nl == NULL)
            return parse_fail(m, err,
                              "The AOF manifest file contains too long line");
        if (n > 0 && line[n - 1] == '\r')
            line[--n] = '\0';
        if (parse_line(m, line, n, err) != 0)
            return -1;
    }
    return 0;
}

/* ---- formatting, files ------------------------------------------------ */

/* A name as Redis writes it: bare when it is plain, else quoted with
 * escapes, so that splitting the line gives it back. */
static bstr cat_name(bstr s, const char *name)
{
    int plain = 1;

    for (const char *p = name; *p; p++)
        if (*p <= ' ' || *p == '"' || *p == '\'' || *p == '\\' || *p == 127)
            plain = 0;
    if (plain)
        return bstr_cat_cstr(s, name);
    s = bstr_cat(s, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        if (*p == '"' || *p == '\\')
            s = bstr_catf(s, "\\%c", *p);
        else if (*p == '\n')
            s = bstr_cat(s, "\\n", 2);
        else if (*p == '\r')
            s = bstr_cat(s, "\\r", 2);
        else if (*p == '\t')
            s = bstr_cat(s, "\\t", 2);
        else if (*p < ' ' || *p >= 127)
            s = bstr_catf(s, "\\x%02x", *p);
        else
            s = bstr_cat(s, (const char *)p, 1);
    }
    return bstr_cat(s, "\"", 1);
}

static bstr cat_file(bstr s, const struct aof_file *f)
{
    s = bstr_cat(s, "file ", 5);
    s = cat_name(s, f->name);
    return bstr_catf(s, " seq %lld type %c\n", f->seq, (char)f->type);
}

bstr aof_manifest_format(const struct aof_manifest *m)
{
    bstr s = bstr_empty(0);

    if (m->base)
        s = cat_file(s, m->base);
    for (int i = 0; i < m->history_count; i++)
        s = cat_file(s, &m->history[i]);
    for (int i = 0; i < m->incr_count; i++)
        s = cat_file(s, &m->incr[i]);
    return s;
}

int aof_manifest_load(struct aof_manifest *m, const char *path, char *err)
{
    aof_manifest_init(m);

    FILE *f = fopen(path, "r");
    if (f == NULL) {
        if (errno == ENOENT)
            return 1;
        snprintf(err, AOF_MANIFEST_ERR_LEN,
                 "Can't open the AOF manifest %.100s: %s", path,
                 strerror(errno));
        return -1;
    }
    bstr text = bstr_empty(0);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
        text = bstr_cat(text, buf, n);
    int failed = ferror(f);
    fclose(f);
    if (failed) {
        snprintf(err, AOF_MANIFEST_ERR_LEN,
                 "Can't read the AOF manifest %.100s", path);
        bstr_free(text);
        return -1;
    }
    int rc = aof_manifest_parse(m, text, bstr_len(text), err);
    bstr_free(text);
    return rc;
}

int aof_manifest_save(const struct aof_manifest *m, const char *path, char *err)
{
    char tmp[PATH_MAX];
    const char *slash = strrchr(path, '/');
    int dirlen = slash ? (int)(slash - path + 1) : 0;
    snprintf(tmp, sizeof(tmp), "%.*stemp-%s", dirlen, path, path + dirlen);

    bstr text = aof_manifest_format(m);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int ok = fd >= 0;
    size_t off = 0;
    while (ok && off < bstr_len(text)) {
        ssize_t w = write(fd, text + off, bstr_len(text) - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            ok = 0;
        else
            off += (size_t)w;
    }
    if (ok && fsync(fd) != 0)
        ok = 0;
    if (!ok)
        snprintf(err, AOF_MANIFEST_ERR_LEN,
                 "Can't write the AOF manifest %.100s: %s", tmp,
                 strerror(errno));
    if (fd >= 0)
        close(fd);
    bstr_free(text);
    if (ok && rename(tmp, path) != 0) {
        snprintf(err, AOF_MANIFEST_ERR_LEN,
                 "Can't rename the AOF manifest %.80s to %.80s: %s", tmp, path,
                 strerror(errno));
        ok = 0;
    }
    if (!ok) {
        unlink(tmp);
        return -1;
    }
    if (util_fsync_dir_of(path) != 0) {
        snprintf(err, AOF_MANIFEST_ERR_LEN,
                 "Can't fsync the directory of %.100s: %s", path,
                 strerror(errno));
        return -1;
    }
    return 0;
}

/* ---- naming ----------------------------------------------------------- */

const char *aof_manifest_new_base(struct aof_manifest *m, const char *prefix,
                                  int rdb)
{
    if (m->base) {
        list_push(&m->history, &m->history_count, m->base->name, m->base->seq,
                  AOF_FILE_HISTORY);
    }
    m->base_seq++;
    bstr name = bstr_catf(bstr_empty(0), "%s.%lld.base.%s", prefix, m->base_seq,
                          rdb ? "rdb" : "aof");
    set_base(m, name, m->base_seq);
    bstr_free(name);
    return m->base->name;
}

const char *aof_manifest_new_incr(struct aof_manifest *m, const char *prefix)
{
    m->incr_seq++;
    bstr name =
        bstr_catf(bstr_empty(0), "%s.%lld.incr.aof", prefix, m->incr_seq);
    list_push(&m->incr, &m->incr_count, name, m->incr_seq, AOF_FILE_INCR);
    bstr_free(name);
    return m->incr[m->incr_count - 1].name;
}

void aof_manifest_incr_to_history(struct aof_manifest *m, int keep)
{
    int move = m->incr_count - keep;

    if (move <= 0)
        return;
    for (int i = 0; i < move; i++) {
        list_push(&m->history, &m->history_count, m->incr[i].name,
                  m->incr[i].seq, AOF_FILE_HISTORY);
        file_free(&m->incr[i]);
    }
    memmove(m->incr, m->incr + move, sizeof(*m->incr) * (size_t)keep);
    m->incr_count = keep;
}

void aof_manifest_clear_history(struct aof_manifest *m)
{
    for (int i = 0; i < m->history_count; i++)
        file_free(&m->history[i]);
    xfree(m->history);
    m->history = NULL;
    m->history_count = 0;
}

void aof_path_join(char *out, const char *dir, const char *name)
{
    snprintf(out, PATH_MAX, "%s/%s", dir, name);
}
