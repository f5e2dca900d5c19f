/*
 * morsel.c — the NUMA-aware morsel scheduler (see morsel.h).
 *
 * State shared between workers, all C11 atomics:
 *  - per partition, a row cursor: a claim is fetch_add(cursor, morsel rows);
 *    the claim is valid when the old value is below the partition's rows.
 *    Cursors only grow, so a row range is handed out at most once, and a
 *    partition is used up once its cursor reaches its rows.
 *  - per node, the position of the first partition in its list that may
 *    still have rows (a hint that only moves forward) and the count of rows
 *    not yet handed out (decremented after each claim, so it never reads
 *    lower than the truth; stealing uses it to pick the richest node).
 * Workers check a cursor before adding to it, so a cursor overshoots its
 * partition's rows by at most one morsel per worker; sli_morsel_create()
 * refuses sizes where that could overflow.
 */
#include "morsel.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define CACHE_LINE 64

/* One partition per cache line, so claims on different partitions do not
 * contend for the same line. */
typedef struct part_state {
    _Alignas(CACHE_LINE) _Atomic size_t cursor;
    size_t rows;
    unsigned node;
} part_state;

typedef struct node_state {
    _Alignas(CACHE_LINE) _Atomic size_t first_open; /**< index into parts[] */
    _Atomic uint64_t remaining;
    size_t *parts; /**< this node's partitions, ascending */
    size_t nparts;
    uint64_t rows; /**< total rows, for reset */
} node_state;

typedef struct worker_state {
    _Alignas(CACHE_LINE) sli_morsel_stats stats;
    unsigned node;
} worker_state;

struct sli_morsel_sched {
    size_t morsel_rows;
    size_t nparts, nnodes, nworkers;
    part_state *parts;
    node_state *nodes;
    worker_state *workers;
    size_t *part_lists; /**< the nodes' partition lists, one array */
};

static void *alloc_lines(size_t n, size_t size)
{
    /* size is a multiple of CACHE_LINE (every state struct is aligned to it) */
    if (n == 0) n = 1;
    if (n > SIZE_MAX / size) return NULL;
    void *p = aligned_alloc(CACHE_LINE, n * size);
    if (p) memset(p, 0, n * size);
    return p;
}

void sli_morsel_free(sli_morsel_sched *s)
{
    if (!s) return;
    free(s->parts);
    free(s->nodes);
    free(s->workers);
    free(s->part_lists);
    free(s);
}

void sli_morsel_reset(sli_morsel_sched *s)
{
    for (size_t i = 0; i < s->nparts; i++) atomic_store(&s->parts[i].cursor, 0);
    for (size_t n = 0; n < s->nnodes; n++) {
        atomic_store(&s->nodes[n].first_open, 0);
        atomic_store(&s->nodes[n].remaining, s->nodes[n].rows);
    }
    for (size_t w = 0; w < s->nworkers; w++) memset(&s->workers[w].stats, 0, sizeof s->workers[w].stats);
}

sl_status sli_morsel_create(const size_t *part_rows, const unsigned *part_node, size_t nparts,
                            const unsigned *worker_node, size_t nworkers, size_t nnodes, size_t morsel_rows,
                            sli_morsel_sched **out)
{
    *out = NULL;
    if (nnodes == 0 || nworkers == 0 || !worker_node || (nparts > 0 && (!part_rows || !part_node)))
        return SL_ERR_INVALID_ARG;
    if (morsel_rows == 0) morsel_rows = SLI_MORSEL_ROWS;
    if (nworkers >= SIZE_MAX / morsel_rows - 1) return SL_ERR_INVALID_ARG;
    size_t slack = (nworkers + 1) * morsel_rows; /* the most a cursor overshoots */
    for (size_t w = 0; w < nworkers; w++)
        if (worker_node[w] >= nnodes) return SL_ERR_INVALID_ARG;
    for (size_t i = 0; i < nparts; i++)
        if (part_node[i] >= nnodes || part_rows[i] > SIZE_MAX - slack) return SL_ERR_INVALID_ARG;

    sli_morsel_sched *s = calloc(1, sizeof *s);
    if (!s) return SL_ERR_NOMEM;
    s->morsel_rows = morsel_rows;
    s->nparts = nparts;
    s->nnodes = nnodes;
    s->nworkers = nworkers;
    s->parts = alloc_lines(nparts, sizeof *s->parts);
    s->nodes = alloc_lines(nnodes, sizeof *s->nodes);
    s->workers = alloc_lines(nworkers, sizeof *s->workers);
    s->part_lists = malloc((nparts ? nparts : 1) * sizeof *s->part_lists);
    if (!s->parts || !s->nodes || !s->workers || !s->part_lists) {
        sli_morsel_free(s);
        return SL_ERR_NOMEM;
    }
    for (size_t i = 0; i < nparts; i++) {
        s->parts[i].rows = part_rows[i];
        s->parts[i].node = part_node[i];
        s->nodes[part_node[i]].nparts++;
        s->nodes[part_node[i]].rows += part_rows[i];
    }
    /* carve each node's list out of part_lists, then fill the lists in partition order */
    size_t at = 0;
    for (size_t n = 0; n < nnodes; n++) {
        s->nodes[n].parts = s->part_lists + at;
        at += s->nodes[n].nparts;
        s->nodes[n].nparts = 0;
    }
    for (size_t i = 0; i < nparts; i++) {
        node_state *nd = &s->nodes[part_node[i]];
        nd->parts[nd->nparts++] = i;
    }
    for (size_t w = 0; w < nworkers; w++) s->workers[w].node = worker_node[w];
    sli_morsel_reset(s);
    *out = s;
    return SL_OK;
}

/* Claims a morsel from one of node n's partitions. @return false only when
 * every partition of the node is used up. */
static bool claim_on_node(sli_morsel_sched *s, size_t n, sli_morsel *out)
{
    node_state *nd = &s->nodes[n];
    size_t i = atomic_load_explicit(&nd->first_open, memory_order_relaxed);
    for (; i < nd->nparts; i++) {
        size_t p = nd->parts[i];
        part_state *ps = &s->parts[p];
        if (atomic_load_explicit(&ps->cursor, memory_order_relaxed) < ps->rows) {
            size_t begin = atomic_fetch_add_explicit(&ps->cursor, s->morsel_rows, memory_order_relaxed);
            if (begin < ps->rows) {
                size_t end = ps->rows - begin < s->morsel_rows ? ps->rows : begin + s->morsel_rows;
                atomic_fetch_sub_explicit(&nd->remaining, (uint64_t)(end - begin), memory_order_relaxed);
                out->part = p;
                out->begin = begin;
                out->end = end;
                return true;
            }
        }
        /* partition i is used up: move the hint past it unless another worker already did */
        size_t expect = i;
        atomic_compare_exchange_strong_explicit(&nd->first_open, &expect, i + 1, memory_order_relaxed,
                                                memory_order_relaxed);
    }
    return false;
}

bool sli_morsel_next(sli_morsel_sched *s, size_t worker, sli_morsel *out)
{
    if (!s || worker >= s->nworkers) return false;
    worker_state *ws = &s->workers[worker];
    size_t home = ws->node;
    bool got = claim_on_node(s, home, out);
    if (!got && s->nnodes > 1) {
        /* steal: the node with the most rows left first, then every node in turn
         * (a failed claim means that node is used up, so the sweep is final) */
        size_t richest = home;
        uint64_t most = 0;
        for (size_t n = 0; n < s->nnodes; n++) {
            uint64_t r = atomic_load_explicit(&s->nodes[n].remaining, memory_order_relaxed);
            if (n != home && r > most) most = r, richest = n;
        }
        if (richest != home) got = claim_on_node(s, richest, out);
        for (size_t k = 1; !got && k < s->nnodes; k++) got = claim_on_node(s, (home + k) % s->nnodes, out);
    }
    if (!got) return false;
    out->stolen = s->parts[out->part].node != home;
    uint64_t rows = (uint64_t)(out->end - out->begin);
    if (out->stolen) {
        ws->stats.stolen_morsels++;
        ws->stats.stolen_rows += rows;
    } else {
        ws->stats.local_morsels++;
        ws->stats.local_rows += rows;
    }
    return true;
}

sli_morsel_stats sli_morsel_worker_stats(const sli_morsel_sched *s, size_t worker)
{
    sli_morsel_stats none = {0, 0, 0, 0};
    if (!s || worker >= s->nworkers) return none;
    return s->workers[worker].stats;
}

uint64_t sli_morsel_remaining(const sli_morsel_sched *s)
{
    uint64_t total = 0;
    for (size_t n = 0; s && n < s->nnodes; n++)
        total += atomic_load_explicit(&s->nodes[n].remaining, memory_order_relaxed);
    return total;
}
