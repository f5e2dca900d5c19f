/*
 * simd/arith.c — the arith kernels (arith.h) for each SIMD target (simd.h).
 *
 * These are element-wise loops without data-dependent control flow (their
 * overflow tests are ORed into a flag, not branched on), which the compiler
 * vectorizes once it may use the target's instructions. So this file compiles
 * the reference loops of kernels/scalar/arith.c once more, with the target's
 * flags (cmake/Simd.cmake), under this target's kernel-set name. The results
 * are the reference's by construction; tests/test_kernel_arith.c checks them.
 */
#include "simd.h"

#include "kernels/arith.h"

#define sli_arith_scalar SLI_SIMD_NAME(arith)
#include "kernels/scalar/arith.c"
#undef sli_arith_scalar

#ifdef SLI_SIMD_EMU
const sl_arith_variant sli_arith_emu_variant = {"avx512-emu", SL_ISA_NONE, &SLI_SIMD_NAME(arith)};
#endif
