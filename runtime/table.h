/*
 * table.h — a table: a schema plus row partitions of columns.
 *
 * Partitions are the unit of placement (later: one NUMA node each) and are
 * cut into morsels by the executor. Every partition holds one column per
 * schema field. Tables are immutable once registered in a context.
 */
#ifndef SLI_TABLE_H
#define SLI_TABLE_H

#include <stddef.h>

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

typedef struct sli_table {
    char *name;
    sli_schema schema;
    size_t nparts;
    sli_partition *parts;
    size_t rows; /**< sum of partition rows */
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

#endif
