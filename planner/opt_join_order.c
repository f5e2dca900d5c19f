/*
 * opt_join_order.c — join ordering by estimated cardinality. A region is a
 * maximal tree of inner joins; its leaves are whatever lies below (filtered
 * scans, renames, aggregates, semi joins) and its equalities are the join
 * keys. The pass rebuilds each region in the order
 * that a dynamic program over subsets of leaves finds cheapest, trees of any
 * shape (a build side may itself be a join), without cross products. Of two
 * leaves, the smaller builds (as opt_join_side.c would choose).
 *
 * Keys that are equal form equivalence classes (`l_suppkey = s_suppkey` and
 * `s_suppkey = ps_suppkey` put all three in one), so two leaves can join on a
 * key that the query only equates through a third; every join gets one key
 * per class with members on both sides.
 *
 * Estimates, for lack of statistics:
 * - a leaf: sli_opt_estimate_rows (table rows times selectivities, see
 *   opt_util.h);
 * - a class's domain D: the fewest rows of any table a member reads (the
 *   key side of a key/foreign-key join);
 * - a set of leaves, one leaf x at a time: the rows of the others times
 *   x's, over the product of the domains of the classes x shares with
 *   them, that product at most the rows of the smallest table holding a
 *   key of each of those classes (a composite key, set_rows). With one
 *   class per join this is the product of the leaves' rows over D^(k-1)
 *   per class, k the leaves holding one of its members;
 * - cost of a join: its probe rows plus BUILD_WEIGHT times its build rows
 *   (building a row costs more than probing one), plus its inputs' costs.
 *
 * With --device opencl (SL_DEVICE_OPENCL) every build side is one leaf:
 * the OpenCL generator fuses a probe pipeline whose hash tables are built
 * from scans, and a bushy tree would keep its pipelines on the CPU.
 *
 * The region's output columns keep their order through a projection above
 * the new tree. Runs after opt_semi_push.c and before opt_join_side.c
 * (which leaves the joins placed here alone: `ordered`) and opt_prune.c.
 * sli_opt_join_rows gives the estimate to tests. A region it cannot describe
 * (a key that reads two leaves or none, a leaf with two members of one
 * class, more than MAX_LEAVES leaves, a join without keys) stays as it is.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "opt_util.h"
#include "optimizer.h"
#include "runtime/context.h"
#include "runtime/types.h"

enum { MAX_LEAVES = 12, MAX_MEMBERS = 64 };

static const double BUILD_WEIGHT = 2.0;

typedef struct member {
    sli_expr *e; /* bound to the region's output columns (owned) */
    int leaf;
    int cls; /* union-find parent while collecting, class id after */
} member;

typedef struct pair {
    int a, b; /* members an original key equates */
} pair;

typedef struct region {
    sli_plan *leaf[MAX_LEAVES];
    int off[MAX_LEAVES]; /* first region column of each leaf */
    int nleaves;
    int ncols;
    member m[MAX_MEMBERS];
    int nm;
    pair pairs[MAX_MEMBERS];
    int npairs;
    int nclasses;
    double rows[MAX_LEAVES];
    double base[MAX_LEAVES]; /* rows of the table under a leaf, filters aside */
    double domain[MAX_MEMBERS];
    bool leaf_builds; /* every build side one leaf (see the file comment) */
    bool bad;         /* the region cannot be described: leave it */
} region;

typedef struct dp_entry {
    double rows, cost;
    uint32_t probe, build; /* best split; 0 for a leaf */
} dp_entry;

static bool is_inner(const sli_plan *p)
{
    return p->kind == SLI_PLAN_JOIN && p->jtype == SLI_JOIN_INNER && p->refcount == 1 &&
           p->ncols == p->in[0]->ncols + p->in[1]->ncols;
}

/* Rows of the table a leaf reads, through filters and renames. */
static double base_rows(const sli_plan *p)
{
    while ((p->kind == SLI_PLAN_FILTER || p->kind == SLI_PLAN_PROJECT) && p->in[0]) p = p->in[0];
    return sli_opt_estimate_rows(p);
}

static int find(region *r, int i)
{
    while (r->m[i].cls != i) i = r->m[i].cls = r->m[r->m[i].cls].cls;
    return i;
}

/* The leaf whose columns e reads, or -1 (none, or several). */
static int leaf_of(const region *r, const sli_expr *e)
{
    for (int l = 0; l < r->nleaves; l++) {
        int lo = r->off[l], hi = lo + (int)r->leaf[l]->ncols;
        if (!sli_opt_refs_within(e, lo, hi)) continue;
        bool *used = calloc((size_t)r->ncols, sizeof *used);
        if (!used) return -1;
        sli_opt_mark(e, used);
        bool any = false;
        for (int c = lo; c < hi; c++) any |= used[c];
        free(used);
        return any ? l : -1;
    }
    return -1;
}

/* The member for key e (a clone shifted by `by` into region columns). */
static int add_member(region *r, const sli_expr *e, int by)
{
    sli_expr *g = sli_expr_clone(e);
    if (!g) {
        r->bad = true;
        return -1;
    }
    sli_opt_shift(g, by);
    for (int i = 0; i < r->nm; i++) {
        if (sli_opt_expr_eq(r->m[i].e, g)) {
            sli_expr_free(g);
            return i;
        }
    }
    int leaf = leaf_of(r, g);
    if (leaf < 0 || r->nm == MAX_MEMBERS) {
        sli_expr_free(g);
        r->bad = true;
        return -1;
    }
    r->m[r->nm] = (member){g, leaf, r->nm};
    return r->nm++;
}

/* Collects the leaves of the region under p (left to right, so the leaves'
 * columns are the region's in order) and, on the way back, its keys. */
static void collect(region *r, sli_plan *p, int off, bool root)
{
    if (r->bad) return;
    if (!root && !is_inner(p)) {
        if (r->nleaves == MAX_LEAVES) {
            r->bad = true;
            return;
        }
        r->leaf[r->nleaves] = p;
        r->off[r->nleaves++] = off;
        return;
    }
    if (p->nkeys == 0) {
        r->bad = true;
        return;
    }
    int nl = (int)p->in[0]->ncols;
    collect(r, p->in[0], off, false);
    collect(r, p->in[1], off + nl, false);
    for (size_t k = 0; k < p->nkeys && !r->bad; k++) {
        int a = add_member(r, p->lkeys[k], off);
        int b = a < 0 ? -1 : add_member(r, p->rkeys[k], off + nl);
        if (b < 0 || r->npairs == MAX_MEMBERS) {
            r->bad = true;
            return;
        }
        r->pairs[r->npairs++] = (pair){a, b};
        r->m[find(r, a)].cls = find(r, b);
    }
}

/* Numbers the classes, takes their domains and rejects a leaf holding two
 * members of one class (their equality would be applied nowhere). */
static void classify(region *r)
{
    int id[MAX_MEMBERS];
    for (int i = 0; i < r->nm; i++) id[i] = -1;
    int root[MAX_MEMBERS];
    for (int i = 0; i < r->nm; i++) root[i] = find(r, i);
    r->nclasses = 0;
    for (int i = 0; i < r->nm; i++) {
        if (id[root[i]] < 0) {
            id[root[i]] = r->nclasses;
            r->domain[r->nclasses++] = INFINITY;
        }
    }
    for (int i = 0; i < r->nm; i++) {
        int c = id[root[i]];
        r->m[i].cls = c;
        double b = r->base[r->m[i].leaf];
        if (b < r->domain[c]) r->domain[c] = b;
        for (int j = 0; j < i; j++)
            if (r->m[j].cls == c && r->m[j].leaf == r->m[i].leaf) r->bad = true;
    }
    for (int c = 0; c < r->nclasses; c++)
        if (!(r->domain[c] >= 1.0)) r->domain[c] = 1.0;
}

/* Estimated rows of the leaves in set s (more than one), from those of s
 * without its last leaf x (dp, already known): times x's rows, over the
 * domain of what x's keys meet. Each class x shares with the rest is one
 * equality, so the domains multiply, but never past the rows of the
 * smallest table of s holding a key of every one of those classes: a
 * composite key (lineitem's (l_partkey, l_suppkey) against partsupp's) has
 * at most as many values as the table it is unique in, not the product of
 * its parts' domains. */
static double set_rows(const region *r, const dp_entry *dp, uint32_t s)
{
    int x = 31 - __builtin_clz(s);
    uint32_t rest = s & ~(1u << x);
    double d = 1.0;
    bool shared[MAX_MEMBERS] = {false};
    for (int i = 0; i < r->nm; i++)
        if (r->m[i].leaf == x) shared[r->m[i].cls] = true;
    for (int c = 0; c < r->nclasses; c++) {
        bool in_rest = false;
        for (int i = 0; i < r->nm && shared[c] && !in_rest; i++)
            in_rest = r->m[i].cls == c && (rest >> r->m[i].leaf & 1);
        shared[c] = in_rest;
        if (shared[c]) d *= r->domain[c];
    }
    /* the tables of s that hold a key of every shared class (x does) */
    double cap = INFINITY;
    for (int l = 0; l < r->nleaves; l++) {
        if (!(s >> l & 1) || !(r->base[l] < cap)) continue;
        bool all = true;
        for (int c = 0; c < r->nclasses && all; c++) {
            if (!shared[c]) continue;
            bool holds = false;
            for (int i = 0; i < r->nm && !holds; i++) holds = r->m[i].cls == c && r->m[i].leaf == l;
            all = holds;
        }
        if (all) cap = r->base[l];
    }
    if (d > cap) d = cap;
    double rows = dp[rest].rows * (r->rows[x] > 1.0 ? r->rows[x] : 1.0) / (d > 1.0 ? d : 1.0);
    return rows < 1.0 ? 1.0 : rows;
}

/* The key pair that joins class c across sets a and b: an equality the
 * query wrote when there is one, else two members of the same type.
 * @return false when the class has members on both sides but no such pair. */
static bool class_pair(const region *r, int c, uint32_t a, uint32_t b, int *ma, int *mb)
{
    *ma = *mb = -1;
    bool in_a = false, in_b = false;
    for (int i = 0; i < r->nm; i++) {
        if (r->m[i].cls != c) continue;
        in_a |= (a >> r->m[i].leaf & 1) != 0;
        in_b |= (b >> r->m[i].leaf & 1) != 0;
    }
    if (!in_a || !in_b) return true;
    for (int p = 0; p < r->npairs; p++) {
        int x = r->pairs[p].a, y = r->pairs[p].b;
        if (r->m[x].cls != c) continue;
        if ((b >> r->m[x].leaf & 1) && (a >> r->m[y].leaf & 1)) {
            int t = x;
            x = y;
            y = t;
        }
        if ((a >> r->m[x].leaf & 1) && (b >> r->m[y].leaf & 1)) {
            *ma = x;
            *mb = y;
            return true;
        }
    }
    for (int x = 0; x < r->nm; x++) {
        if (r->m[x].cls != c || !(a >> r->m[x].leaf & 1)) continue;
        for (int y = 0; y < r->nm; y++) {
            if (r->m[y].cls != c || !(b >> r->m[y].leaf & 1)) continue;
            if (sli_type_eq(r->m[x].e->type, r->m[y].e->type)) {
                *ma = x;
                *mb = y;
                return true;
            }
        }
    }
    return false;
}

/* Whether sets a and b can join: every class spanning them has a key pair
 * and at least one does. */
static bool joinable(const region *r, uint32_t a, uint32_t b)
{
    bool any = false;
    for (int c = 0; c < r->nclasses; c++) {
        int x, y;
        if (!class_pair(r, c, a, b, &x, &y)) return false;
        any |= x >= 0;
    }
    return any;
}

/* Dynamic program over the subsets of leaves, smallest first. */
static bool plan_order(const region *r, dp_entry *dp)
{
    uint32_t full = (1u << r->nleaves) - 1;
    for (uint32_t s = 1; s <= full; s++) {
        if ((s & (s - 1)) == 0) {
            int l = __builtin_ctz(s);
            dp[s] = (dp_entry){r->rows[l] > 1.0 ? r->rows[l] : 1.0, 0.0, 0, 0};
            continue;
        }
        dp[s] = (dp_entry){set_rows(r, dp, s), INFINITY, 0, 0};
        /* every split into probe p and build s^p, in increasing p, so that
         * of equal costs the first (the original order for two leaves) wins */
        for (uint32_t p = (~s + 1) & s; p != s; p = ((p | ~s) + 1) & s) {
            uint32_t b = s ^ p;
            if (r->leaf_builds && (b & (b - 1))) continue;
            if (!isfinite(dp[p].cost) || !isfinite(dp[b].cost)) continue;
            double cost = dp[p].cost + dp[b].cost + dp[p].rows + BUILD_WEIGHT * dp[b].rows;
            if (cost >= dp[s].cost || !joinable(r, p, b)) continue;
            dp[s].cost = cost;
            dp[s].probe = p;
            dp[s].build = b;
        }
    }
    return isfinite(dp[full].cost);
}

/* The leaves of set s in the order the tree for s outputs them. */
static int tree_leaves(const dp_entry *dp, uint32_t s, int *out)
{
    if (!dp[s].probe) {
        int l = 0;
        while (!(s >> l & 1)) l++;
        out[0] = l;
        return 1;
    }
    int n = tree_leaves(dp, dp[s].probe, out);
    return n + tree_leaves(dp, dp[s].build, out + n);
}

/* map[g] = the column of set s's tree that holds region column g, or -1. */
static void column_map(const region *r, const dp_entry *dp, uint32_t s, int *map)
{
    int order[MAX_LEAVES];
    int n = tree_leaves(dp, s, order);
    for (int g = 0; g < r->ncols; g++) map[g] = -1;
    int at = 0;
    for (int i = 0; i < n; i++) {
        int l = order[i];
        for (size_t c = 0; c < r->leaf[l]->ncols; c++) map[r->off[l] + (int)c] = at++;
    }
}

/* The key member m as an expression over the columns `map` gives. */
static sli_expr *key_expr(const region *r, int m, const int *map)
{
    sli_expr *e = sli_expr_clone(r->m[m].e);
    if (e) sli_opt_remap(e, map);
    return e;
}

static sli_plan *build_tree(const region *r, const dp_entry *dp, uint32_t s, int *map);

/* Joins the trees of probe set p and build set b (taking them). */
static sli_plan *join_of(const region *r, const dp_entry *dp, uint32_t p, uint32_t b, sli_plan *lp,
                         sli_plan *rp, int *map)
{
    sli_plan *j = sli_plan_new(SLI_PLAN_JOIN);
    if (!j) {
        sli_plan_unref(lp);
        sli_plan_unref(rp);
        return NULL;
    }
    j->in[0] = lp;
    j->in[1] = rp;
    j->jtype = SLI_JOIN_INNER;
    j->ordered = true;
    bool ok = true;
    for (size_t i = 0; ok && i < lp->ncols; i++) ok = sli_plan_add_col(j, lp->names[i], lp->types[i]);
    for (size_t i = 0; ok && i < rp->ncols; i++) ok = sli_plan_add_col(j, rp->names[i], rp->types[i]);
    size_t cap = (size_t)r->nclasses;
    j->lkeys = ok ? calloc(cap ? cap : 1, sizeof *j->lkeys) : NULL;
    j->rkeys = ok ? calloc(cap ? cap : 1, sizeof *j->rkeys) : NULL;
    ok = ok && j->lkeys && j->rkeys;
    for (int c = 0; ok && c < r->nclasses; c++) {
        int x, y;
        if (!class_pair(r, c, p, b, &x, &y) || x < 0) continue;
        column_map(r, dp, p, map);
        sli_expr *l = key_expr(r, x, map);
        column_map(r, dp, b, map);
        sli_expr *k = key_expr(r, y, map);
        j->lkeys[j->nkeys] = l;
        j->rkeys[j->nkeys++] = k;
        ok = l && k;
    }
    if (!ok) {
        sli_plan_unref(j);
        return NULL;
    }
    return j;
}

static sli_plan *build_tree(const region *r, const dp_entry *dp, uint32_t s, int *map)
{
    if (!dp[s].probe) {
        int l = 0;
        while (!(s >> l & 1)) l++;
        return sli_plan_ref(r->leaf[l]);
    }
    sli_plan *lp = build_tree(r, dp, dp[s].probe, map);
    sli_plan *rp = lp ? build_tree(r, dp, dp[s].build, map) : NULL;
    if (!rp) {
        sli_plan_unref(lp);
        return NULL;
    }
    return join_of(r, dp, dp[s].probe, dp[s].build, lp, rp, map);
}

/* The projection over tree t that gives the region's columns in order. */
static sli_plan *restore_order(const region *r, const sli_plan *old, sli_plan *t, const int *map)
{
    bool identity = true;
    for (int g = 0; g < r->ncols; g++) identity &= map[g] == g;
    if (identity) return t;
    sli_plan *proj = sli_plan_new(SLI_PLAN_PROJECT);
    bool ok = proj && sli_opt_set_schema(proj, old->names, old->types, old->ncols);
    if (ok) ok = (proj->exprs = calloc(old->ncols, sizeof *proj->exprs)) != NULL;
    for (int g = 0; ok && g < r->ncols; g++) {
        sli_expr *c = sli_opt_column_ref(t->names[map[g]], t->types[map[g]], map[g]);
        if (!(ok = c != NULL)) break;
        proj->exprs[g] = c;
    }
    if (!ok) {
        sli_plan_unref(proj);
        sli_plan_unref(t);
        return NULL;
    }
    proj->in[0] = t;
    return proj;
}

static void region_free(region *r)
{
    for (int i = 0; i < r->nm; i++) sli_expr_free(r->m[i].e);
}

/* Reorders the region rooted at *pp. @return false on NOMEM (the plan is
 * left as it was). */
/* Describes the region rooted at inner join p. @return NULL on NOMEM; a
 * region it cannot describe has `bad` set (free either with region_free). */
static region *describe(sli_plan *p)
{
    region *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->ncols = (int)p->ncols;
    collect(r, p, 0, true);
    for (int l = 0; l < r->nleaves; l++) {
        r->rows[l] = sli_opt_estimate_rows(r->leaf[l]);
        r->base[l] = base_rows(r->leaf[l]);
    }
    if (!r->bad) classify(r);
    return r;
}

double sli_opt_join_rows(const sli_plan *p)
{
    if (!is_inner(p)) return sli_opt_estimate_rows(p);
    region *r = describe((sli_plan *)p); /* only read */
    double rows = -1.0;
    dp_entry *dp = r && !r->bad ? malloc(((size_t)1 << r->nleaves) * sizeof *dp) : NULL;
    if (dp) {
        /* the leaves one at a time, as set_rows adds them */
        dp[1] = (dp_entry){r->rows[0] > 1.0 ? r->rows[0] : 1.0, 0.0, 0, 0};
        uint32_t s = 1;
        for (int l = 1; l < r->nleaves; l++) {
            s |= 1u << l;
            dp[s].rows = set_rows(r, dp, s);
        }
        rows = dp[s].rows;
    }
    free(dp);
    if (r) region_free(r);
    free(r);
    return rows;
}

static bool reorder(sli_plan **pp, bool leaf_builds)
{
    region *r = describe(*pp);
    if (!r) return false;
    r->leaf_builds = leaf_builds;
    bool ok = true;
    if (!r->bad && r->nleaves >= 2) {
        size_t n = (size_t)1 << r->nleaves;
        dp_entry *dp = malloc(n * sizeof *dp);
        int *map = malloc((size_t)r->ncols * sizeof *map);
        ok = dp && map;
        if (ok && plan_order(r, dp)) {
            uint32_t full = (uint32_t)(n - 1);
            sli_plan *t = build_tree(r, dp, full, map);
            if (t) {
                column_map(r, dp, full, map);
                t = restore_order(r, *pp, t, map);
            }
            if (t) {
                sli_plan_unref(*pp);
                *pp = t;
            } else {
                ok = false;
            }
        }
        free(dp);
        free(map);
    }
    region_free(r);
    free(r);
    return ok;
}

/* Reorders every region, the ones below a region's leaves first. */
static bool walk(sli_plan **pp, bool in_region, bool leaf_builds)
{
    sli_plan *p = *pp;
    bool inner = is_inner(p);
    for (int i = 0; i < 2; i++)
        if (p->in[i] && !walk(&p->in[i], inner, leaf_builds)) return false;
    return !inner || in_region || reorder(pp, leaf_builds);
}

sl_status sli_opt_join_order(sl_context *ctx, sli_plan **p)
{
    bool leaf_builds = sli_context_device(ctx) == SL_DEVICE_OPENCL;
    return walk(p, false, leaf_builds) ? SL_OK : sli_nomem(ctx, "optimizer");
}
