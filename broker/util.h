/* util.h -- small helpers shared by the broker's modules: allocation that
 * aborts on failure, number parsing and printing, glob matching, time. */
#ifndef UTIL_H
#define UTIL_H

#include <stddef.h>
#include <stdint.h>

#define UTIL_LD_STR_LEN   5600 /* long double printed in full */
#define UTIL_LD_PARSE_MAX 5120 /* longer numbers are refused, as Redis */

/* malloc and friends that log and abort when memory is exhausted, as Redis
 * does: there is no sane way to answer a client without memory. */
void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t n);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);

/* Bytes of heap in use by the process (INFO used_memory). */
size_t util_used_memory(void);
void xfree(void *p);

/* Strict conversions: the whole of p[0..n) must be the number, with no
 * spaces, no leading '+', no leading zeros ("007" is refused), as Redis's
 * string2ll.  Return 0 on success, -1 otherwise. */
int util_str2ll(const char *p, size_t n, long long *out);
/* Long doubles accept what strtold does on the whole string, but no
 * spaces and no NaN. */
int util_str2ld(const char *p, size_t n, long double *out);

int util_ll2str(char *out, size_t cap, long long v);
/* Format a long double as INCRBYFLOAT prints it: %.17Lf with trailing
 * zeros (and a trailing point) removed.  Returns the length. */
int util_ld2str(char *out, size_t cap, long double v);

/* Redis's glob matching: * ? [abc] [^a-z] and \ escapes.  nocase for
 * case-insensitive matching (CONFIG GET). */
int util_glob_match(const char *pat, size_t plen, const char *s, size_t slen,
                    int nocase);

/* Case-insensitive comparison of p[0..n) with a NUL-terminated literal. */
int util_eq_ci(const char *p, size_t n, const char *lit);

struct resp_arg;

/* An argument's length as the C string Redis sees: up to its first NUL.
 * Redis compares options and prints names that way. */
size_t util_arg_cstr_len(const struct resp_arg *a);
/* Is the argument the keyword lit, compared as Redis compares options:
 * case-insensitively, as C strings ("NX\0junk" is NX)? */
int util_arg_is(const struct resp_arg *a, const char *lit);
/* A SCAN-family cursor, parsed as Redis does with strtoul(): an optional
 * sign (a negative value wraps around), digits, nothing else before the
 * end of the C string; the empty string is 0.  Returns 0 or -1. */
int util_parse_cursor(const struct resp_arg *a, uint64_t *out);

/* Clocks. */
long long util_mstime(void); /* wall clock, ms since the epoch */
long long util_ustime(void); /* wall clock, us */
long long util_monotonic_us(void);

/* Hashing for the dicts: SipHash-1-2 keyed with a random seed chosen at
 * start-up, so clients cannot pick keys that collide. */
void util_hash_seed(const uint8_t seed[16]);
uint64_t util_hash(const void *p, size_t n);

/* Fill buf with n random bytes from /dev/urandom, falling back to a mix of
 * time and pid.  A system call: for seeds, not for every sample. */
void util_random_bytes(void *buf, size_t n);

/* resp_write.h's writers fail only on out-of-memory; like every other
 * allocation in the broker, that aborts (with a message). */
void util_check_resp(int rc);

/* fsync the directory holding path (".", when path has no '/'), so that a
 * rename into it survives a crash.  0, or -1 with errno set. */
int util_fsync_dir_of(const char *path);
/* A fast pseudo-random number (xoshiro256**, seeded from /dev/urandom on
 * first use): what RANDOMKEY and the expiry sampling draw from. */
uint64_t util_random_u64(void);

#endif
