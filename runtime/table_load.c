/*
 * table_load.c — turning external tables (a Parquet file read again at every
 * scan, see sli_table_source in table.h) into in-memory tables: every
 * column of every storage unit read once, then swapped into the context's
 * catalog under the same name. `sluice bench` does this before it times
 * queries, so that sluice, like the peers it is compared with, runs on data
 * already in memory.
 */
#include "table.h"

#include <stdlib.h>
#include <string.h>

#include "context.h"
#include "ocl_data.h"

static bool same_type(sl_type a, sl_type b)
{
    return a.id == b.id && a.precision == b.precision && a.scale == b.scale;
}

sl_status sli_table_load(sl_context *ctx, const sli_table *t, sli_table **out)
{
    *out = NULL;
    if (!t->source) return sli_error(ctx, SL_ERR_INVALID_ARG, "table '%s' is already in memory", t->name);
    size_t ncols = t->schema.ncols;
    if (!ncols) return sli_error(ctx, SL_ERR_UNSUPPORTED, "table '%s' has no columns to load", t->name);
    size_t *cols = malloc(ncols * sizeof *cols);
    if (!cols) return sli_nomem(ctx, "loading a table into memory");
    for (size_t c = 0; c < ncols; c++) cols[c] = c;
    sli_table *m = NULL;
    size_t units = 0;
    /* No ranges: every unit is read. */
    sl_status s = t->source->load(t->source->self, ctx, cols, ncols, NULL, 0, &m, &units);
    free(cols);
    if (s) {
        sli_table_free(m);
        return s;
    }
    /* The copy must answer every query the external table answered: the
     * same columns in the same order, the same rows. */
    bool same =
        m && !m->source && m->schema.ncols == ncols && m->rows == t->rows && units == t->source->units;
    for (size_t c = 0; same && c < ncols; c++)
        same = !strcmp(m->schema.names[c], t->schema.names[c]) &&
               same_type(m->schema.types[c], t->schema.types[c]);
    if (!same) {
        sli_table_free(m);
        return sli_error(ctx, SL_ERR_INTERNAL,
                         "table '%s': the loaded copy differs from the registered table", t->name);
    }
    if (strcmp(m->name, t->name)) {
        char *name = strdup(t->name);
        if (!name) {
            sli_table_free(m);
            return sli_nomem(ctx, "loading a table into memory");
        }
        free(m->name);
        m->name = name;
    }
    *out = m;
    return SL_OK;
}

sl_status sli_table_load_all(sl_context *ctx, size_t *loaded)
{
    size_t n = 0;
    sl_status s = SL_OK;
    for (size_t i = 0; i < ctx->ntables && !s; i++) {
        sli_table *t = ctx->tables[i], *m = NULL;
        if (!t->source || !t->schema.ncols) continue; /* in memory already, or nothing to read */
        s = sli_table_load(ctx, t, &m);
        if (s) break;
        /* Nothing else holds t between queries but the device caches,
         * which are keyed by the table's address. */
        sli_ocl_data_forget(ctx, t);
        sli_table_free(t);
        ctx->tables[i] = m;
        n++;
    }
    if (loaded) *loaded = n;
    return s;
}
