/*
 * eval.c — vectorized expression evaluation over chunks (see eval.h).
 *
 * The evaluator mirrors the expression tree with one node per expression
 * node; each node owns its scratch buffers. Value evaluation returns a
 * vector; selection evaluation narrows a selection vector. Every loop over
 * rows lives in a kernel (the kernels/ headers); this file only chooses kernels and
 * wires buffers.
 */
#include "eval.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "buffer.h"
#include "context.h"
#include "eval_bounds.h"
#include "kernels/arith.h"
#include "kernels/cast.h"
#include "kernels/date.h"
#include "kernels/filter.h"
#include "kernels/gather.h"
#include "kernels/like.h"
#include "planner/bind.h"
#include "types.h"

typedef struct enode {
    const sli_expr *e;
    struct enode **kids; /**< one per argument (ORDER, ALIAS: the first only) */
    size_t nkids;
    struct enode *neg;  /**< predicate used as a value: its negation */
    sli_expr *neg_expr; /**< owned */
    void *vals;         /**< SLI_VEC_SIZE values (16 bytes each at most) */
    void *tmp;          /**< second value buffer for two-step casts */
    uint8_t *valid;     /**< SLI_VEC_SIZE validity bits */
    uint32_t *s1, *s2, *s3;
    const sli_dict *pass_dict; /**< dictionary `pass` was computed for */
    uint64_t pass_id;          /**< its id (a freed dictionary's address may come back) */
    uint8_t *pass;
    size_t pass_cap;
    int8_t range;     /**< AND: 0 not looked at yet, 1 ends with a range test (below), -1 does not */
    bool range_empty; /**< the range holds no value */
    struct enode *rval, *rrest; /**< the range's value; the conjuncts before it (NULL: none) */
    int64_t rlo, rhi;           /**< inclusive integer bounds */
    double rflo, rfhi;          /**< float bounds */
    size_t refs;                /**< parents and roots using the node; shared (cached) when > 1 */
    uint64_t gen;               /**< shared: the evaluation `cached` belongs to */
    sli_vec cached;             /**< shared: the value computed in evaluation `gen` */
    /* MUL: lin 0 not looked at yet, 1 a * (k +- b) in one kernel (find_linear), -1 not;
     * lin_a the factor, lin_b the column of the linear term, lin_k its
     * constant, lin_neg k - b (else k + b). */
    int8_t lin;
    struct enode *lin_a, *lin_b;
    int64_t lin_k;
    bool lin_neg;
} enode;

/* A conjunct of an AND chain: node nd (plain), or the range test AND node nd ends with. */
typedef struct conj {
    enode *nd;
    bool range;
} conj;

struct sli_eval {
    sl_context *ctx;
    enode **roots; /**< one per expression (NULL for a NULL expression) */
    size_t nroots;
    uint64_t gen;  /**< evaluations so far: shared nodes compute once per value */
    bool dense_ok; /**< every root is plain arithmetic that may run on all rows */
    bool no_dense; /**< a dense attempt failed once: only selected rows from now on */
    bool quiet;    /**< a dense attempt: arithmetic errors are not recorded on ctx */
    const sl_filter_kernels *fk;
    const sl_arith_kernels *ak;
    const sl_cast_kernels *ck;
    const sl_gather_kernels *gk;
    const sl_date_kernels *dk;
    const sl_like_kernels *lk;
    uint64_t bits[SLI_VEC_SIZE / 64]; /**< a dense conjunction's rows (select_dense) */
    conj conj[SLI_DENSE_MAX_CONJ];    /**< the root's conjuncts (root_conjuncts) */
    size_t nconj;                     /**< how many (0: not looked at yet) */
    uint32_t *wrow[3];                /**< a window's selected rows, in steps (sparse_tests) */
    size_t wcap;                      /**< entries of each */
};

static void node_free(enode *n)
{
    if (!n || --n->refs > 0) return;
    for (size_t i = 0; i < n->nkids; i++) node_free(n->kids[i]);
    free(n->kids);
    node_free(n->neg);
    sli_expr_free(n->neg_expr);
    sli_buf_free(n->vals);
    sli_buf_free(n->tmp);
    sli_buf_free(n->valid);
    sli_buf_free(n->s1);
    sli_buf_free(n->s2);
    sli_buf_free(n->s3);
    free(n->pass);
    free(n);
}

static bool is_predicate(const sli_expr *e)
{
    if (e->kind == SLI_EX_IS_NULL || sli_is_call(e, SLI_LIKE)) return true;
    return e->kind == SLI_EX_BINARY && e->op >= SLI_OP_EQ && e->op <= SLI_OP_OR;
}

static void fill_literal(enode *n)
{
    const sli_value *v = &n->e->lit;
    if (v->is_null) return; /* validity stays all zero */
    memset(n->valid, 0xff, SLI_VEC_SIZE / 8);
    switch (sli_ptype(n->e->type)) {
    case SL_P_I8:
        for (size_t i = 0; i < SLI_VEC_SIZE; i++) ((int8_t *)n->vals)[i] = (int8_t)v->i;
        break;
    case SL_P_I16:
        for (size_t i = 0; i < SLI_VEC_SIZE; i++) ((int16_t *)n->vals)[i] = (int16_t)v->i;
        break;
    case SL_P_I32:
        for (size_t i = 0; i < SLI_VEC_SIZE; i++) ((int32_t *)n->vals)[i] = (int32_t)v->i;
        break;
    case SL_P_I64:
        for (size_t i = 0; i < SLI_VEC_SIZE; i++) ((int64_t *)n->vals)[i] = v->i;
        break;
    case SL_P_F64:
        for (size_t i = 0; i < SLI_VEC_SIZE; i++) ((double *)n->vals)[i] = v->f;
        break;
    default: {
        sli_strview sv = {v->s ? v->s : "", (uint32_t)v->slen};
        for (size_t i = 0; i < SLI_VEC_SIZE; i++) ((sli_strview *)n->vals)[i] = sv;
    }
    }
}

/* Nodes that the expressions of one evaluator may share: values that every
 * parent computes on its own selection, so equal subtrees compute the same
 * rows. Conditions of a case and operands of predicates run on narrower
 * selections and are never shared. */
static bool shareable(const sli_expr *e)
{
    switch (e->kind) {
    case SLI_EX_CAST: return true;
    case SLI_EX_CALL: return !is_predicate(e);
    case SLI_EX_UNARY: return e->op == SLI_OP_NEG;
    case SLI_EX_BINARY: return e->op < SLI_OP_EQ;
    default: return false;
    }
}

/* The shareable nodes built so far for one evaluator. */
typedef struct node_pool {
    enode **nodes;
    size_t n, cap;
} node_pool;

static bool pool_add(node_pool *p, enode *n)
{
    if (p->n == p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 16;
        enode **q = realloc(p->nodes, cap * sizeof *q);
        if (!q) return false;
        p->nodes = q;
        p->cap = cap;
    }
    p->nodes[p->n++] = n;
    return true;
}

/* Builds the node of e and its subtree. With a pool, a shareable expression
 * equal to one built before reuses that node (one more reference), and the
 * children of shareable nodes may be shared in turn; pool NULL shares nothing
 * below. Sets *ok false on NOMEM (the returned tree is then freed whole). */
static enode *node_new(sl_context *ctx, const sli_expr *e, node_pool *pool, bool *ok)
{
    bool share = pool && shareable(e);
    if (share)
        for (size_t i = 0; i < pool->n; i++)
            if (sli_eval_same_expr(pool->nodes[i]->e, e)) {
                pool->nodes[i]->refs++;
                return pool->nodes[i];
            }
    enode *n = calloc(1, sizeof *n);
    if (!n) {
        *ok = false;
        return NULL;
    }
    n->e = e;
    n->refs = 1;
    n->vals = sli_buf_alloc(SLI_VEC_SIZE * sizeof(sli_strview));
    n->valid = sli_buf_alloc(SLI_VEC_SIZE / 8);
    /* casts: a second value buffer; predicates: two selections; substring: decoded views */
    bool tmp = e->kind == SLI_EX_CAST || is_predicate(e) || sli_is_call(e, SLI_SUBSTRING);
    if (tmp) n->tmp = sli_buf_alloc(SLI_VEC_SIZE * sizeof(sli_strview));
    n->s1 = sli_buf_alloc(SLI_VEC_SIZE * sizeof(uint32_t));
    n->s2 = sli_buf_alloc(SLI_VEC_SIZE * sizeof(uint32_t));
    n->s3 = sli_buf_alloc(SLI_VEC_SIZE * sizeof(uint32_t));
    if (!n->vals || !n->valid || (tmp && !n->tmp) || !n->s1 || !n->s2 || !n->s3) *ok = false;
    size_t nk = e->kind == SLI_EX_ORDER || e->kind == SLI_EX_ALIAS ? 1 : e->nargs;
    if (nk && !(n->kids = calloc(nk, sizeof *n->kids))) {
        *ok = false;
        return n;
    }
    n->nkids = nk;
    node_pool *kid_pool = share || e->kind == SLI_EX_ORDER || e->kind == SLI_EX_ALIAS ? pool : NULL;
    for (size_t i = 0; i < nk; i++) n->kids[i] = node_new(ctx, e->args[i], kid_pool, ok);
    if (e->kind == SLI_EX_LITERAL && *ok) fill_literal(n);
    if (share && *ok && !pool_add(pool, n)) *ok = false;
    return n;
}

/* Arithmetic over fixed-width values: evaluated on rows outside the selection
 * it reads only values (never strings through their pointers) and can at most
 * fail, never crash. */
static bool dense_safe(const sli_expr *e)
{
    if (e->type.id == SL_TYPE_UTF8) return false;
    switch (e->kind) {
    case SLI_EX_COLUMN:
    case SLI_EX_LITERAL:
    case SLI_EX_INTERVAL:
    case SLI_EX_CAST:
    case SLI_EX_CALL:
    case SLI_EX_ALIAS: break;
    case SLI_EX_UNARY:
        if (e->op != SLI_OP_NEG) return false;
        break;
    case SLI_EX_BINARY:
        if (e->op >= SLI_OP_EQ) return false;
        break;
    default: return false;
    }
    for (size_t i = 0; i < e->nargs; i++)
        if (!dense_safe(e->args[i])) return false;
    return true;
}

sl_status sli_eval_create_list(sl_context *ctx, const sli_expr *const *exprs, size_t n, sli_eval **out)
{
    *out = NULL;
    sli_eval *ev = calloc(1, sizeof *ev);
    if (!ev) return sli_nomem(ctx, "expression evaluator");
    bool ok = true, computes = false;
    node_pool pool = {0};
    ev->ctx = ctx;
    ev->roots = calloc(n ? n : 1, sizeof *ev->roots);
    ev->nroots = n;
    ev->dense_ok = true;
    if (!ev->roots) ok = false;
    for (size_t i = 0; i < n && ok; i++) {
        if (!exprs[i]) continue;
        ev->roots[i] = node_new(ctx, exprs[i], &pool, &ok);
        computes |= exprs[i]->kind != SLI_EX_COLUMN && exprs[i]->kind != SLI_EX_LITERAL;
        ev->dense_ok &= exprs[i]->kind == SLI_EX_COLUMN || dense_safe(exprs[i]);
    }
    free(pool.nodes);
    ev->dense_ok &= computes;
    ev->fk = sli_filter_select()->k;
    ev->ak = sli_arith_select()->k;
    ev->ck = sli_cast_select()->k;
    ev->gk = sli_gather_select()->k;
    ev->dk = sli_date_select()->k;
    ev->lk = sli_like_select()->k;
    if (!ok) {
        sli_eval_free(ev);
        return sli_nomem(ctx, "expression evaluator");
    }
    *out = ev;
    return SL_OK;
}

sl_status sli_eval_create(sl_context *ctx, const sli_expr *e, sli_eval **out)
{
    return sli_eval_create_list(ctx, &e, 1, out);
}

void sli_eval_free(sli_eval *ev)
{
    if (!ev) return;
    if (ev->roots)
        for (size_t i = 0; i < ev->nroots; i++) node_free(ev->roots[i]);
    free(ev->roots);
    for (size_t i = 0; i < 3; i++) sli_buf_free(ev->wrow[i]);
    free(ev);
}

/* ---- helpers ------------------------------------------------------------ */

static sl_status arith_error(sli_eval *ev, const sli_expr *e, sl_arith_rc rc)
{
    if (ev->quiet) return rc == SL_ARITH_DIV_ZERO ? SL_ERR_DIV_ZERO : SL_ERR_OVERFLOW;
    char text[256];
    sli_expr_format(e, NULL, text, sizeof text);
    if (rc == SL_ARITH_DIV_ZERO) return sli_error(ev->ctx, SL_ERR_DIV_ZERO, "division by zero in '%s'", text);
    char tn[32];
    return sli_error(ev->ctx, SL_ERR_OVERFLOW, "overflow in '%s': the result does not fit %s", text,
                     sl_type_name(e->type, tn, sizeof tn));
}

/* Rows of (sel, n) that are not null in `validity`. */
static const uint32_t *drop_nulls(const sli_eval *ev, const uint8_t *validity, const uint32_t *sel, size_t n,
                                  uint32_t *buf, size_t *nout)
{
    if (!validity) {
        *nout = n;
        return sel;
    }
    *nout = ev->fk->valid(validity, sel, n, buf);
    return buf;
}

/* Number of row positions a selection spans (bytes of validity to touch). */
static size_t span(const uint32_t *sel, size_t n)
{
    return n == 0 ? 0 : sel ? sel[n - 1] + 1 : n;
}

/* Selected rows this far apart on average seldom share a cache line. */
#define SLI_SPARSE_GAP 8

/* Starts fetching v's values at rows sel[0..n). */
static void prefetch_all(const sli_vec *v, const uint32_t *sel, size_t n)
{
    size_t w = sli_type_width(v->type);
    const char *p = v->data;
    for (size_t i = 0; i < n; i++) __builtin_prefetch(p + (size_t)sel[i] * w);
}

/* Starts fetching the lines that hold v's values at rows sel[0..n) when the
 * selection is sparse, so that the kernel that reads them next waits for
 * its cache misses all at once rather than one after another. */
static void prefetch_rows(const sli_vec *v, const uint32_t *sel, size_t n)
{
    if (!sel || n == 0 || span(sel, n) < n * SLI_SPARSE_GAP || v->type.id == SL_TYPE_UTF8) return;
    prefetch_all(v, sel, n);
}

/* The rows of sel[0..n) whose value in a lies in lo..hi (flo..fhi for
 * floats), written to out by the range kernel of a's type. @return how
 * many (0 for a type without one). */
static size_t range_kernel(const sl_filter_kernels *k, const sli_vec *a, int64_t lo, int64_t hi, double flo,
                           double fhi, const uint32_t *sel, size_t n, uint32_t *out)
{
    switch (sli_ptype(a->type)) {
    case SL_P_I8: return k->range_i8(a->data, (int8_t)lo, (int8_t)hi, sel, n, out);
    case SL_P_I16: return k->range_i16(a->data, (int16_t)lo, (int16_t)hi, sel, n, out);
    case SL_P_I32: return k->range_i32(a->data, (int32_t)lo, (int32_t)hi, sel, n, out);
    case SL_P_I64: return k->range_i64(a->data, lo, hi, sel, n, out);
    case SL_P_F64: return k->range_f64(a->data, flo, fhi, sel, n, out);
    default: return 0;
    }
}

/* Validity of a binary result: both inputs valid. */
static const uint8_t *and_validity(const uint8_t *a, const uint8_t *b, uint8_t *buf, size_t rows)
{
    if (!a) return b;
    if (!b) return a;
    size_t bytes = (rows + 7) / 8;
    for (size_t i = 0; i < bytes; i++) buf[i] = a[i] & b[i];
    return buf;
}

/* Views of a utf8 vector (decoding dictionary codes into scratch). */
static const sli_strview *views_of(const sli_eval *ev, const sli_vec *v, const uint32_t *sel, size_t n,
                                   sli_strview *scratch)
{
    if (!v->dict) return (const sli_strview *)v->data;
    const int32_t *codes = v->data;
    if (!sel) {
        ev->gk->w16(v->dict->views, (const uint32_t *)codes, n, scratch);
    } else {
        for (size_t k = 0; k < n; k++) scratch[sel[k]] = v->dict->views[codes[sel[k]]];
    }
    return scratch;
}

static sl_status value(sli_eval *ev, enode *nd, const sli_chunk *in, const uint32_t *sel, size_t n,
                       sli_vec *out);
static sl_status select_rows(sli_eval *ev, enode *nd, const sli_chunk *in, const uint32_t *sel, size_t n,
                             uint32_t *out, size_t *nout);

/* A string predicate over a slice of dictionary entries: @return how many
 * of views[0..len) pass, their positions written to out. */
typedef size_t (*dict_pred_fn)(const void *arg, const sli_strview *views, size_t len, uint32_t *out);

/* Makes nd->pass[i] say whether entry i of dict passes pred; computed once
 * per dictionary, a vector's worth of entries at a time. */
static sl_status dict_pass(sli_eval *ev, enode *nd, const sli_dict *dict, dict_pred_fn pred, const void *arg)
{
    if (nd->pass_dict == dict && nd->pass_id == dict->id) return SL_OK;
    if (nd->pass_cap < dict->count) {
        uint8_t *p = realloc(nd->pass, dict->count);
        if (!p) return sli_nomem(ev->ctx, "string predicate");
        nd->pass = p;
        nd->pass_cap = dict->count;
    }
    memset(nd->pass, 0, dict->count);
    for (size_t at = 0; at < dict->count; at += SLI_VEC_SIZE) {
        size_t len = dict->count - at < SLI_VEC_SIZE ? dict->count - at : SLI_VEC_SIZE;
        size_t hit = pred(arg, dict->views + at, len, nd->s2);
        for (size_t i = 0; i < hit; i++) nd->pass[at + nd->s2[i]] = 1;
    }
    nd->pass_dict = dict;
    nd->pass_id = dict->id;
    return SL_OK;
}

typedef struct cmp_pred {
    const sli_eval *ev;
    sl_cmp op;
    sli_strview c;
} cmp_pred;

static size_t dict_cmp(const void *arg, const sli_strview *views, size_t len, uint32_t *out)
{
    const cmp_pred *p = arg;
    return p->ev->fk->str_const(p->op, views, p->c, NULL, len, out);
}

typedef struct like_pred {
    const sli_eval *ev;
    const sl_like_pattern *pat;
    bool negated;
} like_pred;

static size_t dict_like(const void *arg, const sli_strview *views, size_t len, uint32_t *out)
{
    const like_pred *p = arg;
    return p->ev->lk->select(p->pat, p->negated, views, NULL, len, out);
}

/* ---- comparisons -------------------------------------------------------- */

static size_t cmp_const(const sli_eval *ev, sl_cmp op, const sli_vec *a, const sli_value *lit,
                        const uint32_t *sel, size_t n, uint32_t *out)
{
    const sl_filter_kernels *k = ev->fk;
    switch (sli_ptype(a->type)) {
    case SL_P_I8: return k->cmp_const_i8[op](a->data, (int8_t)lit->i, sel, n, out);
    case SL_P_I16: return k->cmp_const_i16[op](a->data, (int16_t)lit->i, sel, n, out);
    case SL_P_I32: return k->cmp_const_i32[op](a->data, (int32_t)lit->i, sel, n, out);
    case SL_P_I64: return k->cmp_const_i64[op](a->data, lit->i, sel, n, out);
    case SL_P_F64: return k->cmp_const_f64[op](a->data, lit->f, sel, n, out);
    default: break;
    }
    return 0;
}

static size_t cmp_col(const sli_eval *ev, sl_cmp op, const sli_vec *a, const sli_vec *b, const uint32_t *sel,
                      size_t n, uint32_t *out)
{
    const sl_filter_kernels *k = ev->fk;
    switch (sli_ptype(a->type)) {
    case SL_P_I8: return k->cmp_col_i8[op](a->data, b->data, sel, n, out);
    case SL_P_I16: return k->cmp_col_i16[op](a->data, b->data, sel, n, out);
    case SL_P_I32: return k->cmp_col_i32[op](a->data, b->data, sel, n, out);
    case SL_P_I64: return k->cmp_col_i64[op](a->data, b->data, sel, n, out);
    case SL_P_F64: return k->cmp_col_f64[op](a->data, b->data, sel, n, out);
    default: break;
    }
    return 0;
}

static sl_status select_cmp(sli_eval *ev, enode *nd, const sli_chunk *in, const uint32_t *sel, size_t n,
                            uint32_t *out, size_t *nout)
{
    const sli_expr *e = nd->e;
    sl_cmp op = (sl_cmp)(e->op - SLI_OP_EQ);
    enode *l = nd->kids[0], *r = nd->kids[1];
    if (l->e->kind == SLI_EX_LITERAL && r->e->kind != SLI_EX_LITERAL) {
        enode *t = l;
        l = r;
        r = t;
        op = sli_cmp_mirror(op);
    }
    sli_vec a, b;
    sl_status s = value(ev, l, in, sel, n, &a);
    if (s) return s;
    size_t m;
    const uint32_t *vs = drop_nulls(ev, a.validity, sel, n, nd->s1, &m);
    if (r->e->kind == SLI_EX_LITERAL) {
        const sli_value *lit = &r->e->lit;
        if (lit->is_null) {
            *nout = 0;
            return SL_OK;
        }
        if (a.type.id != SL_TYPE_UTF8) {
            prefetch_rows(&a, vs, m);
            *nout = cmp_const(ev, op, &a, lit, vs, m, out);
            return SL_OK;
        }
        sli_strview c = {lit->s ? lit->s : "", (uint32_t)lit->slen};
        if (a.dict) {
            /* Evaluate the predicate once per dictionary entry, then on codes. */
            cmp_pred cp = {ev, op, c};
            if ((s = dict_pass(ev, nd, a.dict, dict_cmp, &cp))) return s;
            *nout = ev->fk->codes(a.data, nd->pass, vs, m, out);
            return SL_OK;
        }
        *nout = ev->fk->str_const(op, a.data, c, vs, m, out);
        return SL_OK;
    }
    s = value(ev, r, in, vs, m, &b);
    if (s) return s;
    size_t m2;
    vs = drop_nulls(ev, b.validity, vs, m, nd->s2, &m2);
    if (a.type.id == SL_TYPE_UTF8) {
        const sli_strview *av = views_of(ev, &a, vs, m2, (sli_strview *)nd->vals);
        const sli_strview *bv = views_of(ev, &b, vs, m2, (sli_strview *)r->vals);
        *nout = ev->fk->str_col(op, av, bv, vs, m2, out);
        return SL_OK;
    }
    *nout = cmp_col(ev, op, &a, &b, vs, m2, out);
    return SL_OK;
}

/* x [not] like 'pattern': the rows whose non-null string matches (does not
 * match). On a dictionary the pattern runs once per entry, then on codes. */
static sl_status select_like(sli_eval *ev, enode *nd, const sli_chunk *in, const uint32_t *sel, size_t n,
                             uint32_t *out, size_t *nout)
{
    const sli_expr *e = nd->e;
    sli_vec a;
    sl_status s = value(ev, nd->kids[0], in, sel, n, &a);
    if (s) return s;
    size_t m;
    const uint32_t *vs = drop_nulls(ev, a.validity, sel, n, nd->s1, &m);
    if (m == 0) {
        *nout = 0;
        return SL_OK;
    }
    const sli_value *lit = &e->args[1]->lit;
    sl_like_pattern pat;
    sli_like_compile(lit->s ? lit->s : "", lit->slen, &pat);
    if (a.dict) {
        like_pred lp = {ev, &pat, e->negated};
        if ((s = dict_pass(ev, nd, a.dict, dict_like, &lp))) return s;
        *nout = ev->fk->codes(a.data, nd->pass, vs, m, out);
        return SL_OK;
    }
    *nout = ev->lk->select(&pat, e->negated, a.data, vs, m, out);
    return SL_OK;
}

/* Positions of (sel, n) not in the ascending subset sub[0..k). */
static size_t difference(const uint32_t *sel, size_t n, const uint32_t *sub, size_t k, uint32_t *out)
{
    size_t j = 0, m = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t row = sel ? sel[i] : (uint32_t)i;
        bool in_sub = j < k && sub[j] == row;
        j += in_sub;
        out[m] = row;
        m += !in_sub;
    }
    return m;
}

static size_t merge(const uint32_t *a, size_t na, const uint32_t *b, size_t nb, uint32_t *out)
{
    size_t i = 0, j = 0, k = 0;
    while (i < na && j < nb) out[k++] = a[i] < b[j] ? a[i++] : b[j++];
    while (i < na) out[k++] = a[i++];
    while (j < nb) out[k++] = b[j++];
    return k;
}

static size_t copy_sel(const uint32_t *sel, size_t n, uint32_t *out)
{
    for (size_t i = 0; i < n; i++) out[i] = sel ? sel[i] : (uint32_t)i;
    return n;
}

/* ---- ranges: a lower and an upper bound on one value, one kernel pass ---- */

/* Looks at AND node nd once: whether it ends with a range test, and its bounds. */
static void find_range(enode *nd)
{
    sli_rbound lo, hi, last;
    int rest;
    nd->range = -1;
    if (!sli_range_shape(nd->e, &lo, &hi, &rest) || !sli_bound_of(nd->kids[1]->e, &last)) return;
    nd->range = 1;
    nd->rrest = rest ? nd->kids[0]->kids[0] : NULL;
    nd->rval = nd->kids[1]->kids[last.vi]; /* both bounds compare this value */
    sl_ptype pt = sli_ptype(lo.val->type);
    if (pt == SL_P_F64) {
        nd->rflo = lo.lit->f;
        nd->rfhi = hi.lit->f;
        return;
    }
    nd->range_empty = !sli_int_bounds(pt, &lo, &hi, &nd->rlo, &nd->rhi);
}

/* The rows of (sel, n) whose range value lies within nd's bounds. */
static sl_status select_range(sli_eval *ev, enode *nd, const sli_chunk *in, const uint32_t *sel, size_t n,
                              uint32_t *out, size_t *nout)
{
    *nout = 0;
    if (nd->range_empty || n == 0) return SL_OK;
    sli_vec a;
    sl_status s = value(ev, nd->rval, in, sel, n, &a);
    if (s) return s;
    size_t m;
    const uint32_t *vs = drop_nulls(ev, a.validity, sel, n, nd->s2, &m);
    prefetch_rows(&a, vs, m);
    *nout = range_kernel(ev->fk, &a, nd->rlo, nd->rhi, nd->rflo, nd->rfhi, vs, m, out);
    return SL_OK;
}

/* ---- dense conjunctions: one bitmap per chunk ----------------------------------------- */

/*
 * A chunk that comes straight from a scan (no selection) is filtered by an
 * AND chain one conjunct at a time. While many rows pass, each bound test
 * (a range, or <, <=, >, >=, = against a literal) reads its column densely
 * and ANDs its 64-row masks into a bitmap: a pass over contiguous values
 * costs a fraction of a cycle per row, where testing the selected rows costs
 * a load per row. Once fewer than one row in SLI_DENSE_DIV passes (or a
 * conjunct is no bound test), the bitmap becomes a selection and the
 * remaining conjuncts test only the selected rows, as select_rows does.
 */
/* One in 8: the Q6 shape ran in 5.3 ms on one thread of the development VM,
 * against 5.6 with one in 32 and 6.7 with one in 4. */
#define SLI_DENSE_DIV 8

/* Appends the conjuncts under nd, in the order select_rows tests them, to
 * cs from index k. @return the new count (past SLI_DENSE_MAX_CONJ: too many,
 * the extra ones not written). */
static size_t conjuncts(enode *nd, conj *cs, size_t k)
{
    const sli_expr *e = nd->e;
    if (e->kind != SLI_EX_BINARY || e->op != SLI_OP_AND) {
        if (k < SLI_DENSE_MAX_CONJ) cs[k] = (conj){nd, false};
        return k + 1;
    }
    if (nd->range == 0) find_range(nd);
    if (nd->range < 0) return conjuncts(nd->kids[1], cs, conjuncts(nd->kids[0], cs, k));
    if (nd->rrest) k = conjuncts(nd->rrest, cs, k);
    if (k < SLI_DENSE_MAX_CONJ) cs[k] = (conj){nd, true};
    return k + 1;
}

/* A conjunct as inclusive bounds on one fixed-width value. */
typedef struct dense_test {
    enode *val;
    bool empty; /* no value passes */
    int64_t lo, hi;
    double flo, fhi;
} dense_test;

/* One bound on a float, as an inclusive pair (NaN passes neither form). */
static void float_bound(const sli_rbound *b, dense_test *t)
{
    double c = b->lit->f;
    if (b->lower) {
        t->flo = b->strict ? nextafter(c, INFINITY) : c;
        t->fhi = INFINITY;
        t->empty = b->strict && c == INFINITY;
    } else {
        t->flo = -INFINITY;
        t->fhi = b->strict ? nextafter(c, -INFINITY) : c;
        t->empty = b->strict && c == -INFINITY;
    }
}

/* Describes conjunct c as a bound test on a value that may be read for every
 * row of the chunk (a column, or anything when it is the first conjunct).
 * @return false when it is not one. */
static bool dense_test_of(const conj *c, bool first, dense_test *t)
{
    enode *nd = c->nd;
    *t = (dense_test){0};
    if (c->range) {
        t->val = nd->rval;
        t->empty = nd->range_empty;
        t->lo = nd->rlo;
        t->hi = nd->rhi;
        t->flo = nd->rflo;
        t->fhi = nd->rfhi;
    } else {
        const sli_expr *e = nd->e;
        sli_rbound b;
        if (!sli_bound_test(e, false)) return false;
        if (e->op == SLI_OP_EQ) { /* = c: the range c..c */
            int vi = e->args[0]->kind == SLI_EX_LITERAL ? 1 : 0;
            const sli_expr *v = e->args[vi];
            const sli_value *lit = &e->args[1 - vi]->lit;
            t->val = nd->kids[vi];
            t->flo = t->fhi = lit->f;
            sli_rbound eq = {v, vi, false, false, lit};
            if (sli_ptype(v->type) != SL_P_F64)
                t->empty = !sli_int_bounds(sli_ptype(v->type), &eq, &eq, &t->lo, &t->hi);
        } else if (sli_bound_of(e, &b)) {
            t->val = nd->kids[b.vi];
            sl_ptype pt = sli_ptype(b.val->type);
            if (pt == SL_P_F64) {
                float_bound(&b, t);
            } else { /* the other side open: the type's own limit */
                sli_value lim = {0};
                lim.i = b.lower ? INT64_MAX : INT64_MIN;
                sli_rbound open = {b.val, b.vi, !b.lower, false, &lim};
                t->empty = !sli_int_bounds(pt, b.lower ? &b : &open, b.lower ? &open : &b, &t->lo, &t->hi);
            }
        } else {
            return false;
        }
    }
    return first || t->val->e->kind == SLI_EX_COLUMN;
}

/* ANDs (or, when first, writes) test t over the n dense rows of `in` into
 * bits ((n + 63) / 64 words); *count is how many bits are set then. */
static sl_status dense_bits(sli_eval *ev, const dense_test *t, const sli_chunk *in, size_t n, bool first,
                            uint64_t *bits, size_t *count)
{
    size_t words = (n + 63) / 64;
    *count = 0;
    if (t->empty) {
        memset(bits, 0, words * sizeof bits[0]);
        return SL_OK;
    }
    sli_vec a;
    sl_status s = value(ev, t->val, in, NULL, n, &a);
    if (s) return s;
    const sl_filter_kernels *k = ev->fk;
    bool and_into = !first;
    switch (sli_ptype(a.type)) {
    case SL_P_I8: *count = k->bits_range_i8(a.data, (int8_t)t->lo, (int8_t)t->hi, n, bits, and_into); break;
    case SL_P_I16:
        *count = k->bits_range_i16(a.data, (int16_t)t->lo, (int16_t)t->hi, n, bits, and_into);
        break;
    case SL_P_I32:
        *count = k->bits_range_i32(a.data, (int32_t)t->lo, (int32_t)t->hi, n, bits, and_into);
        break;
    case SL_P_I64: *count = k->bits_range_i64(a.data, t->lo, t->hi, n, bits, and_into); break;
    default: *count = k->bits_range_f64(a.data, t->flo, t->fhi, n, bits, and_into); break;
    }
    if (a.validity) { /* NULL passes no test; the vector's bitmap starts at row 0 */
        *count = 0;
        for (size_t w = 0; w < words; w++) {
            uint64_t v = 0;
            memcpy(&v, a.validity + w * 8, w + 1 < words || n % 64 == 0 ? 8 : (n % 64 + 7) / 8);
            bits[w] &= v;
            for (uint64_t x = bits[w]; x; x &= x - 1) ++*count;
        }
    }
    return SL_OK;
}

/* Tests cs[0..nc) in turn into bits over the n dense rows of `in`, from
 * the first while many rows pass (see above), the first one possibly on a
 * computed value when `computed`; a later test reads a column. @return how
 * many were tested, in *tested (0 when cs[0] is no bound test). */
static sl_status dense_prefix(sli_eval *ev, const conj *cs, size_t nc, const sli_chunk *in, size_t n,
                              bool computed, uint64_t *bits, size_t *tested)
{
    size_t i = 0, count = n;
    dense_test t;
    for (; i < nc && count * SLI_DENSE_DIV >= n && dense_test_of(&cs[i], i == 0 && computed, &t); i++) {
        sl_status s = dense_bits(ev, &t, in, n, i == 0, bits, &count);
        if (s) return s;
    }
    *tested = i;
    return SL_OK;
}

/* Rows a window's sparse test takes per step (sparse_tests): 128 ran the
 * Q6 shape 2% faster than one prefetch of every row before the test (and
 * than steps of 64 or 512) on the development VM. */
#define SPARSE_STEP 128

/* Grows the window row buffers to cap entries each. */
static bool window_rows(sli_eval *ev, size_t cap)
{
    if (cap <= ev->wcap) return true;
    for (size_t i = 0; i < 3; i++) {
        sli_buf_free(ev->wrow[i]);
        if (!(ev->wrow[i] = sli_buf_alloc_uninit(cap * sizeof(uint32_t)))) {
            ev->wcap = 0;
            return false;
        }
    }
    ev->wcap = cap;
    return true;
}

/*
 * A scan window's bound tests past its dense ones (sli_eval_scan_bits):
 * once few rows pass, the tests cs[i..nc) that read a column test only the
 * rows still in (those of `bits`), for the whole window at once, 128 rows a
 * step with the next step's values prefetched; the rows that pass them all
 * come back in *rows (ev's buffer) and *nrows, ascending. A vector-sized
 * test of a sparse selection waits for its cache misses once per vector and
 * per column; here the wait comes once per window, and the filter's later
 * vectors test no more columns.
 */
static sl_status sparse_tests(sli_eval *ev, const conj *cs, size_t i, size_t nc, const sli_chunk *in,
                              size_t n, const uint64_t *bits, size_t *tested, const uint32_t **rows,
                              size_t *nrows)
{
    dense_test t;
    *tested = i;
    if (i >= nc || !dense_test_of(&cs[i], false, &t)) return SL_OK;
    if (!window_rows(ev, n + 64)) return sli_nomem(ev->ctx, "filter");
    uint32_t *src = ev->wrow[0], *dst = ev->wrow[1], *vs = ev->wrow[2];
    size_t k = ev->fk->bits_rows(bits, n, src);
    for (; i < nc && dense_test_of(&cs[i], false, &t); i++) {
        size_t m = 0;
        if (t.empty || k == 0) {
            k = 0;
            continue;
        }
        sli_vec a;
        sl_status s = value(ev, t.val, in, src, k, &a);
        if (s) return s;
        const uint32_t *in_rows = drop_nulls(ev, a.validity, src, k, vs, &m);
        const sl_filter_kernels *fk = ev->fk;
        k = 0;
        prefetch_all(&a, in_rows, m < SPARSE_STEP ? m : SPARSE_STEP);
        for (size_t j0 = 0; j0 < m; j0 += SPARSE_STEP) { /* the next step's lines on their way */
            size_t j1 = m - j0 < SPARSE_STEP ? m : j0 + SPARSE_STEP;
            prefetch_all(&a, in_rows + j1, m - j1 < SPARSE_STEP ? m - j1 : SPARSE_STEP);
            k += range_kernel(fk, &a, t.lo, t.hi, t.flo, t.fhi, in_rows + j0, j1 - j0, dst + k);
        }
        uint32_t *x = src;
        src = dst;
        dst = x;
    }
    *rows = src;
    *nrows = k;
    *tested = i;
    return SL_OK;
}

/* Tests conjuncts cs[i..nc) of AND node nd, one after the other, on the k
 * rows of src; the result ends in out (nd->s1 holds the steps between, so
 * src must be neither out nor nd->s1 unless no step is left). */
static sl_status select_rest(sli_eval *ev, enode *nd, const conj *cs, size_t i, size_t nc,
                             const sli_chunk *in, const uint32_t *src, size_t k, uint32_t *out, size_t *nout)
{
    if (i == nc && src != out) memmove(out, src, k * sizeof *out);
    for (; i < nc && k; i++) {
        uint32_t *dst = (nc - 1 - i) % 2 == 0 ? out : nd->s1;
        size_t m;
        sl_status s = cs[i].range ? select_range(ev, cs[i].nd, in, src, k, dst, &m)
                                  : select_rows(ev, cs[i].nd, in, src, k, dst, &m);
        if (s) return s;
        src = dst;
        k = m;
    }
    *nout = k;
    return SL_OK;
}

/* select_rows for AND node nd over n dense rows (see above). *done is false
 * when the chain does not start with a bound test; nothing is selected then. */
static sl_status select_dense(sli_eval *ev, enode *nd, const sli_chunk *in, size_t n, uint32_t *out,
                              size_t *nout, bool *done)
{
    conj cs[SLI_DENSE_MAX_CONJ];
    size_t nc = conjuncts(nd, cs, 0), i;
    *done = false;
    if (nc > SLI_DENSE_MAX_CONJ) return SL_OK;
    sl_status s = dense_prefix(ev, cs, nc, in, n, true, ev->bits, &i);
    if (s || i == 0) return s;
    *done = true;
    uint32_t *first = i == nc || (nc - 1 - i) % 2 ? out : nd->s1; /* not the first step's output */
    size_t k = ev->fk->bits_rows(ev->bits, n, first);
    return select_rest(ev, nd, cs, i, nc, in, first, k, out, nout);
}

/* The root's conjuncts (computed once), for the scan entry points. */
static size_t root_conjuncts(sli_eval *ev)
{
    if (!ev->nconj && ev->nroots && ev->roots[0]) ev->nconj = conjuncts(ev->roots[0], ev->conj, 0);
    return ev->nconj;
}

size_t sli_eval_scan_tests(sli_eval *ev)
{
    if (!ev->nroots || !ev->roots[0] || !sli_eval_leads_with_column_test(ev->roots[0]->e)) return 0;
    size_t nc = root_conjuncts(ev), i = 0;
    dense_test t;
    while (i < nc && dense_test_of(&ev->conj[i], false, &t)) i++;
    return i;
}

void sli_eval_scan_columns(sli_eval *ev, size_t tests, bool *read, size_t ncols)
{
    size_t nc = root_conjuncts(ev);
    dense_test t;
    for (size_t i = 0; i < tests && i < nc && dense_test_of(&ev->conj[i], false, &t); i++) {
        const sli_expr *e = t.val->e;
        if (e->kind == SLI_EX_COLUMN && e->index >= 0 && (size_t)e->index < ncols) read[e->index] = true;
    }
}

sl_status sli_eval_scan_bits(sli_eval *ev, const sli_chunk *in, size_t max_tests, uint64_t *bits,
                             size_t *tested, const uint32_t **rows, size_t *nrows)
{
    ev->gen++;
    *rows = NULL;
    *nrows = 0;
    size_t nc = root_conjuncts(ev), max = nc < max_tests ? nc : max_tests;
    sl_status s = dense_prefix(ev, ev->conj, max, in, in->n, false, bits, tested);
    if (s || *tested == 0 || *tested == max) return s;
    return sparse_tests(ev, ev->conj, *tested, max, in, in->n, bits, tested, rows, nrows);
}

sl_status sli_eval_select_from(sli_eval *ev, const sli_chunk *in, size_t from, uint32_t *out, size_t *nout)
{
    ev->gen++;
    size_t nc = root_conjuncts(ev);
    return select_rest(ev, ev->roots[0], ev->conj, from, nc, in, in->sel, in->count, out, nout);
}

static sl_status select_rows(sli_eval *ev, enode *nd, const sli_chunk *in, const uint32_t *sel, size_t n,
                             uint32_t *out, size_t *nout)
{
    const sli_expr *e = nd->e;
    sl_status s;
    if (n == 0) {
        *nout = 0;
        return SL_OK;
    }
    if (e->kind == SLI_EX_BINARY && e->op == SLI_OP_AND) {
        size_t k;
        if (!sel) {
            bool done;
            if ((s = select_dense(ev, nd, in, n, out, nout, &done)) || done) return s;
        }
        if (nd->range == 0) find_range(nd);
        if (nd->range > 0) { /* the conjuncts before the range, then one range pass */
            if (!nd->rrest) return select_range(ev, nd, in, sel, n, out, nout);
            if ((s = select_rows(ev, nd->rrest, in, sel, n, nd->s1, &k))) return s;
            return select_range(ev, nd, in, nd->s1, k, out, nout);
        }
        if ((s = select_rows(ev, nd->kids[0], in, sel, n, nd->s1, &k))) return s;
        return select_rows(ev, nd->kids[1], in, nd->s1, k, out, nout);
    }
    if (e->kind == SLI_EX_BINARY && e->op == SLI_OP_OR) {
        size_t ka, kb;
        if ((s = select_rows(ev, nd->kids[0], in, sel, n, nd->s1, &ka))) return s;
        size_t kr = difference(sel, n, nd->s1, ka, nd->s2);
        if ((s = select_rows(ev, nd->kids[1], in, nd->s2, kr, nd->s3, &kb))) return s;
        *nout = merge(nd->s1, ka, nd->s3, kb, out);
        return SL_OK;
    }
    if (e->kind == SLI_EX_BINARY) return select_cmp(ev, nd, in, sel, n, out, nout);
    if (sli_is_call(e, SLI_LIKE)) return select_like(ev, nd, in, sel, n, out, nout);
    if (e->kind == SLI_EX_IS_NULL) {
        sli_vec a;
        if ((s = value(ev, nd->kids[0], in, sel, n, &a))) return s;
        if (!a.validity) {
            *nout = e->negated ? copy_sel(sel, n, out) : 0;
            return SL_OK;
        }
        if (e->negated) {
            *nout = ev->fk->valid(a.validity, sel, n, out);
            return SL_OK;
        }
        size_t k = ev->fk->valid(a.validity, sel, n, nd->s1);
        *nout = difference(sel, n, nd->s1, k, out);
        return SL_OK;
    }
    if (e->kind == SLI_EX_LITERAL) {
        *nout = !e->lit.is_null && e->lit.i ? copy_sel(sel, n, out) : 0;
        return SL_OK;
    }
    /* Any other boolean value: true and not null. */
    sli_vec a;
    if ((s = value(ev, nd, in, sel, n, &a))) return s;
    size_t m;
    const uint32_t *vs = drop_nulls(ev, a.validity, sel, n, nd->s1, &m);
    *nout = ev->fk->is_true(a.data, vs, m, out);
    return SL_OK;
}

/* ---- values ------------------------------------------------------------- */

static sl_status value_cast(sli_eval *ev, enode *nd, const sli_chunk *in, const uint32_t *sel, size_t n,
                            sli_vec *out)
{
    sli_vec a;
    sl_status s = value(ev, nd->kids[0], in, sel, n, &a);
    if (s) return s;
    sl_type from = a.type, to = nd->e->type;
    out->type = to;
    out->dict = NULL;
    out->validity = a.validity;
    out->data = nd->vals;
    if (from.id == SL_TYPE_NULL) {
        memset(nd->valid, 0, SLI_VEC_SIZE / 8);
        out->validity = nd->valid;
        return SL_OK;
    }
    size_t m;
    const uint32_t *vs = drop_nulls(ev, a.validity, sel, n, nd->s1, &m);
    const sl_cast_kernels *k = ev->ck;
    sl_ptype pf = sli_ptype(from), pt = sli_ptype(to);
    sl_arith_rc rc = SL_ARITH_OK;
    if (from.id == SL_TYPE_DECIMAL && to.id == SL_TYPE_DECIMAL) {
        if (to.scale >= from.scale)
            rc = k->scale_up(a.data, sli_pow10[to.scale - from.scale], nd->vals, vs, m);
        else
            rc = k->scale_down(a.data, sli_pow10[from.scale - to.scale], nd->vals, vs, m);
    } else if (from.id == SL_TYPE_DECIMAL && to.id == SL_TYPE_FLOAT64) {
        rc = k->unscale_f64(a.data, (double)sli_pow10[from.scale], nd->vals, vs, m);
    } else if (from.id == SL_TYPE_DECIMAL) { /* to an integer */
        if (pt == SL_P_I64) {
            rc = k->scale_down(a.data, sli_pow10[from.scale], nd->vals, vs, m);
        } else {
            rc = k->scale_down(a.data, sli_pow10[from.scale], nd->tmp, vs, m);
            if (!rc) rc = k->cast[SL_P_I64][pt](nd->tmp, nd->vals, vs, m);
        }
    } else if (to.id == SL_TYPE_DECIMAL && from.id == SL_TYPE_FLOAT64) {
        rc = k->scale_f64(a.data, (double)sli_pow10[to.scale], nd->vals, vs, m);
    } else if (to.id == SL_TYPE_DECIMAL) { /* from an integer or bool */
        if (!to.scale) {
            rc = k->cast[pf][SL_P_I64](a.data, nd->vals, vs, m);
        } else {
            rc = k->cast[pf][SL_P_I64](a.data, nd->tmp, vs, m);
            if (!rc) rc = k->scale_up(nd->tmp, sli_pow10[to.scale], nd->vals, vs, m);
        }
    } else {
        rc = k->cast[pf][pt](a.data, nd->vals, vs, m);
    }
    return rc ? arith_error(ev, nd->e, rc) : SL_OK;
}

/* A non-NULL int64 (or decimal) literal. */
static bool i64_literal(const sli_expr *e)
{
    return e->kind == SLI_EX_LITERAL && !e->lit.is_null && sli_ptype(e->type) == SL_P_I64;
}

/* Whether the int64 product nd is a * (k +- b) with a linear term used
 * nowhere else (a node of its own): k + b, b + k, k - b, or b - k as
 * (-k) + b. Sets lin, and lin_a, lin_b, lin_k and lin_neg when it is. */
static void find_linear(enode *nd)
{
    const sli_expr *e = nd->e;
    nd->lin = -1;
    if (e->kind != SLI_EX_BINARY || e->op != SLI_OP_MUL || sli_ptype(e->type) != SL_P_I64) return;
    for (size_t j = 0; j < 2; j++) {
        enode *t = nd->kids[j];
        const sli_expr *te = t->e;
        if (t->refs != 1 || te->kind != SLI_EX_BINARY || (te->op != SLI_OP_ADD && te->op != SLI_OP_SUB) ||
            sli_ptype(te->type) != SL_P_I64 || te->args[0]->type.id == SL_TYPE_DATE32 ||
            sli_ptype(nd->kids[1 - j]->e->type) != SL_P_I64)
            continue;
        for (size_t x = 0; x < 2; x++) {
            const sli_expr *lit = te->args[x], *col = te->args[1 - x];
            if (!i64_literal(lit) || col->kind == SLI_EX_LITERAL || sli_ptype(col->type) != SL_P_I64)
                continue;
            bool sub_k = te->op == SLI_OP_SUB && x == 1; /* b - k */
            if (sub_k && lit->lit.i == INT64_MIN) continue;
            nd->lin = 1;
            nd->lin_a = nd->kids[1 - j];
            nd->lin_b = t->kids[1 - x];
            nd->lin_k = sub_k ? -lit->lit.i : lit->lit.i;
            nd->lin_neg = te->op == SLI_OP_SUB && x == 0;
            return;
        }
    }
}

/* a * (k +- b) in one kernel pass (find_linear), without the linear term's
 * vector. @return the error of evaluating a or b; else SL_OK, with *fused
 * false when some row overflows: the caller then evaluates step by step,
 * which reports the error of the right expression. */
static sl_status value_mul_linear(sli_eval *ev, enode *nd, const sli_chunk *in, const uint32_t *sel, size_t n,
                                  sli_vec *out, bool *fused)
{
    sli_vec a, b;
    sl_status s = value(ev, nd->lin_a, in, sel, n, &a);
    if (!s) s = value(ev, nd->lin_b, in, sel, n, &b);
    if (s) return s;
    out->type = nd->e->type;
    out->dict = NULL;
    out->data = nd->vals;
    out->validity = and_validity(a.validity, b.validity, nd->valid, span(sel, n));
    size_t m;
    const uint32_t *vs = drop_nulls(ev, out->validity, sel, n, nd->s1, &m);
    *fused = ev->ak->mul_lin_i64(a.data, b.data, nd->lin_k, nd->lin_neg, nd->vals, vs, m) == SL_ARITH_OK;
    return SL_OK;
}

static sl_status value_arith(sli_eval *ev, enode *nd, const sli_chunk *in, const uint32_t *sel, size_t n,
                             sli_vec *out)
{
    const sli_expr *e = nd->e;
    if (nd->lin == 0) find_linear(nd);
    if (nd->lin == 1) {
        bool fused = false;
        sl_status s = value_mul_linear(ev, nd, in, sel, n, out, &fused);
        if (s || fused) return s;
    }
    sli_vec a, b;
    sl_status s = value(ev, nd->kids[0], in, sel, n, &a);
    if (s) return s;
    out->type = e->type;
    out->dict = NULL;
    out->data = nd->vals;
    sl_arith_rc rc;
    if (e->kind == SLI_EX_UNARY) {
        size_t m;
        const uint32_t *vs = drop_nulls(ev, a.validity, sel, n, nd->s1, &m);
        out->validity = a.validity;
        rc = sli_ptype(e->type) == SL_P_F64 ? ev->ak->neg_f64(a.data, nd->vals, vs, m)
                                            : ev->ak->neg_i64(a.data, nd->vals, vs, m);
        return rc ? arith_error(ev, e, rc) : SL_OK;
    }
    if ((s = value(ev, nd->kids[1], in, sel, n, &b))) return s;
    out->validity = and_validity(a.validity, b.validity, nd->valid, span(sel, n));
    size_t m;
    const uint32_t *vs = drop_nulls(ev, out->validity, sel, n, nd->s1, &m);
    sl_arith_op op = (sl_arith_op)(e->op - SLI_OP_ADD);
    prefetch_rows(&a, vs, m);
    prefetch_rows(&b, vs, m);
    rc = sli_ptype(e->type) == SL_P_F64 ? ev->ak->f64[op](a.data, b.data, nd->vals, vs, m)
                                        : ev->ak->i64[op](a.data, b.data, nd->vals, vs, m);
    return rc ? arith_error(ev, e, rc) : SL_OK;
}

/* A predicate used as a value: true, false, or NULL per row. */
static sl_status value_predicate(sli_eval *ev, enode *nd, const sli_chunk *in, const uint32_t *sel, size_t n,
                                 sli_vec *out)
{
    if (!nd->neg) {
        /* First use of this predicate as a value: prepare its negation. */
        bool ok = true;
        nd->neg_expr = sli_expr_clone(nd->e);
        if (!nd->neg_expr || sli_negate(ev->ctx, &nd->neg_expr) != SL_OK)
            ok = false;
        else
            nd->neg = node_new(ev->ctx, nd->neg_expr, NULL, &ok);
        if (!ok) {
            node_free(nd->neg);
            nd->neg = NULL;
            sli_expr_free(nd->neg_expr);
            nd->neg_expr = NULL;
            return sli_nomem(ev->ctx, "predicate value");
        }
    }
    size_t kt, kf;
    uint32_t *t = nd->tmp, *f = t + SLI_VEC_SIZE;
    sl_status s = select_rows(ev, nd, in, sel, n, t, &kt);
    if (!s) s = select_rows(ev, nd->neg, in, sel, n, f, &kf);
    if (s) return s;
    size_t rows = span(sel, n);
    uint8_t *v = nd->vals;
    memset(nd->valid, 0, (rows + 7) / 8);
    for (size_t i = 0; i < kt; i++) {
        v[t[i]] = 1;
        nd->valid[t[i] >> 3] |= (uint8_t)(1u << (t[i] & 7));
    }
    for (size_t i = 0; i < kf; i++) {
        v[f[i]] = 0;
        nd->valid[f[i] >> 3] |= (uint8_t)(1u << (f[i] & 7));
    }
    out->type = sli_type(SL_TYPE_BOOL);
    out->data = v;
    out->validity = nd->valid;
    out->dict = NULL;
    return SL_OK;
}

/* ---- strings ------------------------------------------------------------ */

/* substring(x, start [, length]): views into x's strings, NULL when any
 * argument is. */
static sl_status value_substring(sli_eval *ev, enode *nd, const sli_chunk *in, const uint32_t *sel, size_t n,
                                 sli_vec *out)
{
    sli_vec a, st, ln = {0};
    bool has_len = nd->nkids == 3;
    sl_status s = value(ev, nd->kids[0], in, sel, n, &a);
    if (!s) s = value(ev, nd->kids[1], in, sel, n, &st);
    if (!s && has_len) s = value(ev, nd->kids[2], in, sel, n, &ln);
    if (s) return s;
    size_t rows = span(sel, n);
    const uint8_t *valid = and_validity(a.validity, st.validity, nd->valid, rows);
    if (has_len) valid = and_validity(valid, ln.validity, nd->valid, rows);
    size_t m;
    const uint32_t *vs = drop_nulls(ev, valid, sel, n, nd->s1, &m);
    const sli_strview *views = views_of(ev, &a, vs, m, (sli_strview *)nd->tmp);
    ev->lk->substr(views, st.data, has_len ? ln.data : NULL, nd->vals, vs, m);
    out->type = nd->e->type;
    out->data = nd->vals;
    out->validity = valid;
    out->dict = NULL;
    return SL_OK;
}

/* ---- dates -------------------------------------------------------------- */

/* year(d), month(d), day(d). */
static sl_status value_date_part(sli_eval *ev, enode *nd, const sli_chunk *in, const uint32_t *sel, size_t n,
                                 sli_vec *out)
{
    sli_vec a;
    sl_status s = value(ev, nd->kids[0], in, sel, n, &a);
    if (s) return s;
    int part = sli_date_part_of(nd->e->name);
    if (part < 0) return sli_error(ev->ctx, SL_ERR_INTERNAL, "unknown function '%s'", nd->e->name);
    size_t m;
    const uint32_t *vs = drop_nulls(ev, a.validity, sel, n, nd->s1, &m);
    ev->dk->part[part](a.data, nd->vals, vs, m);
    out->type = nd->e->type;
    out->data = nd->vals;
    out->validity = a.validity;
    out->dict = NULL;
    return SL_OK;
}

/* date +- days, date +- interval (months), date - date. */
static sl_status value_date_arith(sli_eval *ev, enode *nd, const sli_chunk *in, const uint32_t *sel, size_t n,
                                  sli_vec *out)
{
    const sli_expr *e = nd->e, *r = e->args[1];
    sli_vec a, b;
    sl_status s = value(ev, nd->kids[0], in, sel, n, &a);
    if (s) return s;
    out->type = e->type;
    out->dict = NULL;
    out->data = nd->vals;
    size_t m;
    sl_arith_rc rc = SL_ARITH_OK;
    if (r->kind == SLI_EX_INTERVAL) {
        /* the binder keeps only month and year intervals; the count is at most 2^31 */
        int64_t months = r->lit.i * (r->unit == SLI_IV_YEAR ? 12 : 1);
        if (e->op == SLI_OP_SUB) months = -months;
        out->validity = a.validity;
        const uint32_t *vs = drop_nulls(ev, a.validity, sel, n, nd->s1, &m);
        rc = ev->dk->add_months(a.data, months, nd->vals, vs, m);
        return rc ? arith_error(ev, e, rc) : SL_OK;
    }
    if ((s = value(ev, nd->kids[1], in, sel, n, &b))) return s;
    out->validity = and_validity(a.validity, b.validity, nd->valid, span(sel, n));
    const uint32_t *vs = drop_nulls(ev, out->validity, sel, n, nd->s1, &m);
    if (b.type.id == SL_TYPE_DATE32)
        ev->dk->diff(a.data, b.data, nd->vals, vs, m);
    else
        rc = (e->op == SLI_OP_SUB ? ev->dk->sub_days : ev->dk->add_days)(a.data, b.data, nd->vals, vs, m);
    return rc ? arith_error(ev, e, rc) : SL_OK;
}

/* ---- case --------------------------------------------------------------- */

/* Copies the rows rows[0..k) of v into the case's result at the same
 * positions (no compaction): values, dictionary codes decoded to views, and
 * validity bits. */
static void put_rows(enode *nd, const sli_vec *v, const uint32_t *rows, size_t k)
{
    void *dst = nd->vals;
    if (v->type.id == SL_TYPE_UTF8) {
        sli_strview *d = dst;
        if (v->dict) {
            const int32_t *codes = v->data;
            for (size_t i = 0; i < k; i++) d[rows[i]] = v->dict->views[codes[rows[i]]];
        } else {
            const sli_strview *src = v->data;
            for (size_t i = 0; i < k; i++) d[rows[i]] = src[rows[i]];
        }
    } else {
        switch (sli_ptype(v->type)) {
        case SL_P_I8:
            for (size_t i = 0; i < k; i++) ((int8_t *)dst)[rows[i]] = ((const int8_t *)v->data)[rows[i]];
            break;
        case SL_P_I16:
            for (size_t i = 0; i < k; i++) ((int16_t *)dst)[rows[i]] = ((const int16_t *)v->data)[rows[i]];
            break;
        case SL_P_I32:
            for (size_t i = 0; i < k; i++) ((int32_t *)dst)[rows[i]] = ((const int32_t *)v->data)[rows[i]];
            break;
        default: /* int64, decimal and float64 are all 8 bytes */
            for (size_t i = 0; i < k; i++) ((int64_t *)dst)[rows[i]] = ((const int64_t *)v->data)[rows[i]];
            break;
        }
    }
    uint8_t *valid = nd->valid;
    for (size_t i = 0; i < k; i++) {
        uint32_t row = rows[i];
        uint8_t bit = (uint8_t)(sli_valid(v->validity, row) << (row & 7));
        valid[row >> 3] |= bit; /* bits start cleared */
    }
}

/* Each condition selects among the rows no earlier branch took; its value is
 * computed only on the rows it selected and written at their positions. The
 * rows left get the else value (NULL when there is none). */
static sl_status value_case(sli_eval *ev, enode *nd, const sli_chunk *in, const uint32_t *sel, size_t n,
                            sli_vec *out)
{
    const sli_expr *e = nd->e;
    size_t nb = e->nargs / 2;
    bool has_else = e->nargs % 2;
    memset(nd->valid, 0, (span(sel, n) + 7) / 8);
    out->type = e->type;
    out->data = nd->vals;
    out->validity = nd->valid;
    out->dict = NULL;
    const uint32_t *rest = sel; /* rows no branch has taken yet */
    size_t nrest = n;
    sl_status s;
    for (size_t i = 0; i < nb && nrest > 0; i++) {
        size_t k;
        sli_vec v;
        if ((s = select_rows(ev, nd->kids[2 * i], in, rest, nrest, nd->s1, &k))) return s;
        if (k == 0) continue;
        if ((s = value(ev, nd->kids[2 * i + 1], in, nd->s1, k, &v))) return s;
        put_rows(nd, &v, nd->s1, k);
        /* in place: difference() writes each position at or before the one it reads */
        nrest = difference(rest, nrest, nd->s1, k, nd->s2);
        rest = nd->s2;
    }
    if (has_else && nrest > 0) {
        sli_vec v;
        if ((s = value(ev, nd->kids[e->nargs - 1], in, rest, nrest, &v))) return s;
        if (!rest) { /* no branch took a row: every row 0..n-1 */
            nrest = copy_sel(NULL, nrest, nd->s2);
            rest = nd->s2;
        }
        put_rows(nd, &v, rest, nrest);
    }
    return SL_OK;
}

static sl_status value_of(sli_eval *ev, enode *nd, const sli_chunk *in, const uint32_t *sel, size_t n,
                          sli_vec *out);

/* A shared node computes once per evaluation: every parent asks for the same
 * rows (see shareable), so later parents take the first result. */
static sl_status value(sli_eval *ev, enode *nd, const sli_chunk *in, const uint32_t *sel, size_t n,
                       sli_vec *out)
{
    if (nd->refs < 2) return value_of(ev, nd, in, sel, n, out);
    if (nd->gen == ev->gen) {
        *out = nd->cached;
        return SL_OK;
    }
    sl_status s = value_of(ev, nd, in, sel, n, out);
    if (s) return s;
    nd->cached = *out;
    nd->gen = ev->gen;
    return SL_OK;
}

static sl_status value_of(sli_eval *ev, enode *nd, const sli_chunk *in, const uint32_t *sel, size_t n,
                          sli_vec *out)
{
    const sli_expr *e = nd->e;
    switch (e->kind) {
    case SLI_EX_COLUMN: *out = in->cols[e->index]; return SL_OK;
    case SLI_EX_LITERAL:
        out->type = e->type;
        out->data = nd->vals;
        out->validity = e->lit.is_null ? nd->valid : NULL;
        out->dict = NULL;
        return SL_OK;
    case SLI_EX_CAST: return value_cast(ev, nd, in, sel, n, out);
    case SLI_EX_UNARY: return value_arith(ev, nd, in, sel, n, out);
    case SLI_EX_BINARY:
        if (e->op >= SLI_OP_EQ) return value_predicate(ev, nd, in, sel, n, out);
        if (e->args[0]->type.id == SL_TYPE_DATE32) return value_date_arith(ev, nd, in, sel, n, out);
        return value_arith(ev, nd, in, sel, n, out);
    case SLI_EX_CASE: return value_case(ev, nd, in, sel, n, out);
    case SLI_EX_CALL:
        if (sli_is_call(e, SLI_LIKE)) return value_predicate(ev, nd, in, sel, n, out);
        if (sli_is_call(e, SLI_SUBSTRING)) return value_substring(ev, nd, in, sel, n, out);
        return value_date_part(ev, nd, in, sel, n, out);
    case SLI_EX_IS_NULL: return value_predicate(ev, nd, in, sel, n, out);
    case SLI_EX_ALIAS:
    case SLI_EX_ORDER: return value(ev, nd->kids[0], in, sel, n, out);
    default: break;
    }
    return sli_error(ev->ctx, SL_ERR_INTERNAL, "expression kind %d cannot be evaluated", (int)e->kind);
}

/* One evaluation of every root on (sel, n); shared nodes compute once. */
static sl_status eval_roots(sli_eval *ev, const sli_chunk *in, const uint32_t *sel, size_t n, sli_vec *outs)
{
    ev->gen++;
    for (size_t i = 0; i < ev->nroots; i++) {
        if (!ev->roots[i]) continue;
        sl_status s = value(ev, ev->roots[i], in, sel, n, &outs[i]);
        if (s) return s;
    }
    return SL_OK;
}

sl_status sli_eval_values(sli_eval *ev, const sli_chunk *in, sli_vec *outs)
{
    const uint32_t *sel = in->sel;
    size_t n = in->count, rows = span(sel, n);
    /* Most rows selected: plain arithmetic over every row runs the dense
     * kernel loops, which vectorize, and gives the same values at the
     * selected rows. A row outside the selection may fail (an overflow, a
     * zero divisor) where the query must not: then the selected rows are
     * evaluated again, and only they from then on. */
    if (sel && ev->dense_ok && !ev->no_dense && 4 * n >= 3 * rows) {
        ev->quiet = true;
        sl_status s = eval_roots(ev, in, NULL, rows, outs);
        ev->quiet = false;
        if (!s) return SL_OK;
        ev->no_dense = true;
    }
    return eval_roots(ev, in, sel, n, outs);
}

sl_status sli_eval_value(sli_eval *ev, const sli_chunk *in, sli_vec *out)
{
    return sli_eval_values(ev, in, out);
}

sl_status sli_eval_select(sli_eval *ev, const sli_chunk *in, uint32_t *out, size_t *nout)
{
    ev->gen++;
    return select_rows(ev, ev->roots[0], in, in->sel, in->count, out, nout);
}
