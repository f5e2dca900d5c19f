/*
 * sbuf.h — a growable text buffer for EXPLAIN output and messages.
 * An allocation failure sets `failed` and turns later appends into no-ops,
 * so callers check once at the end.
 */
#ifndef SLI_SBUF_H
#define SLI_SBUF_H

#include <stdbool.h>
#include <stddef.h>

typedef struct sli_sbuf {
    char *buf; /**< NUL-terminated once anything was appended; malloc'd */
    size_t len;
    size_t cap;
    bool failed;
} sli_sbuf;

/** Appends printf-formatted text. */
void sli_sbuf_printf(sli_sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/** Appends n bytes. */
void sli_sbuf_append(sli_sbuf *b, const char *s, size_t n);

/** @return the text (ownership passes to the caller; "" when empty) or NULL
 *  after an allocation failure; the buffer is reset. */
char *sli_sbuf_take(sli_sbuf *b);

/** Frees the text and resets the buffer. */
void sli_sbuf_free(sli_sbuf *b);

/** @return a malloc'd copy of the printf-formatted text (the caller frees),
 *  or NULL when out of memory. */
char *sli_dupf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
