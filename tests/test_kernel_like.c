/*
 * test_kernel_like.c — tests of the LIKE and SUBSTRING kernels (kernels/like.h).
 *
 * The oracle is a naive recursive matcher written here (exponential in the
 * number of '%', fine for the short patterns used). Checked:
 *  - the shape sli_like_compile gives each kind of pattern;
 *  - known matches, and the iterative matcher against the oracle on every
 *    string and pattern over small alphabets up to a few bytes;
 *  - every variant's select kernel (LIKE and NOT LIKE) on random strings and
 *    patterns of every shape, at every length 0..130 and at lengths around one
 *    and two vector widths, dense and through random selections, with nulls
 *    (dropped before the kernel, as the evaluator does), on plain views and on
 *    a dictionary (the pattern evaluated once per entry, then applied to codes
 *    with the filter family's codes kernel); rows outside the selection are
 *    never written;
 *  - the substring kernel against a position-by-position oracle, with starts
 *    before, at and after both ends, negative and huge lengths, and no length.
 */
/* cmocka.h needs these first, in this order */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel_test.h"
#include "kernels/filter.h"
#include "kernels/isa.h"
#include "kernels/like.h"
#include "runtime/vector.h"

#define SENTINEL 0x5a5a5a5au

/* The oracle: % any run of bytes, _ one byte, everything else itself. */
static bool naive(const char *s, size_t n, const char *p, size_t m)
{
    if (m == 0) return n == 0;
    if (p[0] == '%') return naive(s, n, p + 1, m - 1) || (n > 0 && naive(s + 1, n - 1, p, m));
    return n > 0 && (p[0] == '_' || p[0] == s[0]) && naive(s + 1, n - 1, p + 1, m - 1);
}

static void test_select(void **state)
{
    (void)state;
    KT_CHECK_SCALAR_SELECT(like);
}

static void test_compile(void **state)
{
    (void)state;
    static const struct {
        const char *p;
        sl_like_shape shape;
        const char *needle;
    } cases[] = {
        {"", SL_LIKE_EQUAL, ""},
        {"%", SL_LIKE_ANY, ""},
        {"%%%", SL_LIKE_ANY, ""},
        {"abc", SL_LIKE_EQUAL, "abc"},
        {"abc%", SL_LIKE_PREFIX, "abc"},
        {"abc%%", SL_LIKE_PREFIX, "abc"},
        {"%abc", SL_LIKE_SUFFIX, "abc"},
        {"%%abc", SL_LIKE_SUFFIX, "abc"},
        {"%abc%", SL_LIKE_CONTAINS, "abc"},
        {"%%a%%", SL_LIKE_CONTAINS, "a"},
        {"a_c", SL_LIKE_GENERAL, "a_c"},
        {"a%c", SL_LIKE_GENERAL, "a%c"},
        {"%a%c%", SL_LIKE_GENERAL, "%a%c%"},
        {"_", SL_LIKE_GENERAL, "_"},
        {"PROMO%", SL_LIKE_PREFIX, "PROMO"},
        {"%green%", SL_LIKE_CONTAINS, "green"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sl_like_pattern pat;
        sli_like_compile(cases[i].p, strlen(cases[i].p), &pat);
        if (pat.shape != cases[i].shape || pat.nlen != strlen(cases[i].needle) ||
            memcmp(pat.needle, cases[i].needle, pat.nlen) != 0)
            fail_msg("'%s': shape %d needle '%.*s'", cases[i].p, (int)pat.shape, (int)pat.nlen, pat.needle);
    }
}

static void test_match_known(void **state)
{
    (void)state;
    static const struct {
        const char *s, *p;
        bool want;
    } cases[] = {
        {"", "", true},
        {"a", "", false},
        {"", "%", true},
        {"", "_", false},
        {"abc", "abc", true},
        {"abc", "ab", false},
        {"abc", "a_c", true},
        {"abc", "a%", true},
        {"abc", "%c", true},
        {"abc", "%b%", true},
        {"abc", "%d%", false},
        {"abc", "a%b%c", true},
        {"abc", "a%%c", true},
        {"abc", "___", true},
        {"abc", "____", false},
        {"abc", "_%_%_", true},
        {"aaab", "%a%ab", true},
        {"aaab", "%aab", true},
        {"abab", "%ab%ab", true},
        {"abab", "%ab%abx", false},
        {"mississippi", "%iss%pi", true},
        {"mississippi", "%iss%ppi%", true},
        {"mississippi", "m%s_s%x", false},
        {"%_", "%_", true},
        {"a%", "%\\%", false},
        {"PROMO BRUSHED", "PROMO%", true},
        {"STANDARD PROMO", "PROMO%", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n = strlen(cases[i].s), m = strlen(cases[i].p);
        assert_int_equal(naive(cases[i].s, n, cases[i].p, m), cases[i].want);
        if (sli_like_match(cases[i].s, n, cases[i].p, m) != cases[i].want)
            fail_msg("'%s' like '%s' should be %d", cases[i].s, cases[i].p, cases[i].want);
    }
    /* many '%' against a long string: no blow-up (the oracle would take ages) */
    char s[4096], p[64];
    memset(s, 'a', sizeof s);
    for (size_t i = 0; i < 31; i++) p[2 * i] = '%', p[2 * i + 1] = 'a';
    p[62] = 'b';
    p[63] = '%';
    assert_false(sli_like_match(s, sizeof s, p, sizeof p));
    s[sizeof s - 1] = 'b';
    assert_false(sli_like_match(s, sizeof s, p, sizeof p - 2)); /* '...%a' vs a string ending in b */
    assert_true(sli_like_match(s, sizeof s, p, sizeof p));
}

/* Every string over {a, b} of up to 6 bytes against every pattern over
 * {a, b, %, _} of up to 5 bytes. */
static void test_match_exhaustive(void **state)
{
    (void)state;
    static const char sa[] = "ab", pa[] = "ab%_";
    char s[8], p[8];
    for (size_t n = 0; n <= 6; n++)
        for (size_t si = 0; si < (1u << n); si++) {
            for (size_t k = 0; k < n; k++) s[k] = sa[(si >> k) & 1];
            size_t pcount = 1;
            for (size_t m = 0; m <= 5; m++, pcount *= 4)
                for (size_t pi = 0; pi < pcount; pi++) {
                    size_t x = pi;
                    for (size_t k = 0; k < m; k++, x /= 4) p[k] = pa[x % 4];
                    bool want = naive(s, n, p, m);
                    if (sli_like_match(s, n, p, m) != want)
                        fail_msg("'%.*s' like '%.*s': want %d", (int)n, s, (int)m, p, want);
                    sl_like_pattern pat;
                    sli_like_compile(p, m, &pat);
                    sli_strview v = {s, (uint32_t)n};
                    uint32_t out[1];
                    KT_FOR_EACH_VARIANT(like, k)
                    {
                        if (k->select(&pat, false, &v, NULL, 1, out) != (size_t)want ||
                            k->select(&pat, true, &v, NULL, 1, out) != (size_t)!want)
                            fail_msg("%s: '%.*s' like '%.*s' (shape %d): want %d", kt_variant_name, (int)n, s,
                                     (int)m, p, (int)pat.shape, want);
                    }
                }
        }
}

/* ---- random vectors ------------------------------------------------------------------------- */

#define MAXLEN 12

/* A random string over a small alphabet (so that patterns often match). */
static size_t rand_str(char *buf)
{
    size_t n = kt_rnd() % (MAXLEN + 1);
    for (size_t i = 0; i < n; i++) buf[i] = "abcx"[kt_rnd() % 4];
    return n;
}

/* A random pattern of a random shape: wildcard-free, prefix, suffix,
 * contains, only '%', or general. */
static size_t rand_pattern(char *buf)
{
    char lit[8];
    size_t nl = kt_rnd() % 4;
    for (size_t i = 0; i < nl; i++) lit[i] = "abcx"[kt_rnd() % 4];
    size_t m = 0;
    switch (kt_rnd() % 6) {
    case 0: memcpy(buf, lit, nl), m = nl; break;
    case 1: memcpy(buf, lit, nl), m = nl, buf[m++] = '%'; break;
    case 2: buf[m++] = '%', memcpy(buf + m, lit, nl), m += nl; break;
    case 3: buf[m++] = '%', memcpy(buf + m, lit, nl), m += nl, buf[m++] = '%'; break;
    case 4: m = 1 + kt_rnd() % 2, memset(buf, '%', m); break;
    default:
        m = kt_rnd() % 7;
        for (size_t i = 0; i < m; i++) buf[i] = "ab%_"[kt_rnd() % 4];
    }
    return m;
}

/* Runs select over n rows (mode: the kt_make_sel selection; nulls: about a
 * quarter of the rows null, dropped before the kernel) on plain views and
 * through a dictionary, and compares with the oracle. */
static void check_select(size_t n, int mode, bool nulls)
{
    size_t ndict = 1 + kt_rnd() % 40;
    char *bytes = malloc(ndict * MAXLEN + 1);
    sli_strview *dict = malloc(ndict * sizeof *dict);
    sli_strview *v = malloc((n + 1) * sizeof *v);
    int32_t *codes = malloc((n + 1) * sizeof *codes);
    uint32_t *sel = malloc((n + 1) * sizeof *sel), *valid = malloc((n + 1) * sizeof *valid);
    uint32_t *out = malloc((n + 1) * sizeof *out), *out2 = malloc((n + 1) * sizeof *out2);
    uint32_t *dout = malloc((ndict + 1) * sizeof *dout);
    uint8_t *isnull = malloc(n + 1), *in = malloc(n + 1), *pass = malloc(ndict);
    assert_true(bytes && dict && v && codes && sel && valid && out && out2 && dout && isnull && in && pass);
    for (size_t d = 0; d < ndict; d++) {
        dict[d].ptr = bytes + d * MAXLEN;
        dict[d].len = (uint32_t)rand_str(bytes + d * MAXLEN);
    }
    for (size_t i = 0; i < n; i++) {
        codes[i] = (int32_t)(kt_rnd() % ndict);
        v[i] = dict[codes[i]];
        isnull[i] = nulls && kt_rnd() % 4 == 0;
    }
    size_t m;
    const uint32_t *s = kt_make_sel(mode, n, sel, &m);
    kt_mark(s, m, n, in);
    /* drop the nulls, as the evaluator does before calling the kernel */
    const uint32_t *vs = s;
    size_t mv = m;
    if (nulls) {
        mv = 0;
        for (size_t i = 0; i < m; i++) {
            uint32_t row = s ? s[i] : (uint32_t)i;
            valid[mv] = row;
            mv += !isnull[row];
        }
        vs = valid;
    }
    const sl_filter_kernels *fk = sli_filter_select()->k;
    for (int rep = 0; rep < 3; rep++) {
        char p[16];
        size_t pm = rand_pattern(p);
        sl_like_pattern pat;
        sli_like_compile(p, pm, &pat);
        for (int neg = 0; neg < 2; neg++) {
            size_t want = 0;
            for (size_t r = 0; r < n; r++)
                want += in[r] && !isnull[r] && naive(v[r].ptr, v[r].len, p, pm) != neg;
            KT_FOR_EACH_VARIANT(like, k)
            {
                for (size_t i = 0; i <= n; i++) out[i] = SENTINEL;
                size_t got = k->select(&pat, neg, v, vs, mv, out);
                if (got != want)
                    fail_msg("%s: n %zu mode %d nulls %d '%.*s' neg %d: %zu rows, want %zu", kt_variant_name,
                             n, mode, nulls, (int)pm, p, neg, got, want);
                for (size_t i = 0; i < got; i++) {
                    uint32_t r = out[i];
                    assert_true(r < n && in[r] && !isnull[r]);
                    assert_true(naive(v[r].ptr, v[r].len, p, pm) != neg);
                    if (i) assert_true(out[i - 1] < r);
                }
                assert_int_equal(out[mv], SENTINEL); /* nothing written past the input count */
                /* the dictionary: once per entry, then the codes */
                size_t hit = k->select(&pat, neg, dict, NULL, ndict, dout);
                memset(pass, 0, ndict);
                for (size_t i = 0; i < hit; i++) pass[dout[i]] = 1;
                size_t got2 = fk->codes(codes, pass, vs, mv, out2);
                assert_int_equal(got2, got);
                assert_memory_equal(out2, out, got * sizeof *out);
            }
        }
    }
    free(bytes), free(dict), free(v), free(codes), free(sel), free(valid);
    free(out), free(out2), free(dout), free(isnull), free(in), free(pass);
}

static void test_select_random(void **state)
{
    (void)state;
    static const size_t big[] = {SLI_VEC_SIZE - 1,     SLI_VEC_SIZE,     SLI_VEC_SIZE + 1,
                                 2 * SLI_VEC_SIZE - 1, 2 * SLI_VEC_SIZE, 2 * SLI_VEC_SIZE + 1,
                                 2 * SLI_VEC_SIZE + 77};
    for (size_t n = 0; n <= 130; n++)
        for (int mode = 0; mode < KT_NMODES; mode++)
            for (int nulls = 0; nulls < 2; nulls++) check_select(n, mode, nulls);
    for (size_t i = 0; i < sizeof big / sizeof big[0]; i++)
        for (int mode = 0; mode < KT_NMODES; mode++)
            for (int nulls = 0; nulls < 2; nulls++) check_select(big[i], mode, nulls);
}

/* ---- substring ------------------------------------------------------------------------------- */

/* The oracle: the bytes at 1-based positions p with start <= p < start + len
 * (len < 0: none; no len: to the end). */
static size_t sub_ref(const char *s, size_t n, int64_t start, const int64_t *len, char *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t pos = (int64_t)i + 1;
        bool take = pos >= start && (!len || (*len >= 0 && pos - *len < start)); /* pos < start + len */
        if (take) out[k++] = s[i];
    }
    return k;
}

static int64_t rand_pos(void)
{
    static const int64_t edge[] = {INT64_MIN, INT64_MIN + 1, -1000, 0, 1, INT64_MAX - 1, INT64_MAX};
    return kt_rnd() % 4 == 0 ? edge[kt_rnd() % 7] : (int64_t)(kt_rnd() % 20) - 4;
}

static void test_substr_random(void **state)
{
    (void)state;
    size_t sizes[] = {0, 1, 2, 7, 64, 130, SLI_VEC_SIZE, 2 * SLI_VEC_SIZE + 3};
    for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
        size_t n = sizes[si];
        char *bytes = malloc(n * MAXLEN + 1), ref[MAXLEN + 1];
        sli_strview *v = malloc((n + 1) * sizeof *v), *out = malloc((n + 1) * sizeof *out);
        int64_t *start = malloc((n + 1) * sizeof *start), *len = malloc((n + 1) * sizeof *len);
        uint32_t *sel = malloc((n + 1) * sizeof *sel);
        uint8_t *in = malloc(n + 1);
        assert_true(bytes && v && out && start && len && sel && in);
        for (size_t i = 0; i < n; i++) {
            v[i].ptr = bytes + i * MAXLEN;
            v[i].len = (uint32_t)rand_str(bytes + i * MAXLEN);
            start[i] = rand_pos();
            len[i] = rand_pos();
        }
        for (int mode = 0; mode < KT_NMODES; mode++)
            for (int with_len = 0; with_len < 2; with_len++) {
                size_t m;
                const uint32_t *s = kt_make_sel(mode, n, sel, &m);
                kt_mark(s, m, n, in);
                KT_FOR_EACH_VARIANT(like, k)
                {
                    static const sli_strview mark = {"sentinel", 8};
                    for (size_t i = 0; i < n; i++) out[i] = mark;
                    k->substr(v, start, with_len ? len : NULL, out, s, m);
                    for (size_t i = 0; i < n; i++) {
                        if (!in[i]) {
                            assert_ptr_equal(out[i].ptr, mark.ptr); /* not selected: untouched */
                            continue;
                        }
                        size_t rl = sub_ref(v[i].ptr, v[i].len, start[i], with_len ? &len[i] : NULL, ref);
                        if (out[i].len != rl || (rl && memcmp(out[i].ptr, ref, rl) != 0))
                            fail_msg("%s: substring('%.*s', %lld, %lld): '%.*s', want '%.*s'",
                                     kt_variant_name, (int)v[i].len, v[i].ptr, (long long)start[i],
                                     with_len ? (long long)len[i] : -1LL, (int)out[i].len, out[i].ptr,
                                     (int)rl, ref);
                        /* a view into the input */
                        assert_true(rl == 0 ||
                                    (out[i].ptr >= v[i].ptr && out[i].ptr + rl <= v[i].ptr + v[i].len));
                    }
                }
            }
        free(bytes), free(v), free(out), free(start), free(len), free(sel), free(in);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_select),        cmocka_unit_test(test_compile),
        cmocka_unit_test(test_match_known),   cmocka_unit_test(test_match_exhaustive),
        cmocka_unit_test(test_select_random), cmocka_unit_test(test_substr_random),
    };
    kt_seed(0x6c696b6573756273ull);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
