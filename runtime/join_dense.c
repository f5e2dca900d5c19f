/*
 * join_dense.c — direct-indexed join tables for unique, dense integer keys
 * (see join_dense.h).
 */
#include "join_dense.h"

#include <stdlib.h>
#include <string.h>

#include "buffer.h"
#include "workers.h"

/* A range of at most this many keys always qualifies (a 1 MiB array, within L2)... */
#define DENSE_MIN_SPAN ((uint64_t)1 << 18)
/* ...and a larger one when it holds at most this many entries per row, so
 * the array (4 bytes an entry) stays within the 32 bytes a row a hash table
 * of the same rows takes with its directory, hashes and partition moves. */
#define DENSE_PER_ROW 8
/* With the policy forced on: any range up to this many keys (64 MiB). */
#define DENSE_MAX_FORCED ((uint64_t)1 << 24)

/* Past this many entries (1 MiB) the array leaves the L2 cache, and each
 * row's entry is a miss: the fill and the probe then prefetch the entry of
 * the row PREFETCH_AHEAD rows on, so the misses overlap. */
#define FAR_ENTRIES    ((uint64_t)1 << 18)
#define PREFETCH_AHEAD 16
/* Below this many rows one worker fills the array (a team run costs more). */
#define PARALLEL_ROWS ((size_t)1 << 16)

static int g_dense = -1;

void sli_join_set_dense(int mode)
{
    g_dense = mode < 0 ? -1 : mode > 0 ? 1 : 0;
}

/* @return whether a table of `rows` rows with keys spanning `span` values
 * may be direct-indexed under the current policy. */
static bool span_qualifies(uint64_t span, size_t rows)
{
    if (g_dense == 0 || span == 0) return false; /* span 0: the full 64-bit range wrapped */
    if (g_dense == 1) return span <= DENSE_MAX_FORCED;
    if (rows > span) return false; /* some key repeats */
    return span <= DENSE_MIN_SPAN || span / DENSE_PER_ROW <= rows;
}

typedef struct dense_job {
    const sli_join_table *jt;
    uint32_t *d;
    uint64_t span;
    size_t nw;
    bool *repeat; /**< per worker: found a key twice */
} dense_job;

/* Worker w clears its share of the array (the fill starts after every
 * worker's clear has ended: a second team run). */
static sl_status clear_worker(size_t w, void *arg)
{
    dense_job *j = arg;
    uint64_t n = j->span + 1, lo = n / j->nw * w, hi = w + 1 == j->nw ? n : n / j->nw * (w + 1);
    memset(j->d + lo, 0, (hi - lo) * sizeof *j->d);
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

static sl_status fill_worker(size_t w, void *arg)
{
    dense_job *j = arg;
    const sli_join_table *jt = j->jt;
    const sli_column *col = jt->cols[jt->ncols];
    const uint8_t *valid = col->validity;
    size_t lo = jt->rows / j->nw * w, hi = w + 1 == j->nw ? jt->rows : jt->rows / j->nw * (w + 1);
    uint64_t span = j->span, base = (uint64_t)jt->kmin;
    uint32_t *d = j->d;
    size_t ahead = span > FAR_ENTRIES ? PREFETCH_AHEAD : hi;
    bool repeat = false, is64 = col->type.id == SL_TYPE_INT64;
    if (j->nw > 1 && is64)
        FILL_ROWS(int64_t, 1);
    else if (j->nw > 1)
        FILL_ROWS(int32_t, 1);
    else if (is64)
        FILL_ROWS(int64_t, 0);
    else
        FILL_ROWS(int32_t, 0);
    j->repeat[w] = repeat;
    return SL_OK;
}

bool sli_join_dense_build(sli_join_table *jt, const sli_team *team)
{
    if (jt->nkeys != 1 || !jt->has_range) return false;
    const sli_column *col = jt->cols[jt->ncols];
    sl_type_id t = col->type.id;
    if (col->dict || (t != SL_TYPE_INT32 && t != SL_TYPE_DATE32 && t != SL_TYPE_INT64)) return false;
    uint64_t span = (uint64_t)jt->kmax - (uint64_t)jt->kmin + 1;
    if (!span_qualifies(span, jt->rows)) return false;

    uint32_t *d = sli_buf_alloc_uninit((span + 1) * sizeof *d);
    size_t nw = team && team->nworkers > 1 && jt->rows >= PARALLEL_ROWS ? team->nworkers : 1;
    bool *repeat = calloc(nw, sizeof *repeat);
    if (!d || !repeat) {
        sli_buf_free(d);
        free(repeat);
        return false;
    }
    dense_job job = {jt, d, span, nw, repeat};
    sl_status s = nw > 1 ? sli_team_run(team, clear_worker, &job) : clear_worker(0, &job);
    if (s == SL_OK) s = nw > 1 ? sli_team_run(team, fill_worker, &job) : fill_worker(0, &job);
    bool ok = s == SL_OK;
    for (size_t w = 0; w < nw; w++) ok &= !repeat[w];
    free(repeat);
    if (!ok) {
        sli_buf_free(d);
        return false;
    }
    d[span] = 0; /* where out-of-range keys look */
    jt->dense = d;
    jt->dense_span = span;
    jt->unique = true;
    return true;
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

#define PROBE_TYPED(MARK, EMIT)                                                                              \
    do {                                                                                                     \
        if (key->type.id == SL_TYPE_INT64)                                                                   \
            PROBE_LOOP(int64_t, MARK, EMIT);                                                                 \
        else                                                                                                 \
            PROBE_LOOP(int32_t, MARK, EMIT);                                                                 \
    } while (0)

size_t sli_join_dense_probe(const sli_join_table *jt, const sli_vec *key, const uint32_t *rows, size_t n,
                            uint8_t *matched, bool only_mark, uint32_t *probe_rows, uint32_t *build_rows)
{
    const uint32_t *restrict d = jt->dense;
    uint64_t span = jt->dense_span, base = (uint64_t)jt->kmin;
    size_t out = 0, ahead = span > FAR_ENTRIES ? PREFETCH_AHEAD : n;
    if (!matched)
        PROBE_TYPED(0, 1);
    else if (only_mark)
        PROBE_TYPED(1, 0);
    else
        PROBE_TYPED(1, 1);
    return out;
}
