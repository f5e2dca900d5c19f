/*
 * buffer.h — 64-byte aligned, padded memory for column buffers.
 *
 * Every column buffer sluice allocates is aligned to 64 bytes and padded by
 * SLI_PADDING bytes past its logical end, so SIMD kernels may load and store a
 * full vector width past the last row without faulting. Buffers count
 * against the memory budget of the query running on the calling thread
 * (memory.h): an allocation the budget refuses returns NULL.
 *
 * Large buffers (SLI_BUF_LARGE bytes and more, padding included) are mapped
 * in power-of-two size classes, aligned to 2 MiB, with transparent huge
 * pages asked for. When freed they go to a process-wide cache bounded in
 * total bytes (sli_buf_cache_limit), and later allocations of the same class
 * take them from there, so repeated queries do not pay the kernel's page
 * faults and page clearing again. A large buffer charges its whole class
 * while in use; a cached block is charged to nobody.
 *
 * Thread safety: every function may be called from any thread at once (the
 * cache is guarded by a mutex; large allocations are rare).
 */
#ifndef SLI_BUFFER_H
#define SLI_BUFFER_H

#include <stddef.h>

#define SLI_ALIGN   64
#define SLI_PADDING 64

/** Bytes (padding included) from which a buffer is large: mapped and cached. */
#define SLI_BUF_LARGE ((size_t)1 << 20)

/** @return zeroed aligned memory of at least size + SLI_PADDING bytes, or NULL
 *  (out of memory, or refused by the query's memory budget). Free with sli_buf_free. */
void *sli_buf_alloc(size_t size);

/**
 * Like sli_buf_alloc, for callers that write every byte they later read:
 * the contents are unspecified (a reused large block keeps old values).
 * @return aligned memory of at least size + SLI_PADDING bytes, or NULL.
 */
void *sli_buf_alloc_uninit(size_t size);

/**
 * Grows (or shrinks) an aligned buffer, keeping its first min(old_size,
 * new_size) bytes; the bytes past them up to new_size + SLI_PADDING are zero.
 * A large buffer whose class holds new_size stays where it is.
 * p NULL allocates. old_size must be the size p was last allocated with.
 * @return the buffer (the old one is freed when it moved) or NULL (the old
 *         one is kept).
 */
void *sli_buf_realloc(void *p, size_t old_size, size_t new_size);

/**
 * Like sli_buf_realloc, for callers that write every byte past old_size
 * before they read it (column builders): those bytes are unspecified, and
 * growing costs no zeroing. @return as sli_buf_realloc.
 */
void *sli_buf_realloc_uninit(void *p, size_t old_size, size_t new_size);

/** Frees memory from sli_buf_alloc / _alloc_uninit / _realloc. NULL is ignored. */
void sli_buf_free(void *p);

/**
 * Sets the most bytes the large-block cache may hold, evicting blocks down
 * to it (the default is 1/8 of physical memory, at most 4 GiB).
 * @return the limit before.
 */
size_t sli_buf_cache_limit(size_t bytes);

/** @return the bytes held by the large-block cache now. */
size_t sli_buf_cache_bytes(void);

/** Returns every cached block to the system. */
void sli_buf_cache_trim(void);

#endif
