/*
 * test_agg_partition.c — tests of radix-partitioned aggregation
 * (runtime/agg_partition.h) and the merge and slot restart it relies on.
 *
 * The partition thresholds are lowered (sli_agg_part_groups,
 * sli_agg_part_bits), so that a few thousand rows already move a table to
 * partitioning. Random rows — duplicate keys, NULL keys, NULL arguments
 * arriving before or only after partitioning starts, one or two keys of int,
 * float or string type (strings as dictionary codes or plain, the plain
 * bytes overwritten after each chunk) — are fed in chunks of random size,
 * some through a selection vector, once to a plain table and once through
 * the partitioned path the aggregate sink takes; the two results must hold
 * the same rows (compared as sorted text). The row buffer is checked on its
 * own: every row lands in its hash partition, in order, across blocks.
 */
/* cmocka.h needs these first, in this order */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "io/csv.h"
#include "kernel_test.h"
#include "runtime/agg_partition.h"
#include "runtime/buffer.h"
#include "runtime/types.h"
#include "test_util.h"

enum { KMAX = 2, NAGG = 12, NARG = 3 };

/* How a key column is drawn. */
typedef enum kkind { K_I64, K_I32, K_F64, K_STR, K_I64D } kkind; /* K_I64D: int64 values unscaled */

typedef struct data {
    size_t n, nkeys;
    kkind kind[KMAX];
    int64_t *kv[KMAX];
    uint8_t *knull[KMAX];
    int64_t *dec; /* decimal(12,2) */
    double *f;    /* integer-valued, so that sums are exact in any order */
    int32_t *i32;
    uint8_t *anull[NARG];
} data;

/* ---- aggregates ---------------------------------------------------------------------------------- */

static sli_expr arg_dec, arg_f, arg_i32;
static sli_agg aggs[NAGG];
static const int argof[NAGG] = {-1, 0, 0, 0, 1, 2, 2, 1, 0, 1, 2, 1};

static void setup_aggs(void)
{
    arg_dec.kind = arg_f.kind = arg_i32.kind = SLI_EX_COLUMN;
    arg_dec.index = 0; /* sum and avg of one column share states */
    arg_f.index = 1;
    arg_i32.index = 2;
    arg_dec.type = sli_decimal(12, 2);
    arg_f.type = sli_type(SL_TYPE_FLOAT64);
    arg_i32.type = sli_type(SL_TYPE_INT32);
    sli_agg a[NAGG] = {
        {SLI_AGG_COUNT_STAR, NULL, sli_type(SL_TYPE_INT64)},
        {SLI_AGG_COUNT, &arg_dec, sli_type(SL_TYPE_INT64)},
        {SLI_AGG_SUM, &arg_dec, sli_decimal(18, 2)},
        {SLI_AGG_AVG, &arg_dec, sli_type(SL_TYPE_FLOAT64)},
        {SLI_AGG_SUM, &arg_f, sli_type(SL_TYPE_FLOAT64)},
        {SLI_AGG_MIN, &arg_i32, sli_type(SL_TYPE_INT32)},
        {SLI_AGG_MAX, &arg_i32, sli_type(SL_TYPE_INT32)},
        {SLI_AGG_MIN, &arg_f, sli_type(SL_TYPE_FLOAT64)},
        {SLI_AGG_MAX, &arg_dec, sli_decimal(12, 2)},
        {SLI_AGG_AVG, &arg_f, sli_type(SL_TYPE_FLOAT64)},
        {SLI_AGG_COUNT, &arg_i32, sli_type(SL_TYPE_INT64)},
        {SLI_AGG_MAX, &arg_f, sli_type(SL_TYPE_FLOAT64)},
    };
    memcpy(aggs, a, sizeof a);
}

/* ---- data ---------------------------------------------------------------------------------------- */

static sl_type type_of(kkind k)
{
    switch (k) {
    case K_I32: return sli_type(SL_TYPE_INT32);
    case K_F64: return sli_type(SL_TYPE_FLOAT64);
    case K_STR: return sli_type(SL_TYPE_UTF8);
    default: return sli_type(SL_TYPE_INT64);
    }
}

/* n rows, keys from a domain of `domain` values (each value repeats about
 * n / domain times); NULL arguments only in rows [null_from, n). */
static void make_data(data *d, size_t n, size_t nkeys, const kkind *kind, int64_t domain, size_t null_from)
{
    memset(d, 0, sizeof *d);
    d->n = n;
    d->nkeys = nkeys;
    for (size_t k = 0; k < nkeys; k++) {
        d->kind[k] = kind[k];
        d->kv[k] = calloc(n + 1, sizeof *d->kv[k]);
        d->knull[k] = calloc(n + 1, 1);
        for (size_t i = 0; i < n; i++) {
            d->kv[k][i] = (int64_t)(kt_rnd() % (uint64_t)domain) - domain / 3;
            if (kind[k] == K_STR && d->kv[k][i] < 0) d->kv[k][i] = -d->kv[k][i];
            d->knull[k][i] = kt_rnd() % 50 == 0;
        }
    }
    d->dec = calloc(n + 1, sizeof *d->dec);
    d->f = calloc(n + 1, sizeof *d->f);
    d->i32 = calloc(n + 1, sizeof *d->i32);
    for (int a = 0; a < NARG; a++) d->anull[a] = calloc(n + 1, 1);
    for (size_t i = 0; i < n; i++) {
        d->dec[i] = (int64_t)(kt_rnd() % 2000001) - 1000000;
        d->f[i] = (double)((int64_t)(kt_rnd() % 2001) - 1000);
        d->i32[i] = (int32_t)(kt_rnd() % 100001) - 50000;
        for (int a = 0; a < NARG; a++) d->anull[a][i] = i >= null_from && kt_rnd() % 7 == 0;
    }
}

static void free_data(data *d)
{
    for (size_t k = 0; k < d->nkeys; k++) {
        free(d->kv[k]);
        free(d->knull[k]);
    }
    free(d->dec);
    free(d->f);
    free(d->i32);
    for (int a = 0; a < NARG; a++) free(d->anull[a]);
}

static void set_bit(uint8_t *bits, size_t i, bool v)
{
    if (v)
        bits[i >> 3] |= (uint8_t)(1u << (i & 7));
    else
        bits[i >> 3] &= (uint8_t) ~(1u << (i & 7));
}

/* Scratch for one chunk's vectors. */
typedef struct chunkbuf {
    void *kvals[KMAX];
    uint8_t *kvalid[KMAX];
    char *bytes[KMAX]; /* plain strings of this chunk, overwritten after it */
    int32_t *codes_of; /* dictionary: value -> code */
    sli_dict *dicts[4096];
    size_t ndicts;
    uint8_t *avalid[NARG];
    uint32_t *sel;
} chunkbuf;

static void chunkbuf_init(chunkbuf *b)
{
    memset(b, 0, sizeof *b);
    for (size_t k = 0; k < KMAX; k++) {
        b->kvals[k] = sli_buf_alloc(SLI_VEC_SIZE * sizeof(sli_strview));
        b->kvalid[k] = sli_buf_alloc(SLI_VEC_SIZE / 8);
        b->bytes[k] = malloc(SLI_VEC_SIZE * 24);
    }
    for (int a = 0; a < NARG; a++) b->avalid[a] = sli_buf_alloc(SLI_VEC_SIZE / 8);
    b->sel = sli_buf_alloc(SLI_VEC_SIZE * sizeof *b->sel);
}

static void chunkbuf_free(chunkbuf *b)
{
    for (size_t k = 0; k < KMAX; k++) {
        sli_buf_free(b->kvals[k]);
        sli_buf_free(b->kvalid[k]);
        free(b->bytes[k]);
    }
    for (size_t i = 0; i < b->ndicts; i++) {
        sli_dict *d = b->dicts[i];
        free(d->views);
        free(d->bytes);
        d->views = NULL;
        d->bytes = NULL;
        sli_dict_unref(d);
    }
    for (int a = 0; a < NARG; a++) sli_buf_free(b->avalid[a]);
    sli_buf_free(b->sel);
}

/* Key k of rows [start, start + m) as a vector; strings are a dictionary
 * (kept until the end: direct tables cache codes by dictionary) on odd
 * chunks, plain bytes in b->bytes[k] on even ones. */
static void key_vec(chunkbuf *b, const data *d, size_t k, size_t start, size_t m, size_t chunkno,
                    sli_vec *out)
{
    out->type = type_of(d->kind[k]);
    out->dict = NULL;
    out->data = b->kvals[k];
    out->validity = b->kvalid[k];
    for (size_t i = 0; i < m; i++) set_bit(b->kvalid[k], i, !d->knull[k][start + i]);
    for (size_t i = 0; i < m; i++) {
        int64_t v = d->kv[k][start + i];
        switch (d->kind[k]) {
        case K_I32: ((int32_t *)b->kvals[k])[i] = (int32_t)v; break;
        case K_F64: ((double *)b->kvals[k])[i] = (double)v / 4; break;
        case K_I64: ((int64_t *)b->kvals[k])[i] = v * 1000003; break;
        case K_I64D: ((int64_t *)b->kvals[k])[i] = v; break;
        case K_STR: break;
        }
    }
    if (d->kind[k] != K_STR) return;
    if (chunkno % 2 == 0) {
        sli_strview *sv = b->kvals[k];
        char *p = b->bytes[k];
        for (size_t i = 0; i < m; i++) {
            int len = d->knull[k][start + i] ? 0 : sprintf(p, "key%lld", (long long)d->kv[k][start + i]);
            sv[i].ptr = p;
            sv[i].len = (uint32_t)len;
            p += len;
        }
        return;
    }
    /* A dictionary of this chunk's distinct values, in order of appearance. */
    assert_true(b->ndicts < sizeof b->dicts / sizeof b->dicts[0]);
    sli_dict *dict = sli_dict_new(); /* the batch's reference; tables take their own */
    dict->views = calloc(m + 1, sizeof *dict->views);
    dict->bytes = malloc(m * 24 + 1);
    size_t used = 0;
    int32_t *codes = b->kvals[k];
    for (size_t i = 0; i < m; i++) {
        if (d->knull[k][start + i]) {
            codes[i] = 0;
            continue;
        }
        char s[24];
        int len = sprintf(s, "key%lld", (long long)d->kv[k][start + i]);
        size_t c = 0;
        while (c < dict->count &&
               !(dict->views[c].len == (uint32_t)len && memcmp(dict->views[c].ptr, s, (size_t)len) == 0))
            c++;
        if (c == dict->count) {
            memcpy(dict->bytes + used, s, (size_t)len);
            dict->views[c].ptr = dict->bytes + used;
            dict->views[c].len = (uint32_t)len;
            used += (size_t)len;
            dict->count++;
        }
        codes[i] = (int32_t)c;
    }
    b->dicts[b->ndicts++] = dict;
    out->dict = dict;
}

/* ---- the two ways ---------------------------------------------------------------------------------- */

/* The workers the aggregate sink shares the rows with (sli_agg_part_wanted). */
static size_t feed_workers = 1;

/* What the aggregate sink does with a chunk (p NULL: never partitions). */
static void consume(sli_agg_table *t, sli_agg_part *p, const sli_vec *keys, const sli_vec *args,
                    const uint32_t *sel, size_t n, size_t seen, size_t total)
{
    if (p && p->active) {
        assert_int_equal(sli_agg_part_add(p, keys, args, sel, n), SL_OK);
        return;
    }
    assert_int_equal(sli_agg_table_groups(t, keys, sel, n), SL_OK);
    for (size_t k = 0; k < NAGG; k++)
        assert_int_equal(sli_agg_table_update(t, k, argof[k] < 0 ? NULL : &args[k], sel, n), SL_OK);
    if (p && sli_agg_part_wanted(t, feed_workers))
        assert_int_equal(sli_agg_part_start(p, t, NULL, seen, total), SL_OK);
}

/* Feeds every row of d to t (through p when given) in random chunks. */
static void feed(const data *d, sli_agg_table *t, sli_agg_part *p, uint64_t seed)
{
    uint64_t saved = kt_rng_state;
    kt_seed(seed); /* both ways see the same chunks */
    chunkbuf b;
    chunkbuf_init(&b);
    size_t chunkno = 0;
    for (size_t start = 0; start < d->n; chunkno++) {
        size_t m0 = kt_rnd() % 3 == 0 ? SLI_VEC_SIZE : 1 + kt_rnd() % SLI_VEC_SIZE;
        size_t n = d->n - start < m0 ? d->n - start : m0;
        sli_vec keys[KMAX];
        for (size_t k = 0; k < d->nkeys; k++) key_vec(&b, d, k, start, n, chunkno, &keys[k]);
        sli_vec argv[NARG] = {
            {arg_dec.type, d->dec + start, b.avalid[0], NULL},
            {arg_f.type, d->f + start, b.avalid[1], NULL},
            {arg_i32.type, d->i32 + start, b.avalid[2], NULL},
        };
        for (int a = 0; a < NARG; a++) {
            bool any = false;
            for (size_t i = 0; i < n; i++) {
                set_bit(b.avalid[a], i, !d->anull[a][start + i]);
                any |= d->anull[a][start + i];
            }
            if (!any) argv[a].validity = NULL;
        }
        sli_vec args[NAGG];
        memset(args, 0, sizeof args);
        for (size_t k = 0; k < NAGG; k++)
            if (argof[k] >= 0) args[k] = argv[argof[k]];
        const uint32_t *sel = NULL;
        size_t cnt = n;
        if (chunkno % 3 == 1) {
            cnt = 0;
            for (size_t i = 0; i < n; i++) {
                b.sel[cnt] = (uint32_t)i;
                cnt += kt_rnd() % 4 != 0;
            }
            sel = b.sel;
        }
        consume(t, p, keys, args, sel, cnt, start + n, d->n); /* source rows read, and in all */
        for (size_t k = 0; k < d->nkeys; k++) memset(b.bytes[k], '#', SLI_VEC_SIZE * 24);
        start += n;
    }
    chunkbuf_free(&b);
    kt_rng_state = saved;
}

/* ---- comparing results ------------------------------------------------------------------------------ */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* One text line per output row (every column), sorted. */
static char **rows_text(const sli_table *tab, size_t *nrows)
{
    assert_int_equal(tab->nparts, 1);
    size_t n = tab->parts[0].rows, nc = tab->schema.ncols;
    char **lines = calloc(n + 1, sizeof *lines);
    for (size_t r = 0; r < n; r++) {
        size_t cap = 64 * nc + 64, len = 0;
        char *s = malloc(cap);
        s[0] = 0;
        for (size_t c = 0; c < nc; c++) {
            const sli_column *col = tab->parts[0].cols[c];
            char v[64];
            if (!sli_valid(col->validity, r))
                snprintf(v, sizeof v, "NULL");
            else if (col->type.id == SL_TYPE_UTF8) {
                sli_strview sv = sli_column_str(col, r);
                snprintf(v, sizeof v, "'%.*s'", (int)sv.len, sv.ptr);
            } else if (col->type.id == SL_TYPE_FLOAT64)
                snprintf(v, sizeof v, "%.17g", ((const double *)col->data)[r]);
            else {
                int64_t x;
                switch (sli_ptype(col->type)) {
                case SL_P_I8: x = ((const int8_t *)col->data)[r]; break;
                case SL_P_I16: x = ((const int16_t *)col->data)[r]; break;
                case SL_P_I32: x = ((const int32_t *)col->data)[r]; break;
                default: x = ((const int64_t *)col->data)[r]; break;
                }
                snprintf(v, sizeof v, "%lld", (long long)x);
            }
            len += (size_t)snprintf(s + len, cap - len, "%s|", v);
        }
        lines[r] = s;
    }
    qsort(lines, n, sizeof *lines, cmp_str);
    *nrows = n;
    return lines;
}

static sli_table *finish(sli_agg_table *t, size_t nkeys)
{
    char names[KMAX + NAGG][24];
    char *np[KMAX + NAGG];
    for (size_t i = 0; i < nkeys + NAGG; i++) {
        snprintf(names[i], sizeof names[i], "c%zu", i);
        np[i] = names[i];
    }
    sl_context *ctx = NULL;
    assert_int_equal(sl_context_create(&ctx), SL_OK);
    sli_table *out = NULL;
    assert_int_equal(sli_agg_table_finish(t, ctx, np, &out), SL_OK);
    sl_context_destroy(ctx);
    return out;
}

/* What the last check_case did: range partitions, and partitions aggregated through the range map. */
static bool last_range, last_rmap;

/* Aggregates d both ways — a plain table, and one that hashes from the start
 * and partitions after `groups` groups into 2^bits partitions — and compares. @return whether partitioning
 * started. */
static bool check_case(const data *d, size_t groups, unsigned bits, uint64_t seed)
{
    sl_type kt[KMAX];
    for (size_t k = 0; k < d->nkeys; k++) kt[k] = type_of(d->kind[k]);
    sli_agg_table plain, part;
    sli_agg_part p;
    memset(&p, 0, sizeof p);
    assert_int_equal(sli_agg_table_init(&plain, kt, d->nkeys, aggs, NAGG), SL_OK);
    assert_int_equal(sli_agg_table_init(&part, kt, d->nkeys, aggs, NAGG), SL_OK);
    sli_agg_table_force_hash(&part); /* direct tables never partition: small domains stay direct */
    size_t saved_groups = sli_agg_part_groups;
    unsigned saved_bits = sli_agg_part_bits;
    feed(d, &plain, NULL, seed);
    sli_agg_part_groups = groups;
    sli_agg_part_bits = bits;
    feed(d, &part, &p, seed);
    sli_agg_part_groups = saved_groups;
    sli_agg_part_bits = saved_bits;
    bool started = p.active;
    last_range = started && p.rows.scheme.range;
    if (started) assert_int_equal(sli_agg_part_finish(&p, &part), SL_OK);
    last_rmap = part.rmap != NULL; /* some partition found its groups through the range map */
    sli_table *a = finish(&plain, d->nkeys), *b = finish(&part, d->nkeys);
    size_t na, nb;
    char **la = rows_text(a, &na), **lb = rows_text(b, &nb);
    assert_int_equal(na, nb);
    for (size_t i = 0; i < na; i++) {
        if (strcmp(la[i], lb[i]))
            fail_msg("row %zu differs:\n  plain:       %s\n  partitioned: %s", i, la[i], lb[i]);
        free(la[i]);
        free(lb[i]);
    }
    free(la);
    free(lb);
    sli_table_free(a);
    sli_table_free(b);
    sli_agg_part_free(&p);
    sli_agg_table_free(&plain);
    sli_agg_table_free(&part);
    return started;
}

/* ---- tests ----------------------------------------------------------------------------------------- */

static void run_keys(size_t nkeys, const kkind *kind, int64_t domain)
{
    static const unsigned bits[] = {1, 3, 5, 8};
    static const size_t groups[] = {0, 17, 300, 1000};
    for (int i = 0; i < 4; i++) {
        data d;
        /* NULL arguments: from the start, only late (after partitioning started), or never */
        size_t n = 3000 + kt_rnd() % 12000;
        size_t null_from = i % 3 == 0 ? 0 : i % 3 == 1 ? n * 3 / 4 : n;
        make_data(&d, n, nkeys, kind, domain, null_from);
        bool started = check_case(&d, groups[i], bits[i], kt_rnd());
        if (groups[i] < 300) assert_true(started); /* the threshold was passed */
        free_data(&d);
    }
}

static void test_int64_key(void **state)
{
    (void)state;
    kkind k[] = {K_I64};
    run_keys(1, k, 2000000); /* beyond the direct domain: hashing, then partitioning */
    run_keys(1, k, 3000);    /* many duplicates */
}

static void test_int32_key(void **state)
{
    (void)state;
    kkind k[] = {K_I32};
    run_keys(1, k, 1000000);
}

/* Range partitions (agg_scheme.h): keys without NULLs in a range that
 * gives every partition a window (all clean), the same keys ascending
 * through the input (the range seen so far is extended to the rows still
 * to come; keys past the estimate are routed by hash and their partitions
 * hashed), and an int32 key around zero. */
static void test_range_keys(void **state)
{
    (void)state;
    static const unsigned bits[] = {1, 3, 5, 8};
    static const size_t groups[] = {17, 300, 1000, 2000};
    for (int c = 0; c < 3; c++) {
        for (int i = 0; i < 4; i++) {
            kkind k[] = {c == 2 ? K_I32 : K_I64D};
            data d;
            size_t n = 5000 + kt_rnd() % 12000;
            make_data(&d, n, 1, k, c == 2 ? 400000 : 60000, i % 2 ? n / 2 : n);
            memset(d.knull[0], 0, n); /* NULL keys dirty partition 0: here none */
            if (c == 1)               /* ascending: a sort of the keys */
                for (size_t a = 1; a < n; a++)
                    for (size_t b = a; b > 0 && d.kv[0][b - 1] > d.kv[0][b]; b--) {
                        int64_t x = d.kv[0][b];
                        d.kv[0][b] = d.kv[0][b - 1];
                        d.kv[0][b - 1] = x;
                    }
            assert_true(check_case(&d, groups[i], bits[i], kt_rnd()));
            assert_true(last_range);
            assert_true(last_rmap); /* ascending keys too: their range is extended */
            free_data(&d);
        }
    }
}

/* The scheme itself: a range is chosen from the first table's keys and
 * agreed once; rows outside it, and NULL rows, are routed by hash and mark
 * their partitions. */
static void test_scheme(void **state)
{
    (void)state;
    sl_type kt = sli_type(SL_TYPE_INT64);
    sli_agg_table t, u;
    assert_int_equal(sli_agg_table_init(&t, &kt, 1, aggs, NAGG), SL_OK);
    assert_int_equal(sli_agg_table_init(&u, &kt, 1, aggs, NAGG), SL_OK);
    sli_agg_table_force_hash(&t);
    sli_agg_table_force_hash(&u);
    int64_t keys[1000];
    uint64_t out1k[1000];
    for (int i = 0; i < 1000; i++) keys[i] = 1000 + 7 * i; /* 1000 .. 7993 */
    sli_vec kv = {kt, keys, NULL, NULL};
    assert_int_equal(sli_agg_table_groups(&t, &kv, NULL, 1000), SL_OK);
    for (int i = 0; i < 1000; i++) keys[i] = -5000000 + i; /* another range altogether */
    assert_int_equal(sli_agg_table_groups(&u, &kv, NULL, 1000), SL_OK);

    sli_agg_scheme_once once;
    memset(&once, 0, sizeof once);
    sli_agg_scheme a, b, h;
    sli_agg_scheme_agree(&once, &t, 4, 0, 0, &a);
    sli_agg_scheme_agree(&once, &u, 4, 0, 0, &b); /* the first choice holds */
    assert_true(a.range);
    assert_int_equal(a.pbits, 4);
    assert_true(a.lo <= 1000 && a.lo > 1000 - 7000 / 8 - 2);
    assert_true(sli_agg_range_start(&a, 16) > 7993); /* the partitions cover the range */
    assert_true(b.range && b.lo == a.lo && b.shift == a.shift && b.pbits == a.pbits);
    sli_agg_scheme_agree(NULL, &u, 4, 0, 0, &h); /* u alone: its own range */
    assert_true(h.range && h.lo < -5000000);
    /* t's keys rise group after group: 1000 of 10000 rows read, the range reaches ten times as far */
    sli_agg_scheme x;
    sli_agg_scheme_agree(NULL, &t, 4, 1000, 10000, &x);
    assert_true(x.range && x.lo <= 1000);
    assert_true(sli_agg_range_start(&x, 16) > 1000 + 6993 * 10);
    assert_true(sli_agg_range_start(&x, 16) > sli_agg_range_start(&a, 16));

    int64_t probe[6] = {1000, 7993, 4321, -90000000, 999999999, 0};
    uint8_t pv = 0x1f; /* row 5 NULL */
    sli_vec pvec = {kt, probe, &pv, NULL};
    uint64_t out[6];
    uint8_t dirty[16] = {0};
    sli_agg_scheme_rows(&a, &pvec, NULL, 6, out, dirty);
    for (int i = 0; i < 3; i++) {
        size_t q = (size_t)(out[i] >> 60);
        assert_int_equal(q, sli_agg_range_part(&a, probe[i]));
        assert_true(probe[i] >= sli_agg_range_start(&a, q) && probe[i] < sli_agg_range_start(&a, q + 1));
    }
    assert_int_equal(out[3] >> 60, sli_agg_range_part(&a, probe[3])); /* by hash */
    assert_int_equal(out[4] >> 60, sli_agg_range_part(&a, probe[4]));
    assert_int_equal(out[5], 0); /* NULL: partition 0 */
    size_t ndirty = 0;
    for (int q = 0; q < 16; q++) ndirty += dirty[q];
    assert_true(dirty[0] && dirty[out[3] >> 60] && dirty[out[4] >> 60]);
    assert_true(ndirty <= 3);

    /* The groups a folding table will hold: rows to come at the first
     * partition's rate (its merged groups not counted), never more than one
     * per row or group to come. */
    assert_int_equal(sli_agg_part_estimate(1000, 500, 100, 2000, 8000, 50), 1000 + 1800 + 50 + SLI_VEC_SIZE);
    assert_int_equal(sli_agg_part_estimate(8000, 8000, 8000, 10, 6000000, 0), 8000 + SLI_VEC_SIZE);
    assert_int_equal(sli_agg_part_estimate(10, 10, 0, 10, 100, 5), 115);

    /* Groups listed by partition agree with the rows' partitions. */
    uint32_t *groups;
    size_t *start;
    assert_int_equal(sli_agg_scheme_groups(&a, &t, &groups, &start), SL_OK);
    assert_int_equal(start[16], 1000);
    for (size_t q = 0; q < 16; q++)
        for (size_t i = start[q]; i < start[q + 1]; i++) {
            int64_t key = ((const int64_t *)t.keys[0].col.data)[groups[i]];
            assert_int_equal(sli_agg_range_part(&a, key), q);
            if (i > start[q]) assert_true(groups[i] > groups[i - 1]); /* in group order */
        }
    free(groups);
    free(start);
    sli_agg_table_free(&t);
    sli_agg_table_free(&u);

    /* Keys at the ends of int64: the range stays within it, every key's
     * partition is the one whose window holds it; keys at both ends are
     * too far apart for a range. */
    static const int64_t ends[][2] = {{INT64_MAX - 5000, INT64_MAX}, {INT64_MIN, INT64_MIN + 5000}};
    for (int e = 0; e < 3; e++) {
        sli_agg_table w;
        assert_int_equal(sli_agg_table_init(&w, &kt, 1, aggs, NAGG), SL_OK);
        sli_agg_table_force_hash(&w);
        for (int i = 0; i < 1000; i++)
            keys[i] = e < 2 ? ends[e][0] + (int64_t)((uint64_t)i * 5000 / 999)
                            : (i % 2 ? INT64_MAX - i : INT64_MIN + i);
        assert_int_equal(sli_agg_table_groups(&w, &kv, NULL, 1000), SL_OK);
        sli_agg_scheme sc;
        sli_agg_scheme_agree(NULL, &w, 4, 0, 0, &sc);
        assert_int_equal(sc.range, e < 2);
        if (e == 2) {
            sli_agg_table_free(&w);
            continue;
        }
        uint8_t dz[16] = {0};
        sli_agg_scheme_rows(&sc, &kv, NULL, 1000, out1k, dz);
        for (int i = 0; i < 1000; i++) {
            size_t q = (size_t)(out1k[i] >> 60);
            assert_int_equal(q, sli_agg_range_part(&sc, keys[i]));
            assert_true(((uint64_t)keys[i] - (uint64_t)sli_agg_range_start(&sc, q)) >> sc.shift == 0);
        }
        for (int q = 0; q < 16; q++) assert_int_equal(dz[q], 0); /* every key in the range */
        sli_agg_table_free(&w);
    }
}

static void test_float_key(void **state)
{
    (void)state;
    kkind k[] = {K_F64};
    run_keys(1, k, 5000);
}

static void test_string_key(void **state)
{
    (void)state;
    kkind k[] = {K_STR};
    run_keys(1, k, 4000);
}

static void test_two_keys(void **state)
{
    (void)state;
    kkind a[] = {K_I32, K_STR}, b[] = {K_I64, K_F64};
    run_keys(2, a, 300);
    run_keys(2, b, 200);
}

/* No rows, and rows that never pass the threshold: no partitioning, same result. */
static void test_below_threshold(void **state)
{
    (void)state;
    kkind k[] = {K_I64};
    data d;
    make_data(&d, 0, 1, k, 10, 0);
    assert_false(check_case(&d, 0, 4, 1));
    free_data(&d);
    make_data(&d, 5000, 1, k, 2000000, 0);
    assert_false(check_case(&d, 1000000, 4, 2));
    free_data(&d);
    /* a worker of a team starts at its share of the threshold: 3000 rows
     * (about 2990 groups) stay below 4000, but not below 4000 / 2 */
    make_data(&d, 3000, 1, k, 2000000, 0);
    assert_false(check_case(&d, 4000, 4, 3));
    feed_workers = 2;
    bool started = check_case(&d, 4000, 4, 3);
    feed_workers = 1;
    assert_true(started);
    free_data(&d);
}

/* The row buffer alone: rows in their partitions, in arrival order, across
 * blocks. w8: every column 8 bytes wide without NULLs (the one-pass copy),
 * every other chunk through a selection vector; else an int32 column with
 * NULLs. */
static void rows_by_partition(bool w8)
{
    sl_type types[2] = {sli_type(SL_TYPE_INT64), sli_type(w8 ? SL_TYPE_INT64 : SL_TYPE_INT32)};
    sli_part_rows pr;
    assert_int_equal(sli_part_rows_init(&pr, types, 2, 1, 2), SL_OK);
    size_t n = 9000; /* more than a block per partition */
    int64_t *key = sli_buf_alloc(SLI_VEC_SIZE * sizeof *key);
    int64_t *seq = sli_buf_alloc(SLI_VEC_SIZE * sizeof *seq);
    uint8_t *valid = sli_buf_alloc(SLI_VEC_SIZE / 8);
    uint64_t *h = sli_buf_alloc(SLI_VEC_SIZE * sizeof *h);
    uint32_t *sel = sli_buf_alloc(SLI_VEC_SIZE * sizeof *sel);
    int64_t *keys_of = calloc(n, sizeof *keys_of);
    uint8_t *null_of = calloc(n, 1);
    sli_key_scratch ks = {0};
    size_t added = 0, chunk = 0;
    for (size_t start = 0; start < n; start += SLI_VEC_SIZE, chunk++) {
        size_t m = n - start < SLI_VEC_SIZE ? n - start : SLI_VEC_SIZE, ns = 0;
        bool use_sel = w8 && chunk % 2 == 1;
        for (size_t i = 0; i < m; i++) {
            key[i] = (int64_t)(kt_rnd() % 100);
            if (use_sel && kt_rnd() % 3 == 0) continue; /* a row the selection leaves out */
            if (use_sel) sel[ns++] = (uint32_t)i;
            size_t r = added++;
            if (w8)
                seq[i] = (int64_t)r;
            else
                ((int32_t *)seq)[i] = (int32_t)r;
            keys_of[r] = key[i];
            null_of[r] = !w8 && kt_rnd() % 10 == 0;
            set_bit(valid, i, !null_of[r]);
        }
        sli_vec v[2] = {{types[0], key, NULL, NULL}, {types[1], seq, w8 ? NULL : valid, NULL}};
        assert_int_equal(sli_part_rows_add(&pr, v, use_sel ? sel : NULL, use_sel ? ns : m), SL_OK);
    }
    assert_int_equal(pr.total, added);
    sli_part_rows_flush(&pr);
    size_t seen = 0;
    for (size_t q = 0; q < pr.nparts; q++) {
        size_t in_part = 0;
        int64_t last = -1;
        for (const sli_part_block *b = pr.head[q]; b; b = b->next) {
            sli_vec v[2];
            size_t m = sli_part_rows_block(&pr, b, v);
            assert_true(m > 0);
            assert_int_equal(sli_hash_vec(&v[0], NULL, m, 0, h, &ks), SL_OK);
            for (size_t i = 0; i < m; i++) {
                assert_int_equal(h[i] >> 62, q);
                /* values are kept under NULLs too */
                int64_t r = w8 ? ((const int64_t *)v[1].data)[i] : ((const int32_t *)v[1].data)[i];
                assert_true(r >= 0 && (size_t)r < added);
                assert_int_equal(sli_valid(v[1].validity, i), !null_of[r]);
                assert_true(r > last); /* arrival order */
                last = r;
                assert_int_equal(((const int64_t *)v[0].data)[i], keys_of[r]);
            }
            in_part += m;
        }
        assert_int_equal(in_part, pr.rows[q]);
        seen += in_part;
    }
    assert_int_equal(seen, added);
    sli_key_scratch_free(&ks);
    sli_part_rows_free(&pr);
    sli_buf_free(key);
    sli_buf_free(seq);
    sli_buf_free(valid);
    sli_buf_free(h);
    sli_buf_free(sel);
    free(keys_of);
    free(null_of);
}

static void test_rows_by_partition(void **state)
{
    (void)state;
    rows_by_partition(false);
    rows_by_partition(true);
}

/* ---- whole queries ---------------------------------------------------------------------------------- */

/* The result as sorted text lines, one per row. */
static char **result_text(const sl_result *r, size_t *nrows)
{
    size_t n = sl_result_row_count(r), nc = sl_result_column_count(r);
    char **lines = calloc(n + 1, sizeof *lines);
    for (size_t row = 0; row < n; row++) {
        size_t cap = 64 * nc + 64, len = 0;
        char *s = malloc(cap);
        s[0] = 0;
        for (size_t c = 0; c < nc; c++) {
            char v[48];
            if (sl_result_is_null(r, c, row))
                snprintf(v, sizeof v, "NULL");
            else
                sl_result_format_value(r, c, row, v, sizeof v);
            len += (size_t)snprintf(s + len, cap - len, "%s|", v);
        }
        lines[row] = s;
    }
    qsort(lines, n, sizeof *lines, cmp_str);
    *nrows = n;
    return lines;
}

static char **run_query(sl_context *ctx, const char *where, const char *keys, const char *list, size_t *n)
{
    sl_frame *t = sl_frame_table(ctx, "t");
    sl_frame *w = where ? sl_frame_where(t, where) : NULL;
    sl_frame *g = sl_frame_group_by(w ? w : t, keys);
    sl_frame *a = sl_frame_agg(g, list);
    if (!a) fail_msg("%s: %s", list, sl_context_last_error(ctx));
    sl_result *r = NULL;
    assert_int_equal(sl_frame_collect(a, &r), SL_OK);
    char **lines = result_text(r, n);
    sl_result_destroy(r);
    sl_frame_destroy(a);
    sl_frame_destroy(g);
    if (w) sl_frame_destroy(w);
    sl_frame_destroy(t);
    return lines;
}

/* EXPLAIN ANALYZE of groupBy(keys).agg(list) on t: the aggregate's line holds `want`. */
static void explain_has(sl_context *ctx, const char *keys, const char *list, const char *want)
{
    sl_frame *t = sl_frame_table(ctx, "t");
    sl_frame *g = sl_frame_group_by(t, keys);
    sl_frame *a = sl_frame_agg(g, list);
    char *text = NULL;
    assert_int_equal(sl_frame_explain_analyze(a, &text, NULL), SL_OK);
    const char *line = strstr(text, "  sink    hash aggregate");
    assert_non_null(line);
    const char *end = strchr(line, '\n');
    const char *at = strstr(line, want);
    if (!at || (end && at > end)) fail_msg("no '%s' in: %.*s", want, (int)(end ? end - line : 200), line);
    free(text);
    sl_frame_destroy(a);
    sl_frame_destroy(g);
    sl_frame_destroy(t);
}

/* The same queries through the executor with and without partitioning
 * (CSV input in several table partitions, a filter's selection vectors). */
static void test_queries(void **state)
{
    (void)state;
    char dir[64], path[128];
    assert_int_equal(tu_make_dir(dir, sizeof dir, "aggpart"), 0);
    snprintf(path, sizeof path, "%s/t.csv", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "k,s,v,x,r\n");
    for (int i = 0; i < 20000; i++) {
        uint64_t a = kt_rnd();
        if (a % 37) fprintf(f, "%lld", ((long long)(a >> 8) % 7000 - 2000) * 1000003);
        fprintf(f, ",");
        if (a % 41) fprintf(f, "w%llu", (unsigned long long)(a >> 24) % 5000);
        fprintf(f, ",");
        if (a % 13) fprintf(f, "%lld.%02d", (long long)(a >> 32) % 20000 - 10000, (int)(a >> 40) % 100);
        fprintf(f, ",%d,%lld\n", (int)((a >> 48) % 1000) - 500,
                ((long long)(a % 90000) - 30000) * 7); /* past the direct domain */
    }
    fclose(f);
    sl_context *ctx;
    assert_int_equal(sl_context_create(&ctx), SL_OK);
    sli_csv_set_partition_rows(7000);
    assert_int_equal(sl_context_register_csv(ctx, "t", path, NULL), SL_OK);
    sli_csv_set_partition_rows(0);
    static const char *const q[][3] = {
        {NULL, "k", "count(*) as n, sum(v) as sv, avg(v) as av, min(x) as mn, max(v) as mx, count(v) as cv"},
        {"x > -300", "k", "sum(v) as sv, max(x) as mx"},
        {NULL, "s", "count(*) as n, sum(v) as sv, min(v) as mn, avg(x) as ax"},
        {"x < 400", "k, s", "count(v) as cv, sum(x) as sx, count(s) as cs"},
        {NULL, "r", "count(*) as n, sum(v) as sv, min(x) as mn"}, /* range partitions */
        {"x > 0", "r", "sum(x) as sx, max(v) as mv"},
    };
    for (size_t i = 0; i < sizeof q / sizeof q[0]; i++) {
        size_t na, nb;
        char **la = run_query(ctx, q[i][0], q[i][1], q[i][2], &na);
        size_t saved_groups = sli_agg_part_groups;
        unsigned saved_bits = sli_agg_part_bits;
        sli_agg_part_groups = 100;
        sli_agg_part_bits = 4;
        assert_int_equal(sl_context_set_threads(ctx, 1 + i % 2), SL_OK); /* one worker, or a team */
        char **lb = run_query(ctx, q[i][0], q[i][1], q[i][2], &nb);
        assert_int_equal(sl_context_set_threads(ctx, 0), SL_OK);
        sli_agg_part_groups = saved_groups;
        sli_agg_part_bits = saved_bits;
        assert_true(na > 1000); /* past the lowered threshold */
        assert_int_equal(na, nb);
        for (size_t j = 0; j < na; j++) {
            if (strcmp(la[j], lb[j])) fail_msg("query %zu row %zu: %s vs %s", i, j, la[j], lb[j]);
            free(la[j]);
            free(lb[j]);
        }
        free(la);
        free(lb);
    }
    /* EXPLAIN ANALYZE says how the rows were partitioned */
    size_t saved_groups = sli_agg_part_groups;
    unsigned saved_bits = sli_agg_part_bits;
    sli_agg_part_groups = 100;
    sli_agg_part_bits = 4;
    for (size_t threads = 1; threads <= 2; threads++) {
        assert_int_equal(sl_context_set_threads(ctx, threads), SL_OK);
        explain_has(ctx, "r", "count(*) as n", " partitions by key range, ");
        explain_has(ctx, "r", "count(*) as n", " mapped by key, ");
        explain_has(ctx, "k", "count(*) as n", "16 partitions by key hash");
    }
    sli_agg_part_groups = saved_groups;
    sli_agg_part_bits = saved_bits;
    assert_int_equal(sl_context_set_threads(ctx, 0), SL_OK);
    sl_context_destroy(ctx);
    assert_int_equal(tu_remove_dir(dir), 0);
}

int main(void)
{
    kt_seed(0x5eed0a99a11ull);
    setup_aggs();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rows_by_partition), cmocka_unit_test(test_int64_key),
        cmocka_unit_test(test_int32_key),         cmocka_unit_test(test_float_key),
        cmocka_unit_test(test_string_key),        cmocka_unit_test(test_two_keys),
        cmocka_unit_test(test_below_threshold),   cmocka_unit_test(test_queries),
        cmocka_unit_test(test_range_keys),        cmocka_unit_test(test_scheme),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
