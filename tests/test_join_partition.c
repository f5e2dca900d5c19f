/*
 * test_join_partition.c — the probe rows a hash join buffers by directory
 * partition (runtime/join_partition.c) and the joins that go through it.
 *
 * The buffer itself: rows of 1-, 2-, 4- and 8-byte columns added dense and
 * through selection vectors, over several chunks (so partitions grow past
 * their first capacity), land in the partition named by their hash's top
 * bits, in arrival order, with their values, and read back block by block
 * (a small first block, then vector-sized ones) they give every row once;
 * clearing empties it.
 *
 * Whole joins: a probe side of fixed-width columns (bool, int16, int32,
 * int64, float64, date, decimal) with NULLs in some CSV partitions only (so
 * some chunks are buffered and others probed as they come) is joined on an
 * int64 and on an int32 key with a build side holding duplicate and NULL
 * keys, for every join type. The directory is forced into partitions and the
 * buffer is flushed every few hundred rows; each result must equal, as a
 * sorted multiset of rows, the same query with an unpartitioned directory
 * (tests/test_join.c checks that path against a nested-loop join), and
 * the row counts are checked against counts computed here.
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
#include "runtime/join_partition.h"
#include "runtime/join_table.h"
#include "sluice/sluice.h"

static char dir[64];

static uint64_t rng = 7;
static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* ---- the buffer --------------------------------------------------------- */

#define NCHUNK 7
#define CHUNK  2048

static unsigned part_of(uint64_t h, unsigned pbits)
{
    return pbits ? (unsigned)(h >> (64 - pbits)) : 0;
}

static void check_buffer(unsigned pbits)
{
    const sl_type types[4] = {
        {SL_TYPE_INT8, 0, 0}, {SL_TYPE_INT16, 0, 0}, {SL_TYPE_INT32, 0, 0}, {SL_TYPE_INT64, 0, 0}};
    sli_join_pbuf b;
    assert_int_equal(sli_join_pbuf_init(&b, pbits, types, 4), SL_OK);
    size_t np = (size_t)1 << pbits;
    for (int round = 0; round < 2; round++) {
        /* every added row, in order: its hash and its row number (values derive from it) */
        uint64_t *want_h = malloc(NCHUNK * CHUNK * sizeof *want_h);
        uint32_t *want_v = malloc(NCHUNK * CHUNK * sizeof *want_v);
        size_t nwant = 0;
        assert_true(want_h && want_v);
        for (int ch = 0; ch < NCHUNK; ch++) {
            int8_t v1[CHUNK];
            int16_t v2[CHUNK];
            int32_t v4[CHUNK];
            int64_t v8[CHUNK];
            uint64_t h[CHUNK];
            uint32_t sel[CHUNK];
            for (size_t i = 0; i < CHUNK; i++) {
                uint32_t id = (uint32_t)(ch * CHUNK + i);
                v1[i] = (int8_t)id;
                v2[i] = (int16_t)(id * 3);
                v4[i] = (int32_t)(id * 7 + 1);
                v8[i] = (int64_t)id * 1000003 - 5;
                h[i] = next_rand();
            }
            /* dense, a sparse selection, an empty chunk, a one-row chunk */
            size_t n = 0;
            const uint32_t *s = NULL;
            if (ch % 4 == 0) {
                n = CHUNK - (size_t)ch; /* partial vectors too */
            } else if (ch % 4 == 1) {
                for (uint32_t i = 0; i < CHUNK; i++)
                    if (next_rand() % 3 == 0) sel[n++] = i;
                s = sel;
            } else if (ch % 4 == 3) {
                sel[0] = CHUNK - 1;
                n = 1;
                s = sel;
            }
            sli_vec cols[4];
            const void *data[4] = {v1, v2, v4, v8};
            for (int c = 0; c < 4; c++) cols[c] = (sli_vec){types[c], data[c], NULL, NULL};
            size_t before = b.rows;
            assert_int_equal(sli_join_pbuf_add(&b, cols, h, s, n), SL_OK);
            assert_int_equal(b.rows, before + n);
            for (size_t i = 0; i < n; i++) {
                uint32_t r = s ? s[i] : (uint32_t)i;
                want_h[nwant] = h[r];
                want_v[nwant++] = (uint32_t)(ch * CHUNK + r);
            }
        }
        sli_join_pbuf_seal(&b);
        /* Walk the expected rows in order; each partition's rows must follow in turn. */
        size_t *seen = calloc(np, sizeof *seen);
        assert_non_null(seen);
        size_t total = 0;
        for (size_t p = 0; p < np; p++) total += b.count[p];
        assert_int_equal(total, nwant);
        for (size_t i = 0; i < nwant; i++) {
            unsigned p = part_of(want_h[i], pbits);
            size_t at = seen[p]++;
            assert_true(at < b.count[p]);
            uint32_t id = want_v[i];
            sli_vec v[4];
            size_t got = sli_join_pbuf_vectors(&b, p, at, types, v);
            assert_true(got >= 1 && got <= SLI_VEC_SIZE && at + got <= b.count[p]);
            assert_int_equal(*(const int8_t *)v[0].data, (int8_t)id);
            assert_int_equal(*(const int16_t *)v[1].data, (int16_t)(id * 3));
            assert_int_equal(*(const int32_t *)v[2].data, (int32_t)(id * 7 + 1));
            assert_int_equal(*(const int64_t *)v[3].data, (int64_t)id * 1000003 - 5);
            assert_null(v[3].validity);
            assert_int_equal(v[3].type.id, SL_TYPE_INT64);
        }
        for (size_t p = 0; p < np; p++) assert_int_equal(seen[p], b.count[p]);
        /* Walked as the probe operator reads it, block by block: every row once. */
        for (size_t p = 0; p < np; p++) {
            size_t walked = 0;
            for (size_t at = 0, got; at < b.count[p]; at += got) {
                sli_vec v[4];
                got = sli_join_pbuf_vectors(&b, p, at, types, v);
                assert_true(got >= 1);
                walked += got;
            }
            assert_int_equal(walked, b.count[p]);
        }
        free(seen);
        free(want_h);
        free(want_v);
        sli_join_pbuf_clear(&b);
        assert_int_equal(b.rows, 0);
        for (size_t p = 0; p < np; p++) assert_int_equal(b.count[p], 0);
    }
    sli_join_pbuf_free(&b);
}

static void test_buffer_one_partition(void **state)
{
    (void)state;
    check_buffer(0);
}

static void test_buffer_partitions(void **state)
{
    (void)state;
    check_buffer(3);
    check_buffer(7);
}

static void test_accepts(void **state)
{
    (void)state;
    assert_true(sli_join_pbuf_accepts((sl_type){SL_TYPE_BOOL, 0, 0}));
    assert_true(sli_join_pbuf_accepts((sl_type){SL_TYPE_DECIMAL, 15, 2}));
    assert_true(sli_join_pbuf_accepts((sl_type){SL_TYPE_FLOAT64, 0, 0}));
    assert_false(sli_join_pbuf_accepts((sl_type){SL_TYPE_UTF8, 0, 0}));
}

/* ---- joins through the buffer ------------------------------------------- */

#define NL 6000
#define NR 900

/* Left rows NULL_FROM..NULL_TO-1 have NULLs in lb (not a key); with CSV
 * partitions of 1000 rows, their chunks are probed as they come. */
#define NULL_FROM 3000
#define NULL_TO   3100

static int64_t lkey[NL], rkey[NR];
static int rnull[NR]; /* build rows with NULL keys */

static void write_tables(void)
{
    char path[128];
    snprintf(path, sizeof path, "%s/l.csv", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "lk,lk32,lb,ls,lf,ld,lm\n");
    for (int i = 0; i < NL; i++) {
        lkey[i] = (int64_t)(next_rand() % 1200);
        int nb = i >= NULL_FROM && i < NULL_TO && i % 3 == 0;
        fprintf(f, "%lld,%lld,%s,%d,%d.5,2020-01-%02d,%d.%02d\n", (long long)lkey[i], (long long)lkey[i],
                nb ? "" : (i % 2 ? "true" : "false"), i % 30000, i, 1 + i % 28, i, i % 100);
    }
    fclose(f);
    snprintf(path, sizeof path, "%s/r.csv", dir);
    f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "rk,rk32,rv\n");
    for (int i = 0; i < NR; i++) {
        rkey[i] = (int64_t)(next_rand() % 800); /* about a third of the domain is duplicated */
        rnull[i] = i % 37 == 0;
        if (rnull[i])
            fprintf(f, ",,%d\n", i);
        else
            fprintf(f, "%lld,%lld,%d\n", (long long)rkey[i], (long long)rkey[i], i);
    }
    fclose(f);
}

static sl_context *open_ctx(void)
{
    sl_context *ctx;
    assert_int_equal(sl_context_create(&ctx), SL_OK);
    sli_csv_set_partition_rows(1000);
    sl_csv_options lo = {0}, ro = {0};
    lo.schema = "lk int64, lk32 int32, lb boolean, ls int16, lf double, ld date, lm decimal(12,2)";
    ro.schema = "rk int64, rk32 int32, rv int64";
    char path[128];
    snprintf(path, sizeof path, "%s/l.csv", dir);
    assert_int_equal(sl_context_register_csv(ctx, "l", path, &lo), SL_OK);
    snprintf(path, sizeof path, "%s/r.csv", dir);
    assert_int_equal(sl_context_register_csv(ctx, "r", path, &ro), SL_OK);
    sli_csv_set_partition_rows(0);
    return ctx;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* @return the result's rows as sorted text lines (free each, then the array); *n their count. */
static char **collect_rows(sl_context *ctx, const char *how, const char *on, size_t *n)
{
    sl_frame *l = sl_frame_table(ctx, "l");
    sl_frame *r = sl_frame_table(ctx, "r");
    sl_frame *j = sl_frame_join_how(l, r, on, how);
    assert_non_null(j);
    sl_result *res = NULL;
    assert_int_equal(sl_frame_collect(j, &res), SL_OK);
    size_t rows = sl_result_row_count(res), nc = sl_result_column_count(res);
    char **out = calloc(rows ? rows : 1, sizeof *out);
    assert_non_null(out);
    for (size_t row = 0; row < rows; row++) {
        char buf[512] = "";
        for (size_t c = 0; c < nc; c++) {
            size_t len = strlen(buf);
            char val[64];
            sl_result_format_value(res, c, row, val, sizeof val);
            snprintf(buf + len, sizeof buf - len, "|%s", sl_result_is_null(res, c, row) ? "NULL" : val);
        }
        out[row] = strdup(buf);
        assert_non_null(out[row]);
    }
    if (rows) qsort(out, rows, sizeof *out, cmp_str);
    sl_result_destroy(res);
    sl_frame_destroy(j);
    sl_frame_destroy(l);
    sl_frame_destroy(r);
    *n = rows;
    return out;
}

/* @return the rows a join of `how` must give: counted here from the keys. */
static size_t expected_rows(const char *how)
{
    size_t total = 0;
    for (int i = 0; i < NL; i++) {
        size_t m = 0;
        for (int j = 0; j < NR; j++) m += !rnull[j] && rkey[j] == lkey[i];
        if (!strcmp(how, "inner"))
            total += m;
        else if (!strcmp(how, "left"))
            total += m ? m : 1;
        else if (!strcmp(how, "semi"))
            total += m > 0;
        else
            total += m == 0;
    }
    return total;
}

static void test_joins_through_buffer(void **state)
{
    (void)state;
    write_tables();
    sl_context *ctx = open_ctx();
    static const char *const hows[] = {"inner", "left", "semi", "anti"};
    static const char *const ons[] = {"lk = rk", "lk32 = rk32"};
    static const size_t limits[] = {300, 0};
    for (size_t h = 0; h < 4; h++) {
        size_t want = expected_rows(hows[h]);
        for (size_t o = 0; o < 2; o++) {
            sli_join_set_partition_rows(0); /* 900 build rows: one directory, probed as rows come */
            size_t nref;
            char **ref = collect_rows(ctx, hows[h], ons[o], &nref);
            assert_int_equal(nref, want);
            for (size_t lim = 0; lim < 2; lim++) {
                sli_join_set_partition_rows(16); /* 64 partitions */
                sli_join_pbuf_set_limit(limits[lim]);
                size_t n;
                char **got = collect_rows(ctx, hows[h], ons[o], &n);
                sli_join_set_partition_rows(0);
                sli_join_pbuf_set_limit(0);
                assert_int_equal(n, nref);
                for (size_t i = 0; i < n; i++) {
                    if (strcmp(got[i], ref[i]))
                        fprintf(stderr, "%s on %s: row %zu: %s, want %s\n", hows[h], ons[o], i, got[i],
                                ref[i]);
                    assert_string_equal(got[i], ref[i]);
                    free(got[i]);
                }
                free(got);
            }
            for (size_t i = 0; i < nref; i++) free(ref[i]);
            free(ref);
        }
    }
    sl_context_destroy(ctx);
}

static int setup(void **state)
{
    (void)state;
    assert_int_equal(tu_make_dir(dir, sizeof dir, "join_partition"), 0);
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
        cmocka_unit_test(test_buffer_one_partition),
        cmocka_unit_test(test_buffer_partitions),
        cmocka_unit_test(test_accepts),
        cmocka_unit_test(test_joins_through_buffer),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
