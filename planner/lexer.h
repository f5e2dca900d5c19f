/*
 * lexer.h — splits plan-file and expression text into tokens.
 *
 * Tokens: identifiers [A-Za-z_][A-Za-z0-9_]*, "double quoted identifiers"
 * ("" escapes a quote), integers (123), decimals (1.25, .5), floats (1e3,
 * 1.5e-2), 'strings' ('' escapes a quote) and the punctuation
 * ( ) , . ; = == <> != < <= > >= + - * / %. `#` and `--` start a comment that
 * runs to the end of the line. Keywords (also case, when, then, else, end,
 * extract, interval) are plain identifiers; the parser compares them
 * case-insensitively (sli_token_is).
 *
 * Positions are 1-based; columns count bytes. A token points into the source
 * text, which must outlive it.
 */
#ifndef SLI_LEXER_H
#define SLI_LEXER_H

#include <stdbool.h>
#include <stddef.h>

#include "source.h"

typedef enum sli_tok_kind {
    SLI_TOK_EOF = 0, /**< end of input; positioned just after the last token */
    SLI_TOK_ERROR,   /**< malformed input; see sli_lexer.err_* */
    SLI_TOK_IDENT,   /**< plain identifier or keyword */
    SLI_TOK_QIDENT,  /**< "quoted identifier" (text includes the quotes) */
    SLI_TOK_INT,     /**< digits */
    SLI_TOK_DECIMAL, /**< digits '.' digits, or '.' digits */
    SLI_TOK_FLOAT,   /**< a number with an exponent */
    SLI_TOK_STRING,  /**< 'string' (text includes the quotes) */
    SLI_TOK_LPAREN,
    SLI_TOK_RPAREN,
    SLI_TOK_COMMA,
    SLI_TOK_DOT,
    SLI_TOK_SEMI,
    SLI_TOK_EQ, /**< = or == */
    SLI_TOK_NE, /**< <> or != */
    SLI_TOK_LT,
    SLI_TOK_LE,
    SLI_TOK_GT,
    SLI_TOK_GE,
    SLI_TOK_PLUS,
    SLI_TOK_MINUS,
    SLI_TOK_STAR,
    SLI_TOK_SLASH,
    SLI_TOK_PERCENT,
} sli_tok_kind;

typedef struct sli_token {
    sli_tok_kind kind;
    const char *text; /**< the token's bytes in the source (not NUL-terminated) */
    size_t len;
    int line, col; /**< 1-based position of the first byte */
} sli_token;

typedef struct sli_lexer {
    const sli_source *src;
    const char *p;          /**< next byte to read */
    const char *line_start; /**< first byte of the current line */
    int line;
    int end_line, end_col; /**< just after the last token returned */
    /* Set once an SLI_TOK_ERROR has been returned; later calls return it again. */
    sl_status err_status;
    int err_line, err_col;
    char err_msg[160];
} sli_lexer;

/** Starts lexing src (which must outlive the lexer and its tokens). */
void sli_lexer_init(sli_lexer *lx, const sli_source *src);

/**
 * @return the next token. At the end of input, and after an error, the same
 * SLI_TOK_EOF or SLI_TOK_ERROR token is returned again on every call.
 */
sli_token sli_lexer_next(sli_lexer *lx);

/**
 * Records the lexer's error (position, message and caret) on ctx.
 * @return the error's status (SL_ERR_SYNTAX).
 */
sl_status sli_lexer_report(const sli_lexer *lx, sl_context *ctx);

/** @return true when t is an identifier equal to kw, ignoring case. */
bool sli_token_is(const sli_token *t, const char *kw);

/**
 * Decodes a STRING or QIDENT token: strips the quotes and undoes doubled
 * quotes. Other tokens are copied as they are.
 * @param len receives the length (the result is also NUL-terminated); may be NULL.
 * @return a malloc'd string the caller frees, or NULL on NOMEM.
 */
char *sli_token_text(const sli_token *t, size_t *len);

/**
 * Describes a token for an error message: "end of input", "string 'abc'",
 * or the token's text in quotes ('select'), cut when long.
 * @return buf.
 */
const char *sli_token_describe(const sli_token *t, char *buf, size_t cap);

#endif
