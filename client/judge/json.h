/* json.h -- a strict JSON reader (RFC 8259) and a JSON writer.
 *
 * Reader: json_parse() validates a whole document and builds a tree in ONE
 * allocation (a first pass validates and counts values and string bytes, a
 * second fills the block), so a rejected document costs no memory and an
 * accepted one is freed with one json_free().  The input need not be
 * NUL-terminated and is not modified or referenced afterwards.
 *
 * Strictness, all errors with the byte offset:
 *   - any value at top level, surrounded only by whitespace (SP HT LF CR);
 *     nothing may follow it; no byte-order mark; no comments;
 *   - literals true, false, null in lower case only;
 *   - numbers: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?; a number
 *     whose magnitude overflows a double is refused;
 *   - strings: no raw control bytes (< 0x20), escapes \" \\ \/ \b \f \n
 *     \r \t \uXXXX only; \uD800-\uDBFF must be followed by \uDC00-\uDFFF
 *     (a surrogate pair, decoded to one 4-byte UTF-8 character); a lone
 *     surrogate is refused; raw bytes must be valid UTF-8 (no overlongs,
 *     no UTF-16 surrogates, nothing above U+10FFFF);
 *   - duplicate member names in one object are refused (compared after
 *     decoding escapes), so no reader of a record can see a different
 *     field than another;
 *   - limits (struct json_limits): input length, nesting depth (arrays
 *     and objects), and the total number of values.
 *
 * Writer: struct json_writer appends to a growable buffer, inserts commas
 * and colons itself and checks nesting; a failure (out of memory, a key
 * where a value belongs or the reverse, unbalanced end) is sticky and makes
 * json_writer_result() return NULL. */
#ifndef JSON_H
#define JSON_H

#include <stddef.h>

#define JSON_MAX_LEN_DEFAULT    (1024 * 1024)
#define JSON_MAX_DEPTH_DEFAULT  32
#define JSON_MAX_VALUES_DEFAULT 4096
/* Nesting the writer supports. */
#define JSON_WRITER_MAX_DEPTH 32
#define JSON_ERROR_LEN        96

enum json_type {
    JSON_NULL,
    JSON_FALSE,
    JSON_TRUE,
    JSON_NUMBER,
    JSON_STRING,
    JSON_ARRAY,
    JSON_OBJECT
};

struct json_limits {
    size_t max_len;    /* input bytes */
    int max_depth;     /* open arrays/objects; 1 allows {"a":1} only */
    size_t max_values; /* values of any type, containers included */
};

struct json_error {
    size_t offset; /* input offset of the offending byte (len at EOF) */
    /* e.g. "invalid byte 0x27 at offset 1, expected a value" */
    char message[JSON_ERROR_LEN];
};

/* One value of the tree.  Every string is NUL-terminated (and may also
 * contain NUL bytes from \u0000, so use the lengths). */
struct json_value {
    enum json_type type;
    /* Member name when this value is inside an object, else NULL. */
    const char *key;
    size_t key_len;
    /* JSON_STRING: the decoded UTF-8 text.  JSON_NUMBER: the number as
     * written in the input ("-1.5e3"). */
    const char *str;
    size_t len;
    double num;               /* JSON_NUMBER: its value (strtod) */
    size_t count;             /* JSON_ARRAY/JSON_OBJECT: elements or members */
    struct json_value *child; /* first element or member, NULL if empty */
    struct json_value *next;  /* next sibling, NULL for the last */
    size_t offset;            /* where the value starts in the input */
};

void json_limits_default(struct json_limits *lim);

/* Parse text[0..len) as one JSON document.  lim may be NULL for the
 * defaults.  Returns the root (free it with json_free), or NULL with *err
 * filled (err may be NULL) when the text is not valid JSON, exceeds a
 * limit, or memory runs out ("out of memory", offset 0). */
struct json_value *json_parse(const char *text, size_t len,
                              const struct json_limits *lim,
                              struct json_error *err);
void json_free(struct json_value *root);

/* The member of obj named key (NUL-terminated; exact byte comparison), or
 * NULL when obj is NULL, not an object, or has no such member. */
const struct json_value *json_get(const struct json_value *obj,
                                  const char *key);

/* Element i of an array (NULL when out of range or not an array). */
const struct json_value *json_at(const struct json_value *arr, size_t i);

/* Typed member lookups: NULL / -1 when the member is missing or has
 * another type.  json_get_string sets *len when len != NULL.
 * json_get_int accepts only a number written as an integer ("42", "-7",
 * no fraction or exponent) that fits in a long long. */
const char *json_get_string(const struct json_value *obj, const char *key,
                            size_t *len);
int json_get_number(const struct json_value *obj, const char *key, double *out);
int json_get_int(const struct json_value *obj, const char *key, long long *out);
int json_get_bool(const struct json_value *obj, const char *key, int *out);

/* The same integer conversion on a value itself (0 or -1). */
int json_value_int(const struct json_value *v, long long *out);

/* "null", "false", "true", "number", "string", "array", "object". */
const char *json_type_name(enum json_type t);

/* ---- writer ---- */

struct json_writer {
    char *buf; /* NUL-terminated while not failed */
    size_t len;
    size_t cap;
    int failed; /* sticky: out of memory or misuse */
    int depth;  /* open containers */
    /* Per open container: 'o' object or 'a' array, whether it has an
     * element yet, and (objects) whether a key awaits its value. */
    char kind[JSON_WRITER_MAX_DEPTH];
    unsigned char has_items[JSON_WRITER_MAX_DEPTH];
    unsigned char after_key[JSON_WRITER_MAX_DEPTH];
    int done; /* a complete top-level value has been written */
};

void json_writer_init(struct json_writer *w);
void json_writer_free(struct json_writer *w);
/* Forget the contents (and any failure), keeping the allocation. */
void json_writer_reset(struct json_writer *w);

/* Each call below returns 0, or -1 when the writer has failed (now or
 * earlier).  A value is allowed at top level (once), in an array, or in an
 * object right after json_write_key(); anything else is misuse. */
int json_write_object_begin(struct json_writer *w);
int json_write_object_end(struct json_writer *w);
int json_write_array_begin(struct json_writer *w);
int json_write_array_end(struct json_writer *w);
int json_write_key(struct json_writer *w, const char *key);
int json_write_key_n(struct json_writer *w, const char *key, size_t n);

/* Strings are escaped: '"' and '\' with a backslash, control bytes as \b
 * \f \n \r \t or \u00XX, everything else of valid UTF-8 as is.  Each byte
 * that does not begin a valid UTF-8 sequence (stray continuation byte,
 * overlong form, surrogate, above U+10FFFF, truncated sequence) is written
 * as U+FFFD, and scanning resumes at the next byte, so any input gives the
 * same valid JSON every time. */
int json_write_string(struct json_writer *w, const char *s);
int json_write_string_n(struct json_writer *w, const char *s, size_t n);
int json_write_int(struct json_writer *w, long long v);
/* The shortest of "%.15g", "%.16g" and "%.17g" that reads back as the
 * same double (0.1 stays "0.1"); NaN and infinities are written as null,
 * JSON having no spelling for them.  Assumes the C locale's '.'. */
int json_write_double(struct json_writer *w, double v);
int json_write_bool(struct json_writer *w, int v);
int json_write_null(struct json_writer *w);
/* Insert json[0..n) as one value, verbatim; the caller vouches that it is
 * one valid JSON value (e.g. a record read back from the broker). */
int json_write_raw(struct json_writer *w, const char *json, size_t n);

/* key + value in one call, for objects. */
int json_write_kv_string(struct json_writer *w, const char *key, const char *s);
int json_write_kv_string_n(struct json_writer *w, const char *key,
                           const char *s, size_t n);
int json_write_kv_int(struct json_writer *w, const char *key, long long v);
int json_write_kv_bool(struct json_writer *w, const char *key, int v);
int json_write_kv_null(struct json_writer *w, const char *key);

/* The finished document (NUL-terminated, owned by w), with its length in
 * *len when len != NULL; NULL if the writer failed or a container is still
 * open or nothing was written. */
const char *json_writer_result(const struct json_writer *w, size_t *len);

#endif
