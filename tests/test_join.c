/*
 * test_join.c — hash joins end to end through the C API: inner, left outer,
 * semi and anti joins on one or two keys (an int64 and a dictionary-encoded
 * string), with duplicate keys on both sides, NULL keys, an empty build
 * side, probes that all match or never match, and filters above the join.
 * Every query runs with the directory unpartitioned and radix-partitioned
 * (forced by a tiny partition size), with the bloom filter automatic, off
 * and always on, and with direct-indexed tables allowed (a unique build key
 * in a small range) and not; each result is compared, as a sorted multiset
 * of rows, against a nested-loop join computed here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "test_util.h"

#include "io/csv.h"
#include "runtime/join_table.h"
#include "sluice/sluice.h"

static char dir[64];

/* One side of a join: rows of (k1 int64 or NULL, k2 string, v int64). */
typedef struct side {
    size_t n;
    int64_t *k1;
    int *k1null;
    int *k2i; /* index into K2 */
    int64_t *v;
} side;

static const char *const K2[] = {"a", "bb", "ccc"};

typedef struct config {
    const char *name;
    size_t nl, nr;
    int64_t ldom, loff, rdom, roff;
    int lnull, rnull; /* every lnull-th / rnull-th row has a NULL k1 (0: none) */
    int rempty;       /* the build side is filtered to nothing */
    int rcover;       /* the build side holds every key of its domain (all probes match) */
} config;

static const config CONFIGS[] = {
    {"duplicates+nulls", 2500, 300, 40, 0, 50, 0, 11, 13, 0, 0},
    {"empty build", 2100, 50, 40, 0, 40, 0, 7, 0, 1, 0},
    {"all match", 2300, 400, 30, 0, 30, 0, 0, 0, 0, 1},
    {"no match", 2200, 300, 40, 1000, 40, 0, 9, 0, 0, 0},
    {"unique build", 4200, 1500, 3000, 0, 1500, 0, 17, 0, 0, 1},
};

static uint64_t rng;
static uint64_t next_rand(void)
{
    rng = rng * 6364136223846793005ull + 1442695040888963407ull;
    return rng >> 33;
}

static void make_side(side *s, size_t n, int64_t dom, int64_t off, int nulls, int cover, int64_t vbase)
{
    s->n = n;
    s->k1 = calloc(n ? n : 1, sizeof *s->k1);
    s->k1null = calloc(n ? n : 1, sizeof *s->k1null);
    s->k2i = calloc(n ? n : 1, sizeof *s->k2i);
    s->v = calloc(n ? n : 1, sizeof *s->v);
    assert_true(s->k1 && s->k1null && s->k2i && s->v);
    for (size_t i = 0; i < n; i++) {
        /* cover: rows 0..dom-1 hold each key once, with every k2 (keys of both columns match) */
        s->k1[i] = off + (cover && (int64_t)i < dom ? (int64_t)i : (int64_t)(next_rand() % (uint64_t)dom));
        s->k1null[i] = nulls && (int)(i % (size_t)nulls) == nulls - 1;
        s->k2i[i] = (int)(next_rand() % 3);
        s->v[i] = vbase + (int64_t)i;
    }
}

static void free_side(side *s)
{
    free(s->k1);
    free(s->k1null);
    free(s->k2i);
    free(s->v);
}

static void write_side(const side *s, const char *name, const char *cols)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s.csv", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "%s\n", cols);
    for (size_t i = 0; i < s->n; i++) {
        if (!s->k1null[i]) fprintf(f, "%lld", (long long)s->k1[i]);
        fprintf(f, ",%s,%lld\n", K2[s->k2i[i]], (long long)s->v[i]);
    }
    fclose(f);
}

/* Rows as text, sorted, so results compare as multisets. */
typedef struct rows {
    char **r;
    size_t n, cap;
} rows;

static void add_row(rows *rs, const char *text)
{
    if (rs->n == rs->cap) {
        rs->cap = rs->cap ? rs->cap * 2 : 256;
        rs->r = realloc(rs->r, rs->cap * sizeof *rs->r);
        assert_non_null(rs->r);
    }
    rs->r[rs->n] = strdup(text);
    assert_non_null(rs->r[rs->n]);
    rs->n++;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_rows(rows *rs)
{
    for (size_t i = 0; i < rs->n; i++) free(rs->r[i]);
    free(rs->r);
    memset(rs, 0, sizeof *rs);
}

static void put_side_row(char *buf, size_t cap, const side *s, size_t i)
{
    size_t len = strlen(buf);
    if (!s) {
        snprintf(buf + len, cap - len, "|NULL|NULL|NULL");
        return;
    }
    char k1[32];
    if (s->k1null[i])
        snprintf(k1, sizeof k1, "NULL");
    else
        snprintf(k1, sizeof k1, "%lld", (long long)s->k1[i]);
    snprintf(buf + len, cap - len, "|%s|%s|%lld", k1, K2[s->k2i[i]], (long long)s->v[i]);
}

typedef enum { W_NONE, W_RIGHT_NULL, W_LEFT_ODD, W_RIGHT_ODD } where_kind;

/* The nested-loop oracle. where: a filter over the join's output. */
static void oracle(const side *l, const side *r, size_t nr_used, const char *how, int nkeys, where_kind where,
                   rows *out)
{
    int inner = strcmp(how, "inner") == 0, left = strcmp(how, "left") == 0, semi = strcmp(how, "semi") == 0;
    for (size_t i = 0; i < l->n; i++) {
        int any = 0;
        for (size_t j = 0; j < nr_used; j++) {
            if (l->k1null[i] || r->k1null[j] || l->k1[i] != r->k1[j]) continue;
            if (nkeys == 2 && l->k2i[i] != r->k2i[j]) continue;
            any = 1;
            if (inner || left) {
                if (where == W_RIGHT_NULL) continue;
                if (where == W_LEFT_ODD && l->v[i] % 2 == 0) continue;
                if (where == W_RIGHT_ODD && r->v[j] % 2 == 0) continue;
                char buf[256] = "";
                put_side_row(buf, sizeof buf, l, i);
                put_side_row(buf, sizeof buf, r, j);
                add_row(out, buf);
            }
        }
        int keep_alone = (left && !any) || (semi && any) || (!inner && !left && !semi && !any);
        if (!keep_alone) continue;
        if (where == W_LEFT_ODD && l->v[i] % 2 == 0) continue;
        if (left && where == W_RIGHT_ODD) continue; /* NULL right value: the filter is not true */
        char buf[256] = "";
        put_side_row(buf, sizeof buf, l, i);
        if (left) put_side_row(buf, sizeof buf, NULL, 0);
        add_row(out, buf);
    }
    if (out->n) qsort(out->r, out->n, sizeof *out->r, cmp_str);
}

static void result_rows(const sl_result *res, rows *out)
{
    size_t nc = sl_result_column_count(res);
    for (size_t row = 0; row < sl_result_row_count(res); row++) {
        char buf[256] = "";
        for (size_t c = 0; c < nc; c++) {
            size_t len = strlen(buf);
            char val[64];
            sl_result_format_value(res, c, row, val, sizeof val);
            snprintf(buf + len, sizeof buf - len, "|%s", sl_result_is_null(res, c, row) ? "NULL" : val);
        }
        add_row(out, buf);
    }
    if (out->n) qsort(out->r, out->n, sizeof *out->r, cmp_str);
}

static sl_context *open_ctx(void)
{
    sl_context *ctx;
    assert_int_equal(sl_context_create(&ctx), SL_OK);
    sli_csv_set_partition_rows(1000); /* several partitions, partial vectors */
    sl_csv_options lo = {0}, ro = {0};
    lo.schema = "lk1 int64, lk2 utf8, lv int64";
    ro.schema = "rk1 int64, rk2 utf8, rv int64";
    char path[128];
    snprintf(path, sizeof path, "%s/l.csv", dir);
    assert_int_equal(sl_context_register_csv(ctx, "l", path, &lo), SL_OK);
    snprintf(path, sizeof path, "%s/r.csv", dir);
    assert_int_equal(sl_context_register_csv(ctx, "r", path, &ro), SL_OK);
    sli_csv_set_partition_rows(0);
    return ctx;
}

static sl_frame *join_query(sl_context *ctx, const config *cf, const char *how, int nkeys, where_kind where)
{
    sl_frame *l = sl_frame_table(ctx, "l");
    sl_frame *r0 = sl_frame_table(ctx, "r");
    sl_frame *r = sl_frame_where(r0, cf->rempty ? "rv < 0" : "rv >= 0");
    sl_frame *j = sl_frame_join_how(l, r, nkeys == 2 ? "lk1 = rk1 and rk2 = lk2" : "lk1 = rk1", how);
    assert_non_null(j);
    sl_frame *out = j;
    if (where != W_NONE) {
        const char *pred = where == W_RIGHT_NULL ? "rv is null"
                           : where == W_LEFT_ODD ? "lv % 2 = 1"
                                                 : "rv % 2 = 1";
        out = sl_frame_where(j, pred);
        assert_non_null(out);
        sl_frame_destroy(j);
    }
    sl_frame_destroy(l);
    sl_frame_destroy(r0);
    sl_frame_destroy(r);
    return out;
}

static void check_query(sl_context *ctx, const config *cf, const char *how, int nkeys, where_kind where,
                        const rows *want)
{
    static const size_t parts[] = {0, 4};
    static const int blooms[] = {-1, 0, 1};
    /* dense -1: a unique int64 key in a small range makes a direct-indexed table; 0: always the hash one */
    for (size_t d = 0; d < 2; d++) {
        for (size_t p = 0; p < 2; p++) {
            for (size_t b = 0; b < 3; b++) {
                sli_join_set_dense(-(int)(1 - d));
                sli_join_set_partition_rows(parts[p]);
                sli_join_set_bloom(blooms[b]);
                sl_frame *f = join_query(ctx, cf, how, nkeys, where);
                sl_result *res = NULL;
                assert_int_equal(sl_frame_collect(f, &res), SL_OK);
                rows got = {0};
                result_rows(res, &got);
                if (got.n != want->n)
                    fprintf(stderr, "%s %s keys=%d where=%d part=%zu bloom=%d dense=%d: %zu rows, want %zu\n",
                            cf->name, how, nkeys, (int)where, parts[p], blooms[b], -(int)(1 - d), got.n,
                            want->n);
                assert_int_equal(got.n, want->n);
                for (size_t i = 0; i < got.n; i++) {
                    if (strcmp(got.r[i], want->r[i]))
                        fprintf(stderr, "%s %s: row %zu: %s, want %s\n", cf->name, how, i, got.r[i],
                                want->r[i]);
                    assert_string_equal(got.r[i], want->r[i]);
                }
                free_rows(&got);
                sl_result_destroy(res);
                sl_frame_destroy(f);
            }
        }
    }
    sli_join_set_partition_rows(0);
    sli_join_set_bloom(-1);
    sli_join_set_dense(-1);
}

static void run_config(const config *cf)
{
    side l, r;
    rng = 42 + cf->nl;
    make_side(&l, cf->nl, cf->ldom, cf->loff, cf->lnull, 0, 0);
    make_side(&r, cf->nr, cf->rdom, cf->roff, cf->rnull, cf->rcover, 1000000);
    if (cf->rcover) { /* one k2 on both sides, so that every probe matches on two keys too */
        for (size_t i = 0; i < r.n; i++) r.k2i[i] = 0;
        for (size_t i = 0; i < l.n; i++) l.k2i[i] = 0;
    }
    write_side(&l, "l", "lk1,lk2,lv");
    write_side(&r, "r", "rk1,rk2,rv");
    sl_context *ctx = open_ctx();
    static const char *const hows[] = {"inner", "left", "semi", "anti"};
    for (size_t h = 0; h < 4; h++) {
        for (int nkeys = 1; nkeys <= 2; nkeys++) {
            rows want = {0};
            oracle(&l, &r, cf->rempty ? 0 : r.n, hows[h], nkeys, W_NONE, &want);
            check_query(ctx, cf, hows[h], nkeys, W_NONE, &want);
            free_rows(&want);
        }
    }
    /* Filters above the join: on the left side (pushed down) and on the right
     * side (below an inner join; kept above a left outer join). */
    static const where_kind wheres[] = {W_RIGHT_NULL, W_LEFT_ODD, W_RIGHT_ODD};
    for (size_t w = 0; w < 3; w++) {
        for (size_t h = 0; h < 2; h++) {
            rows want = {0};
            oracle(&l, &r, cf->rempty ? 0 : r.n, hows[h], 1, wheres[w], &want);
            check_query(ctx, cf, hows[h], 1, wheres[w], &want);
            free_rows(&want);
        }
    }
    rows want = {0};
    oracle(&l, &r, cf->rempty ? 0 : r.n, "semi", 1, W_LEFT_ODD, &want);
    check_query(ctx, cf, "semi", 1, W_LEFT_ODD, &want);
    free_rows(&want);
    oracle(&l, &r, cf->rempty ? 0 : r.n, "anti", 1, W_LEFT_ODD, &want);
    check_query(ctx, cf, "anti", 1, W_LEFT_ODD, &want);
    free_rows(&want);
    sl_context_destroy(ctx);
    free_side(&l);
    free_side(&r);
}

static void test_duplicates_nulls(void **state)
{
    (void)state;
    run_config(&CONFIGS[0]);
}

static void test_empty_build(void **state)
{
    (void)state;
    run_config(&CONFIGS[1]);
}

static void test_all_match(void **state)
{
    (void)state;
    run_config(&CONFIGS[2]);
}

static void test_no_match(void **state)
{
    (void)state;
    run_config(&CONFIGS[3]);
}

static void test_unique_build(void **state)
{
    (void)state;
    run_config(&CONFIGS[4]);
}

/* Explain shows the join type and the bloom filter pushed into the scan
 * (inner and semi only); bad join types and conditions give clear errors. */
static void test_explain_and_errors(void **state)
{
    (void)state;
    side l, r;
    rng = 7;
    make_side(&l, 100, 10, 0, 0, 0, 0);
    make_side(&r, 20, 10, 0, 0, 0, 1000000);
    write_side(&l, "l", "lk1,lk2,lv");
    write_side(&r, "r", "rk1,rk2,rv");
    sl_context *ctx = open_ctx();
    sl_frame *lf = sl_frame_table(ctx, "l"), *rf = sl_frame_table(ctx, "r");
    static const char *const hows[] = {"inner", "left_outer", "left_semi", "LEFT_ANTI"};
    static const char *const names[] = {"inner", "left", "semi", "anti"};
    for (size_t h = 0; h < 4; h++) {
        sl_frame *j = sl_frame_join_how(lf, rf, "lk1 = rk1", hows[h]);
        assert_non_null(j);
        assert_int_equal(sl_frame_column_count(j), h < 2 ? 6 : 3);
        char *text = NULL;
        assert_int_equal(sl_frame_explain(j, &text), SL_OK);
        char want[64];
        snprintf(want, sizeof want, "HashJoin %s on", names[h]);
        assert_non_null(strstr(text, want));
        int pushed = strstr(text, "bloom filter of pipeline") != NULL;
        assert_int_equal(pushed, h == 0 || h == 2);
        free(text);
        sl_frame_destroy(j);
    }
    /* An unknown type. */
    assert_null(sl_frame_join_how(lf, rf, "lk1 = rk1", "full"));
    assert_int_equal(sl_context_last_status(ctx), SL_ERR_INVALID_ARG);
    assert_non_null(strstr(sl_context_last_error(ctx), "unknown join type 'full'"));
    /* Non-equi conditions: kept as a filter for inner joins, refused otherwise. */
    sl_frame *ok = sl_frame_join_how(lf, rf, "lk1 = rk1 and lv < rv", "inner");
    assert_non_null(ok);
    sl_frame_destroy(ok);
    for (size_t h = 1; h < 4; h++) {
        assert_null(sl_frame_join_how(lf, rf, "lk1 = rk1 and lv < rv", hows[h]));
        assert_int_equal(sl_context_last_status(ctx), SL_ERR_UNSUPPORTED);
        assert_non_null(strstr(sl_context_last_error(ctx), "only equalities"));
    }
    /* Semi and anti joins have no right columns above them. */
    sl_frame *s = sl_frame_join_how(lf, rf, "lk1 = rk1", "semi");
    assert_null(sl_frame_select(s, "rv"));
    sl_frame_destroy(s);
    /* Plan files name the type as a last string argument. */
    sl_frame *pf = sl_frame_from_plan(ctx, "table(\"l\").join(table(\"r\"), lk1 = rk1, 'anti')", "<test>");
    assert_non_null(pf);
    assert_int_equal(sl_frame_column_count(pf), 3);
    sl_frame_destroy(pf);
    assert_null(sl_frame_from_plan(ctx, "table(\"l\").join(table(\"r\"), lk1 = rk1, 'outer')", "<test>"));
    assert_non_null(strstr(sl_context_last_error(ctx), "unknown join type 'outer'"));
    sl_frame_destroy(lf);
    sl_frame_destroy(rf);
    sl_context_destroy(ctx);
    free_side(&l);
    free_side(&r);
}

static int setup(void **state)
{
    (void)state;
    assert_int_equal(tu_make_dir(dir, sizeof dir, "join"), 0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return tu_remove_dir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_duplicates_nulls), cmocka_unit_test(test_empty_build),
        cmocka_unit_test(test_all_match),        cmocka_unit_test(test_no_match),
        cmocka_unit_test(test_unique_build),     cmocka_unit_test(test_explain_and_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
