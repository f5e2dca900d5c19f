/*
 * sql.c — the SQL entry point of the C API: parse the query (sql_parse.c),
 * then build its frame with the DataFrame transformations (sql_plan.c), so
 * that SQL and DataFrame chains share one logical plan, optimizer and
 * executor.
 *
 * SQL's block comments are blanked out here (newlines kept, so positions in
 * error messages stay those of the text as written) because the shared
 * lexer knows only line comments.
 */
#include <stdlib.h>
#include <string.h>

#include "runtime/context.h"
#include "sql_ast.h"

/* Replaces each block comment of text (a copy) by spaces, keeping newlines.
 * @return SL_OK, or SL_ERR_SYNTAX for an unterminated comment (recorded). */
static sl_status blank_comments(sl_context *ctx, const sli_source *src, char *text)
{
    int line = 1;
    const char *line_start = text;
    for (char *s = text; *s; s++) {
        if (*s == '\n') {
            line++;
            line_start = s + 1;
        } else if (*s == '\'' || *s == '"') {
            char q = *s;
            for (s++; *s && *s != q; s++)
                if (*s == '\n') line++, line_start = s + 1;
            if (!*s) break; /* the lexer reports the unterminated string */
        } else if ((*s == '-' && s[1] == '-') || *s == '#') {
            while (s[1] && s[1] != '\n') s++;
        } else if (*s == '/' && s[1] == '*') {
            int at_line = line, at_col = (int)(s - line_start) + 1;
            char *end = strstr(s + 2, "*/");
            if (!end)
                return sli_source_error(ctx, SL_ERR_SYNTAX, src, at_line, at_col,
                                        "unterminated comment: '/*' without '*/'");
            for (char *c = s; c < end + 2; c++) {
                if (*c == '\n') {
                    line++;
                    line_start = c + 1;
                } else {
                    *c = ' ';
                }
            }
            s = end + 1;
        }
    }
    return SL_OK;
}

sl_frame *sl_frame_from_sql(sl_context *ctx, const char *sql, const char *source_name)
{
    if (!ctx) return NULL;
    if (!sql) {
        sli_error(ctx, SL_ERR_INVALID_ARG, "sl_frame_from_sql: sql is NULL");
        return NULL;
    }
    char *text = strdup(sql);
    if (!text) {
        sli_nomem(ctx, "SQL");
        return NULL;
    }
    sli_source src = {source_name ? source_name : "<sql>", text};
    sl_frame *f = NULL;
    if (blank_comments(ctx, &src, text) == SL_OK) {
        sli_sql_select *s = sli_sql_parse(ctx, &src);
        if (s) f = sli_sql_plan(ctx, &src, s);
        sli_sql_select_free(s);
    }
    free(text);
    return f;
}
