/*
 * slabs.c — blocks cut from large slabs (see slabs.h).
 */
#include "slabs.h"

#include <string.h>

#include "buffer.h"

void sli_slabs_init(sli_slabs *s, size_t slab_bytes)
{
    memset(s, 0, sizeof *s);
    s->slab_bytes = slab_bytes;
}

void *sli_slabs_cut(sli_slabs *s, size_t size)
{
    if ((size_t)(s->end - s->at) < size) {
        /* whole slabs, less the allocator's padding, so a slab fills its size class */
        size_t bytes = (SLI_ALIGN + size + s->slab_bytes - 1) / s->slab_bytes * s->slab_bytes;
        char *slab = sli_buf_alloc_uninit(bytes - SLI_PADDING);
        if (!slab) return NULL;
        *(void **)slab = s->head;
        s->head = slab;
        s->at = slab + SLI_ALIGN;
        s->end = slab + bytes;
    }
    char *blk = s->at;
    s->at += size;
    return blk;
}

void sli_slabs_free(sli_slabs *s)
{
    for (void *slab = s->head, *next; slab; slab = next) {
        next = *(void **)slab;
        sli_buf_free(slab);
    }
    s->head = NULL;
    s->at = s->end = NULL;
}
