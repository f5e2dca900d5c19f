/*
 * gen.h — the TPC-H and Star Schema Benchmark data generators behind
 * `sluice gen`.
 *
 * sli_gen_run builds each table of a benchmark in memory as sli_tables and
 * hands them to a sink (which writes and frees them): whole, for writers
 * that need a whole table (Parquet), or in pieces of a few chunks, so that
 * text output holds only a few chunks at a time whatever the scale factor.
 * Orders and lineitem are generated together because an order's status and
 * total price come from its lines. Rows are generated in chunks of a fixed number of
 * rows, in parallel on a worker team; every row draws from a random stream
 * of its own (gen_random.h), so the data depend only on the scale factor
 * and the seed, never on the thread count or the chunk size.
 *
 * TPC-H follows the TPC-H specification v3, clause 4.2 (tables, row counts,
 * value ranges, price and date rules, text grammar). SSB follows O'Neil,
 * O'Neil and Chen, "Star Schema Benchmark" (revision 3): lineorder is the
 * TPC-H orders x lineitem with customer, part, supplier and date dimensions;
 * money columns are whole cents in int64 and dates in lineorder are int32
 * yyyymmdd keys into date.d_datekey.
 */
#ifndef SLI_GEN_H
#define SLI_GEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "runtime/context.h"
#include "runtime/table.h"
#include "runtime/workers.h"
#include "sluice/sluice.h"

typedef enum sli_gen_bench {
    SLI_GEN_TPCH = 0,
    SLI_GEN_SSB = 1,
} sli_gen_bench;

/** Reports progress: `done` of `total` units of the step `what`. */
typedef void (*sli_gen_progress_fn)(void *arg, const char *what, size_t done, size_t total);

typedef struct sli_gen_options {
    sli_gen_bench bench;
    double sf;                    /**< scale factor, >= 0.01 (validated by sli_gen_run) */
    uint64_t seed;                /**< the data are a function of (sf, seed) */
    size_t threads;               /**< workers; 0: sli_workers_default */
    size_t chunk_rows;            /**< rows per chunk of the driving table; 0: 65,536;
                                       at most SLI_GEN_MAX_CHUNK_ROWS */
    size_t piece_chunks;          /**< chunks per piece handed to the sink; 0: whole tables */
    sli_gen_progress_fn progress; /**< may be NULL; called on the calling thread only */
    void *progress_arg;
} sli_gen_options;

/** Most rows per chunk: a chunk's partition keeps its utf8 bytes under 2 GiB
 *  (4 partsupp rows of up to 198 bytes per part). */
#define SLI_GEN_MAX_CHUNK_ROWS ((size_t)1 << 20)

/** Smallest scale factor accepted. */
#define SLI_GEN_MIN_SF 0.01

/**
 * @return the number of tables of a benchmark; *names (when not NULL)
 * receives their names, in the order sli_gen_run produces them.
 */
size_t sli_gen_table_names(sli_gen_bench b, const char *const **names);

/** @return the index of a table name in sli_gen_table_names, or -1. */
long sli_gen_table_index(sli_gen_bench b, const char *name);

/**
 * Receives a piece of a table: consecutive partitions of it, in order. With
 * o->piece_chunks 0 a table comes whole, as one piece with first and last
 * both set. The sink owns the piece from then on (it must free it, also when
 * it fails). team is the run's worker team (NULL with one thread), free for
 * the sink to use. The pieces of orders and lineitem (generated together)
 * arrive interleaved.
 * @return SL_OK to go on, or a status that stops the run.
 */
typedef sl_status (*sli_gen_sink)(sl_context *ctx, const sli_team *team, sli_table *piece, bool first,
                                  bool last, void *arg);

/**
 * Generates the tables of o->bench at o->sf, calling sink with the pieces
 * of every wanted table, tables in the order of sli_gen_table_names.
 * @param want want[i] says whether table i is produced (NULL: all).
 * @return SL_OK; SL_ERR_INVALID_ARG for a scale factor under SLI_GEN_MIN_SF
 *         or too large (more than 2^31 orders); SL_ERR_NOMEM; or what the
 *         sink returned. Errors are recorded on ctx.
 * Thread safety: runs a worker team; one run per context at a time.
 */
sl_status sli_gen_run(sl_context *ctx, const sli_gen_options *o, const bool *want, sli_gen_sink sink,
                      void *arg);

/** Output formats of sli_gen_file. */
typedef enum sli_gen_format {
    SLI_GEN_PARQUET = 0,
    SLI_GEN_CSV = 1,
    SLI_GEN_TBL = 2,
} sli_gen_format;

/**
 * Writes a table as text, formatting partitions in parallel on team (NULL:
 * on the calling thread) and writing them in order.
 *  - SLI_GEN_TBL: dbgen's layout: every field followed by '|', rows ended by
 *    '\n', no header, no quoting (generated text holds no '|' or newline).
 *  - SLI_GEN_CSV: exactly what sli_csv_write writes (RFC 4180, fields quoted
 *    when they hold ',', '"', CR or LF or are empty strings), with the header
 *    row only when header is true.
 * Decimals are written with their scale's digits, dates as YYYY-MM-DD,
 * bools as true/false, nulls as empty fields.
 * @return SL_OK, SL_ERR_NOMEM, SL_ERR_INVALID_ARG for Parquet, or SL_ERR_IO
 *         when the stream fails.
 * Thread safety: uses team; one call per team at a time.
 */
sl_status sli_gen_write_text(sl_context *ctx, const sli_team *team, const sli_table *t, sli_gen_format fmt,
                             bool header, FILE *out);

/** A file being written from pieces of one table. */
typedef struct sli_gen_file sli_gen_file;

/**
 * Starts the file at path: text formats are written to "path.part" as the
 * pieces arrive; Parquet gathers the pieces and writes at commit (through
 * sli_parquet_write, which renames into place itself).
 * @param out receives the file (owned by the caller; end it with
 *        sli_gen_file_close).
 * @return SL_OK, SL_ERR_IO when the file cannot be created, SL_ERR_NOMEM.
 */
sl_status sli_gen_file_open(sl_context *ctx, const char *path, sli_gen_format fmt, sli_gen_file **out);

/**
 * Appends a piece (its partitions follow those appended before). Takes
 * ownership of piece, also on failure.
 * @return SL_OK, SL_ERR_IO, SL_ERR_NOMEM.
 */
sl_status sli_gen_file_append(sl_context *ctx, sli_gen_file *f, const sli_team *team, sli_table *piece);

/**
 * Ends a file. With commit, finishes it and renames it into place, so the
 * file at path is complete or absent; without, removes what was written.
 * Frees f (NULL is ignored). @return SL_OK, SL_ERR_IO, or what the Parquet
 * writer returns.
 */
sl_status sli_gen_file_close(sl_context *ctx, sli_gen_file *f, bool commit);

#endif
