/*
 * test_parquet_read.c — tests of the Parquet reader (io/parquet_read.c and
 * its parts: thrift_read.c, parquet_meta.c, parquet_decode.c, decompress.c).
 *
 * - The Thrift compact decoder on hand-written bytes: every type, long field
 *   ids, skipping unknown fields, truncation, the depth limit.
 * - The encodings against values worked out by hand (parquet-format's
 *   Encodings.md examples) and against a small encoder written here.
 * - Whole files built byte by byte here (a tiny Thrift writer), so that each
 *   lie a file can tell is easy to make: a page header that claims more bytes
 *   than remain, an unknown codec, a dictionary index out of range.
 * - The files under tests/data (written by pyarrow) read back with the values
 *   they were made from, their statistics, and dictionary columns kept.
 * - Mutants of those files (every byte flipped, every truncation) must give
 *   SL_OK or an error with a message, never a crash.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "io/parquet.h"
#include "io/parquet_decode.h"
#include "io/parquet_format.h"
#include "io/parquet_meta.h"
#include "io/thrift_read.h"
#include "runtime/context.h"
#include "test_util.h"

static char tmpdir[64];

static int setup(void **state)
{
    (void)state;
    return tu_make_dir(tmpdir, sizeof tmpdir, "pqread");
}

static int teardown(void **state)
{
    (void)state;
    return tu_remove_dir(tmpdir);
}

static const char *tmp_path(const char *name)
{
    static char paths[4][256];
    static int next;
    char *p = paths[next++ % 4];
    snprintf(p, 256, "%s/%s", tmpdir, name);
    return p;
}

static void write_bytes(const char *path, const uint8_t *b, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    if (n) assert_int_equal(fwrite(b, 1, n, f), n);
    fclose(f);
}

static uint8_t *read_all(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long sz = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc((size_t)sz + 1);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, (size_t)sz, f), (size_t)sz);
    fclose(f);
    *n = (size_t)sz;
    return b;
}

static sl_context *new_ctx(size_t threads)
{
    sl_context *ctx = NULL;
    assert_int_equal(sl_context_create(&ctx), SL_OK);
    if (threads) assert_int_equal(sl_context_set_threads(ctx, threads), SL_OK);
    return ctx;
}

/* Opens and reads a whole file. @return the status; *t the table or NULL. */
static sl_status read_file(sl_context *ctx, const char *path, sli_table **t)
{
    *t = NULL;
    sli_parquet_file *f = NULL;
    sl_status s = sli_parquet_open(ctx, path, &f);
    if (s) return s;
    s = sli_parquet_read(ctx, f, "t", NULL, 0, NULL, t);
    sli_parquet_close(f);
    return s;
}

static void assert_msg_has(sl_context *ctx, const char *needle)
{
    const char *m = sl_context_last_error(ctx);
    if (!strstr(m, needle)) fail_msg("message '%s' lacks '%s'", m, needle);
}

/* ---- a tiny Thrift compact writer ------------------------------------------ */

typedef struct tw {
    uint8_t b[8192];
    size_t n;
    int16_t last[32];
    int depth;
} tw;

static void tw_byte(tw *w, uint8_t v)
{
    assert_true(w->n < sizeof w->b);
    w->b[w->n++] = v;
}

static void tw_raw(tw *w, const void *p, size_t n)
{
    assert_true(w->n + n <= sizeof w->b);
    memcpy(w->b + w->n, p, n);
    w->n += n;
}

static void tw_varint(tw *w, uint64_t v)
{
    while (v >= 0x80) {
        tw_byte(w, (uint8_t)(v | 0x80));
        v >>= 7;
    }
    tw_byte(w, (uint8_t)v);
}

static void tw_zz(tw *w, int64_t v)
{
    tw_varint(w, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

static void tw_field(tw *w, uint8_t type, int16_t id)
{
    int16_t d = (int16_t)(id - w->last[w->depth]);
    if (d > 0 && d <= 15) {
        tw_byte(w, (uint8_t)(d << 4 | type));
    } else {
        tw_byte(w, type);
        tw_zz(w, id);
    }
    w->last[w->depth] = id;
}

static void tw_begin(tw *w)
{
    w->last[++w->depth] = 0;
}

static void tw_end(tw *w)
{
    tw_byte(w, 0);
    w->depth--;
}

static void tw_i32(tw *w, int16_t id, int64_t v)
{
    tw_field(w, SLI_TC_I32, id);
    tw_zz(w, v);
}

static void tw_i64(tw *w, int16_t id, int64_t v)
{
    tw_field(w, SLI_TC_I64, id);
    tw_zz(w, v);
}

static void tw_bin(tw *w, int16_t id, const void *p, size_t n)
{
    tw_field(w, SLI_TC_BINARY, id);
    tw_varint(w, n);
    tw_raw(w, p, n);
}

static void tw_list(tw *w, int16_t id, uint8_t et, size_t n)
{
    tw_field(w, SLI_TC_LIST, id);
    if (n < 15)
        tw_byte(w, (uint8_t)(n << 4 | et));
    else {
        tw_byte(w, 0xf0 | et);
        tw_varint(w, n);
    }
}

static void tw_struct(tw *w, int16_t id)
{
    tw_field(w, SLI_TC_STRUCT, id);
    tw_begin(w);
}

/* ---- Thrift decoding ----------------------------------------------------- */

static void test_thrift_fields(void **state)
{
    (void)state;
    tw w = {0};
    tw_begin(&w);
    tw_i32(&w, 1, -3);
    tw_bin(&w, 2, "ab", 2);
    tw_field(&w, SLI_TC_TRUE, 3);
    tw_i64(&w, 100, -1234567890123ll); /* long form: delta over 15 */
    tw_list(&w, 101, SLI_TC_I32, 20);  /* long list header */
    for (int i = 0; i < 20; i++) tw_zz(&w, i);
    tw_field(&w, SLI_TC_MAP, 102);
    tw_varint(&w, 2);
    tw_byte(&w, SLI_TC_BINARY << 4 | SLI_TC_STRUCT);
    for (int i = 0; i < 2; i++) {
        tw_varint(&w, 1);
        tw_byte(&w, 'k');
        tw_begin(&w);
        tw_field(&w, SLI_TC_DOUBLE, 1);
        tw_raw(&w, "\0\0\0\0\0\0\xf0\x3f", 8);
        tw_end(&w);
    }
    tw_struct(&w, 103);
    tw_list(&w, 1, SLI_TC_TRUE, 3);
    tw_byte(&w, 1), tw_byte(&w, 2), tw_byte(&w, 1);
    tw_field(&w, SLI_TC_BYTE, 2);
    tw_byte(&w, 0x7f);
    tw_end(&w);
    tw_field(&w, SLI_TC_DOUBLE, 104);
    tw_raw(&w, "\0\0\0\0\0\0\x04\x40", 8); /* 2.5 */
    tw_end(&w);

    sli_thrift t;
    sli_thrift_init(&t, w.b, w.n);
    assert_true(sli_thrift_struct_begin(&t));
    int16_t last = 0, id;
    uint8_t ty;
    int seen = 0;
    for (;;) {
        assert_true(sli_thrift_field(&t, &last, &id, &ty));
        if (ty == SLI_TC_STOP) break;
        seen++;
        if (id == 1) {
            int32_t v;
            assert_int_equal(ty, SLI_TC_I32);
            assert_true(sli_thrift_i32(&t, &v));
            assert_int_equal(v, -3);
        } else if (id == 2) {
            const uint8_t *p;
            uint32_t n;
            assert_true(sli_thrift_binary(&t, &p, &n));
            assert_int_equal(n, 2);
            assert_memory_equal(p, "ab", 2);
        } else if (id == 3) {
            assert_int_equal(ty, SLI_TC_TRUE);
        } else if (id == 100) {
            int64_t v;
            assert_true(sli_thrift_i64(&t, &v));
            assert_true(v == -1234567890123ll);
        } else if (id == 104) {
            double v;
            assert_true(sli_thrift_double(&t, &v));
            assert_true(v == 2.5);
        } else {
            assert_true(sli_thrift_skip(&t, ty)); /* 101 list, 102 map, 103 struct */
        }
    }
    sli_thrift_struct_end(&t);
    assert_int_equal(seen, 8);
    assert_int_equal(sli_thrift_left(&t), 0);

    /* Every truncation fails cleanly when skipping the whole struct. */
    for (size_t cut = 0; cut < w.n; cut++) {
        sli_thrift u;
        sli_thrift_init(&u, w.b, cut);
        assert_false(sli_thrift_skip(&u, SLI_TC_STRUCT));
        assert_true(u.failed);
        assert_non_null(u.why);
    }
}

static void test_thrift_limits(void **state)
{
    (void)state;
    /* Structs nested 200 deep: refused by the depth limit, not the stack. */
    uint8_t deep[400];
    for (int i = 0; i < 200; i++) deep[i] = 0x1c; /* field +1, type struct */
    memset(deep + 200, 0, 200);
    sli_thrift t;
    sli_thrift_init(&t, deep, sizeof deep);
    assert_false(sli_thrift_skip(&t, SLI_TC_STRUCT));
    assert_non_null(strstr(t.why, "deep"));

    /* Lists nested deep likewise. */
    uint8_t lists[300];
    for (int i = 0; i < 300; i++) lists[i] = 0x19; /* one element, of type list */
    sli_thrift_init(&t, lists, sizeof lists);
    assert_false(sli_thrift_skip(&t, SLI_TC_LIST));

    /* A list longer than the bytes left. */
    uint8_t big[] = {0xf5, 0xff, 0xff, 0xff, 0x0f, 1, 2};
    sli_thrift_init(&t, big, sizeof big);
    assert_false(sli_thrift_skip(&t, SLI_TC_LIST));
    assert_non_null(strstr(t.why, "longer"));

    /* A binary longer than the bytes left; an 11-byte varint; a bad type code. */
    uint8_t bin[] = {0x10, 'a'};
    sli_thrift_init(&t, bin, sizeof bin);
    assert_false(sli_thrift_skip(&t, SLI_TC_BINARY));
    uint8_t vi[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
    sli_thrift_init(&t, vi, sizeof vi);
    uint64_t v;
    assert_false(sli_thrift_varint(&t, &v));
    uint8_t badty[] = {0x1d, 0};
    sli_thrift_init(&t, badty, sizeof badty);
    assert_false(sli_thrift_skip(&t, SLI_TC_STRUCT));
    /* An i32 out of range. */
    uint8_t wide[] = {0xff, 0xff, 0xff, 0xff, 0x7f};
    sli_thrift_init(&t, wide, sizeof wide);
    int32_t i32;
    assert_false(sli_thrift_i32(&t, &i32));
}

/* ---- encodings ----------------------------------------------------------- */

static void test_rle_hybrid(void **state)
{
    (void)state;
    char err[SLI_PQ_ERRLEN];
    /* Encodings.md: 0..7 bit-packed with width 3 -> 0x88 0xC6 0xFA; then an
     * RLE run of five 4s; then a run of three 1s. */
    const uint8_t b[] = {0x03, 0x88, 0xc6, 0xfa, 0x0a, 0x04, 0x06, 0x01};
    uint32_t out[16];
    size_t used = 0;
    assert_true(sli_pq_rle_decode(b, sizeof b, 3, out, 16, &used, err));
    for (int i = 0; i < 8; i++) assert_int_equal(out[i], i);
    for (int i = 8; i < 13; i++) assert_int_equal(out[i], 4);
    for (int i = 13; i < 16; i++) assert_int_equal(out[i], 1);
    assert_int_equal(used, sizeof b);
    /* Fewer values than the runs hold. */
    assert_true(sli_pq_rle_decode(b, sizeof b, 3, out, 10, NULL, err));
    assert_int_equal(out[9], 4);
    /* More values than the runs hold. */
    assert_false(sli_pq_rle_decode(b, sizeof b, 3, out, 17, NULL, err));
    assert_non_null(strstr(err, "ends after 16 of 17"));
    /* Bit-packed run cut short. */
    assert_false(sli_pq_rle_decode(b, 3, 3, out, 8, NULL, err));
    /* RLE value wider than the bit width. */
    const uint8_t wide[] = {0x04, 0x09};
    assert_false(sli_pq_rle_decode(wide, sizeof wide, 3, out, 2, NULL, err));
    assert_non_null(strstr(err, "wider"));
    /* Width 0: all zeros; width over 32 refused. */
    const uint8_t zero[] = {0x08};
    assert_true(sli_pq_rle_decode(zero, 1, 0, out, 4, NULL, err));
    assert_int_equal(out[3], 0);
    assert_false(sli_pq_rle_decode(zero, 1, 33, out, 1, NULL, err));
    /* Width 32 and 17 bit-packed. */
    uint8_t p32[1 + 32];
    p32[0] = 0x03;
    for (int i = 0; i < 32; i++) p32[1 + i] = (uint8_t)(0xf0 + i);
    assert_true(sli_pq_rle_decode(p32, sizeof p32, 32, out, 8, NULL, err));
    assert_int_equal(out[0], 0xf3f2f1f0u);
    assert_int_equal(out[7], 0x0f0e0d0cu); /* 0xf0 + 28.. wraps to 0x0c.. */
    /* Booleans. */
    uint8_t bools[10];
    const uint8_t bb[] = {0xa5, 0x01};
    assert_true(sli_pq_bool_unpack(bb, 2, bools, 9, NULL, err));
    const uint8_t want[] = {1, 0, 1, 0, 0, 1, 0, 1, 1};
    assert_memory_equal(bools, want, 9);
    assert_false(sli_pq_bool_unpack(bb, 1, bools, 9, NULL, err));
}

/* A DELTA_BINARY_PACKED encoder for the tests: blocks of 128, 4 miniblocks. */
static size_t delta_encode(const int64_t *v, size_t n, uint8_t *out)
{
    tw w = {0};
    tw_varint(&w, 128);
    tw_varint(&w, 4);
    tw_varint(&w, n);
    tw_zz(&w, n ? v[0] : 0);
    for (size_t i = 1; i < n; i += 128) {
        size_t m = n - i < 128 ? n - i : 128;
        uint64_t d[128];
        int64_t mn = INT64_MAX;
        for (size_t k = 0; k < m; k++) {
            d[k] = (uint64_t)v[i + k] - (uint64_t)v[i + k - 1];
            if ((int64_t)d[k] < mn) mn = (int64_t)d[k];
        }
        tw_zz(&w, mn);
        uint8_t widths[4] = {0};
        for (size_t k = 0; k < m; k++) {
            uint64_t r = d[k] - (uint64_t)mn;
            unsigned bw = 0;
            while (bw < 64 && (r >> bw)) bw++;
            if (bw > widths[k / 32]) widths[k / 32] = (uint8_t)bw;
        }
        tw_raw(&w, widths, 4);
        for (size_t mb = 0; mb * 32 < m; mb++) {
            unsigned bw = widths[mb];
            uint8_t bits[32 * 8] = {0};
            for (size_t k = 0; k < 32; k++) {
                size_t idx = mb * 32 + k;
                uint64_t r = idx < m ? d[idx] - (uint64_t)mn : 0;
                for (unsigned b = 0; b < bw; b++)
                    if ((r >> b) & 1) bits[(k * bw + b) / 8] |= (uint8_t)(1u << ((k * bw + b) % 8));
            }
            tw_raw(&w, bits, 32 * bw / 8);
        }
    }
    memcpy(out, w.b, w.n);
    return w.n;
}

static void test_delta_binary_packed(void **state)
{
    (void)state;
    char err[SLI_PQ_ERRLEN];
    int64_t out[600];
    size_t used;
    /* Encodings.md example 1: 1 2 3 4 5. */
    const uint8_t e1[] = {0x80, 0x01, 0x04, 0x05, 0x02, 0x02, 0, 0, 0, 0};
    assert_true(sli_pq_delta_decode(e1, sizeof e1, false, out, 5, &used, err));
    for (int i = 0; i < 5; i++) assert_int_equal(out[i], i + 1);
    assert_int_equal(used, sizeof e1);
    /* Example 2: 7 5 3 1 2 3 4 5: min delta -2, width 2. */
    const uint8_t e2[] = {0x80, 0x01, 0x04, 0x08, 0x0e, 0x03, 2, 0, 0, 0, 0xc0, 0x3f, 0, 0, 0, 0, 0, 0};
    const int64_t w2[] = {7, 5, 3, 1, 2, 3, 4, 5};
    assert_true(sli_pq_delta_decode(e2, sizeof e2, false, out, 8, &used, err));
    assert_memory_equal(out, w2, sizeof w2);
    assert_int_equal(used, sizeof e2);
    /* A count other than the one expected; a cut miniblock; a bad block size. */
    assert_false(sli_pq_delta_decode(e2, sizeof e2, false, out, 9, NULL, err));
    assert_false(sli_pq_delta_decode(e2, sizeof e2 - 1, false, out, 8, NULL, err));
    assert_non_null(strstr(err, "miniblock"));
    const uint8_t bad[] = {0x40, 0x04, 0x01, 0x00};
    assert_false(sli_pq_delta_decode(bad, sizeof bad, false, out, 1, NULL, err));
    assert_non_null(strstr(err, "multiple of 128"));

    /* Round trips through the encoder above, extremes included. */
    static int64_t v[600];
    static uint8_t enc[600 * 9 + 256];
    uint64_t x = 88172645463325252ull;
    for (int round = 0; round < 4; round++) {
        for (int i = 0; i < 600; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            v[i] = round == 0 ? (int64_t)x : round == 1 ? (int64_t)(x % 1000) - 500 : round == 2 ? i * 3 : 0;
        }
        if (round == 0) v[5] = INT64_MIN, v[6] = INT64_MAX, v[7] = INT64_MIN;
        for (size_t n = 0; n <= 600; n += (n < 140 ? 1 : 97)) {
            size_t len = delta_encode(v, n, enc);
            assert_true(sli_pq_delta_decode(enc, len, false, out, n, &used, err));
            assert_int_equal(used, len);
            if (n) assert_memory_equal(out, v, n * sizeof *v);
        }
    }
    /* INT32 values wrap to 32 bits. */
    int64_t v32[5] = {INT32_MAX, INT32_MIN, 0, -1, INT32_MAX};
    size_t len = delta_encode(v32, 5, enc);
    assert_true(sli_pq_delta_decode(enc, len, true, out, 5, NULL, err));
    assert_memory_equal(out, v32, sizeof v32);
}

static void test_delta_byte_arrays(void **state)
{
    (void)state;
    char err[SLI_PQ_ERRLEN];
    uint8_t buf[512];
    sli_strview views[8];
    /* DELTA_LENGTH_BYTE_ARRAY of Hello World Foobar ABCDEF. */
    int64_t lens[] = {5, 5, 6, 6};
    size_t n = delta_encode(lens, 4, buf);
    memcpy(buf + n, "HelloWorldFoobarABCDEF", 22);
    assert_true(sli_pq_delta_length_decode(buf, n + 22, views, 4, err));
    assert_int_equal(views[2].len, 6);
    assert_memory_equal(views[2].ptr, "Foobar", 6);
    assert_memory_equal(views[3].ptr, "ABCDEF", 6);
    assert_false(sli_pq_delta_length_decode(buf, n + 21, views, 4, err));
    assert_non_null(strstr(err, "remain"));

    /* DELTA_BYTE_ARRAY of axis axle babble babyhood. */
    int64_t pre[] = {0, 2, 0, 3}, suf[] = {4, 2, 6, 5};
    n = delta_encode(pre, 4, buf);
    n += delta_encode(suf, 4, buf + n);
    memcpy(buf + n, "axislebabbleyhood", 17);
    char *owned = NULL;
    assert_true(sli_pq_delta_bytes_decode(buf, n + 17, views, 4, &owned, err));
    assert_int_equal(views[1].len, 4);
    assert_memory_equal(views[1].ptr, "axle", 4);
    assert_int_equal(views[3].len, 8);
    assert_memory_equal(views[3].ptr, "babyhood", 8);
    free(owned);
    /* A prefix longer than the value before it. */
    int64_t pre2[] = {0, 5, 0, 3};
    n = delta_encode(pre2, 4, buf);
    n += delta_encode(suf, 4, buf + n);
    memcpy(buf + n, "axislebabbleyhood", 17);
    assert_false(sli_pq_delta_bytes_decode(buf, n + 17, views, 4, &owned, err));
    assert_non_null(strstr(err, "prefix"));
    assert_null(owned);

    /* BYTE_STREAM_SPLIT of two doubles and a short page. */
    double d[2] = {1.5, -2.25}, r[2];
    uint8_t s[16];
    for (int k = 0; k < 8; k++)
        for (int i = 0; i < 2; i++) s[k * 2 + i] = ((const uint8_t *)&d[i])[k];
    assert_true(sli_pq_bss_decode(s, 16, 8, 2, (uint8_t *)r, err));
    assert_true(r[0] == 1.5 && r[1] == -2.25);
    assert_false(sli_pq_bss_decode(s, 15, 8, 2, (uint8_t *)r, err));

    /* PLAIN byte arrays: a length past the end. */
    const uint8_t pb[] = {2, 0, 0, 0, 'h', 'i', 9, 0, 0, 0, 'x'};
    assert_true(sli_pq_plain_bytes(pb, sizeof pb, views, 1, NULL, err));
    assert_false(sli_pq_plain_bytes(pb, sizeof pb, views, 2, NULL, err));
    assert_non_null(strstr(err, "says 9 bytes"));
}

/* ---- files built here ---------------------------------------------------- */

typedef struct page {
    int type;            /* SLI_PQ_DATA_PAGE or SLI_PQ_DICTIONARY_PAGE */
    int num_values;      /* values (data) or entries (dictionary) */
    int encoding;        /* value encoding */
    const uint8_t *body; /* page bytes (uncompressed codec) */
    size_t len;
    int claim; /* compressed size to claim; -1: len */
} page;

typedef struct spec {
    int phys; /* sli_pq_type of the column */
    int optional;
    int codec;
    int64_t rows;
    const page *pages;
    size_t npages;
    int string_annotation;
    int converted;        /* a ConvertedType to write when non-zero (UTF8 is 0: see above) */
    const uint8_t *stats; /* 4-byte min and max, written as min_value/max_value ... */
    int legacy_stats;     /* ... or as the deprecated min/max */
} spec;

/* Builds a one-column file ("v") with one row group of the given pages. */
static size_t build_file(const spec *s, uint8_t *out)
{
    tw w = {0};
    tw_raw(&w, "PAR1", 4);
    int64_t first = (int64_t)w.n, dict_off = -1, data_off = -1;
    for (size_t i = 0; i < s->npages; i++) {
        const page *p = &s->pages[i];
        if (p->type == SLI_PQ_DICTIONARY_PAGE && dict_off < 0) dict_off = (int64_t)w.n;
        if (p->type == SLI_PQ_DATA_PAGE && data_off < 0) data_off = (int64_t)w.n;
        tw_begin(&w);
        tw_i32(&w, 1, p->type);
        tw_i32(&w, 2, (int64_t)p->len);
        tw_i32(&w, 3, p->claim >= 0 ? p->claim : (int64_t)p->len);
        if (p->type == SLI_PQ_DATA_PAGE) {
            tw_struct(&w, 5);
            tw_i32(&w, 1, p->num_values);
            tw_i32(&w, 2, p->encoding);
            tw_i32(&w, 3, SLI_PQ_RLE);
            tw_i32(&w, 4, SLI_PQ_RLE);
            tw_end(&w);
        } else {
            tw_struct(&w, 7);
            tw_i32(&w, 1, p->num_values);
            tw_i32(&w, 2, SLI_PQ_PLAIN);
            tw_end(&w);
        }
        tw_end(&w);
        tw_raw(&w, p->body, p->len);
    }
    int64_t chunk_len = (int64_t)w.n - first;
    size_t footer = w.n;
    tw_begin(&w);
    tw_i32(&w, 1, 1);
    tw_list(&w, 2, SLI_TC_STRUCT, 2);
    tw_begin(&w); /* root */
    tw_bin(&w, 4, "schema", 6);
    tw_i32(&w, 5, 1);
    tw_end(&w);
    tw_begin(&w); /* the column */
    tw_i32(&w, 1, s->phys);
    tw_i32(&w, 3, s->optional ? SLI_PQ_OPTIONAL : SLI_PQ_REQUIRED);
    tw_bin(&w, 4, "v", 1);
    if (s->string_annotation) tw_i32(&w, 6, SLI_PQ_CT_UTF8);
    if (s->converted) tw_i32(&w, 6, s->converted);
    tw_end(&w);
    tw_i64(&w, 3, s->rows);
    tw_list(&w, 4, SLI_TC_STRUCT, 1);
    tw_begin(&w); /* row group */
    tw_list(&w, 1, SLI_TC_STRUCT, 1);
    tw_begin(&w); /* column chunk */
    tw_i64(&w, 2, first);
    tw_struct(&w, 3);
    tw_i32(&w, 1, s->phys);
    tw_list(&w, 2, SLI_TC_I32, 1);
    tw_zz(&w, SLI_PQ_PLAIN);
    tw_list(&w, 3, SLI_TC_BINARY, 1);
    tw_varint(&w, 1);
    tw_byte(&w, 'v');
    tw_i32(&w, 4, s->codec);
    tw_i64(&w, 5, s->rows);
    tw_i64(&w, 6, chunk_len);
    tw_i64(&w, 7, chunk_len);
    tw_i64(&w, 9, data_off >= 0 ? data_off : first);
    if (dict_off >= 0) tw_i64(&w, 11, dict_off);
    if (s->stats) {
        tw_struct(&w, 12);
        tw_bin(&w, s->legacy_stats ? 1 : 5, s->stats + 4, 4); /* max */
        tw_bin(&w, s->legacy_stats ? 2 : 6, s->stats, 4);     /* min */
        tw_i64(&w, 3, 0);
        tw_end(&w);
    }
    tw_field(&w, SLI_TC_MAP, 40); /* an unknown field the reader must skip */
    tw_varint(&w, 1);
    tw_byte(&w, SLI_TC_I32 << 4 | SLI_TC_LIST);
    tw_zz(&w, 7);
    tw_byte(&w, 0x18); /* list of one binary */
    tw_varint(&w, 1);
    tw_byte(&w, 'z');
    tw_end(&w);
    tw_end(&w);
    tw_i64(&w, 2, 100);
    tw_i64(&w, 3, s->rows);
    tw_end(&w);
    tw_bin(&w, 6, "test_parquet_read", 17);
    tw_end(&w);
    uint32_t flen = (uint32_t)(w.n - footer);
    uint8_t le[4] = {(uint8_t)flen, (uint8_t)(flen >> 8), (uint8_t)(flen >> 16), (uint8_t)(flen >> 24)};
    tw_raw(&w, le, 4);
    tw_raw(&w, "PAR1", 4);
    memcpy(out, w.b, w.n);
    return w.n;
}

/* Optional INT32: levels 1 0 1 1 (RLE, 4-byte length prefix), values 10 30 40. */
static const uint8_t opt_i32_body[] = {
    2,  0, 0, 0, 0x03, 0x0d, /* bit-packed group: levels 1,0,1,1,0,0,0,0 */
    10, 0, 0, 0, 30,   0,    0, 0, 40, 0, 0, 0,
};

static void test_built_file(void **state)
{
    (void)state;
    uint8_t file[8192];
    page pg = {SLI_PQ_DATA_PAGE, 4, SLI_PQ_PLAIN, opt_i32_body, sizeof opt_i32_body, -1};
    spec s = {SLI_PQ_INT32, 1, SLI_PQ_UNCOMPRESSED, 4, &pg, 1, 0, 0, NULL, 0};
    size_t n = build_file(&s, file);
    const char *path = tmp_path("built.parquet");
    write_bytes(path, file, n);
    sl_context *ctx = new_ctx(1);
    sli_table *t;
    assert_int_equal(read_file(ctx, path, &t), SL_OK);
    assert_int_equal(t->rows, 4);
    assert_int_equal(t->nparts, 1);
    sli_column *c = t->parts[0].cols[0];
    assert_int_equal(c->type.id, SL_TYPE_INT32);
    assert_int_equal(c->null_count, 1);
    const int32_t *v = c->data;
    assert_int_equal(v[0], 10);
    assert_false(sli_valid(c->validity, 1));
    assert_int_equal(v[2], 30);
    assert_int_equal(v[3], 40);
    assert_true(sli_valid(c->validity, 3));
    sli_table_free(t);

    /* The page header claims 4096 bytes where only its own remain. */
    pg.claim = 4096;
    n = build_file(&s, file);
    write_bytes(path, file, n);
    assert_int_equal(read_file(ctx, path, &t), SL_ERR_PARQUET);
    assert_null(t);
    assert_msg_has(ctx, "built.parquet: row group 0, column v: ");
    assert_msg_has(ctx, "says 4096 bytes but only 18 remain");
    /* ... or claims fewer bytes than the values take. */
    pg.claim = 10;
    n = build_file(&s, file);
    write_bytes(path, file, n);
    assert_int_equal(read_file(ctx, path, &t), SL_ERR_PARQUET);
    assert_msg_has(ctx, "column v");
    pg.claim = -1;

    /* More values in the page than the row group has rows. */
    pg.num_values = 9;
    n = build_file(&s, file);
    write_bytes(path, file, n);
    assert_int_equal(read_file(ctx, path, &t), SL_ERR_PARQUET);
    assert_msg_has(ctx, "column v");
    pg.num_values = 4;

    /* Unknown and unsupported codecs. */
    s.codec = SLI_PQ_LZ4;
    n = build_file(&s, file);
    write_bytes(path, file, n);
    assert_int_equal(read_file(ctx, path, &t), SL_ERR_UNSUPPORTED);
    assert_msg_has(ctx, "row group 0, column v: compression codec LZ4");
    s.codec = 42;
    n = build_file(&s, file);
    write_bytes(path, file, n);
    assert_int_equal(read_file(ctx, path, &t), SL_ERR_UNSUPPORTED);
    assert_msg_has(ctx, "column v: compression codec unknown (42)");
    s.codec = SLI_PQ_SNAPPY; /* the bytes are not Snappy */
    n = build_file(&s, file);
    write_bytes(path, file, n);
    assert_int_equal(read_file(ctx, path, &t), SL_ERR_PARQUET);
    assert_msg_has(ctx, "SNAPPY");
    s.codec = SLI_PQ_UNCOMPRESSED;

    /* An unsupported encoding for INT32. */
    pg.encoding = SLI_PQ_DELTA_LENGTH_BYTE_ARRAY;
    n = build_file(&s, file);
    write_bytes(path, file, n);
    assert_int_equal(read_file(ctx, path, &t), SL_ERR_UNSUPPORTED);
    assert_msg_has(ctx, "DELTA_LENGTH_BYTE_ARRAY");
    sl_context_destroy(ctx);
}

static void test_built_stats(void **state)
{
    (void)state;
    uint8_t file[8192];
    static const uint8_t body[] = {10, 0, 0, 0, 30, 0, 0, 0};
    static const uint8_t minmax[] = {0xfe, 0xff, 0xff, 0xff, 30, 0, 0, 0}; /* -2 and 30 */
    page pg = {SLI_PQ_DATA_PAGE, 2, SLI_PQ_PLAIN, body, sizeof body, -1};
    spec s = {SLI_PQ_INT32, 0, SLI_PQ_UNCOMPRESSED, 2, &pg, 1, 0, 0, minmax, 0};
    const char *path = tmp_path("stats.parquet");
    sl_context *ctx = new_ctx(1);
    int64_t mn, mx;
    double dmn, dmx;
    for (int legacy = 0; legacy < 2; legacy++) {
        s.legacy_stats = legacy;
        s.converted = 0;
        write_bytes(path, file, build_file(&s, file));
        sli_parquet_file *f;
        assert_int_equal(sli_parquet_open(ctx, path, &f), SL_OK);
        assert_true(sli_parquet_stats_i64(f, 0, 0, &mn, &mx)); /* signed order: legacy fields count */
        assert_int_equal(mn, -2);
        assert_int_equal(mx, 30);
        assert_false(sli_parquet_stats_f64(f, 0, 0, &dmn, &dmx));
        assert_false(sli_parquet_stats_i64(f, 1, 0, &mn, &mx)); /* no such row group */
        assert_false(sli_parquet_dict_coded(f, 0));             /* not a string column */
        sli_parquet_close(f);

        /* UINT_32 sorts unsigned: the legacy fields (signed) do not count. */
        s.converted = SLI_PQ_CT_UINT_32;
        write_bytes(path, file, build_file(&s, file));
        assert_int_equal(sli_parquet_open(ctx, path, &f), SL_OK);
        assert_int_equal(sli_parquet_schema(f)->types[0].id, SL_TYPE_INT64);
        if (legacy) {
            assert_false(sli_parquet_stats_i64(f, 0, 0, &mn, &mx));
        } else {
            assert_true(sli_parquet_stats_i64(f, 0, 0, &mn, &mx));
            assert_int_equal(mn, 4294967294ll); /* 0xfffffffe read unsigned */
        }
        sli_parquet_close(f);
    }
    sl_context_destroy(ctx);
}

static void test_built_dictionary(void **state)
{
    (void)state;
    uint8_t file[8192];
    /* Dictionary "hi", "there"; data: required, bit width 1, indexes 1 0 1. */
    static const uint8_t dict[] = {2, 0, 0, 0, 'h', 'i', 5, 0, 0, 0, 't', 'h', 'e', 'r', 'e'};
    uint8_t data[] = {1, 0x03, 0x05};
    page pages[2] = {{SLI_PQ_DICTIONARY_PAGE, 2, SLI_PQ_PLAIN, dict, sizeof dict, -1},
                     {SLI_PQ_DATA_PAGE, 3, SLI_PQ_RLE_DICTIONARY, data, sizeof data, -1}};
    spec s = {SLI_PQ_BYTE_ARRAY, 0, SLI_PQ_UNCOMPRESSED, 3, pages, 2, 1, 0, NULL, 0};
    size_t n = build_file(&s, file);
    const char *path = tmp_path("dict.parquet");
    write_bytes(path, file, n);
    sl_context *ctx = new_ctx(1);
    sli_table *t;
    assert_int_equal(read_file(ctx, path, &t), SL_OK);
    sli_column *c = t->parts[0].cols[0];
    assert_int_equal(c->type.id, SL_TYPE_UTF8);
    assert_non_null(c->dict); /* every data page uses the dictionary: kept encoded */
    assert_int_equal(c->dict->count, 2);
    sli_strview v = sli_column_str(c, 0);
    assert_int_equal(v.len, 5);
    assert_memory_equal(v.ptr, "there", 5);
    v = sli_column_str(c, 1);
    assert_memory_equal(v.ptr, "hi", 2);
    sli_table_free(t);
    /* the footer says so too: a dictionary page in every row group */
    sli_parquet_file *f;
    assert_int_equal(sli_parquet_open(ctx, path, &f), SL_OK);
    assert_true(sli_parquet_dict_coded(f, 0));
    assert_false(sli_parquet_dict_coded(f, 1)); /* no such column */
    sli_parquet_close(f);
    /* the same strings written plain: no dictionary page, not coded */
    static const uint8_t plain[] = {5, 0,   0,   0, 't', 'h', 'e', 'r', 'e', 2,   0,   0,
                                    0, 'h', 'i', 5, 0,   0,   0,   't', 'h', 'e', 'r', 'e'};
    page pp = {SLI_PQ_DATA_PAGE, 3, SLI_PQ_PLAIN, plain, sizeof plain, -1};
    spec ps = s;
    ps.pages = &pp;
    ps.npages = 1;
    write_bytes(path, file, build_file(&ps, file));
    assert_int_equal(sli_parquet_open(ctx, path, &f), SL_OK);
    assert_int_equal(sli_parquet_schema(f)->types[0].id, SL_TYPE_UTF8);
    assert_false(sli_parquet_dict_coded(f, 0));
    sli_parquet_close(f);

    /* Index 5 with a dictionary of two. */
    /* width 3, one group: 1, 5, 0 -> bits 001 101 000 = 0x29 0x00 0x00 */
    uint8_t bad[] = {3, 0x03, 0x29, 0x00, 0x00};
    pages[1].body = bad;
    pages[1].len = sizeof bad;
    n = build_file(&s, file);
    write_bytes(path, file, n);
    assert_int_equal(read_file(ctx, path, &t), SL_ERR_PARQUET);
    assert_msg_has(ctx, "dict.parquet: row group 0, column v: dictionary index 5 out of range");

    /* A dictionary page that claims more entries than its bytes hold. */
    pages[1].body = data;
    pages[1].len = sizeof data;
    pages[0].num_values = 3;
    n = build_file(&s, file);
    write_bytes(path, file, n);
    assert_int_equal(read_file(ctx, path, &t), SL_ERR_PARQUET);
    assert_msg_has(ctx, "column v");
    sl_context_destroy(ctx);
}

/* ---- files written by pyarrow -------------------------------------------- */

static const char *data_path(const char *name)
{
    static char p[512];
    snprintf(p, sizeof p, "%s/tests/data/%s", SLUICE_SOURCE_DIR, name);
    return p;
}

/* tests/data/small_*.parquet hold 120 rows: id i, qty (null when i % 7 ==
 * 0, else 3i - 50), price 1.25i, mode AIR/RAIL/SHIP/null by i % 4, day
 * 1995-01-01 + i, tax decimal(7,2) i/100, ok (i % 3 == 0). */
static void check_small(const sli_table *t)
{
    assert_int_equal(t->rows, 120);
    assert_int_equal(t->schema.ncols, 7);
    assert_int_equal(t->schema.types[1].id, SL_TYPE_INT32);
    assert_int_equal(t->schema.types[4].id, SL_TYPE_DATE32);
    assert_int_equal(t->schema.types[5].id, SL_TYPE_DECIMAL);
    assert_int_equal(t->schema.types[5].precision, 7);
    assert_int_equal(t->schema.types[5].scale, 2);
    static const char *modes[] = {"AIR", "RAIL", "SHIP", NULL};
    size_t i = 0;
    for (size_t p = 0; p < t->nparts; p++) {
        const sli_partition *pt = &t->parts[p];
        for (size_t r = 0; r < pt->rows; r++, i++) {
            assert_int_equal(((const int64_t *)pt->cols[0]->data)[r], (int64_t)i);
            if (i % 7 == 0)
                assert_false(sli_valid(pt->cols[1]->validity, r));
            else
                assert_int_equal(((const int32_t *)pt->cols[1]->data)[r], 3 * (int)i - 50);
            assert_true(((const double *)pt->cols[2]->data)[r] == 1.25 * (double)i);
            if (!modes[i % 4]) {
                assert_false(sli_valid(pt->cols[3]->validity, r));
            } else {
                sli_strview v = sli_column_str(pt->cols[3], r);
                assert_int_equal(v.len, strlen(modes[i % 4]));
                assert_memory_equal(v.ptr, modes[i % 4], v.len);
            }
            assert_int_equal(((const int32_t *)pt->cols[4]->data)[r], 9131 + (int)i);
            assert_int_equal(((const int64_t *)pt->cols[5]->data)[r], (int64_t)i);
            assert_int_equal(((const uint8_t *)pt->cols[6]->data)[r], i % 3 == 0);
        }
    }
    assert_int_equal(i, 120);
}

static void test_pyarrow_files(void **state)
{
    (void)state;
    for (size_t threads = 1; threads <= 3; threads += 2) {
        sl_context *ctx = new_ctx(threads);
        sli_parquet_file *f;
        sli_table *t;
        assert_int_equal(sli_parquet_open(ctx, data_path("small_snappy.parquet"), &f), SL_OK);
        assert_int_equal(sli_parquet_rows(f), 120);
        assert_int_equal(sli_parquet_row_groups(f), 3);
        assert_int_equal(sli_parquet_row_group_rows(f, 2), 20);
        int64_t mn, mx;
        assert_true(sli_parquet_stats_i64(f, 1, 1, &mn, &mx)); /* qty of rows 50..99 */
        assert_int_equal(mn, 3 * 50 - 50);                     /* row 50: 50 % 7 != 0 */
        assert_int_equal(mx, 3 * 99 - 50);
        assert_true(sli_parquet_stats_i64(f, 0, 4, &mn, &mx)); /* day */
        assert_int_equal(mn, 9131);
        assert_int_equal(mx, 9131 + 49);
        assert_true(sli_parquet_stats_i64(f, 2, 5, &mn, &mx)); /* tax, scaled */
        assert_int_equal(mn, 100);
        assert_int_equal(mx, 119);
        double dmn, dmx;
        assert_true(sli_parquet_stats_f64(f, 0, 2, &dmn, &dmx));
        assert_true(dmx == 1.25 * 49);
        assert_false(sli_parquet_stats_i64(f, 0, 3, &mn, &mx)); /* strings: none */
        assert_false(sli_parquet_stats_f64(f, 0, 1, &dmn, &dmx));

        assert_int_equal(sli_parquet_read(ctx, f, "t", NULL, 0, NULL, &t), SL_OK);
        check_small(t);
        assert_int_equal(t->nparts, 3);
        assert_non_null(t->parts[0].cols[3]->dict); /* dictionary pages only: kept */
        sli_table_free(t);

        /* Some columns, in another order, of the row groups kept. */
        size_t cols[] = {3, 0};
        bool keep[] = {false, true, true};
        assert_int_equal(sli_parquet_read(ctx, f, "t", cols, 2, keep, &t), SL_OK);
        assert_int_equal(t->nparts, 2);
        assert_int_equal(t->rows, 70);
        assert_string_equal(t->schema.names[0], "mode");
        assert_int_equal(((const int64_t *)t->parts[0].cols[1]->data)[0], 50);
        sli_table_free(t);
        size_t badcol[] = {7};
        assert_int_equal(sli_parquet_read(ctx, f, "t", badcol, 1, NULL, &t), SL_ERR_INVALID_ARG);
        sli_parquet_close(f);

        assert_int_equal(read_file(ctx, data_path("small_v2_delta.parquet"), &t), SL_OK);
        check_small(t);
        sli_table_free(t);

        /* Through the public entry point; a second name clash is refused. */
        assert_int_equal(sl_context_register_parquet(ctx, "small", data_path("small_v2_delta.parquet")),
                         SL_OK);
        assert_int_equal(sl_context_register_parquet(ctx, "small", data_path("small_v2_delta.parquet")),
                         SL_ERR_DUPLICATE);
        assert_int_equal(sl_context_register_parquet(ctx, "gone", tmp_path("missing.parquet")), SL_ERR_IO);
        sl_context_destroy(ctx);
    }
}

static void test_truncated_and_footer(void **state)
{
    (void)state;
    size_t n;
    uint8_t *b = read_all(data_path("small_snappy.parquet"), &n);
    sl_context *ctx = new_ctx(1);
    sli_table *t;
    const char *path = tmp_path("trunc.parquet");

    write_bytes(path, b, n - 1);
    assert_int_equal(read_file(ctx, path, &t), SL_ERR_PARQUET);
    assert_msg_has(ctx, "trunc.parquet: truncated or not a Parquet file");
    write_bytes(path, b, 7);
    assert_int_equal(read_file(ctx, path, &t), SL_ERR_PARQUET);
    assert_msg_has(ctx, "too short");
    write_bytes(path, b, 0);
    assert_int_equal(read_file(ctx, path, &t), SL_ERR_PARQUET);

    /* Footer length beyond the file. */
    uint8_t *m = malloc(n);
    memcpy(m, b, n);
    m[n - 5] = 0x7f;
    write_bytes(path, m, n);
    assert_int_equal(read_file(ctx, path, &t), SL_ERR_PARQUET);
    assert_msg_has(ctx, "footer length");
    /* Footer length short of the footer: a corrupt footer. */
    memcpy(m, b, n);
    m[n - 8] = 20, m[n - 7] = 0, m[n - 6] = 0, m[n - 5] = 0;
    write_bytes(path, m, n);
    assert_int_equal(read_file(ctx, path, &t), SL_ERR_PARQUET);
    assert_msg_has(ctx, "corrupt footer");
    /* Not Parquet at all. */
    memcpy(m, b, n);
    m[0] = 'X';
    write_bytes(path, m, n);
    assert_int_equal(read_file(ctx, path, &t), SL_ERR_PARQUET);
    assert_msg_has(ctx, "PAR1");
    free(m);
    free(b);
    sl_context_destroy(ctx);
}

/* Every byte flipped and every length cut: never a crash, always a status
 * with a message (or a readable table). */
static void fuzz_file(const char *name, size_t stride, size_t cut_stride)
{
    size_t n;
    uint8_t *b = read_all(data_path(name), &n);
    uint8_t *m = malloc(n);
    assert_non_null(m);
    sl_context *ctx = new_ctx(1);
    const char *path = tmp_path("mutant.parquet");
    static const uint8_t flips[] = {0xff, 0x01, 0x80, 0x10};
    size_t bad = 0;
    for (size_t i = 0; i < n; i += stride) {
        memcpy(m, b, n);
        m[i] ^= flips[(i / stride) % sizeof flips]; /* each position its own flip, in turn */
        write_bytes(path, m, n);
        sli_table *t = NULL;
        sl_status s = read_file(ctx, path, &t);
        if (s == SL_OK) {
            assert_non_null(t);
            sli_table_free(t);
        } else {
            assert_null(t);
            assert_true(s == SL_ERR_PARQUET || s == SL_ERR_UNSUPPORTED || s == SL_ERR_NOMEM);
            assert_true(strlen(sl_context_last_error(ctx)) > 0);
            bad++;
        }
    }
    for (size_t len = 0; len < n; len += cut_stride) {
        write_bytes(path, b, len);
        sli_table *t = NULL;
        assert_int_not_equal(read_file(ctx, path, &t), SL_OK);
        assert_null(t);
    }
    assert_true(bad > 0);
    free(m);
    free(b);
    sl_context_destroy(ctx);
}

static void test_fuzz_v2_delta(void **state)
{
    (void)state;
    fuzz_file("small_v2_delta.parquet", 3, 11);
}

static void test_fuzz_snappy(void **state)
{
    (void)state;
    fuzz_file("small_snappy.parquet", 5, 17);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_thrift_fields),     cmocka_unit_test(test_thrift_limits),
        cmocka_unit_test(test_rle_hybrid),        cmocka_unit_test(test_delta_binary_packed),
        cmocka_unit_test(test_delta_byte_arrays), cmocka_unit_test(test_built_file),
        cmocka_unit_test(test_built_stats),       cmocka_unit_test(test_built_dictionary),
        cmocka_unit_test(test_pyarrow_files),     cmocka_unit_test(test_truncated_and_footer),
        cmocka_unit_test(test_fuzz_v2_delta),     cmocka_unit_test(test_fuzz_snappy),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
