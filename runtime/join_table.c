/*
 * join_table.c — hash-join build, bloom filter and lock-step probe (see
 * join_table.h).
 */
#include "join_table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buffer.h"
#include "join_dense.h"
#include "join_scatter.h"
#include "kernels/filter.h"
#include "materialize.h"
#include "workers.h"

#define DEFAULT_PART_ROWS 8192
/* Build sides up to this many rows dictionary-encode each plain string
 * column with at most a quarter as many values as rows... */
#define SMALL_BUILD_ROWS 65536
/* ...and every one when the build has at most this many rows. */
#define DICT_ANY_ROWS 1024
#define MAX_PBITS     10
/* From this many build rows the team finds the key range. */
#define PARALLEL_RANGE_ROWS ((size_t)1 << 16)

static size_t g_part_rows = DEFAULT_PART_ROWS;
static int g_bloom = -1;

void sli_join_set_partition_rows(size_t rows)
{
    g_part_rows = rows ? rows : DEFAULT_PART_ROWS;
}

void sli_join_set_bloom(int mode)
{
    g_bloom = mode < 0 ? -1 : mode > 0 ? 1 : 0;
}

int sli_join_bloom_mode(void)
{
    return g_bloom;
}

/* Slot fields. The tag is the hash's high half; positions use the low bits
 * and partitions the top bits, so the tag still tells most keys apart. */
static inline uint32_t tag_of(uint64_t h)
{
    return (uint32_t)(h >> 32);
}

static inline uint32_t part_of(uint64_t h, unsigned pbits)
{
    return (uint32_t)((h >> 32) >> (32 - pbits)); /* pbits 0: a shift by 32 of a 32-bit value: 0 */
}

/* The bloom filter: the word from the hash's top bits (so the words of one
 * directory partition are adjacent), four bit positions from bits 0..23. */
static inline uint64_t bloom_bits(uint64_t h)
{
    return (1ull << (h & 63)) | (1ull << ((h >> 6) & 63)) | (1ull << ((h >> 12) & 63)) |
           (1ull << ((h >> 18) & 63));
}

static inline size_t bloom_word(uint64_t h, unsigned shift)
{
    return (size_t)(h >> shift);
}

sl_status sli_join_table_init(sli_join_table *jt, const sl_type *types, size_t ncols,
                              const sl_type *key_types, size_t nkeys)
{
    memset(jt, 0, sizeof *jt);
    jt->ncols = ncols;
    jt->nkeys = nkeys;
    jt->builders = calloc(ncols + nkeys ? ncols + nkeys : 1, sizeof *jt->builders);
    if (!jt->builders) return SL_ERR_NOMEM;
    for (size_t i = 0; i < ncols; i++) sli_colbuilder_init(&jt->builders[i], types[i]);
    for (size_t i = 0; i < nkeys; i++) sli_colbuilder_init(&jt->builders[ncols + i], key_types[i]);
    jt->seen_lo = INT64_MAX;
    jt->seen_hi = INT64_MIN;
    return SL_OK;
}

/* Whether the table has one key of a type whose range the build tracks. */
static bool ranged_key(const sli_join_table *jt, sl_type_id t)
{
    return jt->nkeys == 1 && (t == SL_TYPE_INT32 || t == SL_TYPE_DATE32 || t == SL_TYPE_INT64);
}

/* lo/hi: the least and greatest of the T values x[sel[i]] (or x[i]), i < n;
 * the dense loop stays free of the selection so that it vectorizes. */
#define SEE_RANGE(T, data, sel, n, lo, hi)                                                                   \
    do {                                                                                                     \
        const T *x_ = (data);                                                                                \
        if (sel) {                                                                                           \
            for (size_t i_ = 0; i_ < (n); i_++) {                                                            \
                int64_t k_ = x_[(sel)[i_]];                                                                  \
                lo = k_ < lo ? k_ : lo;                                                                      \
                hi = k_ > hi ? k_ : hi;                                                                      \
            }                                                                                                \
        } else {                                                                                             \
            for (size_t i_ = 0; i_ < (n); i_++) {                                                            \
                int64_t k_ = x_[i_];                                                                         \
                lo = k_ < lo ? k_ : lo;                                                                      \
                hi = k_ > hi ? k_ : hi;                                                                      \
            }                                                                                                \
        }                                                                                                    \
    } while (0)

/* Folds key vector v's values at rows sel (or 0..n-1) into the range seen
 * so far; `shared`: other threads place rows into jt at the same time. */
static void see_keys(sli_join_table *jt, const sli_vec *v, const uint32_t *sel, size_t n, bool shared)
{
    if (n == 0 || !ranged_key(jt, jt->builders[jt->ncols].col.type.id)) return;
    if (v->validity) {
        __atomic_store_n(&jt->seen_lost, true, __ATOMIC_RELAXED);
        return;
    }
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    if (sli_type_width(v->type) == 8)
        SEE_RANGE(int64_t, v->data, sel, n, lo, hi);
    else
        SEE_RANGE(int32_t, v->data, sel, n, lo, hi);
    if (!shared) {
        jt->seen_lo = lo < jt->seen_lo ? lo : jt->seen_lo;
        jt->seen_hi = hi > jt->seen_hi ? hi : jt->seen_hi;
        return;
    }
    int64_t cur = __atomic_load_n(&jt->seen_lo, __ATOMIC_RELAXED);
    while (lo < cur &&
           !__atomic_compare_exchange_n(&jt->seen_lo, &cur, lo, true, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
        ;
    cur = __atomic_load_n(&jt->seen_hi, __ATOMIC_RELAXED);
    while (hi > cur &&
           !__atomic_compare_exchange_n(&jt->seen_hi, &cur, hi, true, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
        ;
}

void sli_join_table_merge_seen(sli_join_table *into, const sli_join_table *from)
{
    into->seen_lo = from->seen_lo < into->seen_lo ? from->seen_lo : into->seen_lo;
    into->seen_hi = from->seen_hi > into->seen_hi ? from->seen_hi : into->seen_hi;
    into->seen_lost = into->seen_lost || from->seen_lost;
}

sl_status sli_join_table_reserve(sli_join_table *jt, size_t rows)
{
    for (size_t i = 0; i < jt->ncols + jt->nkeys; i++) {
        sl_status s = sli_colbuilder_reserve(&jt->builders[i], rows);
        if (s) return s;
    }
    return SL_OK;
}

sl_status sli_join_table_append(sli_join_table *jt, const sli_vec *payload, const sli_vec *keys,
                                const uint32_t *sel, size_t n)
{
    for (size_t i = 0; i < jt->ncols; i++) {
        sl_status s = sli_append_vec(&jt->builders[i], &payload[i], sel, n);
        if (s) return s;
    }
    for (size_t i = 0; i < jt->nkeys; i++) {
        sl_status s = sli_append_vec(&jt->builders[jt->ncols + i], &keys[i], sel, n);
        if (s) return s;
    }
    see_keys(jt, &keys[0], sel, n, false);
    return SL_OK;
}

sl_status sli_join_table_place_init(sli_join_table *jt, size_t rows)
{
    for (size_t i = 0; i < jt->ncols + jt->nkeys; i++) {
        sl_status s = sli_colbuilder_reserve(&jt->builders[i], rows);
        if (!s) s = sli_colbuilder_ensure_validity(&jt->builders[i]); /* all valid until a NULL is placed */
        if (s) return s;
    }
    return SL_OK;
}

/* Clears the validity bits of rows [at, at + n) that are NULL in vector
 * validity (at its rows sel, or 0..n-1), by atomic ANDs: a byte may hold
 * rows another worker places. */
static void place_nulls(sli_colbuilder *b, const uint8_t *validity, const uint32_t *sel, size_t n, size_t at)
{
    size_t nulls = 0;
    for (size_t j = 0; j < n; j++) {
        size_t row = sel ? sel[j] : j, d = at + j;
        if ((validity[row >> 3] >> (row & 7)) & 1u) continue;
        __atomic_fetch_and(&b->col.validity[d >> 3], (uint8_t) ~(1u << (d & 7)), __ATOMIC_RELAXED);
        nulls++;
    }
    if (nulls) __atomic_fetch_add(&b->col.null_count, nulls, __ATOMIC_RELAXED);
}

void sli_join_table_place(sli_join_table *jt, const sli_vec *payload, const sli_vec *keys,
                          const uint32_t *sel, size_t n, size_t at)
{
    for (size_t i = 0; i < jt->ncols + jt->nkeys; i++) {
        const sli_vec *v = i < jt->ncols ? &payload[i] : &keys[i - jt->ncols];
        sli_colbuilder *b = &jt->builders[i];
        size_t w = sli_type_width(b->col.type);
        sli_vec_copy_values(v, sel, n, w, (char *)b->col.data + at * w);
        if (v->validity) place_nulls(b, v->validity, sel, n, at);
    }
    see_keys(jt, &keys[0], sel, n, true);
}

void sli_join_table_place_done(sli_join_table *jt, size_t rows)
{
    for (size_t i = 0; i < jt->ncols + jt->nkeys; i++) {
        sli_colbuilder *b = &jt->builders[i];
        b->col.length = rows;
        if (b->col.null_count) continue;
        sli_buf_free(b->col.validity);
        b->col.validity = NULL;
        b->vcap = 0;
    }
}

/* Hashes every build row's keys into hashes[] and lists the rows whose keys
 * are all non-NULL in ins[]. @return the number listed, or SIZE_MAX on NOMEM. */
static size_t hash_build_rows(sli_join_table *jt, uint64_t *hashes, uint32_t *ins)
{
    sli_strview *views = malloc(SLI_VEC_SIZE * sizeof *views);
    uint32_t *valid = malloc(2 * SLI_VEC_SIZE * sizeof *valid); /* two buffers, used in turn */
    sli_key_scratch ks = {0};
    size_t nins = 0;
    sl_status s = views && valid ? SL_OK : SL_ERR_NOMEM;
    const sl_filter_kernels *fk = sli_filter_select()->k;
    for (size_t start = 0; start < jt->rows && !s; start += SLI_VEC_SIZE) {
        size_t n = jt->rows - start < SLI_VEC_SIZE ? jt->rows - start : SLI_VEC_SIZE;
        for (size_t k = 0; k < jt->nkeys && !s; k++) {
            sli_vec v;
            sli_vec_from_column(jt->cols[jt->ncols + k], start, n, views, &v);
            s = sli_hash_vec(&v, NULL, n, k > 0, hashes + start, &ks);
        }
        /* Rows with a NULL key never match: leave them out of the directory. */
        size_t m = n;
        const uint32_t *rowsel = NULL;
        for (size_t k = 0; k < jt->nkeys; k++) {
            const uint8_t *vb = jt->cols[jt->ncols + k]->validity;
            if (!vb) continue;
            /* validity is a bitmap over all rows; start is a multiple of 8 */
            uint32_t *dst = rowsel == valid ? valid + SLI_VEC_SIZE : valid;
            m = fk->valid(vb + start / 8, rowsel, m, dst);
            rowsel = dst;
        }
        for (size_t i = 0; i < m; i++) ins[nins++] = (uint32_t)(start + (rowsel ? rowsel[i] : i));
    }
    sli_key_scratch_free(&ks);
    free(views);
    free(valid);
    return s ? SIZE_MAX : nins;
}

static size_t pow2_at_least(size_t n)
{
    size_t p = 16;
    while (p < n) p <<= 1;
    return p;
}

bool sli_join_column_scatters(const sli_column *c)
{
    return (c->type.id != SL_TYPE_UTF8 || c->dict) && !c->validity;
}

/* Rewrites column c in partition order (see reorder_rows); perm is the
 * inverse permutation, needed only by columns with nulls or plain strings. */
static sl_status reorder_column(sli_join_table *jt, size_t c, sli_join_wc *wc, const uint16_t *qr,
                                const uint32_t *perm, void *vals, uint8_t *valid)
{
    size_t rows = jt->rows;
    const sli_column *old = jt->cols[c];
    sli_colbuilder b;
    sli_colbuilder_init(&b, old->type);
    sl_status s = sli_colbuilder_reserve(&b, rows);
    if (!s && sli_join_column_scatters(old)) { /* values or dictionary codes */
        sli_join_wc_scatter(wc, old->data, sli_type_width(old->type), qr, rows, b.col.data);
        b.col.length = rows;
        if (old->dict) b.col.dict = sli_dict_ref(old->dict);
    }
    for (size_t at = 0; at < rows && !s && b.col.length < rows; at += SLI_VEC_SIZE) {
        size_t m = rows - at < SLI_VEC_SIZE ? rows - at : SLI_VEC_SIZE;
        sli_vec v;
        sli_vec_gather_column(old, perm + at, m, vals, valid, &v);
        s = sli_append_vec(&b, &v, NULL, m);
    }
    sli_column *moved = s ? NULL : sli_colbuilder_finish(&b);
    if (!moved) {
        if (s) sli_colbuilder_discard(&b);
        return SL_ERR_NOMEM;
    }
    sli_column_free(jt->cols[c]);
    jt->cols[c] = moved;
    return SL_OK;
}

/* The moves of a partitioned build: every column, then the hashes (item nc),
 * shared out among the workers of a team (or done by one). */
typedef struct reorder_job {
    sli_join_table *jt;
    const uint16_t *qr;
    const size_t *start; /**< ng + 1 group starts */
    size_t ng, nw;
    const uint32_t *perm;
    const uint64_t *hashes;
    uint64_t *ph; /**< receives the hashes in partition order */
} reorder_job;

static sl_status reorder_worker(size_t w, void *arg)
{
    const reorder_job *j = arg;
    size_t nc = j->jt->ncols + j->jt->nkeys;
    sli_join_wc wc = {0};
    void *vals = sli_buf_alloc(SLI_VEC_SIZE * sizeof(sli_strview));
    uint8_t *valid = sli_buf_alloc(SLI_VEC_SIZE / 8);
    sl_status s = vals && valid ? sli_join_wc_init(&wc, j->start, j->ng) : SL_ERR_NOMEM;
    for (size_t i = w; i <= nc && !s; i += j->nw) {
        if (i == nc)
            sli_join_wc_scatter(&wc, j->hashes, sizeof *j->hashes, j->qr, j->jt->rows, j->ph);
        else
            s = reorder_column(j->jt, i, &wc, j->qr, j->perm, vals, valid);
    }
    sli_join_wc_free(&wc);
    sli_buf_free(vals);
    sli_buf_free(valid);
    return s;
}

/* Rewrites every column in partition order: row r moves to the next place
 * of group qr[r] (its partition, or np for a row with a NULL key; groups
 * start at start[0..ng]), keeping the input order within a group, and
 * writes the rows' hashes to ph in the same order. Fixed-width columns and
 * dictionary codes without nulls are scattered through write-combining
 * lines; the others are gathered through the inverse permutation. Columns are independent, so a
 * team (may be NULL) shares them out. */
static sl_status reorder_rows(sli_join_table *jt, const uint16_t *qr, const size_t *start, size_t ng,
                              const uint64_t *hashes, uint64_t *ph, const sli_team *team)
{
    size_t rows = jt->rows, nc = jt->ncols + jt->nkeys;
    uint32_t *perm = NULL;
    bool need_perm = false;
    for (size_t c = 0; c < nc; c++) need_perm |= !sli_join_column_scatters(jt->cols[c]);
    if (need_perm) { /* perm[k]: the row that goes to place k */
        perm = sli_buf_alloc((rows ? rows : 1) * sizeof *perm);
        size_t *next = malloc(ng * sizeof *next);
        if (!perm || !next) {
            sli_buf_free(perm);
            free(next);
            return SL_ERR_NOMEM;
        }
        memcpy(next, start, ng * sizeof *next);
        for (size_t r = 0; r < rows; r++) perm[next[qr[r]]++] = (uint32_t)r;
        free(next);
    }
    size_t nw = team && team->nworkers > 1 ? team->nworkers : 1;
    reorder_job job = {jt, qr, start, ng, nw, perm, hashes, ph};
    sl_status s = nw > 1 ? sli_team_run(team, reorder_worker, &job) : reorder_worker(0, &job);
    sli_buf_free(perm);
    return s;
}

/* Clears partition p's directory `dir` and fills it with the entries
 * first..end-1 of the partition-ordered hashes ph: entry i is row i of a
 * partitioned table, or row ord[i] when ord is given. With `key` (the one integer
 * key column, `width` 4 or 8 bytes) it also compares each new key with the
 * cluster's keys of equal tag. @return true when no two rows of the partition
 * share a key (or `key` is NULL). */
static bool fill_directory(uint64_t *restrict dir, uint32_t mask, const uint64_t *restrict ph,
                           const uint32_t *ord, size_t first, size_t end, const void *key, size_t width)
{
    bool unique = true;
    memset(dir, 0, ((size_t)mask + 1) * sizeof *dir);
    for (size_t i = first; i < end; i++) {
        uint32_t r = ord ? ord[i] : (uint32_t)i;
        uint64_t h = ph[i], s;
        uint32_t pos = (uint32_t)h & mask, tag = tag_of(h);
        for (; (s = dir[pos]) != 0; pos = (pos + 1) & mask) {
            if (!key || (uint32_t)(s >> 32) != tag) continue;
            uint32_t o = (uint32_t)s - 1;
            if (width == 8 ? ((const int64_t *)key)[o] == ((const int64_t *)key)[r]
                           : ((const int32_t *)key)[o] == ((const int32_t *)key)[r])
                unique = false;
        }
        dir[pos] = (uint64_t)tag << 32 | (uint64_t)(r + 1);
    }
    return unique;
}

/* @return the width (4 or 8) of a key column the direct probe compares
 * inline, or 0 (several keys, floats, strings, dictionaries). */
static size_t direct_key_width(const sli_join_table *jt)
{
    if (jt->nkeys != 1) return 0;
    const sli_column *c = jt->cols[jt->ncols];
    if (c->dict || c->type.id == SL_TYPE_FLOAT64 || c->type.id == SL_TYPE_UTF8) return 0;
    size_t w = sli_type_width(c->type);
    return w == 4 || w == 8 ? w : 0;
}

/* The directory fill of a partitioned build, shared by a team. */
typedef struct fill_job {
    sli_join_table *jt;
    const uint64_t *ph;
    const uint32_t *ord;
    const size_t *cnt;
    const void *kdata;
    size_t kw, nw;
    bool *unique; /**< per partition */
} fill_job;

static sl_status fill_worker(size_t w, void *arg)
{
    fill_job *j = arg;
    sli_join_table *jt = j->jt;
    for (size_t p = w; p < ((size_t)1 << jt->pbits); p += j->nw)
        j->unique[p] = fill_directory(jt->slots + jt->poff[p], jt->pmask[p], j->ph, j->ord, j->cnt[p],
                                      j->cnt[p + 1], j->kdata, j->kw);
    return SL_OK;
}

size_t sli_join_partition_rows(void)
{
    return g_part_rows;
}

sl_status sli_join_table_finish(sli_join_table *jt)
{
    return sli_join_table_finish_on(jt, NULL);
}

typedef struct range_job {
    const sli_column *k;
    size_t nw;
    int64_t *lo, *hi; /**< per worker */
} range_job;

/* Worker w: the least and greatest valid key of its share of the rows. */
static sl_status range_worker(size_t w, void *arg)
{
    range_job *j = arg;
    const sli_column *k = j->k;
    size_t a = k->length / j->nw * w, b = w + 1 == j->nw ? k->length : k->length / j->nw * (w + 1);
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    bool wide = k->type.id == SL_TYPE_INT64;
    for (size_t i = a; i < b; i++) {
        if (!sli_valid(k->validity, i)) continue;
        int64_t v = wide ? ((const int64_t *)k->data)[i] : ((const int32_t *)k->data)[i];
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
    }
    j->lo[w] = lo;
    j->hi[w] = hi;
    return SL_OK;
}

/* The least and greatest value of a single integer key (has_range), found
 * by the team when the build is large. */
static void key_range(sli_join_table *jt, const sli_team *team)
{
    jt->has_range = false;
    if (jt->nkeys != 1) return;
    const sli_column *k = jt->cols[jt->ncols];
    if (!ranged_key(jt, k->type.id)) return;
    if (!jt->seen_lost) { /* seen while the rows came in */
        jt->has_range = jt->seen_lo <= jt->seen_hi;
        jt->kmin = jt->seen_lo;
        jt->kmax = jt->seen_hi;
        return;
    }
    int64_t one_lo, one_hi;
    range_job j = {k, 1, &one_lo, &one_hi};
    if (team && team->nworkers > 1 && k->length >= PARALLEL_RANGE_ROWS) {
        j.nw = team->nworkers;
        j.lo = malloc(j.nw * sizeof *j.lo);
        j.hi = malloc(j.nw * sizeof *j.hi);
        if (!j.lo || !j.hi || sli_team_run(team, range_worker, &j) != SL_OK) {
            free(j.lo);
            free(j.hi);
            j = (range_job){k, 1, &one_lo, &one_hi};
        }
    }
    if (j.nw == 1) range_worker(0, &j);
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    for (size_t w = 0; w < j.nw; w++) {
        lo = j.lo[w] < lo ? j.lo[w] : lo;
        hi = j.hi[w] > hi ? j.hi[w] : hi;
    }
    if (j.lo != &one_lo) {
        free(j.lo);
        free(j.hi);
    }
    jt->has_range = lo <= hi;
    jt->kmin = lo;
    jt->kmax = hi;
}

sl_status sli_join_table_finish_on(sli_join_table *jt, const sli_team *team)
{
    size_t nc = jt->ncols + jt->nkeys;
    jt->cols = calloc(nc ? nc : 1, sizeof *jt->cols);
    if (!jt->cols) return SL_ERR_NOMEM;
    for (size_t i = 0; i < nc; i++) {
        jt->cols[i] = sli_colbuilder_finish(&jt->builders[i]);
        if (!jt->cols[i]) return SL_ERR_NOMEM;
    }
    free(jt->builders);
    jt->builders = NULL;
    size_t rows = nc ? jt->cols[0]->length : 0;
    if (rows >= SLI_JOIN_END - 1) return SL_ERR_UNSUPPORTED; /* row + 1 must fit a slot's 32 bits */
    jt->rows = rows;
    /* A small build's plain strings (a dimension's names) become dictionary
     * codes: the probes then gather 4-byte codes, and the builders after them
     * keep the codes instead of copying every string (materialize.h). Past a
     * few rows, only columns with at most a quarter as many values as rows:
     * a column of (nearly) unique strings (names, addresses, comments) would
     * be hashed and copied whole for no gain, and its encoding stops early:
     * once more than half of its first 1024 values are distinct (TPC-H Q10's
     * orders build, 57K rows with five customer strings: 2.1 → 0.1 ms). */
    bool any = rows <= DICT_ANY_ROWS;
    size_t max_distinct = any ? rows : rows / 4;
    for (size_t i = 0; i < jt->ncols && rows <= SMALL_BUILD_ROWS; i++)
        if ((any ? sli_column_dict_encode(jt->cols[i], max_distinct)
                 : sli_column_dict_encode_repeating(jt->cols[i], max_distinct)) != SL_OK)
            return SL_ERR_NOMEM;
    key_range(jt, team);
    bool dense = false;
    sl_status ds = sli_join_dense_build(jt, team, &dense);
    if (ds || dense) return ds;

    sl_status st = SL_ERR_NOMEM;
    uint64_t *hashes = sli_buf_alloc((rows ? rows : 1) * sizeof *hashes);
    uint32_t *ins = sli_buf_alloc((rows ? rows : 1) * sizeof *ins);
    uint32_t *ord = NULL;
    uint16_t *qr = NULL;
    uint64_t *ph = NULL;
    size_t *cnt = NULL;
    if (!hashes || !ins) goto out;
    size_t nins = hash_build_rows(jt, hashes, ins);
    if (nins == SIZE_MAX) goto out;

    /* Partitions: enough that each holds about g_part_rows rows. */
    unsigned pbits = 0;
    if (nins > 2 * g_part_rows)
        while (pbits < MAX_PBITS && ((size_t)g_part_rows << pbits) < nins) pbits++;
    size_t np = (size_t)1 << pbits;
    jt->pbits = pbits;
    jt->poff = malloc(np * sizeof *jt->poff);
    jt->pmask = malloc(np * sizeof *jt->pmask);
    jt->prow = malloc((np + 1) * sizeof *jt->prow);
    cnt = calloc(np + 2, sizeof *cnt);
    /* Partitioned: the rows are stored in partition order too, so a probe
     * that visits one partition at a time also compares keys and gathers
     * values from a small range of rows. Rows with a NULL key go last. */
    bool permuted = pbits > 0;
    if (permuted)
        qr = sli_buf_alloc((rows ? rows : 1) * sizeof *qr);
    else
        ord = malloc((nins ? nins : 1) * sizeof *ord);
    ph = sli_buf_alloc(((permuted ? rows : nins) + 1) * sizeof *ph); /* permuted: NULL-key rows too */
    if (!jt->poff || !jt->pmask || !jt->prow || !cnt || !ph || (permuted ? !qr : !ord)) goto out;
    if (permuted) {
        /* qr[r]: row r's group, a partition or np for a NULL key */
        for (size_t r = 0; r < rows; r++) qr[r] = (uint16_t)np;
        for (size_t i = 0; i < nins; i++) {
            uint32_t q = part_of(hashes[ins[i]], pbits);
            qr[ins[i]] = (uint16_t)q;
            cnt[q + 1]++;
        }
    } else {
        cnt[1] = nins;
    }
    size_t total = 0;
    for (size_t p = 0; p < np; p++) {
        size_t cap = pow2_at_least(cnt[p + 1] + cnt[p + 1] / 3); /* load factor at most 3/4 */
        jt->poff[p] = total;
        jt->pmask[p] = (uint32_t)(cap - 1);
        total += cap;
    }
    for (size_t p = 0; p < np; p++) cnt[p + 1] += cnt[p];
    cnt[np + 1] = rows; /* the NULL-key rows: from nins to the end */
    memcpy(jt->prow, cnt, (np + 1) * sizeof *cnt);
    /* Each partition's directory is cleared right before it is filled, so
     * it is still in the cache when the rows go in. */
    jt->slots = malloc(total * sizeof *jt->slots);
    if (!jt->slots) goto out;
    if (permuted) {
        /* One write-combined scatter per column (and one for the hashes,
         * which travel with their rows: the fill reads both in order). */
        if (reorder_rows(jt, qr, cnt, np + 1, hashes, ph, team) != SL_OK) goto out;
    } else {
        for (size_t i = 0; i < nins; i++) {
            ord[i] = ins[i];
            ph[i] = hashes[ins[i]];
        }
    }
    /* One partition at a time, so its directory stays in the cache while
     * it is written. */
    size_t kw = direct_key_width(jt);
    const void *kdata = kw ? jt->cols[jt->ncols]->data : NULL;
    jt->unique = kw != 0;
    if (team && team->nworkers > 1 && np > 1) {
        fill_job job = {jt, ph, ord, cnt, kdata, kw, team->nworkers, malloc(np * sizeof(bool))};
        if (!job.unique || sli_team_run(team, fill_worker, &job)) {
            free(job.unique);
            goto out;
        }
        for (size_t p = 0; p < np; p++) jt->unique &= job.unique[p];
        free(job.unique);
    } else {
        for (size_t p = 0; p < np; p++)
            jt->unique &= fill_directory(jt->slots + jt->poff[p], jt->pmask[p], ph, ord, cnt[p], cnt[p + 1],
                                         jt->unique ? kdata : NULL, kw);
    }

    /* Bloom filter: a power of two of 64-bit words. */
    int bm = g_bloom;
    if (bm != 0) {
        /* About 8 bits per key, but at most 1 MiB (L2): a filter that misses
         * the cache costs about as much as the directory probe it saves. */
        size_t words = pow2_at_least(nins / 8 + 1);
        if (words > ((size_t)1 << 17) && words * 8 > nins) words >>= 1;
        jt->bloom = sli_buf_alloc(words * sizeof *jt->bloom);
        if (!jt->bloom) goto out;
        jt->bloom_shift = 64;
        for (size_t w = words; w > 1; w >>= 1) jt->bloom_shift--;
        for (size_t i = 0; i < nins; i++) {
            uint64_t h = ph[i];
            jt->bloom[bloom_word(h, jt->bloom_shift)] |= bloom_bits(h);
        }
        /* Inside the probe the filter pays off once the directory leaves L2. */
        jt->probe_bloom = bm == 1 || total * sizeof *jt->slots > ((size_t)1 << 20);
    }
    st = SL_OK;
out:
    sli_buf_free(hashes);
    sli_buf_free(ins);
    free(ord);
    sli_buf_free(ph);
    sli_buf_free(qr);
    free(cnt);
    return st;
}

void sli_join_table_free(sli_join_table *jt)
{
    size_t nc = jt->ncols + jt->nkeys;
    if (jt->builders)
        for (size_t i = 0; i < nc; i++) sli_colbuilder_discard(&jt->builders[i]);
    free(jt->builders);
    if (jt->cols)
        for (size_t i = 0; i < nc; i++) sli_column_free(jt->cols[i]);
    free(jt->cols);
    free(jt->slots);
    sli_buf_free(jt->dense);
    sli_buf_free(jt->dense_blocks);
    sli_buf_free(jt->bloom);
    free(jt->poff);
    free(jt->pmask);
    free(jt->prow);
    memset(jt, 0, sizeof *jt);
}

void sli_join_table_describe(const sli_join_table *jt, char *buf, size_t cap)
{
    if (jt->dense) {
        char parts[64] = "";
        if (jt->pbits) snprintf(parts, sizeof parts, ", %zu partitions by key range", (size_t)1 << jt->pbits);
        snprintf(buf, cap, "direct-indexed over %llu key values%s%s", (unsigned long long)jt->dense_span,
                 jt->dense_blocks ? " (ranked bitmap)" : "", parts);
        return;
    }
    snprintf(buf, cap, "hash table in %zu partition(s)%s%s", (size_t)1 << jt->pbits,
             jt->unique ? ", unique keys" : "", jt->bloom ? ", bloom filter" : "");
}

/* Loads one word of every cache line of [p, p + bytes); returns their sum so
 * the loads are not optimised away. */
static uint64_t touch(const void *p, size_t bytes)
{
    const uint8_t *b = p;
    uint64_t sum = 0;
    for (size_t off = 0; off < bytes; off += 64) sum += b[off];
    return sum;
}

/* Touches the part of a partitioned direct-indexed table's array (flat) or
 * blocks and rank-ordered rows (ranked) that partition `part`'s key values
 * index. */
static uint64_t touch_dense(const sli_join_table *jt, uint32_t part)
{
    uint64_t lo = (uint64_t)part << jt->dense_shift, span = jt->dense_span;
    if (lo >= span) return 0;
    uint64_t hi = lo + ((uint64_t)1 << jt->dense_shift);
    hi = hi < span ? hi : span;
    if (!jt->dense_blocks) return touch(jt->dense + lo, (size_t)(hi - lo) * sizeof *jt->dense);
    const sli_dense_block *b = jt->dense_blocks;
    size_t b0 = (size_t)(lo >> 6), b1 = (size_t)((hi - 1) >> 6) + 1, nb = (size_t)(span >> 6) + 1;
    uint64_t r0 = b[b0].rank;
    uint64_t r1 = b1 < nb ? b[b1].rank : b[nb - 1].rank + (uint64_t)__builtin_popcountll(b[nb - 1].bits);
    return touch(b + b0, (b1 - b0) * sizeof *b) +
           touch(jt->dense + r0, (size_t)(r1 - r0) * sizeof *jt->dense);
}

void sli_join_table_warm(const sli_join_table *jt, uint32_t part)
{
    if (!jt->pbits) return;
    volatile uint64_t sink = 0;
    uint64_t sum = jt->dense
                       ? touch_dense(jt, part)
                       : touch(jt->slots + jt->poff[part], ((size_t)jt->pmask[part] + 1) * sizeof *jt->slots);
    size_t first = jt->prow[part], n = jt->prow[part + 1] - first;
    size_t nc =
        jt->dense ? jt->ncols : jt->ncols + jt->nkeys; /* a direct-indexed table's keys are not read */
    for (size_t c = 0; c < nc && n; c++) {
        size_t w = sli_type_width(jt->cols[c]->type);
        sum += touch((const uint8_t *)jt->cols[c]->data + first * w, n * w);
    }
    sink = sum;
    (void)sink;
}

/* Rows ahead whose filter word the test loop prefetches: the filter is
 * larger than L2, and the loads of the loop alone overlap too little. */
#define BLOOM_AHEAD 16

size_t sli_join_bloom_select(const sli_join_table *jt, const uint64_t *hashes, const uint32_t *sel, size_t n,
                             uint32_t *out)
{
    const uint64_t *bf = jt->bloom;
    unsigned shift = jt->bloom_shift;
    size_t k = 0;
    if (sel) {
        for (size_t i = 0; i < n; i++) {
            if (i + BLOOM_AHEAD < n) __builtin_prefetch(&bf[bloom_word(hashes[sel[i + BLOOM_AHEAD]], shift)]);
            uint32_t r = sel[i];
            uint64_t h = hashes[r], b = bloom_bits(h);
            out[k] = r;
            k += (bf[bloom_word(h, shift)] & b) == b;
        }
    } else {
        for (size_t i = 0; i < n; i++) {
            if (i + BLOOM_AHEAD < n) __builtin_prefetch(&bf[bloom_word(hashes[i + BLOOM_AHEAD], shift)]);
            uint64_t h = hashes[i], b = bloom_bits(h);
            out[k] = (uint32_t)i;
            k += (bf[bloom_word(h, shift)] & b) == b;
        }
    }
    return k;
}

sl_status sli_join_probe_init(sli_join_probe *p)
{
    memset(p, 0, sizeof *p);
    p->row = sli_buf_alloc(SLI_VEC_SIZE * sizeof(uint32_t));
    p->part = sli_buf_alloc(SLI_VEC_SIZE * sizeof(uint32_t));
    p->pos = sli_buf_alloc(SLI_VEC_SIZE * sizeof(uint32_t));
    p->tag = sli_buf_alloc(SLI_VEC_SIZE * sizeof(uint32_t));
    p->hbuf = sli_buf_alloc(SLI_VEC_SIZE * sizeof(uint64_t));
    p->slotv = sli_buf_alloc(SLI_VEC_SIZE * sizeof(uint64_t));
    p->sel = sli_buf_alloc(2 * SLI_VEC_SIZE * sizeof(uint32_t)); /* two buffers, used in turn */
    p->crow = sli_buf_alloc(SLI_VEC_SIZE * sizeof(uint32_t));
    p->cbuild = sli_buf_alloc(SLI_VEC_SIZE * sizeof(uint32_t));
    p->cidx = sli_buf_alloc(SLI_VEC_SIZE * sizeof(uint32_t));
    p->match = sli_buf_alloc(SLI_VEC_SIZE);
    p->matched = sli_buf_alloc(SLI_VEC_SIZE);
    return p->row && p->part && p->pos && p->tag && p->hbuf && p->slotv && p->sel && p->crow && p->cbuild &&
                   p->cidx && p->match && p->matched
               ? SL_OK
               : SL_ERR_NOMEM;
}

void sli_join_probe_free(sli_join_probe *p)
{
    sli_buf_free(p->row);
    sli_buf_free(p->part);
    sli_buf_free(p->pos);
    sli_buf_free(p->tag);
    sli_buf_free(p->hbuf);
    sli_buf_free(p->slotv);
    sli_buf_free(p->sel);
    sli_buf_free(p->crow);
    sli_buf_free(p->cbuild);
    sli_buf_free(p->cidx);
    sli_buf_free(p->match);
    sli_buf_free(p->matched);
    sli_key_scratch_free(&p->scratch);
    memset(p, 0, sizeof *p);
}

sl_status sli_join_probe_start(sli_join_probe *p, const sli_join_table *jt, sli_join_type type,
                               const sli_vec *keys, const uint32_t *sel, size_t n)
{
    p->type = type;
    p->keys = keys;
    p->in_sel = sel;
    p->in_n = n;
    p->nactive = 0;
    p->phase = 0;
    if (type != SLI_JOIN_INNER) {
        if (sel)
            for (size_t i = 0; i < n; i++) p->matched[sel[i]] = 0;
        else
            memset(p->matched, 0, n);
    }
    const sl_filter_kernels *fk = sli_filter_select()->k;
    /* Probe rows with a NULL key match nothing. */
    for (size_t k = 0; k < jt->nkeys; k++) {
        if (!keys[k].validity) continue;
        uint32_t *dst = sel == p->sel ? p->sel + SLI_VEC_SIZE : p->sel;
        n = fk->valid(keys[k].validity, sel, n, dst);
        sel = dst;
    }
    p->dense = jt->dense != NULL;
    if (p->dense) { /* no hash: the key is the index */
        for (size_t i = 0; i < n; i++) p->row[i] = sel ? sel[i] : (uint32_t)i;
        p->nactive = n;
        return SL_OK;
    }
    if (n == 0) return SL_OK;
    const uint64_t *hb = p->hbuf;
    for (size_t k = 0; k < jt->nkeys; k++) {
        sl_status s = sli_hash_vec(&keys[k], sel, n, k > 0, p->hbuf, &p->scratch);
        if (s) return s;
    }
    if (jt->probe_bloom && !p->bloom_done) {
        uint32_t *dst = sel == p->sel ? p->sel + SLI_VEC_SIZE : p->sel;
        n = sli_join_bloom_select(jt, hb, sel, n, dst);
        sel = dst;
    }
    unsigned pbits = jt->pbits;
    for (size_t i = 0; i < n; i++) {
        uint32_t r = sel ? sel[i] : (uint32_t)i;
        uint64_t h = hb[r];
        uint32_t part = part_of(h, pbits);
        uint32_t pos = (uint32_t)h & jt->pmask[part];
        p->row[i] = r;
        p->part[i] = part;
        p->pos[i] = pos;
        p->tag[i] = tag_of(h);
    }
    p->nactive = n;
    p->next = 0;
    p->direct = 0;
    if (jt->nkeys == 1 && !keys[0].dict && keys[0].type.id != SL_TYPE_FLOAT64 &&
        keys[0].type.id != SL_TYPE_UTF8) {
        size_t w = sli_type_width(keys[0].type);
        p->direct = w == 8 || w == 4 ? (int)w : 0;
    }
    /* A whole partitioned directory is past the cache: start loading the
     * first slot of every search (rows from a partition buffer are local). */
    if (p->direct && jt->pbits > 0 && !p->local)
        for (size_t i = 0; i < n; i++) __builtin_prefetch(&jt->slots[jt->poff[p->part[i]] + p->pos[i]]);
    return SL_OK;
}

/* Searches ahead whose first slot the direct probe prefetches. */
#define DIRECT_AHEAD 8

/* Walks each active search's cluster to its end (to its match when the build
 * keys are unique), comparing tags and the one integer key of type T inline. Stops when probe_rows is full,
 * keeping the slot it stopped at. @return output pairs (INNER, LEFT); SEMI and ANTI only mark matched rows
 * and return 0. */
#define PROBE_DIRECT(T)                                                                                      \
    do {                                                                                                     \
        const T *restrict pk = p->keys[0].data;                                                              \
        const T *restrict bk = jt->cols[jt->ncols]->data;                                                    \
        const uint32_t *restrict row = p->row, *restrict part = p->part, *restrict tag = p->tag;             \
        const uint64_t *restrict slots = jt->slots;                                                          \
        const size_t *restrict poff = jt->poff;                                                              \
        const uint32_t *restrict pmask = jt->pmask;                                                          \
        size_t next = p->next, na = p->nactive;                                                              \
        for (; next < na; next++) {                                                                          \
            if (next + DIRECT_AHEAD < na) /* a later search's first slot: its load overlaps this walk */     \
                __builtin_prefetch(&slots[poff[part[next + DIRECT_AHEAD]] + p->pos[next + DIRECT_AHEAD]]);   \
            uint32_t r = row[next], t = tag[next], pos = p->pos[next], mask = pmask[part[next]];             \
            const uint64_t *dir = slots + poff[part[next]];                                                  \
            T key = pk[r];                                                                                   \
            for (uint64_t s; (s = dir[pos]) != 0; pos = (pos + 1) & mask) {                                  \
                if ((uint32_t)(s >> 32) != t || bk[(uint32_t)s - 1] != key) continue;                        \
                if (mark_only) {                                                                             \
                    p->matched[r] = 1;                                                                       \
                    break;                                                                                   \
                }                                                                                            \
                if (out == SLI_VEC_SIZE) {                                                                   \
                    p->pos[next] = pos; /* resume at this match */                                           \
                    p->next = next;                                                                          \
                    return out;                                                                              \
                }                                                                                            \
                probe_rows[out] = r;                                                                         \
                build_rows[out++] = (uint32_t)s - 1;                                                         \
                if (unique) break; /* no other slot holds this key */                                        \
            }                                                                                                \
        }                                                                                                    \
        p->next = next;                                                                                      \
    } while (0)

static size_t probe_direct(sli_join_probe *p, const sli_join_table *jt, uint32_t *restrict probe_rows,
                           uint32_t *restrict build_rows)
{
    bool mark_only = p->type == SLI_JOIN_SEMI || p->type == SLI_JOIN_ANTI, unique = jt->unique;
    size_t out = 0;
    if (p->direct == 8)
        PROBE_DIRECT(int64_t);
    else
        PROBE_DIRECT(int32_t);
    return out;
}

/* One lock-step round: every active search looks at one slot. Tag hits go
 * to crow/cbuild/cidx; searches that reached an empty slot end. @return hits. */
static size_t probe_round(sli_join_probe *p, const sli_join_table *jt)
{
    size_t na = p->nactive, hits = 0, w = 0;
    const uint64_t *slots = jt->slots;
    uint64_t *sv = p->slotv;
    /* A pure gather first: its cache misses overlap, as nothing waits on them. */
    for (size_t i = 0; i < na; i++) sv[i] = slots[jt->poff[p->part[i]] + p->pos[i]];
    for (size_t i = 0; i < na; i++) {
        uint32_t part = p->part[i];
        uint64_t s = sv[i];
        bool hit = s != 0 && (uint32_t)(s >> 32) == p->tag[i];
        p->crow[hits] = p->row[i];
        p->cbuild[hits] = (uint32_t)s - 1;
        p->cidx[hits] = (uint32_t)w;
        hits += hit;
        /* keep searching past any occupied slot */
        p->row[w] = p->row[i];
        p->part[w] = part;
        p->pos[w] = (p->pos[i] + 1) & jt->pmask[part];
        p->tag[w] = p->tag[i];
        w += s != 0;
    }
    p->nactive = w;
    if (hits == 0) return 0;
    memset(p->match, 1, hits);
    for (size_t k = 0; k < jt->nkeys; k++)
        sli_keys_match(&p->keys[k], p->crow, jt->cols[jt->ncols + k], p->cbuild, hits, p->match);
    return hits;
}

/* Drops the searches of probe rows that already matched (semi, anti). */
static void drop_matched(sli_join_probe *p)
{
    size_t w = 0;
    for (size_t i = 0; i < p->nactive; i++) {
        p->row[w] = p->row[i];
        p->part[w] = p->part[i];
        p->pos[w] = p->pos[i];
        p->tag[w] = p->tag[i];
        w += !p->matched[p->row[i]];
    }
    p->nactive = w;
}

size_t sli_join_probe_next(sli_join_probe *p, const sli_join_table *jt, uint32_t *probe_rows,
                           uint32_t *build_rows)
{
    if (p->phase == 0 && p->dense) {
        bool only_mark = p->type == SLI_JOIN_SEMI || p->type == SLI_JOIN_ANTI;
        size_t out = sli_join_dense_probe(jt, &p->keys[0], p->row, p->nactive, p->local,
                                          p->type == SLI_JOIN_INNER ? NULL : p->matched, only_mark,
                                          probe_rows, build_rows);
        p->phase = 1;
        if (out && !only_mark) return out;
    }
    if (p->phase == 0 && p->direct) {
        size_t out = probe_direct(p, jt, probe_rows, build_rows);
        if (p->type == SLI_JOIN_LEFT)
            for (size_t i = 0; i < out; i++) p->matched[probe_rows[i]] = 1;
        if (out) return out;
        p->phase = 1;
    }
    if (p->phase == 0) {
        while (p->nactive > 0) {
            size_t hits = probe_round(p, jt);
            if (hits == 0) continue;
            if (p->type == SLI_JOIN_SEMI || p->type == SLI_JOIN_ANTI) {
                for (size_t i = 0; i < hits; i++) p->matched[p->crow[i]] |= p->match[i];
                drop_matched(p);
                continue;
            }
            size_t out = 0;
            for (size_t i = 0; i < hits; i++) {
                probe_rows[out] = p->crow[i];
                build_rows[out] = p->cbuild[i];
                out += p->match[i];
            }
            if (p->type == SLI_JOIN_LEFT)
                for (size_t i = 0; i < out; i++) p->matched[probe_rows[i]] = 1;
            if (out) return out;
        }
        p->phase = 1;
    }
    if (p->phase == 1) {
        p->phase = 2;
        if (p->type == SLI_JOIN_INNER) return 0;
        /* Rows of the chunk's selection, in ascending order. */
        uint8_t want = p->type == SLI_JOIN_SEMI;
        const uint32_t *sel = p->in_sel;
        size_t out = 0;
        for (size_t i = 0; i < p->in_n; i++) {
            uint32_t r = sel ? sel[i] : (uint32_t)i;
            probe_rows[out] = r;
            out += p->matched[r] == want;
        }
        if (p->type == SLI_JOIN_LEFT)
            for (size_t i = 0; i < out; i++) build_rows[i] = SLI_JOIN_END;
        return out;
    }
    return 0;
}
