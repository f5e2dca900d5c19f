/*
 * simd/cast.c — the cast kernels (cast.h) for each SIMD target (simd.h).
 *
 * These are element-wise loops without data-dependent control flow (their
 * overflow tests are ORed into a flag, not branched on), which the compiler
 * vectorizes once it may use the target's instructions. So this file compiles
 * the reference loops of kernels/scalar/cast.c once more, with the target's
 * flags (cmake/Simd.cmake), under this target's kernel-set name. The results
 * are the reference's by construction; tests/test_kernel_cast.c checks them.
 */
#include "simd.h"

#include "kernels/cast.h"

#define sli_cast_scalar SLI_SIMD_NAME(cast)
#include "kernels/scalar/cast.c"
#undef sli_cast_scalar

#ifdef SLI_SIMD_EMU
const sl_cast_variant sli_cast_emu_variant = {"avx512-emu", SL_ISA_NONE, &SLI_SIMD_NAME(cast)};
#endif
