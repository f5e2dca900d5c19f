/*
 * test_gen.c — tests of the TPC-H and SSB generators (io/gen_*.c).
 *
 * Each test generates SF 0.01 in memory through sli_gen_run and checks what
 * the specifications require: row counts, unique primary keys, foreign keys
 * that resolve, value ranges, the price, date and status rules, the
 * plausible selectivity of query predicates (TPC-H Q6, Q1), and that the
 * bytes depend only on the seed (not on the thread count or chunk size).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "io/csv.h"
#include "io/gen.h"
#include "io/gen_text.h"
#include "runtime/column.h"
#include "runtime/context.h"
#include "runtime/types.h"
#include "test_util.h"

/* ---- helpers ------------------------------------------------------------------ */

typedef struct collected {
    sli_table *t[8];
    size_t n;
} collected;

static sl_status collect(sl_context *ctx, const sli_team *team, sli_table *t, bool first, bool last,
                         void *arg)
{
    (void)ctx, (void)team;
    assert_true(first && last); /* whole tables */
    collected *c = arg;
    assert_true(c->n < 8);
    c->t[c->n++] = t;
    return SL_OK;
}

static void collected_free(collected *c)
{
    for (size_t i = 0; i < c->n; i++) sli_table_free(c->t[i]);
    c->n = 0;
}

static sli_table *find(collected *c, const char *name)
{
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->t[i]->name, name) == 0) return c->t[i];
    fail_msg("table %s not generated", name);
    return NULL;
}

static void gen(sli_gen_bench b, double sf, uint64_t seed, size_t threads, size_t chunk, collected *out)
{
    sl_context *ctx;
    assert_int_equal(sl_context_create(&ctx), SL_OK);
    sli_gen_options o;
    memset(&o, 0, sizeof o);
    o.bench = b;
    o.sf = sf;
    o.seed = seed;
    o.threads = threads;
    o.chunk_rows = chunk;
    memset(out, 0, sizeof *out);
    sl_status s = sli_gen_run(ctx, &o, NULL, collect, out);
    if (s) fail_msg("gen failed: %s", sl_context_last_error(ctx));
    sl_context_destroy(ctx);
}

/* A column flattened over partitions: int64 values (fixed width) or strings. */
typedef struct flat {
    size_t n;
    int64_t *v;
    sli_strview *s;
} flat;

static flat col(const sli_table *t, const char *name)
{
    long k = sli_schema_find(&t->schema, name);
    if (k < 0) fail_msg("no column %s in %s", name, t->name);
    flat f = {t->rows, calloc(t->rows + 1, sizeof(int64_t)), calloc(t->rows + 1, sizeof(sli_strview))};
    size_t r = 0;
    for (size_t p = 0; p < t->nparts; p++) {
        const sli_column *c = t->parts[p].cols[k];
        for (size_t i = 0; i < t->parts[p].rows; i++, r++) {
            switch (c->type.id) {
            case SL_TYPE_UTF8: f.s[r] = sli_column_str(c, i); break;
            case SL_TYPE_INT64:
            case SL_TYPE_DECIMAL: f.v[r] = ((const int64_t *)c->data)[i]; break;
            case SL_TYPE_INT32:
            case SL_TYPE_DATE32: f.v[r] = ((const int32_t *)c->data)[i]; break;
            case SL_TYPE_BOOL: f.v[r] = ((const int8_t *)c->data)[i]; break;
            default: fail_msg("unexpected type");
            }
        }
    }
    assert_int_equal(r, t->rows);
    return f;
}

static void flat_free(flat *f)
{
    free(f->v);
    free(f->s);
}

static bool streq(sli_strview s, const char *z)
{
    return s.len == strlen(z) && memcmp(s.ptr, z, s.len) == 0;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* @return true when the values are all distinct. */
static bool unique(const int64_t *v, size_t n)
{
    int64_t *c = malloc((n + 1) * sizeof *c);
    memcpy(c, v, n * sizeof *c);
    qsort(c, n, sizeof *c, cmp_i64);
    bool ok = true;
    for (size_t i = 1; i < n && ok; i++) ok = c[i] != c[i - 1];
    free(c);
    return ok;
}

/* @return true when key is among the sorted values. */
static bool member(const int64_t *sorted, size_t n, int64_t key)
{
    return bsearch(&key, sorted, n, sizeof key, cmp_i64) != NULL;
}

static int64_t *sorted_copy(const flat *f)
{
    int64_t *c = malloc((f->n + 1) * sizeof *c);
    memcpy(c, f->v, f->n * sizeof *c);
    qsort(c, f->n, sizeof *c, cmp_i64);
    return c;
}

static int32_t day(const char *s)
{
    int32_t d;
    assert_true(sli_date_parse(s, strlen(s), &d));
    return d;
}

static uint64_t fnv(const char *buf, size_t len)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < len; i++) h = (h ^ (uint8_t)buf[i]) * 1099511628211ull;
    return h ^ len;
}

/* @return a table's text in a format, written by sli_gen_write_text on
 * `threads` workers (malloc'd; *len receives its length). */
static char *text(const sli_table *t, sli_gen_format fmt, size_t threads, size_t *len)
{
    char *buf = NULL;
    FILE *f = open_memstream(&buf, len);
    assert_non_null(f);
    sli_team team;
    assert_int_equal(sli_team_init(&team, threads, NULL, SLI_NUMA_OFF, false), SL_OK);
    assert_int_equal(sli_gen_write_text(NULL, threads > 1 ? &team : NULL, t, fmt, true, f), SL_OK);
    fclose(f);
    sli_team_free(&team);
    return buf;
}

/* FNV-1a of a table's .tbl text. */
static uint64_t tbl_hash(const sli_table *t, size_t threads)
{
    size_t len;
    char *buf = text(t, SLI_GEN_TBL, threads, &len);
    uint64_t h = fnv(buf, len);
    free(buf);
    return h;
}

/* @return the contents of a file (malloc'd), *len its length. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) fail_msg("cannot open %s", path);
    fseek(f, 0, SEEK_END);
    *len = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc(*len + 1);
    assert_int_equal(fread(buf, 1, *len, f), *len);
    fclose(f);
    return buf;
}

/* ---- TPC-H ------------------------------------------------------------------ */

static collected H; /* SF 0.01, seed 1, generated once for the TPC-H tests */

static int tpch_setup(void **state)
{
    gen(SLI_GEN_TPCH, 0.01, 1, 2, 0, &H);
    return 0;
}

static int tpch_teardown(void **state)
{
    collected_free(&H);
    return 0;
}

static void tpch_row_counts(void **state)
{
    assert_int_equal(H.n, 8);
    assert_int_equal(find(&H, "region")->rows, 5);
    assert_int_equal(find(&H, "nation")->rows, 25);
    assert_int_equal(find(&H, "supplier")->rows, 100);
    assert_int_equal(find(&H, "customer")->rows, 1500);
    assert_int_equal(find(&H, "part")->rows, 2000);
    assert_int_equal(find(&H, "partsupp")->rows, 8000);
    assert_int_equal(find(&H, "orders")->rows, 15000);
    size_t li = find(&H, "lineitem")->rows;
    assert_in_range(li, 58000, 62000); /* 4 lines per order on average */
}

static void tpch_keys(void **state)
{
    flat ok = col(find(&H, "orders"), "o_orderkey");
    assert_true(unique(ok.v, ok.n));
    for (size_t i = 0; i < ok.n; i++) {
        assert_true((ok.v[i] - 1) % 32 < 8); /* sparse: 8 of every 32 keys */
        assert_in_range(ok.v[i], 1, 15000 * 4);
    }
    int64_t *orders = sorted_copy(&ok);

    /* lineitem: (orderkey, linenumber) unique, numbers 1..n per order, order exists */
    flat lk = col(find(&H, "lineitem"), "l_orderkey"), ln = col(find(&H, "lineitem"), "l_linenumber");
    for (size_t i = 0; i < lk.n; i++) {
        assert_true(member(orders, ok.n, lk.v[i]));
        if (i > 0 && lk.v[i] == lk.v[i - 1])
            assert_int_equal(ln.v[i], ln.v[i - 1] + 1);
        else
            assert_int_equal(ln.v[i], 1);
        assert_in_range(ln.v[i], 1, 7);
    }
    /* every order has lines */
    size_t distinct = 0;
    for (size_t i = 0; i < lk.n; i++) distinct += i == 0 || lk.v[i] != lk.v[i - 1];
    assert_int_equal(distinct, ok.n);

    /* (l_partkey, l_suppkey) is a partsupp key; partsupp keys are unique */
    flat pp = col(find(&H, "partsupp"), "ps_partkey"), ps = col(find(&H, "partsupp"), "ps_suppkey");
    int64_t *pskeys = malloc(pp.n * sizeof *pskeys);
    for (size_t i = 0; i < pp.n; i++) {
        assert_in_range(pp.v[i], 1, 2000);
        assert_in_range(ps.v[i], 1, 100);
        pskeys[i] = pp.v[i] * 1000 + ps.v[i];
    }
    assert_true(unique(pskeys, pp.n));
    qsort(pskeys, pp.n, sizeof *pskeys, cmp_i64);
    flat lp = col(find(&H, "lineitem"), "l_partkey"), ls = col(find(&H, "lineitem"), "l_suppkey");
    for (size_t i = 0; i < lp.n; i++) assert_true(member(pskeys, pp.n, lp.v[i] * 1000 + ls.v[i]));

    /* customers: keys 1..C; orders only on custkeys not divisible by 3 */
    flat ck = col(find(&H, "customer"), "c_custkey");
    for (size_t i = 0; i < ck.n; i++) assert_int_equal(ck.v[i], (int64_t)i + 1);
    flat oc = col(find(&H, "orders"), "o_custkey");
    for (size_t i = 0; i < oc.n; i++) {
        assert_in_range(oc.v[i], 1, 1500);
        assert_true(oc.v[i] % 3 != 0);
    }
    /* nations and regions */
    flat cn = col(find(&H, "customer"), "c_nationkey"), sn = col(find(&H, "supplier"), "s_nationkey");
    for (size_t i = 0; i < cn.n; i++) assert_in_range(cn.v[i], 0, 24);
    for (size_t i = 0; i < sn.n; i++) assert_in_range(sn.v[i], 0, 24);
    flat nr = col(find(&H, "nation"), "n_regionkey"), nn = col(find(&H, "nation"), "n_name");
    for (size_t i = 0; i < nr.n; i++) assert_in_range(nr.v[i], 0, 4);
    assert_true(streq(nn.s[24], "UNITED STATES") && nr.v[24] == 1);
    assert_true(streq(nn.s[6], "FRANCE") && nr.v[6] == 3);
    flat rn = col(find(&H, "region"), "r_name");
    assert_true(streq(rn.s[4], "MIDDLE EAST"));

    free(orders);
    free(pskeys);
    flat *all[] = {&ok, &lk, &ln, &pp, &ps, &lp, &ls, &ck, &oc, &cn, &sn, &nr, &nn, &rn};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) flat_free(all[i]);
}

static void tpch_lineitem_rules(void **state)
{
    const sli_table *L = find(&H, "lineitem"), *O = find(&H, "orders");
    flat ok = col(O, "o_orderkey"), od = col(O, "o_orderdate"), os = col(O, "o_orderstatus"),
         tp = col(O, "o_totalprice");
    flat lk = col(L, "l_orderkey"), pk = col(L, "l_partkey"), q = col(L, "l_quantity"),
         ep = col(L, "l_extendedprice"), d = col(L, "l_discount"), t = col(L, "l_tax"),
         rf = col(L, "l_returnflag"), ls = col(L, "l_linestatus"), sd = col(L, "l_shipdate"),
         cd = col(L, "l_commitdate"), rd = col(L, "l_receiptdate"), si = col(L, "l_shipinstruct"),
         sm = col(L, "l_shipmode");
    int32_t cur = day("1995-06-17");
    size_t li = 0;
    for (size_t o = 0; o < ok.n; o++) {
        assert_in_range(od.v[o], day("1992-01-01"), day("1998-08-02")); /* ENDDATE - 151 days */
        int64_t total = 0;
        size_t nf = 0, n = 0;
        for (; li < lk.n && lk.v[li] == ok.v[o]; li++, n++) {
            assert_in_range(q.v[li], 100, 5000);
            assert_int_equal(q.v[li] % 100, 0);
            int64_t p = pk.v[li];
            int64_t retail = 90000 + (p / 10) % 20001 + 100 * (p % 1000);
            assert_int_equal(ep.v[li], q.v[li] / 100 * retail);
            assert_in_range(d.v[li], 0, 10);
            assert_in_range(t.v[li], 0, 8);
            assert_in_range(sd.v[li], od.v[o] + 1, od.v[o] + 121);
            assert_in_range(cd.v[li], od.v[o] + 30, od.v[o] + 90);
            assert_in_range(rd.v[li], sd.v[li] + 1, sd.v[li] + 30);
            if (rd.v[li] <= cur)
                assert_true(streq(rf.s[li], "R") || streq(rf.s[li], "A"));
            else
                assert_true(streq(rf.s[li], "N"));
            assert_true(streq(ls.s[li], sd.v[li] > cur ? "O" : "F"));
            nf += streq(ls.s[li], "F");
            assert_true(streq(si.s[li], "DELIVER IN PERSON") || streq(si.s[li], "COLLECT COD") ||
                        streq(si.s[li], "NONE") || streq(si.s[li], "TAKE BACK RETURN"));
            assert_true(sm.s[li].len >= 3 && sm.s[li].len <= 7);
            total += (ep.v[li] * (100 + t.v[li]) * (100 - d.v[li]) + 5000) / 10000;
        }
        assert_in_range(n, 1, 7);
        assert_int_equal(tp.v[o], total);
        assert_true(streq(os.s[o], nf == n ? "F" : nf == 0 ? "O" : "P"));
    }
    assert_int_equal(li, lk.n);
    flat *all[] = {&ok, &od, &os, &tp, &lk, &pk, &q, &ep, &d, &t, &rf, &ls, &sd, &cd, &rd, &si, &sm};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) flat_free(all[i]);
}

static bool is_color(const char *p, size_t n)
{
    for (size_t k = 0; k < sli_gen_colors.count; k++)
        if (strlen(sli_gen_colors.words[k]) == n && memcmp(sli_gen_colors.words[k], p, n) == 0) return true;
    return false;
}

static void tpch_part_customer_supplier(void **state)
{
    assert_int_equal(sli_gen_colors.count, 92);
    const sli_table *P = find(&H, "part");
    flat pk = col(P, "p_partkey"), nm = col(P, "p_name"), mf = col(P, "p_mfgr"), br = col(P, "p_brand"),
         ty = col(P, "p_type"), sz = col(P, "p_size"), ct = col(P, "p_container"),
         rp = col(P, "p_retailprice");
    for (size_t i = 0; i < pk.n; i++) {
        int64_t p = pk.v[i];
        assert_int_equal(p, (int64_t)i + 1);
        assert_int_equal(rp.v[i], 90000 + (p / 10) % 20001 + 100 * (p % 1000));
        /* five distinct colours */
        size_t words = 0, start = 0;
        const char *s = nm.s[i].ptr;
        for (size_t k = 0; k <= nm.s[i].len; k++) {
            if (k == nm.s[i].len || s[k] == ' ') {
                assert_true(is_color(s + start, k - start));
                words++;
                start = k + 1;
            }
        }
        assert_int_equal(words, 5);
        assert_true(mf.s[i].len == 14 && memcmp(mf.s[i].ptr, "Manufacturer#", 13) == 0);
        assert_true(br.s[i].len == 8 && memcmp(br.s[i].ptr, "Brand#", 6) == 0);
        assert_int_equal(br.s[i].ptr[6], mf.s[i].ptr[13]); /* brand's first digit is the manufacturer */
        assert_in_range(br.s[i].ptr[7], '1', '5');
        assert_in_range(sz.v[i], 1, 50);
        assert_true(ty.s[i].len >= 11 && ct.s[i].len >= 6);
    }
    const sli_table *C = find(&H, "customer");
    flat cph = col(C, "c_phone"), cn = col(C, "c_nationkey"), cb = col(C, "c_acctbal"),
         cnm = col(C, "c_name"), cs = col(C, "c_mktsegment");
    for (size_t i = 0; i < cph.n; i++) {
        char cc[3] = {cph.s[i].ptr[0], cph.s[i].ptr[1], 0};
        assert_int_equal(atoi(cc), cn.v[i] + 10);
        assert_int_equal(cph.s[i].len, 15);
        assert_in_range(cb.v[i] + 99999, 0, 999999 + 99999);
        char want[32];
        snprintf(want, sizeof want, "Customer#%09zu", i + 1);
        assert_true(streq(cnm.s[i], want));
        assert_true(streq(cs.s[i], "AUTOMOBILE") || streq(cs.s[i], "BUILDING") ||
                    streq(cs.s[i], "FURNITURE") || streq(cs.s[i], "MACHINERY") ||
                    streq(cs.s[i], "HOUSEHOLD"));
    }
    flat sc = col(find(&H, "supplier"), "s_comment");
    for (size_t i = 0; i < sc.n; i++) assert_in_range(sc.s[i].len, 25, 100);
    flat *all[] = {&pk, &nm, &mf, &br, &ty, &sz, &ct, &rp, &cph, &cn, &cb, &cnm, &cs, &sc};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) flat_free(all[i]);
}

static void tpch_query_selectivity(void **state)
{
    const sli_table *L = find(&H, "lineitem");
    flat sd = col(L, "l_shipdate"), d = col(L, "l_discount"), q = col(L, "l_quantity"),
         rf = col(L, "l_returnflag"), ls = col(L, "l_linestatus");
    /* Q6: shipdate in 1994, discount 0.05..0.07, quantity < 24: about 1.9% */
    size_t q6 = 0;
    int32_t y94 = day("1994-01-01"), y95 = day("1995-01-01");
    for (size_t i = 0; i < sd.n; i++)
        q6 += sd.v[i] >= y94 && sd.v[i] < y95 && d.v[i] >= 5 && d.v[i] <= 7 && q.v[i] < 2400;
    double f = (double)q6 / (double)sd.n;
    assert_true(f > 0.013 && f < 0.026);
    /* Q1: shipdate <= 1998-09-02 gives four (returnflag, linestatus) groups */
    int32_t cut = day("1998-09-02");
    size_t g[3][2] = {{0}};
    size_t kept = 0;
    for (size_t i = 0; i < sd.n; i++) {
        if (sd.v[i] > cut) continue;
        kept++;
        int r = rf.s[i].ptr[0] == 'A' ? 0 : rf.s[i].ptr[0] == 'N' ? 1 : 2;
        g[r][ls.s[i].ptr[0] == 'O']++;
    }
    assert_true(kept > sd.n * 95 / 100);
    assert_true(g[0][0] > 0 && g[1][0] > 0 && g[1][1] > 0 && g[2][0] > 0);
    assert_int_equal(g[0][1], 0); /* A and R lines are received, so shipped, before CURRENTDATE */
    assert_int_equal(g[2][1], 0);
    assert_true(g[1][0] < g[1][1] / 10); /* N,F is the small group */
    /* A and R are about equally common */
    assert_true(g[0][0] * 10 > g[2][0] * 9 && g[0][0] * 9 < g[2][0] * 10);
    flat *all[] = {&sd, &d, &q, &rf, &ls};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) flat_free(all[i]);
}

static void tpch_csv_matches_csv_writer(void **state)
{
    for (size_t i = 0; i < H.n; i++) {
        size_t n1, n2;
        char *mine = text(H.t[i], SLI_GEN_CSV, 2, &n1);
        char *ref = NULL;
        FILE *f = open_memstream(&ref, &n2);
        assert_int_equal(sli_csv_write(NULL, H.t[i], f), SL_OK);
        fclose(f);
        assert_int_equal(n1, n2);
        assert_memory_equal(mine, ref, n1);
        free(mine);
        free(ref);
    }
}

/* A sink that writes pieces into files of a directory through sli_gen_file. */
typedef struct file_sink {
    const char *dir;
    sli_gen_format fmt;
    sli_gen_file *open[8];
    size_t pieces;
} file_sink;

static sl_status to_files(sl_context *ctx, const sli_team *team, sli_table *t, bool first, bool last,
                          void *arg)
{
    file_sink *fs = arg;
    long k = sli_gen_table_index(SLI_GEN_TPCH, t->name);
    assert_true(k >= 0);
    if (first) {
        char path[256];
        snprintf(path, sizeof path, "%s/%s.%s", fs->dir, t->name, fs->fmt == SLI_GEN_CSV ? "csv" : "tbl");
        assert_int_equal(sli_gen_file_open(ctx, path, fs->fmt, &fs->open[k]), SL_OK);
    }
    fs->pieces++;
    sl_status s = sli_gen_file_append(ctx, fs->open[k], team, t);
    if (!s && last) {
        s = sli_gen_file_close(ctx, fs->open[k], true);
        fs->open[k] = NULL;
    }
    return s;
}

static void tpch_pieces_match_whole(void **state)
{
    char dir[64];
    assert_int_equal(tu_make_dir(dir, sizeof dir, "gen"), 0);
    sl_context *ctx;
    assert_int_equal(sl_context_create(&ctx), SL_OK);
    for (int fmt = SLI_GEN_CSV; fmt <= SLI_GEN_TBL; fmt++) {
        sli_gen_options o;
        memset(&o, 0, sizeof o);
        o.sf = 0.01;
        o.seed = 1;
        o.threads = 2;
        o.chunk_rows = 1000;
        o.piece_chunks = 3;
        file_sink fs = {dir, (sli_gen_format)fmt, {NULL}, 0};
        assert_int_equal(sli_gen_run(ctx, &o, NULL, to_files, &fs), SL_OK);
        assert_int_equal(fs.pieces, 6 + 2 * 5); /* orders and lineitem: 15 chunks, 5 pieces each */
        for (size_t i = 0; i < H.n; i++) {
            char path[256];
            snprintf(path, sizeof path, "%s/%s.%s", dir, H.t[i]->name, fmt == SLI_GEN_CSV ? "csv" : "tbl");
            size_t n1, n2;
            char *file = slurp(path, &n1);
            char *whole = text(H.t[i], (sli_gen_format)fmt, 1, &n2);
            assert_int_equal(n1, n2);
            assert_memory_equal(file, whole, n1);
            free(file);
            free(whole);
            strcat(path, ".part");
            assert_int_not_equal(access(path, F_OK), 0); /* renamed into place */
        }
    }
    sl_context_destroy(ctx);
    tu_remove_dir(dir);
}

static void tpch_deterministic(void **state)
{
    collected b, c;
    gen(SLI_GEN_TPCH, 0.01, 1, 1, 0, &b);    /* one thread, default chunks */
    gen(SLI_GEN_TPCH, 0.01, 2, 2, 1000, &c); /* another seed */
    assert_int_equal(b.n, H.n);
    for (size_t i = 0; i < H.n; i++) {
        uint64_t h = tbl_hash(H.t[i], 1);
        assert_string_equal(H.t[i]->name, b.t[i]->name);
        assert_true(h == tbl_hash(b.t[i], 2));
        if (strcmp(H.t[i]->name, "region") && strcmp(H.t[i]->name, "nation"))
            assert_true(h != tbl_hash(c.t[i], 1));
    }
    collected_free(&c);
    /* small chunks on two threads give the same bytes */
    gen(SLI_GEN_TPCH, 0.01, 1, 2, 777, &c);
    for (size_t i = 0; i < H.n; i++) assert_true(tbl_hash(H.t[i], 2) == tbl_hash(c.t[i], 2));
    assert_true(find(&c, "lineitem")->nparts > 10);
    collected_free(&b);
    collected_free(&c);
}

static void gen_bad_args(void **state)
{
    sl_context *ctx;
    assert_int_equal(sl_context_create(&ctx), SL_OK);
    sli_gen_options o;
    memset(&o, 0, sizeof o);
    o.sf = 0.001;
    collected c = {{0}, 0};
    assert_int_equal(sli_gen_run(ctx, &o, NULL, collect, &c), SL_ERR_INVALID_ARG);
    assert_non_null(strstr(sl_context_last_error(ctx), "0.01"));
    o.sf = 5000;
    assert_int_equal(sli_gen_run(ctx, &o, NULL, collect, &c), SL_ERR_INVALID_ARG);
    assert_int_equal(c.n, 0);
    /* only the wanted tables reach the sink */
    o.sf = 0.01;
    bool want[8] = {false, true, false, false, false, false, false, false};
    assert_int_equal(sli_gen_run(ctx, &o, want, collect, &c), SL_OK);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.t[0]->name, "nation");
    collected_free(&c);
    assert_int_equal(sli_gen_table_index(SLI_GEN_TPCH, "lineitem"), 7);
    assert_int_equal(sli_gen_table_index(SLI_GEN_SSB, "lineitem"), -1);
    sl_context_destroy(ctx);
}

/* ---- SSB ------------------------------------------------------------------ */

static collected S; /* SF 0.01, seed 1 */

static int ssb_setup(void **state)
{
    gen(SLI_GEN_SSB, 0.01, 1, 2, 0, &S);
    return 0;
}

static int ssb_teardown(void **state)
{
    collected_free(&S);
    return 0;
}

static bool prefix(sli_strview s, sli_strview p)
{
    return s.len > p.len && memcmp(s.ptr, p.ptr, p.len) == 0;
}

static void ssb_counts_and_keys(void **state)
{
    assert_int_equal(S.n, 5);
    const sli_table *D = find(&S, "date"), *C = find(&S, "customer"), *Su = find(&S, "supplier"),
                    *P = find(&S, "part"), *L = find(&S, "lineorder");
    assert_int_equal(D->rows, 2557); /* 1992-01-01 .. 1998-12-31 */
    assert_int_equal(C->rows, 300);
    assert_int_equal(Su->rows, 20);
    assert_int_equal(P->rows, 2000);
    assert_in_range(L->rows, 58000, 62000);
    flat dk = col(D, "d_datekey"), dy = col(D, "d_year"), dm = col(D, "d_monthnuminyear"),
         dd = col(D, "d_daynuminmonth"), dw = col(D, "d_daynuminweek"), dwk = col(D, "d_weeknuminyear");
    assert_true(unique(dk.v, dk.n));
    assert_int_equal(dk.v[0], 19920101);
    assert_int_equal(dk.v[dk.n - 1], 19981231);
    for (size_t i = 0; i < dk.n; i++) {
        assert_int_equal(dk.v[i], dy.v[i] * 10000 + dm.v[i] * 100 + dd.v[i]);
        assert_in_range(dw.v[i], 1, 7);
        assert_in_range(dwk.v[i], 1, 54);
        if (i) assert_int_equal(dw.v[i], dw.v[i - 1] % 7 + 1);
    }
    int64_t *dates = sorted_copy(&dk);
    flat lok = col(L, "lo_orderkey"), lln = col(L, "lo_linenumber"), lc = col(L, "lo_custkey"),
         lp = col(L, "lo_partkey"), ls = col(L, "lo_suppkey"), lod = col(L, "lo_orderdate"),
         lcd = col(L, "lo_commitdate"), q = col(L, "lo_quantity"), ep = col(L, "lo_extendedprice"),
         tot = col(L, "lo_ordtotalprice"), d = col(L, "lo_discount"), rev = col(L, "lo_revenue"),
         sc = col(L, "lo_supplycost"), t = col(L, "lo_tax");
    for (size_t i = 0; i < lok.n; i++) {
        assert_in_range(lc.v[i], 1, 300);
        assert_in_range(lp.v[i], 1, 2000);
        assert_in_range(ls.v[i], 1, 20);
        assert_true(member(dates, dk.n, lod.v[i]));
        assert_true(member(dates, dk.n, lcd.v[i]));
        assert_true(lcd.v[i] > lod.v[i]);
        assert_in_range(q.v[i], 1, 50);
        assert_in_range(d.v[i], 0, 10);
        assert_in_range(t.v[i], 0, 8);
        int64_t retail = 90000 + (lp.v[i] / 10) % 20001 + 100 * (lp.v[i] % 1000);
        assert_int_equal(ep.v[i], q.v[i] * retail);
        assert_int_equal(rev.v[i], ep.v[i] * (100 - d.v[i]) / 100);
        assert_int_equal(sc.v[i], retail * 6 / 10);
        if (i && lok.v[i] == lok.v[i - 1]) {
            assert_int_equal(lln.v[i], lln.v[i - 1] + 1);
            assert_int_equal(tot.v[i], tot.v[i - 1]);
            assert_int_equal(lod.v[i], lod.v[i - 1]);
            assert_int_equal(lc.v[i], lc.v[i - 1]);
        } else {
            assert_int_equal(lln.v[i], 1);
            assert_true((lok.v[i] - 1) % 32 < 8);
        }
    }
    free(dates);
    flat *all[] = {&dk, &dy,  &dm,  &dd, &dw, &dwk, &lok, &lln, &lc, &lp,
                   &ls, &lod, &lcd, &q,  &ep, &tot, &d,   &rev, &sc, &t};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) flat_free(all[i]);
}

static void ssb_dimensions(void **state)
{
    const sli_table *C = find(&S, "customer"), *P = find(&S, "part");
    flat city = col(C, "c_city"), nat = col(C, "c_nation"), reg = col(C, "c_region"), ph = col(C, "c_phone");
    for (size_t i = 0; i < city.n; i++) {
        assert_int_equal(city.s[i].len, 10);
        char want[16];
        int k = -1;
        for (size_t n = 0; n < sli_gen_nations.count; n++)
            if (streq(nat.s[i], sli_gen_nations.words[n])) k = (int)n;
        assert_true(k >= 0);
        snprintf(want, sizeof want, "%-9.9s", sli_gen_nations.words[k]);
        assert_memory_equal(city.s[i].ptr, want, 9);
        assert_in_range(city.s[i].ptr[9], '0', '9');
        assert_true(streq(reg.s[i], sli_gen_regions.words[sli_gen_nation_region[k]]));
        char cc[3] = {ph.s[i].ptr[0], ph.s[i].ptr[1], 0};
        assert_int_equal(atoi(cc), k + 10);
    }
    flat mf = col(P, "p_mfgr"), cat = col(P, "p_category"), br = col(P, "p_brand1"), pk = col(P, "p_partkey");
    for (size_t i = 0; i < mf.n; i++) {
        assert_int_equal(pk.v[i], (int64_t)i + 1);
        assert_true(mf.s[i].len == 6 && memcmp(mf.s[i].ptr, "MFGR#", 5) == 0);
        assert_true(cat.s[i].len == 7 && prefix(cat.s[i], mf.s[i]));
        assert_true((br.s[i].len == 8 || br.s[i].len == 9) && prefix(br.s[i], cat.s[i]));
        char digits[3] = {br.s[i].ptr[7], br.s[i].len == 9 ? br.s[i].ptr[8] : 0, 0};
        assert_in_range(atoi(digits), 1, 40);
    }
    flat *all[] = {&city, &nat, &reg, &ph, &mf, &cat, &br, &pk};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) flat_free(all[i]);
}

static void ssb_deterministic(void **state)
{
    collected b;
    gen(SLI_GEN_SSB, 0.01, 1, 1, 500, &b);
    assert_int_equal(b.n, S.n);
    for (size_t i = 0; i < S.n; i++) assert_true(tbl_hash(S.t[i], 2) == tbl_hash(b.t[i], 1));
    collected_free(&b);
}

int main(void)
{
    const struct CMUnitTest tpch[] = {
        cmocka_unit_test(tpch_row_counts),
        cmocka_unit_test(tpch_keys),
        cmocka_unit_test(tpch_lineitem_rules),
        cmocka_unit_test(tpch_part_customer_supplier),
        cmocka_unit_test(tpch_query_selectivity),
        cmocka_unit_test(tpch_deterministic),
        cmocka_unit_test(tpch_csv_matches_csv_writer),
        cmocka_unit_test(tpch_pieces_match_whole),
        cmocka_unit_test(gen_bad_args),
    };
    const struct CMUnitTest ssb[] = {
        cmocka_unit_test(ssb_counts_and_keys),
        cmocka_unit_test(ssb_dimensions),
        cmocka_unit_test(ssb_deterministic),
    };
    int failed = cmocka_run_group_tests_name("gen_tpch", tpch, tpch_setup, tpch_teardown);
    failed += cmocka_run_group_tests_name("gen_ssb", ssb, ssb_setup, ssb_teardown);
    return failed;
}
