/*
 * csv.h — reading CSV files into tables and writing tables as CSV.
 *
 * The reader loads the whole file, tokenizes it in one pass (RFC 4180: quoted
 * fields with "" escapes, embedded delimiters and newlines, \n or \r\n line
 * ends), infers column types from a sample of rows unless a schema is given,
 * and builds Arrow-layout columns cut into partitions of SLI_PARTITION_ROWS
 * rows. Low-cardinality utf8 columns are dictionary-encoded per partition.
 * Errors name the file and the physical line where the offending row starts.
 *
 * The public entry points built on these (sl_context_register_csv and
 * sl_context_register_dir) are declared in sluice/sluice.h.
 */
#ifndef SLI_CSV_H
#define SLI_CSV_H

#include <stddef.h>
#include <stdio.h>

#include "runtime/context.h"
#include "runtime/table.h"
#include "sluice/sluice.h"

/**
 * Reads the CSV file at path into a new table named table_name.
 * @param opts may be NULL for defaults (',', a header row, inferred types,
 *        10000 sampled rows).
 * @param out receives the table, owned by the caller (sli_table_free or
 *        sli_context_add_table); set to NULL on failure, after everything
 *        built so far is freed.
 * @return SL_OK; SL_ERR_INVALID_ARG for bad arguments or a malformed
 *         opts->schema; SL_ERR_IO when the file cannot be opened or read;
 *         SL_ERR_CSV for a malformed file or a value that does not fit its
 *         column type ("path:line: ..."); SL_ERR_NOMEM. The message is
 *         recorded on ctx (which may be NULL).
 * Thread safety: may run concurrently on distinct contexts.
 */
sl_status sli_csv_read(sl_context *ctx, const char *table_name, const char *path, const sl_csv_options *opts,
                       sli_table **out);

/**
 * Writes a table as RFC 4180 CSV: a header row of column names, then every
 * row of every partition in order, fields separated by ',' and rows ended by
 * '\n'. Nulls are empty fields. A field is quoted when it holds ',', '"',
 * '\r' or '\n', or when it is an empty utf8 string (so that it reads back as
 * an empty string, not a null). Values are formatted by sli_format_value.
 * The stream is flushed but not closed.
 * @return SL_OK, or SL_ERR_IO when the stream reports an error (recorded on ctx).
 */
sl_status sli_csv_write(sl_context *ctx, const sli_table *t, FILE *out);

/**
 * For tests only: sets the number of rows per partition that sli_csv_read
 * cuts at (0 restores SLI_PARTITION_ROWS). Process-wide and not thread-safe:
 * call it only while no read is running.
 */
void sli_csv_set_partition_rows(size_t n);

#endif
