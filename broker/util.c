/* util.c -- allocation, numbers, glob matching, clocks and hashing. */
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "../resp/resp_parse.h"
#include "../resp/resp_write.h"

static void oom(size_t n)
{
    fprintf(stderr, "respd: out of memory allocating %zu bytes\n", n);
    fflush(stderr);
    abort();
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (p == NULL)
        oom(n);
    return p;
}

void *xcalloc(size_t count, size_t n)
{
    void *p = calloc(count ? count : 1, n ? n : 1);
    if (p == NULL)
        oom(count * n);
    return p;
}

void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (q == NULL)
        oom(n);
    return q;
}

void xfree(void *p)
{
    free(p);
}

char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = xmalloc(n);
    memcpy(d, s, n);
    return d;
}

/* Asked of the allocator rather than counted on every call: it covers what
 * the resp/ library allocates too, and keeps the hot path free of
 * bookkeeping.  In-use heap bytes plus large blocks served by mmap. */
size_t util_used_memory(void)
{
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}

int util_str2ll(const char *p, size_t n, long long *out)
{
    return resp_str2ll(p, n, out);
}

/* Copy p[0..n) into a NUL-terminated buffer for strtod/strtold. */
static int to_cbuf(char *buf, size_t cap, const char *p, size_t n)
{
    if (n == 0 || n >= cap)
        return -1;
    memcpy(buf, p, n);
    buf[n] = '\0';
    return isspace((unsigned char)buf[0]) ? -1 : 0;
}

int util_str2ld(const char *p, size_t n, long double *out)
{
    char buf[UTIL_LD_PARSE_MAX], *end;

    if (to_cbuf(buf, sizeof(buf), p, n) != 0)
        return -1;
    errno = 0;
    long double v = strtold(buf, &end);
    if (*end != '\0' || isnan(v) ||
        (errno == ERANGE && (v == HUGE_VALL || v == -HUGE_VALL || v == 0)))
        return -1;
    *out = v;
    return 0;
}

int util_ll2str(char *out, size_t cap, long long v)
{
    char buf[24];
    int n = resp_ll2str(buf, v);
    if ((size_t)n >= cap)
        return -1;
    memcpy(out, buf, (size_t)n + 1);
    return n;
}

int util_ld2str(char *out, size_t cap, long double v)
{
    if (isinf(v))
        return snprintf(out, cap, "%s", v > 0 ? "inf" : "-inf");

    int n = snprintf(out, cap, "%.17Lf", v);
    if (n < 0 || (size_t)n >= cap)
        return -1;
    /* Drop trailing zeros, and the point if nothing follows it. */
    if (strchr(out, '.') != NULL) {
        while (out[n - 1] == '0')
            n--;
        if (out[n - 1] == '.')
            n--;
    }
    if (n == 2 && out[0] == '-' && out[1] == '0') {
        out[0] = '0';
        n = 1;
    }
    out[n] = '\0';
    return n;
}

int util_eq_ci(const char *p, size_t n, const char *lit)
{
    return strlen(lit) == n && strncasecmp(p, lit, n) == 0;
}

size_t util_arg_cstr_len(const struct resp_arg *a)
{
    const char *nul = memchr(a->ptr, '\0', a->len);
    return nul ? (size_t)(nul - a->ptr) : a->len;
}

int util_arg_is(const struct resp_arg *a, const char *lit)
{
    return util_eq_ci(a->ptr, util_arg_cstr_len(a), lit);
}

int util_parse_cursor(const struct resp_arg *a, uint64_t *out)
{
    size_t n = util_arg_cstr_len(a), i = 0;
    int negative = 0;
    uint64_t v = 0;

    if (n == 0) {
        *out = 0;
        return 0;
    }
    if (a->ptr[0] == '+' || a->ptr[0] == '-')
        negative = a->ptr[i++] == '-';
    if (i == n)
        return -1;
    for (; i < n; i++) {
        unsigned d = (unsigned char)a->ptr[i] - '0';

        if (d > 9 || v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *out = negative ? (uint64_t)0 - v : v;
    return 0;
}

static int fold(int c, int nocase)
{
    return nocase ? tolower(c) : c;
}

/* Match one [...] class against c; *pi points just after '[' and is left
 * on the closing ']' (or the last byte of an unterminated class). */
static int match_class(const char *pat, size_t plen, size_t *pi,
                       unsigned char c, int nocase)
{
    size_t i = *pi;
    int negate = 0, match = 0;

    if (i < plen && pat[i] == '^') {
        negate = 1;
        i++;
    }
    for (;; i++) {
        if (i >= plen) {
            i = plen - 1; /* unterminated: the class ends the pattern */
            break;
        }
        if (pat[i] == '\\' && i + 1 < plen) {
            i++;
            if ((unsigned char)pat[i] == c)
                match = 1;
        } else if (pat[i] == ']') {
            break;
        } else if (i + 2 < plen && pat[i + 1] == '-') {
            int lo = fold((unsigned char)pat[i], nocase);
            int hi = fold((unsigned char)pat[i + 2], nocase);
            int x = fold(c, nocase);
            if (lo > hi) {
                int t = lo;
                lo = hi;
                hi = t;
            }
            if (x >= lo && x <= hi)
                match = 1;
            i += 2;
        } else if (fold((unsigned char)pat[i], nocase) == fold(c, nocase)) {
            match = 1;
        }
    }
    *pi = i;
    return negate ? !match : match;
}

/* Each '*' recurses once, so a pattern of a million stars would overflow
 * the stack; like Redis, a match nested deeper than this simply fails. */
#define GLOB_MAX_NESTING 1000

/* *give_up is set when a '*' failed against every suffix: any outer '*'
 * trying longer prefixes would fail too, which keeps patterns like
 * "a*a*a*a*b" linear instead of exponential.  nesting counts the '*'
 * recursions above this call. */
static int glob(const char *pat, size_t plen, const char *s, size_t slen,
                int nocase, int *give_up, int nesting)
{
    size_t pi = 0, si = 0;

    if (nesting > GLOB_MAX_NESTING)
        return 0;
    while (pi < plen && si < slen) {
        switch (pat[pi]) {
        case '*':
            while (pi + 1 < plen && pat[pi + 1] == '*')
                pi++;
            if (pi + 1 == plen)
                return 1;
            for (; si < slen; si++) {
                if (glob(pat + pi + 1, plen - pi - 1, s + si, slen - si, nocase,
                         give_up, nesting + 1))
                    return 1;
                if (*give_up)
                    return 0;
            }
            *give_up = 1;
            return 0;
        case '?':
            si++;
            break;
        case '[':
            pi++;
            if (!match_class(pat, plen, &pi, (unsigned char)s[si], nocase))
                return 0;
            si++;
            break;
        case '\\':
            if (pi + 1 < plen)
                pi++;
            /* fall through */
        default:
            if (fold((unsigned char)pat[pi], nocase) !=
                fold((unsigned char)s[si], nocase))
                return 0;
            si++;
            break;
        }
        pi++;
        if (si == slen) {
            while (pi < plen && pat[pi] == '*')
                pi++;
            break;
        }
    }
    return pi == plen && si == slen;
}

int util_glob_match(const char *pat, size_t plen, const char *s, size_t slen,
                    int nocase)
{
    int give_up = 0;
    return glob(pat, plen, s, slen, nocase, &give_up, 0);
}

long long util_ustime(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (long long)tv.tv_sec * 1000000 + tv.tv_usec;
}

long long util_mstime(void)
{
    return util_ustime() / 1000;
}

long long util_monotonic_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* SipHash-1-2: one compression round per word and two finalisation rounds,
 * enough against collision flooding and about as fast as a plain hash. */
static uint8_t hash_key[16];

void util_hash_seed(const uint8_t seed[16])
{
    memcpy(hash_key, seed, sizeof(hash_key));
}

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

#define SIPROUND                                                               \
    do {                                                                       \
        v0 += v1;                                                              \
        v1 = ROTL(v1, 13);                                                     \
        v1 ^= v0;                                                              \
        v0 = ROTL(v0, 32);                                                     \
        v2 += v3;                                                              \
        v3 = ROTL(v3, 16);                                                     \
        v3 ^= v2;                                                              \
        v0 += v3;                                                              \
        v3 = ROTL(v3, 21);                                                     \
        v3 ^= v0;                                                              \
        v2 += v1;                                                              \
        v1 = ROTL(v1, 17);                                                     \
        v1 ^= v2;                                                              \
        v2 = ROTL(v2, 32);                                                     \
    } while (0)

static uint64_t load_le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

static uint64_t siphash(const uint8_t *in, size_t n, int nocase)
{
    uint64_t k0 = load_le64(hash_key), k1 = load_le64(hash_key + 8);
    uint64_t v0 = 0x736f6d6570736575ULL ^ k0;
    uint64_t v1 = 0x646f72616e646f6dULL ^ k1;
    uint64_t v2 = 0x6c7967656e657261ULL ^ k0;
    uint64_t v3 = 0x7465646279746573ULL ^ k1;
    uint64_t b = (uint64_t)n << 56;
    uint8_t word[8];
    size_t i = 0;

    for (; i + 8 <= n; i += 8) {
        for (int j = 0; j < 8; j++)
            word[j] = nocase ? (uint8_t)tolower(in[i + j]) : in[i + j];
        uint64_t m = load_le64(word);
        v3 ^= m;
        SIPROUND;
        v0 ^= m;
    }
    for (int j = 0; i + (size_t)j < n; j++) {
        uint8_t c = nocase ? (uint8_t)tolower(in[i + j]) : in[i + j];
        b |= (uint64_t)c << (8 * j);
    }
    v3 ^= b;
    SIPROUND;
    v0 ^= b;
    v2 ^= 0xff;
    SIPROUND;
    SIPROUND;
    return v0 ^ v1 ^ v2 ^ v3;
}

uint64_t util_hash(const void *p, size_t n)
{
    return siphash(p, n, 0);
}

void util_random_bytes(void *buf, size_t n)
{
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        ssize_t got = read(fd, buf, n);
        close(fd);
        if (got == (ssize_t)n)
            return;
    }
    unsigned long long seed = (unsigned long long)util_ustime() ^
                              ((unsigned long long)getpid() << 32);
    unsigned char *out = buf;
    for (size_t i = 0; i < n; i++) {
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        out[i] = (unsigned char)(seed >> 56);
    }
}

static uint64_t rotl64(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t util_random_u64(void)
{
    static uint64_t st[4];
    static int seeded;

    if (!seeded) {
        do
            util_random_bytes(st, sizeof(st));
        while ((st[0] | st[1] | st[2] | st[3]) == 0);
        seeded = 1;
    }
    uint64_t result = rotl64(st[1] * 5, 7) * 9;
    uint64_t t = st[1] << 17;
    st[2] ^= st[0];
    st[3] ^= st[1];
    st[1] ^= st[2];
    st[0] ^= st[3];
    st[2] ^= t;
    st[3] = rotl64(st[3], 45);
    return result;
}

int util_fsync_dir_of(const char *path)
{
    char dir[PATH_MAX];
    const char *slash = strrchr(path, '/');

    if (slash == NULL)
        snprintf(dir, sizeof(dir), ".");
    else
        snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path + 1), path);
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    int saved = errno;
    close(fd);
    errno = saved;
    return rc;
}

void util_check_resp(int rc)
{
    if (rc != 0) {
        fprintf(stderr, "respd: out of memory formatting RESP\n");
        abort();
    }
}
