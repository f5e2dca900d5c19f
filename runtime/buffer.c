/*
 * buffer.c — aligned, padded allocation for column buffers (see buffer.h).
 * Every buffer's usable size is charged to the calling thread's query memory
 * budget (memory.h) and released when freed.
 */
#include "buffer.h"

#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "memory.h"

/* aligned_alloc, charged to the budget: NULL when the budget refuses. */
static void *charged_alloc(size_t total)
{
    void *p = aligned_alloc(SLI_ALIGN, total);
    if (p && !sli_mem_charge(malloc_usable_size(p))) {
        free(p);
        return NULL;
    }
    return p;
}

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
    void *p = charged_alloc(total);
    if (p) memset(p, 0, total);
    return p;
}

void *sli_buf_realloc(void *p, size_t old_size, size_t new_size)
{
    size_t total = rounded(new_size);
    if (total == 0) return NULL;
    char *q = charged_alloc(total);
    if (!q) return NULL;
    size_t keep = !p ? 0 : old_size < new_size ? old_size : new_size;
    if (p) memcpy(q, p, keep);
    memset(q + keep, 0, total - keep); /* only the new part is cleared */
    sli_buf_free(p);
    return q;
}

void sli_buf_free(void *p)
{
    if (!p) return;
    sli_mem_release(malloc_usable_size(p));
    free(p);
}
