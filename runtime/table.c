/*
 * table.c — tables as a schema plus partitions (see table.h).
 */
#include "table.h"

#include <stdlib.h>
#include <string.h>

sli_table *sli_table_create(const char *name)
{
    sli_table *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    t->name = strdup(name);
    if (!t->name) {
        free(t);
        return NULL;
    }
    return t;
}

sl_status sli_table_add_field(sli_table *t, const char *name, sl_type type)
{
    size_t n = t->schema.ncols;
    char **names = realloc(t->schema.names, (n + 1) * sizeof *names);
    if (!names) return SL_ERR_NOMEM;
    t->schema.names = names;
    sl_type *types = realloc(t->schema.types, (n + 1) * sizeof *types);
    if (!types) return SL_ERR_NOMEM;
    t->schema.types = types;
    names[n] = strdup(name);
    if (!names[n]) return SL_ERR_NOMEM;
    types[n] = type;
    t->schema.ncols = n + 1;
    return SL_OK;
}

static void free_cols(sli_column **cols, size_t n)
{
    if (!cols) return;
    for (size_t i = 0; i < n; i++) sli_column_free(cols[i]);
    free(cols);
}

sl_status sli_table_add_partition(sli_table *t, sli_column **cols)
{
    size_t n = t->schema.ncols;
    size_t rows = n ? cols[0]->length : 0;
    for (size_t i = 1; i < n; i++) {
        if (cols[i]->length != rows) {
            free_cols(cols, n);
            return SL_ERR_INTERNAL;
        }
    }
    sli_partition *p = realloc(t->parts, (t->nparts + 1) * sizeof *p);
    if (!p) {
        free_cols(cols, n);
        return SL_ERR_NOMEM;
    }
    t->parts = p;
    p[t->nparts].rows = rows;
    p[t->nparts].cols = cols;
    t->nparts++;
    t->rows += rows;
    return SL_OK;
}

long sli_schema_find(const sli_schema *s, const char *name)
{
    for (size_t i = 0; i < s->ncols; i++)
        if (strcmp(s->names[i], name) == 0) return (long)i;
    return -1;
}

void sli_table_free(sli_table *t)
{
    if (!t) return;
    for (size_t p = 0; p < t->nparts; p++) free_cols(t->parts[p].cols, t->schema.ncols);
    free(t->parts);
    for (size_t i = 0; i < t->schema.ncols; i++) free(t->schema.names[i]);
    free(t->schema.names);
    free(t->schema.types);
    if (t->source) {
        t->source->close(t->source->self);
        free(t->source);
    }
    free(t->name);
    free(t);
}
