/*
 * ocl_exec.h — where each pipeline runs, and running pipelines on the
 * OpenCL device.
 *
 * A device plan says, per pipeline, whether it runs on the OpenCL device
 * and why (or why not). Pipelines go to the device in groups: a pipeline
 * that reads a table and ends in an aggregate or in the query's rows,
 * together with the join builds it probes (their hash tables live on the
 * device). The choice:
 *  - --device cpu: none;
 *  - --device opencl: every group the generator supports (planner/ocl_gen.c)
 *    on a device with 64-bit atomics and doubles; with --strict a table
 *    scan it cannot take fails the query, listing every reason;
 *  - auto: a group goes to a GPU (or accelerator) when the cost model says
 *    it is faster: device time = bytes to move (columns not resident) /
 *    SL_OPENCL_TRANSFER_GBS (default 12) + bytes read / SL_OPENCL_GBS
 *    (default 500) + 0.1 ms per kernel, against host time = bytes read /
 *    (5 GB/s per worker thread, at most 80 GB/s). Groups reading under
 *    64 MiB stay on the CPU without opening the device.
 * Pipelines over an earlier pipeline's rows (sorting, limits, the rows of
 * the result) always run on the host.
 *
 * At run time a group falls back to the CPU (with a warning, or fails under
 * --strict) when the device runs out of memory; it also reruns on the CPU
 * when a kernel raised a flag (an overflow, a repeated inner-join key
 * under a result sink, a full table), so the CPU gives the answer or the
 * error.
 */
#ifndef SLI_OCL_EXEC_H
#define SLI_OCL_EXEC_H

#include <stdbool.h>
#include <stddef.h>

#include "planner/ocl_gen.h"
#include "planner/pipeline.h"
#include "sbuf.h"
#include "table.h"

typedef struct sli_devplan {
    sl_device_mode mode;
    bool strict;
    sli_ocl_gen *gen;   /**< NULL when no pipeline was considered for the device */
    bool *on_device;    /**< per pipeline */
    char **why;         /**< per pipeline: the reason for its device (owned) */
    char device[160];   /**< the OpenCL device's name, or "" */
    size_t npipes;
} sli_devplan;

/**
 * Decides where each pipeline of ph runs.
 * @return SL_OK; SL_ERR_DEVICE (strict: unsupported parts listed on ctx, or
 *         no device); SL_ERR_NOMEM.
 */
sl_status sli_devplan_make(sl_context *ctx, const sli_physical *ph, sli_devplan **out);

void sli_devplan_free(sli_devplan *d);

/**
 * Appends "Devices:" with a line per pipeline (where and why) and, when
 * `kernels`, the OpenCL C source of each device pipeline.
 */
void sli_devplan_describe(const sli_devplan *d, bool kernels, sli_sbuf *out);

/**
 * Writes the pipelines of the group whose root is `root` into idx
 * (capacity ph->npipes) in the order they run (builds first).
 * @return their count.
 */
size_t sli_devplan_group(const sli_physical *ph, size_t root, size_t *idx);

struct sli_exec_stats;

/**
 * Runs the device group whose root is pipeline `root` (an aggregate or the
 * query's rows). When it ran, adds what its scans read to the context's
 * bytes scanned and to stats (may be NULL), and with prof (may be NULL)
 * fills its pipelines' entries: the device, rows read, the group's wall time.
 * @param agg receives the root's output table on success.
 * @param fallback set when the group must run on the CPU instead (a
 *        warning says why; nothing is left on the device for it).
 * @return SL_OK (see fallback) or an error (recorded on ctx).
 */
sl_status sli_ocl_run_group(sl_context *ctx, const sli_devplan *d, const sli_physical *ph, size_t root,
                            sli_table **agg, bool *fallback, struct sli_exec_stats *stats, sli_profile *prof);

#endif
