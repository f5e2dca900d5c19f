/*
 * ocl.h — one OpenCL device, opened for a context: its OpenCL context and
 * command queue, a cache of built programs (in memory, and binaries on disk
 * per device and driver so a repeated query does not recompile), and a cache
 * of table columns uploaded to the device and kept there across queries,
 * evicted least recently used first when the device's memory is short.
 *
 * The device: SL_OPENCL_DEVICE=N picks the N-th OpenCL device of the
 * registry (runtime/devices.h, 0-based among OpenCL devices); otherwise the
 * first GPU, else the first accelerator, else the first OpenCL device.
 *
 * Memory: the column cache and every allocation made through
 * sli_ocl_alloc count against a budget, the device's global memory less an
 * eighth, or SL_OPENCL_MEMORY (bytes, with an optional K/M/G suffix) when
 * set — tests set it small to force the out-of-memory fallback. A request
 * that cannot fit even after evicting every unpinned column fails with
 * SL_ERR_DEVICE_MEMORY.
 *
 * Thread safety: an sli_ocl is used by one query at a time (the context's
 * thread); nothing here is called from worker threads.
 */
#ifndef SLI_OCL_H
#define SLI_OCL_H

#ifndef CL_TARGET_OPENCL_VERSION
#define CL_TARGET_OPENCL_VERSION 120
#endif
#include <CL/cl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sluice/sluice.h"

typedef struct sli_ocl sli_ocl;

/** What the executor needs to know of the opened device. */
typedef struct sli_ocl_info {
    char name[128];          /**< CL_DEVICE_NAME */
    char vendor[128];        /**< CL_DEVICE_VENDOR */
    char driver[64];         /**< CL_DRIVER_VERSION */
    bool is_gpu;             /**< CL_DEVICE_TYPE_GPU or ACCELERATOR */
    bool int64_atomics;      /**< cl_khr_int64_base_atomics (64-bit atom_add, atom_cmpxchg) */
    bool fp64;               /**< cl_khr_fp64 (or OpenCL 1.2+ double support) */
    uint64_t global_memory;  /**< CL_DEVICE_GLOBAL_MEM_SIZE */
    uint64_t max_alloc;      /**< CL_DEVICE_MAX_MEM_ALLOC_SIZE */
    uint64_t budget;         /**< bytes the caches and allocations may hold (see above) */
    unsigned compute_units;  /**< CL_DEVICE_MAX_COMPUTE_UNITS */
    size_t max_work_group;   /**< CL_DEVICE_MAX_WORK_GROUP_SIZE */
    size_t local_memory;     /**< CL_DEVICE_LOCAL_MEM_SIZE */
} sli_ocl_info;

/**
 * Opens the OpenCL device for ctx (once; later calls return the same one).
 * The context owns it and releases it in sl_context_destroy.
 * @return SL_OK, or SL_ERR_DEVICE (message on ctx: no platform, no device,
 *         SL_OPENCL_DEVICE out of range, an OpenCL call that failed and its
 *         error code), SL_ERR_NOMEM.
 */
sl_status sli_ocl_get(sl_context *ctx, sli_ocl **out);

/** Releases everything (programs, cached columns, queue, context). NULL ok. */
void sli_ocl_free(sli_ocl *o);

/** @return the device's facts (valid while o lives). */
const sli_ocl_info *sli_ocl_info_of(const sli_ocl *o);

cl_context sli_ocl_context(const sli_ocl *o);
cl_command_queue sli_ocl_queue(const sli_ocl *o);
cl_device_id sli_ocl_device(const sli_ocl *o);

/**
 * Builds (or finds in the caches) the program of `source` and returns its
 * kernel `name`. The memory cache is keyed by a 64-bit hash of the source
 * and the build options; the disk cache (directory SL_OPENCL_CACHE, else
 * $XDG_CACHE_HOME/sluice/opencl, else $HOME/.cache/sluice/opencl; off when
 * SL_OPENCL_CACHE is "off" or none of these can be made) by that hash, the
 * device name and the driver version. A binary that fails to load is
 * rebuilt from source and rewritten. Files are written to a temporary name
 * and renamed, so concurrent processes never read half a binary.
 * @param out a new kernel object; the caller releases it with clReleaseKernel.
 * @param cached may be NULL; set to true when no compiler ran.
 * @return SL_OK, or SL_ERR_DEVICE with the build log (first 2 KiB) in the
 *         context's message, SL_ERR_NOMEM.
 */
sl_status sli_ocl_kernel(sl_context *ctx, sli_ocl *o, const char *source, const char *name, cl_kernel *out,
                         bool *cached);

/** Programs built by a compiler since open, and found in the disk cache (tests read these). */
void sli_ocl_program_stats(const sli_ocl *o, size_t *compiled, size_t *from_disk);

/**
 * The device copy of a column, uploaded on first use and kept: `key` names
 * the data (the column's address and a generation the caller chooses, so a
 * freed and reused address does not match), `host` / `bytes` are its
 * contents (an entry of another size does not match either). The returned buffer is pinned until sli_ocl_unpin_all (the
 * executor pins what a query uses so that one query's columns do not evict
 * each other).
 * @param uploaded may be NULL; set when the bytes crossed the bus now.
 * @return SL_OK, SL_ERR_DEVICE_MEMORY (nothing fits; nothing evicted that is
 *         pinned), SL_ERR_DEVICE (an OpenCL call failed), SL_ERR_NOMEM.
 */
sl_status sli_ocl_column(sl_context *ctx, sli_ocl *o, const void *key, uint64_t generation, const void *host,
                         size_t bytes, cl_mem *out, bool *uploaded);

/** @return whether the column (key, generation) is resident on the device now. */
bool sli_ocl_resident(const sli_ocl *o, const void *key, uint64_t generation);

/** Unpins every cached column (end of a query). */
void sli_ocl_unpin_all(sli_ocl *o);

/** Drops every cached column that is not pinned. */
void sli_ocl_evict_all(sli_ocl *o);

/** Bytes the column cache holds now, and how many columns. */
void sli_ocl_cache_stats(const sli_ocl *o, uint64_t *bytes, size_t *columns);

/**
 * A scratch buffer for one query (hash tables, results), counted against
 * the budget (evicting unpinned columns to make room), zero-filled when
 * `zero`, or filled from `host` when it is not NULL.
 * @return SL_OK, SL_ERR_DEVICE_MEMORY, SL_ERR_DEVICE.
 */
sl_status sli_ocl_alloc(sl_context *ctx, sli_ocl *o, size_t bytes, const void *host, bool zero, cl_mem *out);

/** Releases a buffer from sli_ocl_alloc and returns its bytes to the budget. */
void sli_ocl_release(sli_ocl *o, cl_mem m);

/**
 * Records an OpenCL failure: SL_ERR_DEVICE with "what: OpenCL error N
 * (CL_NAME)" on ctx. @return SL_ERR_DEVICE (SL_ERR_DEVICE_MEMORY for
 * CL_MEM_OBJECT_ALLOCATION_FAILURE and CL_OUT_OF_RESOURCES).
 */
sl_status sli_ocl_fail(sl_context *ctx, cl_int err, const char *what);

/** @return the name of an OpenCL error code ("CL_INVALID_VALUE"), "?" if unknown. */
const char *sli_ocl_error_name(cl_int err);

#endif
