/*
 * buffer.c — aligned, padded allocation for column buffers (see buffer.h).
 */
#include "buffer.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static size_t rounded(size_t size)
{
    size_t total = size + SLI_PADDING;
    if (total < size) return 0; /* overflow */
    return (total + SLI_ALIGN - 1) & ~(size_t)(SLI_ALIGN - 1);
}

void *sli_buf_alloc(size_t size)
{
    size_t total = rounded(size);
    if (total == 0) return NULL;
    void *p = aligned_alloc(SLI_ALIGN, total);
    if (p) memset(p, 0, total);
    return p;
}

void *sli_buf_realloc(void *p, size_t old_size, size_t new_size)
{
    size_t total = rounded(new_size);
    if (total == 0) return NULL;
    char *q = aligned_alloc(SLI_ALIGN, total);
    if (!q) return NULL;
    size_t keep = !p ? 0 : old_size < new_size ? old_size : new_size;
    if (p) memcpy(q, p, keep);
    memset(q + keep, 0, total - keep); /* only the new part is cleared */
    free(p);
    return q;
}

void sli_buf_free(void *p)
{
    free(p);
}
