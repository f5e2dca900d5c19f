/*
 * table.h — a table: a schema plus row partitions of columns.
 *
 * Partitions are the unit of placement (later: one NUMA node each) and are
 * cut into morsels by the executor. Every partition holds one column per
 * schema field. Tables are immutable once registered in a context.
 */
#ifndef SLI_TABLE_H
#define SLI_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "column.h"
#include "sluice/sluice.h"

/** Rows per partition for tables sluice loads itself. */
#define SLI_PARTITION_ROWS ((size_t)1 << 20)

typedef struct sli_schema {
    size_t ncols;
    char **names; /**< owned strings */
    sl_type *types;
} sli_schema;

typedef struct sli_partition {
    size_t rows;
    sli_column **cols; /**< schema.ncols columns, each `rows` long */
} sli_partition;

/**
 * An inclusive value range a scan's pushed-down predicate allows for one
 * table column; storage units (row groups) whose statistics fall outside it
 * need not be read. Integer-like columns (bool, ints, date32 days, scaled
 * decimals) use lo..hi, float64 columns flo..fhi.
 */
typedef struct sli_scan_range {
    size_t col; /**< table column index */
    bool is_float;
    int64_t lo, hi;
    double flo, fhi;
} sli_scan_range;

/**
 * Where the rows of an external table live (a Parquet file): such a table
 * holds its schema and row count but no partitions; each scan loads what it
 * needs through `load`.
 */
struct sli_table;

typedef struct sli_table_source {
    const char *kind; /**< "parquet" */
    size_t units;     /**< storage units (row groups) */
    void *self;
    /**
     * Loads table columns cols[0..ncols) (in that order; a scan reads at
     * least one column, so ncols >= 1) of
     * the units that ranges[0..nranges) do not rule out, into a new table
     * (owned by the caller) whose schema is those columns.
     * @param units_read receives how many units were read.
     * @return SL_OK or an error recorded on ctx.
     */
    sl_status (*load)(void *self, sl_context *ctx, const size_t *cols, size_t ncols, const sli_scan_range *ranges,
                      size_t nranges, struct sli_table **out, size_t *units_read);
    /** Frees self. */
    void (*close)(void *self);
    /**
     * Optional (NULL: never): whether table column col likely loads as
     * dictionary codes (the planner ranks comparisons on such columns as
     * cheap). Any thread, any time.
     */
    bool (*coded)(void *self, size_t col);
} sli_table_source;

typedef struct sli_table {
    char *name;
    sli_schema schema;
    size_t nparts;
    sli_partition *parts;
    size_t rows;                /**< sum of partition rows */
    sli_table_source *source;   /**< external rows (no partitions), or NULL; owned */
} sli_table;

/** @return a new table with a copy of name and an empty schema, or NULL. */
sli_table *sli_table_create(const char *name);

/** Appends a field to the schema. Only before partitions are added. */
sl_status sli_table_add_field(sli_table *t, const char *name, sl_type type);

/** Appends a partition; takes ownership of cols (schema.ncols columns,
 *  all of equal length) even on failure. */
sl_status sli_table_add_partition(sli_table *t, sli_column **cols);

/** @return the index of a field by name, or -1. */
long sli_schema_find(const sli_schema *s, const char *name);

void sli_table_free(sli_table *t);

/**
 * Loads every column of every storage unit of external table t (one with a
 * source) into a new in-memory table named like t, whose schema and row
 * count are t's.
 * @param out receives the table (owned by the caller); NULL on failure.
 * @return SL_OK; the source's errors (SL_ERR_PARQUET, SL_ERR_IO, ...);
 *         SL_ERR_INVALID_ARG when t is in memory already; SL_ERR_NOMEM.
 *         The message is recorded on ctx.
 * Thread safety: runs the context's workers; not during a query of ctx.
 */
sl_status sli_table_load(sl_context *ctx, const sli_table *t, sli_table **out);

/**
 * Replaces every external table registered in ctx by its in-memory copy
 * (sli_table_load), keeping its name and place in the catalog, so later
 * queries scan memory instead of the file. Tables without columns stay.
 * Frames made from ctx before the call must not run after it.
 * @param loaded receives how many tables were replaced (may be NULL).
 * @return SL_OK, or the first failure (tables replaced before it stay so).
 */
sl_status sli_table_load_all(sl_context *ctx, size_t *loaded);

#endif
