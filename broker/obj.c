/* obj.c -- values stored in the keyspace (see obj.h). */
#include "obj.h"

#include <string.h>
#include <time.h>

#include "../resp/resp_write.h"
#include "hashobj.h"
#include "qlist.h"
#include "util.h"

#define OBJ_INT_MAX_DIGITS 20

static struct obj *obj_alloc(size_t extra)
{
    struct obj *o = xmalloc(sizeof(*o) + extra);
    o->type = OBJ_STRING;
    o->lru = obj_lru_clock();
    o->len = 0;
    return o;
}

struct obj *obj_string_ll(long long v)
{
    struct obj *o = obj_alloc(0);
    o->encoding = OBJ_ENC_INT;
    o->v.ival = v;
    return o;
}

struct obj *obj_string(const void *p, size_t n)
{
    long long v;

    if (n <= OBJ_INT_MAX_DIGITS && util_str2ll(p, n, &v) == 0)
        return obj_string_ll(v);
    return obj_string_text(p, n);
}

struct obj *obj_string_text(const void *p, size_t n)
{
    if (n <= OBJ_EMBSTR_MAX_LEN) {
        struct obj *o = obj_alloc(n + 1);
        o->encoding = OBJ_ENC_EMBSTR;
        o->len = (uint32_t)n;
        o->v.ptr = (char *)(o + 1);
        if (n)
            memcpy(o->v.ptr, p, n);
        o->v.ptr[n] = '\0';
        return o;
    }
    return obj_string_raw(bstr_new(p, n));
}

struct obj *obj_string_raw(bstr s)
{
    struct obj *o = obj_alloc(0);
    o->encoding = OBJ_ENC_RAW;
    o->len = (uint32_t)bstr_len(s);
    o->v.ptr = s;
    return o;
}

struct obj *obj_new(enum obj_type type, enum obj_encoding enc, void *data)
{
    struct obj *o = obj_alloc(0);
    o->type = type;
    o->encoding = enc;
    o->v.data = data;
    return o;
}

struct obj *obj_list_create(void)
{
    return obj_new(OBJ_LIST, OBJ_ENC_QUICKLIST, qlist_create());
}

void obj_free(struct obj *o)
{
    if (o == NULL)
        return;
    switch (o->type) {
    case OBJ_STRING:
        if (o->encoding == OBJ_ENC_RAW)
            bstr_free(o->v.ptr);
        break;
    case OBJ_LIST:
        qlist_free(o->v.data);
        break;
    case OBJ_HASH:
        hashobj_free(o);
        break;
    default:
        break;
    }
    xfree(o);
}

void obj_free_void(void *o)
{
    obj_free(o);
}

const char *obj_str(const struct obj *o, char *buf, size_t *len)
{
    if (o->encoding == OBJ_ENC_INT) {
        *len = (size_t)resp_ll2str(buf, o->v.ival);
        return buf;
    }
    *len = o->len;
    return o->v.ptr;
}

size_t obj_strlen(const struct obj *o)
{
    char buf[32];
    size_t len;

    if (o->encoding != OBJ_ENC_INT)
        return o->len;
    obj_str(o, buf, &len);
    return len;
}

int obj_get_ll(const struct obj *o, long long *out)
{
    if (o->type != OBJ_STRING)
        return -1;
    if (o->encoding == OBJ_ENC_INT) {
        *out = o->v.ival;
        return 0;
    }
    return util_str2ll(o->v.ptr, o->len, out);
}

bstr obj_raw_bstr(struct obj *o)
{
    if (o->encoding == OBJ_ENC_RAW)
        return o->v.ptr;

    char buf[32];
    size_t len;
    const char *p = obj_str(o, buf, &len);
    bstr s = bstr_new(p, len);
    /* An embstr's bytes live inside the object; they stay allocated but are
     * no longer used once the object points at the new bstr. */
    o->encoding = OBJ_ENC_RAW;
    o->v.ptr = s;
    o->len = (uint32_t)len;
    return s;
}

void obj_raw_set(struct obj *o, bstr s)
{
    o->encoding = OBJ_ENC_RAW;
    o->v.ptr = s;
    o->len = (uint32_t)bstr_len(s);
}

const char *obj_type_name(const struct obj *o)
{
    switch (o->type) {
    case OBJ_STRING:
        return "string";
    case OBJ_LIST:
        return "list";
    case OBJ_SET:
        return "set";
    case OBJ_ZSET:
        return "zset";
    case OBJ_HASH:
        return "hash";
    default:
        return "unknown";
    }
}

const char *obj_encoding_name(const struct obj *o)
{
    switch (o->encoding) {
    case OBJ_ENC_RAW:
        return "raw";
    case OBJ_ENC_INT:
        return "int";
    case OBJ_ENC_EMBSTR:
        return "embstr";
    case OBJ_ENC_HT:
        return "hashtable";
    case OBJ_ENC_QUICKLIST:
        return "quicklist";
    case OBJ_ENC_LISTPACK:
        return "listpack";
    default:
        return "unknown";
    }
}

unsigned obj_lru_clock(void)
{
    return (unsigned)(time(NULL) & OBJ_LRU_MAX);
}

long long obj_idle_ms(const struct obj *o)
{
    unsigned now = obj_lru_clock();
    unsigned idle = now >= o->lru ? now - o->lru : OBJ_LRU_MAX - o->lru + now;
    return (long long)idle * 1000;
}

size_t obj_alloc_size(const struct obj *o)
{
    size_t n = sizeof(*o);
    if (o->type == OBJ_LIST)
        return n + qlist_alloc_size(o->v.data);
    if (o->type == OBJ_HASH)
        return n + hashobj_alloc_size(o);
    if (o->encoding == OBJ_ENC_EMBSTR)
        n += o->len + 1;
    else if (o->encoding == OBJ_ENC_RAW)
        n += bstr_alloc_size(o->v.ptr);
    return n;
}
