/*
 * test_agg_table.c — tests of grouped aggregation (runtime/agg_table.h,
 * agg_direct.c, agg_hash.c, agg_merge.c).
 *
 * Random rows (xorshift) with NULLs, duplicate and skewed keys are fed in
 * chunks of random size, some with a selection vector, to a table that
 * starts direct, to one forced to hash, and compared with a per-row oracle
 * (rows sorted by key, then folded group by group). String keys arrive as
 * dictionary codes with a different dictionary per chunk, or as plain
 * strings; integer keys may start in a small domain and leave it mid-stream,
 * which moves the table from direct indexing to hashing. Merges of tables
 * built from two halves of the rows, whole or by hash partition, must equal
 * the table built from all of them.
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

#include "runtime/agg_table.h"
#include "runtime/buffer.h"
#include "runtime/types.h"

static uint64_t rng = 88172645463325252ull;
static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* ---- the data set -------------------------------------------------------------------------------- */

enum { KMAX = 2, NAGG = 10 };

/* How key values are drawn. */
typedef enum kgen {
    K_SMALL,   /* 0..9, skewed to 0 */
    K_CROSS,   /* 0..9 for the first half, then up to +-10^6 */
    K_WIDE,    /* +-10^6 */
    K_EXTREME, /* INT64_MIN and INT64_MAX */
    K_TOP,     /* INT64_MAX - 0..3 */
    K_STR,     /* 40 strings, skewed */
    K_STRMANY, /* 2^19 strings in the second half: thousands of distinct ones */
    K_DESC,    /* descending from n / 64 to 0, with noise: the range grows downwards */
} kgen;

typedef struct data {
    size_t n, nkeys;
    sl_type kt[KMAX];
    kgen gen[KMAX];
    bool plain_every_third; /* string keys: every third chunk is plain, not dictionary-coded */
    int64_t *kv[KMAX];
    uint8_t *knull[KMAX];
    int64_t *dec; /* decimal(12,2) */
    double *f;
    int32_t *i32;
    uint8_t *anull[3];
} data;

static int64_t draw_key(kgen g, size_t i, size_t n)
{
    switch (g) {
    case K_SMALL: return rnd() % 4 == 0 ? (int64_t)(rnd() % 10) : 0;
    case K_CROSS: return i < n / 2 ? (int64_t)(rnd() % 10) : (int64_t)(rnd() % 2000001) - 1000000;
    case K_WIDE: return (int64_t)(rnd() % 2000001) - 1000000;
    case K_EXTREME: return rnd() % 2 ? INT64_MIN : INT64_MAX;
    case K_TOP: return INT64_MAX - (int64_t)(rnd() % 4);
    case K_STR: return rnd() % 3 == 0 ? (int64_t)(rnd() % 40) : (int64_t)(rnd() % 3);
    case K_STRMANY: return i < n / 2 ? (int64_t)(rnd() % 40) : (int64_t)(rnd() % (1u << 19));
    case K_DESC: return (int64_t)((n - i) / 64 + rnd() % 3) - 100;
    }
    return 0;
}

static void make_data(data *d, size_t n, size_t nkeys, const sl_type *kt, const kgen *gen)
{
    memset(d, 0, sizeof *d);
    d->n = n;
    d->nkeys = nkeys;
    for (size_t k = 0; k < nkeys; k++) {
        d->kt[k] = kt[k];
        d->gen[k] = gen[k];
        d->kv[k] = calloc(n + 1, sizeof(int64_t));
        d->knull[k] = calloc(n + 1, 1);
        for (size_t i = 0; i < n; i++) {
            d->kv[k][i] = draw_key(gen[k], i, n);
            if (kt[k].id == SL_TYPE_INT8) d->kv[k][i] = (int8_t)d->kv[k][i];
            if (kt[k].id == SL_TYPE_BOOL) d->kv[k][i] &= 1;
            if (kt[k].id == SL_TYPE_INT32) d->kv[k][i] = (int32_t)d->kv[k][i];
            d->knull[k][i] = rnd() % 17 == 0;
        }
    }
    d->dec = calloc(n + 1, sizeof(int64_t));
    d->f = calloc(n + 1, sizeof(double));
    d->i32 = calloc(n + 1, sizeof(int32_t));
    for (int a = 0; a < 3; a++) d->anull[a] = calloc(n + 1, 1);
    for (size_t i = 0; i < n; i++) {
        d->dec[i] = (int64_t)(rnd() % 2000000001) - 1000000000;
        d->f[i] = (double)(int64_t)(rnd() % 2001 - 1000) / 8.0;
        d->i32[i] = (int32_t)rnd();
        /* argument NULLs only from the second quarter on: counts start implicit */
        for (int a = 0; a < 3; a++) d->anull[a][i] = i > n / 4 && rnd() % 5 == 0;
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
    for (int a = 0; a < 3; a++) free(d->anull[a]);
}

/* ---- aggregates ---------------------------------------------------------------------------------- */

static sli_expr arg_dec, arg_f, arg_i32;
static sli_agg aggs[NAGG];
/* The aggregates a table is made with: aggs[amap[0..nagg)] (all, or sums and
 * min/max only, which need no row counts). */
static const size_t all_map[NAGG] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, sums_map[4] = {2, 4, 5, 8};
static const size_t *amap = all_map;
static size_t nagg = NAGG;
static sli_agg table_aggs[NAGG];

static const sli_agg *use_aggs(bool sums_only)
{
    amap = sums_only ? sums_map : all_map;
    nagg = sums_only ? 4 : NAGG;
    for (size_t k = 0; k < nagg; k++) table_aggs[k] = aggs[amap[k]];
    return table_aggs;
}

static void setup_aggs(void)
{
    arg_dec.index = 0; /* column references: sum and avg of one column share states */
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
    };
    memcpy(aggs, a, sizeof a);
}

/* One output row: keys and aggregate values. */
typedef struct orow {
    bool knull[KMAX];
    int64_t kv[KMAX];
    bool null[NAGG];
    __int128 i[NAGG];
    double f[NAGG];
} orow;

static int cmp_keys(const bool *an, const int64_t *av, const bool *bn, const int64_t *bv, size_t nkeys)
{
    for (size_t k = 0; k < nkeys; k++) {
        if (an[k] != bn[k]) return an[k] ? 1 : -1;
        if (!an[k] && av[k] != bv[k]) return av[k] < bv[k] ? -1 : 1;
    }
    return 0;
}

static size_t sort_nkeys;
static int cmp_orow(const void *a, const void *b)
{
    const orow *x = a, *y = b;
    return cmp_keys(x->knull, x->kv, y->knull, y->kv, sort_nkeys);
}

/* ---- the oracle --------------------------------------------------------------------------------- */

static const data *sort_data;
static int cmp_row(const void *a, const void *b)
{
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    const data *d = sort_data;
    for (size_t k = 0; k < d->nkeys; k++) {
        if (d->knull[k][i] != d->knull[k][j]) return d->knull[k][i] ? 1 : -1;
        if (!d->knull[k][i] && d->kv[k][i] != d->kv[k][j]) return d->kv[k][i] < d->kv[k][j] ? -1 : 1;
    }
    return i < j ? -1 : i > j; /* rows of a group in input order: float sums add in the same order */
}

/* Folds rows[0..m) (one group, input order) into o. */
static void fold(const data *d, const size_t *rows, size_t m, orow *o)
{
    int64_t cnt_dec = 0, cnt_f = 0, cnt_i = 0;
    __int128 sdec = 0;
    double sf = 0;
    bool have_i = false, have_f = false, have_d = false;
    int32_t mn_i = 0, mx_i = 0;
    double mn_f = 0;
    int64_t mx_d = 0;
    for (size_t j = 0; j < m; j++) {
        size_t r = rows[j];
        if (!d->anull[0][r]) {
            cnt_dec++;
            sdec += d->dec[r];
            if (!have_d || d->dec[r] > mx_d) mx_d = d->dec[r];
            have_d = true;
        }
        if (!d->anull[1][r]) {
            cnt_f++;
            sf += d->f[r];
            if (!have_f || d->f[r] < mn_f) mn_f = d->f[r];
            have_f = true;
        }
        if (!d->anull[2][r]) {
            cnt_i++;
            if (!have_i || d->i32[r] < mn_i) mn_i = d->i32[r];
            if (!have_i || d->i32[r] > mx_i) mx_i = d->i32[r];
            have_i = true;
        }
    }
    (void)cnt_i;
    memset(o->null, 0, sizeof o->null);
    o->i[0] = (__int128)m;
    o->i[1] = cnt_dec;
    o->null[2] = cnt_dec == 0;
    o->i[2] = sdec;
    o->null[3] = cnt_dec == 0;
    o->f[3] = cnt_dec ? (double)sdec / 100.0 / (double)cnt_dec : 0;
    o->null[4] = cnt_f == 0;
    o->f[4] = sf;
    o->null[5] = o->null[6] = !have_i;
    o->i[5] = mn_i;
    o->i[6] = mx_i;
    o->null[7] = !have_f;
    o->f[7] = mn_f;
    o->null[8] = !have_d;
    o->i[8] = mx_d;
    o->null[9] = cnt_f == 0;
    o->f[9] = cnt_f ? sf / (double)cnt_f : 0;
}

/* The oracle's rows for the selected rows rows[0..m), sorted by key. */
static orow *oracle(const data *d, size_t *rows, size_t m, size_t *nout)
{
    sort_data = d;
    qsort(rows, m, sizeof *rows, cmp_row);
    orow *out = calloc(m + 1, sizeof *out);
    size_t no = 0;
    if (d->nkeys == 0) {
        fold(d, rows, m, &out[0]);
        *nout = 1;
        return out;
    }
    for (size_t i = 0; i < m;) {
        size_t j = i + 1;
        while (j < m && cmp_row(&rows[i], &rows[j]) < 0) {
            /* same group while the keys compare equal (row order only breaks ties) */
            size_t a = rows[i], b = rows[j];
            bool same = true;
            for (size_t k = 0; k < d->nkeys; k++)
                same &= d->knull[k][a] == d->knull[k][b] && (d->knull[k][a] || d->kv[k][a] == d->kv[k][b]);
            if (!same) break;
            j++;
        }
        orow *o = &out[no++];
        for (size_t k = 0; k < d->nkeys; k++) {
            o->knull[k] = d->knull[k][rows[i]];
            o->kv[k] = o->knull[k] ? 0 : d->kv[k][rows[i]];
        }
        fold(d, rows + i, j - i, o);
        i = j;
    }
    *nout = no;
    return out;
}

/* ---- feeding a table ---------------------------------------------------------------------------- */

/* Chunk-local vectors and what must live as long as the table (dictionaries). */
typedef struct feeder {
    sli_dict **dicts;
    size_t ndicts;
    char (*pool)[16]; /* "s<value>" per distinct string value, by value */
    size_t npool;
    uint32_t *stamp_of; /* by value: the dictionary that last gave it a code */
    int32_t *code_of;
    uint32_t stamp;
} feeder;

static const char *str_of(feeder *f, int64_t v)
{
    assert_true(v >= 0 && (size_t)v < f->npool);
    if (!f->pool[v][0]) snprintf(f->pool[v], sizeof f->pool[v], "s%lld", (long long)v);
    return f->pool[v];
}

static void set_bit(uint8_t *bits, size_t i, bool v)
{
    if (v)
        bits[i >> 3] |= (uint8_t)(1u << (i & 7));
    else
        bits[i >> 3] &= (uint8_t) ~(1u << (i & 7));
}

/* Builds the key vector of key k over rows [start, start + m). */
static void key_vec(feeder *f, const data *d, size_t k, size_t start, size_t m, size_t chunkno, void *vals,
                    uint8_t *valid, sli_vec *out)
{
    out->type = d->kt[k];
    out->dict = NULL;
    out->data = vals;
    out->validity = valid;
    for (size_t i = 0; i < m; i++) set_bit(valid, i, !d->knull[k][start + i]);
    if (d->kt[k].id != SL_TYPE_UTF8) {
        for (size_t i = 0; i < m; i++) {
            int64_t v = d->kv[k][start + i];
            switch (sli_ptype(d->kt[k])) {
            case SL_P_I8: ((int8_t *)vals)[i] = (int8_t)v; break;
            case SL_P_I16: ((int16_t *)vals)[i] = (int16_t)v; break;
            case SL_P_I32: ((int32_t *)vals)[i] = (int32_t)v; break;
            case SL_P_F64: ((double *)vals)[i] = (double)v; break;
            default: ((int64_t *)vals)[i] = v; break;
            }
        }
        return;
    }
    if (d->plain_every_third && chunkno % 3 == 2) {
        sli_strview *sv = vals;
        for (size_t i = 0; i < m; i++) {
            const char *s = d->knull[k][start + i] ? "" : str_of(f, d->kv[k][start + i]);
            sv[i].ptr = s;
            sv[i].len = (uint32_t)strlen(s);
        }
        return;
    }
    /* A new dictionary: this chunk's values and three unused ones, in a shuffled order. */
    sli_dict *dict = sli_dict_new(); /* the feeder's reference; tables take their own */
    size_t cap = m + 4;
    dict->views = calloc(cap, sizeof *dict->views);
    int64_t *vals_of = calloc(cap, sizeof *vals_of);
    size_t cnt = 0;
    int32_t *codes = vals;
    f->stamp++;
    for (size_t i = 0; i < m; i++) {
        if (d->knull[k][start + i]) {
            codes[i] = 0; /* any code in range: the row is NULL */
            continue;
        }
        int64_t v = d->kv[k][start + i];
        if (f->stamp_of[v] != f->stamp) {
            f->stamp_of[v] = f->stamp;
            f->code_of[v] = (int32_t)cnt;
            vals_of[cnt++] = v;
        }
        codes[i] = f->code_of[v];
    }
    for (int e = 0; e < 3; e++) vals_of[cnt++] = (int64_t)(f->npool - 1 - (size_t)e); /* never in a row */
    int32_t *perm = calloc(cnt, sizeof *perm);
    int64_t *shuffled = calloc(cnt, sizeof *shuffled);
    for (size_t c = 0; c < cnt; c++) perm[c] = (int32_t)c;
    for (size_t c = cnt; c > 1; c--) {
        size_t j = rnd() % c;
        int32_t t = perm[c - 1];
        perm[c - 1] = perm[j];
        perm[j] = t;
    }
    for (size_t c = 0; c < cnt; c++) shuffled[perm[c]] = vals_of[c];
    for (size_t i = 0; i < m; i++)
        if (!d->knull[k][start + i]) codes[i] = perm[codes[i]];
    memcpy(vals_of, shuffled, cnt * sizeof *vals_of);
    free(perm);
    free(shuffled);
    for (size_t c = 0; c < cnt; c++) {
        const char *s = str_of(f, vals_of[c]);
        dict->views[c].ptr = s;
        dict->views[c].len = (uint32_t)strlen(s);
    }
    dict->count = cnt;
    free(vals_of);
    f->dicts = realloc(f->dicts, (f->ndicts + 1) * sizeof *f->dicts);
    f->dicts[f->ndicts++] = dict;
    out->dict = dict;
}

static void feeder_init(feeder *f)
{
    memset(f, 0, sizeof *f);
    f->npool = (1u << 19) + 8;
    f->pool = calloc(f->npool, sizeof *f->pool);
    f->stamp_of = calloc(f->npool, sizeof *f->stamp_of);
    f->code_of = calloc(f->npool, sizeof *f->code_of);
}

static void feeder_free(feeder *f)
{
    for (size_t i = 0; i < f->ndicts; i++) {
        free(f->dicts[i]->views);
        f->dicts[i]->views = NULL;
        sli_dict_unref(f->dicts[i]);
    }
    free(f->dicts);
    free(f->pool);
    free(f->stamp_of);
    free(f->code_of);
}

/* Feeds rows [from, to) of d to t in random chunks, some with a random
 * selection; appends the selected rows to rows[*m]. */
static void feed(feeder *f, sli_agg_table *t, const data *d, size_t from, size_t to, size_t *rows, size_t *m)
{
    void *kvals[KMAX];
    uint8_t *kvalid[KMAX];
    for (size_t k = 0; k < KMAX; k++) {
        kvals[k] = sli_buf_alloc(SLI_VEC_SIZE * sizeof(sli_strview));
        kvalid[k] = sli_buf_alloc(SLI_VEC_SIZE / 8);
    }
    uint8_t *avalid[3];
    for (int a = 0; a < 3; a++) avalid[a] = sli_buf_alloc(SLI_VEC_SIZE / 8);
    uint32_t *sel = sli_buf_alloc(SLI_VEC_SIZE * sizeof *sel);
    size_t chunkno = 0;
    for (size_t start = from; start < to; chunkno++) {
        size_t m0 = rnd() % 4 == 0 ? SLI_VEC_SIZE : 1 + rnd() % SLI_VEC_SIZE;
        size_t n = to - start < m0 ? to - start : m0;
        sli_vec keys[KMAX];
        for (size_t k = 0; k < d->nkeys; k++)
            key_vec(f, d, k, start, n, chunkno, kvals[k], kvalid[k], &keys[k]);
        sli_vec args[3] = {
            {arg_dec.type, d->dec + start, avalid[0], NULL},
            {arg_f.type, d->f + start, avalid[1], NULL},
            {arg_i32.type, d->i32 + start, avalid[2], NULL},
        };
        for (int a = 0; a < 3; a++) {
            bool any = false;
            for (size_t i = 0; i < n; i++) {
                set_bit(avalid[a], i, !d->anull[a][start + i]);
                any |= d->anull[a][start + i];
            }
            if (!any) args[a].validity = NULL;
        }
        const uint32_t *s = NULL;
        size_t cnt = n;
        if (chunkno % 4 == 1) {
            cnt = 0;
            for (size_t i = 0; i < n; i++) {
                sel[cnt] = (uint32_t)i;
                cnt += rnd() % 3 != 0;
            }
            s = sel;
        }
        for (size_t i = 0; i < cnt; i++) rows[(*m)++] = start + (s ? s[i] : i);
        assert_int_equal(sli_agg_table_groups(t, keys, s, cnt), SL_OK);
        const int argof[NAGG] = {-1, 0, 0, 0, 1, 2, 2, 1, 0, 1};
        for (size_t k = 0; k < nagg; k++) {
            int ak = argof[amap[k]];
            assert_int_equal(sli_agg_table_update(t, k, ak < 0 ? NULL : &args[ak], s, cnt), SL_OK);
        }
        start += n;
    }
    for (size_t k = 0; k < KMAX; k++) {
        sli_buf_free(kvals[k]);
        sli_buf_free(kvalid[k]);
    }
    for (int a = 0; a < 3; a++) sli_buf_free(avalid[a]);
    sli_buf_free(sel);
}

/* ---- reading results ----------------------------------------------------------------------------- */

static int64_t int_at(const sli_column *c, size_t i)
{
    switch (sli_ptype(c->type)) {
    case SL_P_I8: return ((const int8_t *)c->data)[i];
    case SL_P_I16: return ((const int16_t *)c->data)[i];
    case SL_P_I32: return ((const int32_t *)c->data)[i];
    default: return ((const int64_t *)c->data)[i];
    }
}

/* Finishes t into rows sorted by key. */
static orow *result_rows(sli_agg_table *t, size_t nkeys, size_t *nout)
{
    char *names[KMAX + NAGG];
    char buf[KMAX + NAGG][8];
    for (size_t i = 0; i < KMAX + NAGG; i++) {
        snprintf(buf[i], sizeof buf[i], "c%zu", i);
        names[i] = buf[i];
    }
    sli_table *tab = NULL;
    assert_int_equal(sli_agg_table_finish(t, NULL, names, &tab), SL_OK);
    assert_int_equal(tab->nparts, 1);
    size_t n = tab->rows;
    orow *out = calloc(n + 1, sizeof *out);
    sli_column **cols = tab->parts[0].cols;
    for (size_t i = 0; i < n; i++) {
        orow *o = &out[i];
        for (size_t k = 0; k < nkeys; k++) {
            o->knull[k] = !sli_valid(cols[k]->validity, i);
            if (o->knull[k]) continue;
            if (cols[k]->type.id == SL_TYPE_UTF8) {
                sli_strview s = sli_column_str(cols[k], i);
                char tmp[32];
                assert_true(s.len > 1 && s.len < sizeof tmp && s.ptr[0] == 's');
                memcpy(tmp, s.ptr + 1, s.len - 1);
                tmp[s.len - 1] = 0;
                o->kv[k] = strtoll(tmp, NULL, 10);
            } else if (sli_ptype(cols[k]->type) == SL_P_F64) {
                o->kv[k] = (int64_t)((const double *)cols[k]->data)[i];
            } else {
                o->kv[k] = int_at(cols[k], i);
            }
        }
        for (size_t k = 0; k < nagg; k++) {
            size_t a = amap[k];
            const sli_column *c = cols[nkeys + k];
            o->null[a] = !sli_valid(c->validity, i);
            if (o->null[a]) continue;
            if (sli_ptype(c->type) == SL_P_F64)
                o->f[a] = ((const double *)c->data)[i];
            else
                o->i[a] = int_at(c, i);
        }
    }
    sli_table_free(tab);
    sort_nkeys = nkeys;
    qsort(out, n, sizeof *out, cmp_orow);
    *nout = n;
    return out;
}

static void expect_rows(const orow *want, size_t nwant, const orow *got, size_t ngot, size_t nkeys,
                        bool exact)
{
    assert_int_equal(ngot, nwant);
    for (size_t i = 0; i < nwant; i++) {
        const orow *w = &want[i], *g = &got[i];
        assert_int_equal(cmp_keys(w->knull, w->kv, g->knull, g->kv, nkeys), 0);
        for (size_t k = 0; k < nagg; k++) {
            size_t a = amap[k];
            assert_int_equal(g->null[a], w->null[a]);
            if (w->null[a]) continue;
            bool isf = a == 3 || a == 4 || a == 7 || a == 9;
            if (!isf) {
                assert_true(g->i[a] == w->i[a]);
            } else if (exact) {
                assert_true(g->f[a] == w->f[a]);
            } else {
                double tol = 1e-9 * fmax(1.0, fabs(w->f[a]));
                assert_true(fabs(g->f[a] - w->f[a]) <= tol);
            }
        }
    }
}

/* ---- the cases ------------------------------------------------------------------------------------ */

/* Direct (when the types allow) and hashed tables against the oracle.
 * @return whether the default table was still direct at the end. */
static bool check_aggs(size_t n, size_t nkeys, const sl_type *kt, const kgen *gen, bool plain, bool sums_only)
{
    setup_aggs();
    const sli_agg *ta = use_aggs(sums_only);
    data d;
    make_data(&d, n, nkeys, kt, gen);
    d.plain_every_third = plain;
    bool direct_at_end = false;
    for (int force = 0; force < 2; force++) {
        feeder f;
        feeder_init(&f);
        sli_agg_table t;
        assert_int_equal(sli_agg_table_init(&t, kt, nkeys, ta, nagg), SL_OK);
        if (force) sli_agg_table_force_hash(&t);
        if (force) assert_false(t.direct);
        size_t *rows = calloc(n + 1, sizeof *rows), m = 0;
        feed(&f, &t, &d, 0, n, rows, &m);
        if (!force) direct_at_end = t.direct;
        size_t ng = 0, nw = 0;
        orow *got = result_rows(&t, nkeys, &ng);
        orow *want = oracle(&d, rows, m, &nw);
        expect_rows(want, nw, got, ng, nkeys, true);
        free(got);
        free(want);
        free(rows);
        sli_agg_table_free(&t);
        feeder_free(&f);
    }
    free_data(&d);
    use_aggs(false);
    return direct_at_end;
}

static bool check(size_t n, size_t nkeys, const sl_type *kt, const kgen *gen, bool plain)
{
    bool all = check_aggs(n, nkeys, kt, gen, plain, false);
    bool sums = check_aggs(n, nkeys, kt, gen, plain, true);
    assert_int_equal(all, sums);
    return all;
}

static void test_dict_keys_stay_direct(void **state)
{
    (void)state;
    sl_type kt[2] = {sli_type(SL_TYPE_UTF8), sli_type(SL_TYPE_UTF8)};
    kgen g[2] = {K_STR, K_STR};
    assert_true(check(30000, 2, kt, g, true));
}

static void test_small_ints_stay_direct(void **state)
{
    (void)state;
    sl_type kt[2] = {sli_type(SL_TYPE_BOOL), sli_type(SL_TYPE_INT8)};
    kgen g[2] = {K_SMALL, K_SMALL};
    assert_true(check(20000, 2, kt, g, false));
    sl_type kt1[1] = {sli_type(SL_TYPE_INT64)};
    kgen g1[1] = {K_TOP};
    assert_true(check(5000, 1, kt1, g1, false));
    sl_type kt2[2] = {sli_type(SL_TYPE_DATE32), sli_type(SL_TYPE_UTF8)};
    kgen g2[2] = {K_SMALL, K_STR};
    assert_true(check(20000, 2, kt2, g2, true));
    /* the lowest value falls chunk after chunk: ids of old groups move */
    sl_type kt3[2] = {sli_type(SL_TYPE_UTF8), sli_type(SL_TYPE_INT16)};
    kgen g3[2] = {K_STR, K_DESC};
    assert_true(check(20000, 2, kt3, g3, false));
}

static void test_domain_crosses_threshold(void **state)
{
    (void)state;
    sl_type kt[2] = {sli_type(SL_TYPE_UTF8), sli_type(SL_TYPE_INT32)};
    kgen g[2] = {K_STR, K_CROSS};
    assert_false(check(40000, 2, kt, g, true));
    sl_type kt1[1] = {sli_type(SL_TYPE_INT64)};
    kgen g1[1] = {K_EXTREME};
    assert_false(check(3000, 1, kt1, g1, false));
    kgen g1c[1] = {K_CROSS}; /* one integer key: the hash slots take the groups' values */
    assert_false(check(30000, 1, kt1, g1c, false));
    /* about 20000 strings (15 bits) and 11 small ints (4 bits) need 19 bits */
    sl_type kt2[2] = {sli_type(SL_TYPE_UTF8), sli_type(SL_TYPE_INT16)};
    kgen g2[2] = {K_STRMANY, K_SMALL};
    assert_false(check(40000, 2, kt2, g2, true));
}

static void test_wide_and_float_keys_hash(void **state)
{
    (void)state;
    sl_type kt[2] = {sli_type(SL_TYPE_INT64), sli_type(SL_TYPE_INT16)};
    kgen g[2] = {K_WIDE, K_SMALL};
    assert_false(check(30000, 2, kt, g, false));
    sl_type kt1[2] = {sli_type(SL_TYPE_FLOAT64), sli_type(SL_TYPE_UTF8)};
    kgen g1[2] = {K_SMALL, K_STR};
    assert_false(check(20000, 2, kt1, g1, true));
}

static void test_zero_rows(void **state)
{
    (void)state;
    setup_aggs();
    /* global: one row, count 0, the others NULL */
    sli_agg_table t;
    assert_int_equal(sli_agg_table_init(&t, NULL, 0, aggs, NAGG), SL_OK);
    size_t ng = 0;
    orow *got = result_rows(&t, 0, &ng);
    assert_int_equal(ng, 1);
    assert_false(got[0].null[0]);
    assert_true(got[0].i[0] == 0 && got[0].i[1] == 0);
    for (size_t a = 2; a < NAGG; a++) assert_true(got[0].null[a]);
    free(got);
    sli_agg_table_free(&t);
    /* grouped: no rows */
    sl_type kt[1] = {sli_type(SL_TYPE_UTF8)};
    for (int force = 0; force < 2; force++) {
        assert_int_equal(sli_agg_table_init(&t, kt, 1, aggs, NAGG), SL_OK);
        if (force) sli_agg_table_force_hash(&t);
        assert_int_equal(sli_agg_table_groups(&t, NULL, NULL, 0), SL_OK);
        got = result_rows(&t, 1, &ng);
        assert_int_equal(ng, 0);
        free(got);
        sli_agg_table_free(&t);
    }
    /* global over rows: equals the oracle */
    check(5000, 0, NULL, NULL, false);
}

/* One int64 key and one sum, which keeps no row counts: neither rows nor
 * the sum's count array exists until an argument is NULL. Keys that share
 * slots, a NULL key whose data equals another key's value, and keys
 * repeated within a vector each keep their own group, numbered in order of
 * first appearance; a merge into a table without counts gives it counts. */
static void test_int_key_sum_probe(void **state)
{
    (void)state;
    setup_aggs();
    enum { N = 2048, G = 300, CHUNKS = 4 };
    sli_agg sum = aggs[2]; /* sum(arg_dec) */
    sl_type kt[1] = {sli_type(SL_TYPE_INT64)};
    sli_agg_table t, u;
    assert_int_equal(sli_agg_table_init(&t, kt, 1, &sum, 1), SL_OK);
    assert_int_equal(sli_agg_table_init(&u, kt, 1, &sum, 1), SL_OK);
    sli_agg_table_force_hash(&t);
    assert_null(t.rows);
    assert_null(t.count[0]);
    int64_t *key = sli_buf_alloc(N * sizeof *key), *val = sli_buf_alloc(N * sizeof *val);
    uint8_t *kvalid = sli_buf_alloc(N / 8), *vvalid = sli_buf_alloc(N / 8);
    __int128 want[G + 1] = {0}, want_u[G + 1] = {0};
    int64_t cnt[G + 1] = {0}, rows_u[G + 1] = {0};
    int order[G + 1], rank[G + 1], seen = 0;
    for (int g = 0; g <= G; g++) rank[g] = -1;
    for (int c = 0; c < CHUNKS; c++) {
        for (size_t i = 0; i < N; i++) {
            int g = (int)(rnd() % (c == 0 ? G : G + 1));  /* G: the NULL key, from chunk 1 on */
            key[i] = (g == G ? 7 : g) * 1000003 - 500000; /* a NULL key's data equals key 7's */
            set_bit(kvalid, i, g != G);
            if (g == G - 1 && c < 2) g = 0; /* G - 1: first seen in chunk 2, never with a value */
            key[i] = (g == G ? 7 : g) * 1000003 - 500000;
            bool vnull = c >= 2 && (g == G - 1 || rnd() % 5 == 0);
            val[i] = (int64_t)(rnd() % 100000) - 20000;
            set_bit(vvalid, i, !vnull);
            if (!vnull) {
                want[g] += val[i];
                cnt[g]++;
            }
            if (c == 0) {
                want_u[g] += val[i];
                rows_u[g]++;
            }
            if (rank[g] < 0) {
                rank[g] = seen;
                order[seen++] = g;
            }
        }
        sli_vec kv = {.type = kt[0], .data = key, .validity = kvalid};
        sli_vec av = {.type = arg_dec.type, .data = val, .validity = c >= 2 ? vvalid : NULL};
        assert_int_equal(sli_agg_table_groups(&t, &kv, NULL, N), SL_OK);
        assert_int_equal(sli_agg_table_update(&t, 0, &av, NULL, N), SL_OK);
        if (c == 0) {
            assert_int_equal(sli_agg_table_groups(&u, &kv, NULL, N), SL_OK);
            assert_int_equal(sli_agg_table_update(&u, 0, &av, NULL, N), SL_OK);
        }
        if (c < 2) assert_null(t.count[0]);
        if (c >= 2) assert_non_null(t.count[0]);
    }
    assert_null(t.rows);
    assert_int_equal(t.ngroups, (size_t)seen);
    const sli_column *kc = &t.keys[0].col;
    const __int128 *st = t.state[0];
    for (int j = 0; j < seen; j++) {
        int g = order[j];
        bool knull = !sli_valid(kc->validity, (size_t)j);
        assert_int_equal(knull, g == G);
        if (!knull) assert_int_equal(((const int64_t *)kc->data)[j], (int64_t)g * 1000003 - 500000);
        assert_true(st[j] == want[g]);
        /* without rows a count only tells whether the group has a value */
        assert_int_equal(t.count[0][j] > 0, cnt[g] > 0);
        assert_int_equal(cnt[g] == 0, g == G - 1);
    }
    /* u (chunk 0 only, no counts) takes in t: counts appear, sums add */
    assert_null(u.count[0]);
    assert_int_equal(sli_agg_table_prepare_merge(&t), SL_OK);
    assert_int_equal(sli_agg_table_merge(&u, &t, 0, 0), SL_OK);
    assert_non_null(u.count[0]);
    assert_null(u.rows);
    assert_int_equal(u.ngroups, (size_t)seen);
    const sli_column *uc = &u.keys[0].col;
    for (size_t j = 0; j < u.ngroups; j++) {
        int g = sli_valid(uc->validity, j) ? (int)((((const int64_t *)uc->data)[j] + 500000) / 1000003) : G;
        assert_true(((const __int128 *)u.state[0])[j] == want[g] + want_u[g]);
        assert_int_equal(u.count[0][j] > 0, cnt[g] + rows_u[g] > 0);
    }
    sli_buf_free(key);
    sli_buf_free(val);
    sli_buf_free(kvalid);
    sli_buf_free(vvalid);
    sli_agg_table_free(&t);
    sli_agg_table_free(&u);
}

/* Two tables from the two halves, merged (whole, then by 4 partitions),
 * equal the oracle over all rows. */
static void merge_case(size_t n, size_t nkeys, const sl_type *kt, const kgen *gen, int force_a, int force_b,
                       bool sums_only)
{
    setup_aggs();
    const sli_agg *ta = use_aggs(sums_only);
    data d;
    make_data(&d, n, nkeys, kt, gen);
    d.plain_every_third = true;
    feeder f;
    feeder_init(&f);
    sli_agg_table a, b;
    assert_int_equal(sli_agg_table_init(&a, kt, nkeys, ta, nagg), SL_OK);
    assert_int_equal(sli_agg_table_init(&b, kt, nkeys, ta, nagg), SL_OK);
    if (force_a) sli_agg_table_force_hash(&a);
    if (force_b) sli_agg_table_force_hash(&b);
    size_t *rows = calloc(n + 1, sizeof *rows), m = 0;
    /* the first half has no argument NULLs in its first quarter only: counts differ in kind */
    feed(&f, &a, &d, 0, n / 2, rows, &m);
    feed(&f, &b, &d, n / 2, n, rows, &m);
    assert_int_equal(sli_agg_table_prepare_merge(&a), SL_OK);
    assert_int_equal(sli_agg_table_prepare_merge(&b), SL_OK);
    size_t nw = 0;
    orow *want = oracle(&d, rows, m, &nw);
    /* whole */
    for (int into_hash = 0; into_hash < 2; into_hash++) {
        sli_agg_table all;
        assert_int_equal(sli_agg_table_init(&all, kt, nkeys, ta, nagg), SL_OK);
        if (into_hash) sli_agg_table_force_hash(&all);
        assert_int_equal(sli_agg_table_merge(&all, &a, 0, 0), SL_OK);
        assert_int_equal(sli_agg_table_merge(&all, &b, 0, 0), SL_OK);
        size_t ng = 0;
        orow *got = result_rows(&all, nkeys, &ng);
        expect_rows(want, nw, got, ng, nkeys, false);
        free(got);
        sli_agg_table_free(&all);
    }
    /* by partition: the union of the partitions, with no group in two (a
     * global aggregate has one group, always in partition 0) */
    const unsigned pbits = nkeys ? 2 : 0;
    orow *un = calloc(nw + 1, sizeof *un);
    size_t nu = 0;
    for (size_t p = 0; p < (1u << pbits); p++) {
        sli_agg_table part;
        assert_int_equal(sli_agg_table_init(&part, kt, nkeys, ta, nagg), SL_OK);
        assert_int_equal(sli_agg_table_merge(&part, &a, pbits, p), SL_OK);
        assert_int_equal(sli_agg_table_merge(&part, &b, pbits, p), SL_OK);
        size_t ng = 0;
        orow *got = result_rows(&part, nkeys, &ng);
        assert_true(nu + ng <= nw);
        memcpy(un + nu, got, ng * sizeof *got);
        nu += ng;
        free(got);
        sli_agg_table_free(&part);
    }
    sort_nkeys = nkeys;
    qsort(un, nu, sizeof *un, cmp_orow);
    expect_rows(want, nw, un, nu, nkeys, false);
    free(un);
    free(want);
    free(rows);
    sli_agg_table_free(&a);
    sli_agg_table_free(&b);
    feeder_free(&f);
    free_data(&d);
    use_aggs(false);
}

static void test_merge(void **state)
{
    (void)state;
    sl_type kt[2] = {sli_type(SL_TYPE_UTF8), sli_type(SL_TYPE_INT32)};
    kgen g[2] = {K_STR, K_SMALL};
    merge_case(20000, 2, kt, g, 0, 0, false);
    merge_case(20000, 2, kt, g, 1, 0, false);
    merge_case(20000, 2, kt, g, 0, 0, true);
    kgen g2[2] = {K_STR, K_CROSS};
    merge_case(20000, 2, kt, g2, 0, 1, false);
    merge_case(20000, 2, kt, g2, 1, 0, true);
    merge_case(4000, 0, NULL, NULL, 0, 0, false);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dict_keys_stay_direct),
        cmocka_unit_test(test_small_ints_stay_direct),
        cmocka_unit_test(test_domain_crosses_threshold),
        cmocka_unit_test(test_wide_and_float_keys_hash),
        cmocka_unit_test(test_zero_rows),
        cmocka_unit_test(test_merge),
        cmocka_unit_test(test_int_key_sum_probe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
