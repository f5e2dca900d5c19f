/*
 * agg_hash.c — vectorized hash aggregation: finding the groups of a whole
 * vector at once (see agg_table.h).
 *
 * Slots hold (top 31 hash bits, group id + 1) in one word, so most
 * mismatches are rejected without touching the group's keys. With a single
 * integer key (the common high-cardinality case) the key's value sits next
 * to that word, with a bit for the NULL key, and the whole comparison is
 * done in the slot: one cache miss per row. A vector is
 * probed in rounds over the rows still looking: one pass reads each row's
 * slot and sorts it into empty / tag match / other; the tag matches are
 * compared key by key with typed loops over the whole candidate list (NULLs
 * equal NULLs); rows that matched are done, the others step to the next
 * slot. Rows that met an empty slot are new keys (or repeats of a key new in
 * this vector) and are inserted one by one at the end of the round. The table
 * is sized before the vector so it never grows in the middle of a probe.
 *
 * Rounds hide the latency of slots that miss the cache. A table with one
 * integer key whose slots fit in L2 is probed row by row instead (with the
 * slot of a row a few rows ahead prefetched): there is little latency to
 * hide, and no sorting of rows into rounds to pay for. It goes in two
 * passes: a branch-free look at each row's home slot settles most rows, and
 * only the rest probe on or insert, so the unpredictable choice between
 * "found" and "new" is made for few rows. The slots may also
 * be restarted (sli_agg_hash_restart): they then hold only the groups made
 * from that point on (sized a quarter full where that still fits L2), which lets radix-partitioned
 * aggregation (agg_partition.c) aggregate one partition after another into one table with slots sized for a
 * partition.
 */
#include <stdlib.h>
#include <string.h>

#include "agg_table.h"
#include "buffer.h"
#include "materialize.h"

#define TAG(h)         ((h) >> 33 << 33)
#define NULLBIT        ((uint64_t)1 << 32)
#define SAME_TAG(e, h) ((((e) ^ (h)) >> 33) == 0)

enum { DONE, STEP, INSERT }; /* what a probing row does after a round */

/* Slot arrays up to this many bytes stay in L2: probing them row by row has
 * no miss latency to hide, and beats sorting rows into rounds. */
#define SERIAL_SLOT_BYTES ((size_t)512 << 10)

/* Slot arrays: zeroed; large ones get transparent huge pages from
 * buffer.c, so a probe rarely misses the TLB as well. */
static uint64_t *slots_alloc(size_t nslots)
{
    return sli_buf_alloc(nslots * sizeof(uint64_t));
}

static sl_status rebuild(sli_agg_table *t, size_t nslots)
{
    size_t w = t->h.inl ? 2 : 1;
    uint64_t *slots = slots_alloc(nslots * w);
    if (!slots) return SL_ERR_NOMEM;
    const sli_column *c = &t->keys[0].col;
    for (size_t g = t->h.base; g < t->ngroups; g++) {
        uint64_t h = t->ghash[g];
        size_t p = h & (nslots - 1);
        while (slots[w * p]) p = (p + 1) & (nslots - 1);
        slots[w * p] = TAG(h) | (g + 1);
        if (!t->h.inl) continue;
        if (sli_valid(c->validity, g))
            slots[w * p + 1] = (uint64_t)sli_agg_int_at(c->data, sli_ptype(c->type), g);
        else
            slots[w * p] |= NULLBIT;
    }
    sli_buf_free(t->h.slots);
    t->h.slots = slots;
    t->h.nslots = nslots;
    return SL_OK;
}

/* Slots for `groups` groups at most half full. */
static size_t slots_for(size_t groups)
{
    size_t n = 4096;
    while (n < 2 * groups) n *= 2;
    return n;
}

sl_status sli_agg_hash_init(sli_agg_table *t)
{
    sli_agg_hash *h = &t->h;
    size_t v = SLI_VEC_SIZE * sizeof(uint32_t);
    if (!h->act) {
        h->act = sli_buf_alloc(v);
        h->pos = sli_buf_alloc(v);
        h->cand = sli_buf_alloc(v);
        h->crow = sli_buf_alloc(v);
        h->cidx = sli_buf_alloc(v);
        h->match = sli_buf_alloc(SLI_VEC_SIZE);
        h->keep = sli_buf_alloc(SLI_VEC_SIZE);
        h->kval = sli_buf_alloc(SLI_VEC_SIZE * sizeof *h->kval);
        if (!h->act || !h->pos || !h->cand || !h->crow || !h->cidx || !h->match || !h->keep || !h->kval)
            return SL_ERR_NOMEM;
    }
    sl_ptype pt = sli_ptype(t->keys[0].col.type);
    h->inl = t->nkeys == 1 && pt != SL_P_F64 && pt != SL_P_COUNT;
    t->hashes_valid = true; /* ghash is kept for every group from here on */
    return rebuild(t, slots_for(t->ngroups - h->base + SLI_VEC_SIZE));
}

sl_status sli_agg_hash_restart(sli_agg_table *t, size_t expect)
{
    t->h.base = t->ngroups;
    /* at most a quarter full where that still stays in L2 (fewer rows probe past their home slot) */
    size_t ns = slots_for(2 * expect + SLI_VEC_SIZE);
    if (ns * (t->h.inl ? 2 : 1) * sizeof(uint64_t) > SERIAL_SLOT_BYTES) ns = slots_for(expect + SLI_VEC_SIZE);
    if (ns == t->h.nslots) { /* same size: clearing beats reallocating */
        memset(t->h.slots, 0, ns * (t->h.inl ? 2 : 1) * sizeof(uint64_t));
        return SL_OK;
    }
    return rebuild(t, ns);
}

void sli_agg_hash_free(sli_agg_table *t)
{
    sli_agg_hash *h = &t->h;
    sli_buf_free(h->slots);
    sli_buf_free(h->kval);
    sli_buf_free(h->act);
    sli_buf_free(h->pos);
    sli_buf_free(h->cand);
    sli_buf_free(h->crow);
    sli_buf_free(h->cidx);
    sli_buf_free(h->match);
    sli_buf_free(h->keep);
    memset(h, 0, sizeof *h);
}

/* match[j] &= vector row vrow[j] has the keys of group grp[j]; NULL equals NULL. */
static void match_keys(const sli_agg_table *t, const sli_vec *keys, const uint32_t *vrow, const uint32_t *grp,
                       size_t n, uint8_t *match)
{
    for (size_t k = 0; k < t->nkeys; k++) {
        const sli_vec *v = &keys[k];
        const sli_column *c = &t->keys[k].col;
        if (v->validity || c->validity) {
            for (size_t j = 0; j < n; j++) {
                if (!match[j]) continue;
                bool vn = !sli_valid(v->validity, vrow[j]), cn = !sli_valid(c->validity, grp[j]);
                if (vn || cn)
                    match[j] = vn == cn;
                else if (sli_ptype(v->type) == SL_P_F64) {
                    double a = ((const double *)v->data)[vrow[j]], b = ((const double *)c->data)[grp[j]];
                    match[j] = a == b || (a != a && b != b);
                } else
                    sli_keys_match(v, &vrow[j], c, &grp[j], 1, &match[j]);
            }
        } else if (sli_ptype(v->type) == SL_P_F64) {
            const double *a = v->data, *b = c->data;
            for (size_t j = 0; j < n; j++) {
                double x = a[vrow[j]], y = b[grp[j]];
                match[j] &= x == y || (x != x && y != y); /* every NaN is one group */
            }
        } else {
            sli_keys_match(v, vrow, c, grp, n, match);
        }
    }
}

/* One row, from slot p on: its group, created when new. */
static sl_status insert_row(sli_agg_table *t, const sli_vec *keys, uint32_t r, uint64_t h, size_t p)
{
    sli_agg_hash *ht = &t->h;
    size_t mask = ht->nslots - 1, w = ht->inl ? 2 : 1;
    bool vnull = !sli_valid(keys[0].validity, r);
    for (;; p = (p + 1) & mask) {
        uint64_t e = ht->slots[w * p];
        if (e == 0) break;
        if (!SAME_TAG(e, h)) continue;
        uint32_t g = (uint32_t)e - 1;
        uint8_t m = 1;
        if (ht->inl)
            m = vnull ? (e & NULLBIT) != 0 : !(e & NULLBIT) && (int64_t)ht->slots[w * p + 1] == ht->kval[r];
        else
            match_keys(t, keys, &r, &g, 1, &m);
        if (m) {
            t->gid[r] = g;
            return SL_OK;
        }
    }
    sl_status s = sli_agg_grow(t);
    if (s) return s;
    if ((s = sli_agg_append_keys(t, keys, r))) return s;
    size_t g = t->ngroups++;
    t->ghash[g] = h;
    ht->slots[w * p] = TAG(h) | (g + 1) | (ht->inl && vnull ? NULLBIT : 0);
    if (ht->inl) ht->slots[w * p + 1] = (uint64_t)ht->kval[r];
    t->gid[r] = (uint32_t)g;
    return SL_OK;
}

/* Ends a probe round: inserts the rows marked INSERT, one at a time (an
 * earlier insert may have taken the empty slot: insert_row probes on), and
 * keeps the rows marked STEP active at their next slot. */
static sl_status end_round(sli_agg_table *t, const sli_vec *keys, uint32_t *act, uint32_t *pos,
                           const uint8_t *keep, const uint64_t *hb, uint64_t mask, size_t *na)
{
    size_t nn = 0;
    for (size_t i = 0; i < *na; i++) {
        uint32_t r = act[i];
        if (keep[i] != STEP) {
            sl_status s = keep[i] == INSERT ? insert_row(t, keys, r, hb[r], pos[i]) : SL_OK;
            if (s) return s;
            continue;
        }
        act[nn] = r;
        pos[nn] = (uint32_t)((pos[i] + 1) & mask);
        nn++;
    }
    *na = nn;
    return SL_OK;
}

/* Rows between a slot's prefetch and its probe. */
#define PREFETCH_AHEAD 16

/* One integer key in a table small enough for the cache, in two passes.
 * Pass 1 looks at each row's home slot only and settles, without a branch,
 * the rows whose group sits there (most of them); the others are listed.
 * Pass 2 takes the listed rows in order, probing on and inserting. New
 * groups are thus created in the order their keys first appear, as with a
 * single pass, since every row of a new key is listed. New groups' keys are
 * appended together at the end (the comparison never reads them: they are
 * in the slot). */
static sl_status groups_inl_serial(sli_agg_table *t, const sli_vec *keys, const uint64_t *restrict hb,
                                   const int64_t *restrict kval, const uint32_t *sel, size_t n)
{
    sli_agg_hash *ht = &t->h;
    const uint64_t *slots = ht->slots; /* pass 2 writes it */
    const uint8_t *kv = keys[0].validity;
    uint32_t *restrict gid = t->gid, *restrict miss = ht->act;
    size_t mask = ht->nslots - 1, nmiss = 0, nfresh = 0;
    sl_status s;
    for (size_t i = 0; i < n; i++) {
        if (i + PREFETCH_AHEAD < n) {
            uint32_t ra = sel ? sel[i + PREFETCH_AHEAD] : (uint32_t)(i + PREFETCH_AHEAD);
            __builtin_prefetch(&slots[2 * (hb[ra] & mask)]);
        }
        uint32_t r = sel ? sel[i] : (uint32_t)i;
        uint64_t h = hb[r];
        size_t p = h & mask;
        uint64_t e = slots[2 * p];
        uint64_t nb = kv ? !sli_valid(kv, r) : 0; /* the NULL bit; a NULL key's value is not compared */
        bool hit = (e != 0) & ((e >> 32) == ((TAG(h) >> 32) | nb)) &
                   (((int64_t)slots[2 * p + 1] == kval[r]) | (bool)nb);
        gid[r] = (uint32_t)e - 1;
        miss[nmiss] = r;
        nmiss += !hit;
    }
    /* Pass 2: the listed rows probe from their home slot to their group or
     * to an empty slot, where the group is created. */
    uint64_t *wslots = ht->slots;
    uint32_t *restrict fresh = ht->cand;
    for (size_t j = 0; j < nmiss; j++) {
        if (j + PREFETCH_AHEAD < nmiss)
            __builtin_prefetch(&wslots[2 * (hb[miss[j + PREFETCH_AHEAD]] & mask)]);
        uint32_t r = miss[j];
        uint64_t h = hb[r];
        int64_t k = kval[r];
        uint64_t nb = kv ? !sli_valid(kv, r) : 0;
        uint64_t want = (TAG(h) >> 32) | nb; /* tag and NULL bit */
        for (size_t p = h & mask;; p = (p + 1) & mask) {
            uint64_t e = wslots[2 * p];
            if (e != 0) {
                if (e >> 32 == want && (nb || (int64_t)wslots[2 * p + 1] == k)) {
                    gid[r] = (uint32_t)e - 1;
                    break;
                }
            } else {
                if ((t->ngroups >= t->cap || t->ngroups >= (size_t)UINT32_MAX - 1) && (s = sli_agg_grow(t)))
                    return s; /* full, or at the group limit */
                size_t g = t->ngroups++;
                t->ghash[g] = h;
                wslots[2 * p] = want << 32 | (g + 1);
                wslots[2 * p + 1] = (uint64_t)k;
                gid[r] = (uint32_t)g;
                fresh[nfresh++] = r;
                break;
            }
        }
    }
    return sli_append_vec(&t->keys[0], &keys[0], ht->cand, nfresh);
}

sl_status sli_agg_hash_groups(sli_agg_table *t, const sli_vec *keys, const uint32_t *sel, size_t n)
{
    sli_agg_hash *ht = &t->h;
    sl_status s;
    if (2 * (t->ngroups - ht->base + n) > ht->nslots) {
        size_t ns = slots_for(t->ngroups - ht->base + n);
        if (ns > ((size_t)1 << 32)) return SL_ERR_UNSUPPORTED; /* slot positions are 32-bit */
        if ((s = rebuild(t, ns))) return s;
    }
    uint64_t *restrict hb = t->hbuf;
    for (size_t k = 0; k < t->nkeys; k++)
        if ((s = sli_hash_vec(&keys[k], sel, n, k > 0, hb, &t->ks))) return s;
    const uint64_t *slots = ht->slots; /* insert_row writes it too */
    size_t mask = ht->nslots - 1;
    uint32_t *restrict act = ht->act, *restrict pos = ht->pos, *restrict cand = ht->cand;
    uint32_t *restrict crow = ht->crow, *restrict cidx = ht->cidx, *restrict gid = t->gid;
    uint8_t *restrict match = ht->match, *restrict keep = ht->keep;
    size_t na = n;
    if (ht->inl && ht->nslots * 2 * sizeof(uint64_t) <= SERIAL_SLOT_BYTES) {
        sl_ptype pt = sli_ptype(keys[0].type);
        if (pt == SL_P_I64) return groups_inl_serial(t, keys, hb, keys[0].data, sel, n); /* no copy */
        for (size_t i = 0; i < n; i++) {
            uint32_t r = sel ? sel[i] : (uint32_t)i;
            ht->kval[r] = sli_agg_int_at(keys[0].data, pt, r);
        }
        return groups_inl_serial(t, keys, hb, ht->kval, sel, n);
    }
    for (size_t i = 0; i < n; i++) {
        uint32_t r = sel ? sel[i] : (uint32_t)i;
        act[i] = r;
        pos[i] = (uint32_t)(hb[r] & mask);
    }
    if (ht->inl) {
        const void *kd = keys[0].data;
        const uint8_t *kv = keys[0].validity;
        sl_ptype pt = sli_ptype(keys[0].type);
        int64_t *restrict kval = ht->kval;
        for (size_t i = 0; i < n; i++) kval[act[i]] = sli_agg_int_at(kd, pt, act[i]);
        while (na) {
            /* The whole comparison in the slot: done, step on, or insert. */
            for (size_t i = 0; i < na; i++) {
                uint32_t r = act[i];
                uint64_t e = slots[2 * (size_t)pos[i]];
                int64_t k = (int64_t)slots[2 * (size_t)pos[i] + 1];
                bool vnull = kv && !sli_valid(kv, r);
                bool m = e != 0 && SAME_TAG(e, hb[r]) &&
                         (vnull ? (e & NULLBIT) != 0 : !(e & NULLBIT) && k == kval[r]);
                gid[r] = (uint32_t)e - 1;
                keep[i] = m ? DONE : e != 0 ? STEP : INSERT;
            }
            if ((s = end_round(t, keys, act, pos, keep, hb, mask, &na))) return s;
        }
        return SL_OK;
    }
    while (na) {
        /* Sort the active rows by what their slot holds. */
        size_t nc = 0;
        for (size_t i = 0; i < na; i++) {
            uint32_t r = act[i];
            uint64_t e = slots[pos[i]];
            bool tag = e != 0 && SAME_TAG(e, hb[r]);
            cand[nc] = (uint32_t)e - 1;
            crow[nc] = r;
            cidx[nc] = (uint32_t)i;
            nc += tag;
            keep[i] = e != 0 ? STEP : INSERT;
        }
        memset(match, 1, nc);
        match_keys(t, keys, crow, cand, nc, match);
        for (size_t j = 0; j < nc; j++) {
            gid[crow[j]] = cand[j];
            keep[cidx[j]] = match[j] ? DONE : STEP;
        }
        if ((s = end_round(t, keys, act, pos, keep, hb, mask, &na))) return s;
    }
    return SL_OK;
}
