/* config_table.h -- the directive table, shared by config.c (defaults,
 * files, command-line options) and config_cmds.c (CONFIG GET/SET).  Not for
 * the rest of the broker, which reads values from `server`. */
#ifndef CONFIG_TABLE_H
#define CONFIG_TABLE_H

#include <stddef.h>

#include "bstr.h"

#define CONFIG_MSG_LEN 256

/* Directive flags. */
#define CF_IMMUTABLE  (1 << 0) /* CONFIG SET refuses it */
#define CF_PROTECTED  (1 << 1) /* needs enable-protected-configs */
#define CF_MULTI_ARG  (1 << 2) /* any number of arguments */
#define CF_MEMORY     (1 << 3) /* number with k kb m mb g gb units */
#define CF_OCTAL      (1 << 4) /* number written in octal */
#define CF_UNSIGNED   (1 << 5) /* bounds checked as unsigned, as Redis's uint */
#define CF_EMPTY_NULL (1 << 6) /* string: "" stores NULL */
#define CF_BASENAME   (1 << 7) /* string: a file name, not a path */

enum config_type {
    CONFIG_BOOL,
    CONFIG_INT, /* int (or unsigned) in server */
    CONFIG_LL,  /* long long in server */
    CONFIG_ENUM,
    CONFIG_STRING,
    CONFIG_SPECIAL /* own setter and formatter */
};

/* What a setter did.  Unchanged values skip the apply hooks, as in Redis,
 * so setting a directive to its current value never has side effects. */
enum config_set_result { SET_FAILED = 0, SET_CHANGED = 1, SET_UNCHANGED = 2 };

struct config_def;

/* Set from NUL-terminated arguments; on SET_FAILED *err says why in Redis's
 * words (possibly in a static buffer valid until the next setter call). */
typedef int config_setter(const struct config_def *d, char **argv, int argc,
                          const char **err);
/* The value as CONFIG GET shows it, as a new bstr. */
typedef bstr config_formatter(const struct config_def *d);
/* Side effects of a value changed by CONFIG SET; 0, or -1 with *err. */
typedef int config_applier(const char **err);
/* Extra validation of a parsed number or boolean; 0 accepts. */
typedef int config_checker(long long v, const char **err);

struct config_enum {
    const char *name;
    int value;
};

struct config_def {
    const char *name;
    enum config_type type;
    unsigned flags;
    void *var;       /* int *, long long *, char ** into server */
    const char *def; /* default, as written in a file */
    long long min, max;
    const struct config_enum *enums; /* CONFIG_ENUM, NULL-name terminated */
    config_checker *check;
    config_setter *set;       /* CONFIG_SPECIAL */
    config_formatter *format; /* CONFIG_SPECIAL */
    config_applier *apply;
};

enum { PROTECTED_NO = 0, PROTECTED_YES = 1, PROTECTED_LOCAL = 2 };

extern const struct config_def config_defs[];
extern const int config_ndefs;
extern int config_protected; /* enable-protected-configs */

/* The directive named p[0..n), case-insensitively, or NULL. */
const struct config_def *config_find(const char *p, size_t n);
/* Set d from one line of text (split as in a config file); returns a
 * config_set_result, with *err on SET_FAILED. */
int config_set_text(const struct config_def *d, const char *text,
                    const char **err);
/* d's value as CONFIG GET shows it, as a new bstr. */
bstr config_format(const struct config_def *d);
char *config_strndup(const char *p, size_t n);

#endif
