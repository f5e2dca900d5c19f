# cmake/Simd.cmake — builds the SIMD kernel variants.
#
# The sources in kernels/simd/ are written once with SIMDe and compiled once
# per target ISA into an object library. Each compilation defines
#   SLI_SIMD_ISA=<name>    the suffix of its kernel sets (sli_filter_<name>, ...)
#   SLI_SIMD_WIDTH=<bits>  128 (SSE4.2 / NEON code paths), 256 (AVX2 code paths)
#                          or 512 (AVX-512 code paths)
# and the target's -m flags, so SIMDe maps every intrinsic to the native one.
#
# Results, for the top-level CMakeLists.txt:
#   SLUICE_SIMD_OBJECTS     $<TARGET_OBJECTS:...> of every native variant (library)
#   SLUICE_SIMD_DEFINITIONS definitions kernels/variants.c needs to list them
#   sluice_simd_emu         (when SLUICE_BUILD_TESTS) the 512-bit sources compiled
#                           WITHOUT AVX-512 flags: SIMDe emulates AVX-512, so the
#                           kernel tests verify that code on any CPU. Linked into
#                           the kernel tests only, never into the library.

file(GLOB SLUICE_SIMD_SOURCES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/kernels/simd/*.c)
set(SLUICE_SIMD_OBJECTS "")
set(SLUICE_SIMD_DEFINITIONS "")

# sluice_simd_variant(<target> <isa name> <width> <compile flags...>)
function(sluice_simd_variant target isa width)
  add_library(${target} OBJECT ${SLUICE_SIMD_SOURCES})
  set_target_properties(${target} PROPERTIES POSITION_INDEPENDENT_CODE ON C_VISIBILITY_PRESET hidden)
  target_include_directories(${target} PRIVATE ${PROJECT_SOURCE_DIR}/include ${PROJECT_SOURCE_DIR})
  target_compile_definitions(${target} PRIVATE SLUICE_BUILDING SLI_SIMD_ISA=${isa} SLI_SIMD_WIDTH=${width})
  target_compile_options(${target} PRIVATE ${ARGN})
endfunction()

if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
  sluice_simd_variant(sluice_simd_simd128 simd128 128 -msse4.2 -mpopcnt)
  set(_sl_avx2_flags -mavx2 -mbmi -mbmi2 -mfma -mpopcnt -mlzcnt)
  sluice_simd_variant(sluice_simd_avx2 avx2 256 ${_sl_avx2_flags})
  sluice_simd_variant(sluice_simd_avx512 avx512 512 ${_sl_avx2_flags}
                      -mavx512f -mavx512bw -mavx512vl -mavx512dq -mavx512cd)
  list(APPEND SLUICE_SIMD_OBJECTS $<TARGET_OBJECTS:sluice_simd_simd128> $<TARGET_OBJECTS:sluice_simd_avx2>
       $<TARGET_OBJECTS:sluice_simd_avx512>)
  list(APPEND SLUICE_SIMD_DEFINITIONS SLI_HAVE_SIMD128=1 SLI_HAVE_SIMD_X86=1)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "^(aarch64|arm64|ARM64)$")
  # NEON is part of every AArch64 CPU: SIMDe maps the 128-bit code to it.
  sluice_simd_variant(sluice_simd_simd128 simd128 128)
  list(APPEND SLUICE_SIMD_OBJECTS $<TARGET_OBJECTS:sluice_simd_simd128>)
  list(APPEND SLUICE_SIMD_DEFINITIONS SLI_HAVE_SIMD128=1)
endif()

if(SLUICE_BUILD_TESTS)
  sluice_simd_variant(sluice_simd_emu avx512emu 512 -Wno-psabi)
  target_compile_definitions(sluice_simd_emu PRIVATE SLI_SIMD_EMU=1)
endif()
