/*
 * agg_direct.c — direct-indexed groups for small key domains (see agg_table.h).
 *
 * Each key value becomes a dense id, 0 for NULL:
 *  - integers, bools, dates, decimals: value - lo + 1, where [lo, hi] covers
 *    the values seen so far;
 *  - strings: an id per distinct string (a small hash set over the strings
 *    seen); dictionary codes look it up once per code of each dictionary and
 *    keep it in a code -> id cache, so a row costs one array load. One
 *    dictionary-coded key without NULLs, once its codes and groups are
 *    known, takes a single pass (a cache load and a map load a row); two
 *    such keys look the group up by code pair in a table that the general
 *    path fills (reset when a dictionary changes).
 * Key k's ids take `bits` bits at `shift` of the index; the index selects the
 * group in `map`. A vector is done in passes: ids into the index, one key at a
 * time, with a flag for values outside the known domain; if any, the domain
 * grows (new ids, a wider range), the index layout is recomputed and the map
 * rebuilt from each group's index, and the pass repeats. Once the index would
 * need more than SLI_AGG_DIRECT_MAX_BITS, the table moves to hashing.
 *
 * A hashing table also indexes directly while it folds a range partition
 * (agg_partition.c): one integer key whose values all lie in a window of at
 * most SLI_AGG_RMAP_SIZE, looked up in the table's range map
 * (sli_agg_range_groups).
 */
#include <stdlib.h>
#include <string.h>

#include "agg_table.h"
#include "buffer.h"
#include "kernels/hash.h"
#include "materialize.h"

static unsigned bits_for(size_t card)
{
    unsigned b = 0;
    while (((size_t)1 << b) < card) b++;
    return b;
}

bool sli_agg_direct_init(sli_agg_table *t, const sl_type *key_types)
{
    for (size_t k = 0; k < t->nkeys; k++)
        if (sli_ptype(key_types[k]) == SL_P_F64) return false;
    sli_agg_direct *d = &t->d;
    d->keys = calloc(t->nkeys, sizeof *d->keys);
    d->idx = sli_buf_alloc(SLI_VEC_SIZE * sizeof *d->idx);
    d->map = sli_buf_alloc(sizeof *d->map);
    bool ok = d->keys && d->idx && d->map;
    for (size_t k = 0; k < t->nkeys && ok; k++) {
        sli_agg_dkey *dk = &d->keys[k];
        dk->card = 1; /* NULL */
        if (key_types[k].id == SL_TYPE_UTF8) {
            dk->is_str = true;
            sli_colbuilder_init(&dk->strs, key_types[k]);
            dk->ids = sli_buf_alloc(SLI_VEC_SIZE * sizeof *dk->ids);
            ok = dk->ids != NULL;
        }
    }
    if (!ok) sli_agg_direct_free(t); /* d->keys NULL tells init: no memory */
    return true;
}

void sli_agg_direct_free(sli_agg_table *t)
{
    sli_agg_direct *d = &t->d;
    if (d->keys)
        for (size_t k = 0; k < t->nkeys; k++) {
            sli_agg_dkey *dk = &d->keys[k];
            sli_colbuilder_discard(&dk->strs);
            sli_buf_free(dk->sslots);
            sli_buf_free(dk->shash);
            free(dk->code_ids);
            sli_buf_free(dk->ids);
        }
    free(d->keys);
    free(d->pair);
    sli_buf_free(d->map);
    sli_buf_free(d->gidx);
    sli_buf_free(d->idx);
    memset(d, 0, sizeof *d);
}

/* ---- string ids ------------------------------------------------------------------------ */

static uint64_t hash_str(sli_strview s)
{
    uint64_t h;
    sli_hash_select()->k->str(&s, NULL, NULL, 1, 0, &h);
    return h;
}

static sl_status str_rehash(sli_agg_dkey *dk, size_t nslots)
{
    uint32_t *slots = sli_buf_alloc(nslots * sizeof *slots);
    if (!slots) return SL_ERR_NOMEM;
    for (size_t id = 1; id < dk->card; id++) {
        size_t p = dk->shash[id - 1] & (nslots - 1);
        while (slots[p]) p = (p + 1) & (nslots - 1);
        slots[p] = (uint32_t)id;
    }
    sli_buf_free(dk->sslots);
    dk->sslots = slots;
    dk->nsslots = nslots;
    return SL_OK;
}

/* The id of string s, added when new. */
static sl_status str_id(sli_agg_dkey *dk, sli_strview s, uint32_t *id)
{
    uint64_t h = hash_str(s);
    size_t mask = dk->nsslots - 1;
    for (size_t p = h & mask; dk->nsslots; p = (p + 1) & mask) {
        uint32_t e = dk->sslots[p];
        if (e == 0) break;
        sli_strview o = sli_column_str(&dk->strs.col, e - 1);
        if (dk->shash[e - 1] == h && o.len == s.len && (s.len == 0 || memcmp(o.ptr, s.ptr, s.len) == 0)) {
            *id = e;
            return SL_OK;
        }
    }
    /* New: one more id; the set stays at most half full. */
    size_t n = dk->card - 1;
    if (n >= (size_t)1 << SLI_AGG_DIRECT_MAX_BITS) {
        *id = 0; /* the caller gives up on direct indexing */
        return SL_OK;
    }
    sl_status st = sli_colbuilder_append_str(&dk->strs, s.ptr, s.len);
    if (st) return st;
    uint64_t *sh = sli_buf_realloc(dk->shash, n * sizeof *sh, (n + 1) * sizeof *sh);
    if (!sh) return SL_ERR_NOMEM;
    dk->shash = sh;
    sh[n] = h;
    dk->card++;
    if (2 * (n + 1) > dk->nsslots) {
        if ((st = str_rehash(dk, dk->nsslots ? 2 * dk->nsslots : 16))) return st;
    } else {
        size_t p = h & (dk->nsslots - 1);
        while (dk->sslots[p]) p = (p + 1) & (dk->nsslots - 1);
        dk->sslots[p] = (uint32_t)(n + 1);
    }
    *id = (uint32_t)(n + 1);
    return SL_OK;
}

/* ---- resolving: growing a key's domain to cover a vector ---------------------------------- */

#define ROW(i) (sel ? sel[i] : (uint32_t)(i))

/* Plain strings: every row's id into dk->ids. *full when the domain is too large. */
static sl_status resolve_plain(sli_agg_dkey *dk, const sli_vec *v, const uint32_t *sel, size_t n, bool *full)
{
    const sli_strview *sv = v->data;
    for (size_t i = 0; i < n; i++) {
        uint32_t r = ROW(i), id = 0;
        if (sli_valid(v->validity, r)) {
            sl_status s = str_id(dk, sv[r], &id);
            if (s) return s;
            if (!id) {
                *full = true;
                return SL_OK;
            }
        }
        dk->ids[r] = id;
    }
    return SL_OK;
}

/* Dictionary codes: makes the code -> id cache belong to v's dictionary. */
static sl_status use_dict(sli_agg_dkey *dk, const sli_dict *dict)
{
    if (dk->dict == dict && dk->dict_id == dict->id) return SL_OK;
    size_t cnt = dict->count ? dict->count : 1;
    if (dk->code_cap < cnt) {
        uint32_t *c = realloc(dk->code_ids, cnt * sizeof *c);
        if (!c) return SL_ERR_NOMEM;
        dk->code_ids = c;
        dk->code_cap = cnt;
    }
    memset(dk->code_ids, 0, cnt * sizeof *dk->code_ids);
    dk->dict = dict;
    dk->dict_id = dict->id;
    return SL_OK;
}

/* Dictionary codes: looks up each code not yet cached (once per code). */
static sl_status resolve_codes(sli_agg_dkey *dk, const sli_vec *v, const uint32_t *sel, size_t n, bool *full)
{
    const int32_t *codes = v->data;
    for (size_t i = 0; i < n; i++) {
        uint32_t r = ROW(i);
        if (!sli_valid(v->validity, r) || dk->code_ids[codes[r]]) continue;
        uint32_t id;
        sl_status s = str_id(dk, v->dict->views[codes[r]], &id);
        if (s) return s;
        if (!id) {
            *full = true;
            return SL_OK;
        }
        dk->code_ids[codes[r]] = id;
    }
    return SL_OK;
}

/* Integers: widens [lo, hi] to the vector's values. */
#define STAMP_MINMAX(tn, T)                                                                                  \
    static bool minmax_##tn(const T *v, const uint8_t *validity, const uint32_t *sel, size_t n, int64_t *mn, \
                            int64_t *mx)                                                                     \
    {                                                                                                        \
        bool any = false;                                                                                    \
        T lo = 0, hi = 0;                                                                                    \
        for (size_t i = 0; i < n; i++) {                                                                     \
            uint32_t r = ROW(i);                                                                             \
            if (!sli_valid(validity, r)) continue;                                                           \
            if (!any || v[r] < lo) lo = v[r];                                                                \
            if (!any || v[r] > hi) hi = v[r];                                                                \
            any = true;                                                                                      \
        }                                                                                                    \
        *mn = lo;                                                                                            \
        *mx = hi;                                                                                            \
        return any;                                                                                          \
    }
STAMP_MINMAX(i8, int8_t)
STAMP_MINMAX(i16, int16_t)
STAMP_MINMAX(i32, int32_t)
STAMP_MINMAX(i64, int64_t)

static void resolve_ints(sli_agg_dkey *dk, const sli_vec *v, const uint32_t *sel, size_t n, bool *full)
{
    int64_t mn = 0, mx = 0;
    bool any = false;
    switch (sli_ptype(v->type)) {
    case SL_P_I8: any = minmax_i8(v->data, v->validity, sel, n, &mn, &mx); break;
    case SL_P_I16: any = minmax_i16(v->data, v->validity, sel, n, &mn, &mx); break;
    case SL_P_I32: any = minmax_i32(v->data, v->validity, sel, n, &mn, &mx); break;
    default: any = minmax_i64(v->data, v->validity, sel, n, &mn, &mx); break;
    }
    if (!any) return;
    if (dk->has_range) {
        if (dk->lo < mn) mn = dk->lo;
        if (dk->hi > mx) mx = dk->hi;
    }
    uint64_t span = (uint64_t)mx - (uint64_t)mn; /* values - 1; exact in unsigned arithmetic */
    if (span >= ((uint64_t)1 << SLI_AGG_DIRECT_MAX_BITS) - 1) {
        *full = true;
        return;
    }
    dk->lo = mn;
    dk->hi = mx;
    dk->has_range = true;
    dk->card = (size_t)span + 2; /* the values and NULL */
}

/* ---- computing indexes ---------------------------------------------------------------------- */

/* idx[row] (first key: =, else +=) id << shift; @return true when some valid
 * row is outside the known domain. */
#define STAMP_IDS(tn, T)                                                                                     \
    static bool ids_##tn(const sli_agg_dkey *dk, const T *restrict v, const uint8_t *validity,               \
                         const uint32_t *sel, size_t n, bool first, uint32_t *restrict idx)                  \
    {                                                                                                        \
        uint64_t lo = (uint64_t)dk->lo, span = dk->card - 1;                                                 \
        unsigned sh = dk->shift;                                                                             \
        uint32_t bad = 0;                                                                                    \
        for (size_t i = 0; i < n; i++) {                                                                     \
            uint32_t r = ROW(i);                                                                             \
            uint32_t valid = validity ? sli_valid(validity, r) : 1u;                                         \
            uint64_t d = (uint64_t)(int64_t)v[r] - lo;                                                       \
            bad |= valid & (d >= span);                                                                      \
            uint32_t id = ((uint32_t)d + 1u) & -valid;                                                       \
            idx[r] = (first ? 0 : idx[r]) + (id << sh);                                                      \
        }                                                                                                    \
        return bad != 0;                                                                                     \
    }
STAMP_IDS(i8, int8_t)
STAMP_IDS(i16, int16_t)
STAMP_IDS(i32, int32_t)
STAMP_IDS(i64, int64_t)

static bool ids_codes(const sli_agg_dkey *dk, const sli_vec *v, const uint32_t *sel, size_t n, bool first,
                      uint32_t *restrict idx)
{
    const int32_t *restrict codes = v->data;
    const uint32_t *restrict cache = dk->code_ids;
    const uint8_t *validity = v->validity;
    unsigned sh = dk->shift;
    uint32_t bad = 0;
    if (!validity && !sel) {
        if (first)
            for (size_t i = 0; i < n; i++) {
                uint32_t id = cache[codes[i]];
                bad |= id == 0;
                idx[i] = id << sh;
            }
        else
            for (size_t i = 0; i < n; i++) {
                uint32_t id = cache[codes[i]];
                bad |= id == 0;
                idx[i] += id << sh;
            }
        return bad != 0;
    }
    for (size_t i = 0; i < n; i++) {
        uint32_t r = ROW(i);
        uint32_t valid = validity ? sli_valid(validity, r) : 1u;
        uint32_t id = cache[codes[r] & -(int32_t)valid] & -valid; /* a NULL row's code may be anything */
        bad |= valid & (id == 0);
        idx[r] = (first ? 0 : idx[r]) + (id << sh);
    }
    return bad != 0;
}

static void ids_plain(const sli_agg_dkey *dk, const uint32_t *sel, size_t n, bool first,
                      uint32_t *restrict idx)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t r = ROW(i);
        idx[r] = (first ? 0 : idx[r]) + (dk->ids[r] << dk->shift);
    }
}

static bool key_ids(const sli_agg_dkey *dk, const sli_vec *v, const uint32_t *sel, size_t n, bool first,
                    uint32_t *idx)
{
    if (dk->is_str) {
        if (v->dict) return ids_codes(dk, v, sel, n, first, idx);
        ids_plain(dk, sel, n, first, idx);
        return false;
    }
    switch (sli_ptype(v->type)) {
    case SL_P_I8: return ids_i8(dk, v->data, v->validity, sel, n, first, idx);
    case SL_P_I16: return ids_i16(dk, v->data, v->validity, sel, n, first, idx);
    case SL_P_I32: return ids_i32(dk, v->data, v->validity, sel, n, first, idx);
    default: return ids_i64(dk, v->data, v->validity, sel, n, first, idx);
    }
}

/* ---- layout ---------------------------------------------------------------------------------- */

/* Gives up on direct indexing: every group gets its hash, then a hash table. */
static sl_status to_hash(sli_agg_table *t)
{
    sl_status s = sli_agg_group_hashes(t, 0, t->ngroups, t->ghash);
    if (s) return s;
    sli_agg_direct_free(t);
    t->direct = false;
    return sli_agg_hash_init(t);
}

/* After domains grew: new bits and shifts, each group's index re-encoded
 * (integer ids move by old lo - new lo), the map rebuilt. old_lo holds each
 * key's lo before the growth. */
static sl_status relayout(sli_agg_table *t, const int64_t *old_lo)
{
    sli_agg_direct *d = &t->d;
    unsigned total = 0;
    bool same = true;
    for (size_t k = 0; k < t->nkeys; k++) {
        const sli_agg_dkey *dk = &d->keys[k];
        unsigned b = bits_for(dk->card);
        same &= b == dk->bits && (dk->is_str || dk->lo == old_lo[k]);
        total += b;
    }
    if (same) return SL_OK;
    if (total > SLI_AGG_DIRECT_MAX_BITS) return to_hash(t);
    uint32_t *map = sli_buf_alloc(((size_t)1 << total) * sizeof *map);
    if (!map) return SL_ERR_NOMEM;
    unsigned shift = 0;
    for (size_t g = 0; g < t->ngroups; g++) {
        uint64_t old = d->gidx[g], neu = 0;
        unsigned sh = 0;
        for (size_t k = 0; k < t->nkeys; k++) {
            const sli_agg_dkey *dk = &d->keys[k];
            uint64_t id = (old >> dk->shift) & (((uint64_t)1 << dk->bits) - 1);
            if (id && !dk->is_str) id += (uint64_t)(old_lo[k] - dk->lo);
            neu |= id << sh;
            sh += bits_for(dk->card);
        }
        d->gidx[g] = neu;
        map[neu] = (uint32_t)(g + 1);
    }
    for (size_t k = 0; k < t->nkeys; k++) {
        d->keys[k].bits = bits_for(d->keys[k].card);
        d->keys[k].shift = shift;
        shift += d->keys[k].bits;
    }
    sli_buf_free(d->map);
    d->map = map;
    d->bits = total;
    return SL_OK;
}

/* ---- groups ---------------------------------------------------------------------------------- */

/* Code pairs up to which a pair table is kept (a 256 KiB table). */
#define PAIR_MAX ((size_t)1 << 16)

/* Dictionary-coded keys without NULLs, each its dictionary's codes. */
static bool all_codes(const sli_agg_table *t, const sli_vec *keys)
{
    for (size_t k = 0; k < t->nkeys; k++)
        if (!t->d.keys[k].is_str || !keys[k].dict || keys[k].validity) return false;
    return true;
}

/* One dictionary-coded key whose codes were all seen before: the group of a
 * row is map[id << shift]. @return false, leaving gid partly written, when
 * some code has no id yet or some index no group. */
static bool groups_one_code(sli_agg_table *t, const sli_vec *keys, const uint32_t *restrict sel, size_t n)
{
    const sli_agg_dkey *dk = &t->d.keys[0];
    if (dk->dict != keys[0].dict || dk->dict_id != keys[0].dict->id) return false;
    const uint32_t *restrict map = t->d.map, *restrict ids = dk->code_ids;
    const int32_t *restrict codes = keys[0].data;
    uint32_t *restrict gid = t->gid;
    unsigned sh = dk->shift;
    uint32_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t r = sel ? sel[i] : (uint32_t)i;
        uint32_t a = ids[codes[r]];
        uint32_t e = map[a << sh];
        bad |= (a == 0) | (e == 0);
        gid[r] = e - 1;
    }
    return bad == 0;
}

/* Two dictionary-coded keys: makes the pair table belong to the vectors'
 * dictionaries. @return false when the pairs are too many for a table. */
static bool use_pairs(sli_agg_direct *d, const sli_vec *keys)
{
    if (d->pair && d->pair_dict[0] == keys[0].dict && d->pair_dict[1] == keys[1].dict &&
        d->pair_id[0] == keys[0].dict->id && d->pair_id[1] == keys[1].dict->id)
        return true;
    size_t np = keys[0].dict->count * keys[1].dict->count;
    if (np == 0 || np > PAIR_MAX || keys[0].dict->count > PAIR_MAX || keys[1].dict->count > PAIR_MAX)
        return false;
    free(d->pair);
    d->pair = calloc(np, sizeof *d->pair);
    d->pair_dict[0] = d->pair ? keys[0].dict : NULL;
    d->pair_dict[1] = d->pair ? keys[1].dict : NULL;
    d->pair_id[0] = keys[0].dict->id;
    d->pair_id[1] = keys[1].dict->id;
    return d->pair != NULL;
}

/* Two dictionary-coded keys: the group of a row is pair[code0 * count1 +
 * code1]. @return false, leaving gid partly written, when some pair is not
 * in the table yet. */
static bool groups_pairs(sli_agg_table *t, const sli_vec *keys, const uint32_t *restrict sel, size_t n)
{
    const uint32_t *restrict pair = t->d.pair;
    const int32_t *restrict c0 = keys[0].data, *restrict c1 = keys[1].data;
    uint32_t *restrict gid = t->gid;
    uint32_t n1 = (uint32_t)keys[1].dict->count, bad = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t r = sel ? sel[i] : (uint32_t)i;
        uint32_t e = pair[(uint32_t)c0[r] * n1 + (uint32_t)c1[r]];
        bad |= e == 0;
        gid[r] = e - 1;
    }
    return bad == 0;
}

/* After the general path found every row's group: remembers it by code pair. */
static void learn_pairs(sli_agg_table *t, const sli_vec *keys, const uint32_t *sel, size_t n)
{
    uint32_t *pair = t->d.pair;
    const int32_t *c0 = keys[0].data, *c1 = keys[1].data;
    uint32_t n1 = (uint32_t)keys[1].dict->count;
    for (size_t i = 0; i < n; i++) {
        uint32_t r = sel ? sel[i] : (uint32_t)i;
        pair[(uint32_t)c0[r] * n1 + (uint32_t)c1[r]] = t->gid[r] + 1;
    }
}

static sl_status direct_groups(sli_agg_table *t, const sli_vec *keys, const uint32_t *sel, size_t n);

sl_status sli_agg_direct_groups(sli_agg_table *t, const sli_vec *keys, const uint32_t *sel, size_t n)
{
    if (t->nkeys > 2 || !all_codes(t, keys)) return direct_groups(t, keys, sel, n);
    if (t->nkeys == 1) {
        if (t->ngroups > 0 && groups_one_code(t, keys, sel, n)) return SL_OK;
        return direct_groups(t, keys, sel, n);
    }
    bool pairs = use_pairs(&t->d, keys);
    if (pairs && groups_pairs(t, keys, sel, n)) return SL_OK;
    sl_status s = direct_groups(t, keys, sel, n);
    if (!s && pairs && t->direct) learn_pairs(t, keys, sel, n);
    return s;
}

/* Every key: ids into indexes (growing the domains), indexes into groups. */
static sl_status direct_groups(sli_agg_table *t, const sli_vec *keys, const uint32_t *sel, size_t n)
{
    sli_agg_direct *d = &t->d;
    int64_t old_lo[64];
    int64_t *lo = t->nkeys <= 64 ? old_lo : malloc(t->nkeys * sizeof *lo);
    if (!lo) return SL_ERR_NOMEM;
    sl_status s = SL_OK;
    bool full = false;
    for (size_t k = 0; k < t->nkeys; k++) lo[k] = d->keys[k].lo;
    /* Plain strings are looked up row by row before anything else. */
    for (size_t k = 0; k < t->nkeys && !s && !full; k++) {
        sli_agg_dkey *dk = &d->keys[k];
        if (!dk->is_str) continue;
        if (keys[k].dict)
            s = use_dict(dk, keys[k].dict);
        else
            s = resolve_plain(dk, &keys[k], sel, n, &full);
    }
    if (!s && !full) s = relayout(t, lo);
    for (int pass = 0; !s && !full && t->direct; pass++) {
        bool bad = false;
        for (size_t k = 0; k < t->nkeys; k++) bad |= key_ids(&d->keys[k], &keys[k], sel, n, k == 0, d->idx);
        if (!bad) break;
        if (pass > 0) {
            s = SL_ERR_INTERNAL; /* the domains were just grown to cover this vector */
            break;
        }
        for (size_t k = 0; k < t->nkeys; k++) lo[k] = d->keys[k].lo;
        for (size_t k = 0; k < t->nkeys && !s && !full; k++) {
            sli_agg_dkey *dk = &d->keys[k];
            if (!dk->is_str)
                resolve_ints(dk, &keys[k], sel, n, &full);
            else if (keys[k].dict)
                s = resolve_codes(dk, &keys[k], sel, n, &full);
        }
        if (!s && !full) s = relayout(t, lo);
    }
    if (lo != old_lo) free(lo);
    if (s) return s;
    if (full) return to_hash(t);
    if (!t->direct) return SL_OK;
    /* Every row's index is known: its group, or a new one. */
    uint32_t *restrict map = d->map, *restrict gid = t->gid;
    const uint32_t *restrict idx = d->idx;
    t->hashes_valid = false;
    for (size_t i = 0; i < n; i++) {
        uint32_t r = ROW(i);
        uint32_t e = map[idx[r]];
        if (__builtin_expect(e == 0, 0)) {
            if ((s = sli_agg_grow(t))) return s;
            if ((s = sli_agg_append_keys(t, keys, r))) return s;
            size_t g = t->ngroups++;
            d->gidx[g] = idx[r];
            e = map[idx[r]] = (uint32_t)(g + 1);
        }
        gid[r] = e - 1;
    }
    return SL_OK;
}

/* ---- range partitions ------------------------------------------------------------------------ */

/* One pass looks every row up (gid, and the rows whose key has no group yet
 * listed in miss); the listed rows then create their groups in order, a key
 * repeated among them finding the group its first row made. */
#define STAMP_RANGE(tn, T)                                                                                   \
    static size_t range_##tn(sli_agg_table *t, const T *restrict v, const uint32_t *sel, size_t n,           \
                             uint32_t *restrict miss)                                                        \
    {                                                                                                        \
        const uint32_t *restrict map = t->rmap;                                                              \
        uint32_t *restrict gid = t->gid;                                                                     \
        uint64_t lo = (uint64_t)t->rlo;                                                                      \
        size_t nmiss = 0;                                                                                    \
        for (size_t i = 0; i < n; i++) {                                                                     \
            uint32_t r = ROW(i);                                                                             \
            uint32_t e = map[(uint64_t)(int64_t)v[r] - lo];                                                  \
            gid[r] = e - 1;                                                                                  \
            miss[nmiss] = r;                                                                                 \
            nmiss += e == 0;                                                                                 \
        }                                                                                                    \
        return nmiss;                                                                                        \
    }
STAMP_RANGE(i8, int8_t)
STAMP_RANGE(i16, int16_t)
STAMP_RANGE(i32, int32_t)
STAMP_RANGE(i64, int64_t)

sl_status sli_agg_range_groups(sli_agg_table *t, const sli_vec *keys, const uint32_t *sel, size_t n)
{
    const sli_vec *k = &keys[0];
    if (!t->h.act || !t->rmap) return SL_ERR_NOMEM; /* hash scratch or map never allocated */
    uint32_t *restrict miss = t->h.act, *restrict fresh = t->h.cand;
    sl_ptype pt = sli_ptype(k->type);
    size_t nmiss, nfresh = 0;
    switch (pt) {
    case SL_P_I8: nmiss = range_i8(t, k->data, sel, n, miss); break;
    case SL_P_I16: nmiss = range_i16(t, k->data, sel, n, miss); break;
    case SL_P_I32: nmiss = range_i32(t, k->data, sel, n, miss); break;
    default: nmiss = range_i64(t, k->data, sel, n, miss); break;
    }
    if (t->ngroups + nmiss >= (size_t)UINT32_MAX - 1) return SL_ERR_UNSUPPORTED; /* group ids are 32-bit */
    if (t->ngroups + nmiss > t->cap) { /* room for every row's being new, grown once */
        sl_status s = sli_agg_reserve(t, t->ngroups + nmiss > 2 * t->cap ? t->ngroups + nmiss : 2 * t->cap);
        if (s) return s;
    }
    uint32_t *restrict map = t->rmap, *restrict gid = t->gid;
    uint64_t lo = (uint64_t)t->rlo;
    t->hashes_valid = false;
    for (size_t j = 0; j < nmiss; j++) {
        uint32_t r = miss[j];
        size_t at = (size_t)((uint64_t)sli_agg_int_at(k->data, pt, r) - lo);
        uint32_t e = map[at];
        if (e == 0) {
            e = map[at] = (uint32_t)(++t->ngroups);
            fresh[nfresh++] = r;
        }
        gid[r] = e - 1;
    }
    return sli_append_vec(&t->keys[0], k, fresh, nfresh);
}
