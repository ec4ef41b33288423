/* obj.h -- values stored in the keyspace.
 *
 * Every value is a struct obj with a type (what TYPE answers) and an
 * encoding (what OBJECT ENCODING answers).  Strings come in three encodings,
 * as in Redis: "int" (a decimal integer kept as a long long), "embstr" (up
 * to 44 bytes stored in the same allocation as the object) and "raw" (a
 * separate bstr, what APPEND and SETRANGE grow). */
#ifndef OBJ_H
#define OBJ_H

#include <stddef.h>
#include <stdint.h>

#include "bstr.h"

enum obj_type {
    OBJ_STRING = 0,
    OBJ_LIST = 1,
    OBJ_SET = 2,
    OBJ_ZSET = 3,
    OBJ_HASH = 4
};

/* Redis's numbers for the encodings, which RDB files use too. */
enum obj_encoding {
    OBJ_ENC_RAW = 0,
    OBJ_ENC_INT = 1,
    OBJ_ENC_HT = 2, /* "hashtable": a dict */
    OBJ_ENC_EMBSTR = 8,
    OBJ_ENC_QUICKLIST = 9, /* a struct qlist (qlist.h) */
    OBJ_ENC_LISTPACK = 11  /* a small hash packed in one allocation */
};

#define OBJ_EMBSTR_MAX_LEN 44
#define OBJ_LRU_BITS       24
#define OBJ_LRU_MAX        ((1 << OBJ_LRU_BITS) - 1)

struct obj {
    unsigned type : 4;
    unsigned encoding : 4;
    unsigned lru : OBJ_LRU_BITS; /* seconds clock of the last access */
    uint32_t len;                /* string length, for embstr and raw */
    union {
        long long ival; /* OBJ_ENC_INT */
        char *ptr;      /* embstr: bytes after the struct; raw: a bstr */
        void *data;     /* lists and hashes: their representation */
    } v;
};

/* A string object for p[0..n), choosing the encoding Redis would: int when
 * the bytes are a canonical integer that fits a long long (and n <= 20),
 * embstr up to 44 bytes, raw above. */
struct obj *obj_string(const void *p, size_t n);
struct obj *obj_string_ll(long long v);
/* As obj_string() but never int encoded (INCRBYFLOAT stores its result as
 * text, as Redis does). */
struct obj *obj_string_text(const void *p, size_t n);
/* A raw string object taking ownership of s. */
struct obj *obj_string_raw(bstr s);
/* An object of another type around its representation (a struct qlist for
 * OBJ_LIST, what hashobj.c builds for OBJ_HASH), which it then owns. */
struct obj *obj_new(enum obj_type type, enum obj_encoding enc, void *data);
/* A new empty list (quicklist encoded). */
struct obj *obj_list_create(void);
void obj_free(struct obj *o);
/* For dict value destructors. */
void obj_free_void(void *o);

/* String view of a string object.  For the int encoding the digits are
 * written into buf (at least 21 bytes); returns the pointer and sets *len. */
const char *obj_str(const struct obj *o, char *buf, size_t *len);
size_t obj_strlen(const struct obj *o);

/* The integer value of a string object, if it is one (int encoding, or
 * bytes that parse strictly).  Returns 0 on success, -1 otherwise. */
int obj_get_ll(const struct obj *o, long long *out);

/* Turn a string object into a raw one that may be modified in place (for
 * APPEND and SETRANGE).  Returns the bstr, which the object keeps owning;
 * after growing it (which may move it) store it back with obj_raw_set(). */
bstr obj_raw_bstr(struct obj *o);
void obj_raw_set(struct obj *o, bstr s);

const char *obj_type_name(const struct obj *o);
const char *obj_encoding_name(const struct obj *o);

/* The LRU clock: seconds, wrapped to OBJ_LRU_BITS.  obj_idle_ms() answers
 * OBJECT IDLETIME. */
unsigned obj_lru_clock(void);
long long obj_idle_ms(const struct obj *o);

/* Approximate bytes of memory an object uses. */
size_t obj_alloc_size(const struct obj *o);

#endif
