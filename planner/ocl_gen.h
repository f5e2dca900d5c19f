/*
 * ocl_gen.h — OpenCL code generation: each pipeline of a physical plan
 * compiled into ONE OpenCL C kernel, or the reason it cannot be.
 *
 * A kernel walks its scan's rows (work-items stride over the table, so
 * neighbouring work-items read neighbouring values); the pipeline's
 * operators run in registers: a filter skips the row, a projection names a
 * value, a join probe looks the row's packed key up in the device hash
 * table its build kernel filled and then reads the build side's columns at
 * the build row it found (an inner join into an aggregate loops over every
 * build row of the key, chained by the build). Nothing is compacted
 * mid-pipeline. Sinks:
 *  - aggregate: group keys packed into one 64-bit key (each part's range is
 *    measured on the host before the run and passed in the parameters); the
 *    key indexes an array of groups directly when the key domain is small,
 *    else an open-addressing table; small domains aggregate per work-group
 *    in local memory first and add each group's partial once, with atomics.
 *    Sums are exact 128-bit (two words), as on the host.
 *  - join build: key -> build row, a direct array or a hash table.
 * String values exist on the device as codes of a per-column dictionary
 * (runtime/ocl_data.c); a predicate over one string column becomes a mask,
 * computed on the host once per dictionary entry and indexed by code.
 *
 * What the generator does not support (nulls, float sums, LIMIT, a sort
 * sink, a source that is an earlier pipeline's output, string
 * expressions other than predicates, date arithmetic on columns, a build
 * side whose columns are computed or come from another join) leaves the
 * pipeline on the CPU with the reason.
 *
 * Kernel arguments, in order: ulong n (rows), __constant long *P (the
 * parameters), __global int *F (flags, kernels/opencl/prelude.cl), one
 * buffer per input column, one per mask, three per probe (keys, rows, next
 * row of the same key), then the sink's: aggregate (acc, keys, __local acc),
 * build (keys, rows, next),
 * result (counts, offsets, pass, then one buffer per output column).
 *
 * A result sink materializes rows in source order by prefix sums: each
 * work-group takes one contiguous block of rows, tile by tile; pass 0
 * counts the block's rows that reach the sink, the host turns the counts
 * into offsets, and pass 1 writes each row at its block's offset plus its
 * rank within the tile (a scan in local memory).
 */
#ifndef SLI_OCL_GEN_H
#define SLI_OCL_GEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pipeline.h"

/** A table column a kernel reads (utf8: codes of its device dictionary). */
typedef struct sli_ocl_input {
    const sli_table *table;
    size_t col; /**< table column */
    sl_type type;
} sli_ocl_input;

/** A predicate over one string input, evaluated per dictionary entry. */
typedef struct sli_ocl_strpred {
    size_t input;
    sli_expr *pred; /**< owned clone; its column references point at column 0 */
} sli_ocl_strpred;

typedef enum sli_ocl_rangeof {
    SLI_OR_COLUMN, /**< the column's min..max (strings: its dictionary codes) */
    SLI_OR_YEAR,   /**< year() of a date column */
    SLI_OR_MONTH,  /**< 1..12 */
    SLI_OR_DAY,    /**< 1..31 */
} sli_ocl_rangeof;

/** One part of a packed key and where its range comes from. */
typedef struct sli_ocl_part {
    sli_ocl_rangeof how;
    const sli_table *table;
    size_t col;   /**< table column the range is measured on */
    sl_type type; /**< the key expression's type (group keys are decoded back to it) */
} sli_ocl_part;

/**
 * A packed key space: key = sum of (v_i - lo_i) * mult_i. Its parameters
 * start at P[param]: per part lo, hi, mult; then mode (0 direct, 1 hash),
 * cap (direct: the domain; hash: slots, a power of two), local (aggregate
 * only: 1 when work-groups pre-aggregate in local memory).
 */
typedef struct sli_ocl_keys {
    size_t nparts;
    sli_ocl_part *parts;
    size_t param;
} sli_ocl_keys;

#define SLI_OCL_KP_LO(k, i) ((k)->param + 3 * (i))
#define SLI_OCL_KP_HI(k, i) ((k)->param + 3 * (i) + 1)
#define SLI_OCL_KP_MULT(k, i) ((k)->param + 3 * (i) + 2)
#define SLI_OCL_KP_MODE(k) ((k)->param + 3 * (k)->nparts)
#define SLI_OCL_KP_CAP(k) ((k)->param + 3 * (k)->nparts + 1)
#define SLI_OCL_KP_LOCAL(k) ((k)->param + 3 * (k)->nparts + 2)
#define SLI_OCL_KP_COUNT(k) (3 * (k)->nparts + 3)

/** Initial value of an aggregate field. */
typedef enum sli_ocl_init { SLI_OI_ZERO, SLI_OI_MAX, SLI_OI_MIN } sli_ocl_init;

/** One pipeline's kernel, or why there is none. */
typedef struct sli_ocl_pipe {
    bool ok;
    char reason[256]; /**< when !ok: what the generator does not support */
    char *source;     /**< the kernel "sl_pipe" (prelude not included) */
    const sli_table *table; /**< the scanned table */
    sli_ocl_input *inputs;
    size_t ninputs;
    sli_ocl_strpred *masks;
    size_t nmasks;
    size_t nparams;
    sli_ocl_keys keys; /**< AGG: group keys; BUILD: join keys */
    size_t nprobes;
    size_t *probe_build; /**< per probe: the pipeline whose sink built its table */
    sli_ocl_keys *probe_keys; /**< per probe: the build's key space, parameters in this kernel */
    /* AGG */
    size_t nfields;     /**< longs per group: 0 rows, then the aggregates' */
    size_t *agg_field;  /**< per aggregate: its first field (count, count(*): 0) */
    sli_ocl_init *init; /**< per field */
    /* BUILD */
    bool unique; /**< an inner join: rows of a key are chained; a repeated key raises F[2] */
    size_t nout;
    size_t *out_col; /**< per output column (BUILD, RESULT strings): the table column it is */
    /* RESULT */
    sl_type *out_type;               /**< per output column */
    const sli_table **out_table;     /**< per output column: its table (strings: whose dictionary), or NULL */
} sli_ocl_pipe;

/** Every pipeline of a plan; pipes[i] for ph->pipes[i]. */
typedef struct sli_ocl_gen {
    size_t npipes;
    sli_ocl_pipe *pipes;
} sli_ocl_gen;

/**
 * Generates the kernels of a physical plan. A pipeline that reads a build
 * the generator could not do is unsupported too.
 * @return SL_OK or SL_ERR_NOMEM (recorded on ctx; *out NULL).
 */
sl_status sli_ocl_generate(sl_context *ctx, const sli_physical *ph, sli_ocl_gen **out);

void sli_ocl_gen_free(sli_ocl_gen *g);

#endif
