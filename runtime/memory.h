/*
 * memory.h — the memory budget of a running query.
 *
 * A budget holds a limit and the bytes currently charged to it. The thread
 * that runs a query (and every worker thread of it) attaches the query's
 * budget; while attached, sli_buf_alloc / sli_buf_realloc charge the
 * usable size of each buffer to it and sli_buf_free releases it again, so the
 * column builders, hash tables, aggregate states and scratch vectors of the
 * query count against the limit. A charge that would pass the limit is
 * refused: the allocation returns NULL as if memory were exhausted, the
 * operator fails through its out-of-memory path, and sli_nomem (context.h)
 * turns the failure into SL_ERR_MEMORY_LIMIT naming the operator.
 *
 * Buffers that outlive the query (its result) are released when freed with
 * no budget attached, so they count while the query runs and never after.
 * Releases never take a budget below zero (a buffer allocated before the
 * query and freed during it releases nothing it did not charge).
 *
 * Thread safety: a budget may be charged from any number of threads at once
 * (atomics); attaching is per thread.
 */
#ifndef SLI_MEMORY_H
#define SLI_MEMORY_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct sli_mem_budget {
    uint64_t limit;           /**< bytes; 0: no limit (only counting) */
    _Atomic uint64_t used;    /**< bytes charged now */
    _Atomic uint64_t peak;    /**< most bytes charged at once */
    _Atomic uint64_t refused; /**< size of the first refused request; 0: none */
    _Atomic uint64_t held;    /**< bytes charged when that request was refused */
} sli_mem_budget;

/** Starts a budget with `limit` bytes (0: unlimited) and nothing charged. */
void sli_mem_budget_init(sli_mem_budget *b, uint64_t limit);

/**
 * Attaches b (NULL: none) to the calling thread.
 * @return the budget attached before, to restore with another call.
 */
sli_mem_budget *sli_mem_attach(sli_mem_budget *b);

/** @return the budget attached to the calling thread, or NULL. */
sli_mem_budget *sli_mem_current(void);

/**
 * Charges `bytes` to the calling thread's budget.
 * @return true when charged (or no budget is attached); false, with the
 *         request recorded as refused, when it would pass the limit.
 */
bool sli_mem_charge(size_t bytes);

/** Releases `bytes` from the calling thread's budget (never below zero). */
void sli_mem_release(size_t bytes);

/**
 * Parses a size for --memory-limit: digits with an optional K, M, G or T
 * suffix (powers of 1024, an optional trailing B or iB), e.g. "512M", "2GiB".
 * @return true and *out on success; false for anything else (or 0 bytes).
 */
bool sli_mem_parse_size(const char *text, uint64_t *out);

/** Writes bytes as a short human-readable size ("1.5 GiB", "512 KiB", "17 B"). */
void sli_mem_format_size(uint64_t bytes, char *buf, size_t cap);

#endif
