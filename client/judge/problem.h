/* problem.h -- the judge's problems, loaded from a directory at start.
 *
 * Each problem lives in its own directory, named after its id:
 *
 *     <dir>/<id>/problem.conf    "key value" lines (below)
 *     <dir>/<id>/statement.md    the statement, Markdown, shown as is
 *     <dir>/<id>/tests/NN.in     a test's standard input
 *     <dir>/<id>/tests/NN.out    its expected standard output
 *
 * problem.conf holds one "key value" pair per line; the value is the rest
 * of the line with surrounding blanks removed.  Blank lines and lines
 * whose first non-blank character is '#' are ignored.  Keys:
 *
 *     id               required, must equal the directory's name;
 *                      1..PROBLEM_ID_MAX-1 of [a-z0-9-]
 *     title            required, 1..PROBLEM_TITLE_MAX-1 bytes
 *     time_limit_ms    required, CPU time per test, 1..PROBLEM_TIME_MAX_MS
 *     memory_limit_mb  required, MiB per test, 1..PROBLEM_MEMORY_MAX_MB
 *     samples          optional, how many of the first tests (in name
 *                      order) are public examples; 0 when absent
 *
 * An unknown key, a repeated key, a missing required key or a value that
 * does not parse is an error.  Tests are every "*.in" file in tests/,
 * sorted by name (byte order, so use fixed-width numbers: 01, 02, ...);
 * each needs its ".out" twin, and an ".out" without an ".in" is an error
 * too.  A problem needs at least one test.
 *
 * Test names (the part before ".in") may not contain '.'.
 *
 * Loading reads every file into memory (each capped at
 * PROBLEM_FILE_MAX bytes), so a loaded problem never touches its
 * directory again: the runner feeds the program test->input, not the
 * file, and input_path is only for messages.  A loaded set is read-only
 * and may be shared by threads. */
#ifndef PROBLEM_H
#define PROBLEM_H

#include <stddef.h>

/* Where bin/judge looks by default (relative to the working directory). */
#define PROBLEM_DEFAULT_DIR   "client/judge/problems"
#define PROBLEM_ID_MAX        64
#define PROBLEM_TITLE_MAX     128
#define PROBLEM_TIME_MAX_MS   60000
#define PROBLEM_MEMORY_MAX_MB 4096
#define PROBLEM_TESTS_MAX     256
#define PROBLEM_FILE_MAX      (16 * 1024 * 1024)
#define PROBLEM_ERRSTR_LEN    512

struct problem_test {
    char name[PROBLEM_ID_MAX]; /* file stem: "01" for tests/01.in */
    char *input_path;          /* path of the .in file, as loaded */
    char *input;               /* its contents, NUL-terminated */
    size_t input_len;
    char *output; /* the expected output, NUL-terminated */
    size_t output_len;
};

struct problem {
    char id[PROBLEM_ID_MAX];
    char title[PROBLEM_TITLE_MAX];
    char *statement; /* NUL-terminated Markdown */
    size_t statement_len;
    int time_limit_ms;   /* CPU time per test */
    int memory_limit_mb; /* MiB per test */
    size_t nsamples;     /* tests[0..nsamples-1] are public examples */
    size_t ntests;
    struct problem_test *tests;
};

struct problem_set;

/* Load one problem from the directory path (whose last component must be
 * the id).  Returns 0 and fills *p, or -1 with "file: reason" (or
 * "file:line: reason") in err, *p left empty.  On success release *p with
 * problem_free(). */
int problem_load(const char *path, struct problem *p, char *err, size_t errlen);
void problem_free(struct problem *p);

/* Load every subdirectory of dir as a problem (entries starting with '.'
 * are skipped).  All or nothing: returns a set, or NULL with the first
 * error ("file: reason") in err.  An empty directory is an error, since a
 * judge without problems is a misconfiguration. */
struct problem_set *problem_set_load(const char *dir, char *err, size_t errlen);
void problem_set_free(struct problem_set *set);

/* The problems in id order: problem_set_at(set, i) for i below
 * problem_set_count(set); NULL when i is out of range. */
size_t problem_set_count(const struct problem_set *set);
const struct problem *problem_set_at(const struct problem_set *set, size_t i);

/* The problem with this id, or NULL. */
const struct problem *problem_set_find(const struct problem_set *set,
                                       const char *id);

#endif
