/*
 * test_buffer.c — tests of aligned buffers and the large-block cache
 * (runtime/buffer.h): reuse of freed large blocks, zeroing of reused and
 * regrown memory, memory-budget accounting across reuse, the cache's bound,
 * reallocation across size classes (bytes copied, or pages moved), and
 * many threads allocating and freeing at once.
 */
/* cmocka.h needs these first, in this order */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
/* clang-format on */

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/buffer.h"
#include "runtime/memory.h"
#include "sluice/sluice.h"

#define MIB ((size_t)1 << 20)

/* Whether bytes [from, to) of p are all zero. */
static bool zero_range(const void *p, size_t from, size_t to)
{
    const unsigned char *c = p;
    for (size_t i = from; i < to; i++)
        if (c[i]) return false;
    return true;
}

/* Whether bytes [from, to) of p are all v. */
static bool all_equal(const void *p, size_t from, size_t to, unsigned char v)
{
    const unsigned char *c = p;
    for (size_t i = from; i < to; i++)
        if (c[i] != v) return false;
    return true;
}

/* Every test starts from an empty cache with the default limit. */
static int setup(void **state)
{
    (void)state;
    sli_buf_cache_trim();
    return 0;
}

static void test_small_buffers(void **state)
{
    (void)state;
    unsigned char *p = sli_buf_alloc(1000);
    assert_non_null(p);
    assert_int_equal((uintptr_t)p % SLI_ALIGN, 0);
    assert_true(zero_range(p, 0, 1000 + SLI_PADDING));
    memset(p, 3, 1000 + SLI_PADDING);
    p = sli_buf_realloc(p, 1000, 5000);
    assert_non_null(p);
    assert_true(all_equal(p, 0, 1000, 3));
    assert_true(zero_range(p, 1000, 5000 + SLI_PADDING)); /* the old padding too */
    sli_buf_free(p);
    sli_buf_free(NULL);
    assert_int_equal(sli_buf_cache_bytes(), 0); /* small buffers are never cached */
}

static void test_reuse_and_zeroing(void **state)
{
    (void)state;
    size_t n = 3 * MIB;
    unsigned char *p = sli_buf_alloc_uninit(n);
    assert_non_null(p);
    assert_int_equal((uintptr_t)p % SLI_ALIGN, 0);
    memset(p, 0xab, n + SLI_PADDING);
    sli_buf_free(p);
    assert_int_equal(sli_buf_cache_bytes(), 4 * MIB); /* the 4 MiB class */

    /* Same class: the same block comes back, zeroed where asked for. */
    size_t m = 3 * MIB + MIB / 2;
    unsigned char *q = sli_buf_alloc(m);
    assert_ptr_equal(q, p);
    assert_int_equal(sli_buf_cache_bytes(), 0);
    assert_true(zero_range(q, 0, m + SLI_PADDING));
    memset(q, 0x11, m + SLI_PADDING);
    sli_buf_free(q);

    /* An uninitialized reuse keeps old bytes; that is allowed, and a later
     * zeroed allocation of the block clears them again. */
    q = sli_buf_alloc_uninit(2 * MIB + 100);
    assert_ptr_equal(q, p);
    sli_buf_free(q);
    q = sli_buf_alloc(4 * MIB - SLI_PADDING); /* the whole class */
    assert_ptr_equal(q, p);
    assert_true(zero_range(q, 0, 4 * MIB));
    sli_buf_free(q);

    /* Another class does not take it. */
    unsigned char *r = sli_buf_alloc(9 * MIB);
    assert_non_null(r);
    assert_ptr_not_equal(r, p);
    assert_int_equal(sli_buf_cache_bytes(), 4 * MIB);
    assert_true(zero_range(r, 0, 9 * MIB + SLI_PADDING));
    sli_buf_free(r);
    assert_int_equal(sli_buf_cache_bytes(), 4 * MIB + 16 * MIB);
    sli_buf_cache_trim();
    assert_int_equal(sli_buf_cache_bytes(), 0);
}

static void test_realloc_in_place_and_across(void **state)
{
    (void)state;
    /* Within a class: in place, old bytes kept, the rest zero, even bytes
     * written past a smaller size before. */
    size_t a = MIB + MIB / 2, b = 2 * MIB - 4096;
    unsigned char *p = sli_buf_alloc(a);
    assert_non_null(p);
    memset(p, 0x5a, a + SLI_PADDING);
    unsigned char *q = sli_buf_realloc(p, a, b);
    assert_ptr_equal(q, p);
    assert_true(all_equal(q, 0, a, 0x5a));
    assert_true(zero_range(q, a, b + SLI_PADDING));
    memset(q, 0x77, b + SLI_PADDING);
    q = sli_buf_realloc(q, b, MIB); /* shrinks in place */
    assert_ptr_equal(q, p);
    q = sli_buf_realloc(q, MIB, b);
    assert_ptr_equal(q, p);
    assert_true(all_equal(q, 0, MIB, 0x77));
    assert_true(zero_range(q, MIB, b + SLI_PADDING));

    /* Across classes and between small and large: contents move. */
    for (size_t i = 0; i < b; i++) q[i] = (unsigned char)(i * 7);
    unsigned char *r = sli_buf_realloc(q, b, 9 * MIB);
    assert_non_null(r);
    assert_ptr_not_equal(r, q);
    for (size_t i = 0; i < b; i += 4093) assert_int_equal(r[i], (unsigned char)(i * 7));
    assert_int_equal(r[b - 1], (unsigned char)((b - 1) * 7));
    assert_true(zero_range(r, b, 9 * MIB + SLI_PADDING));
    unsigned char *s = sli_buf_realloc(r, 9 * MIB, 100); /* large to small: stays (its class holds it) */
    assert_ptr_equal(s, r);
    for (size_t i = 0; i < 100; i++) assert_int_equal(s[i], (unsigned char)(i * 7));
    unsigned char *t = sli_buf_alloc(100);
    memset(t, 9, 100);
    unsigned char *u = sli_buf_realloc(t, 100, 5 * MIB); /* small to large */
    assert_non_null(u);
    assert_true(all_equal(u, 0, 100, 9));
    assert_true(zero_range(u, 100, 5 * MIB + SLI_PADDING));
    unsigned char *v = sli_buf_realloc(NULL, 0, 2 * MIB); /* NULL allocates */
    assert_non_null(v);
    assert_true(zero_range(v, 0, 2 * MIB + SLI_PADDING));
    sli_buf_free(s);
    sli_buf_free(u);
    sli_buf_free(v);
}

/* Growing with realloc_uninit moves a large block's pages instead of its
 * bytes (on Linux) and hands the grown-into block's old pages to the old
 * block, which goes to the cache: contents, zeroing and the cache agree. */
static void test_realloc_uninit_moves_pages(void **state)
{
    (void)state;
    /* a dirty 8 MiB block waits in the cache */
    unsigned char *x = sli_buf_alloc(8 * MIB - 4096);
    assert_non_null(x);
    memset(x, 0xee, 8 * MIB - 4096);
    sli_buf_free(x);
    size_t n = 3 * MIB;
    unsigned char *p = sli_buf_alloc_uninit(n);
    assert_non_null(p);
    for (size_t i = 0; i < n; i++) p[i] = (unsigned char)(i * 13 + 1);
    unsigned char *q = sli_buf_realloc_uninit(p, n, 7 * MIB);
    assert_non_null(q);
    assert_ptr_equal(q, x); /* the cached block */
    for (size_t i = 0; i < n; i++)
        if (q[i] != (unsigned char)(i * 13 + 1)) fail_msg("byte %zu moved wrong", i);
    memset(q + n, 0x11, 7 * MIB - n); /* the grown part is writable */
    /* the old 4 MiB block is cached now, holding what the 8 MiB one held:
     * handed out zeroed, it reads as zero; uninit, it is writable */
    assert_int_equal(sli_buf_cache_bytes(), 4 * MIB);
    unsigned char *z = sli_buf_alloc(4 * MIB - 4096);
    assert_ptr_equal(z, p);
    assert_true(zero_range(z, 0, 4 * MIB - 4096 + SLI_PADDING));
    memset(z, 0x22, 4 * MIB - 4096);
    /* grown again, from a fresh mapping this time */
    unsigned char *r = sli_buf_realloc_uninit(q, 7 * MIB, 13 * MIB);
    assert_non_null(r);
    assert_true(all_equal(r, n, 7 * MIB, 0x11));
    assert_int_equal(r[0], 1);
    assert_int_equal(r[n - 1], (unsigned char)((n - 1) * 13 + 1));
    sli_buf_free(z);
    sli_buf_free(r);
    assert_int_equal(sli_buf_cache_bytes(), 4 * MIB + 8 * MIB + 16 * MIB);
    unsigned char *w = sli_buf_alloc(8 * MIB - 4096); /* the 8 MiB block, zeroed */
    assert_non_null(w);
    assert_true(zero_range(w, 0, 8 * MIB - 4096 + SLI_PADDING));
    sli_buf_free(w);
}

static void test_budget_with_reuse(void **state)
{
    (void)state;
    sli_mem_budget b;
    sli_mem_budget_init(&b, 0); /* counting only */
    sli_mem_budget *prev = sli_mem_attach(&b);
    void *p = sli_buf_alloc(3 * MIB);
    assert_non_null(p);
    assert_int_equal(atomic_load(&b.used), 4 * MIB); /* its class */
    sli_buf_free(p);
    assert_int_equal(atomic_load(&b.used), 0); /* cached blocks are charged to nobody */
    assert_int_equal(sli_buf_cache_bytes(), 4 * MIB);
    void *q = sli_buf_alloc(3 * MIB);
    assert_ptr_equal(q, p);
    assert_int_equal(atomic_load(&b.used), 4 * MIB); /* charged again on reuse */
    q = sli_buf_realloc(q, 3 * MIB, 6 * MIB);
    assert_int_equal(atomic_load(&b.used), 8 * MIB);
    assert_int_equal(sli_buf_cache_bytes(), 4 * MIB); /* the old block went back */
    sli_buf_free(q);
    assert_int_equal(atomic_load(&b.used), 0);
    assert_int_equal(atomic_load(&b.peak), 12 * MIB); /* both blocks while the contents moved */

    /* A refused charge takes nothing from the cache. */
    sli_mem_budget small;
    sli_mem_budget_init(&small, 2 * MIB);
    sli_mem_attach(&small);
    assert_null(sli_buf_alloc(3 * MIB));
    assert_int_equal(sli_buf_cache_bytes(), 12 * MIB);
    void *r = sli_buf_alloc(MIB); /* 1 MiB + padding: the 2 MiB class fits */
    assert_non_null(r);
    assert_int_equal(atomic_load(&small.used), 2 * MIB);
    assert_null(sli_buf_realloc(r, MIB, 3 * MIB)); /* refused: r is kept */
    sli_buf_free(r);
    assert_int_equal(atomic_load(&small.used), 0);

    /* A block allocated without a budget releases nothing it did not charge. */
    sli_mem_attach(NULL);
    void *s = sli_buf_alloc(3 * MIB);
    sli_mem_attach(&b);
    sli_buf_free(s);
    assert_int_equal(atomic_load(&b.used), 0);
    sli_mem_attach(prev);
}

static void test_cache_bound(void **state)
{
    (void)state;
    size_t old = sli_buf_cache_limit(8 * MIB);
    void *p[4];
    for (int i = 0; i < 4; i++) assert_non_null(p[i] = sli_buf_alloc(3 * MIB));
    for (int i = 0; i < 4; i++) {
        sli_buf_free(p[i]);
        assert_true(sli_buf_cache_bytes() <= 8 * MIB);
    }
    assert_int_equal(sli_buf_cache_bytes(), 8 * MIB);
    void *big = sli_buf_alloc(12 * MIB); /* its 16 MiB class passes the limit */
    sli_buf_free(big);
    assert_int_equal(sli_buf_cache_bytes(), 8 * MIB);
    void *two = sli_buf_alloc(MIB + MIB / 2);
    sli_buf_free(two); /* evicts a 4 MiB block to fit */
    assert_int_equal(sli_buf_cache_bytes(), 6 * MIB);
    sli_buf_cache_limit(MIB);
    assert_int_equal(sli_buf_cache_bytes(), 0);
    assert_int_equal(sli_buf_cache_limit(old), MIB);
    assert_true(old >= MIB);
}

#define THREADS 6
#define ROUNDS  150

typedef struct worker {
    unsigned id;
    sli_mem_budget budget;
    bool ok;
} worker;

static void *work(void *arg)
{
    worker *w = arg;
    sli_mem_attach(&w->budget);
    uint64_t x = 0x9e3779b97f4a7c15ull * (w->id + 1);
    static const size_t sizes[] = {1000, MIB / 2, MIB, 3 * MIB / 2, 3 * MIB, 5 * MIB};
    unsigned char *held[3] = {NULL, NULL, NULL};
    size_t held_n[3] = {0, 0, 0};
    w->ok = true;
    for (int r = 0; r < ROUNDS && w->ok; r++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        size_t slot = x % 3, n = sizes[(x >> 8) % 6];
        unsigned char tag = (unsigned char)(w->id * 16 + 1);
        if (held[slot]) {
            /* nobody else wrote into it while it was held */
            w->ok = held[slot][0] == tag && held[slot][held_n[slot] - 1] == tag &&
                    held[slot][held_n[slot] / 2] == tag;
            if (((x >> 20) & 1) || held_n[slot] + n > 12 * MIB) {
                sli_buf_free(held[slot]);
                held[slot] = NULL;
                continue;
            }
            bool uninit = (x >> 21) & 1; /* moves pages when large enough */
            unsigned char *g = uninit ? sli_buf_realloc_uninit(held[slot], held_n[slot], held_n[slot] + n)
                                      : sli_buf_realloc(held[slot], held_n[slot], held_n[slot] + n);
            if (!g) {
                w->ok = false;
                break;
            }
            w->ok = w->ok && g[0] == tag && g[held_n[slot] - 1] == tag &&
                    (uninit || zero_range(g, held_n[slot], held_n[slot] + n + SLI_PADDING));
            held[slot] = g;
            held_n[slot] += n;
            memset(g, tag, held_n[slot]);
            continue;
        }
        unsigned char *p = sli_buf_alloc(n);
        if (!p || !zero_range(p, 0, n + SLI_PADDING)) {
            w->ok = false;
            sli_buf_free(p);
            break;
        }
        memset(p, tag, n);
        held[slot] = p;
        held_n[slot] = n;
    }
    for (int i = 0; i < 3; i++) sli_buf_free(held[i]);
    sli_mem_attach(NULL);
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    size_t old = sli_buf_cache_limit(48 * MIB);
    worker w[THREADS];
    pthread_t th[THREADS];
    for (unsigned i = 0; i < THREADS; i++) {
        w[i].id = i;
        sli_mem_budget_init(&w[i].budget, 0);
        assert_int_equal(pthread_create(&th[i], NULL, work, &w[i]), 0);
    }
    for (unsigned i = 0; i < THREADS; i++) assert_int_equal(pthread_join(th[i], NULL), 0);
    for (unsigned i = 0; i < THREADS; i++) {
        assert_true(w[i].ok);
        assert_int_equal(atomic_load(&w[i].budget.used), 0);
        assert_true(atomic_load(&w[i].budget.peak) > 0);
    }
    assert_true(sli_buf_cache_bytes() <= 48 * MIB);
    sli_buf_cache_limit(old);
    sli_buf_cache_trim();
}

/* The public calls cap the cache and report what it holds. */
static void test_public_cache_limit(void **state)
{
    (void)state;
    void *a = sli_buf_alloc(3 * MIB), *b = sli_buf_alloc(5 * MIB);
    assert_non_null(a);
    assert_non_null(b);
    sli_buf_free(a);
    sli_buf_free(b);
    assert_true(sl_buffer_cache_bytes() >= 8 * MIB); /* both blocks are kept */
    size_t old = sl_set_buffer_cache_limit(0);       /* disables the cache: returned at once */
    assert_true(old >= 8 * MIB);
    assert_int_equal(sl_buffer_cache_bytes(), 0);
    void *c = sli_buf_alloc(3 * MIB);
    assert_non_null(c);
    sli_buf_free(c);
    assert_int_equal(sl_buffer_cache_bytes(), 0); /* nothing is kept while disabled */
    assert_int_equal(sl_set_buffer_cache_limit(old), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_small_buffers, setup),
        cmocka_unit_test_setup(test_reuse_and_zeroing, setup),
        cmocka_unit_test_setup(test_realloc_in_place_and_across, setup),
        cmocka_unit_test_setup(test_realloc_uninit_moves_pages, setup),
        cmocka_unit_test_setup(test_budget_with_reuse, setup),
        cmocka_unit_test_setup(test_cache_bound, setup),
        cmocka_unit_test_setup(test_threads, setup),
        cmocka_unit_test_setup(test_public_cache_limit, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
