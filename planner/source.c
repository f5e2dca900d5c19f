/*
 * source.c — errors that point into the text being parsed.
 *
 * The message is "name:line:col: message", then the offending source line and
 * a caret under the column. Long lines are cut to a window around the column
 * so that the caret stays on screen and the message fits the context's
 * buffer.
 */
#include "source.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "runtime/context.h"

/* Widest part of a source line shown in an excerpt, and how much of it goes
 * before the column when the line has to be cut. */
#define EXCERPT_WIDTH  160
#define EXCERPT_BEFORE 80

/* Finds line `line` (1-based) of text. @return its start, or NULL when the text has fewer lines. */
static const char *find_line(const char *text, int line, size_t *len)
{
    if (line < 1) return NULL;
    const char *s = text;
    for (int l = 1; l < line; l++) {
        const char *nl = strchr(s, '\n');
        if (!nl) return NULL;
        s = nl + 1;
    }
    const char *end = strchr(s, '\n');
    size_t n = end ? (size_t)(end - s) : strlen(s);
    if (n > 0 && s[n - 1] == '\r') n--;
    *len = n;
    return s;
}

sl_status sli_source_error(sl_context *ctx, sl_status s, const sli_source *src, int line, int col,
                           const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);

    const char *name = src && src->name ? src->name : "<input>";
    size_t len = 0;
    const char *text = src && src->text ? find_line(src->text, line, &len) : NULL;
    if (!text) return sli_error(ctx, s, "%s:%d:%d: %s", name, line, col, msg);

    /* the caret may sit one past the end of the line (at the end of input) */
    size_t c = col < 1 ? 0 : (size_t)col - 1;
    if (c > len) c = len;

    size_t from = 0, to = len;
    if (len > EXCERPT_WIDTH) {
        from = c > EXCERPT_BEFORE ? c - EXCERPT_BEFORE : 0;
        to = from + EXCERPT_WIDTH < len ? from + EXCERPT_WIDTH : len;
    }
    const char *lead = from > 0 ? "..." : "";
    const char *tail = to < len ? "..." : "";

    /* the caret line copies tabs from the source line so that the caret lines up */
    char caret[EXCERPT_WIDTH + 8];
    size_t k = 0;
    for (size_t i = 0; i < strlen(lead); i++) caret[k++] = ' ';
    for (size_t i = from; i < c; i++) caret[k++] = text[i] == '\t' ? '\t' : ' ';
    caret[k++] = '^';
    caret[k] = 0;

    return sli_error(ctx, s, "%s:%d:%d: %s\n%s%.*s%s\n%s", name, line, col, msg, lead, (int)(to - from),
                     text + from, tail, caret);
}
