/*
 * ocl_impl.h — the inside of an sli_ocl (ocl.h), shared by the files that
 * implement it: ocl.c opens the device and keeps the program caches,
 * ocl_cache.c keeps the device memory budget (cached columns and scratch
 * buffers). Nothing outside those files includes this header.
 */
#ifndef SLI_OCL_IMPL_H
#define SLI_OCL_IMPL_H

#include "ocl.h"

/** A built program in the memory cache, found by the hash of its source and options. */
typedef struct sli_ocl_program {
    uint64_t hash;
    cl_program program;
} sli_ocl_program;

/**
 * A column kept on the device. Entries form a doubly linked list in order
 * of use, most recent first, so eviction walks from the tail.
 */
typedef struct sli_ocl_entry {
    const void *key;
    uint64_t generation;
    size_t bytes; /**< as asked for; the buffer holds at least one byte */
    cl_mem mem;
    bool pinned; /**< in use by the running query: never evicted */
    struct sli_ocl_entry *prev, *next;
} sli_ocl_entry;

/** A buffer handed out by sli_ocl_alloc, until sli_ocl_release. */
typedef struct sli_ocl_scratch {
    cl_mem mem;
    size_t bytes; /**< charged to the budget */
} sli_ocl_scratch;

struct sli_ocl {
    cl_platform_id platform;
    cl_device_id device;
    cl_context context;
    cl_command_queue queue;
    sli_ocl_info info;

    /* programs (ocl.c) */
    sli_ocl_program *programs;
    size_t nprograms, programs_cap;
    size_t compiled;  /**< programs built from source since open */
    size_t from_disk; /**< programs loaded from the disk cache since open */
    char *cache_dir;  /**< the disk cache's directory, made at open; NULL: no disk cache */

    /* device memory (ocl_cache.c); invariant: used <= info.budget */
    uint64_t used;         /**< bytes of cached columns and scratch buffers */
    uint64_t column_bytes; /**< bytes of cached columns */
    size_t ncolumns;       /**< cached columns */
    sli_ocl_entry *newest; /**< head of the use-ordered list */
    sli_ocl_entry *oldest; /**< its tail, the first to evict */
    sli_ocl_scratch *scratch;
    size_t nscratch, scratch_cap;
};

/** Releases every cached column and scratch buffer (sli_ocl_free). */
void sli_ocl_memory_free(sli_ocl *o);

#endif
