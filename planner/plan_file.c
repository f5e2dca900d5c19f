/*
 * plan_file.c — the plan-file front end: a parsed program (let bindings and
 * a final chain) is turned into frames by applying each step's
 * transformation, exactly as a C program calling the sl_frame_* functions
 * would. Errors point at the step or argument with file:line:column.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "frame.h"
#include "parse.h"
#include "runtime/context.h"

typedef struct env {
    sl_context *ctx;
    const sli_source *src;
    const sli_program *prog;
    sl_frame **lets; /**< frames of the bindings evaluated so far */
    size_t nlets;
} env;

static sl_frame *eval_chain(env *e, sli_pchain *c);

static bool method_is(const char *m, const char *const *names)
{
    for (; *names; names++)
        if (strcasecmp(m, *names) == 0) return true;
    return false;
}

static const char *const M_SELECT[] = {"select", NULL};
static const char *const M_WHERE[] = {"where", "filter", NULL};
static const char *const M_JOIN[] = {"join", NULL};
static const char *const M_GROUP[] = {"groupBy", "group_by", NULL};
static const char *const M_AGG[] = {"agg", "aggregate", NULL};
static const char *const M_ORDER[] = {"orderBy", "order_by", "sort", NULL};
static const char *const M_LIMIT[] = {"limit", NULL};
static const char *const M_WRITE[] = {"write", NULL};

/* Handles a write("path") step: only the last step of the plan's final
 * chain, with one string; the frame records the path for its caller. */
static bool apply_write(env *e, sl_frame *f, const sli_pchain *c, size_t i)
{
    const sli_pstep *st = &c->steps[i];
    if (c != e->prog->main || i + 1 != c->nsteps) {
        sli_source_error(e->ctx, SL_ERR_SYNTAX, e->src, st->line, st->col,
                         "write(...) must be the last step of the plan's final chain");
        return false;
    }
    /* The name comes "double quoted" like table("...") (parsed as a quoted
     * identifier) or as a 'string'. */
    const sli_expr *a = st->nargs == 1 ? st->args[0] : NULL;
    const char *path = !a                                                   ? NULL
                       : a->kind == SLI_EX_COLUMN                           ? a->name
                       : a->kind == SLI_EX_LITERAL && !a->lit.is_null && a->lit.type.id == SL_TYPE_UTF8 ? a->lit.s
                                                                            : NULL;
    if (!path || !*path) {
        sli_source_error(e->ctx, SL_ERR_SYNTAX, e->src, a ? a->line : st->line, a ? a->col : st->col,
                         "write() takes one file name, e.g. write(\"out.parquet\") or write(\"out.csv\")");
        return false;
    }
    free(f->output);
    f->output = strdup(path);
    if (!f->output) sli_nomem(e->ctx, "plan");
    return f->output != NULL;
}

/* Takes the step's argument list (the step no longer owns it). */
static sli_expr **take_args(sli_pstep *st, size_t *n)
{
    sli_expr **a = st->args;
    *n = st->nargs;
    st->args = NULL;
    st->nargs = 0;
    return a;
}

static sl_frame *apply(env *e, const sl_frame *f, sli_pstep *st)
{
    sl_context *ctx = e->ctx;
    size_t n;
    if (method_is(st->method, M_SELECT)) {
        sli_expr **a = take_args(st, &n);
        return sli_frame_select(f, a, n, e->src);
    }
    if (method_is(st->method, M_WHERE)) {
        if (st->nargs != 1) {
            sli_source_error(ctx, SL_ERR_SYNTAX, e->src, st->line, st->col,
                             "%s() takes one condition, found %zu (combine conditions with 'and')",
                             st->method, st->nargs);
            return NULL;
        }
        sli_expr **a = take_args(st, &n);
        sli_expr *pred = a[0];
        free(a);
        return sli_frame_where(f, pred, e->src);
    }
    if (method_is(st->method, M_JOIN)) {
        if (!st->input || st->nargs == 0) {
            sli_source_error(
                ctx, SL_ERR_SYNTAX, e->src, st->line, st->col,
                "join() takes the other input and a condition, e.g. join(o, l_orderkey = o_orderkey)");
            return NULL;
        }
        /* A last argument that is a string literal names the join type. */
        sli_join_type how = SLI_JOIN_INNER;
        const sli_expr *last = st->args[st->nargs - 1];
        if (last->kind == SLI_EX_LITERAL && !last->lit.is_null && last->lit.type.id == SL_TYPE_UTF8) {
            if (st->nargs == 1) {
                sli_source_error(ctx, SL_ERR_SYNTAX, e->src, last->line, last->col,
                                 "join() needs a condition before the join type, e.g. "
                                 "join(o, l_orderkey = o_orderkey, 'left')");
                return NULL;
            }
            if (!sli_join_type_parse(last->lit.s, &how)) {
                sli_source_error(ctx, SL_ERR_SYNTAX, e->src, last->line, last->col,
                                 "unknown join type '%s'; types: inner, left (left_outer), semi (left_semi), "
                                 "anti (left_anti)",
                                 last->lit.s);
                return NULL;
            }
            sli_expr_free(st->args[--st->nargs]);
        }
        sl_frame *right = eval_chain(e, st->input);
        if (!right) return NULL;
        sli_expr **a = take_args(st, &n);
        sl_frame *j = sli_frame_join(f, right, a, n, how, e->src);
        sl_frame_destroy(right);
        return j;
    }
    if (method_is(st->method, M_GROUP)) {
        sli_expr **a = take_args(st, &n);
        return sli_frame_group_by(f, a, n, e->src);
    }
    if (method_is(st->method, M_AGG)) {
        sli_expr **a = take_args(st, &n);
        return sli_frame_agg(f, a, n, e->src);
    }
    if (method_is(st->method, M_ORDER)) {
        sli_expr **a = take_args(st, &n);
        return sli_frame_order_by(f, a, n, e->src);
    }
    if (method_is(st->method, M_LIMIT)) {
        const sli_expr *a = st->nargs == 1 ? st->args[0] : NULL;
        if (!a || a->kind != SLI_EX_LITERAL || a->lit.is_null || a->lit.type.id != SL_TYPE_INT64 ||
            a->lit.i < 0) {
            sli_source_error(ctx, SL_ERR_SYNTAX, e->src, a ? a->line : st->line, a ? a->col : st->col,
                             "limit() takes one non-negative integer, e.g. limit(10)");
            return NULL;
        }
        return sli_frame_limit_n(f, a->lit.i);
    }
    sli_source_error(ctx, SL_ERR_SYNTAX, e->src, st->line, st->col,
                     "unknown step '%s'; steps: select, where, join, groupBy, agg, orderBy, limit, write",
                     st->method);
    return NULL;
}

/* Gives an error from a transformation the step's position, unless the
 * message already points into the source. */
static void locate(env *e, const sli_pstep *st)
{
    sl_context *ctx = e->ctx;
    size_t n = strlen(e->src->name);
    if (strncmp(ctx->last_error, e->src->name, n) == 0 && ctx->last_error[n] == ':') return;
    char msg[SLI_ERROR_CAP];
    snprintf(msg, sizeof msg, "%s", ctx->last_error);
    sli_source_error(ctx, ctx->last_status, e->src, st->line, st->col, "%s", msg);
}

static sl_frame *eval_chain(env *e, sli_pchain *c)
{
    sl_context *ctx = e->ctx;
    sl_frame *f = NULL;
    if (c->table) {
        f = sl_frame_table(ctx, c->table);
        if (!f) {
            char msg[SLI_ERROR_CAP];
            snprintf(msg, sizeof msg, "%s", ctx->last_error);
            sli_source_error(ctx, ctx->last_status, e->src, c->line, c->col, "%s", msg);
            return NULL;
        }
    } else {
        for (size_t i = 0; i < e->nlets; i++) {
            if (strcmp(e->prog->let_names[i], c->ref) == 0) {
                const sl_frame *b = e->lets[i];
                f = calloc(1, sizeof *f);
                if (!f) {
                    sli_nomem(ctx, "plan");
                    return NULL;
                }
                f->ctx = ctx;
                f->plan = sli_plan_ref(b->plan);
                break;
            }
        }
        if (!f) {
            sli_source_error(ctx, SL_ERR_UNKNOWN_TABLE, e->src, c->line, c->col,
                             "'%s' is not defined; use table(\"%s\") for a table or define it with let",
                             c->ref, c->ref);
            return NULL;
        }
    }
    for (size_t i = 0; i < c->nsteps; i++) {
        if (method_is(c->steps[i].method, M_WRITE)) {
            if (!apply_write(e, f, c, i)) {
                sl_frame_destroy(f);
                return NULL;
            }
            continue;
        }
        sl_frame *next = apply(e, f, &c->steps[i]);
        sl_frame_destroy(f);
        if (!next) {
            locate(e, &c->steps[i]);
            return NULL;
        }
        f = next;
    }
    if (f->grouped) {
        const sli_pstep *last = &c->steps[c->nsteps - 1];
        sli_source_error(ctx, SL_ERR_SYNTAX, e->src, last->line, last->col,
                         "groupBy must be followed by agg(...), e.g. .groupBy(k).agg(count(*) as n)");
        sl_frame_destroy(f);
        return NULL;
    }
    return f;
}

sl_frame *sl_frame_from_plan(sl_context *ctx, const char *text, const char *source_name)
{
    if (!ctx) return NULL;
    if (!text) {
        sli_error(ctx, SL_ERR_INVALID_ARG, "sl_frame_from_plan: text is NULL");
        return NULL;
    }
    sli_source src = {source_name ? source_name : "<plan>", text};
    sli_program *prog = sli_parse_program(ctx, &src);
    if (!prog) return NULL;
    env e = {ctx, &src, prog, NULL, 0};
    e.lets = calloc(prog->nlets ? prog->nlets : 1, sizeof *e.lets);
    sl_frame *out = NULL;
    if (!e.lets) {
        sli_nomem(ctx, "plan");
    } else {
        bool ok = true;
        for (size_t i = 0; i < prog->nlets && ok; i++) {
            e.lets[i] = eval_chain(&e, prog->let_chains[i]);
            ok = e.lets[i] != NULL;
            if (ok) e.nlets++;
        }
        if (ok) out = eval_chain(&e, prog->main);
        for (size_t i = 0; i < e.nlets; i++) sl_frame_destroy(e.lets[i]);
    }
    free(e.lets);
    sli_program_free(prog);
    return out;
}
