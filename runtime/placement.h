/*
 * placement.h — which NUMA node each table partition lives on, which node
 * and PU each worker runs on, and memory allocated on a chosen node.
 *
 * Partitions are placed round-robin or by size (the bytes per node kept as
 * even as a greedy largest-first assignment makes them). Buffers are mapped
 * anonymously and bound to their node with hwloc; where binding is not
 * possible (a synthetic or XML topology, a kernel that refuses mbind) the
 * pages are touched by the calling thread instead, so they land on the node
 * that thread runs on (first touch). With SLI_NUMA_OFF every partition and
 * worker is on node 0 and memory is plain.
 *
 * Node numbers are indexes into sli_topology.nodes. Everything here is
 * reentrant: the functions only read the topology snapshot.
 */
#ifndef SLI_PLACEMENT_H
#define SLI_PLACEMENT_H

#include <stddef.h>
#include <stdint.h>

#include "sluice/sluice.h"
#include "table.h"
#include "topology.h"

/** Whether the runtime places data and workers on NUMA nodes (`--numa`). */
typedef enum sli_numa_mode {
    SLI_NUMA_OFF = 0, /**< one node: plain memory, workers anywhere */
    SLI_NUMA_ON = 1,  /**< the topology's nodes */
} sli_numa_mode;

/** How partitions are spread over nodes. */
typedef enum sli_place_policy {
    SLI_PLACE_ROUND_ROBIN = 0, /**< partition i on node i mod nnodes */
    SLI_PLACE_BY_SIZE = 1,     /**< largest first onto the node with the fewest bytes */
} sli_place_policy;

/** How a node buffer's memory was obtained. */
typedef enum sli_mem_how {
    SLI_MEM_PLAIN = 0,       /**< SLI_NUMA_OFF: no placement asked for */
    SLI_MEM_BOUND = 1,       /**< bound to the node by the kernel (hwloc membind) */
    SLI_MEM_FIRST_TOUCH = 2, /**< binding unavailable; touched by the calling thread */
} sli_mem_how;

/** Memory on one node: at least `size` bytes plus SLI_PADDING, page aligned. */
typedef struct sli_node_mem {
    void *ptr;     /**< zeroed, page aligned; NULL when empty */
    size_t size;   /**< bytes asked for */
    size_t mapped; /**< bytes mapped (size + padding, rounded to pages) */
    unsigned node; /**< the node asked for (0 with SLI_NUMA_OFF) */
    sli_mem_how how;
} sli_node_mem;

/**
 * Parses "on" or "off" (the `--numa` option's values).
 * @return SL_OK, or SL_ERR_INVALID_ARG for anything else (out untouched).
 */
sl_status sli_numa_mode_parse(const char *s, sli_numa_mode *out);

/** @return the number of nodes placement uses: 1 with SLI_NUMA_OFF, else t->nnodes. */
size_t sli_place_node_count(const sli_topology *t, sli_numa_mode mode);

/**
 * Chooses a node for each of nparts partitions of the given sizes.
 * Round-robin ignores the sizes (bytes may be NULL). By size, partitions go
 * largest first (ties: lower index first) to the node holding the fewest
 * bytes so far (ties: lower node). Deterministic.
 * @param node_out receives nparts node numbers, each < nnodes.
 * @return SL_OK; SL_ERR_INVALID_ARG when nnodes is 0 or sizes are missing
 *         for SLI_PLACE_BY_SIZE; SL_ERR_NOMEM.
 */
sl_status sli_place_partitions(const uint64_t *bytes, size_t nparts, size_t nnodes, sli_place_policy policy,
                               unsigned *node_out);

/** @return the bytes a partition's columns occupy (values, offsets, string
 *  bytes, validity; shared dictionaries not counted). */
uint64_t sli_partition_bytes(const sli_partition *p, size_t ncols);

/**
 * Chooses a node and a PU for each of nworkers workers: workers go
 * round-robin over the nodes that have PUs (worker w on the (w mod k)-th such
 * node) and over each node's PUs in turn. With SLI_NUMA_OFF every worker is
 * on node 0 and the PUs of the whole machine are taken in turn.
 * @param node_out, pu_out receive nworkers entries each (pu_out: OS PU numbers).
 * @return SL_OK; SL_ERR_INVALID_ARG when nworkers is 0.
 */
sl_status sli_place_workers(const sli_topology *t, sli_numa_mode mode, size_t nworkers, unsigned *node_out,
                            unsigned *pu_out);

/**
 * Allocates size bytes (plus SLI_PADDING) on a node: bound there when the
 * topology describes this machine and the kernel allows it, else first-touched
 * by the calling thread; plain with SLI_NUMA_OFF.
 * @param out receives the buffer; free it with sli_node_free().
 * @return SL_OK; SL_ERR_INVALID_ARG for a node >= t->nnodes (with SLI_NUMA_ON);
 *         SL_ERR_NOMEM.
 * Thread safety: any thread; the first-touch fallback places pages on the
 * calling thread's node, so a worker pinned to the node should allocate.
 */
sl_status sli_node_alloc(const sli_topology *t, sli_numa_mode mode, unsigned node, size_t size,
                         sli_node_mem *out);

/** Unmaps a node buffer and clears it. An empty buffer is ignored. */
void sli_node_free(sli_node_mem *m);

/** @return "plain", "bound" or "first-touch". */
const char *sli_mem_how_name(sli_mem_how how);

#endif
