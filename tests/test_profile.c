/*
 * test_profile.c — EXPLAIN ANALYZE (sl_frame_explain_analyze,
 * sl_frame_collect_profiled) on examples/data: a filter + join + aggregate +
 * sort query on 1 and on 3 worker threads. The text names every pipeline and
 * operator; the row counts it reports are exact (checked against separate
 * count queries); the JSON has the documented keys and the same numbers as
 * the text; a scan of CSV tables reads no row groups; and profiling does not
 * change the rows. Timings are never asserted.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "io/csv.h"
#include "sluice/sluice.h"

static sl_context *open_ctx(size_t threads)
{
    sl_context *ctx;
    assert_int_equal(sl_context_create(&ctx), SL_OK);
    /* several partitions, so 3 threads really run pipelines on 3 workers */
    sli_csv_set_partition_rows(500);
    assert_int_equal(sl_context_register_dir(ctx, SLUICE_SOURCE_DIR "/examples/data"), SL_OK);
    sli_csv_set_partition_rows(0);
    assert_int_equal(sl_context_set_threads(ctx, threads), SL_OK);
    return ctx;
}

static int64_t count(sl_frame *f)
{
    assert_non_null(f);
    int64_t n = -1;
    assert_int_equal(sl_frame_count(f, &n), SL_OK);
    sl_frame_destroy(f);
    return n;
}

#define WHERE_O "o_orderstatus = 'F'"
#define WHERE_L "l_quantity > 10"
#define ON      "l_orderkey = o_orderkey"

/* lineitem where WHERE_L join (orders where WHERE_O) on ON, grouped by
 * l_returnflag, l_linestatus, ordered by them. */
static sl_frame *query(sl_context *ctx, int stage)
{
    sl_frame *l = sl_frame_table(ctx, "lineitem");
    sl_frame *o = sl_frame_table(ctx, "orders");
    sl_frame *lw = sl_frame_where(l, WHERE_L);
    sl_frame *ow = sl_frame_where(o, WHERE_O);
    sl_frame *j = sl_frame_join(lw, ow, ON);
    sl_frame *g = sl_frame_group_by(j, "l_returnflag, l_linestatus");
    sl_frame *a = sl_frame_agg(g, "count(*) as n, sum(l_extendedprice) as s, max(o_totalprice) as mx");
    sl_frame *s = sl_frame_order_by(a, "l_returnflag, l_linestatus");
    sl_frame *keep = stage == 0 ? j : s;
    assert_non_null(keep);
    sl_frame *frames[] = {l, o, lw, ow, j, g, a, s};
    for (size_t i = 0; i < sizeof frames / sizeof *frames; i++)
        if (frames[i] != keep) sl_frame_destroy(frames[i]);
    return keep;
}

/* The line of text holding `needle` (after `from`); copied into line. */
static const char *find_line(const char *text, const char *needle, char *line, size_t cap)
{
    const char *p = strstr(text, needle);
    assert_non_null(p);
    const char *b = p;
    while (b > text && b[-1] != '\n') b--;
    const char *e = strchr(p, '\n');
    size_t n = e ? (size_t)(e - b) : strlen(b);
    assert_true(n < cap);
    memcpy(line, b, n);
    line[n] = '\0';
    return e ? e + 1 : b + n;
}

/* "(rows A → B" or "(rows read A → B" in a line. */
static void line_rows(const char *line, const char *tag, unsigned long long *a, unsigned long long *b)
{
    const char *p = strstr(line, tag);
    assert_non_null(p);
    assert_int_equal(sscanf(p + strlen(tag), "%llu \xe2\x86\x92 %llu", a, b), 2);
}

/* Every (in, out) pair the text reports for operators (or, with `src`, for
 * sources), in order. */
static size_t text_pairs(const char *text, int src, unsigned long long *pairs, size_t cap)
{
    size_t n = 0;
    const char *tag = src ? "(rows read " : "(rows ";
    for (const char *p = text; (p = strstr(p, tag)); p += strlen(tag)) {
        if (!src && strncmp(p, "(rows read ", 11) == 0) continue;
        assert_true(n + 2 <= cap);
        assert_int_equal(sscanf(p + strlen(tag), "%llu \xe2\x86\x92 %llu", &pairs[n], &pairs[n + 1]), 2);
        n += 2;
    }
    return n;
}

/* The same pairs from the JSON: "rows_in": A, "rows_out": B or
 * "rows_read": A, "rows_out": B. */
static size_t json_pairs(const char *json, int src, unsigned long long *pairs, size_t cap)
{
    size_t n = 0;
    const char *tag = src ? "\"rows_read\": " : "\"rows_in\": ";
    for (const char *p = json; (p = strstr(p, tag)); p += strlen(tag)) {
        assert_true(n + 2 <= cap);
        assert_int_equal(sscanf(p + strlen(tag), "%llu, \"rows_out\": %llu", &pairs[n], &pairs[n + 1]), 2);
        n += 2;
    }
    return n;
}

static size_t occurrences(const char *s, const char *needle)
{
    size_t n = 0;
    for (const char *p = s; (p = strstr(p, needle)); p += strlen(needle)) n++;
    return n;
}

/* Brackets and braces balance outside strings, and the document is one object. */
static void json_shape(const char *json)
{
    int depth = 0, in_str = 0;
    const char *p = json;
    while (*p == ' ' || *p == '\n') p++;
    assert_int_equal(*p, '{');
    for (; *p; p++) {
        if (in_str) {
            if (*p == '\\')
                p++;
            else if (*p == '"')
                in_str = 0;
            continue;
        }
        if (*p == '"')
            in_str = 1;
        else if (*p == '{' || *p == '[')
            depth++;
        else if (*p == '}' || *p == ']') {
            depth--;
            assert_true(depth >= 0);
            if (depth == 0) {
                const char *q = p + 1;
                while (*q == ' ' || *q == '\n') q++;
                assert_int_equal(*q, '\0');
            }
        }
    }
    assert_int_equal(depth, 0);
    assert_int_equal(in_str, 0);
}

static void check_profile(size_t threads)
{
    sl_context *ctx = open_ctx(threads);
    unsigned long long n_orders = (unsigned long long)count(sl_frame_table(ctx, "orders"));
    unsigned long long n_lineitem = (unsigned long long)count(sl_frame_table(ctx, "lineitem"));
    sl_frame *o = sl_frame_table(ctx, "orders");
    unsigned long long n_ow = (unsigned long long)count(sl_frame_where(o, WHERE_O));
    sl_frame_destroy(o);
    unsigned long long n_join = (unsigned long long)count(query(ctx, 0));
    unsigned long long n_groups = (unsigned long long)count(query(ctx, 1));
    assert_true(n_ow > 0 && n_ow < n_orders);
    assert_true(n_join > 0 && n_groups > 1);

    sl_frame *q = query(ctx, 1);
    char *text = NULL, *json = NULL;
    assert_int_equal(sl_frame_explain_analyze(q, &text, &json), SL_OK);
    assert_non_null(text);
    assert_non_null(json);

    /* every pipeline and operator is named */
    size_t npipes = occurrences(json, "{\"id\": ");
    assert_int_equal(npipes, 4); /* build, probe+aggregate, sort, result */
    char tag[64];
    for (size_t i = 1; i <= npipes; i++) {
        snprintf(tag, sizeof tag, "Pipeline %zu (", i);
        assert_non_null(strstr(text, tag));
        snprintf(tag, sizeof tag, "{\"id\": %zu, ", i);
        assert_non_null(strstr(json, tag));
    }
    assert_non_null(strstr(text, "analyzed: "));
    const char *names[] = {
        "  source  scan orders",     "  source  scan lineitem",  "  filter  ",        "  probe   ",
        "  sink    hash-join build", "  sink    hash aggregate", "  sink    sort on", "  sink    result"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) assert_non_null(strstr(text, names[i]));
    const char *kinds[] = {"\"kind\": \"filter\"",    "\"kind\": \"probe\"", "\"kind\": \"build\"",
                           "\"kind\": \"aggregate\"", "\"kind\": \"sort\"",  "\"kind\": \"result\""};
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++) assert_non_null(strstr(json, kinds[i]));
    assert_int_equal(occurrences(json, "\"sink\": true"), npipes);
    assert_int_equal(occurrences(json, "\"operators\": ["), npipes);

    /* exact rows, against the count queries */
    char line[1024];
    unsigned long long a, b;
    find_line(text, "  source  scan orders", line, sizeof line);
    line_rows(line, "(rows read ", &a, &b);
    assert_int_equal(a, n_orders);
    assert_int_equal(b, n_orders);
    find_line(text, "  filter  (o_orderstatus", line, sizeof line);
    line_rows(line, "(rows ", &a, &b);
    assert_int_equal(a, n_orders);
    assert_int_equal(b, n_ow);
    find_line(text, "  sink    hash-join build", line, sizeof line);
    line_rows(line, "(rows ", &a, &b);
    assert_int_equal(a, n_ow);
    assert_int_equal(b, n_ow);
    assert_non_null(strstr(line, ", memory "));
    /* the filtered orders' keys are unique and dense: an array indexed by the key */
    assert_non_null(strstr(line, ", direct-indexed over "));
    find_line(text, "  source  scan lineitem", line, sizeof line);
    line_rows(line, "(rows read ", &a, &b);
    assert_int_equal(a, n_lineitem);
    /* the join's bloom filter, pushed into this scan, may drop rows (not exactly known) */
    assert_true(b <= n_lineitem && b >= n_join);
    find_line(text, "  probe   ", line, sizeof line);
    line_rows(line, "(rows ", &a, &b);
    assert_int_equal(b, n_join);
    find_line(text, "  sink    hash aggregate", line, sizeof line);
    line_rows(line, "(rows ", &a, &b);
    assert_int_equal(a, n_join);
    assert_int_equal(b, n_groups);
    find_line(text, "  sink    sort on", line, sizeof line);
    line_rows(line, "(rows ", &a, &b);
    assert_int_equal(a, n_groups);
    assert_int_equal(b, n_groups);
    find_line(text, "  sink    result", line, sizeof line);
    line_rows(line, "(rows ", &a, &b);
    assert_int_equal(a, n_groups);
    assert_int_equal(b, n_groups);
    snprintf(tag, sizeof tag, "analyzed: %zu thread(s), %llu row(s), ", threads, n_groups);
    assert_non_null(strstr(text, tag));

    /* workers: the scans ran on `threads` workers (several partitions each) */
    snprintf(tag, sizeof tag, ": ran on %zu worker%s, ", threads, threads == 1 ? "" : "s");
    assert_true(occurrences(text, tag) >= 2);
    snprintf(tag, sizeof tag, "\"workers\": %zu, ", threads);
    assert_true(occurrences(json, tag) >= 2);

    /* the JSON parses (balanced, one object) and agrees with the text */
    json_shape(json);
    snprintf(tag, sizeof tag, "{\"threads\": %zu, \"wall_ms\": ", threads);
    assert_ptr_equal(strstr(json, tag), json);
    snprintf(tag, sizeof tag, "\"rows\": %llu, \"peak_bytes\": ", n_groups);
    assert_non_null(strstr(json, tag));
    /* peak memory: the query's (first) is the most any pipeline saw, and
     * each pipeline held at least what its sink keeps at the end */
    assert_int_equal(occurrences(json, "\"peak_bytes\": "), npipes + 1);
    assert_int_equal(occurrences(text, "peak memory "), npipes + 1);
    const char *pk = strstr(json, "\"peak_bytes\": ");
    unsigned long long query_peak = strtoull(pk + 14, NULL, 10);
    assert_true(query_peak > 0);
    for (const char *at = strstr(pk + 1, "\"peak_bytes\": "); at; at = strstr(at + 1, "\"peak_bytes\": ")) {
        unsigned long long pipe_peak = strtoull(at + 14, NULL, 10);
        assert_true(pipe_peak <= query_peak);
        const char *mem = strstr(at, "\"memory_bytes\": ");
        const char *next = strstr(at + 1, "\"peak_bytes\": ");
        unsigned long long sink = 0;
        /* the pipeline's last operator entry (its sink) carries its memory */
        for (const char *m = mem; m && (!next || m < next); m = strstr(m + 1, "\"memory_bytes\": "))
            sink = strtoull(m + 16, NULL, 10);
        assert_true(sink <= pipe_peak);
    }
    unsigned long long tp[64], jp[64];
    size_t nt = text_pairs(text, 0, tp, 64), nj = json_pairs(json, 0, jp, 64);
    assert_int_equal(nt, nj);
    assert_true(nt >= 2 * 6);
    for (size_t i = 0; i < nt; i++) assert_int_equal(tp[i], jp[i]);
    nt = text_pairs(text, 1, tp, 64);
    nj = json_pairs(json, 1, jp, 64);
    assert_int_equal(nt, 2 * npipes);
    assert_int_equal(nt, nj);
    for (size_t i = 0; i < nt; i++) assert_int_equal(tp[i], jp[i]);
    const char *keys[] = {"\"morsels\": ",      "\"vectors\": ",   "\"source\": {",  "\"time_ms\": ",
                          "\"memory_bytes\": ", "\"finish_ms\": ", "\"detail\": \"", "\"load_ms\": "};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) assert_non_null(strstr(json, keys[i]));
    snprintf(tag, sizeof tag, "\"rows_read\": %llu, \"rows_out\": %llu, ", n_orders, n_orders);
    assert_non_null(strstr(json, tag));

    /* no Parquet: no row groups read or skipped, in any pipeline */
    assert_int_equal(occurrences(json, "\"row_groups_read\": 0, \"row_groups_skipped\": 0, "), npipes);
    assert_null(strstr(text, "row groups read"));
    free(text);
    free(json);

    /* profiled rows equal plain rows; either output may be left out */
    sl_result *plain = NULL, *prof = NULL;
    assert_int_equal(sl_frame_collect(q, &plain), SL_OK);
    text = NULL;
    json = NULL;
    assert_int_equal(sl_frame_collect_profiled(q, &prof, &text, NULL), SL_OK);
    assert_non_null(text);
    free(text);
    assert_int_equal(sl_frame_explain_analyze(q, NULL, &json), SL_OK);
    assert_non_null(json);
    free(json);
    assert_int_equal(sl_result_row_count(plain), n_groups);
    assert_int_equal(sl_result_row_count(prof), sl_result_row_count(plain));
    assert_int_equal(sl_result_column_count(prof), sl_result_column_count(plain));
    for (size_t c = 0; c < sl_result_column_count(plain); c++)
        for (size_t r = 0; r < sl_result_row_count(plain); r++) {
            char x[128], y[128];
            sl_result_format_value(plain, c, r, x, sizeof x);
            sl_result_format_value(prof, c, r, y, sizeof y);
            assert_string_equal(x, y);
        }
    sl_result_destroy(plain);
    sl_result_destroy(prof);

    /* misuse */
    assert_int_equal(sl_frame_collect_profiled(q, NULL, NULL, NULL), SL_ERR_INVALID_ARG);
    assert_int_equal(sl_frame_explain_analyze(NULL, NULL, NULL), SL_ERR_INVALID_ARG);
    sl_frame_destroy(q);
    sl_context_destroy(ctx);
}

static void test_profile_one_thread(void **state)
{
    (void)state;
    check_profile(1);
}

static void test_profile_three_threads(void **state)
{
    (void)state;
    check_profile(3);
}

/* Profiling is off unless asked for: a plain EXPLAIN carries no measurements. */
static void test_explain_unchanged(void **state)
{
    (void)state;
    sl_context *ctx = open_ctx(2);
    sl_frame *q = query(ctx, 1);
    char *text = NULL;
    assert_int_equal(sl_frame_explain(q, &text), SL_OK);
    assert_null(strstr(text, "(rows "));
    assert_null(strstr(text, "ran on"));
    assert_non_null(strstr(text, "  sink    hash aggregate"));
    free(text);
    sl_frame_destroy(q);
    sl_context_destroy(ctx);
}

/* A Parquet scan reports the row groups it read and those its filter's
 * min/max ruled out: small_snappy.parquet holds rows 0..119 (column 0 is the
 * row number) in row groups of 50, 50 and 20 rows. */
static void test_profile_parquet(void **state)
{
    (void)state;
    for (size_t threads = 1; threads <= 3; threads += 2) {
        sl_context *ctx;
        assert_int_equal(sl_context_create(&ctx), SL_OK);
        assert_int_equal(sl_context_set_threads(ctx, threads), SL_OK);
        assert_int_equal(
            sl_context_register_parquet(ctx, "small", SLUICE_SOURCE_DIR "/tests/data/small_snappy.parquet"),
            SL_OK);
        sl_frame *t = sl_frame_table(ctx, "small");
        assert_non_null(t);
        char pred[128];
        snprintf(pred, sizeof pred, "%s >= 105", sl_frame_column_name(t, 0));
        sl_frame *w = sl_frame_where(t, pred);
        assert_non_null(w);
        char *text = NULL, *json = NULL;
        assert_int_equal(sl_frame_explain_analyze(w, &text, &json), SL_OK);
        assert_non_null(strstr(text, "(rows read 20 \xe2\x86\x92 20, "));
        assert_non_null(strstr(text, ", row groups read 1, skipped 2, file read "));
        assert_non_null(strstr(text, "(rows 20 \xe2\x86\x92 15, ")); /* the filter */
        assert_non_null(strstr(json, "\"format\": \"parquet\", \"rows_read\": 20, \"rows_out\": 20, "
                                     "\"row_groups_read\": 1, \"row_groups_skipped\": 2, "));
        assert_non_null(strstr(json, "\"rows\": 15, "));
        json_shape(json);
        free(text);
        free(json);
        sl_frame_destroy(w);
        sl_frame_destroy(t);
        sl_context_destroy(ctx);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_profile_one_thread),
        cmocka_unit_test(test_profile_three_threads),
        cmocka_unit_test(test_explain_unchanged),
        cmocka_unit_test(test_profile_parquet),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
