/*
 * topology.h — a snapshot of the machine: packages, NUMA nodes with their
 * cores, PUs and memory, caches, and I/O devices with the NUMA node they sit
 * next to.
 *
 * The snapshot is a plain struct that the rest of the engine reads; it holds
 * no hwloc types. It is filled by hwloc (topology.c), which honours hwloc's
 * own HWLOC_SYNTHETIC and HWLOC_XMLFILE environment variables, or for tests
 * from a synthetic description ("pack:2 numa:1 core:4 pu:1") or an XML file.
 * When hwloc cannot load a topology the snapshot falls back to sysconf (one
 * package, one NUMA node holding every online CPU) and keeps hwloc's failure
 * as a message.
 *
 * NUMA node indexes used everywhere else (placement, morsels, workers) are
 * indexes into nodes[], in hwloc's logical order; os_index is what the
 * operating system calls the node. A snapshot is immutable once built and may
 * be read by any number of threads.
 */
#ifndef SLI_TOPOLOGY_H
#define SLI_TOPOLOGY_H

#include <stddef.h>
#include <stdint.h>

#include "sluice/sluice.h"

/** Highest cache level the snapshot records (L1 data, L2, L3). */
#define SLI_TOPO_CACHE_LEVELS 3

/** Where a snapshot came from. */
typedef enum sli_topo_source {
    SLI_TOPO_HWLOC = 0,     /**< hwloc, describing this machine */
    SLI_TOPO_SYNTHETIC = 1, /**< hwloc, from a synthetic description */
    SLI_TOPO_XML = 2,       /**< hwloc, from an XML file */
    SLI_TOPO_SYSCONF = 3,   /**< hwloc failed; sysconf's CPU and memory counts */
} sli_topo_source;

/** Flags for the loaders. */
enum {
    /** Also discover PCI and OS devices (GPUs, OpenCL devices, network,
     *  block devices). Slower: hwloc scans the buses. */
    SLI_TOPO_IO = 1u << 0,
};

/** One NUMA node. */
typedef struct sli_topo_node {
    unsigned os_index; /**< the operating system's number for the node */
    unsigned package;  /**< logical index of the package holding it (0 if none) */
    unsigned ncores;   /**< cores whose PUs all belong to this node */
    unsigned npus;     /**< processing units (hardware threads) of the node */
    unsigned *pus;     /**< npus OS indexes of those PUs, ascending; owned */
    uint64_t memory;   /**< local memory in bytes; 0 when unknown */
} sli_topo_node;

/** Kinds of OS devices, after hwloc's. */
typedef enum sli_osdev_type {
    SLI_OSDEV_OTHER = 0,
    SLI_OSDEV_GPU = 1,     /**< a display adapter (hwloc GPU) */
    SLI_OSDEV_COPROC = 2,  /**< a compute device: OpenCL, CUDA, Level Zero... */
    SLI_OSDEV_NETWORK = 3, /**< a network interface */
    SLI_OSDEV_STORAGE = 4, /**< a block device */
} sli_osdev_type;

/** One OS device found under a PCI device (or elsewhere) by hwloc. */
typedef struct sli_topo_osdev {
    char *name;    /**< hwloc's name, e.g. "opencl0d0", "eth0"; owned */
    char *subtype; /**< "OpenCL", "CUDA"... or NULL; owned */
    sli_osdev_type type;
    char pci_busid[24]; /**< "0000:65:00.0" of the PCI parent, or "" */
    int numa;           /**< index into nodes[] of its local node, -1 if not one node */
} sli_topo_osdev;

/** The snapshot. Free with sli_topology_free(). */
typedef struct sli_topology {
    sli_topo_source source;
    unsigned npackages;
    unsigned ncores;
    unsigned npus;
    size_t nnodes;        /**< at least 1 */
    sli_topo_node *nodes; /**< nnodes entries; owned */
    uint64_t memory;      /**< sum of the nodes' memory in bytes; 0 when unknown */
    /** Size in bytes of one cache of each level (index 1: L1 data, 2: L2,
     *  3: L3; index 0 unused) and how many there are; 0 when absent. */
    uint64_t cache_size[SLI_TOPO_CACHE_LEVELS + 1];
    unsigned cache_count[SLI_TOPO_CACHE_LEVELS + 1];
    char *cpu_model;        /**< the first package's CPU model, or NULL; owned */
    size_t nosdevs;         /**< 0 unless loaded with SLI_TOPO_IO */
    sli_topo_osdev *osdevs; /**< owned */
    char *hwloc_error;      /**< why hwloc was not used (SYSCONF only), else NULL; owned */
    void *hw;               /**< private to runtime/: the loaded hwloc topology, or NULL */
} sli_topology;

/**
 * Discovers this machine through hwloc, which reads HWLOC_SYNTHETIC or
 * HWLOC_XMLFILE when set (the snapshot's source then says so). When hwloc
 * fails, falls back to sysconf and keeps the reason in hwloc_error.
 * @param flags SLI_TOPO_IO or 0.
 * @param out receives the snapshot (owned by the caller) on SL_OK.
 * @return SL_OK, or SL_ERR_NOMEM.
 * Thread safety: may be called from any thread; each call builds its own snapshot.
 */
sl_status sli_topology_discover(unsigned flags, sli_topology **out);

/**
 * Builds a snapshot from an hwloc synthetic description, e.g.
 * "pack:2 numa:1 core:4 pu:1" (two packages of one NUMA node and four
 * single-thread cores each). Memory and caches are hwloc's synthetic defaults
 * unless the description gives them.
 * @param err receives a message on failure (may be NULL); errcap its size.
 * @return SL_OK; SL_ERR_INVALID_ARG for a description hwloc rejects; SL_ERR_NOMEM.
 */
sl_status sli_topology_synthetic(const char *desc, sli_topology **out, char *err, size_t errcap);

/**
 * Builds a snapshot from an hwloc XML file (as `lstopo t.xml` writes it).
 * @param flags SLI_TOPO_IO to keep the file's PCI and OS devices.
 * @param err receives a message on failure (may be NULL); errcap its size.
 * @return SL_OK; SL_ERR_IO when the file is missing or hwloc rejects it; SL_ERR_NOMEM.
 */
sl_status sli_topology_xml(const char *path, unsigned flags, sli_topology **out, char *err, size_t errcap);

/**
 * Builds the sysconf snapshot used when hwloc fails: one package, one NUMA
 * node with every online CPU as a core, physical memory, sysconf's cache sizes.
 * @param why the reason hwloc was not used (copied; NULL gives a generic one).
 * @return the snapshot (owned by the caller), or NULL when out of memory.
 */
sli_topology *sli_topology_fallback(const char *why);

/** @return a name for a source: "hwloc", "synthetic", "xml", "sysconf". */
const char *sli_topo_source_name(sli_topo_source s);

/** @return a name for an OS device type: "gpu", "coproc", "network", "storage", "other". */
const char *sli_osdev_type_name(sli_osdev_type t);

/** Frees a snapshot and the hwloc topology it holds. NULL is ignored. */
void sli_topology_free(sli_topology *t);

#endif
