/*
 * ocl_gen.c — writes one OpenCL C kernel per pipeline (see ocl_gen.h).
 *
 * The generator walks a pipeline's operators keeping, for each column of
 * the chunk at that point, the C expression that yields the row's value
 * (an input buffer read at the scan row or at a build row, or a named
 * register a projection computed). Expressions become nested C
 * expressions, so `and`, `or` and `case` evaluate only what the host's
 * evaluator would (an overflow in an untaken branch raises no flag).
 */
#include "ocl_gen.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/context.h"
#include "runtime/sbuf.h"
#include "runtime/types.h"

/* A column of the chunk at some point of the pipeline. */
typedef struct gcol {
    char code[48];          /* C expression of the row's value; "" for an input not read yet */
    char row[8];            /* an input column: the row variable it is read at */
    sl_type type;
    const sli_table *table; /* an input column: its table and column; else NULL */
    size_t col;
    /* a register holding year, month or day (dpart 0, 1, 2) of date column
     * dcol of dtable, so it can be a group key with a known range; else -1 */
    int dpart;
    const sli_table *dtable;
    size_t dcol;
} gcol;

typedef struct gen {
    const sli_physical *ph;
    size_t pi; /* the pipeline being generated */
    sli_ocl_gen *all;
    sli_ocl_pipe *p;
    sli_sbuf body; /* the row loop's statements */
    size_t ntemps;
    size_t loops; /* match loops the body opened (inner joins into an aggregate) */
    bool bad;
    bool nomem;
} gen;

static void unsupported(gen *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void unsupported(gen *g, const char *fmt, ...)
{
    if (g->bad) return; /* the first reason is the one reported */
    g->bad = true;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(g->p->reason, sizeof g->p->reason, fmt, ap);
    va_end(ap);
}

static const char *cl_elem(sl_type t)
{
    switch (t.id) {
    case SL_TYPE_BOOL: return "uchar";
    case SL_TYPE_INT8: return "char";
    case SL_TYPE_INT16: return "short";
    case SL_TYPE_INT32:
    case SL_TYPE_DATE32: return "int";
    case SL_TYPE_INT64:
    case SL_TYPE_DECIMAL: return "long";
    case SL_TYPE_FLOAT64: return "double";
    case SL_TYPE_UTF8: return "uint";
    case SL_TYPE_NULL: break;
    }
    return NULL;
}

static bool is_f64(sl_type t)
{
    return t.id == SL_TYPE_FLOAT64;
}

/* @return the input index of (table, col), adding it. */
static size_t input_of(gen *g, const sli_table *t, size_t col, sl_type type)
{
    sli_ocl_pipe *p = g->p;
    for (size_t i = 0; i < p->ninputs; i++)
        if (p->inputs[i].table == t && p->inputs[i].col == col) return i;
    sli_ocl_input *in = realloc(p->inputs, (p->ninputs + 1) * sizeof *in);
    if (!in) {
        g->nomem = g->bad = true;
        return 0;
    }
    p->inputs = in;
    in[p->ninputs] = (sli_ocl_input){t, col, type};
    return p->ninputs++;
}

/* An input column read at row variable `row` (made a kernel input when
 * first read: col_code). */
static gcol input_col(gen *g, const sli_table *t, size_t col, sl_type type, const char *row)
{
    gcol c = {.type = type, .table = t, .col = col, .dpart = -1};
    snprintf(c.row, sizeof c.row, "%s", row);
    if (type.id == SL_TYPE_NULL || !cl_elem(type)) {
        unsupported(g, "column '%s' has no device type", t->schema.names[col]);
        return c;
    }
    for (size_t i = 0; i < t->nparts; i++)
        if (t->parts[i].cols[col]->null_count) {
            unsupported(g, "column '%s' has NULLs", t->schema.names[col]);
            return c;
        }
    return c;
}

/* @return the C expression of a column's value, making an input column a
 * kernel input on first use. */
static const char *col_code(gen *g, const gcol *c)
{
    if (c->code[0] || !c->table) return c->code;
    gcol *m = (gcol *)c; /* the env entry caches its code */
    snprintf(m->code, sizeof m->code, "in%zu[%s]", input_of(g, c->table, c->col, c->type), c->row);
    return m->code;
}

/* ---- expressions --------------------------------------------------------- */

static void expr(gen *g, const sli_expr *e, const gcol *env, sli_sbuf *o);

/* Whether every column e reads is the one utf8 column *col (set on the first). */
static bool one_string_column(const sli_expr *e, const gcol *env, int *col)
{
    if (e->kind == SLI_EX_COLUMN) {
        if (env[e->index].type.id != SL_TYPE_UTF8 || !env[e->index].table) return false;
        if (*col >= 0 && *col != e->index) return false;
        *col = e->index;
        return true;
    }
    for (size_t i = 0; i < e->nargs; i++)
        if (!one_string_column(e->args[i], env, col)) return false;
    return true;
}

static void rebind_to_zero(sli_expr *e)
{
    if (e->kind == SLI_EX_COLUMN) e->index = 0;
    for (size_t i = 0; i < e->nargs; i++) rebind_to_zero(e->args[i]);
}

/* A predicate over one string column: a mask indexed by the column's code. */
static void string_mask(gen *g, const sli_expr *e, const gcol *env, int col, sli_sbuf *o)
{
    sli_ocl_pipe *p = g->p;
    const gcol *c = &env[col];
    size_t in = input_of(g, c->table, c->col, c->type);
    sli_ocl_strpred *m = realloc(p->masks, (p->nmasks + 1) * sizeof *m);
    if (m) p->masks = m;
    sli_expr *pred = m ? sli_expr_clone(e) : NULL;
    if (!pred) {
        g->nomem = g->bad = true;
        return;
    }
    rebind_to_zero(pred);
    m[p->nmasks] = (sli_ocl_strpred){in, pred};
    sli_sbuf_printf(o, "(m%zu[%s] != 0)", p->nmasks++, col_code(g, c));
}

static void literal(gen *g, const sli_expr *e, sli_sbuf *o)
{
    const sli_value *v = &e->lit;
    if (v->is_null || e->type.id == SL_TYPE_NULL) {
        unsupported(g, "a NULL value");
    } else if (e->type.id == SL_TYPE_UTF8) {
        unsupported(g, "a string value outside a predicate on one column");
    } else if (is_f64(e->type)) {
        if (!isfinite(v->f)) {
            unsupported(g, "a float literal that is not finite");
            return;
        }
        sli_sbuf_printf(o, "((double)%.17e)", v->f);
    } else if (v->i == INT64_MIN) {
        sli_sbuf_printf(o, "(-9223372036854775807L - 1L)");
    } else {
        sli_sbuf_printf(o, "((long)%" PRId64 "L)", v->i);
    }
}

static void binary(gen *g, const sli_expr *e, const gcol *env, sli_sbuf *o)
{
    static const char *const ops[] = {[SLI_OP_EQ] = "==", [SLI_OP_NE] = "!=", [SLI_OP_LT] = "<",
                                      [SLI_OP_LE] = "<=", [SLI_OP_GT] = ">",  [SLI_OP_GE] = ">=",
                                      [SLI_OP_AND] = "&&", [SLI_OP_OR] = "||", [SLI_OP_ADD] = "+",
                                      [SLI_OP_SUB] = "-", [SLI_OP_MUL] = "*",  [SLI_OP_DIV] = "/"};
    static const char *const checked[] = {[SLI_OP_ADD] = "sl_add", [SLI_OP_SUB] = "sl_sub",
                                          [SLI_OP_MUL] = "sl_mul", [SLI_OP_DIV] = "sl_div",
                                          [SLI_OP_MOD] = "sl_mod"};
    const sli_expr *a = e->args[0], *b = e->args[1];
    bool arith = e->op >= SLI_OP_ADD && e->op <= SLI_OP_MOD;
    if (arith && (a->type.id == SL_TYPE_DATE32 || b->type.id == SL_TYPE_DATE32 || a->kind == SLI_EX_INTERVAL ||
                  b->kind == SLI_EX_INTERVAL || e->type.id == SL_TYPE_DATE32)) {
        unsupported(g, "date arithmetic on a column");
        return;
    }
    if (arith && !is_f64(e->type)) {
        sli_sbuf_printf(o, "%s(", checked[e->op]);
        expr(g, a, env, o);
        sli_sbuf_printf(o, ", ");
        expr(g, b, env, o);
        sli_sbuf_printf(o, ", F)");
        return;
    }
    if (e->op == SLI_OP_MOD) {
        sli_sbuf_printf(o, "fmod(");
        expr(g, a, env, o);
        sli_sbuf_printf(o, ", ");
        expr(g, b, env, o);
        sli_sbuf_printf(o, ")");
        return;
    }
    if (!arith && (a->type.id == SL_TYPE_UTF8 || b->type.id == SL_TYPE_UTF8)) {
        unsupported(g, "a comparison of two string columns");
        return;
    }
    sli_sbuf_printf(o, "(");
    expr(g, a, env, o);
    sli_sbuf_printf(o, " %s ", ops[e->op]);
    expr(g, b, env, o);
    sli_sbuf_printf(o, ")");
}

/* cast(x as t), following runtime/eval.c's value_cast case by case. */
static void cast(gen *g, const sli_expr *e, const gcol *env, sli_sbuf *o)
{
    sl_type from = e->args[0]->type, to = e->type;
    if (from.id == SL_TYPE_UTF8 || to.id == SL_TYPE_UTF8 || from.id == SL_TYPE_NULL) {
        unsupported(g, "a cast from or to a string");
        return;
    }
    int fs = from.id == SL_TYPE_DECIMAL ? from.scale : 0, ts = to.id == SL_TYPE_DECIMAL ? to.scale : 0;
    bool ff = is_f64(from), tf = is_f64(to);
    sli_sbuf x = {0};
    expr(g, e->args[0], env, &x);
    const char *xs = x.buf ? x.buf : "0";
    if (ff && tf) {
        sli_sbuf_printf(o, "%s", xs);
    } else if (from.id == SL_TYPE_DECIMAL && tf) {
        sli_sbuf_printf(o, "((double)(%s) / %" PRId64 ".0)", xs, sli_pow10[fs]);
    } else if (ff && to.id == SL_TYPE_DECIMAL) {
        sli_sbuf_printf(o, "sl_scale_f64(%s, %" PRId64 ".0, F)", xs, sli_pow10[ts]);
    } else if (ff) {
        static const char *const lim[][2] = {[SL_TYPE_BOOL] = {"-128.0", "128.0"},
                                             [SL_TYPE_INT8] = {"-128.0", "128.0"},
                                             [SL_TYPE_INT16] = {"-32768.0", "32768.0"},
                                             [SL_TYPE_INT32] = {"-2147483648.0", "2147483648.0"},
                                             [SL_TYPE_DATE32] = {"-2147483648.0", "2147483648.0"},
                                             [SL_TYPE_INT64] = {"-9223372036854775808.0", "9223372036854775808.0"}};
        sli_sbuf_printf(o, "sl_f64_to_int(%s, %s, %s, F)", xs, lim[to.id][0], lim[to.id][1]);
    } else if (tf) {
        sli_sbuf_printf(o, "((double)(%s))", xs);
    } else if (from.id == SL_TYPE_DECIMAL || to.id == SL_TYPE_DECIMAL) {
        /* decimal <-> decimal or integer: rescale (an integer has scale 0) */
        if (ts > fs)
            sli_sbuf_printf(o, "sl_mul(%s, %" PRId64 "L, F)", xs, sli_pow10[ts - fs]);
        else if (ts < fs)
            sli_sbuf_printf(o, "sl_scale_down(%s, %" PRId64 "L)", xs, sli_pow10[fs - ts]);
        else
            sli_sbuf_printf(o, "%s", xs);
        if (to.id != SL_TYPE_DECIMAL && to.id != SL_TYPE_INT64 && !g->bad)
            unsupported(g, "a cast from a decimal to a narrow integer");
    } else if (sli_type_width(to) < sli_type_width(from) || (to.id == SL_TYPE_BOOL && from.id != SL_TYPE_BOOL)) {
        int64_t lo = to.id == SL_TYPE_INT8 || to.id == SL_TYPE_BOOL ? INT8_MIN
                     : to.id == SL_TYPE_INT16                       ? INT16_MIN
                                                                    : INT32_MIN;
        sli_sbuf_printf(o, "sl_narrow(%s, %" PRId64 "L, %" PRId64 "L, F)", xs, lo, -lo - 1);
    } else {
        sli_sbuf_printf(o, "((long)(%s))", xs);
    }
    sli_sbuf_free(&x);
}

static void list_pred(gen *g, const sli_expr *e, const gcol *env, sli_sbuf *o)
{
    sli_sbuf_printf(o, "%s(", e->negated ? "!" : "");
    if (e->kind == SLI_EX_BETWEEN) {
        sli_sbuf_printf(o, "(");
        expr(g, e->args[0], env, o);
        sli_sbuf_printf(o, " >= ");
        expr(g, e->args[1], env, o);
        sli_sbuf_printf(o, ") && (");
        expr(g, e->args[0], env, o);
        sli_sbuf_printf(o, " <= ");
        expr(g, e->args[2], env, o);
        sli_sbuf_printf(o, ")");
    } else {
        for (size_t i = 1; i < e->nargs; i++) {
            sli_sbuf_printf(o, "%s(", i > 1 ? " || " : "");
            expr(g, e->args[0], env, o);
            sli_sbuf_printf(o, " == ");
            expr(g, e->args[i], env, o);
            sli_sbuf_printf(o, ")");
        }
    }
    sli_sbuf_printf(o, ")");
}

static void case_expr(gen *g, const sli_expr *e, const gcol *env, sli_sbuf *o)
{
    size_t nb = e->nargs / 2;
    sli_sbuf_printf(o, "(");
    for (size_t i = 0; i < nb; i++) {
        sli_sbuf_printf(o, "(");
        expr(g, e->args[2 * i], env, o);
        sli_sbuf_printf(o, ") ? (%s)", is_f64(e->type) ? "double" : "long");
        expr(g, e->args[2 * i + 1], env, o);
        sli_sbuf_printf(o, " : ");
    }
    if (e->nargs % 2)
        expr(g, e->args[e->nargs - 1], env, o);
    else
        unsupported(g, "a case without else (NULL)");
    sli_sbuf_printf(o, ")");
}

static void expr(gen *g, const sli_expr *e, const gcol *env, sli_sbuf *o)
{
    if (g->bad) return;
    int scol = -1;
    if (e->type.id == SL_TYPE_BOOL && e->kind != SLI_EX_COLUMN && e->kind != SLI_EX_LITERAL &&
        one_string_column(e, env, &scol) && scol >= 0) {
        string_mask(g, e, env, scol, o);
        return;
    }
    switch (e->kind) {
    case SLI_EX_COLUMN:
        if (env[e->index].type.id == SL_TYPE_UTF8)
            unsupported(g, "a string value outside a predicate on one column");
        else if (is_f64(env[e->index].type))
            sli_sbuf_printf(o, "%s", col_code(g, &env[e->index]));
        else
            sli_sbuf_printf(o, "((long)%s)", col_code(g, &env[e->index]));
        return;
    case SLI_EX_LITERAL: literal(g, e, o); return;
    case SLI_EX_ALIAS: expr(g, e->args[0], env, o); return;
    case SLI_EX_UNARY:
        if (e->op == SLI_OP_NOT) {
            sli_sbuf_printf(o, "(!");
            expr(g, e->args[0], env, o);
        } else {
            sli_sbuf_printf(o, is_f64(e->type) ? "(-" : "sl_neg(");
            expr(g, e->args[0], env, o);
            if (!is_f64(e->type)) sli_sbuf_printf(o, ", F");
        }
        sli_sbuf_printf(o, ")");
        return;
    case SLI_EX_BINARY: binary(g, e, env, o); return;
    case SLI_EX_BETWEEN:
    case SLI_EX_IN: list_pred(g, e, env, o); return;
    case SLI_EX_IS_NULL: sli_sbuf_printf(o, "%d", e->negated ? 1 : 0); return; /* inputs have no NULLs */
    case SLI_EX_CAST: cast(g, e, env, o); return;
    case SLI_EX_CASE: case_expr(g, e, env, o); return;
    case SLI_EX_CALL: {
        int part = sli_date_part_of(e->name);
        if (part >= 0 && e->nargs == 1 && e->args[0]->type.id == SL_TYPE_DATE32) {
            sli_sbuf_printf(o, "((long)sl_civil((int)");
            expr(g, e->args[0], env, o);
            sli_sbuf_printf(o, ").s%d)", part);
        } else {
            unsupported(g, "the function '%s' on the device", e->name);
        }
        return;
    }
    case SLI_EX_STAR:
    case SLI_EX_ORDER:
    case SLI_EX_INTERVAL: break;
    }
    unsupported(g, "an expression the device does not evaluate");
}

/* ---- keys ---------------------------------------------------------------- */

/* The input column under casts that keep every value (integers widening). */
static const gcol *plain_column(const sli_expr *e, const gcol *env)
{
    while (e->kind == SLI_EX_CAST && e->args[0]->type.id != SL_TYPE_FLOAT64 && e->type.id != SL_TYPE_FLOAT64 &&
           e->args[0]->type.id != SL_TYPE_DECIMAL && e->type.id != SL_TYPE_DECIMAL &&
           sli_type_width(e->type) >= sli_type_width(e->args[0]->type))
        e = e->args[0];
    if (e->kind == SLI_EX_ALIAS) return plain_column(e->args[0], env);
    if (e->kind != SLI_EX_COLUMN || !env[e->index].table) return NULL;
    return &env[e->index];
}

static bool key_type_ok(sl_type t)
{
    return t.id != SL_TYPE_FLOAT64 && t.id != SL_TYPE_NULL;
}

/* Describes key expression e as a part of a packed key, writing the C
 * expression of its value into code. @return false when it cannot be one. */
static bool key_part(gen *g, const sli_expr *e, const gcol *env, sli_ocl_part *part, sli_sbuf *code)
{
    const sli_expr *x = e->kind == SLI_EX_ALIAS ? e->args[0] : e;
    int dp = x->kind == SLI_EX_CALL && x->nargs == 1 ? sli_date_part_of(x->name) : -1;
    if (dp < 0 && x->kind == SLI_EX_COLUMN && env[x->index].dtable) {
        /* a date part a projection computed */
        const gcol *c = &env[x->index];
        part->how = c->dpart == 0 ? SLI_OR_YEAR : c->dpart == 1 ? SLI_OR_MONTH : SLI_OR_DAY;
        part->table = c->dtable;
        part->col = c->dcol;
        part->type = e->type;
        sli_sbuf_printf(code, "((long)%s)", c->code);
        return true;
    }
    const gcol *c = plain_column(dp >= 0 ? x->args[0] : x, env);
    if (!c || !key_type_ok(c->type) || (dp >= 0 && c->type.id != SL_TYPE_DATE32)) return false;
    part->how = dp == 0 ? SLI_OR_YEAR : dp == 1 ? SLI_OR_MONTH : dp == 2 ? SLI_OR_DAY : SLI_OR_COLUMN;
    part->table = c->table;
    part->col = c->col;
    part->type = e->type;
    if (dp >= 0)
        sli_sbuf_printf(code, "((long)sl_civil((int)%s).s%d)", col_code(g, c), dp);
    else
        sli_sbuf_printf(code, "((long)%s)", col_code(g, c));
    return true;
}

/* Appends the statements that pack key parts into `var`; a part outside its
 * range runs `out_of_range`. */
static void pack(gen *g, const sli_ocl_keys *k, char *const *codes, const char *var, const char *out_of_range)
{
    sli_sbuf_printf(&g->body, "        ulong %s = 0;\n        {\n", var);
    for (size_t i = 0; i < k->nparts; i++) {
        sli_sbuf_printf(&g->body,
                        "            long v%zu = %s;\n"
                        "            if (v%zu < P[%zu] || v%zu > P[%zu]) %s\n"
                        "            %s += (ulong)(v%zu - P[%zu]) * (ulong)P[%zu];\n",
                        i, codes[i], i, SLI_OCL_KP_LO(k, i), i, SLI_OCL_KP_HI(k, i), out_of_range, var, i,
                        SLI_OCL_KP_LO(k, i), SLI_OCL_KP_MULT(k, i));
    }
    sli_sbuf_printf(&g->body, "        }\n");
}

static bool keys_alloc(gen *g, sli_ocl_keys *k, size_t n)
{
    k->nparts = n;
    k->parts = calloc(n ? n : 1, sizeof *k->parts);
    k->param = g->p->nparams;
    g->p->nparams += SLI_OCL_KP_COUNT(k);
    if (!k->parts) g->nomem = g->bad = true;
    return k->parts != NULL;
}

static char **codes_new(size_t n)
{
    return calloc(n ? n : 1, sizeof(char *));
}

static void codes_free(char **c, size_t n)
{
    if (!c) return;
    for (size_t i = 0; i < n; i++) free(c[i]);
    free(c);
}

/* ---- operators ----------------------------------------------------------- */

static gcol *env_new(gen *g, size_t n)
{
    gcol *e = calloc(n ? n : 1, sizeof *e);
    if (!e) g->nomem = g->bad = true;
    return e;
}

static gcol *op_filter(gen *g, const sli_plan *node, gcol *env)
{
    sli_sbuf c = {0};
    expr(g, node->pred, env, &c);
    if (!g->bad) sli_sbuf_printf(&g->body, "        if (!(%s)) continue;\n", c.buf);
    sli_sbuf_free(&c);
    return env;
}

static gcol *op_project(gen *g, const sli_plan *node, gcol *env)
{
    gcol *out = env_new(g, node->ncols);
    for (size_t i = 0; out && i < node->ncols && !g->bad; i++) {
        const sli_expr *e = node->exprs[i];
        while (e->kind == SLI_EX_ALIAS) e = e->args[0];
        if (e->kind == SLI_EX_COLUMN) {
            out[i] = env[e->index];
            continue;
        }
        if (e->type.id == SL_TYPE_UTF8) {
            unsupported(g, "a computed string column");
            break;
        }
        sli_sbuf c = {0};
        expr(g, e, env, &c);
        size_t t = g->ntemps++;
        if (!g->bad)
            sli_sbuf_printf(&g->body, "        %s t%zu = %s;\n", is_f64(e->type) ? "double" : "long", t, c.buf);
        sli_sbuf_free(&c);
        snprintf(out[i].code, sizeof out[i].code, "t%zu", t);
        out[i].type = e->type;
        out[i].dpart = -1;
        int dp = e->kind == SLI_EX_CALL && e->nargs == 1 ? sli_date_part_of(e->name) : -1;
        const gcol *src = dp >= 0 ? plain_column(e->args[0], env) : NULL;
        if (src && src->type.id == SL_TYPE_DATE32) {
            out[i].dpart = dp;
            out[i].dtable = src->table;
            out[i].dcol = src->col;
        }
    }
    free(env);
    return out;
}

static gcol *op_probe(gen *g, const sli_pop *op, gcol *env, size_t j)
{
    const sli_plan *node = op->node;
    const sli_ocl_pipe *b = &g->all->pipes[op->build];
    sli_ocl_pipe *p = g->p;
    if (!b->ok) {
        unsupported(g, "its join's build side stays on the CPU (%s)", b->reason);
        return env;
    }
    if (node->jtype == SLI_JOIN_LEFT) {
        unsupported(g, "a left outer join");
        return env;
    }
    p->probe_build[j] = op->build;
    sli_ocl_keys *k = &p->probe_keys[j];
    if (!keys_alloc(g, k, node->nkeys)) return env;
    for (size_t i = 0; i < k->nparts; i++) k->parts[i] = b->keys.parts[i];
    char **codes = codes_new(node->nkeys);
    for (size_t i = 0; codes && i < node->nkeys && !g->bad; i++) {
        sli_sbuf c = {0};
        expr(g, node->lkeys[i], env, &c);
        codes[i] = sli_sbuf_take(&c);
        if (!codes[i]) g->nomem = g->bad = true;
    }
    if (!codes) g->nomem = g->bad = true;
    if (g->bad) {
        codes_free(codes, node->nkeys);
        return env;
    }
    char var[32], miss[64];
    snprintf(var, sizeof var, "pk%zu", j);
    snprintf(miss, sizeof miss, "goto miss%zu;", j);
    sli_sbuf_printf(&g->body, "        uint b%zu = SL_NOROW;\n", j);
    pack(g, k, codes, var, miss);
    codes_free(codes, node->nkeys);
    sli_sbuf_printf(&g->body,
                    "        if (P[%zu] == 0) {\n"
                    "            b%zu = hr%zu[%s];\n"
                    "        } else {\n"
                    "            ulong s = sl_ht_find(hk%zu, (ulong)P[%zu], %s);\n"
                    "            if (s < (ulong)P[%zu]) b%zu = hr%zu[s];\n"
                    "        }\n"
                    "    miss%zu:\n",
                    SLI_OCL_KP_MODE(k), j, j, var, j, SLI_OCL_KP_CAP(k), var, SLI_OCL_KP_CAP(k), j, j, j);
    /* An inner join into an aggregate visits every build row of the key
     * (their chain: nx); elsewhere a row has at most one match (a repeated
     * key raises F[2] in the build and the CPU reruns the query). */
    if (node->jtype == SLI_JOIN_INNER && g->ph->pipes[g->pi].sink == SLI_SINK_AGG) {
        sli_sbuf_printf(&g->body, "        for (; b%zu != SL_NOROW; b%zu = nx%zu[b%zu]) {\n", j, j, j, j);
        g->loops++;
    } else {
        sli_sbuf_printf(&g->body, "        if (b%zu %s SL_NOROW) continue;\n", j,
                        node->jtype == SLI_JOIN_ANTI ? "!=" : "==");
    }
    if (node->jtype == SLI_JOIN_SEMI || node->jtype == SLI_JOIN_ANTI) return env;
    size_t nl = node->in[0]->ncols, nr = node->in[1]->ncols;
    gcol *out = env_new(g, nl + nr);
    if (!out) return env;
    memcpy(out, env, nl * sizeof *out);
    free(env);
    char row[32];
    snprintf(row, sizeof row, "b%zu", j);
    for (size_t c = 0; c < nr && !g->bad; c++)
        out[nl + c] = input_col(g, b->table, b->out_col[c], node->in[1]->types[c], row);
    return out;
}

/* ---- sinks --------------------------------------------------------------- */

static void sink_build(gen *g, const sli_pipeline *pl, gcol *env)
{
    const sli_plan *node = pl->sink_node;
    sli_ocl_pipe *p = g->p;
    if (pl->nops && !g->bad)
        for (size_t i = 0; i < pl->nops; i++)
            if (pl->ops[i].kind == SLI_POP_PROBE) {
                unsupported(g, "a build side that joins other tables");
                return;
            }
    p->unique = node->jtype == SLI_JOIN_INNER;
    size_t nout = node->in[1]->ncols;
    p->nout = nout;
    p->out_col = calloc(nout ? nout : 1, sizeof *p->out_col);
    if (!p->out_col) {
        g->nomem = g->bad = true;
        return;
    }
    for (size_t c = 0; c < nout; c++) {
        if (!env[c].table) {
            unsupported(g, "a computed build-side column");
            return;
        }
        p->out_col[c] = env[c].col;
    }
    if (!keys_alloc(g, &p->keys, node->nkeys)) return;
    char **codes = codes_new(node->nkeys);
    for (size_t i = 0; codes && i < node->nkeys && !g->bad; i++) {
        sli_sbuf c = {0};
        const gcol *col = plain_column(node->rkeys[i], env);
        if (!col || col->type.id == SL_TYPE_UTF8 || !key_type_ok(col->type) ||
            !key_part(g, node->rkeys[i], env, &p->keys.parts[i], &c))
            unsupported(g, "a join key that is not an integer or date column of the build side");
        codes[i] = sli_sbuf_take(&c);
    }
    if (!g->bad) {
        pack(g, &p->keys, codes, "key", "{ F[3] = 1; continue; }");
        const sli_ocl_keys *k = &p->keys;
        /* Semi and anti joins keep the first row of a key. An inner join
         * chains every row of a key (nx[row]: the next row of its key) and
         * notes a repeated key in F[2]: only a probe that can take one row
         * per key (a result sink) sends the query to the CPU for it. */
        if (p->unique)
            sli_sbuf_printf(&g->body,
                            "        ulong s = key;\n"
                            "        if (P[%zu] != 0) {\n"
                            "            int fresh = 0;\n"
                            "            s = sl_ht_insert(hk, (ulong)P[%zu], key, &fresh, F);\n"
                            "            if (s >= (ulong)P[%zu]) continue;\n"
                            "        }\n"
                            "        uint next = atomic_xchg(&hr[s], (uint)r);\n"
                            "        nx[r] = next;\n"
                            "        if (next != SL_NOROW) F[2] = 1;\n",
                            SLI_OCL_KP_MODE(k), SLI_OCL_KP_CAP(k), SLI_OCL_KP_CAP(k));
        else
            sli_sbuf_printf(&g->body,
                            "        if (P[%zu] == 0) {\n"
                            "            atomic_cmpxchg(&hr[key], SL_NOROW, (uint)r);\n"
                            "        } else {\n"
                            "            int fresh = 0;\n"
                            "            ulong s = sl_ht_insert(hk, (ulong)P[%zu], key, &fresh, F);\n"
                            "            if (s < (ulong)P[%zu] && fresh) hr[s] = (uint)r;\n"
                            "        }\n",
                            SLI_OCL_KP_MODE(k), SLI_OCL_KP_CAP(k), SLI_OCL_KP_CAP(k));
    }
    codes_free(codes, node->nkeys);
}

/* One aggregate's update of the group at `a` (a pointer to its fields) in
 * address space `sp` ("g" global, "l" local). */
static void agg_update(gen *g, const sli_agg *ag, size_t f, const char *arg, const char *sp)
{
    switch (ag->fn) {
    case SLI_AGG_COUNT:
    case SLI_AGG_COUNT_STAR: return; /* the rows field */
    case SLI_AGG_SUM:
    case SLI_AGG_AVG: sli_sbuf_printf(&g->body, "            sl_sum128_%s(a + %zu, %s);\n", sp, f, arg); return;
    case SLI_AGG_MIN: sli_sbuf_printf(&g->body, "            sl_min_%s(a + %zu, %s);\n", sp, f, arg); return;
    case SLI_AGG_MAX: sli_sbuf_printf(&g->body, "            sl_max_%s(a + %zu, %s);\n", sp, f, arg); return;
    }
}

static void sink_agg(gen *g, const sli_pipeline *pl, gcol *env)
{
    const sli_plan *node = pl->sink_node;
    sli_ocl_pipe *p = g->p;
    if (!keys_alloc(g, &p->keys, node->ngroups)) return;
    p->agg_field = calloc(node->naggs ? node->naggs : 1, sizeof *p->agg_field);
    p->init = calloc(1 + 2 * node->naggs, sizeof *p->init);
    char **codes = codes_new(node->ngroups), **args = codes_new(node->naggs);
    if (!p->agg_field || !p->init || !codes || !args) g->nomem = g->bad = true;
    for (size_t i = 0; !g->bad && i < node->ngroups; i++) {
        sli_sbuf c = {0};
        if (!key_part(g, node->groups[i], env, &p->keys.parts[i], &c))
            unsupported(g, "a group key that is not a column or a date part of one (or is a float)");
        codes[i] = sli_sbuf_take(&c);
    }
    size_t nf = 1; /* field 0: rows */
    for (size_t k = 0; !g->bad && k < node->naggs; k++) {
        const sli_agg *ag = &node->aggs[k];
        if (ag->arg && is_f64(ag->arg->type) && (ag->fn == SLI_AGG_SUM || ag->fn == SLI_AGG_AVG)) {
            unsupported(g, "a float sum (its order of additions would differ from the CPU's)");
            break;
        }
        if (ag->arg && is_f64(ag->arg->type)) {
            unsupported(g, "min or max of a float");
            break;
        }
        if (ag->arg && ag->arg->type.id == SL_TYPE_UTF8) {
            unsupported(g, "an aggregate of a string");
            break;
        }
        p->agg_field[k] = ag->fn == SLI_AGG_COUNT || ag->fn == SLI_AGG_COUNT_STAR ? 0 : nf;
        if (ag->fn == SLI_AGG_SUM || ag->fn == SLI_AGG_AVG) nf += 2;
        if (ag->fn == SLI_AGG_MIN) p->init[nf++] = SLI_OI_MAX;
        if (ag->fn == SLI_AGG_MAX) p->init[nf++] = SLI_OI_MIN;
        if (ag->arg && ag->fn != SLI_AGG_COUNT) {
            sli_sbuf c = {0};
            expr(g, ag->arg, env, &c);
            args[k] = sli_sbuf_take(&c);
        }
    }
    p->nfields = nf;
    if (!g->bad) {
        const sli_ocl_keys *k = &p->keys;
        pack(g, k, codes, "key", "{ F[3] = 1; continue; }");
        for (size_t a = 0; a < node->naggs; a++)
            if (args[a]) sli_sbuf_printf(&g->body, "        long x%zu = %s;\n", a, args[a]);
        sli_sbuf_printf(&g->body,
                        "        ulong slot = key;\n"
                        "        if (P[%zu] != 0) {\n"
                        "            int fresh = 0;\n"
                        "            slot = sl_ht_insert(gk, (ulong)P[%zu], key, &fresh, F);\n"
                        "            if (slot >= (ulong)P[%zu]) continue;\n"
                        "        }\n"
                        "        if (P[%zu] != 0) {\n"
                        "            volatile __local long *a = lacc + slot * %zu;\n"
                        "            atom_inc(a);\n",
                        SLI_OCL_KP_MODE(k), SLI_OCL_KP_CAP(k), SLI_OCL_KP_CAP(k), SLI_OCL_KP_LOCAL(k), nf);
        char x[32];
        for (size_t a = 0; a < node->naggs; a++) {
            snprintf(x, sizeof x, "x%zu", a);
            agg_update(g, &node->aggs[a], p->agg_field[a], x, "l");
        }
        sli_sbuf_printf(&g->body,
                        "        } else {\n"
                        "            volatile __global long *a = acc + slot * %zu;\n"
                        "            atom_inc(a);\n",
                        nf);
        for (size_t a = 0; a < node->naggs; a++) {
            snprintf(x, sizeof x, "x%zu", a);
            agg_update(g, &node->aggs[a], p->agg_field[a], x, "g");
        }
        sli_sbuf_printf(&g->body, "        }\n");
    }
    codes_free(codes, node->ngroups);
    codes_free(args, node->naggs);
}

/* The rows reach the sink: their values into the private registers o0.. */
static void sink_result(gen *g, const sli_pipeline *pl, gcol *env)
{
    const sli_plan *node = pl->sink_node;
    sli_ocl_pipe *p = g->p;
    size_t n = node->ncols;
    p->nout = n;
    p->out_col = calloc(n ? n : 1, sizeof *p->out_col);
    p->out_type = calloc(n ? n : 1, sizeof *p->out_type);
    p->out_table = calloc(n ? n : 1, sizeof *p->out_table);
    if (!p->out_col || !p->out_type || !p->out_table) {
        g->nomem = g->bad = true;
        return;
    }
    for (size_t c = 0; c < n && !g->bad; c++) {
        const gcol *v = &env[c];
        p->out_type[c] = node->types[c];
        if (v->type.id == SL_TYPE_UTF8 && !v->table) {
            unsupported(g, "a computed string column");
            return;
        }
        p->out_table[c] = v->table;
        p->out_col[c] = v->col;
        sli_sbuf_printf(&g->body, "        o%zu = (%s)%s;\n", c, cl_elem(v->type), col_code(g, v));
    }
}

/* A result sink's kernel after the common arguments: each work-group walks
 * its block of rows a tile at a time; the operators run inside a
 * do { } while (0), whose `continue` drops the row; a scan over the tile's
 * keep flags ranks the kept rows (see ocl_gen.h). */
static void assemble_result(gen *g, sli_sbuf *s)
{
    const sli_ocl_pipe *p = g->p;
    sli_sbuf_printf(s, ",\n    __global uint *counts, __global const ulong *offsets, int pass");
    for (size_t c = 0; c < p->nout; c++) sli_sbuf_printf(s, ",\n    __global %s *out%zu", cl_elem(p->out_type[c]), c);
    sli_sbuf_printf(s, ")\n{\n"
                       "    __local uint scan[2][256];\n"
                       "    const ulong ng = get_num_groups(0), lsz = get_local_size(0), lid = get_local_id(0);\n"
                       "    const ulong wg = get_group_id(0);\n"
                       "    const ulong per = ((n + ng - 1) / ng + lsz - 1) / lsz * lsz;\n"
                       "    const ulong start = wg * per, end = min(n, start + per);\n"
                       "    ulong base = pass ? offsets[wg] : 0;\n"
                       "    uint total = 0;\n"
                       "    for (ulong t = start; t < end; t += lsz) {\n"
                       "        const ulong r = t + lid;\n"
                       "        int keep = 0;\n");
    for (size_t c = 0; c < p->nout; c++) sli_sbuf_printf(s, "        %s o%zu = 0;\n", cl_elem(p->out_type[c]), c);
    sli_sbuf_printf(s, "        if (r < end) do {\n");
    if (g->body.buf) sli_sbuf_append(s, g->body.buf, g->body.len);
    sli_sbuf_printf(s, "        keep = 1;\n"
                       "        } while (0);\n"
                       "        int src = 0;\n"
                       "        scan[0][lid] = (uint)keep;\n"
                       "        barrier(CLK_LOCAL_MEM_FENCE);\n"
                       "        for (ulong off = 1; off < lsz; off <<= 1) {\n"
                       "            uint v = scan[src][lid];\n"
                       "            if (lid >= off) v += scan[src][lid - off];\n"
                       "            scan[1 - src][lid] = v;\n"
                       "            src = 1 - src;\n"
                       "            barrier(CLK_LOCAL_MEM_FENCE);\n"
                       "        }\n"
                       "        const uint rank = scan[src][lid], tile = scan[src][lsz - 1];\n"
                       "        if (pass && keep) {\n"
                       "            const ulong at = base + rank - 1;\n");
    for (size_t c = 0; c < p->nout; c++) sli_sbuf_printf(s, "            out%zu[at] = o%zu;\n", c, c);
    sli_sbuf_printf(s, "        }\n"
                       "        base += tile;\n"
                       "        total += tile;\n"
                       "        barrier(CLK_LOCAL_MEM_FENCE);\n"
                       "    }\n"
                       "    if (!pass && lid == 0) counts[wg] = total;\n"
                       "}\n");
}

/* The kernel's signature, the local pre-aggregation around the row loop and
 * the loop itself. */
static char *assemble(gen *g, const sli_pipeline *pl)
{
    sli_ocl_pipe *p = g->p;
    sli_sbuf s = {0};
    sli_sbuf_printf(&s, "__kernel void sl_pipe(ulong n, __constant long *P, __global int *F");
    for (size_t i = 0; i < p->ninputs; i++)
        sli_sbuf_printf(&s, ",\n    __global const %s *restrict in%zu", cl_elem(p->inputs[i].type), i);
    for (size_t i = 0; i < p->nmasks; i++) sli_sbuf_printf(&s, ",\n    __global const uchar *restrict m%zu", i);
    for (size_t j = 0; j < p->nprobes; j++)
        sli_sbuf_printf(&s,
                        ",\n    __global const ulong *restrict hk%zu, __global const uint *restrict hr%zu,"
                        " __global const uint *restrict nx%zu",
                        j, j, j);
    bool agg = pl->sink == SLI_SINK_AGG;
    if (pl->sink == SLI_SINK_RESULT) {
        assemble_result(g, &s);
        return sli_sbuf_take(&s);
    }
    if (agg)
        sli_sbuf_printf(&s, ",\n    __global long *acc, __global ulong *gk, __local long *lacc)\n{\n");
    else
        sli_sbuf_printf(&s, ",\n    __global ulong *hk, __global uint *hr, __global uint *nx)\n{\n");
    size_t nf = p->nfields;
    if (agg) {
        const sli_ocl_keys *k = &p->keys;
        sli_sbuf_printf(&s, "    const int local_agg = P[%zu] != 0;\n", SLI_OCL_KP_LOCAL(k));
        sli_sbuf_printf(&s,
                        "    if (local_agg) {\n"
                        "        for (ulong i = get_local_id(0); i < (ulong)P[%zu] * %zu; i += get_local_size(0)) {\n"
                        "            lacc[i] = 0;\n",
                        SLI_OCL_KP_CAP(k), nf);
        for (size_t f = 0; f < nf; f++)
            if (p->init[f] != SLI_OI_ZERO)
                sli_sbuf_printf(&s, "            if (i %% %zu == %zu) lacc[i] = %s;\n", nf, f,
                                p->init[f] == SLI_OI_MAX ? "LONG_MAX" : "LONG_MIN");
        sli_sbuf_printf(&s, "        }\n        barrier(CLK_LOCAL_MEM_FENCE);\n    }\n");
    }
    sli_sbuf_printf(&s, "    for (ulong r = get_global_id(0); r < n; r += get_global_size(0)) {\n");
    if (g->body.buf) sli_sbuf_append(&s, g->body.buf, g->body.len);
    sli_sbuf_printf(&s, "    }\n");
    if (agg) {
        const sli_ocl_keys *k = &p->keys;
        sli_sbuf_printf(&s,
                        "    if (local_agg) {\n"
                        "        barrier(CLK_LOCAL_MEM_FENCE);\n"
                        "        for (ulong g = get_local_id(0); g < (ulong)P[%zu]; g += get_local_size(0)) {\n"
                        "            __local long *l = lacc + g * %zu;\n"
                        "            if (l[0] == 0) continue;\n"
                        "            volatile __global long *a = acc + g * %zu;\n"
                        "            atom_add(a, l[0]);\n",
                        SLI_OCL_KP_CAP(k), nf, nf);
        for (size_t f = 1; f < nf; f++) {
            if (p->init[f] == SLI_OI_MAX)
                sli_sbuf_printf(&s, "            sl_min_g(a + %zu, l[%zu]);\n", f, f);
            else if (p->init[f] == SLI_OI_MIN)
                sli_sbuf_printf(&s, "            sl_max_g(a + %zu, l[%zu]);\n", f, f);
            else {
                sli_sbuf_printf(&s, "            sl_add128_g(a + %zu, l[%zu], l[%zu]);\n", f, f, f + 1);
                f++;
            }
        }
        sli_sbuf_printf(&s, "        }\n    }\n");
    }
    sli_sbuf_printf(&s, "}\n");
    return sli_sbuf_take(&s);
}

static void gen_pipe(gen *g, size_t pi)
{
    const sli_pipeline *pl = &g->ph->pipes[pi];
    sli_ocl_pipe *p = g->p;
    if (!pl->scan) {
        unsupported(g, "it reads an earlier pipeline's output");
        return;
    }
    if (pl->sink == SLI_SINK_SORT) {
        unsupported(g, "sorting runs on the CPU");
        return;
    }
    const sli_plan *scan = pl->scan;
    p->table = scan->table;
    if (scan->table->source) {
        unsupported(g, "it reads a %s table from storage (the device reads tables held in memory)",
                    scan->table->source->kind);
        return;
    }
    gcol *env = env_new(g, scan->ncols);
    for (size_t i = 0; env && i < scan->ncols && !g->bad; i++)
        env[i] = input_col(g, scan->table, scan->cols[i], scan->types[i], "r");
    size_t nprobes = 0;
    for (size_t i = 0; i < pl->nops; i++) nprobes += pl->ops[i].kind == SLI_POP_PROBE;
    p->probe_build = calloc(nprobes ? nprobes : 1, sizeof *p->probe_build);
    p->probe_keys = calloc(nprobes ? nprobes : 1, sizeof *p->probe_keys);
    if (!p->probe_build || !p->probe_keys) g->nomem = g->bad = true;
    p->nprobes = nprobes;
    size_t j = 0;
    for (size_t i = 0; i < pl->nops && !g->bad && env; i++) {
        const sli_pop *op = &pl->ops[i];
        switch (op->kind) {
        case SLI_POP_FILTER: env = op_filter(g, op->node, env); break;
        case SLI_POP_PROJECT: env = op_project(g, op->node, env); break;
        case SLI_POP_PROBE: env = op_probe(g, op, env, j++); break;
        case SLI_POP_LIMIT: unsupported(g, "a limit (it stops at the first rows)"); break;
        }
    }
    if (env && !g->bad) {
        if (pl->sink == SLI_SINK_BUILD)
            sink_build(g, pl, env);
        else if (pl->sink == SLI_SINK_RESULT)
            sink_result(g, pl, env);
        else
            sink_agg(g, pl, env);
        for (size_t i = 0; i < g->loops; i++) sli_sbuf_printf(&g->body, "        }\n");
    }
    free(env);
    if (!g->bad) {
        p->source = assemble(g, pl);
        if (!p->source) g->nomem = g->bad = true;
    }
}

static void pipe_free(sli_ocl_pipe *p)
{
    free(p->source);
    free(p->inputs);
    for (size_t i = 0; i < p->nmasks; i++) sli_expr_free(p->masks[i].pred);
    free(p->masks);
    free(p->keys.parts);
    free(p->probe_build);
    if (p->probe_keys)
        for (size_t j = 0; j < p->nprobes; j++) free(p->probe_keys[j].parts);
    free(p->probe_keys);
    free(p->agg_field);
    free(p->init);
    free(p->out_col);
    free(p->out_type);
    free(p->out_table);
}

void sli_ocl_gen_free(sli_ocl_gen *g)
{
    if (!g) return;
    for (size_t i = 0; i < g->npipes; i++) pipe_free(&g->pipes[i]);
    free(g->pipes);
    free(g);
}

sl_status sli_ocl_generate(sl_context *ctx, const sli_physical *ph, sli_ocl_gen **out)
{
    *out = NULL;
    sli_ocl_gen *all = calloc(1, sizeof *all);
    if (all) all->pipes = calloc(ph->npipes ? ph->npipes : 1, sizeof *all->pipes);
    if (!all || !all->pipes) {
        free(all);
        return sli_nomem(ctx, "OpenCL code generation");
    }
    all->npipes = ph->npipes;
    for (size_t i = 0; i < ph->npipes; i++) {
        gen g = {.ph = ph, .pi = i, .all = all, .p = &all->pipes[i]};
        gen_pipe(&g, i);
        sli_sbuf_free(&g.body);
        if (g.nomem) {
            sli_ocl_gen_free(all);
            return sli_nomem(ctx, "OpenCL code generation");
        }
        all->pipes[i].ok = !g.bad;
    }
    *out = all;
    return SL_OK;
}
