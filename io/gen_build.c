/*
 * gen_build.c — the generators' shared machinery: the run entry point
 * (sli_gen_run), the fixed dictionaries, chunk column allocation, the
 * parallel chunk driver, and the values TPC-H and SSB build alike (names,
 * addresses, phones, colour names) (see gen.h and gen_build.h).
 *
 * The driver hands out chunks through an atomic counter; each chunk writes
 * only its own slot of the result array, so no two workers touch the same
 * memory, and the tables are assembled on the calling thread in chunk order
 * after the team has joined (sli_team_run publishes the workers' writes).
 */
#include <assert.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen_build.h"
#include "runtime/buffer.h"
#include "runtime/types.h"

static const char *const TPCH_TABLES[] = {"region", "nation",   "supplier", "customer",
                                          "part",   "partsupp", "orders",   "lineitem"};
static const char *const SSB_TABLES[] = {"date", "customer", "supplier", "part", "lineorder"};

size_t sli_gen_table_names(sli_gen_bench b, const char *const **names)
{
    if (b == SLI_GEN_SSB) {
        if (names) *names = SSB_TABLES;
        return sizeof SSB_TABLES / sizeof *SSB_TABLES;
    }
    if (names) *names = TPCH_TABLES;
    return sizeof TPCH_TABLES / sizeof *TPCH_TABLES;
}

long sli_gen_table_index(sli_gen_bench b, const char *name)
{
    const char *const *names;
    size_t n = sli_gen_table_names(b, &names);
    for (size_t i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0) return (long)i;
    return -1;
}

uint64_t sli_gen_scaled(double sf, double base)
{
    double v = floor(sf * base + 0.5);
    return v < 1 ? 1 : (uint64_t)v;
}

uint32_t sli_gen_keyname(char *buf, const char *prefix, int64_t key)
{
    size_t n = strlen(prefix);
    memcpy(buf, prefix, n);
    char *p = buf + n;
    if (key >= 1000000000) return (uint32_t)(n + (size_t)sprintf(p, "%lld", (long long)key));
    for (int i = 8; i >= 0; i--) {
        p[i] = (char)('0' + key % 10);
        key /= 10;
    }
    return (uint32_t)(n + 9);
}

int sli_gen_party(sli_gen_part *p, size_t row, const char *prefix, int64_t key, int addr_max, sli_rng *r)
{
    char buf[40];
    sli_gen_put(p->cols[1], row, buf, sli_gen_keyname(buf, prefix, key));
    sli_gen_put_vstring(r, p->cols[2], row, 10, addr_max);
    return (int)sli_rng_range(r, 0, 24);
}

void sli_gen_put_phone(sli_column *c, size_t row, sli_rng *r, int nation)
{
    char buf[40];
    sli_gen_put(c, row, buf, sli_gen_phone(r, nation, buf));
}

void sli_gen_put_colors(sli_column *c, size_t row, sli_rng *r, int k)
{
    assert(k <= 5); /* pick[] holds five */
    const int ncolors = (int)sli_gen_colors.count;
    int pick[5];
    char buf[80];
    size_t len = 0;
    for (int i = 0; i < k; i++) {
        int v;
        bool dup;
        do {
            v = (int)sli_rng_range(r, 0, ncolors - 1);
            dup = false;
            for (int q = 0; q < i; q++) dup |= pick[q] == v;
        } while (dup);
        pick[i] = v;
        if (i) buf[len++] = ' ';
        size_t w = strlen(sli_gen_colors.words[v]);
        memcpy(buf + len, sli_gen_colors.words[v], w);
        len += w;
    }
    sli_gen_put(c, row, buf, (uint32_t)len);
}

/* ---- dictionaries ---------------------------------------------------------- */

/* @return a dictionary of n strings (one reference), or NULL. */
static sli_dict *make_dict(const char *const *s, size_t n)
{
    sli_dict *d = sli_dict_new();
    if (!d) return NULL;
    size_t total = 0;
    for (size_t i = 0; i < n; i++) total += strlen(s[i]);
    d->offsets = sli_buf_alloc((n + 1) * sizeof(int32_t));
    d->bytes = sli_buf_alloc(total ? total : 1);
    d->views = malloc((n ? n : 1) * sizeof(sli_strview));
    if (!d->offsets || !d->bytes || !d->views) {
        sli_dict_unref(d);
        return NULL;
    }
    d->count = n;
    size_t pos = 0;
    for (size_t i = 0; i < n; i++) {
        size_t k = strlen(s[i]);
        memcpy(d->bytes + pos, s[i], k);
        d->offsets[i] = (int32_t)pos;
        d->views[i].ptr = d->bytes + pos;
        d->views[i].len = (uint32_t)k;
        pos += k;
    }
    d->offsets[n] = (int32_t)pos;
    return d;
}

/* Builds dictionary id into g->dicts. @return SL_OK or SL_ERR_NOMEM. */
static sl_status build_dict(sli_gen_run_state *g, sli_gen_dict_id id)
{
    enum { MAXN = 1000 };
    static const char *const ORDERSTATUS[] = {"F", "O", "P"};
    static const char *const RETURNFLAG[] = {"A", "N", "R"};
    static const char *const LINESTATUS[] = {"F", "O"};
    static const char *const SHIPPRI[] = {"0"};
    static const char *const DAYS[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                       "Thursday", "Friday", "Saturday"};
    static const char *const MONTHS[] = {"January",   "February", "March",    "April",
                                         "May",       "June",     "July",     "August",
                                         "September", "October",  "November", "December"};
    static const char *const SEASONS[] = {"Christmas", "Summer", "Winter", "Spring", "Fall"};
    char *store = malloc((size_t)MAXN * 48);
    const char **ptrs = malloc(MAXN * sizeof *ptrs);
    if (!store || !ptrs) {
        free(store);
        free(ptrs);
        return SL_ERR_NOMEM;
    }
    size_t n = 0;
#define ADD(...) (snprintf(store + n * 48, 48, __VA_ARGS__), ptrs[n] = store + n * 48, n++)
#define FROM(list)                                                                                           \
    do {                                                                                                     \
        for (size_t i_ = 0; i_ < (list).count; i_++) ADD("%s", (list).words[i_]);                            \
    } while (0)
#define FROMARR(a)                                                                                           \
    do {                                                                                                     \
        for (size_t i_ = 0; i_ < sizeof a / sizeof *a; i_++) ADD("%s", a[i_]);                               \
    } while (0)
    switch (id) {
    case SLI_D_MFGR:
    case SLI_D_SSB_MFGR:
        for (int m = 1; m <= 5; m++) ADD(id == SLI_D_MFGR ? "Manufacturer#%d" : "MFGR#%d", m);
        break;
    case SLI_D_BRAND:
    case SLI_D_SSB_CATEGORY: /* the same grid: brand b, category c of manufacturer m */
        for (int m = 1; m <= 5; m++)
            for (int b = 1; b <= 5; b++) ADD(id == SLI_D_BRAND ? "Brand#%d%d" : "MFGR#%d%d", m, b);
        break;
    case SLI_D_TYPE:
        for (size_t a = 0; a < sli_gen_type_s1.count; a++)
            for (size_t b = 0; b < sli_gen_type_s2.count; b++)
                for (size_t c = 0; c < sli_gen_type_s3.count; c++)
                    ADD("%s %s %s", sli_gen_type_s1.words[a], sli_gen_type_s2.words[b],
                        sli_gen_type_s3.words[c]);
        break;
    case SLI_D_CONTAINER:
        for (size_t a = 0; a < sli_gen_cont_s1.count; a++)
            for (size_t b = 0; b < sli_gen_cont_s2.count; b++)
                ADD("%s %s", sli_gen_cont_s1.words[a], sli_gen_cont_s2.words[b]);
        break;
    case SLI_D_SEGMENT: FROM(sli_gen_segments); break;
    case SLI_D_PRIORITY: FROM(sli_gen_priorities); break;
    case SLI_D_ORDERSTATUS: FROMARR(ORDERSTATUS); break;
    case SLI_D_RETURNFLAG: FROMARR(RETURNFLAG); break;
    case SLI_D_LINESTATUS: FROMARR(LINESTATUS); break;
    case SLI_D_INSTRUCT: FROM(sli_gen_instructions); break;
    case SLI_D_MODE: FROM(sli_gen_modes); break;
    case SLI_D_NATION: FROM(sli_gen_nations); break;
    case SLI_D_REGION: FROM(sli_gen_regions); break;
    case SLI_D_SSB_BRAND:
        for (int m = 1; m <= 5; m++)
            for (int c = 1; c <= 5; c++)
                for (int b = 1; b <= 40; b++) ADD("MFGR#%d%d%d", m, c, b);
        break;
    case SLI_D_COLOR: FROM(sli_gen_colors); break;
    case SLI_D_CITY:
        for (size_t k = 0; k < sli_gen_nations.count; k++)
            for (int d = 0; d < 10; d++) ADD("%-9.9s%d", sli_gen_nations.words[k], d);
        break;
    case SLI_D_SHIPPRI: FROMARR(SHIPPRI); break;
    case SLI_D_DAYOFWEEK: FROMARR(DAYS); break;
    case SLI_D_MONTH: FROMARR(MONTHS); break;
    case SLI_D_SEASON: FROMARR(SEASONS); break;
    case SLI_D_NONE:
    case SLI_D_COUNT: break;
    }
#undef ADD
#undef FROM
#undef FROMARR
    g->dicts[id] = make_dict(ptrs, n);
    free(store);
    free(ptrs);
    return g->dicts[id] ? SL_OK : SL_ERR_NOMEM;
}

/* ---- chunk columns ----------------------------------------------------------- */

sl_status sli_gen_part_alloc(sli_gen_part *p, const sli_gen_tablespec *spec, size_t rows)
{
    p->rows = rows;
    p->cols = calloc(spec->ncols, sizeof *p->cols);
    if (!p->cols) return SL_ERR_NOMEM;
    for (size_t i = 0; i < spec->ncols; i++) {
        const sli_gen_colspec *cs = &spec->cols[i];
        sli_column *c = calloc(1, sizeof *c);
        if (!c) return SL_ERR_NOMEM;
        p->cols[i] = c;
        c->type = cs->type;
        c->length = rows;
        if (cs->type.id == SL_TYPE_UTF8 && cs->dict == SLI_D_NONE) {
            c->data = sli_buf_alloc_uninit((rows + 1) * sizeof(int32_t));
            c->bytes = sli_buf_alloc_uninit(rows * cs->maxlen + 1);
            if (!c->data || !c->bytes) return SL_ERR_NOMEM;
            ((int32_t *)c->data)[0] = 0;
        } else {
            c->data = sli_buf_alloc_uninit((rows ? rows : 1) * sli_type_width(cs->type));
            if (!c->data) return SL_ERR_NOMEM;
        }
    }
    return SL_OK;
}

static void part_free(sli_gen_part *p, size_t ncols)
{
    if (!p->cols) return;
    for (size_t i = 0; i < ncols; i++) sli_column_free(p->cols[i]);
    free(p->cols);
    p->cols = NULL;
}

/* ---- the driver ---------------------------------------------------------------- */

typedef struct drive_job {
    const sli_gen_run_state *g;
    const sli_gen_group *grp;
    size_t nchunks;
    size_t end;          /* the current wave's chunks end here */
    sli_gen_part *parts; /* nchunks * ntables */
    atomic_size_t next;
    atomic_size_t done;
    atomic_int failed;
} drive_job;

static sl_status drive_worker(size_t w, void *arg)
{
    drive_job *j = arg;
    const sli_gen_options *o = j->g->o;
    size_t nt = j->grp->ntables;
    for (;;) {
        if (atomic_load_explicit(&j->failed, memory_order_relaxed)) return SL_OK;
        size_t c = atomic_fetch_add_explicit(&j->next, 1, memory_order_relaxed);
        if (c >= j->end) return SL_OK;
        uint64_t first = (uint64_t)c * j->g->chunk_rows;
        uint64_t rows = j->grp->rows;
        uint64_t n = rows - first < j->g->chunk_rows ? rows - first : j->g->chunk_rows;
        sl_status s = SL_OK;
        if (j->grp->per_row) /* one table of a fixed size (sli_gen_group) */
            s = sli_gen_part_alloc(&j->parts[c * nt], &j->grp->specs[0], (size_t)n * j->grp->per_row);
        if (!s) s = j->grp->fn(j->g, c, first, (size_t)n, &j->parts[c * nt]);
        if (s) {
            atomic_store(&j->failed, 1);
            return s;
        }
        size_t done = atomic_fetch_add_explicit(&j->done, 1, memory_order_relaxed) + 1;
        if (w == 0 && o->progress) o->progress(o->progress_arg, j->grp->what, done, j->nchunks);
    }
}

/* Builds a table of spec from the partitions parts[k * stride] for k in
 * [0, n), attaching the dictionaries (on this thread). The columns move into
 * the table, also on failure. @return SL_OK or SL_ERR_NOMEM. */
static sl_status assemble(const sli_gen_run_state *g, const sli_gen_tablespec *spec, sli_gen_part *parts,
                          size_t n, size_t stride, sli_table **out)
{
    sli_table *t = sli_table_create(spec->name);
    sl_status s = t ? SL_OK : SL_ERR_NOMEM;
    for (size_t i = 0; i < spec->ncols && !s; i++)
        s = sli_table_add_field(t, spec->cols[i].name, spec->cols[i].type);
    for (size_t k = 0; k < n && !s; k++) {
        sli_gen_part *p = &parts[k * stride];
        if (p->rows == 0) continue;
        for (size_t i = 0; i < spec->ncols; i++)
            if (spec->cols[i].dict != SLI_D_NONE)
                p->cols[i]->dict = sli_dict_ref(g->dicts[spec->cols[i].dict]);
        s = sli_table_add_partition(t, p->cols);
        p->cols = NULL; /* owned by the table now, even on failure */
    }
    if (s) {
        sli_table_free(t);
        t = NULL;
    }
    *out = t;
    return s;
}

/* Runs one group (see sli_gen_drive). */
static sl_status drive_group(sl_context *ctx, const sli_gen_run_state *g, const sli_gen_group *grp,
                             const bool *want, sli_gen_sink sink, void *arg)
{
    size_t nt = grp->ntables;
    bool any = false;
    for (size_t t = 0; t < nt; t++) any |= !want || want[grp->index[t]];
    if (!any) return SL_OK;
    drive_job *j = calloc(1, sizeof *j);
    if (!j) return sli_nomem(ctx, "gen");
    j->g = g;
    j->grp = grp;
    j->nchunks = (size_t)((grp->rows + g->chunk_rows - 1) / g->chunk_rows);
    atomic_init(&j->next, 0);
    atomic_init(&j->done, 0);
    atomic_init(&j->failed, 0);
    j->parts = calloc(j->nchunks * nt, sizeof *j->parts);
    sl_status s = j->parts ? SL_OK : SL_ERR_NOMEM;
    size_t wave = g->o->piece_chunks ? g->o->piece_chunks : j->nchunks;
    bool sink_failed = false;
    for (size_t w0 = 0; w0 < j->nchunks && !s; w0 += wave) {
        j->end = w0 + wave < j->nchunks ? w0 + wave : j->nchunks;
        atomic_store(&j->next, w0);
        s = g->team && j->end - w0 > 1 ? sli_team_run(g->team, drive_worker, j) : drive_worker(0, j);
        for (size_t t = 0; t < nt && !s; t++) {
            if (want && !want[grp->index[t]]) continue;
            sli_table *piece;
            s = assemble(g, &grp->specs[t], &j->parts[w0 * nt + t], j->end - w0, nt, &piece);
            if (!s) {
                s = sink(ctx, g->team, piece, w0 == 0, j->end == j->nchunks, arg);
                sink_failed = s != SL_OK;
            }
        }
        for (size_t k = w0 * nt; k < j->end * nt; k++) part_free(&j->parts[k], grp->specs[k % nt].ncols);
    }
    if (j->parts)
        for (size_t k = 0; k < j->nchunks * nt; k++) part_free(&j->parts[k], grp->specs[k % nt].ncols);
    free(j->parts);
    free(j);
    if (s && !sink_failed)
        return s == SL_ERR_NOMEM ? sli_nomem(ctx, "gen") : sli_error(ctx, s, "gen %s failed", grp->what);
    return s;
}

sl_status sli_gen_drive(sl_context *ctx, const sli_gen_run_state *g, const sli_gen_group *groups,
                        size_t ngroups, const bool *want, sli_gen_sink sink, void *arg)
{
    sl_status s = SL_OK;
    for (size_t i = 0; i < ngroups && !s; i++) s = drive_group(ctx, g, &groups[i], want, sink, arg);
    return s;
}

/* ---- the entry point ----------------------------------------------------------- */

sl_status sli_gen_run(sl_context *ctx, const sli_gen_options *o, const bool *want, sli_gen_sink sink,
                      void *arg)
{
    if (!o || !sink) return sli_error(ctx, SL_ERR_INVALID_ARG, "gen: options and sink must not be NULL");
    if (!(o->sf >= SLI_GEN_MIN_SF - 1e-12))
        return sli_error(ctx, SL_ERR_INVALID_ARG, "gen: scale factor %g is below the smallest, %g", o->sf,
                         SLI_GEN_MIN_SF);
    if (o->sf * 1500000.0 > 2147483647.0)
        return sli_error(ctx, SL_ERR_INVALID_ARG, "gen: scale factor %g is too large (at most 1431)", o->sf);
    if (o->bench != SLI_GEN_TPCH && o->bench != SLI_GEN_SSB)
        return sli_error(ctx, SL_ERR_INVALID_ARG, "gen: unknown benchmark %d", (int)o->bench);
    sli_gen_run_state g;
    memset(&g, 0, sizeof g);
    g.o = o;
    g.sf = o->sf;
    g.seed = o->seed;
    g.chunk_rows = o->chunk_rows ? o->chunk_rows : 65536;
    if (g.chunk_rows > SLI_GEN_MAX_CHUNK_ROWS) g.chunk_rows = SLI_GEN_MAX_CHUNK_ROWS;
    sl_status s = SL_OK;
    for (int d = 1; d < SLI_D_COUNT && !s; d++) s = build_dict(&g, (sli_gen_dict_id)d);
    char *pool = s ? NULL : sli_gen_text_pool(o->seed);
    if (!pool) s = SL_ERR_NOMEM;
    g.pool = pool;
    sli_team team;
    int have_team = 0;
    size_t nw = o->threads ? o->threads : sli_workers_default(sli_context_topology(ctx));
    if (!s && nw > 1) {
        s = sli_team_init(&team, nw, sli_context_topology(ctx), SLI_NUMA_OFF, false);
        if (!s) {
            have_team = 1;
            g.team = &team;
        }
    }
    if (s) {
        s = s == SL_ERR_NOMEM ? sli_nomem(ctx, "gen")
                              : sli_error(ctx, s, "gen: cannot start %zu workers", nw);
    } else {
        s = o->bench == SLI_GEN_TPCH ? sli_gen_tpch(ctx, &g, want, sink, arg)
                                     : sli_gen_ssb(ctx, &g, want, sink, arg);
    }
    if (have_team) sli_team_free(&team);
    sli_buf_free(pool);
    for (int d = 0; d < SLI_D_COUNT; d++) sli_dict_unref(g.dicts[d]);
    return s;
}
