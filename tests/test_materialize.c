/*
 * test_materialize.c — appending string vectors to column builders
 * (runtime/materialize.c, runtime/column.c).
 *
 * A utf8 builder keeps the dictionary codes of the vectors it receives while
 * they all carry one dictionary (holding a reference to it), and becomes
 * plain strings, with every earlier value decoded, when a vector of another
 * dictionary, a plain vector or a single string arrives. Each case checks
 * every value and NULL of the finished column against what was appended,
 * through selections and NULL rows, and that the dictionary's references
 * are given back. Gathering a column's rows to given positions of a vector
 * (sli_vec_gather_column_at) is checked for every width and string form.
 * Dictionary encoding of a plain column: within its distinct-value limit,
 * and the sampled form that leaves a column whose first 1024 values hardly
 * repeat plain.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "runtime/column.h"
#include "runtime/materialize.h"
#include "runtime/types.h"

/* A dictionary of n strings "<prefix><i>". */
static sli_dict *make_dict(const char *prefix, size_t n)
{
    sli_dict *d = sli_dict_new();
    assert_non_null(d);
    d->count = n;
    d->views = calloc(n ? n : 1, sizeof *d->views);
    d->offsets = NULL; /* views point into bytes directly */
    d->bytes = NULL;
    assert_non_null(d->views);
    for (size_t i = 0; i < n; i++) {
        char buf[32];
        int len = snprintf(buf, sizeof buf, "%s%zu", prefix, i);
        char *s = malloc((size_t)len + 1);
        assert_non_null(s);
        memcpy(s, buf, (size_t)len + 1);
        d->views[i] = (sli_strview){s, (uint32_t)len};
    }
    return d;
}

static void free_dict_strings(sli_dict *d)
{
    for (size_t i = 0; i < d->count; i++) free((char *)d->views[i].ptr);
}

/* The values a test appended, in order: NULL for a NULL row. */
typedef struct expect {
    const char *v[512];
    size_t n;
} expect;

/* Appends rows (sel, n) of a vector of codes over dict (validity may be NULL). */
static void append_codes(sli_colbuilder *b, sli_dict *d, const int32_t *codes, const uint8_t *validity,
                         const uint32_t *sel, size_t n, expect *e)
{
    sli_vec v = {sli_type(SL_TYPE_UTF8), (void *)codes, validity, d};
    assert_int_equal(sli_append_vec(b, &v, sel, n), SL_OK);
    for (size_t i = 0; i < n; i++) {
        uint32_t r = sel ? sel[i] : (uint32_t)i;
        e->v[e->n++] = sli_valid(validity, r) ? d->views[codes[r]].ptr : NULL;
    }
}

static void check_column(const sli_column *c, const expect *e)
{
    assert_int_equal(c->length, e->n);
    for (size_t i = 0; i < e->n; i++) {
        if (!e->v[i]) {
            assert_false(sli_valid(c->validity, i));
            continue;
        }
        assert_true(sli_valid(c->validity, i));
        sli_strview s = sli_column_str(c, i);
        if (s.len != strlen(e->v[i]) || memcmp(s.ptr, e->v[i], s.len) != 0)
            fail_msg("row %zu: '%.*s', want '%s'", i, (int)s.len, s.ptr, e->v[i]);
    }
}

static void test_codes_kept(void **state)
{
    (void)state;
    sli_dict *d = make_dict("a", 7);
    int32_t codes[100];
    uint8_t valid[13];
    memset(valid, 0xff, sizeof valid);
    for (int i = 0; i < 100; i++) {
        codes[i] = i % 7;
        if (i % 9 == 4) valid[i / 8] &= (uint8_t) ~(1u << (i % 8));
    }
    uint32_t sel[] = {1, 4, 5, 50, 99};
    expect e = {{0}, 0};
    sli_colbuilder b;
    sli_colbuilder_init(&b, sli_type(SL_TYPE_UTF8));
    append_codes(&b, d, codes, NULL, NULL, 100, &e);
    append_codes(&b, d, codes, valid, sel, 5, &e);
    append_codes(&b, d, codes, valid, NULL, 100, &e);
    assert_ptr_equal(b.col.dict, d);
    assert_int_equal(d->refcount, 2);
    assert_int_equal(sli_colbuilder_append_null(&b), SL_OK);
    e.v[e.n++] = NULL;
    sli_column *c = sli_colbuilder_finish(&b);
    assert_non_null(c);
    assert_ptr_equal(c->dict, d); /* still codes */
    check_column(c, &e);
    sli_column_free(c);
    assert_int_equal(d->refcount, 1);
    free_dict_strings(d);
    sli_dict_unref(d);
}

/* A second dictionary, a plain vector or a single string: the builder turns plain. */
static void test_turns_plain(void **state)
{
    (void)state;
    sli_dict *a = make_dict("a", 5), *b2 = make_dict("bb", 3);
    int32_t codes[40];
    uint8_t valid[5];
    memset(valid, 0xff, sizeof valid);
    for (int i = 0; i < 40; i++) codes[i] = i % 3;
    valid[1] = 0x0f; /* rows 12..15 NULL */
    for (int how = 0; how < 3; how++) {
        expect e = {{0}, 0};
        sli_colbuilder b;
        sli_colbuilder_init(&b, sli_type(SL_TYPE_UTF8));
        append_codes(&b, a, codes, valid, NULL, 40, &e);
        if (how == 0) {
            append_codes(&b, b2, codes, NULL, NULL, 40, &e);
        } else if (how == 1) {
            sli_strview views[2] = {{"plain", 5}, {"", 0}};
            sli_vec v = {sli_type(SL_TYPE_UTF8), views, NULL, NULL};
            assert_int_equal(sli_append_vec(&b, &v, NULL, 2), SL_OK);
            e.v[e.n++] = "plain";
            e.v[e.n++] = "";
        } else {
            assert_int_equal(sli_colbuilder_append_str(&b, "one", 3), SL_OK);
            e.v[e.n++] = "one";
        }
        assert_null(b.col.dict);
        assert_int_equal(a->refcount, 1);               /* given back when the builder turned plain */
        append_codes(&b, a, codes, NULL, NULL, 40, &e); /* plain from now on */
        assert_null(b.col.dict);
        sli_column *c = sli_colbuilder_finish(&b);
        assert_non_null(c);
        assert_null(c->dict);
        check_column(c, &e);
        sli_column_free(c);
    }
    free_dict_strings(a);
    free_dict_strings(b2);
    sli_dict_unref(a);
    sli_dict_unref(b2);
}

/* A plain builder stays plain; an empty dictionary (every row NULL) is not adopted. */
static void test_plain_first_and_empty_dict(void **state)
{
    (void)state;
    sli_dict *a = make_dict("a", 4), *none = make_dict("x", 0);
    int32_t codes[8] = {3, 2, 1, 0, 3, 2, 1, 0};
    uint8_t nulls[1] = {0};
    expect e = {{0}, 0};
    sli_colbuilder b;
    sli_colbuilder_init(&b, sli_type(SL_TYPE_UTF8));
    append_codes(&b, none, codes, nulls, NULL, 8, &e);
    assert_null(b.col.dict);
    append_codes(&b, a, codes, NULL, NULL, 8, &e);
    assert_null(b.col.dict);
    sli_column *c = sli_colbuilder_finish(&b);
    assert_non_null(c);
    check_column(c, &e);
    sli_column_free(c);
    assert_int_equal(a->refcount, 1);
    free_dict_strings(a);
    sli_dict_unref(a);
    sli_dict_unref(none);
}

/* Dictionaries get distinct ids, so caches keyed by a dictionary can tell
 * a new one from a freed one at the same address. */
static void test_dict_ids(void **state)
{
    (void)state;
    sli_dict *a = sli_dict_new(), *b = sli_dict_new();
    assert_non_null(a);
    assert_non_null(b);
    assert_int_not_equal(a->id, b->id);
    uint64_t old = a->id;
    sli_dict_unref(a);
    sli_dict *c = sli_dict_new();
    assert_non_null(c);
    assert_int_not_equal(c->id, old);
    sli_dict_unref(b);
    sli_dict_unref(c);
}

/* sli_vec_gather_column_at: row idx[i] of a column lands at position
 * pos[i]; the positions (a random ascending subset) read back each value
 * and NULL, for every width, plain strings and dictionary codes. */
static void test_gather_at(void **state)
{
    (void)state;
    const sl_type types[] = {{SL_TYPE_BOOL, 0, 0},     {SL_TYPE_INT16, 0, 0}, {SL_TYPE_DATE32, 0, 0},
                             {SL_TYPE_DECIMAL, 15, 2}, {SL_TYPE_UTF8, 0, 0},  {SL_TYPE_UTF8, 0, 0}};
    enum { ROWS = 300, SPACE = 2048 };
    uint32_t idx[SPACE], pos[SPACE];
    uint64_t x = 88172645463325252ull;
    for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
        bool coded = t == 5;
        sli_colbuilder b;
        sli_colbuilder_init(&b, types[t]);
        for (size_t r = 0; r < ROWS; r++) {
            char buf[16];
            snprintf(buf, sizeof buf, "v%zu", r % (coded ? 7 : ROWS));
            sl_status st = r % 9 == 4 ? sli_colbuilder_append_null(&b)
                           : types[t].id == SL_TYPE_UTF8
                               ? sli_colbuilder_append_str(&b, buf, strlen(buf))
                               : sli_colbuilder_append_i64(&b, (int64_t)(r % (t ? 30000 : 2)));
            assert_int_equal(st, SL_OK);
        }
        sli_column *c = sli_colbuilder_finish(&b);
        assert_non_null(c);
        if (coded) assert_int_equal(sli_column_dict_encode(c, 100), SL_OK);
        assert_true(!coded || c->dict);
        size_t n = 0;
        for (uint32_t p = 0; p < SPACE; p++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            if (x % 5) continue;
            pos[n] = p;
            idx[n++] = (uint32_t)(x % ROWS);
        }
        uint64_t *vals = calloc(SPACE, 16);
        uint8_t *valid = calloc(SPACE / 8, 1);
        sli_vec v;
        sli_vec_gather_column_at(c, idx, pos, n, vals, valid, &v);
        assert_ptr_equal(v.dict, c->dict);
        assert_non_null(v.validity);
        for (size_t i = 0; i < n; i++) {
            assert_int_equal(sli_valid(v.validity, pos[i]), sli_valid(c->validity, idx[i]));
            if (!sli_valid(c->validity, idx[i])) continue;
            if (types[t].id == SL_TYPE_UTF8) {
                sli_strview want = sli_column_str(c, idx[i]);
                sli_strview got = coded ? c->dict->views[((const int32_t *)v.data)[pos[i]]]
                                        : ((const sli_strview *)v.data)[pos[i]];
                assert_int_equal(got.len, want.len);
                assert_memory_equal(got.ptr, want.ptr, want.len);
            } else {
                size_t w = sli_type_width(c->type);
                assert_memory_equal((const char *)v.data + pos[i] * w, (const char *)c->data + idx[i] * w, w);
            }
        }
        free(vals);
        free(valid);
        sli_column_free(c);
    }
}

/* A plain column of n rows, row r holding "s<value(r)>". */
static sli_column *plain_strings(size_t n, size_t (*value)(size_t))
{
    sli_colbuilder b;
    sli_colbuilder_init(&b, sli_type(SL_TYPE_UTF8));
    char buf[32];
    for (size_t r = 0; r < n; r++) {
        int len = snprintf(buf, sizeof buf, "s%zu", value(r));
        assert_int_equal(sli_colbuilder_append_str(&b, buf, (size_t)len), SL_OK);
    }
    sli_column *c = sli_colbuilder_finish(&b);
    assert_non_null(c);
    return c;
}

static size_t cycle300(size_t r)
{
    return r % 300;
}
static size_t unique_first(size_t r) /* 1024 distinct values, then repeats of them */
{
    return r < 1024 ? r : r % 7;
}

/* Every row of c reads back as value(r). */
static void check_strings(const sli_column *c, size_t n, size_t (*value)(size_t))
{
    char want[32];
    for (size_t r = 0; r < n; r++) {
        snprintf(want, sizeof want, "s%zu", value(r));
        sli_strview v = sli_column_str(c, r);
        assert_int_equal(v.len, strlen(want));
        assert_memory_equal(v.ptr, want, v.len);
    }
}

static void test_dict_encode_repeating(void **state)
{
    (void)state;
    const size_t n = 4000;
    /* few values: both forms encode */
    for (int sampled = 0; sampled < 2; sampled++) {
        sli_column *c = plain_strings(n, cycle300);
        assert_int_equal(
            sampled ? sli_column_dict_encode_repeating(c, n / 4) : sli_column_dict_encode(c, n / 4), SL_OK);
        assert_non_null(c->dict);
        assert_int_equal(c->dict->count, 300);
        check_strings(c, n, cycle300);
        sli_column_free(c);
    }
    /* the first 1024 values distinct, 1024 in all: within a limit of 2000,
     * the full form encodes, the sampled one stops at row 1024 */
    for (int sampled = 0; sampled < 2; sampled++) {
        sli_column *c = plain_strings(n, unique_first);
        assert_int_equal(
            sampled ? sli_column_dict_encode_repeating(c, 2000) : sli_column_dict_encode(c, 2000), SL_OK);
        assert_true(sampled ? c->dict == NULL : c->dict != NULL);
        if (c->dict) assert_int_equal(c->dict->count, 1024);
        check_strings(c, n, unique_first);
        sli_column_free(c);
    }
    /* past the limit: plain either way */
    sli_column *c = plain_strings(n, cycle300);
    assert_int_equal(sli_column_dict_encode(c, 299), SL_OK);
    assert_null(c->dict);
    check_strings(c, n, cycle300);
    sli_column_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_codes_kept),  cmocka_unit_test(test_gather_at),
        cmocka_unit_test(test_turns_plain), cmocka_unit_test(test_plain_first_and_empty_dict),
        cmocka_unit_test(test_dict_ids),    cmocka_unit_test(test_dict_encode_repeating),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
