/*
 * bind.c — name resolution, type checking and coercion of expressions
 * (see bind.h for what binding guarantees).
 */
#include "bind.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/context.h"
#include "runtime/types.h"

typedef struct binder {
    sl_context *ctx;
    const sli_source *src;
    const sli_scope *scope;
    sli_agg_collector *aggs;
} binder;

static sl_status bind(binder *b, sli_expr **pe);

sli_scope sli_plan_scope(const sli_plan *p)
{
    sli_scope s = {p->ncols, p->names, p->types};
    return s;
}

static const char *tname(sl_type t, char *buf, size_t cap)
{
    return sl_type_name(t, buf, cap);
}

/* Text of an expression for messages, with bound columns named. */
static const char *etext(const binder *b, const sli_expr *e, char *buf, size_t cap)
{
    size_t n = sli_expr_format(e, NULL, buf, cap);
    if (n >= cap && cap > 4) strcpy(buf + cap - 4, "...");
    return buf;
}

static sl_status type_error2(binder *b, const sli_expr *e, const char *what, sl_type l, sl_type r)
{
    char et[256], a[32], c[32];
    return sli_source_error(b->ctx, SL_ERR_TYPE, b->src, e->line, e->col, "type error in '%s': %s %s and %s",
                            etext(b, e, et, sizeof et), what, tname(l, a, sizeof a), tname(r, c, sizeof c));
}

static sl_status nomem(binder *b)
{
    return sli_nomem(b->ctx, "binding");
}

/* ---- literal casts ------------------------------------------------------ */

static bool fits_int(int64_t v, sl_type_id id)
{
    switch (id) {
    case SL_TYPE_INT8: return v >= INT8_MIN && v <= INT8_MAX;
    case SL_TYPE_INT16: return v >= INT16_MIN && v <= INT16_MAX;
    case SL_TYPE_INT32: return v >= INT32_MIN && v <= INT32_MAX;
    default: return true;
    }
}

static bool rescale(int64_t v, int from, int to, int64_t *out)
{
    if (to >= from) {
        __int128 x = (__int128)v * sli_pow10[to - from];
        if (x >= sli_pow10[18] || x <= -sli_pow10[18]) return false;
        *out = (int64_t)x;
        return true;
    }
    int64_t f = sli_pow10[from - to];
    int64_t q = v / f, r = v % f;
    if (2 * (r < 0 ? -r : r) >= f) q += v < 0 ? -1 : 1;
    *out = q;
    return true;
}

/* Converts a literal value to type `to`. @return false when not representable. */
static bool fold_cast(sli_value *v, sl_type to)
{
    sl_type from = v->type;
    if (v->is_null) {
        v->type = to;
        return true;
    }
    if (sli_type_eq(from, to)) return true;
    int64_t i = v->i;
    double f = v->f;
    switch (from.id) {
    case SL_TYPE_BOOL:
        if (!sli_is_integer(to)) return false;
        break;
    case SL_TYPE_INT8:
    case SL_TYPE_INT16:
    case SL_TYPE_INT32:
    case SL_TYPE_INT64:
        if (sli_is_integer(to)) {
            if (!fits_int(i, to.id)) return false;
        } else if (to.id == SL_TYPE_FLOAT64) {
            f = (double)i;
        } else if (to.id == SL_TYPE_DECIMAL) {
            if (!rescale(i, 0, to.scale, &i)) return false;
        } else {
            return false;
        }
        break;
    case SL_TYPE_DECIMAL:
        if (to.id == SL_TYPE_DECIMAL) {
            if (!rescale(i, from.scale, to.scale, &i)) return false;
        } else if (to.id == SL_TYPE_FLOAT64) {
            f = (double)i / (double)sli_pow10[from.scale];
        } else if (sli_is_integer(to)) {
            if (!rescale(i, from.scale, 0, &i) || !fits_int(i, to.id)) return false;
        } else {
            return false;
        }
        break;
    case SL_TYPE_FLOAT64:
        if (isnan(f)) return false;
        if (sli_is_integer(to)) {
            if (!(f > -9.3e18 && f < 9.3e18)) return false;
            i = (int64_t)f;
            if (!fits_int(i, to.id)) return false;
        } else if (to.id == SL_TYPE_DECIMAL) {
            double x = round(f * (double)sli_pow10[to.scale]);
            if (!(fabs(x) < 1e18)) return false;
            i = (int64_t)x;
        } else {
            return false;
        }
        break;
    case SL_TYPE_UTF8:
        if (to.id == SL_TYPE_DATE32) {
            int32_t d;
            if (!sli_date_parse(v->s, v->slen, &d)) return false;
            i = d;
        } else if (sli_is_integer(to)) {
            if (!sli_int_parse(v->s, v->slen, &i) || !fits_int(i, to.id)) return false;
        } else if (to.id == SL_TYPE_FLOAT64) {
            if (!sli_float_parse(v->s, v->slen, &f)) return false;
        } else if (to.id == SL_TYPE_DECIMAL) {
            if (!sli_decimal_parse(v->s, v->slen, to.scale, &i)) return false;
        } else if (to.id == SL_TYPE_BOOL) {
            if (v->slen == 4 && strncasecmp(v->s, "true", 4) == 0)
                i = 1;
            else if (v->slen == 5 && strncasecmp(v->s, "false", 5) == 0)
                i = 0;
            else
                return false;
        } else {
            return false;
        }
        free(v->s);
        v->s = NULL;
        v->slen = 0;
        break;
    case SL_TYPE_DATE32:
    case SL_TYPE_NULL: return false;
    }
    if (to.id == SL_TYPE_DECIMAL && (i >= sli_pow10[to.precision] || i <= -sli_pow10[to.precision]))
        return false;
    v->i = i;
    v->f = f;
    v->type = to;
    return true;
}

/* Whether a value of `from` may be cast to `to` at run time. */
static bool castable(sl_type from, sl_type to)
{
    if (sli_type_eq(from, to)) return true;
    if (from.id == SL_TYPE_NULL) return true;
    if (sli_is_numeric(from) && sli_is_numeric(to)) return true;
    if (from.id == SL_TYPE_BOOL && sli_is_integer(to)) return true;
    return false;
}

sl_status sli_coerce(sl_context *ctx, const sli_source *src, sli_expr **pe, sl_type to)
{
    sli_expr *e = *pe;
    if (sli_type_eq(e->type, to)) return SL_OK;
    if (e->kind != SLI_EX_LITERAL && e->type.id == SL_TYPE_DECIMAL && to.id == SL_TYPE_DECIMAL &&
        e->type.scale == to.scale && to.precision >= e->type.precision) {
        /* Same scale, more digits: the scaled int64 values stay as they are. */
        e->type = to;
        return SL_OK;
    }
    char a[32], c[32], et[256];
    if (e->kind == SLI_EX_LITERAL) {
        sli_value v = e->lit;
        if (!fold_cast(&v, to)) {
            size_t n = sli_expr_format(e, NULL, et, sizeof et);
            (void)n;
            return sli_source_error(ctx, SL_ERR_TYPE, src, e->line, e->col,
                                    "type error: %s is not a valid %s", et, tname(to, c, sizeof c));
        }
        e->lit = v;
        e->type = to;
        return SL_OK;
    }
    if (!castable(e->type, to)) {
        sli_expr_format(e, NULL, et, sizeof et);
        return sli_source_error(ctx, SL_ERR_TYPE, src, e->line, e->col,
                                "type error: cannot cast '%s' from %s to %s", et, tname(e->type, a, sizeof a),
                                tname(to, c, sizeof c));
    }
    sli_expr *cast = sli_expr_new(SLI_EX_CAST, e->line, e->col);
    if (!cast) return sli_nomem(ctx, "binding");
    cast->cast_type = to;
    cast->type = to;
    if (!sli_expr_push(cast, e)) {
        *pe = NULL;
        return sli_nomem(ctx, "binding");
    }
    *pe = cast;
    return SL_OK;
}

/* ---- type rules --------------------------------------------------------- */

static int int_rank(sl_type_id id)
{
    return (int)id - (int)SL_TYPE_INT8;
}

/* The common type two comparison operands meet in. @return false if none. */
static bool common_type(sl_type a, sl_type b, sl_type *out)
{
    if (a.id == SL_TYPE_NULL) a = b;
    if (b.id == SL_TYPE_NULL) b = a;
    if (a.id == SL_TYPE_NULL) { /* null vs null */
        *out = sli_type(SL_TYPE_BOOL);
        return true;
    }
    if (sli_type_eq(a, b)) {
        *out = a;
        return true;
    }
    if (sli_is_integer(a) && sli_is_integer(b)) {
        *out = int_rank(a.id) >= int_rank(b.id) ? a : b;
        return true;
    }
    if (sli_is_numeric(a) && sli_is_numeric(b)) {
        if (a.id == SL_TYPE_FLOAT64 || b.id == SL_TYPE_FLOAT64) {
            *out = sli_type(SL_TYPE_FLOAT64);
            return true;
        }
        int sa = a.id == SL_TYPE_DECIMAL ? a.scale : 0, sb = b.id == SL_TYPE_DECIMAL ? b.scale : 0;
        *out = sli_decimal(18, sa > sb ? sa : sb);
        return true;
    }
    if ((a.id == SL_TYPE_DATE32 && b.id == SL_TYPE_UTF8) ||
        (a.id == SL_TYPE_UTF8 && b.id == SL_TYPE_DATE32)) {
        *out = sli_type(SL_TYPE_DATE32);
        return true;
    }
    return false;
}

/* A literal fits type t exactly (the value survives the round trip). */
static bool literal_fits(const sli_expr *lit, sl_type t)
{
    if (lit->kind != SLI_EX_LITERAL) return false;
    sli_value v = lit->lit;
    if (v.type.id == SL_TYPE_UTF8) return t.id == SL_TYPE_DATE32 || t.id == SL_TYPE_UTF8;
    v.s = NULL;
    if (!fold_cast(&v, t)) return false;
    sli_value back = v;
    if (!fold_cast(&back, lit->lit.type)) return false;
    return lit->lit.type.id == SL_TYPE_FLOAT64 ? back.f == lit->lit.f : back.i == lit->lit.i;
}

static bool is_cmp(sli_op op)
{
    return op >= SLI_OP_EQ && op <= SLI_OP_GE;
}

static sl_status bind_compare(binder *b, sli_expr *e)
{
    sl_type lt = e->args[0]->type, rt = e->args[1]->type, t;
    if (!common_type(lt, rt, &t)) return type_error2(b, e, "cannot compare", lt, rt);
    /* Prefer the column's own type when the other side is a literal that fits. */
    if (literal_fits(e->args[1], lt) && e->args[0]->kind != SLI_EX_LITERAL)
        t = lt;
    else if (literal_fits(e->args[0], rt) && e->args[1]->kind != SLI_EX_LITERAL)
        t = rt;
    if (t.id == SL_TYPE_UTF8 && (lt.id != SL_TYPE_UTF8 && lt.id != SL_TYPE_NULL))
        return type_error2(b, e, "cannot compare", lt, rt);
    sl_status s;
    if ((s = sli_coerce(b->ctx, b->src, &e->args[0], t)) || (s = sli_coerce(b->ctx, b->src, &e->args[1], t)))
        return s;
    e->type = sli_type(SL_TYPE_BOOL);
    return SL_OK;
}

/* Makes args[0] the date of `int + date` and `interval + date`. */
static void swap_args(sli_expr *e)
{
    sli_expr *t = e->args[0];
    e->args[0] = e->args[1];
    e->args[1] = t;
}

/* + and - with a date operand: date +- integer days -> date (integer + date
 * is turned around), date - date -> int64 days. NULL takes the role that
 * makes the expression valid. */
static sl_status bind_date_arith(binder *b, sli_expr *e)
{
    sl_type lt = e->args[0]->type, rt = e->args[1]->type;
    bool ld = lt.id == SL_TYPE_DATE32, rd = rt.id == SL_TYPE_DATE32;
    bool lint = sli_is_integer(lt) || lt.id == SL_TYPE_NULL,
         rint = sli_is_integer(rt) || rt.id == SL_TYPE_NULL;
    sl_status s;
    if (e->op == SLI_OP_ADD && !ld && lint) { /* days + date */
        swap_args(e);
        ld = true, rd = false, rint = lint;
    }
    if (ld && rd) {
        if (e->op != SLI_OP_SUB) return type_error2(b, e, "cannot apply '+' to", lt, rt);
        e->type = sli_type(SL_TYPE_INT64);
        return SL_OK;
    }
    if (ld && rint) {
        if ((s = sli_coerce(b->ctx, b->src, &e->args[1], sli_type(SL_TYPE_INT64)))) return s;
        e->type = sli_type(SL_TYPE_DATE32);
        return SL_OK;
    }
    if (e->op == SLI_OP_SUB && rd && lt.id == SL_TYPE_NULL) { /* null - date */
        if ((s = sli_coerce(b->ctx, b->src, &e->args[0], rt))) return s;
        e->type = sli_type(SL_TYPE_INT64);
        return SL_OK;
    }
    char what[48];
    snprintf(what, sizeof what, "cannot apply '%s' to", sli_op_str(e->op));
    return type_error2(b, e, what, lt, rt);
}

/* date + or - interval (or interval + date). A day interval becomes a
 * number of days; a month or year interval stays an SLI_EX_INTERVAL operand. */
static sl_status bind_interval_arith(binder *b, sli_expr *e)
{
    int iv = e->args[0]->kind == SLI_EX_INTERVAL ? 0 : 1;
    sli_expr *other = e->args[1 - iv];
    char a[32];
    if (other->kind == SLI_EX_INTERVAL || (iv == 0 && e->op == SLI_OP_SUB))
        return sli_source_error(b->ctx, SL_ERR_TYPE, b->src, e->line, e->col,
                                "type error: an interval can only be added to or subtracted from a date");
    sl_status s = bind(b, &e->args[1 - iv]);
    if (s) return s;
    if (iv == 0) swap_args(e);
    if (e->args[0]->type.id == SL_TYPE_NULL &&
        (s = sli_coerce(b->ctx, b->src, &e->args[0], sli_type(SL_TYPE_DATE32))))
        return s;
    if (e->args[0]->type.id != SL_TYPE_DATE32)
        return sli_source_error(b->ctx, SL_ERR_TYPE, b->src, e->line, e->col,
                                "type error: cannot add an interval to %s (only to a date)",
                                tname(e->args[0]->type, a, sizeof a));
    sli_expr *itv = e->args[1];
    if (itv->unit == SLI_IV_DAY) {
        itv->kind = SLI_EX_LITERAL;
        itv->lit.type = sli_type(SL_TYPE_INT64);
        itv->type = itv->lit.type;
    } else {
        itv->type = sli_type(SL_TYPE_INT64);
    }
    e->type = sli_type(SL_TYPE_DATE32);
    return SL_OK;
}

static sl_status bind_arith(binder *b, sli_expr *e)
{
    sl_type lt = e->args[0]->type, rt = e->args[1]->type;
    if ((lt.id == SL_TYPE_DATE32 || rt.id == SL_TYPE_DATE32) && (e->op == SLI_OP_ADD || e->op == SLI_OP_SUB))
        return bind_date_arith(b, e);
    if (lt.id == SL_TYPE_NULL) lt = rt.id == SL_TYPE_NULL ? sli_type(SL_TYPE_INT64) : rt;
    if (rt.id == SL_TYPE_NULL) rt = lt;
    if (!sli_is_numeric(lt) || !sli_is_numeric(rt)) {
        char what[48];
        snprintf(what, sizeof what, "cannot apply '%s' to", sli_op_str(e->op));
        return type_error2(b, e, what, e->args[0]->type, e->args[1]->type);
    }
    sl_type lc, rc, res;
    bool fl = lt.id == SL_TYPE_FLOAT64 || rt.id == SL_TYPE_FLOAT64;
    bool dec = lt.id == SL_TYPE_DECIMAL || rt.id == SL_TYPE_DECIMAL;
    int ls = lt.id == SL_TYPE_DECIMAL ? lt.scale : 0, rs = rt.id == SL_TYPE_DECIMAL ? rt.scale : 0;
    if (e->op == SLI_OP_DIV || fl) {
        lc = rc = res = sli_type(SL_TYPE_FLOAT64);
    } else if (e->op == SLI_OP_MOD) {
        if (dec) return type_error2(b, e, "cannot apply '%' to", lt, rt);
        lc = rc = res = sli_type(SL_TYPE_INT64);
    } else if (!dec) {
        lc = rc = res = sli_type(SL_TYPE_INT64);
    } else if (e->op == SLI_OP_MUL) {
        if (ls + rs > 18) {
            lc = rc = res = sli_type(SL_TYPE_FLOAT64);
        } else {
            lc = ls ? sli_decimal(18, ls) : sli_type(SL_TYPE_INT64);
            rc = rs ? sli_decimal(18, rs) : sli_type(SL_TYPE_INT64);
            if (lt.id == SL_TYPE_DECIMAL && !ls) lc = sli_decimal(18, 0);
            if (rt.id == SL_TYPE_DECIMAL && !rs) rc = sli_decimal(18, 0);
            res = sli_decimal(18, ls + rs);
        }
    } else {
        int s = ls > rs ? ls : rs;
        lc = rc = res = sli_decimal(18, s);
    }
    sl_status st;
    if ((st = sli_coerce(b->ctx, b->src, &e->args[0], lc)) ||
        (st = sli_coerce(b->ctx, b->src, &e->args[1], rc)))
        return st;
    e->type = res;
    return SL_OK;
}

/* The common type of two case branch values: numbers widen as in
 * comparisons; utf8 meets only utf8; NULL meets everything. */
static bool case_common(sl_type a, sl_type b, sl_type *out)
{
    if (a.id != SL_TYPE_NULL && b.id != SL_TYPE_NULL && (a.id == SL_TYPE_UTF8) != (b.id == SL_TYPE_UTF8))
        return false;
    return common_type(a, b, out);
}

/* Conditions must be boolean; the values are coerced to one type (a column's
 * own type when every other value is a literal that fits it). A missing else
 * becomes a NULL of that type. */
static sl_status bind_case(binder *b, sli_expr *e)
{
    char a[32], c[32], et[256];
    sl_status s;
    size_t nb = e->nargs / 2;
    for (size_t i = 0; i < nb; i++) {
        sl_type t = e->args[2 * i]->type;
        if (t.id == SL_TYPE_NULL && (s = sli_coerce(b->ctx, b->src, &e->args[2 * i], sli_type(SL_TYPE_BOOL))))
            return s;
        if (t.id != SL_TYPE_BOOL && t.id != SL_TYPE_NULL) {
            const sli_expr *w = e->args[2 * i];
            return sli_source_error(b->ctx, SL_ERR_TYPE, b->src, w->line, w->col,
                                    "type error: the 'when' condition '%s' is %s, not bool",
                                    etext(b, w, et, sizeof et), tname(t, a, sizeof a));
        }
    }
    /* value positions: 1, 3, ..., and the else (the last argument when nargs is odd) */
#define VAL(k) ((k) < nb ? 2 * (k) + 1 : e->nargs - 1)
    size_t nv = nb + (e->nargs % 2);
    sl_type t = sli_type(SL_TYPE_NULL);
    for (size_t k = 0; k < nv; k++) {
        sl_type vt = e->args[VAL(k)]->type, nt;
        if (!case_common(t, vt, &nt)) {
            const sli_expr *v = e->args[VAL(k)];
            return sli_source_error(b->ctx, SL_ERR_TYPE, b->src, v->line, v->col,
                                    "type error in '%s': the case values have types %s and %s, which do not "
                                    "mix",
                                    etext(b, e, et, sizeof et), tname(t, a, sizeof a),
                                    tname(vt, c, sizeof c));
        }
        if (vt.id != SL_TYPE_NULL) t = t.id == SL_TYPE_NULL ? vt : nt;
    }
    /* Prefer the type of the non-literal values when they all share it and
     * every literal value fits it (no cast of a column for `else 0`). */
    const sli_expr *first = NULL;
    for (size_t k = 0; k < nv && !first; k++)
        if (e->args[VAL(k)]->kind != SLI_EX_LITERAL) first = e->args[VAL(k)];
    if (first && first->type.id != SL_TYPE_NULL) {
        bool all = true;
        sl_type p = first->type, dummy;
        for (size_t k = 0; k < nv && all; k++) {
            const sli_expr *v = e->args[VAL(k)];
            if (v->type.id == SL_TYPE_NULL) continue;
            if (v->kind != SLI_EX_LITERAL)
                all = sli_type_eq(v->type, p);
            else
                all = case_common(v->type, p, &dummy) && literal_fits(v, p);
        }
        if (all) t = p;
    }
    for (size_t k = 0; k < nv; k++)
        if ((s = sli_coerce(b->ctx, b->src, &e->args[VAL(k)], t))) return s;
#undef VAL
    if (e->nargs % 2 == 0) {
        sli_expr *null = sli_expr_new(SLI_EX_LITERAL, e->line, e->col);
        if (!null) return nomem(b);
        null->lit.type = null->type = t;
        null->lit.is_null = true;
        if (!sli_expr_push(e, null)) return nomem(b);
    }
    e->type = t;
    return SL_OK;
}

/* ---- negation normal form ---------------------------------------------- */

static sli_op flip(sli_op op)
{
    switch (op) {
    case SLI_OP_EQ: return SLI_OP_NE;
    case SLI_OP_NE: return SLI_OP_EQ;
    case SLI_OP_LT: return SLI_OP_GE;
    case SLI_OP_LE: return SLI_OP_GT;
    case SLI_OP_GT: return SLI_OP_LE;
    case SLI_OP_GE: return SLI_OP_LT;
    default: return op;
    }
}

/* Replaces bound boolean *pe by its negation, pushing NOT to the leaves. */
static sl_status negate(binder *b, sli_expr **pe)
{
    sli_expr *e = *pe;
    if (e->kind == SLI_EX_BINARY && is_cmp(e->op)) {
        e->op = flip(e->op);
        return SL_OK;
    }
    if (e->kind == SLI_EX_BINARY && (e->op == SLI_OP_AND || e->op == SLI_OP_OR)) {
        e->op = e->op == SLI_OP_AND ? SLI_OP_OR : SLI_OP_AND;
        sl_status s = negate(b, &e->args[0]);
        return s ? s : negate(b, &e->args[1]);
    }
    if (e->kind == SLI_EX_IS_NULL || (e->kind == SLI_EX_CALL && e->name && strcmp(e->name, SLI_LIKE) == 0)) {
        e->negated = !e->negated;
        return SL_OK;
    }
    if (e->kind == SLI_EX_LITERAL) {
        if (!e->lit.is_null) e->lit.i = !e->lit.i;
        return SL_OK;
    }
    /* A boolean value: NOT x is x = false (NULL stays NULL). */
    sli_expr *cmp = sli_expr_new(SLI_EX_BINARY, e->line, e->col);
    sli_expr *f = sli_expr_new(SLI_EX_LITERAL, e->line, e->col);
    if (!cmp || !f) {
        sli_expr_free(cmp);
        sli_expr_free(f);
        return nomem(b);
    }
    f->lit.type = f->type = sli_type(SL_TYPE_BOOL);
    cmp->op = SLI_OP_EQ;
    cmp->type = sli_type(SL_TYPE_BOOL);
    if (!sli_expr_push(cmp, e)) {
        *pe = NULL;
        sli_expr_free(f);
        return nomem(b);
    }
    *pe = cmp;
    if (!sli_expr_push(cmp, f)) return nomem(b);
    return SL_OK;
}

/* ---- desugaring --------------------------------------------------------- */

/* BETWEEN and IN become comparisons (unbound), taking over e's children. */
static sli_expr *desugar(sli_expr *e)
{
    sli_expr *out = NULL;
    if (e->kind == SLI_EX_BETWEEN) {
        sli_expr *x2 = sli_expr_clone(e->args[0]);
        if (!x2) return NULL;
        sli_expr *lo = sli_expr_binary(e->negated ? SLI_OP_LT : SLI_OP_GE, e->args[0], e->args[1], e->line, e->col);
        sli_expr *hi = sli_expr_binary(e->negated ? SLI_OP_GT : SLI_OP_LE, x2, e->args[2], e->line, e->col);
        e->nargs = 0;
        if (!lo || !hi) {
            sli_expr_free(lo);
            sli_expr_free(hi);
            return NULL;
        }
        out = sli_expr_binary(e->negated ? SLI_OP_OR : SLI_OP_AND, lo, hi, e->line, e->col);
    } else { /* IN */
        for (size_t i = 1; i < e->nargs; i++) {
            sli_expr *x = i + 1 == e->nargs ? e->args[0] : sli_expr_clone(e->args[0]);
            if (i + 1 == e->nargs) e->args[0] = NULL;
            sli_expr *cmp =
                x ? sli_expr_binary(e->negated ? SLI_OP_NE : SLI_OP_EQ, x, e->args[i], e->line, e->col) : NULL;
            e->args[i] = NULL;
            if (!cmp) {
                sli_expr_free(out);
                return NULL;
            }
            out = out ? sli_expr_binary(e->negated ? SLI_OP_AND : SLI_OP_OR, out, cmp, e->line, e->col) : cmp;
            if (!out) return NULL;
        }
        e->nargs = 0;
    }
    return out;
}

/* ---- aggregates --------------------------------------------------------- */

static int agg_fn(const char *name, size_t nargs, bool star, sli_agg_fn *fn)
{
    if (strcmp(name, "count") == 0) {
        *fn = star ? SLI_AGG_COUNT_STAR : SLI_AGG_COUNT;
        return 1;
    }
    if (star) return 0;
    if (strcmp(name, "sum") == 0)
        *fn = SLI_AGG_SUM;
    else if (strcmp(name, "min") == 0)
        *fn = SLI_AGG_MIN;
    else if (strcmp(name, "max") == 0)
        *fn = SLI_AGG_MAX;
    else if (strcmp(name, "avg") == 0 || strcmp(name, "mean") == 0)
        *fn = SLI_AGG_AVG;
    else
        return -1;
    (void)nargs;
    return 1;
}

/* year(d), month(d), day(d) (also written extract(year from d)) -> int32. */
static sl_status bind_date_part(binder *b, sli_expr *e)
{
    char a[32];
    if (e->nargs != 1 || e->args[0]->kind == SLI_EX_STAR)
        return sli_source_error(b->ctx, SL_ERR_SYNTAX, b->src, e->line, e->col,
                                "%s() takes exactly one argument, a date", e->name);
    sl_status s = bind(b, &e->args[0]);
    if (s) return s;
    sl_type t = e->args[0]->type;
    if (t.id == SL_TYPE_NULL && (s = sli_coerce(b->ctx, b->src, &e->args[0], sli_type(SL_TYPE_DATE32))))
        return s;
    if (t.id != SL_TYPE_DATE32 && t.id != SL_TYPE_NULL)
        return sli_source_error(b->ctx, SL_ERR_TYPE, b->src, e->line, e->col,
                                "type error: cannot extract %s from %s (only from a date)", e->name,
                                tname(t, a, sizeof a));
    e->type = sli_type(SL_TYPE_INT32);
    return SL_OK;
}

/* Binds args[i] and makes it `want` (utf8 or int64): NULL and, for int64,
 * narrower integers are cast; anything else is a type error naming `what`. */
static sl_status bind_arg(binder *b, sli_expr *e, size_t i, sl_type_id want, const char *what)
{
    sl_status s = bind(b, &e->args[i]);
    if (s) return s;
    sl_type t = e->args[i]->type;
    char a[32];
    if (t.id == SL_TYPE_NULL || (want == SL_TYPE_INT64 && sli_is_integer(t)))
        return sli_coerce(b->ctx, b->src, &e->args[i], sli_type(want));
    if (t.id != want)
        return sli_source_error(b->ctx, SL_ERR_TYPE, b->src, e->args[i]->line, e->args[i]->col,
                                "type error: %s needs %s, not %s", what,
                                want == SL_TYPE_UTF8 ? "a string" : "an integer", tname(t, a, sizeof a));
    return SL_OK;
}

/* x [not] like 'pattern' -> bool (NULL x gives NULL). */
static sl_status bind_like(binder *b, sli_expr *e)
{
    if (e->nargs != 2 || e->args[1]->kind != SLI_EX_LITERAL || e->args[1]->lit.type.id != SL_TYPE_UTF8)
        return sli_source_error(b->ctx, SL_ERR_SYNTAX, b->src, e->line, e->col,
                                "like takes a string and a 'pattern' string literal");
    sl_status s = bind_arg(b, e, 0, SL_TYPE_UTF8, e->negated ? "'not like'" : "'like'");
    if (s) return s;
    if ((s = bind(b, &e->args[1]))) return s;
    e->type = sli_type(SL_TYPE_BOOL);
    return SL_OK;
}

/* substring(x, start [, length]) -> utf8; start and length become int64. */
static sl_status bind_substring(binder *b, sli_expr *e)
{
    if (e->nargs < 2 || e->nargs > 3 || e->args[0]->kind == SLI_EX_STAR)
        return sli_source_error(b->ctx, SL_ERR_SYNTAX, b->src, e->line, e->col,
                                "substring() takes a string, a start and an optional length");
    sl_status s = bind_arg(b, e, 0, SL_TYPE_UTF8, "substring()");
    if (!s) s = bind_arg(b, e, 1, SL_TYPE_INT64, "the start of substring()");
    if (!s && e->nargs == 3) s = bind_arg(b, e, 2, SL_TYPE_INT64, "the length of substring()");
    if (s) return s;
    e->type = sli_type(SL_TYPE_UTF8);
    return SL_OK;
}

static sl_status bind_call(binder *b, sli_expr **pe)
{
    sli_expr *e = *pe;
    if (strcmp(e->name, SLI_LIKE) == 0) return bind_like(b, e);
    if (strcmp(e->name, SLI_SUBSTRING) == 0) return bind_substring(b, e);
    if (sli_date_part_of(e->name) >= 0) return bind_date_part(b, e);
    bool star = e->nargs == 1 && e->args[0]->kind == SLI_EX_STAR;
    sli_agg_fn fn;
    int known = agg_fn(e->name, e->nargs, star, &fn);
    if (known < 0)
        return sli_source_error(b->ctx, SL_ERR_SYNTAX, b->src, e->line, e->col,
                                "unknown function '%s' (functions: sum, count, min, max, avg, year, month, "
                                "day, substring)",
                                e->name);
    if (known == 0 || (e->nargs != 1))
        return sli_source_error(b->ctx, SL_ERR_SYNTAX, b->src, e->line, e->col,
                                "%s() takes exactly one argument%s", e->name,
                                strcmp(e->name, "count") == 0 ? " or *" : "");
    if (!b->aggs)
        return sli_source_error(b->ctx, SL_ERR_SYNTAX, b->src, e->line, e->col,
                                "aggregate %s() is only allowed in agg(...)", e->name);
    sli_expr *arg = NULL;
    sl_type t = sli_type(SL_TYPE_INT64);
    char a[32];
    if (!star) {
        binder inner = {b->ctx, b->src, &b->aggs->input, NULL};
        arg = e->args[0];
        e->args[0] = NULL;
        sl_status s = bind(&inner, &arg);
        if (s) {
            sli_expr_free(arg);
            return s;
        }
        sl_type at = arg->type;
        switch (fn) {
        case SLI_AGG_COUNT: break;
        case SLI_AGG_SUM:
        case SLI_AGG_AVG:
            if (!sli_is_numeric(at)) {
                sli_expr_free(arg);
                return sli_source_error(b->ctx, SL_ERR_TYPE, b->src, e->line, e->col,
                                        "type error: %s() needs a number, not %s", e->name,
                                        tname(at, a, sizeof a));
            }
            if (sli_is_integer(at) && at.id != SL_TYPE_INT64) {
                /* integer sums run on the int64 kernel */
                sl_status cs = sli_coerce(b->ctx, b->src, &arg, sli_type(SL_TYPE_INT64));
                if (cs) {
                    sli_expr_free(arg);
                    return cs;
                }
            }
            if (fn == SLI_AGG_AVG || at.id == SL_TYPE_FLOAT64)
                t = sli_type(SL_TYPE_FLOAT64);
            else if (at.id == SL_TYPE_DECIMAL)
                t = sli_decimal(18, at.scale);
            break;
        case SLI_AGG_MIN:
        case SLI_AGG_MAX:
            if (!sli_is_numeric(at) && at.id != SL_TYPE_DATE32 && at.id != SL_TYPE_BOOL) {
                sli_expr_free(arg);
                return sli_source_error(b->ctx, SL_ERR_UNSUPPORTED, b->src, e->line, e->col,
                                        "%s() of %s is not supported; numbers, decimals and dates are",
                                        e->name, tname(at, a, sizeof a));
            }
            t = at;
            break;
        case SLI_AGG_COUNT_STAR: break;
        }
    }
    sli_agg_collector *c = b->aggs;
    if (c->naggs == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 8;
        sli_agg *na = realloc(c->aggs, cap * sizeof *na);
        if (!na) {
            sli_expr_free(arg);
            return nomem(b);
        }
        c->aggs = na;
        c->cap = cap;
    }
    c->aggs[c->naggs].fn = fn;
    c->aggs[c->naggs].arg = arg;
    c->aggs[c->naggs].type = t;
    /* The call becomes a reference to the aggregate's output column. */
    sli_expr *ref = sli_expr_new(SLI_EX_COLUMN, e->line, e->col);
    char text[256];
    sli_expr_format(e, NULL, text, sizeof text);
    if (!ref || !(ref->name = strdup(text))) {
        sli_expr_free(ref);
        sli_expr_free(arg);
        return nomem(b);
    }
    ref->index = (int)(c->base + c->naggs);
    ref->type = t;
    c->naggs++;
    sli_expr_free(e);
    *pe = ref;
    return SL_OK;
}

/* ---- the walk ----------------------------------------------------------- */

static sl_status bind_column(binder *b, sli_expr *e)
{
    const sli_scope *s = b->scope;
    long found = -1;
    int hits = 0;
    for (size_t i = 0; i < s->ncols; i++) {
        if (strcmp(s->names[i], e->name) == 0) {
            if (!hits) found = (long)i;
            hits++;
        }
    }
    if (hits == 0) {
        for (size_t i = 0; i < s->ncols && found < 0; i++)
            if (strcasecmp(s->names[i], e->name) == 0) found = (long)i, hits = 1;
    }
    if (hits == 1) {
        e->index = (int)found;
        e->type = s->types[found];
        return SL_OK;
    }
    if (hits > 1)
        return sli_source_error(b->ctx, SL_ERR_AMBIGUOUS, b->src, e->line, e->col,
                                "column '%s' is ambiguous: both join inputs have it; rename one side with "
                                "select(... as other_name)",
                                e->name);
    char cand[1024];
    sli_suggest(e->name, (const char *const *)s->names, s->ncols, cand, sizeof cand);
    return sli_source_error(b->ctx, SL_ERR_UNKNOWN_COLUMN, b->src, e->line, e->col, "unknown column '%s'; %s",
                            e->name, cand);
}

static sl_status bind(binder *b, sli_expr **pe)
{
    sli_expr *e = *pe;
    sl_status s = SL_OK;
    char a[32];
    switch (e->kind) {
    case SLI_EX_COLUMN: return bind_column(b, e);
    case SLI_EX_LITERAL: e->type = e->lit.type; return SL_OK;
    case SLI_EX_STAR:
        return sli_source_error(b->ctx, SL_ERR_SYNTAX, b->src, e->line, e->col,
                                "'*' is only allowed in count(*)");
    case SLI_EX_CALL: return bind_call(b, pe);
    case SLI_EX_INTERVAL:
        return sli_source_error(b->ctx, SL_ERR_TYPE, b->src, e->line, e->col,
                                "type error: an interval can only be added to or subtracted from a date");
    case SLI_EX_BINARY:
        if ((e->op == SLI_OP_ADD || e->op == SLI_OP_SUB) &&
            (e->args[0]->kind == SLI_EX_INTERVAL || e->args[1]->kind == SLI_EX_INTERVAL))
            return bind_interval_arith(b, e);
        break;
    case SLI_EX_BETWEEN:
    case SLI_EX_IN: {
        sli_expr *d = desugar(e);
        if (!d) return nomem(b);
        sli_expr_free(e);
        *pe = d;
        return bind(b, pe);
    }
    default: break;
    }
    for (size_t i = 0; i < e->nargs && !s; i++) s = bind(b, &e->args[i]);
    if (s) return s;
    switch (e->kind) {
    case SLI_EX_UNARY:
        if (e->op == SLI_OP_NOT) {
            sl_type t = e->args[0]->type;
            if (t.id == SL_TYPE_NULL)
                s = sli_coerce(b->ctx, b->src, &e->args[0], sli_type(SL_TYPE_BOOL));
            else if (t.id != SL_TYPE_BOOL)
                return sli_source_error(b->ctx, SL_ERR_TYPE, b->src, e->line, e->col,
                                        "type error: 'not' needs a boolean, not %s", tname(t, a, sizeof a));
            if (s) return s;
            sli_expr *inner = e->args[0];
            e->nargs = 0;
            sli_expr_free(e);
            *pe = inner;
            return negate(b, pe);
        }
        if (!sli_is_numeric(e->args[0]->type))
            return sli_source_error(b->ctx, SL_ERR_TYPE, b->src, e->line, e->col,
                                    "type error: cannot negate %s", tname(e->args[0]->type, a, sizeof a));
        if (sli_is_integer(e->args[0]->type) &&
            (s = sli_coerce(b->ctx, b->src, &e->args[0], sli_type(SL_TYPE_INT64))))
            return s;
        e->type = e->args[0]->type;
        return SL_OK;
    case SLI_EX_BINARY:
        if (is_cmp(e->op)) return bind_compare(b, e);
        if (e->op == SLI_OP_AND || e->op == SLI_OP_OR) {
            for (int i = 0; i < 2; i++) {
                sl_type t = e->args[i]->type;
                if (t.id == SL_TYPE_NULL &&
                    (s = sli_coerce(b->ctx, b->src, &e->args[i], sli_type(SL_TYPE_BOOL))))
                    return s;
                if (t.id != SL_TYPE_BOOL && t.id != SL_TYPE_NULL)
                    return type_error2(
                        b, e, e->op == SLI_OP_AND ? "'and' needs booleans, not" : "'or' needs booleans, not",
                        e->args[0]->type, e->args[1]->type);
            }
            e->type = sli_type(SL_TYPE_BOOL);
            return SL_OK;
        }
        return bind_arith(b, e);
    case SLI_EX_IS_NULL: e->type = sli_type(SL_TYPE_BOOL); return SL_OK;
    case SLI_EX_CAST: {
        sli_expr *arg = e->args[0];
        sl_type to = e->cast_type;
        e->nargs = 0;
        sli_expr_free(e);
        *pe = arg;
        return sli_coerce(b->ctx, b->src, pe, to);
    }
    case SLI_EX_ALIAS:
    case SLI_EX_ORDER: e->type = e->args[0]->type; return SL_OK;
    case SLI_EX_CASE: return bind_case(b, e);
    default:
        return sli_source_error(b->ctx, SL_ERR_INTERNAL, b->src, e->line, e->col, "unexpected expression");
    }
}

sl_status sli_bind_expr(sl_context *ctx, const sli_source *src, sli_expr **e, const sli_scope *scope,
                        sli_agg_collector *aggs)
{
    binder b = {ctx, src, scope, aggs};
    return bind(&b, e);
}

sl_status sli_negate(sl_context *ctx, sli_expr **e)
{
    binder b = {ctx, NULL, NULL, NULL};
    return negate(&b, e);
}

sl_status sli_bind_predicate(sl_context *ctx, const sli_source *src, sli_expr **e, const sli_scope *scope)
{
    sl_status s = sli_bind_expr(ctx, src, e, scope, NULL);
    if (s) return s;
    sl_type t = (*e)->type;
    if (t.id == SL_TYPE_NULL) return sli_coerce(ctx, src, e, sli_type(SL_TYPE_BOOL));
    if (t.id != SL_TYPE_BOOL) {
        char a[32], et[256];
        sli_expr_format(*e, (const char *const *)scope->names, et, sizeof et);
        return sli_source_error(ctx, SL_ERR_TYPE, src, (*e)->line, (*e)->col,
                                "type error: the condition '%s' is %s, not bool", et, tname(t, a, sizeof a));
    }
    return SL_OK;
}

char *sli_expr_output_name(const sli_expr *e, const sli_scope *scope)
{
    (void)scope;
    if (e->kind == SLI_EX_ALIAS) return strdup(e->name);
    if (e->kind == SLI_EX_COLUMN) return strdup(e->name);
    size_t n = sli_expr_format(e, NULL, NULL, 0);
    char *buf = malloc(n + 1);
    if (buf) sli_expr_format(e, NULL, buf, n + 1);
    return buf;
}
