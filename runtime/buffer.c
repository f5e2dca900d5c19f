/*
 * buffer.c — aligned, padded allocation for column buffers (see buffer.h).
 *
 * Small buffers come from aligned_alloc and charge their usable size to the
 * calling thread's query memory budget (memory.h). Large ones (SLI_BUF_LARGE
 * bytes and more) are mapped with mmap in power-of-two classes, aligned to
 * their class (at most 2 MiB) so that huge pages can back them, and charge
 * their class. Each live large block has an entry in `live`, an
 * open-addressing map from address to class; sli_buf_free looks a pointer up
 * there only when it is aligned like a large block. A freed large block is
 * released from the budget and pushed on its class's stack in the cache;
 * when the cache would pass its limit, blocks of the largest classes are
 * unmapped first (or the freed block itself when it alone is too big).
 *
 * Zeroing: memory fresh from the kernel is zero. Each large block remembers
 * `clean`, the offset from which it has never been handed out (so is still
 * zero); handing out or growing a block zeroes only the requested bytes
 * below `clean` (none for the _uninit calls, whose callers write before
 * they read: column builders). Under AddressSanitizer a block's bytes past the requested
 * size, and whole cached blocks, are poisoned, so overruns of large buffers
 * are still caught.
 *
 * Growing: a large block whose class no longer holds the new size moves
 * into a block of the larger class. On Linux its pages are moved there with
 * mremap (no bytes copied, no fresh pages faulted for the part that moves),
 * for the _uninit call whose callers do not need the new part zeroed; else
 * the bytes are copied.
 *
 * One mutex guards `live` and the cache; zeroing, copying and mapping happen
 * outside it.
 */
#define _GNU_SOURCE /* mremap, MREMAP_FIXED */
#include "buffer.h"

#include <malloc.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "memory.h"
#include "sluice/sluice.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define POISON(p, n)   ASAN_POISON_MEMORY_REGION((p), (n))
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define POISON(p, n)   ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#define HUGE        ((size_t)2 << 20) /* a transparent huge page */
#define MIN_CLASS   20                /* log2 of SLI_BUF_LARGE */
#define NCLASSES    44                /* classes 2^20 .. 2^63 */
#define CACHE_MAX   ((size_t)4 << 30) /* the default limit's cap */
#define LIMIT_UNSET SIZE_MAX

/** A block in the cache: its address and where its never-used part starts. */
typedef struct cached {
    char *p;
    size_t clean;
} cached;

/** A live large block: address (0: empty entry), class bytes, clean offset. */
typedef struct live_entry {
    uintptr_t p;
    size_t bytes, clean;
} live_entry;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static live_entry *live; /* nlive_cap entries, at most half used */
static size_t nlive, nlive_cap;
static cached *stack[NCLASSES]; /* per class: cached blocks, newest last */
static size_t depth[NCLASSES], stack_cap[NCLASSES];
static size_t cache_bytes, cache_limit = LIMIT_UNSET;

static size_t rounded(size_t size)
{
    size_t total = size + SLI_PADDING;
    if (total < size) return 0; /* overflow */
    return (total + SLI_ALIGN - 1) & ~(size_t)(SLI_ALIGN - 1);
}

/* @return the class (log2 of its bytes) of a large request, or -1 when too big. */
static int class_of(size_t total)
{
    int k = MIN_CLASS;
    while (k < MIN_CLASS + NCLASSES && ((size_t)1 << k) < total) k++;
    return k < MIN_CLASS + NCLASSES && ((size_t)1 << k) >= total ? k : -1;
}

static size_t default_limit(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    if (pages <= 0 || page <= 0) return (size_t)256 << 20;
    uint64_t phys = (uint64_t)pages * (uint64_t)page;
    return phys / 8 < CACHE_MAX ? (size_t)(phys / 8) : CACHE_MAX;
}

static size_t live_slot(uintptr_t p)
{
    return (size_t)(((uint64_t)p >> MIN_CLASS) * 0x9E3779B97F4A7C15ull >> 20) & (nlive_cap - 1);
}

/* Under lock. @return the entry of p, or NULL. */
static live_entry *live_find(uintptr_t p)
{
    if (!nlive) return NULL;
    for (size_t i = live_slot(p);; i = (i + 1) & (nlive_cap - 1)) {
        if (live[i].p == p) return &live[i];
        if (!live[i].p) return NULL;
    }
}

/* Under lock. @return false when the map cannot grow (out of memory). */
static bool live_add(uintptr_t p, size_t bytes, size_t clean)
{
    if (2 * (nlive + 1) > nlive_cap) {
        size_t cap = nlive_cap ? 2 * nlive_cap : 64;
        live_entry *old = live, *grown = calloc(cap, sizeof *grown);
        if (!grown) return false;
        size_t old_cap = nlive_cap;
        live = grown;
        nlive_cap = cap;
        for (size_t i = 0; i < old_cap; i++) {
            if (!old[i].p) continue;
            size_t j = live_slot(old[i].p);
            while (live[j].p) j = (j + 1) & (cap - 1);
            live[j] = old[i];
        }
        free(old);
    }
    size_t j = live_slot(p);
    while (live[j].p) j = (j + 1) & (nlive_cap - 1);
    live[j] = (live_entry){p, bytes, clean};
    nlive++;
    return true;
}

/* Under lock: removes entry e (linear probing: later entries of its run move back). */
static void live_remove(live_entry *e)
{
    size_t mask = nlive_cap - 1, i = (size_t)(e - live);
    live[i].p = 0;
    nlive--;
    for (size_t j = (i + 1) & mask; live[j].p; j = (j + 1) & mask) {
        size_t home = live_slot(live[j].p);
        /* entry j may fill hole i when its home is not in (i, j] cyclically */
        bool stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
        if (stays) continue;
        live[i] = live[j];
        live[j].p = 0;
        i = j;
    }
}

/* @return a fresh zeroed mapping of 2^k bytes aligned to min(2^k, HUGE), or NULL. */
static char *map_block(int k)
{
    size_t bytes = (size_t)1 << k, align = bytes < HUGE ? bytes : HUGE;
    size_t span = bytes + align;
    if (span < bytes) return NULL;
    char *m = mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) return NULL;
    char *p = (char *)(((uintptr_t)m + align - 1) & ~(uintptr_t)(align - 1));
    if (p > m) munmap(m, (size_t)(p - m));
    if (m + span > p + bytes) munmap(p + bytes, (size_t)(m + span - (p + bytes)));
#ifdef MADV_HUGEPAGE
    if (bytes >= HUGE) (void)madvise(p, bytes, MADV_HUGEPAGE); /* only advice */
#endif
    return p;
}

static void unmap_block(char *p, size_t bytes)
{
    UNPOISON(p, bytes); /* the range may be mapped again for something else */
    munmap(p, bytes);
}

/* Under lock: unmaps cached blocks, largest classes first, until `want`
 * more bytes fit under the limit. */
static void evict_for(size_t want)
{
    for (int c = NCLASSES - 1; c >= 0 && cache_bytes + want > cache_limit; c--)
        while (depth[c] && cache_bytes + want > cache_limit) {
            cached b = stack[c][--depth[c]];
            cache_bytes -= (size_t)1 << (c + MIN_CLASS);
            unmap_block(b.p, (size_t)1 << (c + MIN_CLASS));
        }
}

/* A large block for `total` bytes whose bytes [zero_from, total) are zero,
 * charged to the budget; *prior_clean (when not NULL) receives the offset
 * from which the block had never been used before (0 for a fresh mapping).
 * @return it, or NULL. */
static void *large_alloc(size_t total, size_t zero_from, size_t *prior_clean)
{
    int k = class_of(total);
    if (k < 0) return NULL;
    size_t bytes = (size_t)1 << k;
    if (!sli_mem_charge(bytes)) return NULL;
    int c = k - MIN_CLASS;
    cached b = {NULL, 0};
    pthread_mutex_lock(&lock);
    if (depth[c]) {
        b = stack[c][--depth[c]];
        cache_bytes -= bytes;
    }
    pthread_mutex_unlock(&lock);
    if (!b.p && !(b.p = map_block(k))) {
        sli_mem_release(bytes);
        return NULL;
    }
    UNPOISON(b.p, total);
    if (prior_clean) *prior_clean = b.clean;
    if (zero_from < b.clean) memset(b.p + zero_from, 0, (b.clean < total ? b.clean : total) - zero_from);
    size_t clean = b.clean > total ? b.clean : total;
    pthread_mutex_lock(&lock);
    bool ok = live_add((uintptr_t)b.p, bytes, clean);
    pthread_mutex_unlock(&lock);
    if (!ok) {
        unmap_block(b.p, bytes);
        sli_mem_release(bytes);
        return NULL;
    }
    POISON(b.p + total, bytes - total);
    return b.p;
}

/* aligned_alloc, charged to the budget, with [zero_from, total) zeroed. */
static void *small_alloc(size_t total, size_t zero_from)
{
    char *p = aligned_alloc(SLI_ALIGN, total);
    if (p && !sli_mem_charge(malloc_usable_size(p))) {
        free(p);
        return NULL;
    }
    if (p && zero_from < total) memset(p + zero_from, 0, total - zero_from);
    return p;
}

static void *alloc_zeroed_from(size_t total, size_t zero_from)
{
    if (total == 0) return NULL;
    return total >= SLI_BUF_LARGE ? large_alloc(total, zero_from, NULL) : small_alloc(total, zero_from);
}

/* Whether p can be a large block (they are aligned to at least 1 MiB). */
static inline bool maybe_large(const void *p)
{
    return ((uintptr_t)p & (SLI_BUF_LARGE - 1)) == 0;
}

void *sli_buf_alloc(size_t size)
{
    return alloc_zeroed_from(rounded(size), 0);
}

void *sli_buf_alloc_uninit(size_t size)
{
    size_t total = rounded(size);
    return alloc_zeroed_from(total, total);
}

#if defined(__linux__) && defined(MREMAP_FIXED) && defined(MREMAP_DONTUNMAP)
#define CAN_MOVE_PAGES 1
/* Moves the pages of [from, from + bytes) onto `to`, replacing what was
 * mapped there; with keep, `from` stays mapped, empty (it reads as zero),
 * so no other thread's mapping can land in its range meanwhile. */
static bool remap(void *from, size_t bytes, void *to, bool keep)
{
    int flags = MREMAP_MAYMOVE | MREMAP_FIXED | (keep ? MREMAP_DONTUNMAP : 0);
    return mremap(from, bytes, bytes, flags, to) != MAP_FAILED;
}
#endif

/* Moves the pages of large block p (its whole class, a multiple of HUGE)
 * to the start of the larger large block q, just handed out (q_clean: where
 * q's never-used part began), and q's pages from there to p, through a
 * scratch range: no bytes copied, and no range of p or q is ever unmapped
 * (another thread could map something there). p then holds what q held and
 * is freed into the cache as usual. @return false when p is not a live
 * block of at least HUGE bytes or a move fails (a kernel without
 * MREMAP_DONTUNMAP); p then holds what it held, q's first bytes may read as
 * zero, and the caller copies. */
static bool move_pages_into(void *p, char *q, size_t q_clean)
{
#ifdef CAN_MOVE_PAGES
    pthread_mutex_lock(&lock);
    live_entry *e = live_find((uintptr_t)p);
    size_t bytes = e ? e->bytes : 0;
    pthread_mutex_unlock(&lock);
    if (bytes < HUGE) return false;
    char *t = map_block(class_of(bytes)); /* aligned like p and q: huge pages move whole */
    if (!t) return false;
    if (!remap(q, bytes, t, true)) { /* q's first pages to the scratch range */
        unmap_block(t, bytes);
        return false;
    }
    if (!remap(p, bytes, q, true)) { /* p's pages to q; on failure q's go back */
        if (!remap(t, bytes, q, false)) unmap_block(t, bytes);
        return false;
    }
    bool moved = remap(t, bytes, p, false); /* q's old pages to p (else p reads as zero) */
    if (!moved) unmap_block(t, bytes);
    pthread_mutex_lock(&lock);
    e = live_find((uintptr_t)p);
    e->clean = moved ? (q_clean < bytes ? q_clean : bytes) : 0;
    pthread_mutex_unlock(&lock);
    sli_buf_free(p);
    return true;
#else
    (void)p;
    (void)q;
    (void)q_clean;
    return false;
#endif
}

/* sli_buf_realloc (zero true) and sli_buf_realloc_uninit (false). */
static void *realloc_impl(void *p, size_t old_size, size_t new_size, bool zero)
{
    size_t total = rounded(new_size);
    if (total == 0) return NULL;
    size_t keep = !p ? 0 : old_size < new_size ? old_size : new_size;
    if (p && maybe_large(p)) {
        /* In place when the block's class holds the new size. */
        pthread_mutex_lock(&lock);
        live_entry *e = live_find((uintptr_t)p);
        size_t bytes = e ? e->bytes : 0, clean = e ? e->clean : 0;
        if (e && total <= bytes && total > e->clean) e->clean = total;
        pthread_mutex_unlock(&lock);
        if (e && total <= bytes) {
            UNPOISON(p, total);
            if (zero && keep < clean) memset((char *)p + keep, 0, (clean < total ? clean : total) - keep);
            POISON((char *)p + total, bytes - total);
            return p;
        }
    }
    size_t q_clean = 0;
    bool large = total >= SLI_BUF_LARGE;
    char *q =
        large ? large_alloc(total, zero ? keep : total, &q_clean) : small_alloc(total, zero ? keep : total);
    if (!q) return NULL;
    if (!zero && large && keep >= HUGE && move_pages_into(p, q, q_clean)) return q;
    if (keep) memcpy(q, p, keep);
    sli_buf_free(p);
    return q;
}

void *sli_buf_realloc(void *p, size_t old_size, size_t new_size)
{
    return realloc_impl(p, old_size, new_size, true);
}

void *sli_buf_realloc_uninit(void *p, size_t old_size, size_t new_size)
{
    return realloc_impl(p, old_size, new_size, false);
}

void sli_buf_free(void *p)
{
    if (!p) return;
    if (maybe_large(p)) {
        pthread_mutex_lock(&lock);
        live_entry *e = live_find((uintptr_t)p);
        if (e) {
            size_t bytes = e->bytes, clean = e->clean;
            int c = class_of(bytes) - MIN_CLASS;
            live_remove(e);
            sli_mem_release(bytes);
            if (cache_limit == LIMIT_UNSET) cache_limit = default_limit();
            if (bytes <= cache_limit) evict_for(bytes);
            bool keep = bytes <= cache_limit;
            if (keep && depth[c] == stack_cap[c]) {
                size_t cap = stack_cap[c] ? 2 * stack_cap[c] : 8;
                cached *grown = realloc(stack[c], cap * sizeof *grown);
                if (grown) {
                    stack[c] = grown;
                    stack_cap[c] = cap;
                } else
                    keep = false;
            }
            if (keep) {
                POISON(p, bytes);
                stack[c][depth[c]++] = (cached){p, clean};
                cache_bytes += bytes;
            } else
                unmap_block(p, bytes);
            pthread_mutex_unlock(&lock);
            return;
        }
        pthread_mutex_unlock(&lock);
    }
    sli_mem_release(malloc_usable_size(p));
    free(p);
}

size_t sl_set_buffer_cache_limit(size_t bytes)
{
    return sli_buf_cache_limit(bytes);
}

size_t sl_buffer_cache_bytes(void)
{
    return sli_buf_cache_bytes();
}

size_t sli_buf_cache_limit(size_t bytes)
{
    pthread_mutex_lock(&lock);
    size_t old = cache_limit == LIMIT_UNSET ? default_limit() : cache_limit;
    cache_limit = bytes;
    evict_for(0);
    pthread_mutex_unlock(&lock);
    return old;
}

size_t sli_buf_cache_bytes(void)
{
    pthread_mutex_lock(&lock);
    size_t n = cache_bytes;
    pthread_mutex_unlock(&lock);
    return n;
}

void sli_buf_cache_trim(void)
{
    pthread_mutex_lock(&lock);
    for (int c = 0; c < NCLASSES; c++) {
        while (depth[c]) {
            cached b = stack[c][--depth[c]];
            unmap_block(b.p, (size_t)1 << (c + MIN_CLASS));
        }
        free(stack[c]);
        stack[c] = NULL;
        stack_cap[c] = 0;
    }
    cache_bytes = 0;
    pthread_mutex_unlock(&lock);
}
