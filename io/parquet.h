/*
 * parquet.h — reading Parquet files into tables and writing tables as Parquet.
 *
 * Reader: sli_parquet_open parses the footer (FileMetaData, Thrift compact
 * protocol) and maps the flat schema to sluice types; sli_parquet_read then
 * decodes only the requested columns of the requested row groups into a
 * table with one partition per row group (row groups decode in parallel on
 * the worker team). Statistics are exposed so a caller can skip row groups a
 * predicate rules out. Errors name the file, and where it applies the row
 * group and the column ("lineitem.parquet: row group 3, column l_tax: ...").
 *
 * Writer: sli_parquet_write writes a table as one Parquet file: row groups of
 * opts->row_group_rows rows, dictionary encoding for columns where it pays,
 * min/max/null-count statistics, Snappy by default.
 *
 * Type mapping (both directions):
 *   bool      <-> BOOLEAN
 *   int8/16   <-> INT32 with INT(8|16, signed)   (INT_8 / INT_16)
 *   int32     <-> INT32
 *   int64     <-> INT64
 *   float64   <-> DOUBLE (FLOAT reads widen to float64)
 *   date32    <-> INT32 with DATE
 *   decimal   <-> INT32 (p <= 9) or INT64 with DECIMAL(p, s); reads also take
 *                 FIXED_LEN_BYTE_ARRAY / BYTE_ARRAY decimals of p <= 18
 *   utf8      <-> BYTE_ARRAY with STRING (UTF8); a BYTE_ARRAY without an
 *                 annotation reads as utf8 too
 * Unsigned 64-bit, INT96 timestamps, nested (repeated / group) columns and
 * decimals over 18 digits are refused with SL_ERR_UNSUPPORTED naming the
 * column and the feature.
 */
#ifndef SLI_PARQUET_H
#define SLI_PARQUET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime/context.h"
#include "runtime/table.h"
#include "sluice/sluice.h"

/* ------------------------------------------------------------------------ */
/* Reader                                                                    */
/* ------------------------------------------------------------------------ */

/** An open Parquet file: its path, parsed footer and sluice schema. */
typedef struct sli_parquet_file sli_parquet_file;

/**
 * Opens a Parquet file and parses its footer.
 * @param out receives the file, owned by the caller (sli_parquet_close).
 * @return SL_OK; SL_ERR_IO when it cannot be opened or read; SL_ERR_PARQUET
 *         for a file that is not Parquet, is truncated or whose footer is
 *         corrupt; SL_ERR_UNSUPPORTED for a column sluice cannot represent;
 *         SL_ERR_NOMEM. The message (naming the file) is recorded on ctx.
 * Thread safety: may run concurrently on distinct contexts.
 */
sl_status sli_parquet_open(sl_context *ctx, const char *path, sli_parquet_file **out);

/** Closes a file. NULL is ignored. */
void sli_parquet_close(sli_parquet_file *f);

/** @return the file's columns as sluice fields (owned by f). */
const sli_schema *sli_parquet_schema(const sli_parquet_file *f);

/** @return the file's total row count. */
uint64_t sli_parquet_rows(const sli_parquet_file *f);

/** @return the number of row groups. */
size_t sli_parquet_row_groups(const sli_parquet_file *f);

/** @return the row count of row group rg. */
uint64_t sli_parquet_row_group_rows(const sli_parquet_file *f, size_t rg);

/**
 * The min/max statistics of column col in row group rg, for bool, integer,
 * date and decimal columns as int64 in the column's sluice representation
 * (days, scaled decimals). @return false when the file has none for it.
 */
bool sli_parquet_stats_i64(const sli_parquet_file *f, size_t rg, size_t col, int64_t *min, int64_t *max);

/**
 * @return whether utf8 column col has a dictionary page in every row group
 * (so its values likely read as dictionary codes), false for other columns
 * or a file without row groups.
 */
bool sli_parquet_dict_coded(const sli_parquet_file *f, size_t col);

/** As sli_parquet_stats_i64 for float64 columns. */
bool sli_parquet_stats_f64(const sli_parquet_file *f, size_t rg, size_t col, double *min, double *max);

/**
 * Decodes columns of row groups into a new table named table_name.
 * @param cols the schema indexes to read, in the order they should appear in
 *        the table (NULL: every column, in file order); ncols their number.
 * @param keep keep[rg] says whether row group rg is read (NULL: all).
 * @param out receives the table (owned by the caller), one partition per
 *        kept row group; NULL on failure, with everything freed.
 * @return SL_OK; SL_ERR_PARQUET for malformed pages ("file: row group N,
 *         column C: ..."); SL_ERR_UNSUPPORTED for an encoding or codec sluice
 *         does not read; SL_ERR_IO; SL_ERR_NOMEM.
 * Thread safety: runs the context's worker team; one call per context at a time.
 */
sl_status sli_parquet_read(sl_context *ctx, sli_parquet_file *f, const char *table_name, const size_t *cols,
                           size_t ncols, const bool *keep, sli_table **out);

/* ------------------------------------------------------------------------ */
/* Writer                                                                    */
/* ------------------------------------------------------------------------ */

/**
 * Writes table t to path as Parquet, under a temporary name renamed into
 * place, so the file is complete or absent.
 * @param opts may be NULL for defaults (Snappy, 1,048,576-row row groups).
 * @return SL_OK; SL_ERR_IO when writing fails; SL_ERR_INVALID_ARG for bad
 *         options; SL_ERR_NOMEM. The message is recorded on ctx.
 * Thread safety: may run concurrently on distinct contexts.
 */
sl_status sli_parquet_write(sl_context *ctx, const sli_table *t, const char *path, const sl_parquet_options *opts);

#endif
