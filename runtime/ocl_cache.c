/*
 * ocl_cache.c — the device memory of an sli_ocl (ocl.h): columns kept on
 * the device between queries, found by (key, generation, size) and evicted
 * least recently used first, and one query's scratch buffers. Both are
 * charged to one budget (sli_ocl_info.budget); `used` never exceeds it.
 *
 * The cached columns form a list in order of use, newest first. A column a
 * query asked for stays pinned until sli_ocl_unpin_all, so a query never
 * evicts its own inputs. A request is refused before anything is evicted
 * when even evicting every unpinned column would not make room.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "context.h"
#include "ocl_impl.h"

/* ---- the list of columns in order of use ---------------------------------------- */

static void unlink_column(sli_ocl *o, sli_ocl_entry *c)
{
    if (c->prev)
        c->prev->next = c->next;
    else
        o->newest = c->next;
    if (c->next)
        c->next->prev = c->prev;
    else
        o->oldest = c->prev;
    c->prev = c->next = NULL;
}

static void push_newest(sli_ocl *o, sli_ocl_entry *c)
{
    c->prev = NULL;
    c->next = o->newest;
    if (o->newest)
        o->newest->prev = c;
    else
        o->oldest = c;
    o->newest = c;
}

/* Unlinks a column, releases its buffer and returns its bytes to the budget. */
static void drop_column(sli_ocl *o, sli_ocl_entry *c)
{
    unlink_column(o, c);
    clReleaseMemObject(c->mem);
    o->used -= c->bytes;
    o->column_bytes -= c->bytes;
    o->ncolumns--;
    free(c);
}

static sli_ocl_entry *find_column(const sli_ocl *o, const void *key, uint64_t generation, size_t bytes)
{
    for (sli_ocl_entry *c = o->newest; c; c = c->next)
        if (c->key == key && c->generation == generation && c->bytes == bytes) return c;
    return NULL;
}

/* @return the bytes of the columns that may be evicted. */
static uint64_t evictable_bytes(const sli_ocl *o)
{
    uint64_t n = 0;
    for (const sli_ocl_entry *c = o->newest; c; c = c->next)
        if (!c->pinned) n += c->bytes;
    return n;
}

/* ---- the budget ----------------------------------------------------------------- */

/* Makes room for `bytes` more within the budget, evicting unpinned columns
 * oldest first; evicts nothing when that cannot be enough. */
static sl_status reserve(sl_context *ctx, sli_ocl *o, size_t bytes)
{
    const sli_ocl_info *in = &o->info;
    if (bytes > in->max_alloc)
        return sli_error(ctx, SL_ERR_DEVICE_MEMORY,
                         "device memory: %zu bytes needed in one buffer, more than the %" PRIu64
                         " bytes %s allows",
                         bytes, in->max_alloc, in->name);
    uint64_t held = o->used - evictable_bytes(o); /* pinned columns and scratch buffers */
    if (bytes > in->budget || held > in->budget - bytes)
        return sli_error(ctx, SL_ERR_DEVICE_MEMORY,
                         "device memory: %zu bytes needed, budget %" PRIu64 " bytes on %s (%" PRIu64
                         " bytes held by pinned columns and scratch buffers)",
                         bytes, in->budget, in->name, held);
    for (sli_ocl_entry *c = o->oldest; c && o->used + bytes > in->budget;) {
        sli_ocl_entry *newer = c->prev;
        if (!c->pinned) drop_column(o, c);
        c = newer;
    }
    return SL_OK;
}

/* Creates a buffer of `bytes` (at least one byte), written from host when
 * it is not NULL. */
static sl_status create_buffer(sl_context *ctx, sli_ocl *o, cl_mem_flags flags, size_t bytes,
                               const void *host, cl_mem *out)
{
    char what[96];
    cl_int e = CL_SUCCESS;
    cl_mem m = clCreateBuffer(o->context, flags, bytes ? bytes : 1, NULL, &e);
    if (!m) {
        snprintf(what, sizeof what, "clCreateBuffer of %zu bytes", bytes);
        return sli_ocl_fail(ctx, e, what);
    }
    if (host && bytes) {
        e = clEnqueueWriteBuffer(o->queue, m, CL_TRUE, 0, bytes, host, 0, NULL, NULL);
        if (e != CL_SUCCESS) {
            clReleaseMemObject(m);
            snprintf(what, sizeof what, "clEnqueueWriteBuffer of %zu bytes", bytes);
            return sli_ocl_fail(ctx, e, what);
        }
    }
    *out = m;
    return SL_OK;
}

/* Reserves and creates a buffer. When the device refuses it although the
 * budget allowed it, every unpinned column is evicted and it is tried once more. */
static sl_status reserve_buffer(sl_context *ctx, sli_ocl *o, cl_mem_flags flags, size_t bytes,
                                const void *host, cl_mem *out)
{
    sl_status st = reserve(ctx, o, bytes);
    if (st != SL_OK) return st;
    st = create_buffer(ctx, o, flags, bytes, host, out);
    if (st == SL_ERR_DEVICE_MEMORY && evictable_bytes(o) > 0) {
        sli_ocl_evict_all(o);
        st = create_buffer(ctx, o, flags, bytes, host, out);
    }
    return st;
}

/* ---- cached columns ------------------------------------------------------------- */

static sl_status upload_column(sl_context *ctx, sli_ocl *o, const void *key, uint64_t generation,
                               const void *host, size_t bytes, sli_ocl_entry **out)
{
    sli_ocl_entry *c = calloc(1, sizeof *c);
    if (!c) return sli_nomem(ctx, "the OpenCL column cache");
    sl_status st = reserve_buffer(ctx, o, CL_MEM_READ_ONLY, bytes, host, &c->mem);
    if (st != SL_OK) {
        free(c);
        return st;
    }
    c->key = key;
    c->generation = generation;
    c->bytes = bytes;
    o->used += bytes;
    o->column_bytes += bytes;
    o->ncolumns++;
    *out = c;
    return SL_OK;
}

sl_status sli_ocl_column(sl_context *ctx, sli_ocl *o, const void *key, uint64_t generation, const void *host,
                         size_t bytes, cl_mem *out, bool *uploaded)
{
    *out = NULL;
    if (uploaded) *uploaded = false;
    sli_ocl_entry *c = find_column(o, key, generation, bytes);
    if (c) {
        unlink_column(o, c);
    } else {
        sl_status st = upload_column(ctx, o, key, generation, host, bytes, &c);
        if (st != SL_OK) return st;
        if (uploaded) *uploaded = true;
    }
    push_newest(o, c);
    c->pinned = true;
    *out = c->mem;
    return SL_OK;
}

void sli_ocl_unpin_all(sli_ocl *o)
{
    for (sli_ocl_entry *c = o->newest; c; c = c->next) c->pinned = false;
}

void sli_ocl_evict_all(sli_ocl *o)
{
    for (sli_ocl_entry *c = o->newest; c;) {
        sli_ocl_entry *older = c->next;
        if (!c->pinned) drop_column(o, c);
        c = older;
    }
}

void sli_ocl_cache_stats(const sli_ocl *o, uint64_t *bytes, size_t *columns)
{
    if (bytes) *bytes = o->column_bytes;
    if (columns) *columns = o->ncolumns;
}

/* ---- scratch buffers ------------------------------------------------------------ */

/* Fills a buffer of `bytes` (at least one byte) with zeros, in the widest pattern that divides it. */
static sl_status fill_zero(sl_context *ctx, sli_ocl *o, cl_mem m, size_t bytes)
{
    static const cl_ulong zeros[2] = {0, 0};
    size_t size = bytes ? bytes : 1;
    size_t pattern = size % 16 == 0 ? 16 : size % 4 == 0 ? 4 : 1;
    cl_int e = clEnqueueFillBuffer(o->queue, m, zeros, pattern, 0, size, 0, NULL, NULL);
    return e == CL_SUCCESS ? SL_OK : sli_ocl_fail(ctx, e, "clEnqueueFillBuffer");
}

sl_status sli_ocl_alloc(sl_context *ctx, sli_ocl *o, size_t bytes, const void *host, bool zero, cl_mem *out)
{
    *out = NULL;
    if (o->nscratch == o->scratch_cap) {
        size_t cap = o->scratch_cap ? 2 * o->scratch_cap : 16;
        sli_ocl_scratch *grown = realloc(o->scratch, cap * sizeof *grown);
        if (!grown) return sli_nomem(ctx, "OpenCL scratch buffers");
        o->scratch = grown;
        o->scratch_cap = cap;
    }
    cl_mem m = NULL;
    sl_status st = reserve_buffer(ctx, o, CL_MEM_READ_WRITE, bytes, host, &m);
    if (st == SL_OK && zero && !host) st = fill_zero(ctx, o, m, bytes);
    if (st != SL_OK) {
        if (m) clReleaseMemObject(m);
        return st;
    }
    o->scratch[o->nscratch++] = (sli_ocl_scratch){m, bytes};
    o->used += bytes;
    *out = m;
    return SL_OK;
}

void sli_ocl_release(sli_ocl *o, cl_mem m)
{
    if (!o || !m) return;
    for (size_t i = 0; i < o->nscratch; i++) {
        if (o->scratch[i].mem != m) continue;
        clReleaseMemObject(m);
        o->used -= o->scratch[i].bytes;
        o->scratch[i] = o->scratch[--o->nscratch];
        return;
    }
}

void sli_ocl_memory_free(sli_ocl *o)
{
    while (o->newest) drop_column(o, o->newest);
    for (size_t i = 0; i < o->nscratch; i++) clReleaseMemObject(o->scratch[i].mem);
    free(o->scratch);
    o->scratch = NULL;
    o->nscratch = o->scratch_cap = 0;
    o->used = 0;
}

bool sli_ocl_resident(const sli_ocl *o, const void *key, uint64_t generation)
{
    for (const sli_ocl_entry *c = o ? o->newest : NULL; c; c = c->next)
        if (c->key == key && c->generation == generation) return true;
    return false;
}
