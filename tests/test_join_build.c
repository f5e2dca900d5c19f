/*
 * test_join_build.c — the build side of a hash join, called directly.
 *
 * The write-combined scatter (runtime/join_scatter.c): values of 1, 2, 4 and
 * 8 bytes sent to partitions that start at aligned and unaligned positions,
 * that are empty, that share one staging line with their neighbours, or that
 * span many lines, plus rows that belong to no partition, must land exactly
 * where a plain scatter puts them, and nothing else may be written.
 *
 * The table (runtime/join_table.c): a build on one int64 or int32 key, with
 * and without duplicate keys, with NULL keys, unpartitioned and partitioned,
 * (some after reserving more or fewer rows than they receive) must say
 * whether its keys are unique, and probing every key of a domain
 * wider than the build's must give, per probe row, exactly the build rows
 * with that key (inner and left outer, including a key with more matches
 * than one output vector holds) or the right verdict (semi, anti).
 * Unique keys in a small range make a direct-indexed table (join_dense.c):
 * those builds run both ways, and the direct-indexed table is probed with
 * keys far outside its range, built by one or several workers, and given
 * up for the hash table when a key repeats. Partitioned by key range (flat
 * and ranked), its payload rows must sit in their partitions in input
 * order, the probe's partition words and exact filter must agree with the
 * keys, and probing one partition at a time must find every match.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "runtime/buffer.h"
#include "runtime/join_dense.h"
#include "runtime/join_scatter.h"
#include "runtime/join_table.h"
#include "runtime/workers.h"

static uint64_t rng = 11;
static uint64_t next_rand(void)
{
    rng = rng * 6364136223846793005ull + 1442695040888963407ull;
    return rng >> 33;
}

/* Scatters n values of `width` bytes over np partitions whose sizes come
 * from `sizes` (0 skips a partition); about one row in nine has no
 * partition. Compares with a plain scatter, guard bytes included. */
static void check_scatter(size_t width, const size_t *sizes, size_t np)
{
    size_t total = 0;
    for (size_t p = 0; p < np; p++) total += sizes[p];
    size_t extra = total / 8 + 3, n = total + extra;
    size_t *start = malloc((np + 1) * sizeof *start);
    uint16_t *part = malloc((n ? n : 1) * sizeof *part);
    size_t *left = malloc((np ? np : 1) * sizeof *left);
    uint8_t *in = malloc(n * width + 1);
    uint8_t *out = sli_buf_alloc(total * width), *want = malloc(total * width + SLI_PADDING);
    assert_true(start && part && left && in && out && want);
    start[0] = 0;
    for (size_t p = 0; p < np; p++) start[p + 1] = start[p] + sizes[p];
    memcpy(left, sizes, np * sizeof *left);
    /* partitions in random order, every row of every partition used once */
    size_t placed = 0, skipped = 0;
    for (size_t r = 0; r < n; r++) {
        if (skipped < extra && (placed == total || next_rand() % 9 == 0)) {
            part[r] = (uint16_t)(np + next_rand() % 3); /* no partition */
            skipped++;
            continue;
        }
        size_t p;
        do p = next_rand() % np;
        while (left[p] == 0);
        left[p]--;
        part[r] = (uint16_t)p;
        placed++;
    }
    assert_int_equal(placed, total);
    for (size_t i = 0; i < n * width; i++) in[i] = (uint8_t)next_rand();
    memset(out, 0xa5, total * width + SLI_PADDING);
    memset(want, 0xa5, total * width + SLI_PADDING);
    memcpy(left, start, np * sizeof *left); /* now: the next place of each partition */
    for (size_t r = 0; r < n; r++)
        if (part[r] < np) memcpy(want + left[part[r]]++ * width, in + r * width, width);

    sli_join_wc wc;
    assert_int_equal(sli_join_wc_init(&wc, start, np), SL_OK);
    sli_join_wc_scatter(&wc, in, width, part, n, out);
    assert_memory_equal(out, want, total * width + SLI_PADDING);
    /* the same object serves a second column */
    memset(out, 0xa5, total * width);
    sli_join_wc_scatter(&wc, in, width, part, n, out);
    assert_memory_equal(out, want, total * width + SLI_PADDING);
    /* an output only 8-byte aligned: lines are streamed 8 bytes at a time */
    uint8_t *odd = sli_buf_alloc(total * width + 8);
    memset(odd + 8, 0xa5, total * width + SLI_PADDING - 8);
    sli_join_wc_scatter(&wc, in, width, part, n, odd + 8);
    assert_memory_equal(odd + 8, want, total * width);
    sli_buf_free(odd);
    if (width == 8) { /* 1 to SLI_WC_MAX_COLS columns in one pass: the same places for each */
        uint64_t *ins[SLI_WC_MAX_COLS], *outs[SLI_WC_MAX_COLS], *wants[SLI_WC_MAX_COLS];
        for (size_t nc = 1; nc <= SLI_WC_MAX_COLS; nc++) {
            for (size_t c = 0; c < nc; c++) {
                ins[c] = malloc((n ? n : 1) * 8);
                outs[c] = sli_buf_alloc(total * 8);
                wants[c] = malloc(total * 8 + SLI_PADDING);
                for (size_t r = 0; r < n; r++) {
                    memcpy(&ins[c][r], in + r * 8, 8);
                    ins[c][r] ^= c * 0x9e37;
                }
                memset(outs[c], 0xa5, total * 8 + SLI_PADDING);
                memset(wants[c], 0xa5, total * 8 + SLI_PADDING);
                memcpy(left, start, np * sizeof *left);
                for (size_t r = 0; r < n; r++)
                    if (part[r] < np) wants[c][left[part[r]]++] = ins[c][r];
            }
            assert_int_equal(sli_join_wc_scatter8(&wc, (const uint64_t *const *)ins, nc, part, n, outs),
                             SL_OK);
            for (size_t c = 0; c < nc; c++) {
                assert_memory_equal(outs[c], wants[c], total * 8 + SLI_PADDING);
                free(ins[c]);
                sli_buf_free(outs[c]);
                free(wants[c]);
            }
        }
    }
    sli_join_wc_free(&wc);
    free(start);
    free(part);
    free(left);
    free(in);
    sli_buf_free(out);
    free(want);
}

static void test_scatter(void **state)
{
    (void)state;
    static const size_t widths[] = {1, 2, 4, 8};
    /* empty partitions, one-row partitions, partitions inside one line, long ones */
    static const size_t shapes[][8] = {
        {1, 0, 3, 0, 0, 70, 5, 2},    {0, 0, 0, 0, 0, 0, 0, 9},        {64, 64, 64, 64, 1, 1, 1, 1},
        {7, 9, 13, 1, 300, 2, 0, 33}, {1000, 0, 1, 517, 8, 16, 31, 2}, {0, 0, 0, 0, 0, 0, 0, 0},
    };
    for (size_t w = 0; w < sizeof widths / sizeof *widths; w++)
        for (size_t s = 0; s < sizeof shapes / sizeof *shapes; s++) check_scatter(widths[w], shapes[s], 8);
    /* many partitions of random sizes */
    size_t sizes[300];
    for (size_t p = 0; p < 300; p++) sizes[p] = next_rand() % 5 == 0 ? 0 : next_rand() % 90;
    for (size_t w = 0; w < sizeof widths / sizeof *widths; w++) check_scatter(widths[w], sizes, 300);
    size_t one = 12345;
    check_scatter(8, &one, 1);
}

/* A build side: keys key[0..n) of width 4 or 8 (null[i]: NULL key), payload i. */
typedef struct build {
    size_t n, width;
    size_t reserve; /**< rows to reserve before appending (0: none) */
    int64_t *key;
    uint8_t *null;
} build;

/* The last-level cache size the tables are built for (0: unknown). */
static uint64_t g_llc;

static void make_table_on(sli_join_table *jt, const build *b, const sli_team *team)
{
    sl_type kt = {b->width == 8 ? SL_TYPE_INT64 : SL_TYPE_INT32, 0, 0};
    sl_type vt = {SL_TYPE_INT64, 0, 0};
    assert_int_equal(sli_join_table_init(jt, &vt, 1, &kt, 1), SL_OK);
    jt->llc_bytes = g_llc;
    /* a reservation is a hint: some tables get fewer rows than reserved */
    if (b->reserve) assert_int_equal(sli_join_table_reserve(jt, b->reserve), SL_OK);
    int64_t *vals = malloc(SLI_VEC_SIZE * sizeof *vals);
    void *keys = malloc(SLI_VEC_SIZE * 8);
    uint8_t *valid = malloc(SLI_VEC_SIZE / 8);
    assert_true(vals && keys && valid);
    for (size_t start = 0; start < b->n; start += SLI_VEC_SIZE) {
        size_t m = b->n - start < SLI_VEC_SIZE ? b->n - start : SLI_VEC_SIZE;
        bool anynull = false;
        memset(valid, 0, SLI_VEC_SIZE / 8);
        for (size_t i = 0; i < m; i++) {
            vals[i] = (int64_t)(start + i);
            if (b->width == 8)
                ((int64_t *)keys)[i] = b->key[start + i];
            else
                ((int32_t *)keys)[i] = (int32_t)b->key[start + i];
            if (b->null[start + i])
                anynull = true;
            else
                valid[i / 8] |= (uint8_t)(1u << (i % 8));
        }
        sli_vec pv = {vt, vals, NULL, NULL}, kv = {kt, keys, anynull ? valid : NULL, NULL};
        assert_int_equal(sli_join_table_append(jt, &pv, &kv, NULL, m), SL_OK);
    }
    assert_int_equal(sli_join_table_finish_on(jt, team), SL_OK);
    free(vals);
    free(keys);
    free(valid);
    /* the key range the scan filters test: the least and greatest non-NULL key */
    bool any = false;
    int64_t lo = 0, hi = 0;
    for (size_t i = 0; i < b->n; i++) {
        if (b->null[i]) continue;
        if (!any || b->key[i] < lo) lo = b->key[i];
        if (!any || b->key[i] > hi) hi = b->key[i];
        any = true;
    }
    assert_int_equal(jt->has_range, any);
    if (any) {
        assert_int_equal(jt->kmin, lo);
        assert_int_equal(jt->kmax, hi);
    }
}

static void make_table(sli_join_table *jt, const build *b)
{
    make_table_on(jt, b, NULL);
}

/* Probes keys 0..dom-1 (in vectors) and checks every output against b. */
static void check_probe(const sli_join_table *jt, const build *b, int64_t dom, sli_join_type type)
{
    /* the payload column holds each build row's original index */
    const int64_t *payload = jt->cols[0]->data;
    size_t *want = calloc((size_t)dom, sizeof *want), *got = calloc((size_t)dom, sizeof *got);
    assert_true(want && got);
    for (size_t i = 0; i < b->n; i++)
        if (!b->null[i]) want[b->key[i]]++;
    sli_join_probe p;
    assert_int_equal(sli_join_probe_init(&p), SL_OK);
    void *keys = malloc(SLI_VEC_SIZE * 8);
    uint32_t *prow = malloc(SLI_VEC_SIZE * sizeof *prow), *brow = malloc(SLI_VEC_SIZE * sizeof *brow);
    assert_true(keys && prow && brow);
    sl_type kt = {b->width == 8 ? SL_TYPE_INT64 : SL_TYPE_INT32, 0, 0};
    for (int64_t start = 0; start < dom; start += SLI_VEC_SIZE) {
        size_t m = dom - start < SLI_VEC_SIZE ? (size_t)(dom - start) : SLI_VEC_SIZE;
        for (size_t i = 0; i < m; i++) {
            if (b->width == 8)
                ((int64_t *)keys)[i] = start + (int64_t)i;
            else
                ((int32_t *)keys)[i] = (int32_t)(start + (int64_t)i);
        }
        sli_vec kv = {kt, keys, NULL, NULL};
        assert_int_equal(sli_join_probe_start(&p, jt, type, &kv, NULL, m), SL_OK);
        size_t k;
        uint8_t seen[SLI_VEC_SIZE] = {0};
        while ((k = sli_join_probe_next(&p, jt, prow, brow)) > 0) {
            for (size_t i = 0; i < k; i++) {
                int64_t key = start + prow[i];
                if (type == SLI_JOIN_SEMI || type == SLI_JOIN_ANTI) {
                    assert_int_equal(want[key] > 0, type == SLI_JOIN_SEMI);
                    seen[prow[i]]++;
                    continue;
                }
                if (brow[i] == SLI_JOIN_END) {
                    assert_int_equal(type, SLI_JOIN_LEFT);
                    assert_int_equal(want[key], 0);
                    seen[prow[i]]++;
                    continue;
                }
                size_t orig = (size_t)payload[brow[i]];
                assert_false(b->null[orig]);
                assert_int_equal(b->key[orig], key);
                got[key]++;
            }
        }
        for (size_t i = 0; i < m; i++) {
            int64_t key = start + (int64_t)i;
            if (type == SLI_JOIN_SEMI) assert_int_equal(seen[i], want[key] > 0);
            if (type == SLI_JOIN_ANTI) assert_int_equal(seen[i], want[key] == 0);
            if (type == SLI_JOIN_LEFT && want[key] == 0) assert_int_equal(seen[i], 1);
        }
    }
    if (type == SLI_JOIN_INNER || type == SLI_JOIN_LEFT)
        for (int64_t key = 0; key < dom; key++) assert_int_equal(got[key], want[key]);
    sli_join_probe_free(&p);
    free(keys);
    free(prow);
    free(brow);
    free(want);
    free(got);
}

/* Builds n rows over keys 0..dom-1 (unique: a permutation of a subset) and
 * checks the unique flag, whether the table is direct-indexed (`dense`,
 * under the automatic policy), and every join type; then once more with
 * direct-indexed tables turned off, when it was one. */
static void check_table_dense(size_t n, size_t width, bool unique, int nulls, size_t part_rows, int64_t dom,
                              bool dense)
{
    build b = {n, width, n % 3 == 0 ? n : n / 2, malloc((n ? n : 1) * sizeof(int64_t)), calloc(n ? n : 1, 1)};
    assert_true(b.key && b.null);
    for (size_t i = 0; i < n; i++) {
        b.key[i] = unique ? (int64_t)i * 3 % dom : (int64_t)(next_rand() % (uint64_t)(dom / 2));
        b.null[i] = nulls && i % (size_t)nulls == 1;
    }
    /* one key with more matches than an output vector holds */
    if (!unique)
        for (size_t i = 0; i < n && i < 2 * SLI_VEC_SIZE + 100; i += 2) b.key[i] = 5;
    for (size_t i = n; unique && i > 1; i--) { /* shuffle */
        size_t j = next_rand() % i;
        int64_t t = b.key[i - 1];
        b.key[i - 1] = b.key[j];
        b.key[j] = t;
    }
    for (int mode = -1; mode <= 0; mode++) {
        if (mode == 0 && !dense) break;
        sli_join_set_dense(mode);
        sli_join_set_partition_rows(part_rows);
        sli_join_table jt;
        make_table(&jt, &b);
        sli_join_set_partition_rows(0);
        sli_join_set_dense(-1);
        assert_int_equal(jt.unique, unique);
        assert_int_equal(jt.rows, n);
        assert_int_equal(jt.dense != NULL, dense && mode == -1);
        char how[96]; /* what EXPLAIN ANALYZE prints for the build */
        sli_join_table_describe(&jt, how, sizeof how);
        assert_int_equal(strncmp(how, "direct-indexed over ", 20) == 0, jt.dense != NULL);
        assert_int_equal(strncmp(how, "hash table in ", 14) == 0, jt.dense == NULL);
        if (!jt.dense) assert_int_equal(strstr(how, ", unique keys") != NULL, unique);
        for (int t = SLI_JOIN_INNER; t <= SLI_JOIN_ANTI; t++) check_probe(&jt, &b, dom, (sli_join_type)t);
        sli_join_table_free(&jt);
    }
    free(b.key);
    free(b.null);
}

/* check_table_dense for a table that is not direct-indexed: keys repeat,
 * or they are too sparse (dom is past 64 values a row and 256K). */
static void check_table(size_t n, size_t width, bool unique, int nulls, size_t part_rows, int64_t dom)
{
    check_table_dense(n, width, unique, nulls, part_rows, dom, false);
}

static void test_table_unique(void **state)
{
    (void)state;
    /* dom is a multiple of neither 3 nor 2, so i * 3 % dom is unique for i < dom */
    check_table_dense(20000, 8, true, 0, 512, 40001, true);
    check_table_dense(20000, 8, true, 7, 512, 40001, true);
    check_table_dense(20000, 4, true, 0, 512, 40001, true);
    check_table_dense(3000, 8, true, 0, 0, 6001, true); /* one unpartitioned directory */
    check_table_dense(1, 8, true, 0, 0, 5, true);
}

/* The ranked-form policy the tests set (sli_join_set_dense_ranked). */
static int g_ranked = -1;

static void set_ranked(int mode)
{
    g_ranked = mode;
    sli_join_set_dense_ranked(mode);
}

static void dense_edges_all(void);

/* A direct-indexed table probed with keys far outside its range (the
 * subtraction of kmin wraps around), built by a team of `workers`; with
 * nulls, every 7th build key is NULL (and matches nothing). */
static void check_dense_edges(size_t width, int64_t base, size_t n, size_t stride, size_t workers,
                              bool repeat, bool nulls)
{
    build b = {n, width, 0, malloc(n * sizeof(int64_t)), calloc(n, 1)};
    assert_true(b.key && b.null);
    for (size_t i = 0; i < n; i++) /* 11 and n coprime: unique */
        b.key[i] = (int64_t)((uint64_t)base + (i * 11) % n * stride);
    if (repeat) b.key[n - 1] = b.key[n / 2];
    for (size_t i = 0; nulls && i < n; i++) b.null[i] = i % 7 == 3;
    sli_team team;
    assert_int_equal(sli_team_init(&team, workers, NULL, SLI_NUMA_OFF, false), SL_OK);
    sli_join_table jt;
    make_table_on(&jt, &b, &team);
    sli_team_free(&team);
    uint64_t span = (uint64_t)(n - 1) * stride + 1;
    bool dense = !repeat && (span <= (1u << 18) || span / 8 <= n || (g_ranked != 0 && span / 64 <= n));
    assert_int_equal(jt.dense != NULL, dense);
    /* the ranked form: forced, or a range of flat entries past an eighth of
     * the last-level cache (at least 1 MiB) at most half used */
    uint64_t fits = g_llc / 8 > ((uint64_t)1 << 20) ? g_llc / 8 : (uint64_t)1 << 20;
    bool ranked = g_ranked == 1 || (g_ranked == -1 && ((span * 4 > fits && 2 * n < span) || span / 8 > n));
    assert_int_equal(jt.dense_blocks != NULL, dense && ranked);
    assert_int_equal(jt.unique, !repeat);
    const int64_t wide[] = {INT64_MIN, INT64_MAX, INT32_MIN, INT32_MAX, -1, 0, 1};
    int64_t probe[64];
    size_t np = 0;
    for (size_t i = 0; i < sizeof wide / sizeof wide[0]; i++)
        if (width == 8 || (wide[i] >= INT32_MIN && wide[i] <= INT32_MAX)) probe[np++] = wide[i];
    /* around the range, wrapping where base is at the end of int64 */
    const uint64_t off[] = {(uint64_t)-1, 0, 1, stride, n - 1, n, 3 * n, (n - 1) * stride};
    for (size_t i = 0; i < sizeof off / sizeof off[0]; i++) probe[np++] = (int64_t)((uint64_t)base + off[i]);
    int32_t k32[64];
    for (size_t i = 0; i < np; i++) {
        k32[i] = (int32_t)probe[i];
        if (width == 4) probe[i] = k32[i]; /* the value probed */
    }
    sl_type kt = {width == 8 ? SL_TYPE_INT64 : SL_TYPE_INT32, 0, 0};
    sli_vec kv = {kt, width == 8 ? (void *)probe : (void *)k32, NULL, NULL};
    sli_join_probe p;
    assert_int_equal(sli_join_probe_init(&p), SL_OK);
    uint32_t prow[SLI_VEC_SIZE], brow[SLI_VEC_SIZE];
    const int64_t *payload = jt.cols[0]->data; /* each build row's original index */
    size_t matches = 0, want = 0;
    for (size_t i = 0; i < np; i++)
        for (size_t r = 0; r < n; r++) want += b.key[r] == probe[i] && !b.null[r];
    assert_int_equal(sli_join_probe_start(&p, &jt, SLI_JOIN_INNER, &kv, NULL, np), SL_OK);
    for (size_t k; (k = sli_join_probe_next(&p, &jt, prow, brow)) > 0;)
        for (size_t i = 0; i < k; i++, matches++) assert_int_equal(b.key[payload[brow[i]]], probe[prow[i]]);
    assert_int_equal(matches, want);
    sli_join_probe_free(&p);
    sli_join_table_free(&jt);
    free(b.key);
    free(b.null);
}

static void test_table_dense(void **state)
{
    (void)state;
    dense_edges_all();
}

/* The ranked form of direct-indexed tables: forced on every case above,
 * then chosen by itself for sparse ranges (4, 8 and 40 values a row) past 256K
 * values, filled by one worker and by teams. */
static void test_table_ranked(void **state)
{
    (void)state;
    set_ranked(1);
    dense_edges_all();
    check_table_dense(20000, 8, true, 7, 512, 40001, true);
    check_table_dense(20000, 4, true, 0, 512, 40001, true);
    set_ranked(-1);
    check_dense_edges(8, -7, 100000, 4, 1, false, false);
    check_dense_edges(8, INT64_MIN, 100000, 4, 3, false, true);
    check_dense_edges(4, INT32_MAX - 799999, 100000, 8, 2, false, false);
    check_dense_edges(8, 10, 100000, 4, 2, true, false); /* a repeated key: hashed instead */
    /* past 4M values: the probe prefetches blocks and build rows ahead */
    check_table_dense(1500000, 8, true, 9, 0, 4500001, true);
    /* a last-level cache of 512 MiB holds flat arrays up to 64 MiB */
    g_llc = (uint64_t)512 << 20;
    check_dense_edges(8, -7, 100000, 4, 1, false, false); /* 400K values (1.6 MiB flat): flat */
    check_dense_edges(8, -5, 9000, 40, 2, false, false);  /* 40 values a row: ranked all the same */
    g_llc = 0;
    set_ranked(0); /* never: the flat array even for a sparse range, and none past 8 values a row */
    check_dense_edges(8, -7, 100000, 4, 2, false, true);
    check_dense_edges(8, -5, 9000, 40, 1, false, false);
    set_ranked(-1);
}

static void dense_edges_all(void)
{
    check_dense_edges(8, -1000, 5000, 1, 1, false, false);
    check_dense_edges(4, -1000, 5000, 1, 1, false, false);
    check_dense_edges(8, INT64_MAX - 99999, 100000, 1, 3, false, false); /* filled by three workers */
    check_dense_edges(8, INT64_MIN, 70000, 1, 2, false, false);
    check_dense_edges(4, INT32_MIN, 70000, 1, 4, false, false);
    check_dense_edges(8, 10, 70000, 1, 2, true, false); /* a repeated key: hashed instead */
    check_dense_edges(8, 10, 70000, 1, 2, false, true); /* NULL keys, filled by two workers */
    check_dense_edges(4, 10, 70000, 1, 3, true, true);
    check_dense_edges(8, 10, 500, 1, 1, true, false);
    check_dense_edges(8, -5, 9000, 40, 1, false, false); /* 40 values a row, past 256K: ranked */
    check_dense_edges(8, -5, 4000, 80, 1, false, false); /* 80 values a row, past 256K: hashed */
    check_dense_edges(8, 3, 300, 7, 1, false, true);     /* 7 values a row, in 256K */
}

static void test_table_duplicates(void **state)
{
    (void)state;
    check_table(20000, 8, false, 0, 512, 30001);
    check_table(20000, 4, false, 5, 512, 30001);
    check_table(6000, 8, false, 3, 0, 9001);
}

static void test_table_empty(void **state)
{
    (void)state;
    check_table(0, 8, true, 0, 0, 100); /* no rows: no duplicates */
    /* only NULL keys: nothing in the directory, and nothing is a duplicate */
    build b = {300, 8, 1000, calloc(300, sizeof(int64_t)), malloc(300)};
    assert_true(b.key && b.null);
    memset(b.null, 1, 300);
    sli_join_set_partition_rows(16);
    sli_join_table jt;
    make_table(&jt, &b);
    sli_join_set_partition_rows(0);
    assert_true(jt.unique);
    for (int t = SLI_JOIN_INNER; t <= SLI_JOIN_ANTI; t++) check_probe(&jt, &b, 50, (sli_join_type)t);
    sli_join_table_free(&jt);
    free(b.key);
    free(b.null);
}

/* A build's string payloads become dictionary codes when the build is
 * small, except, past 1024 rows, a column with more than a quarter as many
 * values as rows (nearly unique strings gain nothing from codes). */
static void check_string_payloads(size_t n, bool few_coded, bool unique_coded)
{
    sl_type st = {SL_TYPE_UTF8, 0, 0}, kt = {SL_TYPE_INT64, 0, 0};
    sl_type vt[2] = {st, st};
    sli_join_table jt;
    assert_int_equal(sli_join_table_init(&jt, vt, 2, &kt, 1), SL_OK);
    char *text = malloc(n * 32);
    sli_strview *few = malloc(SLI_VEC_SIZE * sizeof *few), *uniq = malloc(SLI_VEC_SIZE * sizeof *uniq);
    int64_t *keys = malloc(SLI_VEC_SIZE * sizeof *keys);
    assert_true(text && few && uniq && keys);
    for (size_t start = 0; start < n; start += SLI_VEC_SIZE) {
        size_t m = n - start < SLI_VEC_SIZE ? n - start : SLI_VEC_SIZE;
        for (size_t i = 0; i < m; i++) {
            size_t r = start + i;
            char *u = text + r * 32;
            int len = snprintf(u, 32, "name%zu", r);
            uniq[i] = (sli_strview){u, (uint32_t)len};
            few[i] = (sli_strview){r % 3 ? "red" : "blue", r % 3 ? 3u : 4u};
            keys[i] = (int64_t)r;
        }
        sli_vec pv[2] = {{st, few, NULL, NULL}, {st, uniq, NULL, NULL}}, kv = {kt, keys, NULL, NULL};
        assert_int_equal(sli_join_table_append(&jt, pv, &kv, NULL, m), SL_OK);
    }
    assert_int_equal(sli_join_table_finish(&jt), SL_OK);
    assert_int_equal(jt.cols[0]->dict != NULL, few_coded);
    assert_int_equal(jt.cols[1]->dict != NULL, unique_coded);
    for (size_t r = 0; r < n; r += 97) { /* the strings read back either way */
        char want[32];
        snprintf(want, sizeof want, "name%zu", r);
        sli_strview got = sli_column_str(jt.cols[1], r);
        assert_int_equal(got.len, strlen(want));
        assert_memory_equal(got.ptr, want, got.len);
        got = sli_column_str(jt.cols[0], r);
        assert_int_equal(got.len, r % 3 ? 3 : 4);
    }
    sli_join_table_free(&jt);
    free(text);
    free(few);
    free(uniq);
    free(keys);
}

static void test_string_payloads(void **state)
{
    (void)state;
    check_string_payloads(1000, true, true);    /* a dimension's few rows: all coded */
    check_string_payloads(5000, true, false);   /* unique names stay plain */
    check_string_payloads(70000, false, false); /* past 64K rows: no codes */
}

/* A direct-indexed table partitioned by key range (small partitions set by
 * the test hook): each partition's payload rows hold exactly its keys, in
 * input order, NULL keys after them; the probe's partition words and exact
 * filter agree with the keys; probes of every join type, and probes of one
 * partition at a time (local), find every match. */
static void check_dense_parts(size_t n, size_t width, int ranked, int nulls, int64_t dom, size_t workers)
{
    build b = {n, width, 0, malloc(n * sizeof(int64_t)), calloc(n, 1)};
    assert_true(b.key && b.null);
    for (size_t i = 0; i < n; i++) {
        b.key[i] = (int64_t)i * 3 % dom;
        b.null[i] = nulls && i % (size_t)nulls == 1;
    }
    for (size_t i = n; i > 1; i--) { /* shuffle */
        size_t j = next_rand() % i;
        int64_t t = b.key[i - 1];
        b.key[i - 1] = b.key[j];
        b.key[j] = t;
    }
    set_ranked(ranked);
    sli_join_set_partition_rows(512);
    sli_team team;
    assert_int_equal(sli_team_init(&team, workers, NULL, SLI_NUMA_OFF, false), SL_OK);
    sli_join_table jt;
    make_table_on(&jt, &b, &team);
    sli_team_free(&team);
    sli_join_set_partition_rows(0);
    set_ranked(-1);
    assert_non_null(jt.dense);
    assert_int_equal(jt.dense_blocks != NULL, ranked == 1);
    assert_true(jt.pbits > 0);
    char how[128];
    sli_join_table_describe(&jt, how, sizeof how);
    assert_non_null(strstr(how, " partitions by key range"));

    /* the payload holds each build row's original index */
    const int64_t *payload = jt.cols[0]->data;
    size_t np = (size_t)1 << jt.pbits, valid = 0;
    for (size_t i = 0; i < n; i++) valid += !b.null[i];
    assert_int_equal(jt.prow[0], 0);
    assert_int_equal(jt.prow[np], valid);
    for (size_t p = 0; p < np; p++) {
        assert_true(jt.prow[p] <= jt.prow[p + 1]);
        for (size_t i = jt.prow[p]; i < jt.prow[p + 1]; i++) {
            size_t orig = (size_t)payload[i];
            assert_false(b.null[orig]);
            assert_int_equal((uint64_t)(b.key[orig] - jt.kmin) >> jt.dense_shift, p);
            if (i > jt.prow[p]) assert_true(payload[i - 1] < payload[i]); /* input order */
        }
    }
    for (size_t i = valid; i < n; i++) assert_true(b.null[payload[i]]);

    /* partition words and the exact filter, over the domain and past it */
    size_t nk = (size_t)dom + 4;
    int64_t *k64 = malloc(nk * sizeof *k64);
    int32_t *k32 = malloc(nk * sizeof *k32);
    uint64_t *words = malloc(nk * sizeof *words);
    uint32_t *kept = malloc(nk * sizeof *kept), *rows = malloc(nk * sizeof *rows);
    uint8_t *present = calloc((size_t)dom, 1);
    assert_true(k64 && k32 && words && kept && rows && present);
    for (size_t i = 0; i < n; i++)
        if (!b.null[i]) present[b.key[i]] = 1;
    for (size_t i = 0; i < nk; i++) {
        k64[i] = i < (size_t)dom ? (int64_t)i : i == (size_t)dom ? -5 : dom + (int64_t)i * 1000;
        k32[i] = (int32_t)k64[i];
    }
    sl_type kt = {width == 8 ? SL_TYPE_INT64 : SL_TYPE_INT32, 0, 0};
    sli_vec kv = {kt, width == 8 ? (void *)k64 : (void *)k32, NULL, NULL};
    sli_join_dense_parts(&jt, &kv, NULL, nk, words);
    size_t m = sli_join_dense_select(&jt, &kv, NULL, nk, kept), want = 0;
    for (size_t i = 0; i < nk; i++) {
        bool in = k64[i] >= jt.kmin && k64[i] <= jt.kmax;
        uint64_t q = in ? (uint64_t)(k64[i] - jt.kmin) >> jt.dense_shift : 0;
        assert_int_equal(words[i] >> (64 - jt.pbits), q);
        if (i < (size_t)dom && present[i]) assert_int_equal(kept[want++], i);
    }
    assert_int_equal(m, want);

    /* every partition's keys probed together, as the probe operator does */
    sli_join_probe pr;
    assert_int_equal(sli_join_probe_init(&pr), SL_OK);
    uint32_t prow[SLI_VEC_SIZE], brow[SLI_VEC_SIZE];
    size_t found = 0;
    for (size_t p = 0; p < np; p++) {
        size_t nr = 0;
        for (size_t i = 0; i < nk; i++)
            if (words[i] >> (64 - jt.pbits) == p) rows[nr++] = (uint32_t)i;
        for (size_t at = 0; at < nr; at += SLI_VEC_SIZE) {
            size_t c = nr - at < SLI_VEC_SIZE ? nr - at : SLI_VEC_SIZE;
            pr.local = true;
            assert_int_equal(sli_join_probe_start(&pr, &jt, SLI_JOIN_INNER, &kv, rows + at, c), SL_OK);
            for (size_t k; (k = sli_join_probe_next(&pr, &jt, prow, brow)) > 0;)
                for (size_t i = 0; i < k; i++, found++) {
                    assert_true(brow[i] >= jt.prow[p] && brow[i] < jt.prow[p + 1]);
                    assert_int_equal(b.key[payload[brow[i]]], k64[prow[i]]);
                }
        }
    }
    assert_int_equal(found, valid);
    sli_join_probe_free(&pr);
    for (int t = SLI_JOIN_INNER; t <= SLI_JOIN_ANTI; t++) check_probe(&jt, &b, dom, (sli_join_type)t);
    sli_join_table_free(&jt);
    free(k64);
    free(k32);
    free(words);
    free(kept);
    free(rows);
    free(present);
    free(b.key);
    free(b.null);
}

static void test_table_dense_parts(void **state)
{
    (void)state;
    /* dom is a multiple of neither 2 nor 3: the keys i * 3 % dom are unique */
    check_dense_parts(20000, 8, 0, 0, 40001, 1);
    check_dense_parts(20000, 4, 0, 7, 40001, 2);
    check_dense_parts(20000, 8, 1, 0, 400001, 2);
    check_dense_parts(20000, 4, 1, 5, 400001, 1);
    /* past 64K rows a team plans and moves the partitions, a share each */
    check_dense_parts(100000, 8, 0, 9, 200003, 3);
    check_dense_parts(100000, 4, 1, 0, 1000001, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scatter),          cmocka_unit_test(test_table_unique),
        cmocka_unit_test(test_table_dense),      cmocka_unit_test(test_table_ranked),
        cmocka_unit_test(test_table_duplicates), cmocka_unit_test(test_table_empty),
        cmocka_unit_test(test_string_payloads),  cmocka_unit_test(test_table_dense_parts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
