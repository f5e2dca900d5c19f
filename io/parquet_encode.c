/*
 * parquet_encode.c — RLE / bit-packed hybrid and PLAIN boolean encoders and
 * the dictionary hash sets of the Parquet writer (see parquet_encode.h).
 *
 * Hybrid layout (parquet-format Encodings.md): a sequence of runs, each
 * starting with a varint header; `count << 1` announces an RLE run followed
 * by the repeated value in ceil(bit_width / 8) little-endian bytes;
 * `groups << 1 | 1` announces groups * 8 bit-packed values, packed LSB first.
 */
#include <stdlib.h>
#include <string.h>

#include "io/parquet_encode.h"

/* Bit-packed runs are cut at this many groups, so their header is one byte. */
#define MAX_GROUPS 63

unsigned sli_pq_bit_width(uint32_t max)
{
    unsigned w = 0;
    while (max) {
        w++;
        max >>= 1;
    }
    return w;
}

/* Appends n (1..MAX_GROUPS*8) values bit-packed as one run, zero-padded to
 * a multiple of 8. */
static void bitpacked_run(sli_wbuf *out, const uint32_t *v, size_t n, unsigned w)
{
    size_t groups = (n + 7) / 8;
    sli_wbuf_varint(out, (uint64_t)groups << 1 | 1);
    size_t bytes = groups * w;
    if (!sli_wbuf_reserve(out, bytes)) return;
    uint8_t *d = out->data + out->len;
    uint64_t acc = 0;
    unsigned bits = 0;
    size_t k = 0;
    for (size_t i = 0; i < groups * 8; i++) {
        uint64_t x = i < n ? v[i] : 0;
        acc |= x << bits;
        bits += w;
        while (bits >= 8) {
            d[k++] = (uint8_t)acc;
            acc >>= 8;
            bits -= 8;
        }
    }
    /* groups * 8 * w bits is a whole number of bytes: nothing is left over. */
    out->len += k;
}

static void bitpacked(sli_wbuf *out, const uint32_t *v, size_t n, unsigned w)
{
    while (n > 0) {
        size_t take = n < MAX_GROUPS * 8 ? n : MAX_GROUPS * 8;
        bitpacked_run(out, v, take, w);
        v += take;
        n -= take;
    }
}

static void rle_run(sli_wbuf *out, uint32_t value, size_t count, unsigned w)
{
    sli_wbuf_varint(out, (uint64_t)count << 1);
    for (unsigned b = 0; b < (w + 7) / 8; b++) sli_wbuf_byte(out, (uint8_t)(value >> (8 * b)));
}

void sli_pq_rle_encode(sli_wbuf *out, const uint32_t *v, size_t n, unsigned w)
{
    size_t lit = 0; /* first value not yet written: v[lit..i) wait to be bit-packed */
    size_t i = 0;
    while (i < n) {
        size_t j = i + 1;
        while (j < n && v[j] == v[i]) j++;
        if (j - i >= 8) {
            /* Bit-packed runs hold whole groups of 8: complete the pending
             * values' last group with the first values of this run. */
            size_t pending = i - lit;
            if (pending) {
                size_t pad = (8 - pending % 8) % 8;
                bitpacked(out, v + lit, pending + pad, w);
                i += pad; /* pad <= 7 < run length: the run keeps at least one value */
            }
            rle_run(out, v[i], j - i, w);
            lit = j;
        }
        i = j;
    }
    if (lit < n) bitpacked(out, v + lit, n - lit, w);
}

void sli_pq_plain_bool(sli_wbuf *out, const uint8_t *v, size_t n)
{
    size_t bytes = (n + 7) / 8;
    if (!sli_wbuf_reserve(out, bytes)) return;
    uint8_t *d = out->data + out->len;
    memset(d, 0, bytes);
    for (size_t i = 0; i < n; i++) d[i >> 3] |= (uint8_t)((v[i] != 0) << (i & 7));
    out->len += bytes;
}

/* ---- hash sets ---------------------------------------------------------- */

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

void sli_pq_hash64_clear(sli_pq_hash64 *h)
{
    if (h->slot_idx) memset(h->slot_idx, 0, (h->mask + 1) * sizeof *h->slot_idx);
    h->count = 0;
}

void sli_pq_hash64_free(sli_pq_hash64 *h)
{
    free(h->slot_key);
    free(h->slot_idx);
    free(h->keys);
    memset(h, 0, sizeof *h);
}

/* Rebuilds the slots with `slots` entries (a power of two). */
static bool hash64_rehash(sli_pq_hash64 *h, size_t slots)
{
    uint64_t *sk = malloc(slots * sizeof *sk);
    uint32_t *si = calloc(slots, sizeof *si);
    if (!sk || !si) {
        free(sk);
        free(si);
        return false;
    }
    size_t mask = slots - 1;
    for (size_t i = 0; i < h->count; i++) {
        size_t p = mix64(h->keys[i]) & mask;
        while (si[p]) p = (p + 1) & mask;
        sk[p] = h->keys[i];
        si[p] = (uint32_t)i + 1;
    }
    free(h->slot_key);
    free(h->slot_idx);
    h->slot_key = sk;
    h->slot_idx = si;
    h->mask = mask;
    return true;
}

int64_t sli_pq_hash64_insert(sli_pq_hash64 *h, uint64_t key)
{
    if (!h->slot_idx && !hash64_rehash(h, 1024)) return -1;
    size_t p = mix64(key) & h->mask;
    for (;;) {
        uint32_t e = h->slot_idx[p];
        if (!e) break;
        if (h->slot_key[p] == key) return (int64_t)e - 1;
        p = (p + 1) & h->mask;
    }
    if (h->count == h->keys_cap) {
        size_t cap = h->keys_cap ? h->keys_cap * 2 : 1024;
        uint64_t *k = realloc(h->keys, cap * sizeof *k);
        if (!k) return -1;
        h->keys = k;
        h->keys_cap = cap;
    }
    size_t idx = h->count++;
    h->keys[idx] = key;
    h->slot_key[p] = key;
    h->slot_idx[p] = (uint32_t)idx + 1;
    if (h->count * 2 > h->mask + 1 && !hash64_rehash(h, (h->mask + 1) * 2)) return -1;
    return (int64_t)idx;
}

static uint32_t hash_bytes(const char *p, size_t n)
{
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ n;
    while (n >= 8) {
        uint64_t x;
        memcpy(&x, p, 8);
        h = (h ^ mix64(x)) * 0x100000001b3ULL;
        p += 8;
        n -= 8;
    }
    uint64_t x = 0;
    if (n) memcpy(&x, p, n);
    h = mix64(h ^ x);
    return (uint32_t)(h >> 32);
}

void sli_pq_strset_clear(sli_pq_strset *s)
{
    if (s->slot_idx) memset(s->slot_idx, 0, (s->mask + 1) * sizeof *s->slot_idx);
    s->count = 0;
    s->bytes = 0;
}

void sli_pq_strset_free(sli_pq_strset *s)
{
    free(s->slot_idx);
    free(s->slot_hash);
    free(s->vals);
    memset(s, 0, sizeof *s);
}

static bool strset_rehash(sli_pq_strset *s, size_t slots)
{
    uint32_t *si = calloc(slots, sizeof *si);
    uint32_t *sh = malloc(slots * sizeof *sh);
    if (!si || !sh) {
        free(si);
        free(sh);
        return false;
    }
    size_t mask = slots - 1;
    for (size_t i = 0; i < s->count; i++) {
        uint32_t hv = hash_bytes(s->vals[i].ptr, s->vals[i].len);
        size_t p = hv & mask;
        while (si[p]) p = (p + 1) & mask;
        si[p] = (uint32_t)i + 1;
        sh[p] = hv;
    }
    free(s->slot_idx);
    free(s->slot_hash);
    s->slot_idx = si;
    s->slot_hash = sh;
    s->mask = mask;
    return true;
}

int64_t sli_pq_strset_insert(sli_pq_strset *s, sli_strview v)
{
    if (!s->slot_idx && !strset_rehash(s, 1024)) return -1;
    uint32_t hv = hash_bytes(v.ptr, v.len);
    size_t p = hv & s->mask;
    for (;;) {
        uint32_t e = s->slot_idx[p];
        if (!e) break;
        if (s->slot_hash[p] == hv) {
            sli_strview o = s->vals[e - 1];
            if (o.len == v.len && (v.len == 0 || memcmp(o.ptr, v.ptr, v.len) == 0)) return (int64_t)e - 1;
        }
        p = (p + 1) & s->mask;
    }
    if (s->count == s->vals_cap) {
        size_t cap = s->vals_cap ? s->vals_cap * 2 : 1024;
        sli_strview *nv = realloc(s->vals, cap * sizeof *nv);
        if (!nv) return -1;
        s->vals = nv;
        s->vals_cap = cap;
    }
    size_t idx = s->count++;
    s->vals[idx] = v;
    s->bytes += v.len;
    s->slot_idx[p] = (uint32_t)idx + 1;
    s->slot_hash[p] = hv;
    if (s->count * 2 > s->mask + 1 && !strset_rehash(s, (s->mask + 1) * 2)) return -1;
    return (int64_t)idx;
}
