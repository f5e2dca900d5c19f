/*
 * test_eval_list.c — tests of evaluators over lists of expressions
 * (runtime/eval.h): equal subexpressions are built once and computed once
 * per evaluation, with NULLs flowing through the shared parts; chunks with
 * most rows selected are computed densely, and an overflow on a row outside
 * the selection is not an error while one on a selected row is. Every value
 * is checked against the same arithmetic done here row by row, and against
 * one-expression evaluators of the same trees. Products with a linear term
 * (one kernel pass) are checked in each of their forms, with the errors of
 * an overflow naming the expression that overflowed.
 */
/* cmocka.h needs these first, in this order */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */

#include <stdlib.h>
#include <string.h>

#include "planner/expr.h"
#include "runtime/buffer.h"
#include "runtime/eval.h"
#include "runtime/types.h"

enum { N = SLI_VEC_SIZE, NCOLS = 3 };

static sli_expr *col(int index, sl_type t)
{
    sli_expr *e = sli_expr_new(SLI_EX_COLUMN, 1, 1);
    assert_non_null(e);
    e->index = index;
    e->type = t;
    return e;
}

static sli_expr *lit(int64_t v, sl_type t)
{
    sli_expr *e = sli_expr_new(SLI_EX_LITERAL, 1, 1);
    assert_non_null(e);
    e->lit.type = t;
    e->lit.i = v;
    e->type = t;
    return e;
}

static sli_expr *bin(sli_op op, sli_expr *a, sli_expr *b, sl_type t)
{
    sli_expr *e = sli_expr_new(SLI_EX_BINARY, 1, 1);
    assert_non_null(e);
    e->op = op;
    e->type = t;
    assert_true(sli_expr_push(e, a));
    assert_true(sli_expr_push(e, b));
    return e;
}

/* a * (1 - b) over decimal(18,2) columns a = 0, b = 1: decimal(18,4). */
static sli_expr *disc_price(void)
{
    sl_type d2 = sli_decimal(18, 2);
    return bin(SLI_OP_MUL, col(0, d2), bin(SLI_OP_SUB, lit(100, d2), col(1, d2), d2), sli_decimal(18, 4));
}

/* a * (1 - b) * (1 + c): decimal(18,6). */
static sli_expr *charge(void)
{
    sl_type d2 = sli_decimal(18, 2);
    return bin(SLI_OP_MUL, disc_price(), bin(SLI_OP_ADD, lit(100, d2), col(2, d2), d2), sli_decimal(18, 6));
}

/* The table: three decimal(18,2) columns; b has NULLs on every 7th row. */
typedef struct table {
    int64_t *v[NCOLS];
    uint8_t *bvalid;
    sli_vec cols[NCOLS];
} table;

static void table_init(table *t)
{
    uint64_t x = 12345;
    for (size_t c = 0; c < NCOLS; c++) {
        t->v[c] = sli_buf_alloc(N * sizeof(int64_t));
        assert_non_null(t->v[c]);
        for (size_t i = 0; i < N; i++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            t->v[c][i] = c == 0 ? (int64_t)(x % 10000000) - 5000000 : (int64_t)(x % 11);
        }
        t->cols[c] = (sli_vec){sli_decimal(18, 2), t->v[c], NULL, NULL};
    }
    t->bvalid = sli_buf_alloc(N / 8);
    assert_non_null(t->bvalid);
    for (size_t i = 0; i < N; i++)
        if (i % 7 != 3) t->bvalid[i / 8] |= (uint8_t)(1u << (i % 8));
    t->cols[1].validity = t->bvalid;
}

static void table_free(table *t)
{
    for (size_t c = 0; c < NCOLS; c++) sli_buf_free(t->v[c]);
    sli_buf_free(t->bvalid);
}

static bool valid_at(const sli_vec *v, uint32_t r)
{
    return !v->validity || (v->validity[r / 8] >> (r % 8) & 1);
}

/* Checks x = disc_price and y = charge at the selected rows. */
static void check_values(const table *t, const sli_vec *x, const sli_vec *y, const uint32_t *sel, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t r = sel ? sel[i] : (uint32_t)i;
        bool valid = r % 7 != 3;
        assert_int_equal(valid_at(x, r), valid);
        assert_int_equal(valid_at(y, r), valid);
        if (!valid) continue;
        int64_t dp = t->v[0][r] * (100 - t->v[1][r]);
        assert_int_equal(((const int64_t *)x->data)[r], dp);
        assert_int_equal(((const int64_t *)y->data)[r], dp * (100 + t->v[2][r]));
    }
}

/* The rows of round 0 (every row), 1 (most rows: a dense evaluation) or 2
 * (a sparse selection) into sel. @return their count. */
static size_t round_sel(int round, uint32_t *sel)
{
    size_t n = 0;
    for (uint32_t r = 0; r < N; r++)
        if (round == 0 || (round == 1 && r % 10 != 4) || (round == 2 && r % 5 == 1)) sel[n++] = r;
    return n;
}

static void test_shared_subexpressions(void **state)
{
    (void)state;
    sl_context *ctx = NULL;
    assert_int_equal(sl_context_create(&ctx), SL_OK);
    table t;
    table_init(&t);
    /* disc_price twice (separate but equal trees), charge containing it, a column, nothing */
    sli_expr *e[5] = {disc_price(), charge(), disc_price(), col(0, sli_decimal(18, 2)), NULL};
    assert_true(sli_eval_same_expr(e[0], e[2]));
    assert_false(sli_eval_same_expr(e[0], e[1]));
    assert_true(sli_eval_same_expr(e[1]->args[0], e[0]));
    sli_eval *ev = NULL, *one = NULL;
    assert_int_equal(sli_eval_create_list(ctx, (const sli_expr *const *)e, 5, &ev), SL_OK);
    assert_int_equal(sli_eval_create(ctx, e[1], &one), SL_OK);

    uint32_t *sel = sli_buf_alloc(N * sizeof *sel);
    assert_non_null(sel);
    /* every row; most rows (dense evaluation); a sparse selection */
    for (int round = 0; round < 3; round++) {
        size_t n = round_sel(round, sel);
        sli_chunk c = {N, n, round == 0 ? NULL : sel, NCOLS, t.cols};
        sli_vec out[5], alone;
        memset(out, 0, sizeof out);
        assert_int_equal(sli_eval_values(ev, &c, out), SL_OK);
        check_values(&t, &out[0], &out[1], c.sel, n);
        check_values(&t, &out[2], &out[1], c.sel, n);
        assert_ptr_equal(out[0].data, out[2].data); /* computed once */
        assert_ptr_equal(out[3].data, t.v[0]);
        assert_null(out[4].data); /* a NULL expression leaves its output alone */
        assert_int_equal(sli_eval_value(one, &c, &alone), SL_OK);
        check_values(&t, &out[0], &alone, c.sel, n);
    }
    sli_eval_free(ev);
    sli_eval_free(one);
    for (size_t i = 0; i < 5; i++) sli_expr_free(e[i]);
    sli_buf_free(sel);
    table_free(&t);
    sl_context_destroy(ctx);
}

static void test_overflow_outside_selection(void **state)
{
    (void)state;
    sl_context *ctx = NULL;
    assert_int_equal(sl_context_create(&ctx), SL_OK);
    table t;
    table_init(&t);
    t.v[0][11] = INT64_MAX / 4; /* a * (1 - b) overflows at row 11 (b is not NULL there) */
    t.v[1][11] = 5;
    sli_expr *e[2] = {disc_price(), charge()};
    sli_eval *ev = NULL;
    assert_int_equal(sli_eval_create_list(ctx, (const sli_expr *const *)e, 2, &ev), SL_OK);
    uint32_t *sel = sli_buf_alloc(N * sizeof *sel);
    assert_non_null(sel);
    size_t n = 0;
    for (uint32_t r = 0; r < N; r++)
        if (r != 11) sel[n++] = r;
    sli_chunk c = {N, n, sel, NCOLS, t.cols};
    sli_vec out[2];
    /* twice: the first falls back from the dense attempt, the second starts with the selection */
    for (int i = 0; i < 2; i++) {
        assert_int_equal(sli_eval_values(ev, &c, out), SL_OK);
        check_values(&t, &out[0], &out[1], sel, n);
    }
    /* row 11 selected: a real overflow */
    for (uint32_t r = 0; r < N; r++) sel[r] = r;
    c.count = N;
    assert_int_equal(sli_eval_values(ev, &c, out), SL_ERR_OVERFLOW);
    sli_eval_free(ev);

    /* a fresh evaluator whose first dense attempt must not report row 11 */
    assert_int_equal(sli_eval_create_list(ctx, (const sli_expr *const *)e, 2, &ev), SL_OK);
    n = 0;
    for (uint32_t r = 0; r < N; r++)
        if (r != 11) sel[n++] = r;
    c.count = n;
    assert_int_equal(sli_eval_values(ev, &c, out), SL_OK);
    check_values(&t, &out[0], &out[1], sel, n);
    sli_eval_free(ev);
    for (size_t i = 0; i < 2; i++) sli_expr_free(e[i]);
    sli_buf_free(sel);
    table_free(&t);
    sl_context_destroy(ctx);
}

/* a * (k +- b) in the forms a * (k - b), (k + b) * a, a * (b - k) and
 * a * (b + k) (each one kernel pass): values against the arithmetic done
 * here, on every row, most rows and a sparse selection; an overflow of the
 * linear term names the term, one of the product names the product. */
static void test_linear_forms(void **state)
{
    (void)state;
    sl_context *ctx = NULL;
    assert_int_equal(sl_context_create(&ctx), SL_OK);
    table t;
    table_init(&t);
    sl_type d2 = sli_decimal(18, 2), d4 = sli_decimal(18, 4);
    sli_expr *e[4] = {
        bin(SLI_OP_MUL, col(0, d2), bin(SLI_OP_SUB, lit(250, d2), col(2, d2), d2), d4),
        bin(SLI_OP_MUL, bin(SLI_OP_ADD, lit(-7, d2), col(2, d2), d2), col(0, d2), d4),
        bin(SLI_OP_MUL, col(0, d2), bin(SLI_OP_SUB, col(2, d2), lit(3, d2), d2), d4),
        bin(SLI_OP_MUL, col(0, d2), bin(SLI_OP_ADD, col(2, d2), lit(INT64_MIN, d2), d2), d4),
    };
    sli_eval *ev = NULL;
    assert_int_equal(sli_eval_create_list(ctx, (const sli_expr *const *)e, 3, &ev), SL_OK);
    uint32_t *sel = sli_buf_alloc(N * sizeof *sel);
    assert_non_null(sel);
    for (int round = 0; round < 3; round++) {
        size_t n = round_sel(round, sel);
        sli_chunk c = {N, n, round == 0 ? NULL : sel, NCOLS, t.cols};
        sli_vec out[3];
        assert_int_equal(sli_eval_values(ev, &c, out), SL_OK);
        for (size_t i = 0; i < n; i++) {
            uint32_t r = c.sel ? sel[i] : (uint32_t)i;
            int64_t a = t.v[0][r], b = t.v[2][r];
            assert_int_equal(((const int64_t *)out[0].data)[r], a * (250 - b));
            assert_int_equal(((const int64_t *)out[1].data)[r], (-7 + b) * a);
            assert_int_equal(((const int64_t *)out[2].data)[r], a * (b - 3));
        }
    }
    sli_eval_free(ev);

    /* b + INT64_MIN with b < 0 at some row: the linear term overflows */
    sli_chunk all = {N, N, NULL, NCOLS, t.cols};
    sli_vec v;
    t.v[2][9] = -1;
    assert_int_equal(sli_eval_create(ctx, e[3], &ev), SL_OK);
    assert_int_equal(sli_eval_value(ev, &all, &v), SL_ERR_OVERFLOW);
    const char *msg = sl_context_last_error(ctx);
    assert_non_null(strstr(msg, "overflow in"));
    assert_null(strstr(msg, "*")); /* the sum, not the product */
    sli_eval_free(ev);
    /* a product past int64 at row 9 */
    t.v[0][9] = INT64_MAX / 8;
    t.v[2][9] = 10;
    assert_int_equal(sli_eval_create(ctx, e[0], &ev), SL_OK);
    assert_int_equal(sli_eval_value(ev, &all, &v), SL_ERR_OVERFLOW);
    assert_non_null(strstr(sl_context_last_error(ctx), "*"));
    sli_eval_free(ev);
    for (size_t i = 0; i < 4; i++) sli_expr_free(e[i]);
    sli_buf_free(sel);
    table_free(&t);
    sl_context_destroy(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shared_subexpressions),
        cmocka_unit_test(test_overflow_outside_selection),
        cmocka_unit_test(test_linear_forms),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
