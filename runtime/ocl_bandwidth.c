/*
 * ocl_bandwidth.c — the device's read bandwidth (ocl_bandwidth.h).
 *
 * The kernel adds up the buffer as ulong words. Work item i reads words i,
 * i + G, i + 2G... (G the global size), so a work-group's reads are
 * coalesced. The sum is written only when it equals an argument it never
 * equals, which keeps the reads alive without a store per work item.
 * Timing is the host's monotonic clock around enqueue and clFinish (no
 * profiling events, so the queue needs no profiling property); with a
 * buffer of hundreds of MiB the launch cost is noise.
 */
#include "ocl_bandwidth.h"

#include <stdint.h>
#include <time.h>

#include "context.h"

#define RUNS       5
#define ONE_GIB    ((uint64_t)1 << 30)
#define GROUP      256 /* work items per group, at most */
#define GROUPS_PER 64  /* work-groups per compute unit */

static const char BANDWIDTH_SOURCE[] =
    "__kernel void sl_read_bandwidth(__global const ulong *v, ulong n, ulong never, __global ulong *out)\n"
    "{\n"
    "    ulong s = 0;\n"
    "    for (ulong i = get_global_id(0); i < n; i += get_global_size(0)) s += v[i];\n"
    "    if (s == never) out[0] = s;\n"
    "}\n";

static double now_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Chooses the work-group size and the global size for n words. */
static void launch_shape(const sli_ocl *o, cl_kernel k, uint64_t n, size_t *global, size_t *local)
{
    size_t kernel_max = 0;
    if (clGetKernelWorkGroupInfo(k, sli_ocl_device(o), CL_KERNEL_WORK_GROUP_SIZE, sizeof kernel_max,
                                 &kernel_max, NULL) != CL_SUCCESS)
        kernel_max = 1;
    size_t l = kernel_max < GROUP ? kernel_max : GROUP;
    if (l == 0) l = 1;
    const sli_ocl_info *in = sli_ocl_info_of(o);
    uint64_t g = (uint64_t)(in->compute_units ? in->compute_units : 1) * l * GROUPS_PER;
    if (g > n) g = n / l * l; /* every item reads at least one word */
    if (g < l) g = l;
    *global = (size_t)g;
    *local = l;
}

/* Runs the kernel once and times it into *secs. */
static sl_status run_once(sl_context *ctx, sli_ocl *o, cl_kernel k, size_t global, size_t local, double *secs)
{
    cl_command_queue q = sli_ocl_queue(o);
    double t0 = now_seconds();
    cl_int e = clEnqueueNDRangeKernel(q, k, 1, NULL, &global, &local, 0, NULL, NULL);
    if (e == CL_SUCCESS) e = clFinish(q);
    if (e != CL_SUCCESS) return sli_ocl_fail(ctx, e, "the read bandwidth kernel");
    *secs = now_seconds() - t0;
    return SL_OK;
}

/* Sets the arguments, runs a warm-up and RUNS timed runs; *best: the fastest run's seconds. */
static sl_status best_of_runs(sl_context *ctx, sli_ocl *o, cl_kernel k, cl_mem v, cl_mem out, uint64_t n,
                              double *best)
{
    cl_ulong words = n, never = UINT64_MAX;
    cl_int e = clSetKernelArg(k, 0, sizeof v, &v);
    if (e == CL_SUCCESS) e = clSetKernelArg(k, 1, sizeof words, &words);
    if (e == CL_SUCCESS) e = clSetKernelArg(k, 2, sizeof never, &never);
    if (e == CL_SUCCESS) e = clSetKernelArg(k, 3, sizeof out, &out);
    if (e != CL_SUCCESS) return sli_ocl_fail(ctx, e, "clSetKernelArg of the read bandwidth kernel");
    size_t global = 0, local = 0;
    launch_shape(o, k, n, &global, &local);
    sl_status st = run_once(ctx, o, k, global, local, best); /* warm-up: first touch, code upload */
    for (int r = 0; r < RUNS && st == SL_OK; r++) {
        double t = 0;
        st = run_once(ctx, o, k, global, local, &t);
        if (r == 0 || t < *best) *best = t;
    }
    return st;
}

/* @return the buffer size to measure: as asked, or the default; cut to the device's limits. */
static uint64_t buffer_bytes(const sli_ocl *o, size_t bytes)
{
    const sli_ocl_info *in = sli_ocl_info_of(o);
    uint64_t b = bytes;
    if (b == 0) b = in->budget / 4 < ONE_GIB ? in->budget / 4 : ONE_GIB;
    if (b > in->max_alloc) b = in->max_alloc;
    return b / 8 * 8;
}

sl_status sli_ocl_bandwidth(sl_context *ctx, sli_ocl *o, size_t bytes, double *read_gbs)
{
    *read_gbs = 0;
    uint64_t b = buffer_bytes(o, bytes);
    if (b < 8)
        return sli_error(ctx, SL_ERR_INVALID_ARG, "read bandwidth: %zu bytes is less than one 8-byte word",
                         bytes);
    cl_kernel k = NULL;
    cl_mem v = NULL, out = NULL;
    sl_status st = sli_ocl_kernel(ctx, o, BANDWIDTH_SOURCE, "sl_read_bandwidth", &k, NULL);
    if (st == SL_OK) st = sli_ocl_alloc(ctx, o, (size_t)b, NULL, true, &v);
    if (st == SL_OK) st = sli_ocl_alloc(ctx, o, sizeof(cl_ulong), NULL, true, &out);
    double best = 0;
    if (st == SL_OK) st = best_of_runs(ctx, o, k, v, out, b / 8, &best);
    if (st == SL_OK && best > 0) *read_gbs = (double)b / best / 1e9;
    sli_ocl_release(o, out);
    sli_ocl_release(o, v);
    if (k) clReleaseKernel(k);
    return st;
}
