/*
 * agg_team.c — a team's aggregates combined into the pipeline's output (see
 * agg_team.h).
 */
#include "agg_team.h"

#include <stdatomic.h>
#include <stdlib.h>

#include "agg_scheme.h"
#include "context.h"
#include "workers.h"

static sl_status agg_init_like(const sli_plan *n, sli_agg_table *t)
{
    sl_type *kt = malloc((n->ngroups ? n->ngroups : 1) * sizeof *kt);
    if (!kt) return SL_ERR_NOMEM;
    for (size_t k = 0; k < n->ngroups; k++) kt[k] = n->groups[k]->type;
    sl_status s = sli_agg_table_init(t, kt, n->ngroups, n->aggs, n->naggs);
    free(kt);
    return s;
}

/* Hash partitions of the parallel merge when no worker partitioned its rows:
 * each holds a cache-sized share of the groups. */
#define MERGE_PBITS 8
/* Below this many groups in all, one thread merges (partitioning costs
 * more); with a string key, whose groups cost several times as much to
 * hash, compare and copy, below an eighth of that (TPC-H Q10's 43K groups
 * of seven keys, five of them strings, on two threads: 51 → 49 ms). */
#define MERGE_PARALLEL_GROUPS 65536

static size_t merge_parallel_groups(const sli_plan *n)
{
    for (size_t k = 0; k < n->ngroups; k++)
        if (n->groups[k]->type.id == SL_TYPE_UTF8) return MERGE_PARALLEL_GROUPS / 8;
    return MERGE_PARALLEL_GROUPS;
}

typedef struct agg_merge_job {
    const sli_plan *n;        /**< the AGG node */
    const sli_agg_worker *ws; /**< nw */
    size_t nw;
    sli_agg_scheme scheme; /**< partitions: the workers' sli_agg_part ones, else MERGE_PBITS by hash */
    uint32_t **ord;        /**< per worker: the groups of its table (or of its aggp.first) by partition */
    size_t **off;          /**< per worker: 2^pbits + 1 offsets into ord */
    const sli_agg_part **parts;    /**< per worker: its buffered rows */
    const sli_agg_table **merged;  /**< per worker: merged_table */
    _Atomic size_t mapped, hashed; /**< partitions folded through the range map, by hashing */
    sli_table **tables;            /**< per worker: the merged groups of its partitions */
} agg_merge_job;

/* The table of a worker whose groups are merged: aggp.first once it partitions its rows. */
static sli_agg_table *merged_table(const sli_agg_worker *w)
{
    return w->aggp->active ? &w->aggp->first : w->agg;
}

/* Phase 1, on each worker: seal its own rows and list its groups by partition. */
static sl_status agg_merge_prepare(size_t w, void *arg)
{
    agg_merge_job *j = arg;
    const sli_agg_worker *r = &j->ws[w];
    sl_status s = r->aggp->active ? sli_agg_part_seal(r->aggp) : sli_agg_table_prepare_merge(r->agg);
    j->parts[w] = r->aggp;
    j->merged[w] = merged_table(r);
    return s ? s : sli_agg_scheme_groups(&j->scheme, merged_table(r), &j->ord[w], &j->off[w]);
}

/* Phase 2, on each worker: partitions w, w + nw, ...: the rows every worker
 * buffered for it are aggregated and every worker's groups of it merged.
 * The partitions hold disjoint keys, so one table takes them all, its slots
 * emptied between partitions (sli_agg_hash_restart: a cache-sized working
 * set) and its states sized after the first; finished once, into the
 * worker's share of the output. */
static sl_status agg_merge_parts(size_t w, void *arg)
{
    agg_merge_job *j = arg;
    const sli_plan *n = j->n;
    size_t nw = j->nw, np = (size_t)1 << j->scheme.pbits, ncols = 0, rows_left = 0, groups_left = 0;
    for (size_t v = 0; v < nw; v++)
        if (j->ws[v].aggp->active && j->ws[v].aggp->rows.ncols > ncols) ncols = j->ws[v].aggp->rows.ncols;
    sli_vec *cols = calloc(ncols + 1, sizeof *cols);
    sli_agg_table t;
    sl_status s = cols ? agg_init_like(n, &t) : SL_ERR_NOMEM;
    bool made = s == SL_OK, reserved = false;
    if (made && j->scheme.range) sli_agg_table_force_hash(&t); /* range partitions take the range map */
    size_t expect = 0;
    for (size_t p = w; p < np; p += nw) /* rows and groups of this worker's partitions */
        for (size_t v = 0; v < nw; v++) {
            rows_left += j->parts[v]->active ? j->parts[v]->rows.rows[p] : 0;
            groups_left += j->off[v][p + 1] - j->off[v][p];
        }
    for (size_t p = w; p < np && !s; p += nw) {
        size_t g0 = t.ngroups, rows = 0, merged = 0;
        s = sli_agg_part_fold(&t, p, j->parts, j->merged, j->ord, (size_t *const *)j->off, nw, cols, expect);
        expect = t.ngroups - g0;
        for (size_t v = 0; v < nw; v++) {
            rows += j->parts[v]->active ? j->parts[v]->rows.rows[p] : 0;
            merged += j->off[v][p + 1] - j->off[v][p];
        }
        rows_left -= rows;
        groups_left -= merged;
        if (!s && !reserved && rows) { /* room for the groups to come, grown once */
            reserved = true;
            s = sli_agg_reserve(
                &t, sli_agg_part_estimate(t.ngroups, expect, merged, rows, rows_left, groups_left));
        }
    }
    atomic_fetch_add(&j->mapped, t.folds_mapped);
    atomic_fetch_add(&j->hashed, t.folds_hashed);
    if (!s) s = sli_agg_table_finish(&t, j->ws[w].ctx, n->names, &j->tables[w]);
    if (made) sli_agg_table_free(&t);
    free(cols);
    if (s == SL_ERR_NOMEM) s = sli_nomem(j->ws[w].ctx, "aggregate");
    return s;
}

/* Moves the partitions of the tables parts[0..np) into one table without
 * copying (the next pipeline scans it in parallel anyway). */
static sl_status move_partitions(sl_context *ctx, sli_table **parts, size_t np, sli_table **out)
{
    const sli_table *first = parts[0];
    sli_table *t = sli_table_create("aggregate");
    sl_status s = t ? SL_OK : SL_ERR_NOMEM;
    for (size_t c = 0; c < first->schema.ncols && !s; c++)
        s = sli_table_add_field(t, first->schema.names[c], first->schema.types[c]);
    for (size_t p = 0; p < np && !s; p++) {
        for (size_t q = 0; q < parts[p]->nparts && !s; q++) {
            if (parts[p]->parts[q].rows == 0) continue;
            sli_column **cols = parts[p]->parts[q].cols;
            parts[p]->parts[q].cols = NULL; /* owned by t from here, even on failure */
            s = sli_table_add_partition(t, cols);
        }
    }
    if (s) {
        sli_table_free(t);
        return sli_nomem(ctx, "aggregate");
    }
    *out = t;
    return SL_OK;
}

sl_status sli_agg_team_merge(const sli_plan *n, const sli_agg_worker *ws, size_t nw,
                             const struct sli_team *team, sl_context *ctx, sli_table **out, char *note,
                             size_t note_cap)
{
    agg_merge_job j = {.n = n,
                       .ws = ws,
                       .nw = nw,
                       .scheme = {.pbits = MERGE_PBITS},
                       .ord = calloc(nw, sizeof(uint32_t *)),
                       .off = calloc(nw, sizeof(size_t *)),
                       .parts = calloc(nw, sizeof(sli_agg_part *)),
                       .merged = calloc(nw, sizeof(sli_agg_table *))};
    size_t groups = 0;
    bool partitioned = false;
    for (size_t w = 0; w < nw; w++) {
        groups += ws[w].agg->ngroups;
        if (ws[w].aggp->active) {
            partitioned = true;
            j.scheme = ws[w].aggp->rows.scheme; /* agreed by every worker */
        }
    }
    size_t np = nw; /* output tables: one per worker */
    j.tables = calloc(np, sizeof(sli_table *));
    sl_status s = j.ord && j.off && j.parts && j.merged && j.tables ? SL_OK : sli_nomem(ctx, "aggregate");
    if (!s && (n->ngroups == 0 || (!partitioned && groups < merge_parallel_groups(n)))) {
        sli_agg_table t;
        s = agg_init_like(n, &t);
        for (size_t w = 0; w < nw && !s; w++) s = sli_agg_table_merge(&t, ws[w].agg, 0, 0);
        if (!s)
            s = sli_agg_table_finish(&t, ctx, n->names, out);
        else if (s == SL_ERR_NOMEM)
            s = sli_nomem(ctx, "aggregate");
        sli_agg_table_free(&t);
    } else if (!s) {
        s = sli_team_run(team, agg_merge_prepare, &j);
        if (s == SL_ERR_NOMEM) s = sli_nomem(ctx, "aggregate");
        if (!s) {
            s = sli_team_run(team, agg_merge_parts, &j);
            if (partitioned) sli_agg_part_note(&j.scheme, j.mapped, j.hashed, note, note_cap);
            for (size_t w = 0; s && w < nw; w++)
                if (ws[w].ctx->last_status) {
                    sli_error(ctx, ws[w].ctx->last_status, "%s", ws[w].ctx->last_error);
                    break;
                }
        }
        /* the result pipeline after it concatenates them (result_pass.h) */
        if (!s) s = move_partitions(ctx, j.tables, np, out);
    }
    if (s == SL_ERR_UNSUPPORTED && ctx->last_status != s)
        s = sli_error(ctx, s, "aggregate: more than 2 billion groups");
    for (size_t w = 0; w < nw; w++) {
        if (j.ord) free(j.ord[w]);
        if (j.off) free(j.off[w]);
    }
    for (size_t p = 0; j.tables && p < np; p++) sli_table_free(j.tables[p]);
    free(j.ord);
    free(j.off);
    free(j.parts);
    free(j.merged);
    free(j.tables);
    return s;
}
