/*
 * parquet_table.c — Parquet files as external tables. Registering a file
 * reads only its footer; every scan of the table then reads the columns it
 * needs, of the row groups whose min/max statistics its filters do not rule
 * out (an sli_table_source, see runtime/table.h).
 */
#include <stdlib.h>
#include <string.h>

#include "io/parquet.h"

typedef struct pq_source {
    sli_parquet_file *file;
    char *name; /**< the table's name, for the tables scans load */
} pq_source;

/* @return whether row group rg may hold a row inside every range. */
static bool may_match(const sli_parquet_file *f, size_t rg, const sli_scan_range *ranges, size_t nranges)
{
    for (size_t i = 0; i < nranges; i++) {
        const sli_scan_range *r = &ranges[i];
        if (r->is_float) {
            double lo, hi;
            if (sli_parquet_stats_f64(f, rg, r->col, &lo, &hi) && (hi < r->flo || lo > r->fhi)) return false;
        } else {
            int64_t lo, hi;
            if (sli_parquet_stats_i64(f, rg, r->col, &lo, &hi) && (hi < r->lo || lo > r->hi)) return false;
        }
    }
    return true;
}

static sl_status pq_load(void *self, sl_context *ctx, const size_t *cols, size_t ncols,
                         const sli_scan_range *ranges, size_t nranges, sli_table **out, size_t *units_read)
{
    pq_source *src = self;
    size_t nrg = sli_parquet_row_groups(src->file);
    bool *keep = malloc(nrg ? nrg : 1);
    if (!keep) return sli_nomem(ctx, "parquet scan");
    size_t kept = 0;
    for (size_t rg = 0; rg < nrg; rg++) kept += keep[rg] = may_match(src->file, rg, ranges, nranges);
    *units_read = kept;
    sl_status s = sli_parquet_read(ctx, src->file, src->name, cols, ncols, keep, out);
    free(keep);
    return s;
}

static bool pq_coded(void *self, size_t col)
{
    return sli_parquet_dict_coded(((const pq_source *)self)->file, col);
}

static void pq_close(void *self)
{
    pq_source *src = self;
    sli_parquet_close(src->file);
    free(src->name);
    free(src);
}

sl_status sl_context_register_parquet(sl_context *ctx, const char *name, const char *path)
{
    if (!ctx) return SL_ERR_INVALID_ARG;
    if (!name || !*name || !path)
        return sli_error(ctx, SL_ERR_INVALID_ARG,
                         "sl_context_register_parquet: a table name and a path are required");
    if (sli_context_find_table(ctx, name))
        return sli_error(ctx, SL_ERR_DUPLICATE, "table '%s' is already registered", name);
    sli_parquet_file *f = NULL;
    sl_status s = sli_parquet_open(ctx, path, &f);
    if (s) return s;
    pq_source *src = calloc(1, sizeof *src);
    sli_table_source *ts = calloc(1, sizeof *ts);
    sli_table *t = sli_table_create(name);
    if (src) src->name = strdup(name);
    if (!src || !ts || !t || !src->name) goto nomem;
    const sli_schema *sc = sli_parquet_schema(f);
    for (size_t c = 0; c < sc->ncols; c++)
        if (sli_table_add_field(t, sc->names[c], sc->types[c])) goto nomem;
    src->file = f;
    ts->kind = "parquet";
    ts->units = sli_parquet_row_groups(f);
    ts->self = src;
    ts->load = pq_load;
    ts->close = pq_close;
    ts->coded = pq_coded;
    t->source = ts;
    t->rows = (size_t)sli_parquet_rows(f);
    return sli_context_add_table(ctx, t);
nomem:
    if (src) free(src->name);
    free(src);
    free(ts);
    sli_table_free(t);
    sli_parquet_close(f);
    return sli_nomem(ctx, "registering a Parquet file");
}
