/*
 * test_agg_fused.c — tests of folding all aggregates of a vector at once
 * (sli_agg_table_update_all, runtime/agg_sum_small.c) and of the one-pass
 * group lookup for dictionary-coded keys (runtime/agg_direct.c).
 *
 * Chunks of random size and selection (none, dense, sparse) feed a table,
 * through sli_agg_table_add or through groups then update_all in turn,
 * grouped by two dictionary-coded strings that keep their dictionaries
 * across chunks (a second dictionary, with the codes permuted, now and
 * then). Sums are checked exactly against __int128 sums computed here by the
 * group each row was given, and each group's keys against the row's strings.
 * Values sit at and past the bound of exact int64 partials (-2^52, 2^52 - 1,
 * 2^52, values near 2^62 whose partials would wrap), a column gets its first
 * NULLs mid-stream, sum and avg of equal computed expressions share states,
 * and tables with more groups or more sums than one pass takes are checked
 * the same way. Rows that a dense selection (about 98%) leaves out hold
 * values near INT64_MAX, which one pass over such a selection adds into a
 * slot it drops.
 */
/* cmocka.h needs these first, in this order */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/agg_table.h"
#include "runtime/buffer.h"
#include "runtime/types.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

enum { MAXC = 12, MAXA = 16, NROWS = 30000 };

/* How a value column is drawn. */
typedef enum vgen {
    V_SMALL,    /* decimal(15,2) sized values */
    V_EDGE,     /* mostly small; some chunks at -2^52, 2^52 - 1 and 2^52 */
    V_HUGE,     /* now and then values near +-2^62 */
    V_LATENULL, /* small, NULL on every 5th row of the second half */
} vgen;

typedef struct setup {
    size_t nstr[2]; /* distinct strings per key */
    size_t ncols;   /* int64 value columns */
    vgen gen[MAXC];
    size_t naggs;
    sli_agg aggs[MAXA];
    sli_expr *exprs[MAXA]; /* owned argument trees */
} setup;

static sli_expr *col(int index, sl_type t)
{
    sli_expr *e = sli_expr_new(SLI_EX_COLUMN, 1, 1);
    assert_non_null(e);
    e->index = index;
    e->type = t;
    return e;
}

/* col a * col b, decimal(18,4): a computed argument (the test computes
 * c0 * c0 for it). */
static sli_expr *product(int a, int b)
{
    sli_expr *e = sli_expr_new(SLI_EX_BINARY, 1, 1);
    assert_non_null(e);
    e->op = SLI_OP_MUL;
    e->type = sli_decimal(18, 4);
    assert_true(sli_expr_push(e, col(a, sli_decimal(18, 2))));
    assert_true(sli_expr_push(e, col(b, sli_decimal(18, 2))));
    return e;
}

static void add_agg(setup *s, sli_agg_fn fn, sli_expr *arg, sl_type type)
{
    assert_true(s->naggs < MAXA);
    s->exprs[s->naggs] = arg;
    s->aggs[s->naggs++] = (sli_agg){fn, arg, type};
}

/* Column types: V_SMALL columns are decimal(15,2) (bounded by the type), the
 * others decimal(18,2). */
static sl_type col_type(const setup *s, size_t c)
{
    return s->gen[c] == V_SMALL ? sli_decimal(15, 2) : sli_decimal(18, 2);
}

static int64_t draw(vgen g, size_t chunk)
{
    switch (g) {
    case V_EDGE:
        if (chunk % 4 == 1) {
            static const int64_t e[] = {-((int64_t)1 << 52), ((int64_t)1 << 52) - 1,
                                        -(((int64_t)1 << 52) - 1)};
            return e[rnd() % 3];
        }
        if (chunk % 4 == 3 && rnd() % 50 == 0) return rnd() % 2 ? (int64_t)1 << 52 : -((int64_t)1 << 52) - 1;
        break;
    case V_HUGE: /* in chunks of every selection kind; all positive in some, so int64 partials wrap */
        if (chunk % 4 >= 2 && rnd() % 8 == 0)
            return (chunk % 4 == 2 || rnd() % 2 ? 1 : -1) * (((int64_t)1 << 62) - (int64_t)(rnd() % 1000));
        break;
    default: break;
    }
    return (int64_t)(rnd() % 2000001) - 1000000;
}

/* Feeds NROWS rows in chunks and checks every group's sums and counts. */
static void run_case(setup *s, bool force_hash)
{
    /* dictionaries: strings "k<key>_<i>", the second with the codes reversed */
    sli_dict dict[2][2];
    char *bytes[2];
    sli_strview *views[2][2];
    for (size_t k = 0; k < 2; k++) {
        size_t m = s->nstr[k];
        bytes[k] = malloc(m * 16);
        assert_non_null(bytes[k]);
        for (size_t d = 0; d < 2; d++) {
            views[k][d] = calloc(m, sizeof(sli_strview));
            assert_non_null(views[k][d]);
            /* one reference, the frame's: tables take and give back their own */
            dict[k][d] = (sli_dict){.refcount = 1, .count = m, .views = views[k][d]};
        }
        for (size_t i = 0; i < m; i++) {
            int len = snprintf(bytes[k] + 16 * i, 16, "k%zu_%zu", k, i);
            views[k][0][i] = (sli_strview){bytes[k] + 16 * i, (uint32_t)len};
            views[k][1][m - 1 - i] = views[k][0][i];
        }
    }
    sl_type kt[2] = {sli_type(SL_TYPE_UTF8), sli_type(SL_TYPE_UTF8)};
    sli_agg_table t;
    assert_int_equal(sli_agg_table_init(&t, kt, 2, s->aggs, s->naggs), SL_OK);
    if (force_hash) sli_agg_table_force_hash(&t);

    /* oracle by group id: sums, non-NULL counts, rows */
    size_t gcap = s->nstr[0] * s->nstr[1] + 1;
    __int128 *sum = calloc(gcap * MAXA, sizeof *sum);
    int64_t *cnt = calloc(gcap * MAXA, sizeof *cnt), *rows = calloc(gcap, sizeof *rows);
    int32_t *codes[2];
    int64_t *vals[MAXC], *prod = sli_buf_alloc(SLI_VEC_SIZE * sizeof *prod);
    uint8_t *valid[MAXC];
    uint32_t *sel = sli_buf_alloc(SLI_VEC_SIZE * sizeof *sel);
    assert_true(sum && cnt && rows && prod && sel);
    for (size_t k = 0; k < 2; k++) assert_non_null(codes[k] = sli_buf_alloc(SLI_VEC_SIZE * sizeof(int32_t)));
    for (size_t c = 0; c < s->ncols; c++) {
        assert_non_null(vals[c] = sli_buf_alloc(SLI_VEC_SIZE * sizeof(int64_t)));
        assert_non_null(valid[c] = sli_buf_alloc(SLI_VEC_SIZE / 8));
    }

    size_t done = 0;
    for (size_t chunk = 0; done < NROWS; chunk++) {
        size_t m = 1 + rnd() % SLI_VEC_SIZE;
        if (m > NROWS - done) m = NROWS - done;
        size_t d = chunk % 5 == 4 ? 1 : 0; /* which dictionary */
        sli_vec keys[2], args[MAXA];
        for (size_t k = 0; k < 2; k++) {
            for (size_t i = 0; i < m; i++) {
                size_t id = rnd() % 3 ? rnd() % 2 : rnd() % s->nstr[k]; /* skewed */
                codes[k][i] = (int32_t)(d ? s->nstr[k] - 1 - id : id);
            }
            keys[k] = (sli_vec){kt[k], codes[k], NULL, &dict[k][d]};
        }
        bool any_null[MAXC] = {false};
        for (size_t c = 0; c < s->ncols; c++) {
            memset(valid[c], 0, SLI_VEC_SIZE / 8);
            for (size_t i = 0; i < m; i++) {
                vals[c][i] = draw(s->gen[c], chunk);
                bool null = s->gen[c] == V_LATENULL && done >= NROWS / 2 && i % 5 == 0;
                if (!null) valid[c][i / 8] |= (uint8_t)(1u << (i % 8));
                any_null[c] |= null;
            }
        }
        for (size_t i = 0; i < m; i++)
            prod[i] = (int64_t)((uint64_t)vals[0][i] *
                                (uint64_t)vals[0][i]); /* wraps for huge values: unused then */
        /* selection: none, dense (about 98%, without the first row and a run
         * of 7 in the middle) or sparse */
        size_t n = 0, how = chunk % 3;
        for (uint32_t i = 0; i < m; i++) {
            bool run = i == 0 || (i >= m / 2 && i < m / 2 + 7);
            if (how == 0 || (how == 1 && rnd() % 50 && !run) || (how == 2 && rnd() % 4 == 0)) sel[n++] = i;
        }
        const uint32_t *sp = how == 0 ? NULL : sel;
        if (how == 1) /* the rows left out hold values that no sum may see */
            for (uint32_t i = 0, j = 0; i < m; i++) {
                if (j < n && sel[j] == i) {
                    j++;
                    continue;
                }
                for (size_t c = 0; c < s->ncols; c++) vals[c][i] = INT64_MAX - (int64_t)(rnd() % 1000);
                prod[i] = INT64_MIN + (int64_t)(rnd() % 1000);
            }
        for (size_t a = 0; a < s->naggs; a++) {
            const sli_expr *e = s->aggs[a].arg;
            if (!e) continue;
            if (e->kind == SLI_EX_BINARY)
                args[a] = (sli_vec){e->type, prod, NULL, NULL};
            else
                args[a] =
                    (sli_vec){e->type, vals[e->index], any_null[e->index] ? valid[e->index] : NULL, NULL};
        }
        size_t failed = 0;
        if (chunk % 2) { /* groups and sums in two calls, or in one (rows counted with the sums) */
            assert_int_equal(sli_agg_table_groups(&t, keys, sp, n), SL_OK);
            assert_int_equal(sli_agg_table_update_all(&t, args, sp, n, &failed), SL_OK);
        } else {
            assert_int_equal(sli_agg_table_add(&t, keys, args, sp, n, &failed), SL_OK);
        }
        for (size_t i = 0; i < n; i++) {
            uint32_t r = sp ? sp[i] : (uint32_t)i;
            uint32_t g = t.gid[r];
            assert_true(g < t.ngroups && g < gcap);
            for (size_t k = 0; k < 2; k++) {
                sli_strview want = dict[k][d].views[codes[k][r]];
                sli_strview got = sli_column_str(&t.keys[k].col, g);
                assert_int_equal(got.len, want.len);
                assert_memory_equal(got.ptr, want.ptr, want.len);
            }
            rows[g]++;
            for (size_t a = 0; a < s->naggs; a++) {
                if (!s->aggs[a].arg) continue;
                const sli_vec *v = &args[a];
                if (v->validity && !(v->validity[r / 8] >> (r % 8) & 1)) continue;
                sum[g * MAXA + a] += ((const int64_t *)v->data)[r];
                cnt[g * MAXA + a]++;
            }
        }
        done += m;
    }

    for (size_t g = 0; g < t.ngroups; g++) {
        if (t.keep_rows) assert_int_equal(t.rows[g], rows[g]);
        for (size_t a = 0; a < s->naggs; a++) {
            const sli_agg *ag = &s->aggs[a];
            if (ag->fn != SLI_AGG_SUM && ag->fn != SLI_AGG_AVG) continue;
            size_t o = t.alias[a];
            __int128 got = ((const __int128 *)t.state[o])[g];
            assert_true(got == sum[g * MAXA + a]);
            if (t.counted[o] || t.keep_rows) /* else every row of the group has a value */
                assert_int_equal(t.counted[o] ? t.count[o][g] : t.rows[g], cnt[g * MAXA + a]);
        }
    }
    sli_agg_table_free(&t);
    free(sum);
    free(cnt);
    free(rows);
    sli_buf_free(prod);
    sli_buf_free(sel);
    for (size_t k = 0; k < 2; k++) {
        sli_buf_free(codes[k]);
        free(bytes[k]);
        for (size_t d = 0; d < 2; d++) free(views[k][d]);
    }
    for (size_t c = 0; c < s->ncols; c++) {
        sli_buf_free(vals[c]);
        sli_buf_free(valid[c]);
    }
}

static void free_setup(setup *s)
{
    for (size_t a = 0; a < s->naggs; a++)
        if (s->exprs[a]) sli_expr_free(s->exprs[a]);
}

/* Q1-like: few groups, sums of bounded, edge, huge and late-NULL columns,
 * sum and avg of one column and of equal computed expressions, count(*). */
static setup q1_like(size_t nstr0, size_t nstr1)
{
    setup s = {.nstr = {nstr0, nstr1}, .ncols = 4, .gen = {V_SMALL, V_EDGE, V_HUGE, V_LATENULL}};
    for (int c = 0; c < 4; c++) add_agg(&s, SLI_AGG_SUM, col(c, col_type(&s, (size_t)c)), sli_decimal(18, 2));
    add_agg(&s, SLI_AGG_AVG, col(1, col_type(&s, 1)), sli_type(SL_TYPE_FLOAT64));
    add_agg(&s, SLI_AGG_COUNT_STAR, NULL, sli_type(SL_TYPE_INT64));
    add_agg(&s, SLI_AGG_SUM, product(0, 0), sli_decimal(18, 4));
    add_agg(&s, SLI_AGG_AVG, product(0, 0), sli_type(SL_TYPE_FLOAT64));
    add_agg(&s, SLI_AGG_AVG, col(3, col_type(&s, 3)), sli_type(SL_TYPE_FLOAT64));
    add_agg(&s, SLI_AGG_MAX, col(0, col_type(&s, 0)), col_type(&s, 0));
    return s;
}

static void test_few_groups(void **state)
{
    (void)state;
    setup s = q1_like(3, 2);
    for (int force_hash = 0; force_hash < 2; force_hash++) run_case(&s, force_hash);
    /* the shares the table found: avg(c1) with sum(c1), avg(c0 * c0) with sum(c0 * c0), avg(c3) with sum(c3)
     */
    sli_agg_table t;
    sl_type kt[2] = {sli_type(SL_TYPE_UTF8), sli_type(SL_TYPE_UTF8)};
    assert_int_equal(sli_agg_table_init(&t, kt, 2, s.aggs, s.naggs), SL_OK);
    assert_int_equal(t.alias[4], 1);
    assert_int_equal(t.alias[7], 6);
    assert_int_equal(t.alias[8], 3);
    assert_int_equal(t.alias[6], 6);
    sli_agg_table_free(&t);
    free_setup(&s);
}

static void test_many_groups(void **state)
{
    (void)state;
    setup s = q1_like(9, 7); /* up to 63 groups: more than one pass takes */
    run_case(&s, false);
    free_setup(&s);
    s = q1_like(8, 4); /* up to 32 groups: as many as one pass takes */
    run_case(&s, false);
    free_setup(&s);
}

static void test_many_sums(void **state)
{
    (void)state;
    setup s = {.nstr = {3, 3}, .ncols = MAXC};
    for (size_t c = 0; c < MAXC; c++) {
        s.gen[c] = c % 3 == 0 ? V_SMALL : c % 3 == 1 ? V_EDGE : V_HUGE;
        add_agg(&s, SLI_AGG_SUM, col((int)c, col_type(&s, c)), sli_decimal(18, 2));
    }
    run_case(&s, false);
    free_setup(&s);
}

/* count(*) and a sum that one pass often cannot take: rows counted alone. */
static void test_counts_only(void **state)
{
    (void)state;
    setup s = {.nstr = {4, 3}, .ncols = 1, .gen = {V_HUGE}};
    add_agg(&s, SLI_AGG_COUNT_STAR, NULL, sli_type(SL_TYPE_INT64));
    add_agg(&s, SLI_AGG_SUM, col(0, col_type(&s, 0)), sli_decimal(18, 2));
    add_agg(&s, SLI_AGG_MAX, col(0, col_type(&s, 0)), col_type(&s, 0));
    run_case(&s, false);
    run_case(&s, true);
    free_setup(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_few_groups),
        cmocka_unit_test(test_many_groups),
        cmocka_unit_test(test_many_sums),
        cmocka_unit_test(test_counts_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
