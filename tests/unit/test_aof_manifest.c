/* test_aof_manifest.c -- the AOF manifest: parsing, formatting, files,
 * naming (aof_manifest.c).
 *
 * The manifest is the list of files making up a multi-part AOF, one line
 * per file, "file <name> seq <n> type <b|h|i>", as Redis 7.0 writes it.
 * Texts here are what redis-server 7.0.15 writes (its appendonlydir after
 * start-up and after BGREWRITEAOF); formatting our parse of such a text
 * must give it back byte for byte.  Names that need it are quoted.  What
 * redis-server 7.0.15 refuses at start-up is refused with its message
 * (checked by starting it on each of these manifests).
 * Naming follows Redis: <appendfilename>.<seq>.base.rdb|aof and
 * <appendfilename>.<seq>.incr.aof, sequence numbers going up from the
 * highest in the manifest. */
#include <criterion/criterion.h>

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../broker/aof.h"
#include "../../broker/bstr.h"
#include "../../broker/server.h"
#include "../../broker/util.h"

#define PREFIX "appendonly.aof"

static char tmpdir[64];

static void setup(void)
{
    strcpy(tmpdir, "/tmp/test-aof-manifest.XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir));
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(aof_manifest, .init = setup, .fini = teardown);

/* Parse text, which must succeed. */
static void parse_ok(struct aof_manifest *m, const char *text)
{
    char err[AOF_MANIFEST_ERR_LEN] = "";
    int rc = aof_manifest_parse(m, text, strlen(text), err);
    cr_assert_eq(rc, 0, "parse failed: %s (text %s)", err, text);
}

/* Parse text, which must fail with exactly `want`, leaving m empty. */
static void parse_fails(const char *text, const char *want)
{
    struct aof_manifest m;
    char err[AOF_MANIFEST_ERR_LEN] = "";

    int rc = aof_manifest_parse(&m, text, strlen(text), err);
    cr_assert_eq(rc, -1, "parsed %s", text);
    cr_assert_str_eq(err, want, "for %s", text);
    cr_assert_null(m.base);
    cr_assert_eq(m.incr_count, 0);
    cr_assert_eq(m.history_count, 0);
}

static void assert_format(const struct aof_manifest *m, const char *want)
{
    bstr s = aof_manifest_format(m);
    cr_assert_str_eq(s, want);
    bstr_free(s);
}

/* ---- parsing and formatting -------------------------------------------- */

Test(aof_manifest, parses_what_redis_writes_at_start_up)
{
    struct aof_manifest m;
    parse_ok(&m, "file appendonly.aof.1.base.rdb seq 1 type b\n"
                 "file appendonly.aof.1.incr.aof seq 1 type i\n");

    cr_assert_not_null(m.base);
    cr_assert_str_eq(m.base->name, "appendonly.aof.1.base.rdb");
    cr_assert_eq(m.base->seq, 1);
    cr_assert_eq(m.base->type, AOF_FILE_BASE);
    cr_assert_eq(m.incr_count, 1);
    cr_assert_str_eq(m.incr[0].name, "appendonly.aof.1.incr.aof");
    cr_assert_eq(m.incr[0].type, AOF_FILE_INCR);
    cr_assert_eq(m.history_count, 0);
    cr_assert_eq(m.base_seq, 1);
    cr_assert_eq(m.incr_seq, 1);
    aof_manifest_free(&m);
}

Test(aof_manifest, formatting_a_parsed_manifest_gives_the_same_text)
{
    const char *texts[] = {
        "file appendonly.aof.1.base.rdb seq 1 type b\n"
        "file appendonly.aof.1.incr.aof seq 1 type i\n",
        "file appendonly.aof.2.base.rdb seq 2 type b\n"
        "file appendonly.aof.1.base.rdb seq 1 type h\n"
        "file appendonly.aof.1.incr.aof seq 1 type h\n"
        "file appendonly.aof.2.incr.aof seq 2 type i\n",
        "file appendonly.aof.7.base.aof seq 7 type b\n",
        "file appendonly.aof.3.incr.aof seq 3 type i\n"
        "file appendonly.aof.4.incr.aof seq 4 type i\n",
    };

    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        struct aof_manifest m;
        parse_ok(&m, texts[i]);
        assert_format(&m, texts[i]);
        aof_manifest_free(&m);
    }
}

Test(aof_manifest, comment_lines_and_crlf_line_ends_are_accepted)
{
    struct aof_manifest m;
    parse_ok(&m, "# written by hand\n"
                 "file a.1.base.rdb seq 1 type b\r\n"
                 "# another\n"
                 "file a.1.incr.aof seq 1 type i\n"
                 "# a last comment needs no newline");

    cr_assert_str_eq(m.base->name, "a.1.base.rdb");
    cr_assert_eq(m.incr_count, 1);
    cr_assert_str_eq(m.incr[0].name, "a.1.incr.aof");
    aof_manifest_free(&m);
}

/* Redis 7.0.15 starts on such a manifest, with an AOF of no files. */
Test(aof_manifest, a_manifest_of_comments_only_lists_no_file)
{
    struct aof_manifest m;
    parse_ok(&m, "# nothing yet\n");
    cr_assert_null(m.base);
    cr_assert_eq(m.incr_count, 0);
    cr_assert_eq(m.history_count, 0);
}

Test(aof_manifest, keys_come_in_any_order_and_unknown_keys_are_skipped)
{
    struct aof_manifest m;
    parse_ok(&m, "type i seq 5 file x.5.incr.aof\n"
                 "seq 2 future-key value type b file x.2.base.rdb\n");

    cr_assert_str_eq(m.base->name, "x.2.base.rdb");
    cr_assert_eq(m.base->seq, 2);
    cr_assert_eq(m.incr_count, 1);
    cr_assert_eq(m.incr[0].seq, 5);
    assert_format(&m, "file x.2.base.rdb seq 2 type b\n"
                      "file x.5.incr.aof seq 5 type i\n");
    aof_manifest_free(&m);
}

Test(aof_manifest, history_comes_after_the_base_and_before_incr_files)
{
    struct aof_manifest m;
    parse_ok(&m, "file a.3.incr.aof seq 3 type i\n"
                 "file a.1.incr.aof seq 1 type h\n"
                 "file a.2.base.rdb seq 2 type b\n");

    cr_assert_eq(m.history_count, 1);
    cr_assert_eq(m.history[0].type, AOF_FILE_HISTORY);
    assert_format(&m, "file a.2.base.rdb seq 2 type b\n"
                      "file a.1.incr.aof seq 1 type h\n"
                      "file a.3.incr.aof seq 3 type i\n");
    aof_manifest_free(&m);
}

/* A name with spaces, quotes or control bytes is written quoted so that
 * splitting the line (as redis-server does) gives the same name back. */
Test(aof_manifest, names_that_need_it_are_quoted_and_round_trip)
{
    const char *names[] = {
        "my file.aof", "quote\"d", "back\\slash", "new\nline",
        "tab\there",   "\x01\x7f", "caf\xc3\xa9", "single'quote",
    };

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        struct aof_manifest m, back;
        char err[AOF_MANIFEST_ERR_LEN];

        aof_manifest_init(&m);
        m.incr = calloc(1, sizeof(*m.incr));
        m.incr[0] = (struct aof_file){strdup(names[i]), 1, AOF_FILE_INCR};
        m.incr_count = 1;
        m.incr_seq = 1;

        bstr text = aof_manifest_format(&m);
        cr_assert_eq(strncmp(text, "file \"", 6), 0, "not quoted: %s", text);
        cr_assert_eq(aof_manifest_parse(&back, text, bstr_len(text), err), 0,
                     "%s: %s", text, err);
        cr_assert_str_eq(back.incr[0].name, names[i]);
        bstr_free(text);
        aof_manifest_free(&back);
        free(m.incr[0].name);
        free(m.incr);
    }
}

Test(aof_manifest, a_plain_name_is_not_quoted)
{
    struct aof_manifest m;
    parse_ok(&m, "file \"plain.1.incr.aof\" seq 1 type i\n");
    assert_format(&m, "file plain.1.incr.aof seq 1 type i\n");
    aof_manifest_free(&m);
}

/* ---- errors ------------------------------------------------------------ */

Test(aof_manifest, a_line_without_pairs_is_an_invalid_format)
{
    parse_fails("file a.1.incr.aof seq 1 type\n",
                "Invalid AOF manifest file format");
    parse_fails("file\n", "Invalid AOF manifest file format");
}

Test(aof_manifest, a_line_missing_a_key_is_an_invalid_format)
{
    parse_fails("file a.1.incr.aof seq 1\n",
                "Invalid AOF manifest file format");
    parse_fails("seq 1 type i\n", "Invalid AOF manifest file format");
    parse_fails("file a.1.incr.aof type i\n",
                "Invalid AOF manifest file format");
}

Test(aof_manifest, unbalanced_quotes_are_an_invalid_format)
{
    parse_fails("file \"a.1.incr.aof seq 1 type i\n",
                "Invalid AOF manifest file format");
    parse_fails("file 'a seq 1 type i\n", "Invalid AOF manifest file format");
}

Test(aof_manifest, a_name_with_a_slash_is_refused)
{
    parse_fails("file ../etc/passwd seq 1 type b\n",
                "File can't be a path, just a filename");
    parse_fails("file /abs seq 1 type i\n",
                "File can't be a path, just a filename");
}

/* Stricter than Redis, which accepts these lines and only fails when it
 * opens the "file". */
Test(aof_manifest, an_empty_name_or_one_with_a_nul_is_refused)
{
    parse_fails("file \"\" seq 1 type b\n", "Invalid AOF file name");
    parse_fails("file \"a\\x00b\" seq 1 type b\n", "Invalid AOF file name");
}

Test(aof_manifest, a_sequence_number_must_be_a_positive_integer)
{
    parse_fails("file a seq 0 type b\n", "Invalid AOF manifest file format");
    parse_fails("file a seq -3 type b\n", "Invalid AOF manifest file format");
    parse_fails("file a seq one type b\n", "Invalid AOF manifest file format");
}

/* Redis reads the number with atoll(). */
Test(aof_manifest, a_sequence_number_may_have_leading_zeros)
{
    struct aof_manifest m;
    parse_ok(&m, "file a.1.incr.aof seq 007 type i\n");
    cr_assert_eq(m.incr[0].seq, 7);
    aof_manifest_free(&m);
}

Test(aof_manifest, an_unknown_type_is_refused)
{
    parse_fails("file a seq 1 type x\n", "Unknown AOF file type");
    parse_fails("file a seq 1 type bi\n", "Unknown AOF file type");
}

Test(aof_manifest, two_bases_are_refused)
{
    parse_fails("file a.1.base.rdb seq 1 type b\n"
                "file a.2.base.rdb seq 2 type b\n",
                "Found duplicate base file information");
}

Test(aof_manifest, incr_sequence_numbers_must_increase)
{
    parse_fails("file a.2.incr.aof seq 2 type i\n"
                "file a.1.incr.aof seq 1 type i\n",
                "Found a non-monotonic sequence number");
    parse_fails("file a.2.incr.aof seq 2 type i\n"
                "file b.2.incr.aof seq 2 type i\n",
                "Found a non-monotonic sequence number");
}

Test(aof_manifest, a_line_of_1024_bytes_or_more_is_refused)
{
    char text[1200];
    memset(text, 'x', sizeof(text));
    memcpy(text, "file ", 5);
    text[1100] = '\0';
    parse_fails(text, "The AOF manifest file contains too long line");
}

Test(aof_manifest, an_empty_text_is_an_empty_manifest)
{
    parse_fails("", "Found an empty AOF manifest");
}

Test(aof_manifest, a_blank_line_is_an_invalid_format)
{
    parse_fails("\nfile a.1.incr.aof seq 1 type i\n",
                "Invalid AOF manifest file format");
    parse_fails("file a.1.incr.aof seq 1 type i\n   \n",
                "Invalid AOF manifest file format");
}

/* Redis reads lines with fgets(): no newline means the line did not fit. */
Test(aof_manifest, a_last_entry_without_its_newline_is_too_long)
{
    parse_fails("file a.1.incr.aof seq 1 type i",
                "The AOF manifest file contains too long line");
}

/* ---- files ------------------------------------------------------------- */

static void path_in_tmp(char *out, const char *name)
{
    aof_path_join(out, tmpdir, name);
}

static int tmpdir_entries(void)
{
    DIR *d = opendir(tmpdir);
    struct dirent *e;
    int n = 0;

    cr_assert_not_null(d);
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n;
}

Test(aof_manifest, path_join_puts_a_slash_between)
{
    char out[PATH_MAX];
    aof_path_join(out, "appendonlydir", "appendonly.aof.manifest");
    cr_assert_str_eq(out, "appendonlydir/appendonly.aof.manifest");
}

Test(aof_manifest, loading_a_missing_file_returns_1_and_an_empty_manifest)
{
    struct aof_manifest m;
    char path[PATH_MAX], err[AOF_MANIFEST_ERR_LEN];

    path_in_tmp(path, "appendonly.aof.manifest");
    cr_assert_eq(aof_manifest_load(&m, path, err), 1);
    cr_assert_null(m.base);
    cr_assert_eq(m.incr_count, 0);
}

Test(aof_manifest, save_then_load_round_trips_and_leaves_no_temp_file)
{
    struct aof_manifest m, back;
    char path[PATH_MAX], err[AOF_MANIFEST_ERR_LEN];
    const char *text = "file appendonly.aof.2.base.rdb seq 2 type b\n"
                       "file appendonly.aof.1.incr.aof seq 1 type h\n"
                       "file appendonly.aof.2.incr.aof seq 2 type i\n";

    parse_ok(&m, text);
    path_in_tmp(path, "appendonly.aof.manifest");
    cr_assert_eq(aof_manifest_save(&m, path, err), 0, "%s", err);
    cr_assert_eq(aof_manifest_load(&back, path, err), 0, "%s", err);
    assert_format(&back, text);
    cr_assert_eq(tmpdir_entries(), 1, "a temporary file was left behind");

    /* Saving again replaces the file. */
    aof_manifest_incr_to_history(&m, 0);
    cr_assert_eq(aof_manifest_save(&m, path, err), 0, "%s", err);
    aof_manifest_free(&back);
    cr_assert_eq(aof_manifest_load(&back, path, err), 0, "%s", err);
    cr_assert_eq(back.incr_count, 0);
    cr_assert_eq(back.history_count, 2);
    aof_manifest_free(&back);
    aof_manifest_free(&m);
}

Test(aof_manifest, saving_into_a_missing_directory_fails_with_a_reason)
{
    struct aof_manifest m;
    char path[PATH_MAX], err[AOF_MANIFEST_ERR_LEN] = "";

    parse_ok(&m, "file a.1.incr.aof seq 1 type i\n");
    path_in_tmp(path, "missing/appendonly.aof.manifest");
    cr_assert_eq(aof_manifest_save(&m, path, err), -1);
    cr_assert(strstr(err, "No such file or directory") != NULL, "%s", err);
    aof_manifest_free(&m);
}

Test(aof_manifest, loading_a_damaged_file_gives_the_parse_error)
{
    struct aof_manifest m;
    char path[PATH_MAX], err[AOF_MANIFEST_ERR_LEN] = "";

    path_in_tmp(path, "appendonly.aof.manifest");
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs("file a.1.base.rdb seq 1 type z\n", f);
    fclose(f);
    cr_assert_eq(aof_manifest_load(&m, path, err), -1);
    cr_assert_str_eq(err, "Unknown AOF file type");
}

/* ---- naming ------------------------------------------------------------ */

Test(aof_manifest, the_first_base_and_incr_are_number_1)
{
    struct aof_manifest m;

    aof_manifest_init(&m);
    cr_assert_str_eq(aof_manifest_new_base(&m, PREFIX, 1),
                     "appendonly.aof.1.base.rdb");
    cr_assert_str_eq(aof_manifest_new_incr(&m, PREFIX),
                     "appendonly.aof.1.incr.aof");
    assert_format(&m, "file appendonly.aof.1.base.rdb seq 1 type b\n"
                      "file appendonly.aof.1.incr.aof seq 1 type i\n");
    aof_manifest_free(&m);
}

Test(aof_manifest, a_new_base_turns_the_old_one_into_history)
{
    struct aof_manifest m;

    parse_ok(&m, "file appendonly.aof.1.base.rdb seq 1 type b\n"
                 "file appendonly.aof.1.incr.aof seq 1 type i\n");
    cr_assert_str_eq(aof_manifest_new_base(&m, PREFIX, 0),
                     "appendonly.aof.2.base.aof");
    cr_assert_eq(m.base->seq, 2);
    cr_assert_eq(m.history_count, 1);
    cr_assert_str_eq(m.history[0].name, "appendonly.aof.1.base.rdb");
    cr_assert_eq(m.history[0].type, AOF_FILE_HISTORY);
    aof_manifest_free(&m);
}

Test(aof_manifest, new_numbers_follow_the_highest_in_the_manifest)
{
    struct aof_manifest m;

    parse_ok(&m, "file appendonly.aof.3.base.rdb seq 3 type b\n"
                 "file appendonly.aof.5.incr.aof seq 5 type i\n"
                 "file appendonly.aof.9.incr.aof seq 9 type i\n");
    cr_assert_str_eq(aof_manifest_new_incr(&m, PREFIX),
                     "appendonly.aof.10.incr.aof");
    cr_assert_str_eq(aof_manifest_new_base(&m, PREFIX, 1),
                     "appendonly.aof.4.base.rdb");
    cr_assert_eq(m.incr_count, 3);
    cr_assert_eq(m.incr_seq, 10);
    aof_manifest_free(&m);
}

Test(aof_manifest, the_prefix_is_appendfilename)
{
    struct aof_manifest m;

    aof_manifest_init(&m);
    cr_assert_str_eq(aof_manifest_new_incr(&m, "data.log"),
                     "data.log.1.incr.aof");
    aof_manifest_free(&m);
}

/* What a finished rewrite does: every incr file but the one being
 * appended to becomes history. */
Test(aof_manifest, incr_to_history_keeps_the_last_files)
{
    struct aof_manifest m;

    parse_ok(&m, "file appendonly.aof.1.base.rdb seq 1 type b\n"
                 "file appendonly.aof.1.incr.aof seq 1 type i\n"
                 "file appendonly.aof.2.incr.aof seq 2 type i\n"
                 "file appendonly.aof.3.incr.aof seq 3 type i\n");
    aof_manifest_new_base(&m, PREFIX, 1);
    aof_manifest_incr_to_history(&m, 1);
    assert_format(&m, "file appendonly.aof.2.base.rdb seq 2 type b\n"
                      "file appendonly.aof.1.base.rdb seq 1 type h\n"
                      "file appendonly.aof.1.incr.aof seq 1 type h\n"
                      "file appendonly.aof.2.incr.aof seq 2 type h\n"
                      "file appendonly.aof.3.incr.aof seq 3 type i\n");

    /* Keeping as many as there are, or more, changes nothing. */
    aof_manifest_incr_to_history(&m, 1);
    aof_manifest_incr_to_history(&m, 5);
    cr_assert_eq(m.incr_count, 1);

    aof_manifest_clear_history(&m);
    assert_format(&m, "file appendonly.aof.2.base.rdb seq 2 type b\n"
                      "file appendonly.aof.3.incr.aof seq 3 type i\n");
    aof_manifest_free(&m);
}

/* A rewrite while the AOF is off keeps no incr file at all. */
Test(aof_manifest, incr_to_history_with_none_kept_moves_all)
{
    struct aof_manifest m;

    parse_ok(&m, "file a.1.base.rdb seq 1 type b\n"
                 "file a.1.incr.aof seq 1 type i\n");
    aof_manifest_new_base(&m, "a", 1);
    aof_manifest_incr_to_history(&m, 0);
    cr_assert_eq(m.incr_count, 0);
    cr_assert_eq(m.history_count, 2);
    /* Numbering goes on after the moved files. */
    cr_assert_str_eq(aof_manifest_new_incr(&m, "a"), "a.2.incr.aof");
    aof_manifest_free(&m);
}

Test(aof_manifest, dup_is_a_deep_copy)
{
    struct aof_manifest m;
    const char *text = "file a.2.base.rdb seq 2 type b\n"
                       "file a.1.base.rdb seq 1 type h\n"
                       "file a.4.incr.aof seq 4 type i\n";

    parse_ok(&m, text);
    struct aof_manifest *d = aof_manifest_dup(&m);
    aof_manifest_new_incr(d, "a");
    aof_manifest_clear_history(d);
    assert_format(&m, text);
    assert_format(d, "file a.2.base.rdb seq 2 type b\n"
                     "file a.4.incr.aof seq 4 type i\n"
                     "file a.5.incr.aof seq 5 type i\n");
    cr_assert_eq(d->base_seq, 2);
    cr_assert_neq(d->base->name, m.base->name);
    aof_manifest_free(d);
    xfree(d);
    aof_manifest_free(&m);
}
