/*
 * parse_program.c — the statements of a plan file: `let name = chain;`
 * bindings and the final chain, each a source (`table("t")` or a binding's
 * name) followed by `.method(args)` steps, into an sli_program (grammar in
 * parse.h). The arguments of a step are expression list items, parsed by
 * parse.c (sli_parse_item); the first argument of join is a chain. Errors
 * follow parse.c's rule: the first one is recorded with its position and
 * caret, and everything built so far is freed.
 */
#include "parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lexer.h"
#include "parse_impl.h"

void sli_pchain_free(sli_pchain *c)
{
    if (!c) return;
    for (size_t i = 0; i < c->nsteps; i++) {
        free(c->steps[i].method);
        sli_pchain_free(c->steps[i].input);
        sli_expr_free_list(c->steps[i].args, c->steps[i].nargs);
    }
    free(c->steps);
    free(c->table);
    free(c->ref);
    free(c);
}

void sli_program_free(sli_program *prog)
{
    if (!prog) return;
    for (size_t i = 0; i < prog->nlets; i++) {
        free(prog->let_names[i]);
        sli_pchain_free(prog->let_chains[i]);
    }
    free(prog->let_names);
    free(prog->let_lines);
    free(prog->let_cols);
    free(prog->let_chains);
    sli_pchain_free(prog->main);
    free(prog);
}

static bool is_order_method(const sli_token *t)
{
    return sli_token_is(t, "orderby") || sli_token_is(t, "order_by") || sli_token_is(t, "sort");
}

static sli_pchain *parse_chain(sli_parser *p);

/* The arguments of a step, with the current token just after its '('. */
static bool parse_step_args(sli_parser *p, sli_pstep *st, bool is_join, sli_list_mode mode)
{
    if (sli_parse_cur(p)->kind == SLI_TOK_RPAREN) {
        sli_parse_advance(p);
        return true;
    }
    for (bool first = true;; first = false) {
        if (first && is_join) {
            if (!(st->input = parse_chain(p))) return false;
        } else {
            sli_expr *e = sli_parse_item(p, mode);
            if (!e || !sli_parse_push(p, &st->args, &st->nargs, e)) return false;
        }
        if (sli_parse_cur(p)->kind != SLI_TOK_COMMA) break;
        sli_parse_advance(p);
    }
    return sli_parse_expect(p, SLI_TOK_RPAREN, "',' or ')'");
}

static bool parse_source(sli_parser *p, sli_pchain *c)
{
    const sli_token *t = sli_parse_cur(p);
    c->line = t->line;
    c->col = t->col;
    if (sli_token_is(t, "table")) {
        sli_parse_advance(p);
        if (!sli_parse_expect(p, SLI_TOK_LPAREN, "'(' after 'table'")) return false;
        sli_tok_kind k = sli_parse_cur(p)->kind;
        if (k != SLI_TOK_STRING && k != SLI_TOK_QIDENT && k != SLI_TOK_IDENT) {
            sli_parse_expected(p, "a table name such as \"lineitem\"");
            return false;
        }
        sli_token name = sli_parse_advance(p);
        if (!(c->table = sli_token_text(&name, NULL))) {
            sli_parse_nomem(p);
            return false;
        }
        return sli_parse_expect(p, SLI_TOK_RPAREN, "')' after the table name");
    }
    if (t->kind != SLI_TOK_IDENT || sli_token_is(t, "let")) {
        sli_parse_expected(p, "table(\"name\") or the name of a let binding");
        return false;
    }
    sli_token name = sli_parse_advance(p);
    if (!(c->ref = sli_token_text(&name, NULL))) {
        sli_parse_nomem(p);
        return false;
    }
    return true;
}

static sli_pchain *parse_chain(sli_parser *p)
{
    if (!sli_parse_enter(p)) return NULL;
    sli_pchain *c = calloc(1, sizeof *c);
    if (!c) {
        sli_parse_leave(p);
        return sli_parse_nomem(p);
    }
    bool ok = parse_source(p, c);
    while (ok && sli_parse_cur(p)->kind == SLI_TOK_DOT) {
        sli_parse_advance(p);
        if (sli_parse_cur(p)->kind != SLI_TOK_IDENT) {
            sli_parse_expected(p, "a method name after '.'");
            ok = false;
            break;
        }
        if (sli_parse_peek(p, 1)->kind != SLI_TOK_LPAREN) {
            char what[96];
            snprintf(what, sizeof what, "'(' after '%.*s'",
                     (int)(sli_parse_cur(p)->len > 40 ? 40 : sli_parse_cur(p)->len), sli_parse_cur(p)->text);
            sli_parse_advance(p);
            sli_parse_expected(p, what);
            ok = false;
            break;
        }
        sli_pstep *ns = realloc(c->steps, (c->nsteps + 1) * sizeof *ns);
        if (!ns) {
            sli_parse_nomem(p);
            ok = false;
            break;
        }
        c->steps = ns;
        sli_pstep *st = &c->steps[c->nsteps++];
        memset(st, 0, sizeof *st);
        sli_token name = sli_parse_advance(p);
        sli_parse_advance(p); /* '(' */
        st->line = name.line;
        st->col = name.col;
        if (!(st->method = sli_token_text(&name, NULL))) {
            sli_parse_nomem(p);
            ok = false;
            break;
        }
        ok = parse_step_args(p, st, sli_token_is(&name, "join"),
                             is_order_method(&name) ? SLI_LIST_ORDER : SLI_LIST_PLAIN);
    }
    sli_parse_leave(p);
    if (!ok) {
        sli_pchain_free(c);
        return NULL;
    }
    return c;
}

/* `let name = chain ;` with the current token at "let". */
static bool parse_let(sli_parser *p, sli_program *prog, size_t *cap)
{
    sli_parse_advance(p);
    const sli_token *t = sli_parse_cur(p);
    if (t->kind != SLI_TOK_IDENT || sli_token_is(t, "let") || sli_token_is(t, "table")) {
        sli_parse_expected(p, "a name after 'let'");
        return false;
    }
    sli_token name = sli_parse_advance(p);
    char *s = sli_token_text(&name, NULL);
    if (!s) {
        sli_parse_nomem(p);
        return false;
    }
    for (size_t i = 0; i < prog->nlets; i++) {
        if (strcmp(prog->let_names[i], s) == 0) {
            sli_parse_fail(p, &name, SL_ERR_DUPLICATE, "'%s' is already defined", s);
            free(s);
            return false;
        }
    }
    if (prog->nlets == *cap) {
        size_t nc = *cap ? *cap * 2 : 4;
        char **nn = realloc(prog->let_names, nc * sizeof *nn);
        if (nn) prog->let_names = nn;
        int *nl = realloc(prog->let_lines, nc * sizeof *nl);
        if (nl) prog->let_lines = nl;
        int *ncol = realloc(prog->let_cols, nc * sizeof *ncol);
        if (ncol) prog->let_cols = ncol;
        sli_pchain **nch = realloc(prog->let_chains, nc * sizeof *nch);
        if (nch) prog->let_chains = nch;
        if (!nn || !nl || !ncol || !nch) {
            free(s);
            sli_parse_nomem(p);
            return false;
        }
        *cap = nc;
    }
    if (!sli_parse_expect(p, SLI_TOK_EQ, "'=' after the let name")) {
        free(s);
        return false;
    }
    sli_pchain *c = parse_chain(p);
    if (!c) {
        free(s);
        return false;
    }
    size_t i = prog->nlets++;
    prog->let_names[i] = s;
    prog->let_lines[i] = name.line;
    prog->let_cols[i] = name.col;
    prog->let_chains[i] = c;
    return sli_parse_expect(p, SLI_TOK_SEMI, "';' after the let binding");
}

sli_program *sli_parse_program(sl_context *ctx, const sli_source *src)
{
    sli_parser ps, *p = &ps;
    sli_parse_init(p, ctx, src, false);
    sli_program *prog = calloc(1, sizeof *prog);
    if (!prog) {
        sli_parse_nomem(p);
        return NULL;
    }
    size_t cap = 0;
    if (sli_parse_cur(p)->kind == SLI_TOK_EOF) {
        sli_parse_fail(p, sli_parse_cur(p), SL_ERR_SYNTAX,
                       "empty plan: expected a chain such as table(\"t\").select(...)");
        goto fail;
    }
    while (sli_parse_is_kw(p, "let"))
        if (!parse_let(p, prog, &cap)) goto fail;
    if (sli_parse_cur(p)->kind == SLI_TOK_EOF) {
        sli_parse_expected(p, "a chain such as table(\"t\").select(...) after the let bindings");
        goto fail;
    }
    if (!(prog->main = parse_chain(p))) goto fail;
    if (sli_parse_cur(p)->kind == SLI_TOK_SEMI) sli_parse_advance(p);
    if (sli_parse_cur(p)->kind != SLI_TOK_EOF) {
        char d[64];
        sli_parse_fail(p, sli_parse_cur(p), SL_ERR_SYNTAX, "unexpected %s after the end of the plan",
                       sli_token_describe(sli_parse_cur(p), d, sizeof d));
        goto fail;
    }
    return prog;
fail:
    sli_program_free(prog);
    return NULL;
}
