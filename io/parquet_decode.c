/*
 * parquet_decode.c — Parquet value and level encodings (see parquet_decode.h).
 *
 * Bit unpacking keeps a small accumulator and pulls one byte at a time, so
 * it never reads a byte past the last one the values need; callers check
 * that those bytes exist before unpacking.
 */
#include "io/parquet_decode.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool fail(char *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static bool fail(char *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, SLI_PQ_ERRLEN, fmt, ap);
    va_end(ap);
    return false;
}

/* Reads an unsigned LEB128 varint from [*q, end). */
static bool varint(const uint8_t **q, const uint8_t *end, uint64_t *v)
{
    uint64_t r = 0;
    const uint8_t *s = *q;
    for (unsigned shift = 0; shift < 64; shift += 7) {
        if (s >= end) return false;
        uint8_t b = *s++;
        r |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *v = r;
            *q = s;
            return true;
        }
    }
    return false;
}

static int64_t unzigzag(uint64_t u)
{
    return (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
}

static uint32_t load_le32(const uint8_t *q)
{
    return (uint32_t)q[0] | (uint32_t)q[1] << 8 | (uint32_t)q[2] << 16 | (uint32_t)q[3] << 24;
}

/* Unpacks n values of bw (1..32) bits, LSB first, from the avail bytes at q
 * (at least ceil(n * bw / 8)); reads no byte past those. */
static void unpack32(const uint8_t *q, size_t avail, unsigned bw, uint32_t *out, size_t n)
{
    uint64_t acc = 0;
    unsigned nb = 0;
    uint64_t mask = ((uint64_t)1 << bw) - 1;
    if (bw == 8) {
        for (size_t i = 0; i < n; i++) out[i] = q[i];
        return;
    }
    /* Fast part: each value from one unaligned 8-byte load (bit offset % 8
     * plus 32 bits fits in 64), while 8 bytes remain from its first byte. */
    size_t i = 0;
    for (; i < n; i++) {
        size_t bit = i * bw;
        if ((bit >> 3) + 8 > avail) break;
        uint64_t w;
        memcpy(&w, q + (bit >> 3), 8); /* little-endian host: the file's bit order */
        out[i] = (uint32_t)((w >> (bit & 7)) & mask);
    }
    q += (i * bw) >> 3;
    unsigned skip = (unsigned)((i * bw) & 7);
    if (skip && i < n) { /* the slow part starts inside a byte */
        acc = (uint64_t)(*q++) >> skip;
        nb = 8 - skip;
    }
    for (; i < n; i++) {
        while (nb < bw) {
            acc |= (uint64_t)*q++ << nb;
            nb += 8;
        }
        out[i] = (uint32_t)(acc & mask);
        acc >>= bw;
        nb -= bw;
    }
}

/* As unpack32 for bw 0..64 into uint64. */
static void unpack64(const uint8_t *q, unsigned bw, uint64_t *out, size_t n)
{
    if (bw == 0) {
        memset(out, 0, n * sizeof *out);
        return;
    }
    unsigned __int128 acc = 0;
    unsigned nb = 0;
    uint64_t mask = bw == 64 ? UINT64_MAX : ((uint64_t)1 << bw) - 1;
    for (size_t i = 0; i < n; i++) {
        while (nb < bw) {
            acc |= (unsigned __int128)*q++ << nb;
            nb += 8;
        }
        out[i] = (uint64_t)acc & mask;
        acc >>= bw;
        nb -= bw;
    }
}

bool sli_pq_rle_decode(const uint8_t *p, size_t len, unsigned bw, uint32_t *out, size_t n, size_t *used,
                       char *err)
{
    if (bw > 32) return fail(err, "bit width %u is over 32", bw);
    const uint8_t *q = p, *end = p + len;
    size_t vbytes = (bw + 7) / 8;
    size_t k = 0;
    while (k < n) {
        uint64_t h;
        if (!varint(&q, end, &h)) return fail(err, "RLE/bit-packed data ends after %zu of %zu values", k, n);
        if (h & 1) {
            uint64_t groups = h >> 1;
            if (groups > (uint64_t)1 << 40)
                return fail(err, "bit-packed run of %llu groups", (unsigned long long)groups);
            size_t count = (size_t)groups * 8;
            size_t want = count < n - k ? count : n - k;
            if (bw == 0) {
                memset(out + k, 0, want * sizeof *out);
                k += want;
                continue;
            }
            size_t bytes = (size_t)groups * bw;
            size_t avail = (size_t)(end - q);
            size_t have = (avail >= bytes ? bytes : avail) * 8 / bw;
            /* A last run may stop at the end of the data short of its groups. */
            if (have < want)
                return fail(err, "bit-packed run runs past the end of its data (%zu of %zu values)", k + have,
                            n);
            unpack32(q, avail, bw, out + k, want);
            k += want;
            q += avail >= bytes ? bytes : avail;
        } else {
            uint64_t count = h >> 1;
            if ((size_t)(end - q) < vbytes) return fail(err, "RLE run value runs past the end of its data");
            uint32_t v = 0;
            for (size_t b = 0; b < vbytes; b++) v |= (uint32_t)q[b] << (8 * b);
            q += vbytes;
            if (bw < 32 && (v >> bw) != 0) return fail(err, "RLE run value %u is wider than %u bits", v, bw);
            size_t want = count < n - k ? (size_t)count : n - k;
            for (size_t i = 0; i < want; i++) out[k + i] = v;
            k += want;
        }
    }
    if (used) *used = (size_t)(q - p);
    return true;
}

bool sli_pq_bool_unpack(const uint8_t *p, size_t len, uint8_t *out, size_t n, size_t *used, char *err)
{
    size_t need = n / 8 + (n % 8 != 0);
    if (len < need) return fail(err, "%zu booleans need %zu bytes but only %zu remain", n, need, len);
    for (size_t i = 0; i < n; i++) out[i] = (p[i >> 3] >> (i & 7)) & 1;
    if (used) *used = need;
    return true;
}

bool sli_pq_plain_bytes(const uint8_t *p, size_t len, sli_strview *out, size_t n, size_t *used, char *err)
{
    size_t pos = 0;
    for (size_t i = 0; i < n; i++) {
        if (len - pos < 4)
            return fail(err, "byte array %zu of %zu: its length runs past the end of the page", i, n);
        uint32_t l = load_le32(p + pos);
        pos += 4;
        if (l > len - pos)
            return fail(err, "byte array %zu of %zu says %u bytes but only %zu remain", i, n, l, len - pos);
        out[i].ptr = (const char *)p + pos;
        out[i].len = l;
        pos += l;
    }
    if (used) *used = pos;
    return true;
}

bool sli_pq_delta_decode(const uint8_t *p, size_t len, bool is32, int64_t *out, size_t n, size_t *used,
                         char *err)
{
    const uint8_t *q = p, *end = p + len;
    uint64_t block, nmini, total, first_z;
    if (!varint(&q, end, &block) || !varint(&q, end, &nmini) || !varint(&q, end, &total) ||
        !varint(&q, end, &first_z))
        return fail(err, "DELTA_BINARY_PACKED header runs past the end of the page");
    if (block == 0 || block % 128 != 0 || block > ((uint64_t)1 << 20))
        return fail(err, "DELTA_BINARY_PACKED block size %llu is not a positive multiple of 128",
                    (unsigned long long)block);
    if (nmini == 0 || block % nmini != 0 || (block / nmini) % 32 != 0)
        return fail(err,
                    "DELTA_BINARY_PACKED: %llu miniblocks do not cut a block of %llu into multiples of 32",
                    (unsigned long long)nmini, (unsigned long long)block);
    if (total != n)
        return fail(err, "DELTA_BINARY_PACKED holds %llu values where %zu are expected",
                    (unsigned long long)total, n);
    size_t vpm = (size_t)(block / nmini);
    uint64_t cur = (uint64_t)unzigzag(first_z);
    uint64_t *tmp = NULL;
    if (n > 0) out[0] = is32 ? (int64_t)(int32_t)(uint32_t)cur : (int64_t)cur;
    size_t k = n > 0 ? 1 : 0;
    if (k < n) {
        tmp = malloc(vpm * sizeof *tmp);
        if (!tmp) return fail(err, "out of memory decoding DELTA_BINARY_PACKED");
    }
    while (k < n) {
        uint64_t mdz;
        if (!varint(&q, end, &mdz)) {
            free(tmp);
            return fail(err, "DELTA_BINARY_PACKED block header runs past the end of the page");
        }
        uint64_t min_delta = (uint64_t)unzigzag(mdz);
        if ((size_t)(end - q) < nmini) {
            free(tmp);
            return fail(err, "DELTA_BINARY_PACKED bit widths run past the end of the page");
        }
        const uint8_t *widths = q;
        q += nmini;
        for (size_t m = 0; m < nmini && k < n; m++) {
            unsigned bw = widths[m];
            if (bw > 64) {
                free(tmp);
                return fail(err, "DELTA_BINARY_PACKED bit width %u is over 64", bw);
            }
            size_t bytes = vpm / 8 * bw;
            if ((size_t)(end - q) < bytes) {
                free(tmp);
                return fail(err, "DELTA_BINARY_PACKED miniblock needs %zu bytes but only %zu remain", bytes,
                            (size_t)(end - q));
            }
            unpack64(q, bw, tmp, vpm);
            q += bytes;
            size_t take = vpm < n - k ? vpm : n - k;
            for (size_t i = 0; i < take; i++) {
                cur += min_delta + tmp[i]; /* wraps modulo 2^64 (2^32 for INT32 after truncation) */
                out[k++] = is32 ? (int64_t)(int32_t)(uint32_t)cur : (int64_t)cur;
            }
        }
    }
    free(tmp);
    if (used) *used = (size_t)(q - p);
    return true;
}

bool sli_pq_delta_length_decode(const uint8_t *p, size_t len, sli_strview *out, size_t n, char *err)
{
    int64_t *lens = malloc((n ? n : 1) * sizeof *lens);
    if (!lens) return fail(err, "out of memory decoding DELTA_LENGTH_BYTE_ARRAY");
    size_t used;
    if (!sli_pq_delta_decode(p, len, true, lens, n, &used, err)) {
        free(lens);
        return false;
    }
    size_t pos = used;
    for (size_t i = 0; i < n; i++) {
        if (lens[i] < 0 || (uint64_t)lens[i] > len - pos) {
            fail(err, "byte array %zu of %zu says %lld bytes but only %zu remain", i, n, (long long)lens[i],
                 len - pos);
            free(lens);
            return false;
        }
        out[i].ptr = (const char *)p + pos;
        out[i].len = (uint32_t)lens[i];
        pos += (size_t)lens[i];
    }
    free(lens);
    return true;
}

bool sli_pq_delta_bytes_decode(const uint8_t *p, size_t len, sli_strview *out, size_t n, char **owned,
                               char *err)
{
    *owned = NULL;
    if (n == 0) return true;
    int64_t *pre = malloc(n * sizeof *pre), *suf = malloc(n * sizeof *suf);
    char *buf = NULL;
    bool ok = false;
    size_t u1 = 0, u2 = 0;
    if (!pre || !suf) {
        fail(err, "out of memory decoding DELTA_BYTE_ARRAY");
        goto done;
    }
    if (!sli_pq_delta_decode(p, len, true, pre, n, &u1, err)) goto done;
    if (!sli_pq_delta_decode(p + u1, len - u1, true, suf, n, &u2, err)) goto done;
    size_t pos = u1 + u2, total = 0, prev = 0, sufsum = 0;
    for (size_t i = 0; i < n; i++) {
        if (pre[i] < 0 || (uint64_t)pre[i] > prev) {
            fail(err, "value %zu of %zu: prefix of %lld bytes but the previous value has %zu", i, n,
                 (long long)pre[i], prev);
            goto done;
        }
        if (suf[i] < 0 || (uint64_t)suf[i] > len - pos - sufsum) {
            fail(err, "value %zu of %zu: suffix of %lld bytes runs past the end of the page", i, n,
                 (long long)suf[i]);
            goto done;
        }
        sufsum += (size_t)suf[i];
        prev = (size_t)pre[i] + (size_t)suf[i];
        total += prev;
        if (total > ((size_t)1 << 31)) {
            fail(err, "DELTA_BYTE_ARRAY values add up to over 2 GiB");
            goto done;
        }
    }
    buf = malloc(total ? total : 1);
    if (!buf) {
        fail(err, "out of memory decoding DELTA_BYTE_ARRAY");
        goto done;
    }
    size_t at = 0;
    const char *prevp = buf;
    for (size_t i = 0; i < n; i++) {
        size_t pl = (size_t)pre[i], sl = (size_t)suf[i];
        if (pl) memmove(buf + at, prevp, pl);
        if (sl) memcpy(buf + at + pl, p + pos, sl);
        pos += sl;
        out[i].ptr = buf + at;
        out[i].len = (uint32_t)(pl + sl);
        prevp = buf + at;
        at += pl + sl;
    }
    *owned = buf;
    ok = true;
done:
    free(pre);
    free(suf);
    return ok;
}

bool sli_pq_bss_decode(const uint8_t *p, size_t len, size_t width, size_t n, uint8_t *out, char *err)
{
    if (width == 0 || n > len / width)
        return fail(err,
                    "BYTE_STREAM_SPLIT: %zu values of %zu bytes need more than the %zu bytes of the page", n,
                    width, len);
    for (size_t k = 0; k < width; k++) {
        const uint8_t *s = p + k * n;
        for (size_t i = 0; i < n; i++) out[i * width + k] = s[i];
    }
    return true;
}
