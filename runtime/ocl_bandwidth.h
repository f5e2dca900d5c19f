/*
 * ocl_bandwidth.h — the read bandwidth of the OpenCL device: what the cost
 * model and `sluice devices --bandwidth` compare the host's bandwidth with.
 */
#ifndef SLI_OCL_BANDWIDTH_H
#define SLI_OCL_BANDWIDTH_H

#include <stddef.h>

#include "ocl.h"
#include "sluice/sluice.h"

/**
 * Measures how fast the device reads its own memory: a kernel sums a
 * buffer of `bytes` as 64-bit words, each work item striding by the global
 * size so neighbouring items read neighbouring words; the best of 5 runs
 * after one warm-up, each timed on the wall clock from enqueue to clFinish.
 * @param bytes the buffer's size; 0: min(1 GiB, budget / 4). It is cut to
 *        the device's largest buffer and to a multiple of 8.
 * @param read_gbs receives 10^9 bytes per second.
 * @return SL_OK, SL_ERR_INVALID_ARG (fewer than 8 bytes), SL_ERR_DEVICE,
 *         SL_ERR_DEVICE_MEMORY (the buffer does not fit the budget),
 *         SL_ERR_NOMEM. Uses the device's queue; nothing else may use it meanwhile.
 */
sl_status sli_ocl_bandwidth(sl_context *ctx, sli_ocl *o, size_t bytes, double *read_gbs);

#endif
