/*
 * buffer.h — 64-byte aligned, padded memory for column buffers.
 *
 * Every column buffer sluice allocates is aligned to 64 bytes and padded by
 * SLI_PADDING bytes past its logical end, so SIMD kernels may load and store a
 * full vector width past the last row without faulting. Buffers count
 * against the memory budget of the query running on the calling thread
 * (memory.h): an allocation the budget refuses returns NULL.
 */
#ifndef SLI_BUFFER_H
#define SLI_BUFFER_H

#include <stddef.h>

#define SLI_ALIGN   64
#define SLI_PADDING 64

/** @return zeroed aligned memory of at least size + SLI_PADDING bytes, or NULL
 *  (out of memory, or refused by the query's memory budget). Free with sli_buf_free. */
void *sli_buf_alloc(size_t size);

/**
 * Grows an aligned buffer, keeping its first old_size bytes; new bytes are zero.
 * @return the new buffer (the old one is freed) or NULL (the old one is kept).
 */
void *sli_buf_realloc(void *p, size_t old_size, size_t new_size);

/** Frees memory from sli_buf_alloc. NULL is ignored. */
void sli_buf_free(void *p);

#endif
