/*
 * expr.c — expression tree nodes: creation, copying, freeing and printing.
 *
 * sli_expr_format prints a tree in plan-file syntax so that the text parses
 * back to the same tree: binary operators are always parenthesised, operands
 * that have a lower precedence than their position allows are wrapped in
 * parentheses, literals keep their exact type (decimal scale, float64 always
 * with an exponent) and names that are not plain identifiers are quoted.
 */
#include "expr.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "runtime/types.h"

sli_expr *sli_expr_new(sli_expr_kind kind, int line, int col)
{
    sli_expr *e = calloc(1, sizeof *e);
    if (!e) return NULL;
    e->kind = kind;
    e->line = line;
    e->col = col;
    e->nulls_first = -1; /* the default order of nulls, not "last" */
    e->index = -1;       /* not bound to an input column yet */
    return e;
}

sli_expr *sli_expr_binary(sli_op op, sli_expr *l, sli_expr *r, int line, int col)
{
    sli_expr *e = sli_expr_new(SLI_EX_BINARY, line, col);
    if (!e) {
        sli_expr_free(l);
        sli_expr_free(r);
        return NULL;
    }
    e->op = op;
    bool ok = sli_expr_push(e, l);
    ok = sli_expr_push(e, r) && ok;
    if (!ok) {
        sli_expr_free(e);
        return NULL;
    }
    return e;
}

bool sli_expr_push(sli_expr *e, sli_expr *child)
{
    sli_expr **na = realloc(e->args, (e->nargs + 1) * sizeof *na);
    if (!na) {
        sli_expr_free(child);
        return false;
    }
    e->args = na;
    e->args[e->nargs++] = child;
    return true;
}

static char *dup_bytes(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (!d) return NULL;
    memcpy(d, s, n);
    d[n] = 0;
    return d;
}

sli_expr *sli_expr_clone(const sli_expr *e)
{
    if (!e) return NULL;
    sli_expr *c = malloc(sizeof *c);
    if (!c) return NULL;
    *c = *e;
    c->name = NULL;
    c->lit.s = NULL;
    c->args = NULL;
    c->nargs = 0;
    if (e->name && !(c->name = dup_bytes(e->name, strlen(e->name)))) goto fail;
    if (e->lit.s && !(c->lit.s = dup_bytes(e->lit.s, e->lit.slen))) goto fail;
    if (e->nargs) {
        c->args = calloc(e->nargs, sizeof *c->args);
        if (!c->args) goto fail;
        for (size_t i = 0; i < e->nargs; i++) {
            /* count the slot before filling it so that a failure frees what was copied */
            c->nargs = i + 1;
            if (e->args[i] && !(c->args[i] = sli_expr_clone(e->args[i]))) goto fail;
        }
    }
    return c;
fail:
    sli_expr_free(c);
    return NULL;
}

void sli_expr_free(sli_expr *e)
{
    if (!e) return;
    for (size_t i = 0; i < e->nargs; i++) sli_expr_free(e->args[i]);
    free(e->args);
    free(e->name);
    free(e->lit.s);
    free(e);
}

void sli_expr_free_list(sli_expr **list, size_t n)
{
    if (!list) return;
    for (size_t i = 0; i < n; i++) sli_expr_free(list[i]);
    free(list);
}

int sli_date_part_of(const char *name)
{
    static const char *const parts[] = {"year", "month", "day"};
    for (int i = 0; name && i < 3; i++)
        if (strcmp(name, parts[i]) == 0) return i;
    return -1;
}

const char *sli_op_str(sli_op op)
{
    switch (op) {
    case SLI_OP_NONE: return "?";
    case SLI_OP_NEG: return "-";
    case SLI_OP_NOT: return "not";
    case SLI_OP_ADD: return "+";
    case SLI_OP_SUB: return "-";
    case SLI_OP_MUL: return "*";
    case SLI_OP_DIV: return "/";
    case SLI_OP_MOD: return "%";
    case SLI_OP_EQ: return "=";
    case SLI_OP_NE: return "<>";
    case SLI_OP_LT: return "<";
    case SLI_OP_LE: return "<=";
    case SLI_OP_GT: return ">";
    case SLI_OP_GE: return ">=";
    case SLI_OP_AND: return "and";
    case SLI_OP_OR: return "or";
    }
    return "?";
}

/* ---- printing ------------------------------------------------------------ */

/* Output that counts every character but stores only what fits (snprintf-like). */
typedef struct writer {
    char *buf;
    size_t cap;
    size_t len; /* characters the full text needs so far */
} writer;

static void put_n(writer *w, const char *s, size_t n)
{
    if (w->cap > 0 && w->len < w->cap - 1) {
        size_t room = w->cap - 1 - w->len;
        memcpy(w->buf + w->len, s, n < room ? n : room);
    }
    w->len += n;
}

static void put(writer *w, const char *s)
{
    put_n(w, s, strlen(s));
}

static void put_c(writer *w, char c)
{
    put_n(w, &c, 1);
}

/* Words that the expression grammar treats specially: a column or alias with
 * one of these names is printed quoted. */
static const char *const keywords[] = {"let",   "table", "and",  "or",    "not",      "between",  "in",
                                       "is",    "null",  "true", "false", "as",       "asc",      "desc",
                                       "nulls", "first", "last", "cast",  "date",     "distinct", "case",
                                       "when",  "then",  "else", "end",   "interval", "extract"};

static bool plain_identifier(const char *s)
{
    if (!s || !((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '_')) return false;
    for (const char *q = s; *q; q++) {
        char c = *q;
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
            return false;
    }
    for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++)
        if (strcasecmp(s, keywords[i]) == 0) return false;
    return true;
}

static void put_quoted(writer *w, const char *s, size_t n, char q)
{
    put_c(w, q);
    for (size_t i = 0; i < n; i++) {
        if (s[i] == q) put_c(w, q); /* doubled quote escapes itself */
        put_c(w, s[i]);
    }
    put_c(w, q);
}

static void put_name(writer *w, const char *s)
{
    if (!s) s = "";
    if (plain_identifier(s))
        put(w, s);
    else
        put_quoted(w, s, strlen(s), '"');
}

/* float64 in the shortest form that reads back to the same value, always
 * with an exponent so that the lexer sees a float and not a decimal. */
static void put_float(writer *w, double v)
{
    char tmp[64];
    if (isnan(v) || isinf(v)) {
        put(w, "cast('");
        put(w, isnan(v) ? "nan" : v < 0 ? "-inf" : "inf");
        put(w, "' as float64)");
        return;
    }
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*g", prec, v);
        if (strtod(tmp, NULL) == v) break;
    }
    put(w, tmp);
    if (!strchr(tmp, 'e')) put(w, "e0");
}

static void put_type(writer *w, sl_type t)
{
    char tmp[48];
    put(w, sl_type_name(t, tmp, sizeof tmp));
}

static void put_literal(writer *w, const sli_value *v)
{
    char tmp[64];
    if (v->is_null || v->type.id == SL_TYPE_NULL) {
        if (v->type.id == SL_TYPE_NULL) {
            put(w, "null");
        } else {
            put(w, "cast(null as ");
            put_type(w, v->type);
            put_c(w, ')');
        }
        return;
    }
    switch (v->type.id) {
    case SL_TYPE_NULL: put(w, "null"); break;
    case SL_TYPE_BOOL: put(w, v->i ? "true" : "false"); break;
    case SL_TYPE_INT8:
    case SL_TYPE_INT16:
    case SL_TYPE_INT32:
    case SL_TYPE_INT64:
        snprintf(tmp, sizeof tmp, "%" PRId64, v->i);
        put(w, tmp);
        break;
    case SL_TYPE_FLOAT64: put_float(w, v->f); break;
    case SL_TYPE_DATE32:
        sli_date_format((int32_t)v->i, tmp, sizeof tmp);
        put(w, "date '");
        put(w, tmp);
        put_c(w, '\'');
        break;
    case SL_TYPE_DECIMAL:
        if (v->type.scale == 0 || v->type.scale > 18) {
            /* without a fraction the text would read back as an integer */
            snprintf(tmp, sizeof tmp, "%" PRId64, v->i);
            put(w, "cast(");
            put(w, tmp);
            put(w, " as ");
            put_type(w, v->type);
            put_c(w, ')');
        } else {
            sli_decimal_format(v->i, v->type.scale, tmp, sizeof tmp);
            put(w, tmp);
        }
        break;
    case SL_TYPE_UTF8: put_quoted(w, v->s ? v->s : "", v->s ? v->slen : 0, '\''); break;
    }
}

static void format(writer *w, const sli_expr *e, const char *const *names);

/* An operand of an operator: forms that bind more loosely than any operand
 * position (not, between, in, is null) are put in parentheses. */
static void format_operand(writer *w, const sli_expr *e, const char *const *names)
{
    bool wrap = e && (e->kind == SLI_EX_BETWEEN || e->kind == SLI_EX_IN || e->kind == SLI_EX_IS_NULL ||
                      e->kind == SLI_EX_ALIAS || e->kind == SLI_EX_ORDER ||
                      (e->kind == SLI_EX_UNARY && e->op == SLI_OP_NOT));
    if (wrap) put_c(w, '(');
    format(w, e, names);
    if (wrap) put_c(w, ')');
}

static const sli_expr *arg(const sli_expr *e, size_t i)
{
    return i < e->nargs ? e->args[i] : NULL;
}

static void format(writer *w, const sli_expr *e, const char *const *names)
{
    if (!e) {
        put(w, "<null>");
        return;
    }
    switch (e->kind) {
    case SLI_EX_COLUMN: put_name(w, names && e->index >= 0 ? names[e->index] : e->name); break;
    case SLI_EX_LITERAL: put_literal(w, &e->lit); break;
    case SLI_EX_STAR: put_c(w, '*'); break;
    case SLI_EX_UNARY:
        if (e->op == SLI_OP_NOT) {
            put(w, "not (");
            format(w, arg(e, 0), names);
            put_c(w, ')');
        } else {
            /* "-(1)" keeps a negated literal apart from a negative one, and
             * "-(-x)" keeps two minus signs from reading as a comment */
            const sli_expr *a = arg(e, 0);
            bool wrap = a && (a->kind == SLI_EX_LITERAL || a->kind == SLI_EX_UNARY);
            put(w, sli_op_str(e->op));
            if (wrap) {
                put_c(w, '(');
                format(w, a, names);
                put_c(w, ')');
            } else {
                format_operand(w, a, names);
            }
        }
        break;
    case SLI_EX_BINARY:
        put_c(w, '(');
        format_operand(w, arg(e, 0), names);
        put_c(w, ' ');
        put(w, sli_op_str(e->op));
        put_c(w, ' ');
        format_operand(w, arg(e, 1), names);
        put_c(w, ')');
        break;
    case SLI_EX_BETWEEN:
        format_operand(w, arg(e, 0), names);
        put(w, e->negated ? " not between " : " between ");
        format_operand(w, arg(e, 1), names);
        put(w, " and ");
        format_operand(w, arg(e, 2), names);
        break;
    case SLI_EX_IN:
        format_operand(w, arg(e, 0), names);
        put(w, e->negated ? " not in (" : " in (");
        for (size_t i = 1; i < e->nargs; i++) {
            if (i > 1) put(w, ", ");
            format(w, e->args[i], names);
        }
        put_c(w, ')');
        break;
    case SLI_EX_IS_NULL:
        format_operand(w, arg(e, 0), names);
        put(w, e->negated ? " is not null" : " is null");
        break;
    case SLI_EX_CAST:
        put(w, "cast(");
        format(w, arg(e, 0), names);
        put(w, " as ");
        put_type(w, e->cast_type);
        put_c(w, ')');
        break;
    case SLI_EX_CALL:
        if (e->name && strcmp(e->name, SLI_LIKE) == 0 && e->nargs == 2) {
            put_c(w, '(');
            format_operand(w, arg(e, 0), names);
            put(w, e->negated ? " not like " : " like ");
            format_operand(w, arg(e, 1), names);
            put_c(w, ')');
            break;
        }
        put(w, e->name ? e->name : "?");
        put_c(w, '(');
        for (size_t i = 0; i < e->nargs; i++) {
            if (i > 0) put(w, ", ");
            format(w, e->args[i], names);
        }
        put_c(w, ')');
        break;
    case SLI_EX_ALIAS:
        format(w, arg(e, 0), names);
        put(w, " as ");
        put_name(w, e->name);
        break;
    case SLI_EX_ORDER:
        format(w, arg(e, 0), names);
        put(w, e->desc ? " desc" : " asc");
        if (e->nulls_first == 1) put(w, " nulls first");
        if (e->nulls_first == 0) put(w, " nulls last");
        break;
    case SLI_EX_CASE:
        /* case ... end delimits itself: no parentheses needed around it or its parts */
        put(w, "case");
        for (size_t i = 0; i + 1 < e->nargs; i += 2) {
            put(w, " when ");
            format(w, e->args[i], names);
            put(w, " then ");
            format(w, e->args[i + 1], names);
        }
        if (e->nargs % 2) {
            put(w, " else ");
            format(w, e->args[e->nargs - 1], names);
        }
        put(w, " end");
        break;
    case SLI_EX_INTERVAL: {
        char tmp[32];
        snprintf(tmp, sizeof tmp, "interval '%" PRId64 "' %s", e->lit.i,
                 e->unit == SLI_IV_DAY     ? "day"
                 : e->unit == SLI_IV_MONTH ? "month"
                                           : "year");
        put(w, tmp);
        break;
    }
    }
}

size_t sli_expr_format(const sli_expr *e, const char *const *names, char *buf, size_t cap)
{
    writer w = {buf, cap, 0};
    format(&w, e, names);
    if (cap > 0) buf[w.len < cap ? w.len : cap - 1] = 0;
    return w.len;
}
