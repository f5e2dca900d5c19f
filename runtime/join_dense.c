/*
 * join_dense.c — direct-indexed join tables for unique, dense integer keys
 * (see join_dense.h).
 */
#include "join_dense.h"

#include <stdlib.h>
#include <string.h>

#include "buffer.h"
#include "column.h"
#include "join_scatter.h"
#include "kernels/hash.h"
#include "workers.h"

/* A range of at most this many keys always qualifies (a 1 MiB array, within L2)... */
#define DENSE_MIN_SPAN ((uint64_t)1 << 18)
/* ...and a larger one when it holds at most this many entries per row, so
 * the array (4 bytes an entry) stays within the 32 bytes a row a hash table
 * of the same rows takes with its directory, hashes and partition moves... */
#define DENSE_PER_ROW 8
/* ...or, in the ranked form (a quarter byte a key value and 4 bytes a
 * row), at most this many: 20 bytes a row at most. */
#define RANKED_PER_ROW 64
/* With the policy forced on: any range up to this many keys (64 MiB). */
#define DENSE_MAX_FORCED ((uint64_t)1 << 24)

/* Past this many entries (1 MiB) the array leaves the L2 cache, and each
 * row's entry is a miss: the fill and the probe then prefetch the entry of
 * the row PREFETCH_AHEAD rows on, so the misses overlap. */
#define FAR_ENTRIES    ((uint64_t)1 << 18)
#define PREFETCH_AHEAD 16
/* The ranked form's blocks pass 1 MiB past this many key values; its probe
 * then prefetches the block of the row RANKED_AHEAD rows on, and from the
 * block of the row half as far on (by then loaded) the build row at its
 * rank: two misses in flight per match instead of one after the other. */
#define RANKED_FAR   ((uint64_t)1 << 22)
#define RANKED_AHEAD 64
/* The ranked form's build passes (setting the bits, placing the rows)
 * prefetch the block of the row this many rows on. */
#define BLOCK_AHEAD 32
/* Below this many rows one worker fills the array (a team run costs more). */
#define PARALLEL_ROWS ((size_t)1 << 16)
/* A table whose random reads (array or blocks and rows, and the build rows'
 * payload values) pass this many bytes per row a partition of a hash table
 * is meant to hold (512 KiB by default, an L2 cache) is partitioned by key
 * range into parts of about that size. */
#define PART_BYTES_PER_ROW 64
/* At most 2^this many partitions (the hash table's bound). */
#define MAX_RANGE_PBITS 10

static int g_dense = -1, g_ranked = -1;

void sli_join_set_dense(int mode)
{
    g_dense = mode < 0 ? -1 : mode > 0 ? 1 : 0;
}

void sli_join_set_dense_ranked(int mode)
{
    g_ranked = mode < 0 ? -1 : mode > 0 ? 1 : 0;
}

/* @return whether a direct-indexed table of `rows` rows over `span` key
 * values takes the ranked form: the range is too sparse for the flat array
 * at all, or at most half the flat array's entries would be used and it
 * would take more than an eighth of the last-level cache (llc bytes; at
 * least 1 MiB, the L2 cache, when unknown). Measured on the join benchmark
 * (1.5M keys over 6M values, a 24 MiB flat array): ranked was faster on
 * one thread with a 32 MiB L3 (the development VM), flat on 2 to 16
 * threads with a 300 MiB L3 (the GPU check's Xeon). */
static bool ranked_wanted(uint64_t span, size_t rows, uint64_t llc)
{
    if (g_ranked >= 0) return g_ranked == 1;
    uint64_t fits = llc / 8 > FAR_ENTRIES * sizeof(uint32_t) ? llc / 8 : FAR_ENTRIES * sizeof(uint32_t);
    return ((uint64_t)rows * 2 < span && span * sizeof(uint32_t) > fits) || span / DENSE_PER_ROW > rows;
}

/* @return whether a table of `rows` rows with keys spanning `span` values
 * may be direct-indexed under the current policy. */
static bool span_qualifies(uint64_t span, size_t rows)
{
    if (g_dense == 0 || span == 0) return false; /* span 0: the full 64-bit range wrapped */
    if (g_dense == 1) return span <= DENSE_MAX_FORCED;
    if (rows > span) return false; /* some key repeats */
    return span <= DENSE_MIN_SPAN || span / DENSE_PER_ROW <= rows ||
           (g_ranked != 0 && span / RANKED_PER_ROW <= rows);
}

typedef struct dense_job {
    const sli_join_table *jt;
    uint32_t *d;             /**< flat: the array; ranked: the rows in key order */
    sli_dense_block *blocks; /**< ranked: the key bits and ranks; NULL: flat */
    uint64_t span;
    size_t nw;
    bool *repeat; /**< per worker: found a key twice */
    /** Partitioned by key range with rows in partition order (prow, nparts
     *  as in the table): each worker takes whole partitions, whose entries
     *  no other worker touches, and enters them without atomics. NULL: each
     *  worker a share of the rows. */
    const size_t *prow;
    size_t nparts;
} dense_job;

/* Calls RANGE(lo, hi, atomic) for each range of rows worker w of job j
 * enters: its partitions (plain stores), or its share of the rows (atomic
 * when several workers share the array). */
#define FOR_RANGES(j, w, RANGE)                                                                              \
    do {                                                                                                     \
        if ((j)->prow) {                                                                                     \
            for (size_t q_ = (w); q_ < (j)->nparts; q_ += (j)->nw)                                           \
                RANGE((j)->prow[q_], (j)->prow[q_ + 1], false);                                              \
        } else {                                                                                             \
            size_t lo_, hi_;                                                                                 \
            share((j)->jt->rows, (w), (j)->nw, &lo_, &hi_);                                                  \
            RANGE(lo_, hi_, (j)->nw > 1);                                                                    \
        }                                                                                                    \
    } while (0)

/* @return the workers that build a table of `rows` rows: the team's when
 * it has several and the rows are many, else one. */
static size_t workers_for(const sli_team *team, size_t rows)
{
    return team && team->nworkers > 1 && rows >= PARALLEL_ROWS ? team->nworkers : 1;
}

/* Rows [*lo, *hi) of n: worker w's share. */
static void share(size_t n, size_t w, size_t nw, size_t *lo, size_t *hi)
{
    *lo = n / nw * w;
    *hi = w + 1 == nw ? n : n / nw * (w + 1);
}

/* Worker w clears its share of the array or of the blocks (the fill starts
 * after every worker's clear has ended: a second team run). */
static sl_status clear_worker(size_t w, void *arg)
{
    dense_job *j = arg;
    size_t lo, hi;
    if (j->blocks) {
        share((size_t)(j->span >> 6) + 1, w, j->nw, &lo, &hi);
        memset(j->blocks + lo, 0, (hi - lo) * sizeof *j->blocks);
    } else {
        share((size_t)j->span + 1, w, j->nw, &lo, &hi);
        memset(j->d + lo, 0, (hi - lo) * sizeof *j->d);
    }
    return SL_OK;
}

/* Enters rows [lo, hi) in the array, each at its key (a NULL key goes to
 * the last entry, which is cleared afterwards). With ATOMIC (several
 * workers fill at once) each entry is swapped in, so two rows of one key
 * never both see an empty entry and the repeat is always found; alone, a
 * plain load and store do. The entry ahead is prefetched so the misses of a
 * large array overlap. */
#define FILL_ROWS(T, ATOMIC)                                                                                 \
    do {                                                                                                     \
        const T *restrict k = col->data;                                                                     \
        for (size_t r = lo; r < hi; r++) {                                                                   \
            if (r + ahead < hi) {                                                                            \
                uint64_t y = (uint64_t)(int64_t)k[r + ahead] - base;                                         \
                __builtin_prefetch(&d[y < span ? y : span], 1);                                              \
            }                                                                                                \
            uint64_t x = (uint64_t)(int64_t)k[r] - base;                                                     \
            if (x >= span || (valid && !sli_valid(valid, r))) x = span;                                      \
            uint32_t old;                                                                                    \
            if (ATOMIC)                                                                                      \
                old = __atomic_exchange_n(&d[x], (uint32_t)r + 1, __ATOMIC_RELAXED);                         \
            else {                                                                                           \
                old = d[x];                                                                                  \
                d[x] = (uint32_t)r + 1;                                                                      \
            }                                                                                                \
            repeat |= old != 0 && x != span;                                                                 \
        }                                                                                                    \
    } while (0)

/* The ranked form's first pass over the rows: sets each key's bit (NULL
 * keys have none). With ATOMIC the bit is or-ed in atomically; either way
 * the bit found already set shows a repeated key. */
#define BITS_ROWS(T, ATOMIC)                                                                                 \
    do {                                                                                                     \
        const T *restrict k = col->data;                                                                     \
        for (size_t r = lo; r < hi; r++) {                                                                   \
            if (r + BLOCK_AHEAD < hi) {                                                                      \
                uint64_t xa = (uint64_t)(int64_t)k[r + BLOCK_AHEAD] - base;                                  \
                __builtin_prefetch(&b[(xa < span ? xa : 0) >> 6], 1);                                        \
            }                                                                                                \
            uint64_t x = (uint64_t)(int64_t)k[r] - base;                                                     \
            if (x >= span || (valid && !sli_valid(valid, r))) continue;                                      \
            uint64_t bit = (uint64_t)1 << (x & 63), old;                                                     \
            if (ATOMIC)                                                                                      \
                old = __atomic_fetch_or(&b[x >> 6].bits, bit, __ATOMIC_RELAXED);                             \
            else {                                                                                           \
                old = b[x >> 6].bits;                                                                        \
                b[x >> 6].bits = old | bit;                                                                  \
            }                                                                                                \
            repeat |= (old & bit) != 0;                                                                      \
        }                                                                                                    \
    } while (0)

/* ROWS(key type, atomic) for the job's key column and team. */
#define BY_KEY(ROWS)                                                                                         \
    do {                                                                                                     \
        if (atomic && is64)                                                                                  \
            ROWS(int64_t, 1);                                                                                \
        else if (atomic)                                                                                     \
            ROWS(int32_t, 1);                                                                                \
        else if (is64)                                                                                       \
            ROWS(int64_t, 0);                                                                                \
        else                                                                                                 \
            ROWS(int32_t, 0);                                                                                \
    } while (0)

/* Enters rows [lo, hi): in the flat array, or as the ranked form's bits
 * (the first of its two passes); atomically when other workers may enter
 * the same entries at once. @return whether a key repeats. */
static bool enter_rows(const dense_job *j, size_t lo, size_t hi, bool atomic)
{
    const sli_join_table *jt = j->jt;
    const sli_column *col = jt->cols[jt->ncols];
    const uint8_t *valid = col->validity;
    uint64_t span = j->span, base = (uint64_t)jt->kmin;
    bool repeat = false, is64 = col->type.id == SL_TYPE_INT64;
    if (j->blocks) {
        sli_dense_block *b = j->blocks;
        BY_KEY(BITS_ROWS);
    } else {
        uint32_t *d = j->d;
        size_t ahead = span > FAR_ENTRIES && !j->prow ? PREFETCH_AHEAD : hi;
        BY_KEY(FILL_ROWS);
    }
    return repeat;
}

/* Worker w enters its rows (FOR_RANGES). */
static sl_status enter_worker(size_t w, void *arg)
{
    dense_job *j = arg;
    bool repeat = false;
#define ENTER_RANGE(lo, hi, atomic) repeat |= enter_rows(j, (lo), (hi), (atomic))
    FOR_RANGES(j, w, ENTER_RANGE);
#undef ENTER_RANGE
    j->repeat[w] = repeat;
    return SL_OK;
}

/* The rank of key value x (its offset from kmin) in block bx: the values
 * set before its block, and before it within the block. Inlined into each
 * caller, so a caller built for POPCNT counts with it. */
static inline __attribute__((always_inline)) uint64_t rank_of(const sli_dense_block *bx, uint64_t x)
{
    return bx->rank + (uint64_t)__builtin_popcountll(bx->bits & (((uint64_t)1 << (x & 63)) - 1));
}

/* The ranked form's second pass, after the ranks are summed: each row goes
 * to its key's rank (unique keys: no two rows share a slot). */
#define PLACE_ROWS(T)                                                                                        \
    do {                                                                                                     \
        const T *restrict k = col->data;                                                                     \
        for (size_t r = lo; r < hi; r++) {                                                                   \
            if (r + BLOCK_AHEAD < hi) {                                                                      \
                uint64_t xa = (uint64_t)(int64_t)k[r + BLOCK_AHEAD] - base;                                  \
                __builtin_prefetch(&b[(xa < span ? xa : 0) >> 6]);                                           \
            }                                                                                                \
            uint64_t x = (uint64_t)(int64_t)k[r] - base;                                                     \
            if (x >= span || (valid && !sli_valid(valid, r))) continue;                                      \
            const sli_dense_block *bx = &b[x >> 6];                                                          \
            d[rank_of(bx, x)] = (uint32_t)r;                                                                 \
        }                                                                                                    \
    } while (0)

/* The second pass over rows [lo, hi), compiled once per popcount
 * instruction set (see RANKED_PROBE). */
#define PLACE_SHARE(name, ATTR)                                                                              \
    ATTR static void name(const dense_job *j, size_t lo, size_t hi)                                          \
    {                                                                                                        \
        const sli_join_table *jt = j->jt;                                                                    \
        const sli_column *col = jt->cols[jt->ncols];                                                         \
        const uint8_t *valid = col->validity;                                                                \
        uint64_t span = j->span, base = (uint64_t)jt->kmin;                                                  \
        const sli_dense_block *b = j->blocks;                                                                \
        uint32_t *restrict d = j->d;                                                                         \
        if (col->type.id == SL_TYPE_INT64)                                                                   \
            PLACE_ROWS(int64_t);                                                                             \
        else                                                                                                 \
            PLACE_ROWS(int32_t);                                                                             \
    }

PLACE_SHARE(place_share, )
#if defined(__x86_64__) && defined(__GNUC__)
#define HAVE_POPCNT_COPY 1
PLACE_SHARE(place_share_popcnt, __attribute__((target("popcnt"))))

/* The popcnt copies run where the hash kernels chosen (sli_hash_select,
 * SL_FORCE_ISA) are 128-bit SIMD or wider: on x86-64 that level has POPCNT. */
static bool popcnt_copy(void)
{
    return sli_hash_select()->isa >= SL_ISA_SIMD128;
}
#endif

/* Worker w places its rows (FOR_RANGES; distinct rows never share a rank). */
static sl_status place_worker(size_t w, void *arg)
{
    const dense_job *j = arg;
#ifdef HAVE_POPCNT_COPY
    if (popcnt_copy()) {
#define PLACE_POPCNT(lo, hi, atomic) place_share_popcnt(j, (lo), (hi))
        FOR_RANGES(j, w, PLACE_POPCNT);
#undef PLACE_POPCNT
        return SL_OK;
    }
#endif
#define PLACE_BASE(lo, hi, atomic) place_share(j, (lo), (hi))
    FOR_RANGES(j, w, PLACE_BASE);
#undef PLACE_BASE
    return SL_OK;
}

/* Runs fn on the job's workers: the team when it has several, else here. */
static sl_status run_job(const sli_team *team, sli_team_fn fn, dense_job *job)
{
    return job->nw > 1 ? sli_team_run(team, fn, job) : fn(0, job);
}

/* @return whether no worker found a repeated key. */
static bool no_repeat(const dense_job *job)
{
    bool ok = true;
    for (size_t w = 0; w < job->nw; w++) ok &= !job->repeat[w];
    return ok;
}

/* Builds the ranked form into job (span set, d and blocks NULL). @return
 * false when memory is short or a key repeats. */
static bool build_ranked(dense_job *job, const sli_team *team)
{
    size_t nb = (size_t)(job->span >> 6) + 1, rows = job->jt->rows;
    job->blocks = sli_buf_alloc_uninit(nb * sizeof *job->blocks);
    job->d = sli_buf_alloc_uninit((rows + 1) * sizeof *job->d);
    if (!job->blocks || !job->d) return false;
    if (run_job(team, clear_worker, job) || run_job(team, enter_worker, job) || !no_repeat(job)) return false;
    uint64_t rank = 0;
    for (size_t i = 0; i < nb; i++) {
        job->blocks[i].rank = rank;
        rank += (uint64_t)__builtin_popcountll(job->blocks[i].bits);
    }
    job->d[rank] = 0; /* where a probe past the last key reads (and drops) */
    return run_job(team, place_worker, job) == SL_OK;
}

/* Builds the flat form into job (span set, d and blocks NULL). @return
 * false when memory is short or a key repeats. */
static bool build_flat(dense_job *job, const sli_team *team)
{
    job->d = sli_buf_alloc_uninit((job->span + 1) * sizeof *job->d);
    if (!job->d) return false;
    if (run_job(team, clear_worker, job) || run_job(team, enter_worker, job) || !no_repeat(job)) return false;
    job->d[job->span] = 0; /* where out-of-range keys look */
    return true;
}

/* @return the bytes a probe of the table reads at random: the flat array,
 * or the ranked form's blocks and rows, and the build rows' values. */
static uint64_t random_bytes(const sli_join_table *jt, uint64_t span, bool ranked)
{
    uint64_t bytes = ranked ? ((span >> 6) + 1) * sizeof(sli_dense_block) + (uint64_t)jt->rows * 4 : span * 4;
    for (size_t c = 0; c < jt->ncols; c++) bytes += (uint64_t)jt->rows * sli_type_width(jt->cols[c]->type);
    return bytes;
}

/* @return the number of significant bits of x (0 for 0). */
static unsigned bit_len(uint64_t x)
{
    return x ? 64u - (unsigned)__builtin_clzll(x) : 0u;
}

/* How a large table's rows are partitioned by key range (see plan_parts). */
typedef struct range_parts {
    unsigned pbits, shift; /**< pbits 0: not partitioned */
    size_t ng;             /**< groups: 2^pbits partitions, then the rows with a NULL key */
    size_t nw;             /**< workers, each planning and moving a share of the rows */
    uint16_t *qr;          /**< per row: its group */
    /** nw rows of ng + 1: where worker w's rows of group g go, at [w * (ng + 1) + g], then
     *  the end; worker 0's row is where each group starts */
    size_t *wstart;
    void **dst;     /**< while moving: each column's new values */
    const sli_join_table *jt;
} range_parts;

static void parts_free(range_parts *rp)
{
    sli_buf_free(rp->qr);
    free(rp->wstart);
    memset(rp, 0, sizeof *rp);
}

/* Worker w: the groups of its share of the rows, counted in its row of wstart. */
static sl_status group_worker(size_t w, void *arg)
{
    range_parts *rp = arg;
    const sli_join_table *jt = rp->jt;
    const sli_column *col = jt->cols[jt->ncols];
    size_t lo, hi, np = rp->ng - 1;
    share(jt->rows, w, rp->nw, &lo, &hi);
    uint64_t base = (uint64_t)jt->kmin;
    bool is64 = col->type.id == SL_TYPE_INT64;
    size_t *restrict cnt = rp->wstart + w * (rp->ng + 1);
    for (size_t r = lo; r < hi; r++) {
        uint64_t v = is64 ? (uint64_t)((const int64_t *)col->data)[r]
                          : (uint64_t)(int64_t)((const int32_t *)col->data)[r];
        uint16_t q = sli_valid(col->validity, r) ? (uint16_t)((v - base) >> rp->shift) : (uint16_t)np;
        rp->qr[r] = q;
        cnt[q]++;
    }
    return SL_OK;
}

/* Runs fn for each of rp's workers: on the team when there are several. */
static sl_status run_parts(const sli_team *team, sli_team_fn fn, range_parts *rp)
{
    return rp->nw > 1 ? sli_team_run(team, fn, rp) : fn(0, rp);
}

/* Plans the partitions of a table whose random reads pass the cache, when
 * every payload column moves by the write-combined scatter: 2^pbits
 * partitions of about the cache's size, partition q holding the key values
 * kmin + (q << shift) on, rows with a NULL key after them, each group's
 * rows in input order. A team (may be NULL) shares the rows out.
 * @return SL_OK (rp->pbits 0 when the table stays whole) or SL_ERR_NOMEM. */
static sl_status plan_parts(const sli_join_table *jt, uint64_t span, bool ranked, const sli_team *team,
                            range_parts *rp)
{
    memset(rp, 0, sizeof *rp);
    /* Plain strings and columns with NULLs would move by a gather (and
     * strings by a copy): that costs more than the probe saves. */
    for (size_t c = 0; c < jt->ncols; c++)
        if (!sli_join_column_scatters(jt->cols[c])) return SL_OK;
    uint64_t bytes = random_bytes(jt, span, ranked);
    uint64_t part = (uint64_t)sli_join_partition_rows() * PART_BYTES_PER_ROW;
    unsigned pbits = 0;
    while (pbits < MAX_RANGE_PBITS && (part << pbits) < bytes) pbits++;
    if (pbits == 0) return SL_OK;
    unsigned len = bit_len(span - 1);
    size_t rows = jt->rows;
    rp->jt = jt;
    rp->pbits = pbits;
    rp->shift = len > pbits ? len - pbits : 0;
    rp->ng = ((size_t)1 << pbits) + 1;
    rp->nw = workers_for(team, rows);
    rp->qr = sli_buf_alloc_uninit((rows ? rows : 1) * sizeof *rp->qr);
    rp->wstart = calloc(rp->nw * (rp->ng + 1), sizeof *rp->wstart);
    sl_status s = rp->qr && rp->wstart ? SL_OK : SL_ERR_NOMEM;
    if (!s) s = run_parts(team, group_worker, rp);
    if (!s) { /* counts to places: group by group, worker by worker */
        size_t at = 0;
        for (size_t g = 0; g < rp->ng; g++) {
            for (size_t w = 0; w < rp->nw; w++) {
                size_t c = rp->wstart[w * (rp->ng + 1) + g];
                rp->wstart[w * (rp->ng + 1) + g] = at;
                at += c;
            }
        }
        for (size_t w = 0; w < rp->nw; w++) rp->wstart[w * (rp->ng + 1) + rp->ng] = at; /* each row's end */
    }
    if (s) parts_free(rp);
    return s;
}

/* Worker w moves its share of the rows of every column to rp->dst. */
static sl_status move_worker(size_t w, void *arg)
{
    range_parts *rp = arg;
    const sli_join_table *jt = rp->jt;
    size_t lo, hi;
    share(jt->rows, w, rp->nw, &lo, &hi);
    sli_join_wc wc;
    sl_status s = sli_join_wc_init(&wc, rp->wstart + w * (rp->ng + 1), rp->ng);
    const uint64_t *in8[SLI_WC_MAX_COLS];
    uint64_t *out8[SLI_WC_MAX_COLS];
    size_t n8 = 0;
    for (size_t c = 0; c < jt->ncols + jt->nkeys && !s; c++) {
        size_t width = sli_type_width(jt->cols[c]->type);
        if (width == 8 && n8 < SLI_WC_MAX_COLS) { /* 8-byte columns move together, below */
            in8[n8] = (const uint64_t *)jt->cols[c]->data + lo;
            out8[n8++] = rp->dst[c];
            continue;
        }
        sli_join_wc_scatter(&wc, (const char *)jt->cols[c]->data + lo * width, width, rp->qr + lo, hi - lo,
                            rp->dst[c]);
    }
    if (!s && n8) s = sli_join_wc_scatter8(&wc, in8, n8, rp->qr + lo, hi - lo, out8);
    sli_join_wc_free(&wc);
    return s;
}

/* Moves every column (the payload's fixed-width values or dictionary codes,
 * and the key, whose NULLs are all in the last group) to the places rp
 * planned, each worker its share of the rows, and describes the partitions
 * in jt (pbits, prow, dense_shift) as a partitioned hash table's are. The
 * probe then buffers its rows by the same ranges and visits one partition
 * at a time, so the array's part and the build values it reads stay in the
 * cache. @return SL_OK or SL_ERR_NOMEM (jt must then be freed). */
static sl_status move_parts(sli_join_table *jt, range_parts *rp, const sli_team *team)
{
    size_t nc = jt->ncols + jt->nkeys, rows = jt->rows, np = (size_t)1 << rp->pbits;
    sli_colbuilder *b = calloc(nc, sizeof *b);
    rp->dst = calloc(nc, sizeof *rp->dst);
    jt->prow = malloc((np + 1) * sizeof *jt->prow);
    sl_status s = b && rp->dst && jt->prow ? SL_OK : SL_ERR_NOMEM;
    size_t made = 0;
    for (; made < nc && !s; made++) {
        sli_colbuilder_init(&b[made], jt->cols[made]->type);
        s = sli_colbuilder_reserve(&b[made], rows);
        if (!s && jt->cols[made]->validity) { /* the key: rows from the NULL group on are NULL */
            s = sli_colbuilder_ensure_validity(&b[made]);
            for (size_t r = rp->wstart[np]; r < rows && !s; r++)
                b[made].col.validity[r >> 3] &= (uint8_t) ~(1u << (r & 7));
        }
        rp->dst[made] = b[made].col.data;
    }
    if (!s) s = run_parts(team, move_worker, rp);
    for (size_t c = 0; c < made; c++) {
        sli_column *moved = NULL;
        if (!s) {
            b[c].col.length = rows;
            if (jt->cols[c]->dict) b[c].col.dict = sli_dict_ref(jt->cols[c]->dict);
            moved = sli_colbuilder_finish(&b[c]);
        }
        if (!moved) { /* a failed finish has freed the builder */
            if (s) sli_colbuilder_discard(&b[c]);
            s = SL_ERR_NOMEM;
            continue;
        }
        sli_column_free(jt->cols[c]);
        jt->cols[c] = moved;
    }
    free(b);
    free(rp->dst);
    rp->dst = NULL;
    if (s) return s;
    memcpy(jt->prow, rp->wstart, (np + 1) * sizeof *jt->prow); /* worker 0's starts */
    jt->pbits = rp->pbits;
    jt->dense_shift = rp->shift;
    return SL_OK;
}

sl_status sli_join_dense_build(sli_join_table *jt, const sli_team *team, bool *built)
{
    *built = false;
    if (jt->nkeys != 1 || !jt->has_range) return SL_OK;
    const sli_column *col = jt->cols[jt->ncols];
    sl_type_id t = col->type.id;
    if (col->dict || (t != SL_TYPE_INT32 && t != SL_TYPE_DATE32 && t != SL_TYPE_INT64)) return SL_OK;
    uint64_t span = (uint64_t)jt->kmax - (uint64_t)jt->kmin + 1;
    if (!span_qualifies(span, jt->rows)) return SL_OK;

    bool ranked = ranked_wanted(span, jt->rows, jt->llc_bytes);
    range_parts rp;
    sl_status s = plan_parts(jt, span, ranked, team, &rp);
    if (!s && rp.pbits) s = move_parts(jt, &rp, team);
    parts_free(&rp);
    if (s) return s;
    size_t nw = workers_for(team, jt->rows);
    dense_job job = {jt, NULL, NULL, span, nw, calloc(nw, sizeof(bool)), NULL, 0};
    /* Partitions own their entries (and the ranked form's blocks when a
     * block's 64 values lie in one partition). */
    if (jt->pbits && (!ranked || jt->dense_shift >= 6)) {
        job.prow = jt->prow;
        job.nparts = (size_t)1 << jt->pbits;
    }
    bool ok = job.repeat && (ranked ? build_ranked(&job, team) : build_flat(&job, team));
    free(job.repeat);
    if (!ok) {
        /* Not unique (or memory short): a hash table instead, partitioned its
         * own way (the rows stay in their new order: it does not mind). */
        sli_buf_free(job.d);
        sli_buf_free(job.blocks);
        free(jt->prow);
        jt->prow = NULL;
        jt->pbits = 0;
        return SL_OK;
    }
    jt->dense = job.d;
    jt->dense_blocks = job.blocks;
    jt->dense_span = span;
    jt->unique = true;
    *built = true;
    return SL_OK;
}

/* Rows of (sel, n) whose key value the table holds, written to out; the
 * block or entry PREFETCH_AHEAD rows on is prefetched when the array is
 * past the L2 cache. */
#define MEMBER_LOOP(T)                                                                                       \
    do {                                                                                                     \
        const T *restrict k = key->data;                                                                     \
        for (size_t i = 0; i < n; i++) {                                                                     \
            if (i + ahead < n) {                                                                             \
                uint64_t y = (uint64_t)(int64_t)k[sel ? sel[i + ahead] : i + ahead] - base;                  \
                y = y < span ? y : span;                                                                     \
                __builtin_prefetch(b ? (const void *)&b[y >> 6] : (const void *)&d[y]);                      \
            }                                                                                                \
            uint32_t r = sel ? sel[i] : (uint32_t)i;                                                         \
            uint64_t x = (uint64_t)(int64_t)k[r] - base;                                                     \
            x = x < span ? x : span;                                                                         \
            bool hit = b ? (b[x >> 6].bits >> (x & 63)) & 1 : d[x] != 0;                                     \
            out[m] = r;                                                                                      \
            m += hit;                                                                                        \
        }                                                                                                    \
    } while (0)

size_t sli_join_dense_select(const sli_join_table *jt, const sli_vec *key, const uint32_t *sel, size_t n,
                             uint32_t *out)
{
    const sli_dense_block *b = jt->dense_blocks;
    const uint32_t *d = jt->dense;
    uint64_t span = jt->dense_span, base = (uint64_t)jt->kmin;
    uint64_t bytes = b ? (span >> 6) * sizeof *b : span * sizeof *d;
    size_t m = 0, ahead = bytes > FAR_ENTRIES * sizeof *d ? PREFETCH_AHEAD : n;
    if (key->type.id == SL_TYPE_INT64)
        MEMBER_LOOP(int64_t);
    else
        MEMBER_LOOP(int32_t);
    return m;
}
#undef MEMBER_LOOP

void sli_join_dense_parts(const sli_join_table *jt, const sli_vec *key, const uint32_t *sel, size_t n,
                          uint64_t *out)
{
    uint64_t span = jt->dense_span, base = (uint64_t)jt->kmin;
    unsigned shift = jt->dense_shift, top = 64 - jt->pbits;
#define PARTS_LOOP(T)                                                                                        \
    do {                                                                                                     \
        const T *restrict k = key->data;                                                                     \
        for (size_t i = 0; i < n; i++) {                                                                     \
            uint32_t r = sel ? sel[i] : (uint32_t)i;                                                         \
            uint64_t x = (uint64_t)(int64_t)k[r] - base;                                                     \
            out[r] = (x < span ? x >> shift : 0) << top;                                                     \
        }                                                                                                    \
    } while (0)
    if (key->type.id == SL_TYPE_INT64)
        PARTS_LOOP(int64_t);
    else
        PARTS_LOOP(int32_t);
#undef PARTS_LOOP
}

/* One load per probe row: the key, less kmin, clamped to the empty last
 * entry when out of range, indexes the array. */
#define PROBE_LOOP(T, MARK, EMIT)                                                                            \
    do {                                                                                                     \
        const T *restrict k = key->data;                                                                     \
        for (size_t i = 0; i < n; i++) {                                                                     \
            if (i + ahead < n) {                                                                             \
                uint64_t y = (uint64_t)(int64_t)k[rows[i + ahead]] - base;                                   \
                __builtin_prefetch(&d[y < span ? y : span]);                                                 \
            }                                                                                                \
            uint32_t r = rows[i];                                                                            \
            uint64_t x = (uint64_t)(int64_t)k[r] - base;                                                     \
            uint32_t s = d[x < span ? x : span];                                                             \
            if (MARK) matched[r] = s != 0;                                                                   \
            if (EMIT) {                                                                                      \
                probe_rows[out] = r;                                                                         \
                build_rows[out] = s - 1;                                                                     \
            }                                                                                                \
            out += s != 0;                                                                                   \
        }                                                                                                    \
    } while (0)

/* LOOP(key type, MARK, EMIT) for the probe's key vector. */
#define BY_PROBE_KEY(LOOP, MARK, EMIT)                                                                       \
    do {                                                                                                     \
        if (key->type.id == SL_TYPE_INT64)                                                                   \
            LOOP(int64_t, MARK, EMIT);                                                                       \
        else                                                                                                 \
            LOOP(int32_t, MARK, EMIT);                                                                       \
    } while (0)

/* The ranked form: the key's block (its bit and the keys before it) gives
 * the rank that indexes the rows in key order. An out-of-range key reads
 * the bit of value span, never set; a row without its bit reads a rank at
 * most the number of keys, where d holds a dropped entry. */
#define RANKED_LOOP(T, MARK, EMIT)                                                                           \
    do {                                                                                                     \
        const T *restrict k = key->data;                                                                     \
        for (size_t i = 0; i < n; i++) {                                                                     \
            if (i + ahead < n) {                                                                             \
                uint64_t y = (uint64_t)(int64_t)k[rows[i + ahead]] - base;                                   \
                __builtin_prefetch(&b[(y < span ? y : span) >> 6]);                                          \
            }                                                                                                \
            if (EMIT && i + ahead / 2 < n) {                                                                 \
                uint64_t y = (uint64_t)(int64_t)k[rows[i + ahead / 2]] - base;                               \
                y = y < span ? y : span;                                                                     \
                const sli_dense_block *by = &b[y >> 6];                                                      \
                __builtin_prefetch(&d[rank_of(by, y)]);                                                      \
            }                                                                                                \
            uint32_t r = rows[i];                                                                            \
            uint64_t x = (uint64_t)(int64_t)k[r] - base;                                                     \
            x = x < span ? x : span;                                                                         \
            const sli_dense_block *bx = &b[x >> 6];                                                          \
            uint64_t bits = bx->bits, hit = (bits >> (x & 63)) & 1;                                          \
            if (MARK) matched[r] = (uint8_t)hit;                                                             \
            if (EMIT) {                                                                                      \
                probe_rows[out] = r;                                                                         \
                build_rows[out] = d[rank_of(bx, x)];                                                         \
            }                                                                                                \
            out += hit;                                                                                      \
        }                                                                                                    \
    } while (0)

/* The ranked probe, compiled once per popcount instruction set: x86-64's
 * baseline has no popcnt instruction (the compiler calls a library
 * routine), so a copy built for it is chosen where it may run
 * (popcnt_copy). */
#define RANKED_PROBE(name, ATTR)                                                                             \
    ATTR static size_t name(const sli_join_table *jt, const sli_vec *key, const uint32_t *restrict rows,     \
                            size_t n, bool local, uint8_t *restrict matched, bool only_mark,                 \
                            uint32_t *restrict probe_rows, uint32_t *restrict build_rows)                    \
    {                                                                                                        \
        const sli_dense_block *restrict b = jt->dense_blocks;                                                \
        const uint32_t *restrict d = jt->dense;                                                              \
        uint64_t span = jt->dense_span, base = (uint64_t)jt->kmin;                                           \
        size_t out = 0, ahead = span > RANKED_FAR && !local ? RANKED_AHEAD : n;                              \
        if (!matched)                                                                                        \
            BY_PROBE_KEY(RANKED_LOOP, 0, 1);                                                                 \
        else if (only_mark)                                                                                  \
            BY_PROBE_KEY(RANKED_LOOP, 1, 0);                                                                 \
        else                                                                                                 \
            BY_PROBE_KEY(RANKED_LOOP, 1, 1);                                                                 \
        return out;                                                                                          \
    }

RANKED_PROBE(probe_ranked, )
#ifdef HAVE_POPCNT_COPY
RANKED_PROBE(probe_ranked_popcnt, __attribute__((target("popcnt"))))
#endif

size_t sli_join_dense_probe(const sli_join_table *jt, const sli_vec *key, const uint32_t *rows, size_t n,
                            bool local, uint8_t *matched, bool only_mark, uint32_t *probe_rows,
                            uint32_t *build_rows)
{
    if (jt->dense_blocks) {
#ifdef HAVE_POPCNT_COPY
        if (popcnt_copy())
            return probe_ranked_popcnt(jt, key, rows, n, local, matched, only_mark, probe_rows, build_rows);
#endif
        return probe_ranked(jt, key, rows, n, local, matched, only_mark, probe_rows, build_rows);
    }
    const uint32_t *restrict d = jt->dense;
    uint64_t span = jt->dense_span, base = (uint64_t)jt->kmin;
    size_t out = 0, ahead = span > FAR_ENTRIES && !local ? PREFETCH_AHEAD : n;
    if (!matched)
        BY_PROBE_KEY(PROBE_LOOP, 0, 1);
    else if (only_mark)
        BY_PROBE_KEY(PROBE_LOOP, 1, 0);
    else
        BY_PROBE_KEY(PROBE_LOOP, 1, 1);
    return out;
}
