/* test_judge_runner.c -- the judge's problem loader and its runner.
 *
 * judge_problem: the shipped problems load and have what the API shows;
 * a broken problem directory fails to load with the file and the reason.
 *
 * judge_runner: real gcc and python3 runs.  A correct C and a correct
 * python solution of every shipped problem are accepted (which also checks
 * the problems' expected outputs); then each verdict is produced by a
 * program built to earn it, on small one-test problems with short limits
 * so the whole file stays fast. */
#include <criterion/criterion.h>

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../client/judge/problem.h"
#include "../../client/judge/runner.h"

/* ---- helpers ----------------------------------------------------------- */

/* The shipped problems, relative to the repository root (where make and
 * run-all.sh run the tests), or to this file when run from elsewhere. */
static const char *problems_dir(void)
{
    static char path[4096];
    struct stat st;
    const char *file = __FILE__;
    const char *slash = strrchr(file, '/');

    if (stat(PROBLEM_DEFAULT_DIR, &st) == 0)
        return PROBLEM_DEFAULT_DIR;
    snprintf(path, sizeof(path), "%.*s/../../%s",
             slash ? (int)(slash - file) : 1, slash ? file : ".",
             PROBLEM_DEFAULT_DIR);
    return path;
}

static struct problem_set *load_shipped(void)
{
    char err[PROBLEM_ERRSTR_LEN];
    struct problem_set *set =
        problem_set_load(problems_dir(), err, sizeof(err));

    cr_assert_not_null(set, "loading %s: %s", problems_dir(), err);
    return set;
}

/* A problem with one test, held in memory (the runner never reads the
 * problem's files). */
struct one_test {
    struct problem p;
    struct problem_test t;
};

static void one_test_init(struct one_test *o, int time_ms, int memory_mb,
                          const char *in, const char *out)
{
    memset(o, 0, sizeof(*o));
    strcpy(o->p.id, "fixture");
    strcpy(o->p.title, "Fixture");
    o->p.time_limit_ms = time_ms;
    o->p.memory_limit_mb = memory_mb;
    o->p.ntests = 1;
    o->p.tests = &o->t;
    strcpy(o->t.name, "01");
    o->t.input = (char *)in;
    o->t.input_len = strlen(in);
    o->t.output = (char *)out;
    o->t.output_len = strlen(out);
}

/* Judge code on a one-test problem that echoes "ok": 200 ms, 32 MiB. */
static enum runner_verdict judge_small(const char *lang, const char *code,
                                       const struct runner_opts *opts,
                                       struct runner_result *res)
{
    struct one_test o;

    one_test_init(&o, 200, 32, "", "ok\n");
    return runner_judge(&o.p, lang, code, strlen(code), opts, res);
}

static void assert_verdict(const struct runner_result *res,
                           enum runner_verdict want)
{
    cr_assert_eq(res->verdict, want, "verdict %s, want %s; message: %s",
                 runner_verdict_name(res->verdict), runner_verdict_name(want),
                 res->message ? res->message : "(none)");
}

/* ---- judge_problem: the shipped problems -------------------------------- */

Test(judge_problem, shipped_problems_load_with_limits_and_tests)
{
    struct problem_set *set = load_shipped();

    cr_assert_geq(problem_set_count(set), 3);
    for (size_t i = 0; i < problem_set_count(set); i++) {
        const struct problem *p = problem_set_at(set, i);

        cr_assert_gt(strlen(p->title), 0, "%s", p->id);
        cr_assert_gt(p->statement_len, 0, "%s", p->id);
        cr_assert_gt(p->time_limit_ms, 0, "%s", p->id);
        cr_assert_gt(p->memory_limit_mb, 0, "%s", p->id);
        cr_assert_geq(p->ntests, 5, "%s has %zu tests", p->id, p->ntests);
        cr_assert_leq(p->nsamples, p->ntests, "%s", p->id);
        for (size_t j = 0; j < p->ntests; j++)
            cr_assert_gt(p->tests[j].output_len, 0, "%s/%s", p->id,
                         p->tests[j].name);
    }
    problem_set_free(set);
}

Test(judge_problem, set_is_in_id_order_and_finds_by_id)
{
    struct problem_set *set = load_shipped();
    const struct problem *p;

    for (size_t i = 1; i < problem_set_count(set); i++)
        cr_assert_lt(
            strcmp(problem_set_at(set, i - 1)->id, problem_set_at(set, i)->id),
            0);
    cr_assert_null(problem_set_at(set, problem_set_count(set)));
    p = problem_set_find(set, "a-plus-b");
    cr_assert_not_null(p);
    cr_assert_str_eq(p->id, "a-plus-b");
    cr_assert_str_eq(p->title, "A + B");
    cr_assert_eq(p->time_limit_ms, 1000);
    cr_assert_eq(p->memory_limit_mb, 64);
    cr_assert_eq(p->nsamples, 2);
    cr_assert_str_eq(p->tests[0].name, "01");
    cr_assert_str_eq(p->tests[0].input, "1 2\n");
    cr_assert_str_eq(p->tests[0].output, "3\n");
    cr_assert_null(problem_set_find(set, "no-such-problem"));
    cr_assert_null(problem_set_find(set, ""));
    problem_set_free(set);
}

/* ---- judge_problem: broken directories ---------------------------------- */

static char scratch[256];

/* A fresh directory holding one problem "p1" whose files the test then
 * edits: a valid conf, a statement and two tests. */
static void scratch_init(void)
{
    char path[512];

    strcpy(scratch, "/tmp/respd-test-problems-XXXXXX");
    cr_assert_not_null(mkdtemp(scratch));
    snprintf(path, sizeof(path), "%s/p1", scratch);
    cr_assert_eq(mkdir(path, 0700), 0);
    snprintf(path, sizeof(path), "%s/p1/tests", scratch);
    cr_assert_eq(mkdir(path, 0700), 0);
}

static void put(const char *rel, const char *text)
{
    char path[512];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", scratch, rel);
    f = fopen(path, "w");
    cr_assert_not_null(f, "%s: %s", path, strerror(errno));
    fputs(text, f);
    fclose(f);
}

static void drop(const char *rel)
{
    char path[512];

    snprintf(path, sizeof(path), "%s/%s", scratch, rel);
    cr_assert_eq(unlink(path), 0, "%s", path);
}

#define GOOD_CONF                                                              \
    "# a comment\n"                                                            \
    "id p1\n"                                                                  \
    "title Problem one\n"                                                      \
    "\n"                                                                       \
    "time_limit_ms 500\n"                                                      \
    "memory_limit_mb 32\n"

static void scratch_good(void)
{
    scratch_init();
    put("p1/problem.conf", GOOD_CONF);
    put("p1/statement.md", "Print the input.\n");
    put("p1/tests/01.in", "1\n");
    put("p1/tests/01.out", "1\n");
    put("p1/tests/02.in", "2\n");
    put("p1/tests/02.out", "2\n");
}

static void remove_tree(const char *path)
{
    DIR *d = opendir(path);
    struct dirent *de;
    char sub[1024];

    if (d == NULL) {
        unlink(path);
        return;
    }
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
        remove_tree(sub);
    }
    closedir(d);
    rmdir(path);
}

static void scratch_fini(void)
{
    remove_tree(scratch);
}

/* Load the scratch set, expecting failure with both fragments in the
 * error. */
static void expect_load_error(const char *frag1, const char *frag2)
{
    char err[PROBLEM_ERRSTR_LEN] = "";
    struct problem_set *set = problem_set_load(scratch, err, sizeof(err));

    cr_assert_null(set, "loaded, expected an error with '%s'", frag1);
    cr_assert_not_null(strstr(err, frag1), "error: %s", err);
    cr_assert_not_null(strstr(err, frag2), "error: %s", err);
}

Test(judge_problem, valid_directory_loads, .init = scratch_good,
     .fini = scratch_fini)
{
    char err[PROBLEM_ERRSTR_LEN];
    struct problem_set *set = problem_set_load(scratch, err, sizeof(err));
    const struct problem *p;

    cr_assert_not_null(set, "%s", err);
    cr_assert_eq(problem_set_count(set), 1);
    p = problem_set_find(set, "p1");
    cr_assert_not_null(p);
    cr_assert_str_eq(p->title, "Problem one");
    cr_assert_eq(p->time_limit_ms, 500);
    cr_assert_eq(p->memory_limit_mb, 32);
    cr_assert_eq(p->nsamples, 0);
    cr_assert_eq(p->ntests, 2);
    cr_assert_str_eq(p->tests[1].name, "02");
    cr_assert_str_eq(p->tests[1].input, "2\n");
    cr_assert_not_null(strstr(p->tests[1].input_path, "p1/tests/02.in"));
    problem_set_free(set);
}

Test(judge_problem, crlf_lines_and_extra_blanks_are_accepted,
     .init = scratch_good, .fini = scratch_fini)
{
    char err[PROBLEM_ERRSTR_LEN];
    struct problem_set *set;

    put("p1/problem.conf", "id   p1\r\n  title \t Spaced  title \r\n"
                           "time_limit_ms 500\r\nmemory_limit_mb 32\r\n"
                           "samples 1\r\n");
    set = problem_set_load(scratch, err, sizeof(err));
    cr_assert_not_null(set, "%s", err);
    cr_assert_str_eq(problem_set_at(set, 0)->title, "Spaced  title");
    cr_assert_eq(problem_set_at(set, 0)->nsamples, 1);
    problem_set_free(set);
}

Test(judge_problem, missing_key_names_the_file_and_key, .init = scratch_good,
     .fini = scratch_fini)
{
    put("p1/problem.conf", "id p1\ntitle T\ntime_limit_ms 500\n");
    expect_load_error("p1/problem.conf", "missing key 'memory_limit_mb'");
}

Test(judge_problem, non_numeric_limit_names_the_line, .init = scratch_good,
     .fini = scratch_fini)
{
    put("p1/problem.conf", "id p1\ntitle T\ntime_limit_ms 5oo\n"
                           "memory_limit_mb 32\n");
    expect_load_error("p1/problem.conf:3:", "'5oo'");
}

Test(judge_problem, zero_negative_and_huge_limits_are_errors,
     .init = scratch_good, .fini = scratch_fini)
{
    put("p1/problem.conf", "id p1\ntitle T\ntime_limit_ms 0\n"
                           "memory_limit_mb 32\n");
    expect_load_error("problem.conf:3:", "time_limit_ms");
    put("p1/problem.conf", "id p1\ntitle T\ntime_limit_ms 100\n"
                           "memory_limit_mb -1\n");
    expect_load_error("problem.conf:4:", "memory_limit_mb");
    put("p1/problem.conf", "id p1\ntitle T\ntime_limit_ms 99999999999999\n"
                           "memory_limit_mb 32\n");
    expect_load_error("problem.conf:3:", "time_limit_ms");
}

Test(judge_problem, unknown_and_repeated_keys_are_errors, .init = scratch_good,
     .fini = scratch_fini)
{
    put("p1/problem.conf", GOOD_CONF "colour blue\n");
    expect_load_error("problem.conf:7:", "unknown key 'colour'");
    put("p1/problem.conf", GOOD_CONF "title Again\n");
    expect_load_error("problem.conf:7:", "repeated key 'title'");
}

Test(judge_problem, id_must_match_directory_and_be_plain, .init = scratch_good,
     .fini = scratch_fini)
{
    put("p1/problem.conf", "id p2\ntitle T\ntime_limit_ms 100\n"
                           "memory_limit_mb 32\n");
    expect_load_error("p1/problem.conf", "differs from the directory");
    put("p1/problem.conf", "id P1!\ntitle T\ntime_limit_ms 100\n"
                           "memory_limit_mb 32\n");
    expect_load_error("problem.conf:1:", "id must be");
}

Test(judge_problem, missing_statement_is_an_error, .init = scratch_good,
     .fini = scratch_fini)
{
    drop("p1/statement.md");
    expect_load_error("p1/statement.md", "No such file");
}

Test(judge_problem, input_without_output_is_an_error, .init = scratch_good,
     .fini = scratch_fini)
{
    drop("p1/tests/02.out");
    expect_load_error("tests/02.in", "no matching .out");
}

Test(judge_problem, output_without_input_is_an_error, .init = scratch_good,
     .fini = scratch_fini)
{
    drop("p1/tests/01.in");
    expect_load_error("tests/01.out", "no matching .in");
}

Test(judge_problem, no_tests_is_an_error, .init = scratch_good,
     .fini = scratch_fini)
{
    drop("p1/tests/01.in");
    drop("p1/tests/01.out");
    drop("p1/tests/02.in");
    drop("p1/tests/02.out");
    expect_load_error("p1/tests", "no tests");
}

Test(judge_problem, more_samples_than_tests_is_an_error, .init = scratch_good,
     .fini = scratch_fini)
{
    put("p1/problem.conf", GOOD_CONF "samples 3\n");
    expect_load_error("problem.conf", "samples 3 but only 2 tests");
}

Test(judge_problem, one_bad_problem_fails_the_whole_set, .init = scratch_good,
     .fini = scratch_fini)
{
    char path[512];

    snprintf(path, sizeof(path), "%s/p0", scratch);
    cr_assert_eq(mkdir(path, 0700), 0);
    put("p0/statement.md", "x\n");
    expect_load_error("p0/problem.conf", "No such file");
}

Test(judge_problem, empty_or_missing_directory_is_an_error)
{
    char dir[] = "/tmp/respd-test-empty-XXXXXX", err[PROBLEM_ERRSTR_LEN];

    cr_assert_not_null(mkdtemp(dir));
    cr_assert_null(problem_set_load(dir, err, sizeof(err)));
    cr_assert_not_null(strstr(err, "no problems"), "%s", err);
    rmdir(dir);
    cr_assert_null(problem_set_load(dir, err, sizeof(err)));
    cr_assert_not_null(strstr(err, "No such file"), "%s", err);
}

/* ---- judge_runner: output comparison ------------------------------------ */

static int matches(const char *got, const char *want)
{
    return runner_output_matches(got, strlen(got), want, strlen(want));
}

Test(judge_runner, output_ignores_blanks_at_line_ends)
{
    cr_assert(matches("1 2 \n3\t\n", "1 2\n3\n"));
    cr_assert(matches("a\r\nb\r\n", "a\nb\n"));
    cr_assert(matches("a\nb\n", "a  \nb\t\n"));
}

Test(judge_runner, output_ignores_final_newline_and_trailing_blank_lines)
{
    cr_assert(matches("42", "42\n"));
    cr_assert(matches("42\n\n\n", "42\n"));
    cr_assert(matches("42\n  \n\t\n", "42"));
    cr_assert(matches("", "\n\n"));
}

Test(judge_runner, output_differences_elsewhere_count)
{
    cr_assert_not(matches(" 42\n", "42\n"));
    cr_assert_not(matches("1\n\n2\n", "1\n2\n"));
    cr_assert_not(matches("1 2\n", "1  2\n"));
    cr_assert_not(matches("4\n", "42\n"));
    cr_assert_not(matches("42\n1\n", "42\n"));
    cr_assert_not(matches("", "0\n"));
}

/* ---- judge_runner: languages and verdict names --------------------------- */

Test(judge_runner, language_table_has_c_and_python)
{
    char version[RUNNER_VERSION_LEN];

    cr_assert_eq(runner_lang_count(), 2);
    cr_assert_str_eq(runner_lang_at(0)->name, "c");
    cr_assert_str_eq(runner_lang_at(1)->name, "python");
    cr_assert_null(runner_lang_at(2));
    cr_assert_eq(runner_lang_find("python"), runner_lang_at(1));
    cr_assert_null(runner_lang_find("cobol"));
    cr_assert_null(runner_lang_find(NULL));

    cr_assert_eq(
        runner_lang_version(runner_lang_find("c"), version, sizeof(version)), 0,
        "%s", version);
    cr_assert_not_null(strstr(version, "gcc"), "%s", version);
    cr_assert_eq(runner_lang_version(runner_lang_find("python"), version,
                                     sizeof(version)),
                 0, "%s", version);
    cr_assert_eq(strncmp(version, "Python 3", 8), 0, "%s", version);
}

Test(judge_runner, verdict_names)
{
    cr_assert_str_eq(runner_verdict_name(RUNNER_AC), "AC");
    cr_assert_str_eq(runner_verdict_name(RUNNER_TLE), "TLE");
    cr_assert_str_eq(runner_verdict_name(RUNNER_IE), "IE");
    cr_assert_str_eq(runner_verdict_name((enum runner_verdict)99), "IE");
    cr_assert_str_eq(runner_verdict_text(RUNNER_WA), "Wrong Answer");
}

/* ---- judge_runner: correct solutions of the shipped problems ------------ */

static const char c_a_plus_b[] = "#include <stdio.h>\n"
                                 "int main(void)\n"
                                 "{\n"
                                 "    long long a, b;\n"
                                 "    if (scanf(\"%lld %lld\", &a, &b) != 2)\n"
                                 "        return 1;\n"
                                 "    printf(\"%lld\\n\", a + b);\n"
                                 "    return 0;\n"
                                 "}\n";

static const char py_a_plus_b[] = "a, b = map(int, input().split())\n"
                                  "print(a + b)\n";

static const char c_reverse_words[] =
    "#include <stdio.h>\n"
    "#include <string.h>\n"
    "int main(void)\n"
    "{\n"
    "    static char line[4096];\n"
    "    char *words[2048];\n"
    "    int n;\n"
    "    if (fgets(line, sizeof line, stdin) == NULL ||\n"
    "        sscanf(line, \"%d\", &n) != 1)\n"
    "        return 1;\n"
    "    while (n-- > 0 && fgets(line, sizeof line, stdin) != NULL) {\n"
    "        int count = 0;\n"
    "        for (char *w = strtok(line, \" \\n\"); w != NULL;\n"
    "             w = strtok(NULL, \" \\n\"))\n"
    "            words[count++] = w;\n"
    "        for (int i = count - 1; i >= 0; i--)\n"
    "            printf(\"%s%s\", words[i], i > 0 ? \" \" : \"\");\n"
    "        putchar('\\n');\n"
    "    }\n"
    "    return 0;\n"
    "}\n";

static const char py_reverse_words[] =
    "import sys\n"
    "lines = sys.stdin.read().split('\\n')\n"
    "n = int(lines[0])\n"
    "for line in lines[1:n + 1]:\n"
    "    print(' '.join(reversed(line.split())))\n";

static const char c_fib_mod[] =
    "#include <stdio.h>\n"
    "typedef unsigned long long u64;\n"
    "static const u64 M = 1000000007ULL;\n"
    "/* fast doubling: F(2k) = F(k)(2F(k+1) - F(k)),\n"
    "   F(2k+1) = F(k)^2 + F(k+1)^2 */\n"
    "static void fib(u64 n, u64 *f, u64 *g)\n"
    "{\n"
    "    u64 a, b, c, d;\n"
    "    if (n == 0) {\n"
    "        *f = 0;\n"
    "        *g = 1;\n"
    "        return;\n"
    "    }\n"
    "    fib(n >> 1, &a, &b);\n"
    "    c = a * ((2 * b + M - a) % M) % M;\n"
    "    d = (a * a + b * b) % M;\n"
    "    *f = n & 1 ? d : c;\n"
    "    *g = n & 1 ? (c + d) % M : d;\n"
    "}\n"
    "int main(void)\n"
    "{\n"
    "    int q;\n"
    "    u64 n, f, g;\n"
    "    if (scanf(\"%d\", &q) != 1)\n"
    "        return 1;\n"
    "    while (q-- > 0 && scanf(\"%llu\", &n) == 1) {\n"
    "        fib(n, &f, &g);\n"
    "        printf(\"%llu\\n\", f);\n"
    "    }\n"
    "    return 0;\n"
    "}\n";

static const char py_fib_mod[] =
    "import sys\n"
    "M = 10**9 + 7\n"
    "def fib(n):\n"
    "    if n == 0:\n"
    "        return 0, 1\n"
    "    a, b = fib(n >> 1)\n"
    "    c = a * (2 * b - a) % M\n"
    "    d = (a * a + b * b) % M\n"
    "    return (d, (c + d) % M) if n & 1 else (c, d)\n"
    "data = sys.stdin.read().split()\n"
    "print('\\n'.join(str(fib(int(x))[0]) for x in data[1:]))\n";

static const char c_count_primes[] =
    "#include <stdio.h>\n"
    "static char composite[5000001];\n"
    "int main(void)\n"
    "{\n"
    "    long n, count = 0;\n"
    "    if (scanf(\"%ld\", &n) != 1)\n"
    "        return 1;\n"
    "    for (long i = 2; i < n; i++) {\n"
    "        if (composite[i])\n"
    "            continue;\n"
    "        count++;\n"
    "        for (long j = i * i; j < n; j += i)\n"
    "            composite[j] = 1;\n"
    "    }\n"
    "    printf(\"%ld\\n\", count);\n"
    "    return 0;\n"
    "}\n";

static const char py_count_primes[] =
    "n = int(input())\n"
    "if n < 3:\n"
    "    print(0)\n"
    "else:\n"
    "    s = bytearray([1]) * n\n"
    "    s[0] = s[1] = 0\n"
    "    i = 2\n"
    "    while i * i < n:\n"
    "        if s[i]:\n"
    "            s[i * i::i] = bytes(len(range(i * i, n, i)))\n"
    "        i += 1\n"
    "    print(sum(s))\n";

static const struct {
    const char *problem, *lang, *code;
} solutions[] = {
    {"a-plus-b", "c", c_a_plus_b},
    {"a-plus-b", "python", py_a_plus_b},
    {"reverse-words", "c", c_reverse_words},
    {"reverse-words", "python", py_reverse_words},
    {"fib-mod", "c", c_fib_mod},
    {"fib-mod", "python", py_fib_mod},
    {"count-primes", "c", c_count_primes},
    {"count-primes", "python", py_count_primes},
};

Test(judge_runner, correct_solutions_of_every_shipped_problem_are_accepted,
     .timeout = 60)
{
    struct problem_set *set = load_shipped();
    size_t covered = 0;

    for (size_t i = 0; i < sizeof(solutions) / sizeof(solutions[0]); i++) {
        const struct problem *p = problem_set_find(set, solutions[i].problem);
        struct runner_result res;

        cr_assert_not_null(p, "%s", solutions[i].problem);
        runner_judge(p, solutions[i].lang, solutions[i].code,
                     strlen(solutions[i].code), NULL, &res);
        cr_assert_eq(res.verdict, RUNNER_AC,
                     "%s in %s: %s at test %zu (%s); message: %s", p->id,
                     solutions[i].lang, runner_verdict_name(res.verdict),
                     res.nrun, res.nrun ? res.tests[res.nrun - 1].detail : "",
                     res.message ? res.message : "(none)");
        cr_assert_eq(res.nrun, p->ntests);
        cr_assert_eq(res.npassed, p->ntests);
        cr_assert_null(res.message);
        for (size_t j = 0; j < res.nrun; j++) {
            cr_assert_str_eq(res.tests[j].name, p->tests[j].name);
            cr_assert_gt(res.tests[j].memory_kb, 0);
            cr_assert_leq(res.tests[j].time_ms, p->time_limit_ms);
            cr_assert_eq(res.tests[j].exit_status, 0);
        }
        cr_assert_geq(res.memory_kb, res.tests[0].memory_kb);
        runner_result_free(&res);
        covered++;
    }
    /* Every shipped problem has both solutions above. */
    cr_assert_eq(covered, 2 * problem_set_count(set));
    problem_set_free(set);
}

/* ---- judge_runner: WA and where judging stops ---------------------------- */

Test(judge_runner, wrong_answer_stops_at_the_first_failing_test)
{
    struct problem_set *set = load_shipped();
    const struct problem *p = problem_set_find(set, "a-plus-b");
    const char *code = "a, b = map(int, input().split())\n"
                       "print(a + b if a != -5 else 0)\n";
    struct runner_result res;

    /* Test 02 is "-5 3". */
    runner_judge(p, "python", code, strlen(code), NULL, &res);
    assert_verdict(&res, RUNNER_WA);
    cr_assert_eq(res.nrun, 2);
    cr_assert_eq(res.npassed, 1);
    cr_assert_eq(res.ntests, p->ntests);
    cr_assert_eq(res.tests[0].verdict, RUNNER_AC);
    cr_assert_eq(res.tests[1].verdict, RUNNER_WA);
    cr_assert_null(res.message);
    runner_result_free(&res);
    problem_set_free(set);
}

Test(judge_runner, run_all_judges_every_test_and_keeps_the_first_failure)
{
    struct problem_set *set = load_shipped();
    const struct problem *p = problem_set_find(set, "a-plus-b");
    const char *code = "a, b = map(int, input().split())\n"
                       "print(a + b if a != -5 else 0)\n";
    struct runner_opts opts = {.run_all = 1};
    struct runner_result res;

    runner_judge(p, "python", code, strlen(code), &opts, &res);
    assert_verdict(&res, RUNNER_WA);
    cr_assert_eq(res.nrun, p->ntests);
    cr_assert_eq(res.npassed, p->ntests - 1);
    cr_assert_eq(res.tests[1].verdict, RUNNER_WA);
    cr_assert_eq(res.tests[2].verdict, RUNNER_AC);
    runner_result_free(&res);
    problem_set_free(set);
}

Test(judge_runner, wrong_answer_in_c)
{
    struct runner_result res;

    judge_small("c",
                "#include <stdio.h>\nint main(void)\n"
                "{ puts(\"no\"); return 0; }\n",
                NULL, &res);
    assert_verdict(&res, RUNNER_WA);
    cr_assert_eq(res.tests[0].exit_status, 0);
    runner_result_free(&res);
}

Test(judge_runner, environment_is_fixed)
{
    struct runner_result res;
    struct one_test o;
    const char *code = "import os\n"
                       "print(os.environ['PATH'])\n"
                       "print(os.environ['HOME'] == os.getcwd())\n"
                       "print(sorted(os.environ))\n";

    one_test_init(&o, 1000, 64, "",
                  RUNNER_PATH "\nTrue\n['HOME', 'LANG', 'PATH', 'TMPDIR']\n");
    runner_judge(&o.p, "python", code, strlen(code), NULL, &res);
    assert_verdict(&res, RUNNER_AC);
    runner_result_free(&res);
}

/* ---- judge_runner: TLE --------------------------------------------------- */

Test(judge_runner, busy_loop_in_c_is_tle_at_the_cpu_limit)
{
    struct runner_result res;

    judge_small("c", "int main(void) { for (;;) ; }\n", NULL, &res);
    assert_verdict(&res, RUNNER_TLE);
    cr_assert_str_eq(res.tests[0].detail, "cpu time");
    cr_assert_eq(res.tests[0].signal, SIGPROF);
    /* The ITIMER_PROF timer stops it near the limit, well before the
     * one-second RLIMIT_CPU backstop.  (The rusage figure can fall a
     * little short of the timer's: it is sampled, the timer is not.) */
    cr_assert_geq(res.tests[0].time_ms, 100);
    cr_assert_lt(res.tests[0].time_ms, 600, "%d ms", res.tests[0].time_ms);
    runner_result_free(&res);
}

Test(judge_runner, busy_loop_in_python_is_tle)
{
    struct runner_result res;

    judge_small("python", "while True:\n    pass\n", NULL, &res);
    assert_verdict(&res, RUNNER_TLE);
    cr_assert_str_eq(res.tests[0].detail, "cpu time");
    cr_assert_geq(res.tests[0].time_ms, 100);
    runner_result_free(&res);
}

Test(judge_runner, sleeping_program_is_stopped_by_the_wall_clock)
{
    struct runner_result res;

    judge_small("c",
                "#define _POSIX_C_SOURCE 200809L\n"
                "#include <unistd.h>\n"
                "int main(void) { sleep(30); return 0; }\n",
                NULL, &res);
    assert_verdict(&res, RUNNER_TLE);
    cr_assert_str_eq(res.tests[0].detail, "wall clock");
    cr_assert_lt(res.tests[0].time_ms, 100);
    /* Wall limit for 200 ms: 3 * 200 + 1000. */
    cr_assert_geq(res.tests[0].wall_ms, 1600);
    cr_assert_lt(res.tests[0].wall_ms, 4000);
    cr_assert_eq(res.tests[0].signal, SIGKILL);
    runner_result_free(&res);
}

Test(judge_runner, sleeping_python_is_stopped_by_the_wall_clock)
{
    struct runner_result res;

    judge_small("python", "import time\ntime.sleep(30)\n", NULL, &res);
    assert_verdict(&res, RUNNER_TLE);
    cr_assert_str_eq(res.tests[0].detail, "wall clock");
    runner_result_free(&res);
}

Test(judge_runner, naive_solution_exceeds_a_shipped_time_limit, .timeout = 30)
{
    struct problem_set *set = load_shipped();
    const struct problem *p = problem_set_find(set, "fib-mod");
    const char *code = "#include <stdio.h>\n"
                       "int main(void)\n"
                       "{\n"
                       "    int q;\n"
                       "    unsigned long long n, a, b, t;\n"
                       "    scanf(\"%d\", &q);\n"
                       "    while (q-- > 0 && scanf(\"%llu\", &n) == 1) {\n"
                       "        a = 0, b = 1;\n"
                       "        for (unsigned long long i = 0; i < n; i++)\n"
                       "            t = (a + b) % 1000000007, a = b, b = t;\n"
                       "        printf(\"%llu\\n\", a);\n"
                       "    }\n"
                       "    return 0;\n"
                       "}\n";
    struct runner_result res;

    /* Tests 01-03 have small n; 04 asks for n = 10^18. */
    runner_judge(p, "c", code, strlen(code), NULL, &res);
    assert_verdict(&res, RUNNER_TLE);
    cr_assert_eq(res.nrun, 4);
    cr_assert_eq(res.npassed, 3);
    /* A loaded machine may give it under a quarter of a CPU, and then the
     * wall clock stops it first; either way it is TLE. */
    if (strcmp(res.tests[3].detail, "wall clock") != 0) {
        cr_assert_str_eq(res.tests[3].detail, "cpu time");
        cr_assert_geq(res.tests[3].time_ms, p->time_limit_ms / 2);
    }
    runner_result_free(&res);
    problem_set_free(set);
}

/* ---- judge_runner: RE ---------------------------------------------------- */

Test(judge_runner, segfault_is_re_with_the_signal_name)
{
    struct runner_result res;

    judge_small("c",
                "int main(void)\n"
                "{ volatile int *p = 0; *p = 1; return 0; }\n",
                NULL, &res);
    assert_verdict(&res, RUNNER_RE);
    cr_assert_str_eq(res.tests[0].detail, "SIGSEGV");
    cr_assert_eq(res.tests[0].signal, SIGSEGV);
    cr_assert_eq(res.tests[0].exit_status, -1);
    runner_result_free(&res);
}

Test(judge_runner, abort_is_re_sigabrt)
{
    struct runner_result res;

    judge_small("c", "#include <stdlib.h>\nint main(void) { abort(); }\n", NULL,
                &res);
    assert_verdict(&res, RUNNER_RE);
    cr_assert_str_eq(res.tests[0].detail, "SIGABRT");
    runner_result_free(&res);
}

Test(judge_runner, nonzero_exit_is_re_even_with_the_right_output)
{
    struct runner_result res;

    judge_small("c",
                "#include <stdio.h>\n"
                "int main(void) { puts(\"ok\"); return 3; }\n",
                NULL, &res);
    assert_verdict(&res, RUNNER_RE);
    cr_assert_str_eq(res.tests[0].detail, "exit status 3");
    cr_assert_eq(res.tests[0].exit_status, 3);
    runner_result_free(&res);
}

Test(judge_runner, python_exception_is_re_with_the_traceback)
{
    struct runner_result res;

    judge_small("python", "raise ValueError('boom')\n", NULL, &res);
    assert_verdict(&res, RUNNER_RE);
    cr_assert_str_eq(res.tests[0].detail, "exit status 1");
    cr_assert_not_null(res.message);
    cr_assert_not_null(strstr(res.message, "ValueError: boom"), "%s",
                       res.message);
    runner_result_free(&res);
}

Test(judge_runner, python_syntax_error_is_re)
{
    struct runner_result res;

    judge_small("python", "print('ok'\n", NULL, &res);
    assert_verdict(&res, RUNNER_RE);
    cr_assert_not_null(strstr(res.message, "SyntaxError"), "%s", res.message);
    runner_result_free(&res);
}

Test(judge_runner, fork_is_refused_when_not_root)
{
    struct runner_result res;
    const char *code = "#define _POSIX_C_SOURCE 200809L\n"
                       "#include <stdio.h>\n"
                       "#include <unistd.h>\n"
                       "int main(void)\n"
                       "{\n"
                       "    pid_t pid = fork();\n"
                       "    if (pid == 0)\n"
                       "        _exit(0);\n"
                       "    puts(pid < 0 ? \"ok\" : \"forked\");\n"
                       "    return 0;\n"
                       "}\n";

    /* RLIMIT_NPROC does not bind root (see runner.h). */
    if (geteuid() == 0)
        cr_skip_test("running as root");
    judge_small("c", code, NULL, &res);
    assert_verdict(&res, RUNNER_AC);
    runner_result_free(&res);
}

/* ---- judge_runner: CE ---------------------------------------------------- */

Test(judge_runner, syntax_error_is_ce_with_the_compiler_message)
{
    struct runner_result res;

    judge_small("c", "int main(void) { return 0 }\n", NULL, &res);
    assert_verdict(&res, RUNNER_CE);
    cr_assert_eq(res.nrun, 0);
    cr_assert_not_null(res.message);
    /* The source is compiled by its plain name, so no temp path shows. */
    cr_assert_eq(strncmp(res.message, "main.c:", 7), 0, "%s", res.message);
    cr_assert_not_null(strstr(res.message, "error"), "%s", res.message);
    runner_result_free(&res);
}

Test(judge_runner, long_compiler_output_is_truncated)
{
    struct runner_result res;
    char code[64 * 1024];
    size_t n = 0, len;

    /* Hundreds of errors, each with its own message. */
    for (int i = 0; i < 400; i++)
        n += (size_t)snprintf(code + n, sizeof(code) - n,
                              "int f%d(void) { return undefined_%d; }\n", i, i);
    judge_small("c", code, NULL, &res);
    assert_verdict(&res, RUNNER_CE);
    /* Cut at a character boundary, so up to 3 bytes short of the cap. */
    len = strlen(res.message);
    cr_assert_leq(len, RUNNER_MESSAGE_MAX);
    cr_assert_geq(len, RUNNER_MESSAGE_MAX - 3);
    cr_assert_str_eq(res.message + len - 12, "\n[truncated]");
    runner_result_free(&res);
}

/* ---- judge_runner: memory and output limits ----------------------------- */

Test(judge_runner, growing_allocation_in_c_is_mle)
{
    struct runner_result res;

    /* Touches 1 MiB at a time (volatile, so the compiler keeps every
     * store) until malloc fails, then writes through the NULL pointer:
     * the peak RSS is past the 32 MiB limit. */
    judge_small("c",
                "#include <stdlib.h>\n"
                "int main(void)\n"
                "{\n"
                "    for (;;) {\n"
                "        volatile char *p = malloc(1 << 20);\n"
                "        for (int i = 0; i < (1 << 20); i += 4096)\n"
                "            p[i] = 1;\n"
                "    }\n"
                "}\n",
                NULL, &res);
    assert_verdict(&res, RUNNER_MLE);
    cr_assert_gt(res.tests[0].memory_kb, 32 * 1024);
    runner_result_free(&res);
}

Test(judge_runner, one_huge_allocation_in_c_fails_as_mle_or_re)
{
    struct runner_result res;

    /* malloc(1 GiB) fails at once under RLIMIT_AS, so the peak stays small
     * and the NULL write is all that shows. */
    judge_small("c",
                "#include <stdlib.h>\n"
                "int main(void)\n"
                "{\n"
                "    volatile char *p = malloc(1 << 30);\n"
                "    p[12345] = 1;\n"
                "    return 0;\n"
                "}\n",
                NULL, &res);
    cr_assert(res.verdict == RUNNER_MLE || res.verdict == RUNNER_RE,
              "verdict %s", runner_verdict_name(res.verdict));
    cr_assert_lt(res.tests[0].memory_kb, 32 * 1024);
    runner_result_free(&res);
}

Test(judge_runner, memory_error_in_python_is_mle)
{
    struct runner_result res;

    judge_small("python", "x = bytearray(1 << 30)\nprint('ok')\n", NULL, &res);
    assert_verdict(&res, RUNNER_MLE);
    cr_assert_not_null(strstr(res.message, "MemoryError"), "%s", res.message);
    runner_result_free(&res);
}

Test(judge_runner, output_flood_in_c_is_ole_at_the_cap)
{
    struct runner_opts opts = {.output_max = 64 * 1024};
    struct runner_result res;

    judge_small("c",
                "#include <stdio.h>\n"
                "int main(void) { for (;;) fputs(\"yes\\n\", stdout); }\n",
                &opts, &res);
    assert_verdict(&res, RUNNER_OLE);
    cr_assert_eq(res.tests[0].signal, SIGXFSZ);
    cr_assert_not_null(strstr(res.tests[0].detail, "stdout"));
    cr_assert_lt(res.tests[0].wall_ms, 1600);
    runner_result_free(&res);
}

Test(judge_runner, output_flood_in_python_is_ole)
{
    struct runner_opts opts = {.output_max = 64 * 1024};
    struct runner_result res;

    /* python ignores SIGXFSZ, so it dies of the EFBIG write error. */
    judge_small("python", "while True:\n    print('y' * 1000)\n", &opts, &res);
    assert_verdict(&res, RUNNER_OLE);
    runner_result_free(&res);
}

Test(judge_runner, stderr_flood_is_ole_too)
{
    struct runner_opts opts = {.output_max = 64 * 1024};
    struct runner_result res;

    judge_small("c",
                "#include <stdio.h>\n"
                "int main(void) { for (;;) fputs(\"e\\n\", stderr); }\n",
                &opts, &res);
    assert_verdict(&res, RUNNER_OLE);
    cr_assert_not_null(strstr(res.tests[0].detail, "stderr"));
    runner_result_free(&res);
}

/* ---- judge_runner: IE, cleanup, concurrency ------------------------------ */

Test(judge_runner, unknown_language_is_ie)
{
    struct runner_result res;

    cr_assert_eq(judge_small("cobol", "DISPLAY 'ok'.", NULL, &res), RUNNER_IE);
    cr_assert_not_null(strstr(res.message, "unknown language 'cobol'"));
    cr_assert_eq(res.nrun, 0);
    runner_result_free(&res);
}

Test(judge_runner, unusable_tmp_dir_is_ie)
{
    struct runner_opts opts = {.tmp_dir = "/nonexistent/respd"};
    struct runner_result res;

    judge_small("python", "print('ok')\n", &opts, &res);
    assert_verdict(&res, RUNNER_IE);
    cr_assert_not_null(strstr(res.message, "mkdtemp"), "%s", res.message);
    runner_result_free(&res);
}

static int dir_is_empty(const char *path)
{
    DIR *d = opendir(path);
    struct dirent *de;
    int empty = 1;

    cr_assert_not_null(d);
    while ((de = readdir(d)) != NULL)
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
            empty = 0;
    closedir(d);
    return empty;
}

Test(judge_runner, submission_directory_is_removed_even_when_locked)
{
    char tmp[] = "/tmp/respd-test-runner-XXXXXX";
    struct runner_opts opts = {.tmp_dir = tmp};
    struct runner_result res;
    const char *code = "import os\n"
                       "os.makedirs('a/b')\n"
                       "open('a/b/f', 'w').write('x')\n"
                       "os.chmod('a/b', 0)\n"
                       "os.chmod('a', 0)\n"
                       "print('ok')\n";

    cr_assert_not_null(mkdtemp(tmp));
    judge_small("python", code, &opts, &res);
    assert_verdict(&res, RUNNER_AC);
    runner_result_free(&res);
    judge_small("c", "int main(void) { return 0 }", &opts, &res);
    assert_verdict(&res, RUNNER_CE);
    runner_result_free(&res);
    cr_assert(dir_is_empty(tmp));
    rmdir(tmp);
}

struct judge_thread {
    const struct problem *p;
    const char *lang, *code;
    struct runner_result res;
};

static void *judge_thread_main(void *arg)
{
    struct judge_thread *t = arg;

    runner_judge(t->p, t->lang, t->code, strlen(t->code), NULL, &t->res);
    return NULL;
}

Test(judge_runner, concurrent_judging_from_threads, .timeout = 60)
{
    struct problem_set *set = load_shipped();
    struct judge_thread t[4];
    pthread_t tid[4];

    for (int i = 0; i < 4; i++) {
        t[i].p = problem_set_find(set, i % 2 ? "a-plus-b" : "fib-mod");
        t[i].lang = i < 2 ? "c" : "python";
        t[i].code = i % 2 ? (i < 2 ? c_a_plus_b : py_a_plus_b)
                          : (i < 2 ? c_fib_mod : py_fib_mod);
        cr_assert_eq(pthread_create(&tid[i], NULL, judge_thread_main, &t[i]),
                     0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(tid[i], NULL);
        assert_verdict(&t[i].res, RUNNER_AC);
        cr_assert_eq(t[i].res.nrun, t[i].p->ntests);
        runner_result_free(&t[i].res);
    }
    problem_set_free(set);
}

/* ---- judge_runner: judges that die --------------------------------------- */

static void make_dir(const char *dir, const char *name, int with_file)
{
    char path[512];

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    cr_assert_eq(mkdir(path, 0700), 0, "%s: %s", path, strerror(errno));
    if (with_file) {
        strcat(path, "/stdout.txt");
        fclose(fopen(path, "w"));
    }
}

static int exists(const char *dir, const char *name)
{
    char path[512];
    struct stat st;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    return stat(path, &st) == 0;
}

Test(judge_runner, sweep_removes_only_directories_of_dead_judges)
{
    char tmp[] = "/tmp/respd-test-sweep-XXXXXX", dead[64], live[64];
    pid_t pid = fork();

    /* A pid that was alive a moment ago and is not now. */
    if (pid == 0)
        _exit(0);
    cr_assert_gt(pid, 0);
    waitpid(pid, NULL, 0);
    cr_assert_not_null(mkdtemp(tmp));
    snprintf(dead, sizeof(dead), "respd-judge-%ld-Ab3dEf", (long)pid);
    snprintf(live, sizeof(live), "respd-judge-%ld-Ab3dEf", (long)getpid());
    make_dir(tmp, dead, 1);
    make_dir(tmp, live, 1);
    make_dir(tmp, "respd-judge-Ab3dEf", 0); /* the old, pid-less name */
    make_dir(tmp, "something-else", 0);

    cr_assert_eq(runner_sweep(tmp), 1);
    cr_assert_not(exists(tmp, dead));
    cr_assert(exists(tmp, live));
    cr_assert(exists(tmp, "respd-judge-Ab3dEf"));
    cr_assert(exists(tmp, "something-else"));
    cr_assert_eq(runner_sweep("/nonexistent/respd"), -1);
    remove_tree(tmp);
}

/* Is pid gone (or a zombie nobody reaps)? */
static int process_gone(long pid)
{
    char path[64], buf[256];
    FILE *f;
    char *state;

    snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
    f = fopen(path, "r");
    if (f == NULL)
        return 1;
    buf[0] = '\0';
    if (fgets(buf, sizeof(buf), f) == NULL)
        buf[0] = '\0';
    fclose(f);
    state = strrchr(buf, ')');
    return state != NULL && state[1] == ' ' && state[2] == 'Z';
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, ms % 1000 * 1000000L};

    nanosleep(&ts, NULL);
}

Test(judge_runner, a_killed_judge_takes_its_program_along, .timeout = 30)
{
    char tmp[] = "/tmp/respd-test-death-XXXXXX", pidfile[128], code[512];
    struct runner_opts opts;
    struct one_test o;
    long prog = 0;
    pid_t judge;
    FILE *f;

    cr_assert_not_null(mkdtemp(tmp));
    snprintf(pidfile, sizeof(pidfile), "%s/pid", tmp);
    snprintf(code, sizeof(code),
             "import os, time\n"
             "open('%s.new', 'w').write(str(os.getpid()))\n"
             "os.rename('%s.new', '%s')\n"
             "time.sleep(30)\n",
             pidfile, pidfile, pidfile);
    judge = fork();
    if (judge == 0) {
        struct runner_result res;

        memset(&opts, 0, sizeof(opts));
        opts.tmp_dir = tmp;
        one_test_init(&o, 5000, 64, "", "ok\n");
        runner_judge(&o.p, "python", code, strlen(code), &opts, &res);
        _exit(0);
    }
    for (int i = 0; i < 300 && (f = fopen(pidfile, "r")) == NULL; i++)
        sleep_ms(10);
    cr_assert_not_null(f, "the program never started");
    cr_assert_eq(fscanf(f, "%ld", &prog), 1);
    fclose(f);

    kill(judge, SIGKILL);
    waitpid(judge, NULL, 0);
    for (int i = 0; i < 200 && !process_gone(prog); i++)
        sleep_ms(10);
    cr_assert(process_gone(prog), "program %ld outlived its judge", prog);
    /* Its directory stayed behind; a sweep clears it. */
    cr_assert_eq(runner_sweep(tmp), 1);
    unlink(pidfile);
    cr_assert(dir_is_empty(tmp));
    rmdir(tmp);
}
