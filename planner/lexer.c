/*
 * lexer.c — the tokenizer of plan files and expressions (see lexer.h).
 *
 * The lexer works on demand, one token per call, so that the parser reports
 * the first problem in the text whether it is a bad character or a bad
 * sequence of tokens. An error is kept in the lexer and handed out as an
 * SLI_TOK_ERROR token; the parser records it on the context when it meets it.
 */
#include "lexer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "runtime/context.h"

static bool is_alpha(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_alnum(char c)
{
    return is_alpha(c) || is_digit(c);
}

void sli_lexer_init(sli_lexer *lx, const sli_source *src)
{
    memset(lx, 0, sizeof *lx);
    lx->src = src;
    lx->p = src && src->text ? src->text : "";
    lx->line_start = lx->p;
    lx->line = 1;
    lx->end_line = 1;
    lx->end_col = 1;
    lx->err_status = SL_OK;
}

static int col_of(const sli_lexer *lx, const char *at)
{
    return (int)(at - lx->line_start) + 1;
}

/* Writes one source character for a message: printable ASCII as is, a whole
 * valid UTF-8 sequence as is, anything else as \xNN. */
static void describe_char(const char *s, char *buf, size_t cap)
{
    unsigned char c = (unsigned char)s[0];
    if (c >= 0x20 && c < 0x7f) {
        snprintf(buf, cap, "%c", c);
        return;
    }
    size_t n = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    for (size_t i = 1; i < n; i++) {
        if (((unsigned char)s[i] & 0xc0) != 0x80) { /* also stops at the terminating NUL */
            n = 0;
            break;
        }
    }
    if (n > 0)
        snprintf(buf, cap, "%.*s", (int)n, s);
    else
        snprintf(buf, cap, "\\x%02x", c);
}

/* Keeps an error "<what> '<arg>'" (or just <what> when arg is NULL) and returns its token. */
static sli_token error_token(sli_lexer *lx, const char *at, int line, int col, const char *what,
                             const char *arg)
{
    lx->err_status = SL_ERR_SYNTAX;
    lx->err_line = line;
    lx->err_col = col;
    if (arg)
        snprintf(lx->err_msg, sizeof lx->err_msg, "%s '%s'", what, arg);
    else
        snprintf(lx->err_msg, sizeof lx->err_msg, "%s", what);
    sli_token t = {SLI_TOK_ERROR, at, 1, line, col};
    return t;
}

/* Skips white space and comments, counting lines. */
static void skip_blank(sli_lexer *lx)
{
    for (;;) {
        char c = *lx->p;
        if (c == '\n') {
            lx->p++;
            lx->line++;
            lx->line_start = lx->p;
        } else if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
            lx->p++;
        } else if (c == '#' || (c == '-' && lx->p[1] == '-')) {
            while (*lx->p && *lx->p != '\n') lx->p++;
        } else {
            return;
        }
    }
}

/* Scans a quoted token whose opening quote is at lx->p; a doubled quote is
 * part of the text. @return false when the input ends first. */
static bool scan_quoted(sli_lexer *lx, char q)
{
    lx->p++;
    for (;;) {
        char c = *lx->p;
        if (c == 0) return false;
        if (c == q) {
            if (lx->p[1] != q) {
                lx->p++;
                return true;
            }
            lx->p += 2;
            continue;
        }
        lx->p++;
        if (c == '\n') {
            lx->line++;
            lx->line_start = lx->p;
        }
    }
}

/* Scans a number at lx->p. @return its kind, or SLI_TOK_ERROR for text such as "1e" or "12abc". */
static sli_tok_kind scan_number(sli_lexer *lx)
{
    sli_tok_kind kind = SLI_TOK_INT;
    while (is_digit(*lx->p)) lx->p++;
    if (*lx->p == '.' && is_digit(lx->p[1])) {
        kind = SLI_TOK_DECIMAL;
        lx->p++;
        while (is_digit(*lx->p)) lx->p++;
    }
    if (*lx->p == 'e' || *lx->p == 'E') {
        const char *q = lx->p + 1;
        if (*q == '+' || *q == '-') q++;
        if (!is_digit(*q)) return SLI_TOK_ERROR;
        while (is_digit(*q)) q++;
        lx->p = q;
        kind = SLI_TOK_FLOAT;
    }
    if (is_alnum(*lx->p) || (*lx->p == '.' && is_digit(lx->p[1]))) return SLI_TOK_ERROR;
    return kind;
}

static sli_token lex(sli_lexer *lx)
{
    if (lx->err_status != SL_OK) {
        sli_token t = {SLI_TOK_ERROR, lx->p, 0, lx->err_line, lx->err_col};
        return t;
    }
    skip_blank(lx);
    const char *start = lx->p;
    int line = lx->line, col = col_of(lx, start);
    sli_token t = {SLI_TOK_EOF, start, 0, line, col};
    char c = *start;
    char ch[8];

    if (c == 0) {
        /* point at the end of the last token, not at trailing blank lines */
        t.line = lx->end_line;
        t.col = lx->end_col;
        return t;
    }
    if (is_alpha(c)) {
        while (is_alnum(*lx->p)) lx->p++;
        t.kind = SLI_TOK_IDENT;
    } else if (is_digit(c) || (c == '.' && is_digit(start[1]))) {
        t.kind = scan_number(lx);
        if (t.kind == SLI_TOK_ERROR) {
            const char *end = lx->p;
            while (is_alnum(*end) || *end == '.' || *end == '+' || *end == '-') end++;
            char num[48];
            size_t n = (size_t)(end - start);
            snprintf(num, sizeof num, "%.*s%s", n > 32 ? 32 : (int)n, start, n > 32 ? "..." : "");
            return error_token(lx, start, line, col, "malformed number", num);
        }
    } else if (c == '"' || c == '\'') {
        if (!scan_quoted(lx, c))
            return error_token(lx, start, line, col,
                               c == '"' ? "unterminated quoted identifier" : "unterminated string", NULL);
        t.kind = c == '"' ? SLI_TOK_QIDENT : SLI_TOK_STRING;
    } else {
        char n = start[1];
        size_t len = 1;
        switch (c) {
        case '(': t.kind = SLI_TOK_LPAREN; break;
        case ')': t.kind = SLI_TOK_RPAREN; break;
        case ',': t.kind = SLI_TOK_COMMA; break;
        case '.': t.kind = SLI_TOK_DOT; break;
        case ';': t.kind = SLI_TOK_SEMI; break;
        case '+': t.kind = SLI_TOK_PLUS; break;
        case '-': t.kind = SLI_TOK_MINUS; break;
        case '*': t.kind = SLI_TOK_STAR; break;
        case '/': t.kind = SLI_TOK_SLASH; break;
        case '%': t.kind = SLI_TOK_PERCENT; break;
        case '=':
            t.kind = SLI_TOK_EQ;
            len = n == '=' ? 2 : 1;
            break;
        case '<':
            t.kind = n == '=' ? SLI_TOK_LE : n == '>' ? SLI_TOK_NE : SLI_TOK_LT;
            len = n == '=' || n == '>' ? 2 : 1;
            break;
        case '>':
            t.kind = n == '=' ? SLI_TOK_GE : SLI_TOK_GT;
            len = n == '=' ? 2 : 1;
            break;
        case '!':
            if (n == '=') {
                t.kind = SLI_TOK_NE;
                len = 2;
                break;
            }
            /* fall through */
        default:
            describe_char(start, ch, sizeof ch);
            return error_token(lx, start, line, col, "unexpected character", ch);
        }
        lx->p += len;
    }
    t.len = (size_t)(lx->p - start);
    lx->end_line = lx->line;
    lx->end_col = col_of(lx, lx->p);
    return t;
}

sli_token sli_lexer_next(sli_lexer *lx)
{
    return lex(lx);
}

sl_status sli_lexer_report(const sli_lexer *lx, sl_context *ctx)
{
    sl_status s = lx->err_status != SL_OK ? lx->err_status : SL_ERR_INTERNAL;
    return sli_source_error(ctx, s, lx->src, lx->err_line, lx->err_col, "%s",
                            lx->err_status != SL_OK ? lx->err_msg : "no lexer error to report");
}

bool sli_token_is(const sli_token *t, const char *kw)
{
    return t->kind == SLI_TOK_IDENT && strlen(kw) == t->len && strncasecmp(t->text, kw, t->len) == 0;
}

char *sli_token_text(const sli_token *t, size_t *len)
{
    bool quoted = t->kind == SLI_TOK_STRING || t->kind == SLI_TOK_QIDENT;
    const char *s = t->text;
    size_t n = t->len;
    if (quoted && n >= 2) {
        s++;
        n -= 2;
    }
    char *out = malloc(n + 1);
    if (!out) return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        out[k++] = s[i];
        if (quoted && s[i] == t->text[0] && i + 1 < n && s[i + 1] == s[i]) i++; /* '' or "" */
    }
    out[k] = 0;
    if (len) *len = k;
    return out;
}

const char *sli_token_describe(const sli_token *t, char *buf, size_t cap)
{
    if (t->kind == SLI_TOK_EOF) {
        snprintf(buf, cap, "end of input");
        return buf;
    }
    size_t n = t->len > 40 ? 40 : t->len;
    const char *more = t->len > 40 ? "..." : "";
    if (t->kind == SLI_TOK_STRING)
        snprintf(buf, cap, "string %.*s%s", (int)n, t->text, more);
    else
        snprintf(buf, cap, "'%.*s%s'", (int)n, t->text, more);
    return buf;
}
