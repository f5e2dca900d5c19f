/*
 * simd/gather.c — the gather kernels (gather.h) for each SIMD target (simd.h).
 *
 * These are plain indexed loads and stores, which the compiler turns into
 * the target's gather instructions where they pay. So this file compiles
 * the reference loops of kernels/scalar/gather.c once more, with the target's
 * flags (cmake/Simd.cmake), under this target's kernel-set name. The results
 * are the reference's by construction; tests/test_kernel_gather.c checks them.
 */
#include "simd.h"

#include "kernels/gather.h"

#define sli_gather_scalar SLI_SIMD_NAME(gather)
#include "kernels/scalar/gather.c"
#undef sli_gather_scalar

#ifdef SLI_SIMD_EMU
const sl_gather_variant sli_gather_emu_variant = {"avx512-emu", SL_ISA_NONE, &SLI_SIMD_NAME(gather)};
#endif
