/*
 * memory.c — query memory budgets (see memory.h).
 */
#include "memory.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static _Thread_local sli_mem_budget *current;

void sli_mem_budget_init(sli_mem_budget *b, uint64_t limit)
{
    b->limit = limit;
    atomic_init(&b->used, 0);
    atomic_init(&b->peak, 0);
    atomic_init(&b->refused, 0);
    atomic_init(&b->held, 0);
}

sli_mem_budget *sli_mem_attach(sli_mem_budget *b)
{
    sli_mem_budget *prev = current;
    current = b;
    return prev;
}

sli_mem_budget *sli_mem_current(void)
{
    return current;
}

bool sli_mem_charge(size_t bytes)
{
    sli_mem_budget *b = current;
    if (!b) return true;
    uint64_t used = atomic_load_explicit(&b->used, memory_order_relaxed), want;
    do {
        want = used + bytes;
        if (b->limit && (want < used || want > b->limit)) {
            uint64_t none = 0;
            if (atomic_compare_exchange_strong(&b->refused, &none, bytes ? (uint64_t)bytes : 1))
                atomic_store(&b->held, used);
            return false;
        }
    } while (!atomic_compare_exchange_weak_explicit(&b->used, &used, want, memory_order_relaxed,
                                                    memory_order_relaxed));
    uint64_t peak = atomic_load_explicit(&b->peak, memory_order_relaxed);
    while (peak < want && !atomic_compare_exchange_weak_explicit(&b->peak, &peak, want, memory_order_relaxed,
                                                                 memory_order_relaxed))
        ;
    return true;
}

void sli_mem_release(size_t bytes)
{
    sli_mem_budget *b = current;
    if (!b) return;
    uint64_t used = atomic_load_explicit(&b->used, memory_order_relaxed), want;
    do want = used > bytes ? used - bytes : 0;
    while (!atomic_compare_exchange_weak_explicit(&b->used, &used, want, memory_order_relaxed,
                                                  memory_order_relaxed));
}

bool sli_mem_parse_size(const char *text, uint64_t *out)
{
    if (!text || !isdigit((unsigned char)*text)) return false;
    uint64_t v = 0;
    const char *p = text;
    for (; isdigit((unsigned char)*p); p++) {
        if (v > (UINT64_MAX - 9) / 10) return false;
        v = v * 10 + (uint64_t)(*p - '0');
    }
    unsigned shift = 0;
    switch (toupper((unsigned char)*p)) {
    case 'K': shift = 10; break;
    case 'M': shift = 20; break;
    case 'G': shift = 30; break;
    case 'T': shift = 40; break;
    default: break;
    }
    if (shift) {
        p++;
        if (*p == 'i' || *p == 'I') p++;
    }
    if (*p == 'b' || *p == 'B') p++;
    if (*p != '\0' || v == 0 || v > (UINT64_MAX >> shift)) return false;
    *out = v << shift;
    return true;
}

void sli_mem_format_size(uint64_t bytes, char *buf, size_t cap)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = (double)bytes;
    size_t u = 0;
    while (v >= 1024.0 && u + 1 < sizeof units / sizeof units[0]) {
        v /= 1024.0;
        u++;
    }
    if (u == 0)
        snprintf(buf, cap, "%llu B", (unsigned long long)bytes);
    else
        snprintf(buf, cap, "%.1f %s", v, units[u]);
}
