/*
 * slabs.h — blocks cut from large slabs of the column allocator, freed all
 * at once: the row buffers of partitioned aggregation (agg_partition.c) and
 * of partitioned join probes (join_partition.c). A slab is a large buffer
 * (buffer.c: huge pages, kept for the next query by its cache), so cutting
 * blocks costs few page faults and no reallocation.
 *
 * Not thread-safe: one set of slabs per thread.
 */
#ifndef SLI_SLABS_H
#define SLI_SLABS_H

#include <stddef.h>

typedef struct sli_slabs {
    size_t slab_bytes; /**< bytes of a slab (a larger block gets a slab to itself) */
    void *head;        /**< newest slab; each starts with the link to the one before */
    char *at, *end;    /**< free space of the newest slab */
} sli_slabs;

/** Prepares an empty set whose slabs are slab_bytes large (a multiple of 64). */
void sli_slabs_init(sli_slabs *s, size_t slab_bytes);

/**
 * @return `size` bytes (a multiple of 64 keeps every block 64-byte aligned),
 * uninitialised, cut from the newest slab or from a new one; NULL when
 * memory is short. Valid until sli_slabs_free.
 */
void *sli_slabs_cut(sli_slabs *s, size_t size);

/** Frees every slab (safe on a zeroed set). */
void sli_slabs_free(sli_slabs *s);

#endif
