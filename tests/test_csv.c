/*
 * test_csv.c — tests of the CSV reader and writer (io/csv_*.c, io/register.c)
 * and of value formatting (runtime/format.c).
 *
 * Every test writes its input into one temporary directory (mkdtemp under
 * /tmp, removed at the end), reads it, and asserts types, names, nulls and values; error tests assert
 * the status and that the message names the file, the line and the problem.
 */
#ifndef _GNU_SOURCE
#endif
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <math.h>

#include "io/csv.h"
#include "runtime/format.h"
#include "runtime/types.h"
#include "test_util.h"

static char tmpdir[64];

/* ---- helpers ---------------------------------------------------------------- */

static int setup(void **state)
{
    return tu_make_dir(tmpdir, sizeof tmpdir, "csv");
}

static int teardown(void **state)
{
    sli_csv_set_partition_rows(0);
    return tu_remove_dir(tmpdir);
}

/* Writes text (len bytes) to tmpdir/name; returns the path in a static slot. */
static const char *write_file_n(const char *name, const char *text, size_t len)
{
    static char paths[8][256];
    static int next;
    char *path = paths[next++ % 8];
    snprintf(path, 256, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
    return path;
}

static const char *write_file(const char *name, const char *text)
{
    return write_file_n(name, text, strlen(text));
}

/* Reads text through a file with the given options; asserts success. */
static sli_table *read_text(sl_context *ctx, const char *text, const sl_csv_options *opts)
{
    const char *path = write_file("in.csv", text);
    sli_table *t = (sli_table *)1;
    sl_status s = sli_csv_read(ctx, "t", path, opts, &t);
    if (s != SL_OK) fprintf(stderr, "unexpected error: %s\n", sl_context_last_error(ctx));
    assert_int_equal(s, SL_OK);
    assert_non_null(t);
    return t;
}

/* Reads text and expects failure with status want; the message must contain
 * every given fragment ("%p" in a fragment stands for the file's path). */
static void expect_error(const char *text, const sl_csv_options *opts, sl_status want, int nfrag, ...)
{
    sl_context *ctx;
    assert_int_equal(sl_context_create(&ctx), SL_OK);
    const char *path = write_file("bad.csv", text);
    sli_table *t = (sli_table *)1;
    sl_status s = sli_csv_read(ctx, "t", path, opts, &t);
    assert_int_equal(s, want);
    assert_null(t);
    assert_int_equal(sl_context_last_status(ctx), want);
    const char *msg = sl_context_last_error(ctx);
    va_list ap;
    va_start(ap, nfrag);
    for (int i = 0; i < nfrag; i++) {
        const char *frag = va_arg(ap, const char *);
        char expanded[512];
        const char *at = strstr(frag, "%p");
        if (at)
            snprintf(expanded, sizeof expanded, "%.*s%s%s", (int)(at - frag), frag, path, at + 2);
        else
            snprintf(expanded, sizeof expanded, "%s", frag);
        if (!strstr(msg, expanded)) fail_msg("message '%s' lacks '%s'", msg, expanded);
    }
    va_end(ap);
    sl_context_destroy(ctx);
}

/* Locates row `row` of column `col` across partitions. */
static const sli_column *locate(const sli_table *t, size_t col, size_t row, size_t *local)
{
    for (size_t p = 0; p < t->nparts; p++) {
        if (row < t->parts[p].rows) {
            *local = row;
            return t->parts[p].cols[col];
        }
        row -= t->parts[p].rows;
    }
    fail_msg("row out of range");
    return NULL;
}

static bool is_null(const sli_table *t, size_t col, size_t row)
{
    size_t r;
    const sli_column *c = locate(t, col, row, &r);
    return !sli_valid(c->validity, r);
}

/* @return the formatted value of a cell, or "<null>". */
static const char *cell(const sli_table *t, size_t col, size_t row)
{
    static char buf[4][256];
    static int next;
    char *b = buf[next++ % 4];
    size_t r;
    const sli_column *c = locate(t, col, row, &r);
    if (!sli_valid(c->validity, r)) return "<null>";
    size_t n = sli_format_value(c, r, b, 256);
    assert_true(n < 256);
    return b;
}

static int64_t cell_i64(const sli_table *t, size_t col, size_t row)
{
    size_t r;
    const sli_column *c = locate(t, col, row, &r);
    switch (c->type.id) {
    case SL_TYPE_BOOL:
    case SL_TYPE_INT8: return ((const int8_t *)c->data)[r];
    case SL_TYPE_INT16: return ((const int16_t *)c->data)[r];
    case SL_TYPE_INT32:
    case SL_TYPE_DATE32: return ((const int32_t *)c->data)[r];
    default: return ((const int64_t *)c->data)[r];
    }
}

static double cell_f64(const sli_table *t, size_t col, size_t row)
{
    size_t r;
    const sli_column *c = locate(t, col, row, &r);
    assert_int_equal(c->type.id, SL_TYPE_FLOAT64);
    return ((const double *)c->data)[r];
}

static void assert_type(const sli_table *t, size_t col, sl_type want)
{
    char a[32], b[32];
    if (!sli_type_eq(t->schema.types[col], want))
        fail_msg("column %zu '%s': type %s, expected %s", col, t->schema.names[col],
                 sl_type_name(t->schema.types[col], a, sizeof a), sl_type_name(want, b, sizeof b));
}

/* ---- reading: inference ------------------------------------------------------ */

static void test_infer_each_type(void **state)
{
    sl_context *ctx;
    assert_int_equal(sl_context_create(&ctx), SL_OK);
    sli_table *t = read_text(ctx,
                             "b,i,d,f,dt,s,n,big,mixed,q\n"
                             "true,1,1.5,1e3,2024-01-31,abc,,123456789012345678901,1,\"42\"\n"
                             "FALSE,-20,-2.25,0.1,1999-12-31,x y,,2,2024-01-01,\"7\"\n"
                             ",+3,,,,,,,,\n",
                             NULL);
    assert_int_equal(t->schema.ncols, 10);
    assert_int_equal(t->rows, 3);
    assert_int_equal(t->nparts, 1);
    assert_string_equal(t->name, "t");
    const char *names[] = {"b", "i", "d", "f", "dt", "s", "n", "big", "mixed", "q"};
    for (size_t i = 0; i < 10; i++) assert_string_equal(t->schema.names[i], names[i]);
    assert_type(t, 0, sli_type(SL_TYPE_BOOL));
    assert_type(t, 1, sli_type(SL_TYPE_INT64));
    assert_type(t, 2, sli_decimal(18, 2));
    assert_type(t, 3, sli_type(SL_TYPE_FLOAT64));
    assert_type(t, 4, sli_type(SL_TYPE_DATE32));
    assert_type(t, 5, sli_type(SL_TYPE_UTF8));
    assert_type(t, 6, sli_type(SL_TYPE_UTF8));    /* all null */
    assert_type(t, 7, sli_type(SL_TYPE_FLOAT64)); /* too wide for int64 and decimal(18) */
    assert_type(t, 8, sli_type(SL_TYPE_UTF8));
    assert_type(t, 9, sli_type(SL_TYPE_INT64)); /* quoted numbers are numbers */

    assert_int_equal(cell_i64(t, 0, 0), 1);
    assert_int_equal(cell_i64(t, 0, 1), 0);
    assert_true(is_null(t, 0, 2));
    assert_int_equal(cell_i64(t, 1, 0), 1);
    assert_int_equal(cell_i64(t, 1, 1), -20);
    assert_int_equal(cell_i64(t, 1, 2), 3);
    assert_int_equal(cell_i64(t, 2, 0), 150);
    assert_int_equal(cell_i64(t, 2, 1), -225);
    assert_true(is_null(t, 2, 2));
    assert_true(cell_f64(t, 3, 0) == 1000.0);
    assert_true(cell_f64(t, 3, 1) == 0.1);
    assert_int_equal(cell_i64(t, 4, 0), sli_date_from_civil(2024, 1, 31));
    assert_string_equal(cell(t, 4, 1), "1999-12-31");
    assert_string_equal(cell(t, 5, 0), "abc");
    assert_string_equal(cell(t, 5, 1), "x y");
    assert_true(is_null(t, 5, 2));
    for (size_t r = 0; r < 3; r++) assert_true(is_null(t, 6, r));
    assert_true(cell_f64(t, 7, 0) == 123456789012345678901.0);
    assert_string_equal(cell(t, 8, 1), "2024-01-01");
    assert_int_equal(cell_i64(t, 9, 0), 42);
    assert_true(is_null(t, 9, 2));
    sli_table_free(t);
    sl_context_destroy(ctx);
}

static void test_infer_decimal_limits(void **state)
{
    sl_context *ctx;
    assert_int_equal(sl_context_create(&ctx), SL_OK);
    sli_table *t = read_text(ctx,
                             "six,seven,expo,wide,fits,intdec,bare\n"
                             "0.123456,0.1234567,1.5e3,123456789012345678.5,1234567890123456.75,7,.5\n"
                             "-1,2,3,4,5,8.0,-3.\n",
                             NULL);
    assert_type(t, 0, sli_decimal(18, 6));
    assert_type(t, 1, sli_type(SL_TYPE_FLOAT64)); /* more than 6 fraction digits */
    assert_type(t, 2, sli_type(SL_TYPE_FLOAT64)); /* exponent */
    assert_type(t, 3, sli_type(SL_TYPE_FLOAT64)); /* 18 integer + 1 fraction digits > 18 */
    assert_type(t, 4, sli_decimal(18, 2));
    assert_type(t, 5, sli_decimal(18, 1));
    assert_type(t, 6, sli_decimal(18, 1));
    assert_int_equal(cell_i64(t, 0, 0), 123456);
    assert_int_equal(cell_i64(t, 0, 1), -1000000);
    assert_string_equal(cell(t, 4, 0), "1234567890123456.75");
    assert_string_equal(cell(t, 4, 1), "5.00");
    assert_int_equal(cell_i64(t, 5, 0), 70);
    assert_string_equal(cell(t, 6, 0), "0.5");
    assert_string_equal(cell(t, 6, 1), "-3.0");
    sli_table_free(t);

    /* 17 integer digits plus one fraction digit still fit decimal(18,1). */
    t = read_text(ctx, "w\n12345678901234567.5\n", NULL);
    assert_type(t, 0, sli_decimal(18, 1));
    assert_string_equal(cell(t, 0, 0), "12345678901234567.5");
    sli_table_free(t);
    sl_context_destroy(ctx);
}

/* ---- reading: schema --------------------------------------------------------- */

static void test_schema(void **state)
{
    sl_context *ctx;
    assert_int_equal(sl_context_create(&ctx), SL_OK);
    sl_csv_options o = {0};
    o.schema = " id int32 , price decimal(15, 2), day date,name varchar, ok boolean, x double, s int8 ";
    sli_table *t = read_text(ctx,
                             "a,b,c,d,e,f,g\n"
                             "7,12.5,2020-02-29,bob,true,3,-128\n"
                             "-8,-0.01,1970-01-01,,0,-1.25,127\n",
                             &o);
    assert_int_equal(t->schema.ncols, 7);
    const char *names[] = {"id", "price", "day", "name", "ok", "x", "s"};
    for (size_t i = 0; i < 7; i++) assert_string_equal(t->schema.names[i], names[i]);
    assert_type(t, 0, sli_type(SL_TYPE_INT32));
    assert_type(t, 1, sli_decimal(15, 2));
    assert_type(t, 2, sli_type(SL_TYPE_DATE32));
    assert_type(t, 3, sli_type(SL_TYPE_UTF8));
    assert_type(t, 4, sli_type(SL_TYPE_BOOL));
    assert_type(t, 5, sli_type(SL_TYPE_FLOAT64));
    assert_type(t, 6, sli_type(SL_TYPE_INT8));
    assert_int_equal(cell_i64(t, 0, 1), -8);
    assert_int_equal(cell_i64(t, 1, 0), 1250);
    assert_int_equal(cell_i64(t, 1, 1), -1);
    assert_string_equal(cell(t, 2, 0), "2020-02-29");
    assert_int_equal(cell_i64(t, 2, 1), 0);
    assert_string_equal(cell(t, 3, 0), "bob");
    assert_true(is_null(t, 3, 1));
    assert_int_equal(cell_i64(t, 4, 0), 1);
    assert_int_equal(cell_i64(t, 4, 1), 0);
    assert_true(cell_f64(t, 5, 0) == 3.0);
    assert_true(cell_f64(t, 5, 1) == -1.25);
    assert_int_equal(cell_i64(t, 6, 0), -128);
    assert_int_equal(cell_i64(t, 6, 1), 127);
    sli_table_free(t);

    /* A schema with no header: the first row is data. */
    sl_csv_options o2 = {0};
    o2.schema = "k int64, v utf8";
    o2.no_header = 1;
    t = read_text(ctx, "1,one\n2,two\n", &o2);
    assert_int_equal(t->rows, 2);
    assert_string_equal(t->schema.names[1], "v");
    assert_int_equal(cell_i64(t, 0, 0), 1);
    assert_string_equal(cell(t, 1, 1), "two");
    sli_table_free(t);
    sl_context_destroy(ctx);
}

static void test_schema_errors(void **state)
{
    sl_csv_options o = {0};
    o.schema = "a int64, b int64, c int64";
    expect_error("x,y\n1,2\n", &o, SL_ERR_CSV, 3, "%p:1:", "3 columns", "has 2");
    o.schema = "a int32, x int32";
    expect_error("a,x\n1,2\n3,abc\n", &o, SL_ERR_CSV, 2, "%p:3: column 'x': 'abc' is not a valid int32",
                 "int32");
    o.schema = "a int8";
    expect_error("a\n1\n128\n", &o, SL_ERR_CSV, 1, "%p:3: column 'a': '128' is not a valid int8");
    o.schema = "d decimal(10,2)";
    expect_error("d\n1.25\n1.255\n", &o, SL_ERR_CSV, 1,
                 "%p:3: column 'd': '1.255' is not a valid decimal(10,2)");
    expect_error("d\n123456789.5\n", &o, SL_ERR_CSV, 1, "'123456789.5' is not a valid decimal(10,2)");
    o.schema = "b bool";
    expect_error("b\nyes\n", &o, SL_ERR_CSV, 1, "%p:2: column 'b': 'yes' is not a valid bool");

    /* The schema message must not blame inference. */
    sl_context *ctx;
    assert_int_equal(sl_context_create(&ctx), SL_OK);
    o.schema = "d date";
    sli_table *t = NULL;
    assert_int_equal(sli_csv_read(ctx, "t", write_file("d.csv", "d\n2020-13-01\n"), &o, &t), SL_ERR_CSV);
    assert_null(strstr(sl_context_last_error(ctx), "inferred"));
    assert_non_null(strstr(sl_context_last_error(ctx), "'2020-13-01' is not a valid date"));
    sl_context_destroy(ctx);

    o.schema = "a int64, b frobnicate";
    expect_error("a,b\n1,2\n", &o, SL_ERR_INVALID_ARG, 2, "frobnicate", "'b'");
    o.schema = "a int64,, b int64";
    expect_error("a,b\n1,2\n", &o, SL_ERR_INVALID_ARG, 1, "empty column definition");
    o.schema = "a";
    expect_error("a\n1\n", &o, SL_ERR_INVALID_ARG, 1, "no type");
    o.schema = "a int64, a utf8";
    expect_error("a,b\n1,2\n", &o, SL_ERR_INVALID_ARG, 1, "'a' appears twice");
}

/* ---- reading: syntax ---------------------------------------------------------- */

static void test_quotes(void **state)
{
    sl_context *ctx;
    assert_int_equal(sl_context_create(&ctx), SL_OK);
    sli_table *t = read_text(ctx,
                             "id,\"te,xt\"\n"
                             "1,\"a,b\"\n"
                             "2,\"line1\nline2\"\n"
                             "3,\"say \"\"hi\"\"\"\n"
                             "4,plain\n"
                             "\"5\",\"\"\"\"\n"
                             "6,\"x\"  \n",
                             NULL);
    assert_int_equal(t->rows, 6);
    assert_string_equal(t->schema.names[1], "te,xt");
    assert_type(t, 0, sli_type(SL_TYPE_INT64));
    assert_string_equal(cell(t, 1, 0), "a,b");
    assert_string_equal(cell(t, 1, 1), "line1\nline2");
    assert_string_equal(cell(t, 1, 2), "say \"hi\"");
    assert_string_equal(cell(t, 1, 3), "plain");
    assert_int_equal(cell_i64(t, 0, 4), 5);
    assert_string_equal(cell(t, 1, 4), "\"");
    assert_string_equal(cell(t, 1, 5), "x");
    sli_table_free(t);
    sl_context_destroy(ctx);
}

static void test_empty_fields(void **state)
{
    sl_context *ctx;
    assert_int_equal(sl_context_create(&ctx), SL_OK);
    sli_table *t = read_text(ctx, "a,s,d\n,,\n\"\",\"\",\"\"\n1,x,2024-05-06\n", NULL);
    assert_type(t, 0, sli_type(SL_TYPE_INT64));
    assert_type(t, 1, sli_type(SL_TYPE_UTF8));
    assert_type(t, 2, sli_type(SL_TYPE_DATE32));
    assert_true(is_null(t, 0, 0));
    assert_true(is_null(t, 0, 1)); /* "" is null for a non-string column */
    assert_int_equal(cell_i64(t, 0, 2), 1);
    assert_true(is_null(t, 1, 0));  /* an empty field is null */
    assert_false(is_null(t, 1, 1)); /* "" is an empty string */
    assert_string_equal(cell(t, 1, 1), "");
    assert_true(is_null(t, 2, 1));
    size_t r;
    const sli_column *c = locate(t, 1, 0, &r);
    assert_int_equal(c->null_count, 1);
    sli_table_free(t);
    sl_context_destroy(ctx);
}

static void test_pipe_trailing_delimiter(void **state)
{
    sl_context *ctx;
    assert_int_equal(sl_context_create(&ctx), SL_OK);
    sl_csv_options o = {0};
    o.delimiter = '|';
    o.no_header = 1;
    sli_table *t = read_text(ctx, "1|abc|2024-01-02|17.25|\n2|de,f||-3.50|\n", &o);
    assert_int_equal(t->schema.ncols, 4);
    assert_string_equal(t->schema.names[0], "c0");
    assert_string_equal(t->schema.names[3], "c3");
    assert_type(t, 0, sli_type(SL_TYPE_INT64));
    assert_type(t, 1, sli_type(SL_TYPE_UTF8));
    assert_type(t, 2, sli_type(SL_TYPE_DATE32));
    assert_type(t, 3, sli_decimal(18, 2));
    assert_string_equal(cell(t, 1, 1), "de,f");
    assert_true(is_null(t, 2, 1));
    assert_string_equal(cell(t, 3, 1), "-3.50");
    sli_table_free(t);

    /* With a header that also ends in '|'. */
    sl_csv_options h = {0};
    h.delimiter = '|';
    t = read_text(ctx, "a|b|\n1|2|\n3||\n", &h);
    assert_int_equal(t->schema.ncols, 2);
    assert_int_equal(t->rows, 2);
    assert_true(is_null(t, 1, 1));
    sli_table_free(t);
    sl_context_destroy(ctx);

    /* A non-empty extra field is an error, as is a ',' file's extra empty one. */
    expect_error("1|2|\n3|4|5\n", &o, SL_ERR_CSV, 1, "%p:2: expected 2 fields, found 3");
    expect_error("a,b\n1,2,\n", NULL, SL_ERR_CSV, 1, "%p:2: expected 2 fields, found 3");
}

static void test_no_header(void **state)
{
    sl_context *ctx;
    assert_int_equal(sl_context_create(&ctx), SL_OK);
    sl_csv_options o = {0};
    o.no_header = 1;
    sli_table *t = read_text(ctx, "a,b\nc,d\n", &o);
    assert_int_equal(t->rows, 2);
    assert_string_equal(t->schema.names[0], "c0");
    assert_string_equal(t->schema.names[1], "c1");
    assert_string_equal(cell(t, 0, 0), "a");
    assert_string_equal(cell(t, 1, 1), "d");
    sli_table_free(t);
    sl_context_destroy(ctx);
}

static void test_crlf_bom_trim_blank_end(void **state)
{
    sl_context *ctx;
    assert_int_equal(sl_context_create(&ctx), SL_OK);
    sli_table *t = read_text(ctx, "\xEF\xBB\xBF a ,\tb \r\n1,\"x\r\ny\"\r\n2,z\r\n,\r\n\r\n\r\n", NULL);
    assert_string_equal(t->schema.names[0], "a");
    assert_string_equal(t->schema.names[1], "b");
    assert_int_equal(t->rows, 3);
    assert_type(t, 0, sli_type(SL_TYPE_INT64));
    assert_int_equal(cell_i64(t, 0, 1), 2);
    assert_string_equal(cell(t, 1, 0), "x\r\ny");
    assert_string_equal(cell(t, 1, 1), "z");
    assert_true(is_null(t, 1, 2));
    sli_table_free(t);

    /* No newline at all at the end; a header-only file has no rows. */
    t = read_text(ctx, "a,b\n1,2", NULL);
    assert_int_equal(t->rows, 1);
    assert_int_equal(cell_i64(t, 1, 0), 2);
    sli_table_free(t);
    t = read_text(ctx, "a,b\n", NULL);
    assert_int_equal(t->rows, 0);
    assert_int_equal(t->schema.ncols, 2);
    assert_type(t, 0, sli_type(SL_TYPE_UTF8));
    sli_table_free(t);

    /* Tab-separated. */
    sl_csv_options o = {0};
    o.delimiter = '\t';
    t = read_text(ctx, "a\tb\n1,5\tq r\n", &o);
    assert_string_equal(cell(t, 0, 0), "1,5");
    assert_string_equal(cell(t, 1, 0), "q r");
    sli_table_free(t);
    sl_context_destroy(ctx);
}

static void test_wide_rows(void **state)
{
    enum { COLS = 300 };
    size_t cap = COLS * 24;
    char *text = malloc(cap);
    assert_non_null(text);
    size_t len = 0;
    for (int i = 0; i < COLS; i++) len += (size_t)snprintf(text + len, cap - len, "%sx%d", i ? "," : "", i);
    for (int r = 0; r < 2; r++) {
        text[len++] = '\n';
        for (int i = 0; i < COLS; i++)
            len += (size_t)snprintf(text + len, cap - len, "%s%d", i ? "," : "", i * r);
    }
    sl_context *ctx;
    assert_int_equal(sl_context_create(&ctx), SL_OK);
    sli_table *t = read_text(ctx, text, NULL);
    assert_int_equal(t->schema.ncols, COLS);
    assert_string_equal(t->schema.names[COLS - 1], "x299");
    assert_int_equal(cell_i64(t, COLS - 1, 1), COLS - 1);
    sli_table_free(t);
    sl_context_destroy(ctx);
    free(text);

    /* A long bad value is cut short in the message. */
    char bad[300] = "a\n1\n";
    memset(bad + strlen(bad), 'z', 200);
    sl_csv_options o = {0};
    o.sample_rows = 1;
    expect_error(bad, &o, SL_ERR_CSV, 2, "%p:3: column 'a': 'zzzzzzzzzz", "zzz...' is not a valid int64");
}

/* ---- reading: errors ------------------------------------------------------------ */

static void test_errors(void **state)
{
    expect_error("a,b,c\n1,2,3\n4,5\n", NULL, SL_ERR_CSV, 1, "%p:3: expected 3 fields, found 2");
    expect_error("a,b\n1,2\n3,\"abc\n4,5\n", NULL, SL_ERR_CSV, 1, "%p:3: unterminated quoted field");
    expect_error("a\n\"x\"y\n", NULL, SL_ERR_CSV, 2, "%p:2:", "closing quote");
    expect_error("a,b,a\n1,2,3\n", NULL, SL_ERR_CSV, 3, "%p:1:", "duplicate", "'a'");
    expect_error("", NULL, SL_ERR_CSV, 1, "%p: empty file");
    expect_error("\r\n\n", NULL, SL_ERR_CSV, 1, "%p: empty file");

    /* Line numbers count the newlines inside quoted fields. */
    expect_error("a,b\n1,\"x\ny\nz\"\n2,w\n3\n", NULL, SL_ERR_CSV, 1, "%p:6: expected 2 fields, found 1");

    /* A value after the sample that does not fit the inferred type. */
    sl_csv_options o = {0};
    o.sample_rows = 2;
    expect_error("a,b\n1,x\n2,y\nz,w\n", &o, SL_ERR_CSV, 2,
                 "%p:4: column 'a': 'z' is not a valid int64 (type inferred from the first 2 rows; give a "
                 "schema to override)",
                 "inferred");
    expect_error("d\n1.5\n2.25\n3.125\n", &o, SL_ERR_CSV, 1,
                 "%p:4: column 'd': '3.125' is not a valid decimal(18,2)");
    expect_error("b\ntrue\nfalse\nmaybe\n", &o, SL_ERR_CSV, 1, "'maybe' is not a valid bool");
    expect_error("dt\n2024-01-01\n2024-01-02\n2024-02-30\n", &o, SL_ERR_CSV, 1,
                 "'2024-02-30' is not a valid date");

    /* Bad options. */
    sl_csv_options q = {0};
    q.delimiter = '"';
    expect_error("a\n1\n", &q, SL_ERR_INVALID_ARG, 1, "delimiter");
}

static void test_missing_file(void **state)
{
    sl_context *ctx;
    assert_int_equal(sl_context_create(&ctx), SL_OK);
    char path[300];
    snprintf(path, sizeof path, "%s/nope.csv", tmpdir);
    sli_table *t = (sli_table *)1;
    assert_int_equal(sli_csv_read(ctx, "t", path, NULL, &t), SL_ERR_IO);
    assert_null(t);
    char want[400];
    snprintf(want, sizeof want, "cannot open '%s': No such file or directory", path);
    assert_string_equal(sl_context_last_error(ctx), want);

    /* A directory is not a CSV file. */
    assert_int_equal(sli_csv_read(ctx, "t", tmpdir, NULL, &t), SL_ERR_IO);
    assert_non_null(strstr(sl_context_last_error(ctx), "cannot open"));
    assert_non_null(strstr(sl_context_last_error(ctx), "directory"));
    sl_context_destroy(ctx);
}

/* A pipe cannot be mapped: the reader falls back to reading it in chunks. */
static void test_read_fifo(void **state)
{
    char path[300];
    snprintf(path, sizeof path, "%s/pipe.csv", tmpdir);
    assert_int_equal(mkfifo(path, 0600), 0);
    enum { ROWS = 20000 };
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        FILE *w = fopen(path, "w");
        if (!w) _exit(1);
        fputs("n,s\n", w);
        for (int i = 0; i < ROWS; i++) fprintf(w, "%d,\"q\"\"%d\"\n", i, i);
        _exit(fclose(w) == 0 ? 0 : 1);
    }
    sl_context *ctx;
    assert_int_equal(sl_context_create(&ctx), SL_OK);
    sli_table *t = NULL;
    sl_status s = sli_csv_read(ctx, "p", path, NULL, &t);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_int_equal(s, SL_OK);
    assert_int_equal(t->rows, ROWS);
    assert_int_equal(cell_i64(t, 0, ROWS - 1), ROWS - 1);
    assert_string_equal(cell(t, 1, 12345), "q\"12345");
    sli_table_free(t);
    sl_context_destroy(ctx);
}

/* ---- reading: partitions and dictionaries ---------------------------------------- */

static void test_partition_cutting(void **state)
{
    sl_context *ctx;
    assert_int_equal(sl_context_create(&ctx), SL_OK);
    char text[512] = "k,s\n";
    for (int i = 0; i < 10; i++)
        snprintf(text + strlen(text), sizeof text - strlen(text), "%d,v%d\n", i, i % 2);
    sli_csv_set_partition_rows(3);
    sli_table *t = read_text(ctx, text, NULL);
    assert_int_equal(t->rows, 10);
    assert_int_equal(t->nparts, 4);
    assert_int_equal(t->parts[0].rows, 3);
    assert_int_equal(t->parts[1].rows, 3);
    assert_int_equal(t->parts[2].rows, 3);
    assert_int_equal(t->parts[3].rows, 1);
    for (size_t p = 0; p < t->nparts; p++) {
        assert_int_equal(t->parts[p].cols[0]->length, t->parts[p].rows);
        assert_int_equal(t->parts[p].cols[1]->length, t->parts[p].rows);
    }
    for (int i = 0; i < 10; i++) {
        assert_int_equal(cell_i64(t, 0, (size_t)i), i);
        assert_string_equal(cell(t, 1, (size_t)i), i % 2 ? "v1" : "v0");
    }
    sli_table_free(t);

    /* Exactly a multiple: no empty partition at the end. */
    sli_csv_set_partition_rows(5);
    t = read_text(ctx, text, NULL);
    assert_int_equal(t->nparts, 2);
    assert_int_equal(t->parts[1].rows, 5);
    sli_table_free(t);

    /* An error in a later partition frees the earlier ones (ASan checks). */
    sli_csv_set_partition_rows(2);
    sl_csv_options o = {0};
    o.sample_rows = 1;
    expect_error("k\n1\n2\n3\n4\n5\nx\n", &o, SL_ERR_CSV, 1, "%p:7: column 'k'");
    sli_csv_set_partition_rows(0);
    sl_context_destroy(ctx);
}

static void test_dictionary_encoding(void **state)
{
    sl_context *ctx;
    assert_int_equal(sl_context_create(&ctx), SL_OK);
    size_t cap = 100 * 32 + 32;
    char *text = malloc(cap);
    assert_non_null(text);
    strcpy(text, "flag,id\n");
    static const char *flags[] = {"A", "B", "C"};
    for (int i = 0; i < 100; i++)
        snprintf(text + strlen(text), cap - strlen(text), "%s,id%d\n", i == 50 ? "" : flags[i % 3], i);
    sli_table *t = read_text(ctx, text, NULL);
    free(text);
    assert_int_equal(t->nparts, 1);
    const sli_column *flag = t->parts[0].cols[0], *id = t->parts[0].cols[1];
    assert_non_null(flag->dict);
    assert_int_equal(flag->dict->count, 4); /* A, B, C and the null slot's "" */
    assert_null(flag->bytes);
    assert_null(id->dict); /* 100 distinct values > 100 / 2 */
    for (int i = 0; i < 100; i++) {
        if (i == 50) {
            assert_true(is_null(t, 0, 50));
            continue;
        }
        sli_strview v = sli_column_str(flag, (size_t)i);
        assert_int_equal(v.len, 1);
        assert_memory_equal(v.ptr, flags[i % 3], 1);
        char want[16];
        snprintf(want, sizeof want, "id%d", i);
        assert_string_equal(cell(t, 1, (size_t)i), want);
    }
    sli_table_free(t);
    sl_context_destroy(ctx);
}

/* ---- writing --------------------------------------------------------------------- */

static char *write_to_string(sl_context *ctx, const sli_table *t)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    assert_int_equal(sli_csv_write(ctx, t, f), SL_OK);
    assert_int_equal(fclose(f), 0);
    return text;
}

static void test_write_text(void **state)
{
    sl_context *ctx;
    assert_int_equal(sl_context_create(&ctx), SL_OK);
    sl_csv_options o = {0};
    o.schema = "s utf8, \"i\" int64, d decimal(5,2), f double";
    sli_table *t =
        read_text(ctx, "a,b,c,d\n\"a,b\",1,-0.05,0.1\n\"\",,1,\n,2,,-1e-7\n\"q\"\"\",3,2.5,100\n", &o);
    char *text = write_to_string(ctx, t);
    assert_string_equal(text, "s,\"\"\"i\"\"\",d,f\n"
                              "\"a,b\",1,-0.05,0.1\n"
                              "\"\",,1.00,\n"
                              ",2,,-1e-07\n"
                              "\"q\"\"\",3,2.50,100\n");
    free(text);
    sli_table_free(t);
    sl_context_destroy(ctx);
}

/* Compares two tables cell by cell: same schema, nulls and values. */
static void assert_tables_equal(const sli_table *a, const sli_table *b)
{
    assert_int_equal(a->schema.ncols, b->schema.ncols);
    assert_int_equal(a->rows, b->rows);
    for (size_t c = 0; c < a->schema.ncols; c++) {
        assert_string_equal(a->schema.names[c], b->schema.names[c]);
        assert_type(b, c, a->schema.types[c]);
        for (size_t r = 0; r < a->rows; r++) {
            assert_int_equal(is_null(a, c, r), is_null(b, c, r));
            if (is_null(a, c, r)) continue;
            if (a->schema.types[c].id == SL_TYPE_FLOAT64) {
                double x = cell_f64(a, c, r), y = cell_f64(b, c, r);
                assert_memory_equal(&x, &y, sizeof x);
            } else {
                assert_string_equal(cell(a, c, r), cell(b, c, r));
            }
        }
    }
}

static void test_round_trip(void **state)
{
    sl_context *ctx;
    assert_int_equal(sl_context_create(&ctx), SL_OK);
    const char *src = "b,i,d,f,dt,s,u\n"
                      "true,-9223372036854775808,-123.45,0.1,1969-12-31,\"a,b\",x\n"
                      "false,9223372036854775807,0.05,-2.5,2024-02-29,\"l1\nl2\",\"\"\n"
                      ",0,,1e300,,\"say \"\"hi\"\"\",\n"
                      "true,,-0.01,0.30000000000000004,1970-01-01,,\" \"\n"
                      "false,42,99.99,-0,2000-01-01,\"\",\"cr\r\nlf\"\n";
    sli_csv_set_partition_rows(2);
    sli_table *a = read_text(ctx, src, NULL);
    assert_int_equal(a->nparts, 3);
    assert_type(a, 2, sli_decimal(18, 2));
    assert_type(a, 3, sli_type(SL_TYPE_FLOAT64));
    assert_true(signbit(cell_f64(a, 3, 4)));
    char *text = write_to_string(ctx, a);
    sli_csv_set_partition_rows(0);
    sli_table *b = read_text(ctx, text, NULL);
    assert_int_equal(b->nparts, 1);
    assert_tables_equal(a, b);
    assert_string_equal(cell(b, 5, 1), "l1\nl2");
    assert_false(is_null(b, 6, 1));
    assert_string_equal(cell(b, 6, 1), "");
    assert_true(is_null(b, 6, 2));
    free(text);
    sli_table_free(a);
    sli_table_free(b);
    sl_context_destroy(ctx);
}

static void test_write_error(void **state)
{
    FILE *f = fopen("/dev/full", "w");
    if (!f) skip();
    sl_context *ctx;
    assert_int_equal(sl_context_create(&ctx), SL_OK);
    sli_table *t = read_text(ctx, "a\n1\n", NULL);
    assert_int_equal(sli_csv_write(ctx, t, f), SL_ERR_IO);
    assert_non_null(strstr(sl_context_last_error(ctx), "cannot write CSV"));
    fclose(f);
    sli_table_free(t);
    sl_context_destroy(ctx);
}

/* ---- formatting -------------------------------------------------------------------- */

static sli_column *make_col(sl_type t, const int64_t *v, size_t n)
{
    sli_colbuilder b;
    sli_colbuilder_init(&b, t);
    for (size_t i = 0; i < n; i++) assert_int_equal(sli_colbuilder_append_i64(&b, v[i]), SL_OK);
    sli_column *c = sli_colbuilder_finish(&b);
    assert_non_null(c);
    return c;
}

static const char *fmt(const sli_column *c, size_t row)
{
    static char buf[128];
    size_t n = sli_format_value(c, row, buf, sizeof buf);
    assert_int_equal(n, strlen(buf));
    return buf;
}

static void test_format_fixed(void **state)
{
    int64_t bools[] = {1, 0};
    sli_column *c = make_col(sli_type(SL_TYPE_BOOL), bools, 2);
    assert_string_equal(fmt(c, 0), "true");
    assert_string_equal(fmt(c, 1), "false");
    sli_column_free(c);

    int64_t i8[] = {-128, 127};
    c = make_col(sli_type(SL_TYPE_INT8), i8, 2);
    assert_string_equal(fmt(c, 0), "-128");
    assert_string_equal(fmt(c, 1), "127");
    sli_column_free(c);
    int64_t i16[] = {-32768};
    c = make_col(sli_type(SL_TYPE_INT16), i16, 1);
    assert_string_equal(fmt(c, 0), "-32768");
    sli_column_free(c);
    int64_t i32[] = {INT32_MIN};
    c = make_col(sli_type(SL_TYPE_INT32), i32, 1);
    assert_string_equal(fmt(c, 0), "-2147483648");
    sli_column_free(c);
    int64_t i64[] = {INT64_MIN, 0, INT64_MAX};
    c = make_col(sli_type(SL_TYPE_INT64), i64, 3);
    assert_string_equal(fmt(c, 0), "-9223372036854775808");
    assert_string_equal(fmt(c, 1), "0");
    assert_string_equal(fmt(c, 2), "9223372036854775807");
    sli_column_free(c);

    int64_t days[] = {0, -1, sli_date_from_civil(2024, 2, 29), sli_date_from_civil(1, 1, 1)};
    c = make_col(sli_type(SL_TYPE_DATE32), days, 4);
    assert_string_equal(fmt(c, 0), "1970-01-01");
    assert_string_equal(fmt(c, 1), "1969-12-31");
    assert_string_equal(fmt(c, 2), "2024-02-29");
    assert_string_equal(fmt(c, 3), "0001-01-01");
    sli_column_free(c);

    int64_t dec[] = {-5, -12345, 0, 100, -100, 999999999999999999LL};
    c = make_col(sli_decimal(18, 2), dec, 6);
    assert_string_equal(fmt(c, 0), "-0.05");
    assert_string_equal(fmt(c, 1), "-123.45");
    assert_string_equal(fmt(c, 2), "0.00");
    assert_string_equal(fmt(c, 3), "1.00");
    assert_string_equal(fmt(c, 4), "-1.00");
    assert_string_equal(fmt(c, 5), "9999999999999999.99");
    sli_column_free(c);
    int64_t dec0[] = {-7};
    c = make_col(sli_decimal(10, 0), dec0, 1);
    assert_string_equal(fmt(c, 0), "-7");
    sli_column_free(c);

    /* snprintf semantics: the full length comes back, the text is cut. */
    c = make_col(sli_type(SL_TYPE_INT64), i64, 1);
    char small[5] = "zzzz";
    assert_int_equal(sli_format_value(c, 0, small, sizeof small), 20);
    assert_string_equal(small, "-922");
    assert_int_equal(sli_format_value(c, 0, NULL, 0), 20);
    sli_column_free(c);
}

static void test_format_float(void **state)
{
    sli_colbuilder b;
    sli_colbuilder_init(&b, sli_type(SL_TYPE_FLOAT64));
    const double v[] = {0.1,
                        1.0 / 3.0,
                        100.0,
                        -2.5,
                        1e300,
                        0.30000000000000004,
                        -0.0,
                        INFINITY,
                        -INFINITY,
                        NAN,
                        123456789012345678.0,
                        5e-324};
    const char *want[] = {"0.1",
                          "0.3333333333333333",
                          "100",
                          "-2.5",
                          "1e+300",
                          "0.30000000000000004",
                          "-0",
                          "inf",
                          "-inf",
                          "nan",
                          "1.2345678901234568e+17",
                          "4.94065645841247e-324"};
    size_t n = sizeof v / sizeof v[0];
    for (size_t i = 0; i < n; i++) assert_int_equal(sli_colbuilder_append_f64(&b, v[i]), SL_OK);
    sli_column *c = sli_colbuilder_finish(&b);
    assert_non_null(c);
    for (size_t i = 0; i < n; i++) assert_string_equal(fmt(c, i), want[i]);
    sli_column_free(c);

    /* Random doubles: the text reads back exactly and no shorter %g would. */
    uint64_t x = 0x9E3779B97F4A7C15ull;
    char buf[64], shorter[64];
    for (int i = 0; i < 20000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        double d;
        uint64_t bits = i % 2 ? x : (x >> 12) | 0x3FF0000000000000ull; /* half of them in [1, 2) */
        memcpy(&d, &bits, sizeof d);
        if (!isfinite(d)) continue;
        size_t len = sli_format_double(d, buf, sizeof buf);
        assert_int_equal(len, strlen(buf));
        assert_true(strtod(buf, NULL) == d);
        int prec = 15;
        for (; prec < 17; prec++) {
            snprintf(shorter, sizeof shorter, "%.*g", prec, d);
            if (strtod(shorter, NULL) == d) break;
        }
        snprintf(shorter, sizeof shorter, "%.*g", prec, d);
        assert_string_equal(buf, shorter);
    }
}

static void test_format_utf8(void **state)
{
    sli_colbuilder b;
    sli_colbuilder_init(&b, sli_type(SL_TYPE_UTF8));
    const char *s[] = {"héllo", "", "a,b", "héllo"};
    for (size_t i = 0; i < 4; i++) assert_int_equal(sli_colbuilder_append_str(&b, s[i], strlen(s[i])), SL_OK);
    sli_column *c = sli_colbuilder_finish(&b);
    assert_non_null(c);
    for (size_t i = 0; i < 4; i++) assert_string_equal(fmt(c, i), s[i]);
    assert_int_equal(sli_column_dict_encode(c, 16), SL_OK);
    assert_non_null(c->dict);
    assert_int_equal(c->dict->count, 3);
    for (size_t i = 0; i < 4; i++) assert_string_equal(fmt(c, i), s[i]);
    char small[3];
    assert_int_equal(sli_format_value(c, 2, small, sizeof small), 3);
    assert_string_equal(small, "a,");
    sli_column_free(c);
}

/* ---- registration ------------------------------------------------------------------ */

static void test_register_csv(void **state)
{
    sl_context *ctx;
    assert_int_equal(sl_context_create(&ctx), SL_OK);
    const char *path = write_file("people.csv", "id,name\n1,ann\n2,bo\n");
    assert_int_equal(sl_context_register_csv(ctx, "people", path, NULL), SL_OK);
    assert_int_equal(sl_context_table_count(ctx), 1);
    assert_string_equal(sl_context_table_name(ctx, 0), "people");
    sli_table *t = sli_context_find_table(ctx, "people");
    assert_non_null(t);
    assert_int_equal(t->rows, 2);
    assert_string_equal(cell(t, 1, 1), "bo");

    assert_int_equal(sl_context_register_csv(ctx, "people", path, NULL), SL_ERR_DUPLICATE);
    assert_non_null(strstr(sl_context_last_error(ctx), "'people'"));
    char missing[300];
    snprintf(missing, sizeof missing, "%s/missing.csv", tmpdir);
    assert_int_equal(sl_context_register_csv(ctx, "m", missing, NULL), SL_ERR_IO);
    assert_int_equal(sl_context_register_csv(ctx, "bad", write_file("bad2.csv", "a,b\n1\n"), NULL),
                     SL_ERR_CSV);
    assert_int_equal(sl_context_table_count(ctx), 1);
    assert_int_equal(sl_context_register_csv(ctx, NULL, path, NULL), SL_ERR_INVALID_ARG);
    sl_context_destroy(ctx);
}

static void test_register_dir(void **state)
{
    char dir[300];
    snprintf(dir, sizeof dir, "%s/db", tmpdir);
    assert_int_equal(mkdir(dir, 0700), 0);
    write_file("db/b.csv", "x,y\n1,hello\n");
    write_file("db/a.tbl", "1|2024-01-01|\n2|2024-01-02|\n");
    write_file("db/c.csv", "z\n3\n");
    write_file("db/notes.txt", "not a table\n");
    write_file("db/.csv", "z\n3\n");
    char sub[320];
    snprintf(sub, sizeof sub, "%s/d.csv", dir);
    assert_int_equal(mkdir(sub, 0700), 0); /* a directory, not a file */

    sl_context *ctx;
    assert_int_equal(sl_context_create(&ctx), SL_OK);
    assert_int_equal(sl_context_register_dir(ctx, dir), SL_OK);
    assert_int_equal(sl_context_table_count(ctx), 3);
    assert_string_equal(sl_context_table_name(ctx, 0), "a");
    assert_string_equal(sl_context_table_name(ctx, 1), "b");
    assert_string_equal(sl_context_table_name(ctx, 2), "c");
    sli_table *a = sli_context_find_table(ctx, "a");
    assert_int_equal(a->schema.ncols, 2);
    assert_int_equal(a->rows, 2);
    assert_string_equal(a->schema.names[1], "c1");
    assert_type(a, 1, sli_type(SL_TYPE_DATE32));
    sli_table *b = sli_context_find_table(ctx, "b");
    assert_string_equal(b->schema.names[1], "y");
    assert_string_equal(cell(b, 1, 0), "hello");
    sl_context_destroy(ctx);

    /* Trailing slash, then a second registration collides on names. */
    assert_int_equal(sl_context_create(&ctx), SL_OK);
    char slash[310];
    snprintf(slash, sizeof slash, "%s/", dir);
    assert_int_equal(sl_context_register_dir(ctx, slash), SL_OK);
    assert_int_equal(sl_context_register_dir(ctx, dir), SL_ERR_DUPLICATE);
    assert_int_equal(sl_context_table_count(ctx), 3);

    char missing[320];
    snprintf(missing, sizeof missing, "%s/none", tmpdir);
    assert_int_equal(sl_context_register_dir(ctx, missing), SL_ERR_IO);
    char want[400];
    snprintf(want, sizeof want, "cannot open directory '%s': No such file or directory", missing);
    assert_string_equal(sl_context_last_error(ctx), want);

    assert_int_equal(mkdir(missing, 0700), 0);
    write_file("none/readme.md", "x\n");
    assert_int_equal(sl_context_register_dir(ctx, missing), SL_ERR_IO);
    snprintf(want, sizeof want, "no .csv or .tbl files in '%s'", missing);
    assert_string_equal(sl_context_last_error(ctx), want);
    sl_context_destroy(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_infer_each_type),
        cmocka_unit_test(test_infer_decimal_limits),
        cmocka_unit_test(test_schema),
        cmocka_unit_test(test_schema_errors),
        cmocka_unit_test(test_quotes),
        cmocka_unit_test(test_empty_fields),
        cmocka_unit_test(test_pipe_trailing_delimiter),
        cmocka_unit_test(test_no_header),
        cmocka_unit_test(test_crlf_bom_trim_blank_end),
        cmocka_unit_test(test_wide_rows),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_read_fifo),
        cmocka_unit_test(test_partition_cutting),
        cmocka_unit_test(test_dictionary_encoding),
        cmocka_unit_test(test_write_text),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_write_error),
        cmocka_unit_test(test_format_fixed),
        cmocka_unit_test(test_format_float),
        cmocka_unit_test(test_format_utf8),
        cmocka_unit_test(test_register_csv),
        cmocka_unit_test(test_register_dir),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
