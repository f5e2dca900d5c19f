/*
 * source.h — text being parsed, and errors that point into it.
 *
 * A syntax or binding error is reported as
 *     name:line:column: message
 *         <the source line>
 *         <spaces>^
 * so that a user sees exactly where the problem is.
 */
#ifndef SLI_SOURCE_H
#define SLI_SOURCE_H

#include <stddef.h>

#include "sluice/sluice.h"

typedef struct sli_source {
    const char *name; /**< file name or a label such as "<where>" */
    const char *text; /**< NUL-terminated */
} sli_source;

/**
 * Records an error on ctx with the source position, the offending line and a
 * caret under column `col` (1-based). @return s.
 */
sl_status sli_source_error(sl_context *ctx, sl_status s, const sli_source *src, int line, int col,
                           const char *fmt, ...) __attribute__((format(printf, 6, 7)));

#endif
