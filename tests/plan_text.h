/*
 * plan_text.h — what the SQL and plan-file tests compare, as text: a
 * frame's optimized and physical plans, and its rows (and the query files). Included by one test
 * file each (static functions); the test must include <cmocka.h> first.
 */
#ifndef SLI_TEST_PLAN_TEXT_H
#define SLI_TEST_PLAN_TEXT_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sluice/sluice.h"

/* The whole text of a file; a missing file fails the test when `required`,
 * else gives NULL. */
static char *pt_read_file(const char *path, bool required)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (required) fail_msg("cannot open %s", path);
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = 0;
    fclose(f);
    return buf;
}

/* The optimized and physical plans (EXPLAIN without the logical plan). */
static char *pt_optimized(const sl_frame *f)
{
    char *ex = NULL;
    assert_int_equal(sl_frame_explain(f, &ex), SL_OK);
    char *at = strstr(ex, "== Optimized plan ==");
    assert_non_null(at);
    char *out = strdup(at);
    assert_non_null(out);
    free(ex);
    return out;
}

/* Every row as "v|v|...\n", after a line of the column names when `header`
 * (the two forms of a query may name their columns differently). */
static char *pt_rows(const sl_frame *f, bool header)
{
    sl_result *r = NULL;
    if (sl_frame_collect(f, &r) != SL_OK) fail_msg("collect failed");
    size_t cap = 4096, len = 0;
    char *out = malloc(cap);
    assert_non_null(out);
    out[0] = 0;
    size_t nc = sl_result_column_count(r), nr = sl_result_row_count(r);
    for (size_t line = header ? 0 : 1; line <= nr; line++) {
        for (size_t c = 0; c < nc; c++) {
            char v[256];
            if (line == 0)
                snprintf(v, sizeof v, "%s", sl_result_column_name(r, c));
            else if (sl_result_is_null(r, c, line - 1))
                snprintf(v, sizeof v, "NULL");
            else
                sl_result_format_value(r, c, line - 1, v, sizeof v);
            size_t need = strlen(v) + 2;
            if (len + need + 1 > cap) {
                cap = (len + need + 1) * 2;
                out = realloc(out, cap);
                assert_non_null(out);
            }
            len += (size_t)snprintf(out + len, cap - len, "%s%s", v, c + 1 < nc ? "|" : "\n");
        }
    }
    sl_result_destroy(r);
    return out;
}

#endif
