/*
 * placement.c — partitions and workers onto NUMA nodes, and memory bound to
 * a node (see placement.h).
 */
#include "placement.h"

#include <hwloc.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "buffer.h"

sl_status sli_numa_mode_parse(const char *s, sli_numa_mode *out)
{
    if (!s) return SL_ERR_INVALID_ARG;
    if (strcmp(s, "on") == 0)
        *out = SLI_NUMA_ON;
    else if (strcmp(s, "off") == 0)
        *out = SLI_NUMA_OFF;
    else
        return SL_ERR_INVALID_ARG;
    return SL_OK;
}

size_t sli_place_node_count(const sli_topology *t, sli_numa_mode mode)
{
    if (mode == SLI_NUMA_OFF || !t || t->nnodes == 0) return 1;
    return t->nnodes;
}

const char *sli_mem_how_name(sli_mem_how how)
{
    switch (how) {
    case SLI_MEM_PLAIN: return "plain";
    case SLI_MEM_BOUND: return "bound";
    case SLI_MEM_FIRST_TOUCH: return "first-touch";
    }
    return "unknown";
}

/* ---- partitions ------------------------------------------------------------ */

/* Sorts idx[0..n) (ascending on entry) by bytes descending, index ascending:
 * a stable merge sort, so equal sizes keep their order. tmp holds n entries. */
static void sort_desc(size_t *idx, size_t *tmp, size_t n, const uint64_t *bytes)
{
    if (n < 2) return;
    size_t h = n / 2;
    sort_desc(idx, tmp, h, bytes);
    sort_desc(idx + h, tmp, n - h, bytes);
    size_t a = 0, b = h, k = 0;
    while (a < h && b < n) {
        size_t i = idx[a], j = idx[b];
        /* the left run holds the lower indexes, so ties take it first */
        if (bytes[j] > bytes[i])
            tmp[k++] = idx[b++];
        else
            tmp[k++] = idx[a++];
    }
    while (a < h) tmp[k++] = idx[a++];
    while (b < n) tmp[k++] = idx[b++];
    memcpy(idx, tmp, n * sizeof *idx);
}

sl_status sli_place_partitions(const uint64_t *bytes, size_t nparts, size_t nnodes, sli_place_policy policy,
                               unsigned *node_out)
{
    if (nnodes == 0 || (nparts > 0 && !node_out)) return SL_ERR_INVALID_ARG;
    if (policy == SLI_PLACE_ROUND_ROBIN) {
        for (size_t i = 0; i < nparts; i++) node_out[i] = (unsigned)(i % nnodes);
        return SL_OK;
    }
    if (policy != SLI_PLACE_BY_SIZE || (nparts > 0 && !bytes)) return SL_ERR_INVALID_ARG;
    if (nparts == 0) return SL_OK;
    size_t *idx = malloc(nparts * sizeof *idx);
    size_t *tmp = malloc(nparts * sizeof *tmp);
    uint64_t *load = calloc(nnodes, sizeof *load);
    if (!idx || !tmp || !load) {
        free(idx), free(tmp), free(load);
        return SL_ERR_NOMEM;
    }
    for (size_t i = 0; i < nparts; i++) idx[i] = i;
    sort_desc(idx, tmp, nparts, bytes);
    for (size_t k = 0; k < nparts; k++) {
        size_t best = 0;
        for (size_t n = 1; n < nnodes; n++)
            if (load[n] < load[best]) best = n;
        node_out[idx[k]] = (unsigned)best;
        load[best] += bytes[idx[k]];
    }
    free(idx), free(tmp), free(load);
    return SL_OK;
}

uint64_t sli_partition_bytes(const sli_partition *p, size_t ncols)
{
    uint64_t total = 0;
    for (size_t c = 0; p && c < ncols; c++) {
        const sli_column *col = p->cols[c];
        if (!col) continue;
        total += (uint64_t)col->length * sli_type_width(col->type);
        if (col->type.id == SL_TYPE_UTF8 && !col->dict)
            total += 4 + col->bytes_len; /* offsets has length+1 */
        if (col->validity) total += (col->length + 7) / 8;
    }
    return total;
}

/* ---- workers ---------------------------------------------------------------- */

sl_status sli_place_workers(const sli_topology *t, sli_numa_mode mode, size_t nworkers, unsigned *node_out,
                            unsigned *pu_out)
{
    if (!t || nworkers == 0 || !node_out || !pu_out) return SL_ERR_INVALID_ARG;
    size_t with_pus = 0, total_pus = 0;
    for (size_t n = 0; n < t->nnodes; n++) {
        with_pus += t->nodes[n].npus > 0;
        total_pus += t->nodes[n].npus;
    }
    if (total_pus == 0) {
        /* no PU list (cannot happen with hwloc or sysconf): node 0, PU numbers in turn */
        for (size_t w = 0; w < nworkers; w++) node_out[w] = 0, pu_out[w] = (unsigned)w;
        return SL_OK;
    }
    if (mode == SLI_NUMA_OFF) {
        for (size_t w = 0; w < nworkers; w++) {
            size_t k = w % total_pus, n = 0;
            while (k >= t->nodes[n].npus) k -= t->nodes[n++].npus;
            node_out[w] = 0;
            pu_out[w] = t->nodes[n].pus[k];
        }
        return SL_OK;
    }
    for (size_t w = 0; w < nworkers; w++) {
        size_t kth = w % with_pus, round = w / with_pus, n = 0;
        for (;; n++) { /* the kth node that has PUs */
            if (t->nodes[n].npus == 0) continue;
            if (kth == 0) break;
            kth--;
        }
        node_out[w] = (unsigned)n;
        pu_out[w] = t->nodes[n].pus[round % t->nodes[n].npus];
    }
    return SL_OK;
}

/* ---- memory on a node ------------------------------------------------------- */

/* Binds [p, p+len) to node n of t. @return true when the kernel bound it. */
static bool bind_to_node(const sli_topology *t, unsigned n, void *p, size_t len)
{
    hwloc_topology_t hw = (hwloc_topology_t)t->hw;
    /* a synthetic or XML topology is not this machine: its nodes mean nothing to the kernel */
    if (!hw || !hwloc_topology_is_thissystem(hw)) return false;
    hwloc_bitmap_t set = hwloc_bitmap_alloc();
    if (!set) return false;
    hwloc_bitmap_only(set, t->nodes[n].os_index);
    int rc = hwloc_set_area_membind(hw, p, len, set, HWLOC_MEMBIND_BIND,
                                    HWLOC_MEMBIND_BYNODESET | HWLOC_MEMBIND_STRICT);
    hwloc_bitmap_free(set);
    return rc == 0;
}

sl_status sli_node_alloc(const sli_topology *t, sli_numa_mode mode, unsigned node, size_t size,
                         sli_node_mem *out)
{
    memset(out, 0, sizeof *out);
    if (mode == SLI_NUMA_ON && (!t || node >= t->nnodes)) return SL_ERR_INVALID_ARG;
    long pg = sysconf(_SC_PAGESIZE);
    size_t page = pg > 0 ? (size_t)pg : 4096;
    if (size > SIZE_MAX - SLI_PADDING - page) return SL_ERR_NOMEM;
    size_t len = (size + SLI_PADDING + page - 1) / page * page;
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return SL_ERR_NOMEM;
    out->ptr = p;
    out->size = size;
    out->mapped = len;
    if (mode == SLI_NUMA_OFF) {
        out->node = 0;
        out->how = SLI_MEM_PLAIN;
        return SL_OK;
    }
    out->node = node;
    out->how = bind_to_node(t, node, p, len) ? SLI_MEM_BOUND : SLI_MEM_FIRST_TOUCH;
    /* fault every page in now: under the binding, or on the caller's node */
    volatile char *c = p;
    for (size_t off = 0; off < len; off += page) c[off] = 0;
    return SL_OK;
}

void sli_node_free(sli_node_mem *m)
{
    if (!m || !m->ptr) return;
    munmap(m->ptr, m->mapped);
    memset(m, 0, sizeof *m);
}
