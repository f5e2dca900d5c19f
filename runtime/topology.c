/*
 * topology.c — the machine snapshot (topology.h) filled from hwloc, or from
 * sysconf when hwloc fails.
 *
 * hwloc is asked once per snapshot; its topology stays loaded inside the
 * snapshot (the `hw` field) because memory binding (placement.c) needs it.
 * I/O discovery leaves out hwloc's "pci" component: that component goes
 * through libpciaccess, while hwloc's Linux component reads the same PCI
 * devices from sysfs on its own.
 */
#include "topology.h"

#include <errno.h>
#include <hwloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *sli_topo_source_name(sli_topo_source s)
{
    switch (s) {
    case SLI_TOPO_HWLOC: return "hwloc";
    case SLI_TOPO_SYNTHETIC: return "synthetic";
    case SLI_TOPO_XML: return "xml";
    case SLI_TOPO_SYSCONF: return "sysconf";
    }
    return "unknown";
}

const char *sli_osdev_type_name(sli_osdev_type t)
{
    switch (t) {
    case SLI_OSDEV_GPU: return "gpu";
    case SLI_OSDEV_COPROC: return "coproc";
    case SLI_OSDEV_NETWORK: return "network";
    case SLI_OSDEV_STORAGE: return "storage";
    case SLI_OSDEV_OTHER: break;
    }
    return "other";
}

static void set_err(char *err, size_t errcap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t errcap, const char *fmt, ...)
{
    if (!err || errcap == 0) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errcap, fmt, ap);
    va_end(ap);
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

void sli_topology_free(sli_topology *t)
{
    if (!t) return;
    for (size_t i = 0; i < t->nnodes; i++) free(t->nodes[i].pus);
    free(t->nodes);
    for (size_t i = 0; i < t->nosdevs; i++) {
        free(t->osdevs[i].name);
        free(t->osdevs[i].subtype);
    }
    free(t->osdevs);
    free(t->cpu_model);
    free(t->hwloc_error);
    if (t->hw) hwloc_topology_destroy((hwloc_topology_t)t->hw);
    free(t);
}

/* ---- sysconf fallback ------------------------------------------------------ */

static uint64_t sysconf_u64(int name)
{
    long v = sysconf(name);
    return v > 0 ? (uint64_t)v : 0;
}

sli_topology *sli_topology_fallback(const char *why)
{
    sli_topology *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    t->source = SLI_TOPO_SYSCONF;
    t->hwloc_error = strdup(why ? why : "hwloc was not used");
    uint64_t ncpu = sysconf_u64(_SC_NPROCESSORS_ONLN);
    if (ncpu == 0) ncpu = 1;
    if (ncpu > 1u << 20) ncpu = 1u << 20; /* a bound that keeps the PU list small */
    t->nodes = calloc(1, sizeof *t->nodes);
    if (t->nodes) {
        t->nnodes = 1;
        t->nodes[0].pus = calloc((size_t)ncpu, sizeof(unsigned));
    }
    if (!t->hwloc_error || !t->nodes || !t->nodes[0].pus) {
        sli_topology_free(t);
        return NULL;
    }
    t->npackages = 1;
    t->ncores = t->npus = (unsigned)ncpu; /* sysconf cannot tell cores from SMT threads */
    t->nodes[0].ncores = t->nodes[0].npus = (unsigned)ncpu;
    for (unsigned i = 0; i < (unsigned)ncpu; i++) t->nodes[0].pus[i] = i;
    t->memory = t->nodes[0].memory = sysconf_u64(_SC_PHYS_PAGES) * sysconf_u64(_SC_PAGESIZE);
#ifdef _SC_LEVEL1_DCACHE_SIZE
    t->cache_size[1] = sysconf_u64(_SC_LEVEL1_DCACHE_SIZE);
    t->cache_size[2] = sysconf_u64(_SC_LEVEL2_CACHE_SIZE);
    t->cache_size[3] = sysconf_u64(_SC_LEVEL3_CACHE_SIZE);
#endif
    for (int l = 1; l <= SLI_TOPO_CACHE_LEVELS; l++) t->cache_count[l] = t->cache_size[l] ? 1 : 0;
    return t;
}

/* ---- the snapshot from a loaded hwloc topology ----------------------------- */

static unsigned count_type(hwloc_topology_t hw, hwloc_obj_type_t type)
{
    int n = hwloc_get_nbobjs_by_type(hw, type);
    return n > 0 ? (unsigned)n : 0;
}

static sl_status fill_node(hwloc_topology_t hw, hwloc_obj_t numa, sli_topo_node *node)
{
    node->os_index = numa->os_index;
    node->memory = numa->attr ? numa->attr->numanode.local_memory : 0;
    hwloc_obj_t pkg = hwloc_get_ancestor_obj_by_type(hw, HWLOC_OBJ_PACKAGE, numa);
    node->package = pkg ? pkg->logical_index : 0;
    if (!numa->cpuset) return SL_OK; /* a memory-only node */
    int cores = hwloc_get_nbobjs_inside_cpuset_by_type(hw, numa->cpuset, HWLOC_OBJ_CORE);
    int pus = hwloc_get_nbobjs_inside_cpuset_by_type(hw, numa->cpuset, HWLOC_OBJ_PU);
    node->ncores = cores > 0 ? (unsigned)cores : 0;
    if (pus <= 0) return SL_OK;
    node->pus = malloc((size_t)pus * sizeof(unsigned));
    if (!node->pus) return SL_ERR_NOMEM;
    hwloc_obj_t pu = NULL;
    unsigned k = 0;
    while (k < (unsigned)pus &&
           (pu = hwloc_get_next_obj_inside_cpuset_by_type(hw, numa->cpuset, HWLOC_OBJ_PU, pu)) != NULL)
        node->pus[k++] = pu->os_index;
    node->npus = k;
    return SL_OK;
}

static sli_osdev_type osdev_type(hwloc_obj_osdev_type_t t)
{
    switch (t) {
    case HWLOC_OBJ_OSDEV_GPU: return SLI_OSDEV_GPU;
    case HWLOC_OBJ_OSDEV_COPROC: return SLI_OSDEV_COPROC;
    case HWLOC_OBJ_OSDEV_NETWORK:
    case HWLOC_OBJ_OSDEV_OPENFABRICS: return SLI_OSDEV_NETWORK;
    case HWLOC_OBJ_OSDEV_BLOCK: return SLI_OSDEV_STORAGE;
    default: return SLI_OSDEV_OTHER;
    }
}

/* The index into nodes[] of the single NUMA node an object's nodeset names, or -1. */
static int node_index_of(const sli_topology *t, hwloc_const_nodeset_t nodeset)
{
    if (!nodeset || hwloc_bitmap_weight(nodeset) != 1) return -1;
    unsigned os = (unsigned)hwloc_bitmap_first(nodeset);
    for (size_t i = 0; i < t->nnodes; i++)
        if (t->nodes[i].os_index == os) return (int)i;
    return -1;
}

static sl_status fill_osdevs(hwloc_topology_t hw, sli_topology *t)
{
    size_t n = 0;
    for (hwloc_obj_t o = hwloc_get_next_osdev(hw, NULL); o; o = hwloc_get_next_osdev(hw, o)) n++;
    if (n == 0) return SL_OK;
    t->osdevs = calloc(n, sizeof *t->osdevs);
    if (!t->osdevs) return SL_ERR_NOMEM;
    for (hwloc_obj_t o = hwloc_get_next_osdev(hw, NULL); o && t->nosdevs < n;
         o = hwloc_get_next_osdev(hw, o)) {
        sli_topo_osdev *d = &t->osdevs[t->nosdevs++];
        d->name = strdup(o->name ? o->name : "?");
        d->subtype = dup_or_null(o->subtype);
        if (!d->name || (o->subtype && !d->subtype)) return SL_ERR_NOMEM;
        d->type = osdev_type(o->attr->osdev.type);
        hwloc_obj_t parent = o->parent;
        if (parent && parent->type == HWLOC_OBJ_PCI_DEVICE) {
            const struct hwloc_pcidev_attr_s *p = &parent->attr->pcidev;
            snprintf(d->pci_busid, sizeof d->pci_busid, "%04x:%02x:%02x.%01x", (unsigned)p->domain,
                     (unsigned)p->bus, (unsigned)p->dev, (unsigned)p->func);
        }
        hwloc_obj_t local = hwloc_get_non_io_ancestor_obj(hw, o);
        d->numa = local ? node_index_of(t, local->nodeset) : -1;
    }
    return SL_OK;
}

/* Builds the snapshot from a loaded topology; takes hw (destroyed on failure). */
static sl_status snapshot(hwloc_topology_t hw, sli_topo_source source, sli_topology **out)
{
    sli_topology *t = calloc(1, sizeof *t);
    if (!t) {
        hwloc_topology_destroy(hw);
        return SL_ERR_NOMEM;
    }
    t->hw = hw;
    t->source = source;
    t->npackages = count_type(hw, HWLOC_OBJ_PACKAGE);
    t->ncores = count_type(hw, HWLOC_OBJ_CORE);
    t->npus = count_type(hw, HWLOC_OBJ_PU);
    if (t->npackages == 0) t->npackages = 1; /* a machine without package objects is one package */
    static const hwloc_obj_type_t cache_types[SLI_TOPO_CACHE_LEVELS + 1] = {
        HWLOC_OBJ_MACHINE, HWLOC_OBJ_L1CACHE, HWLOC_OBJ_L2CACHE, HWLOC_OBJ_L3CACHE};
    for (int l = 1; l <= SLI_TOPO_CACHE_LEVELS; l++) {
        hwloc_obj_t c = hwloc_get_obj_by_type(hw, cache_types[l], 0);
        t->cache_count[l] = count_type(hw, cache_types[l]);
        t->cache_size[l] = c ? c->attr->cache.size : 0;
    }
    hwloc_obj_t pkg = hwloc_get_obj_by_type(hw, HWLOC_OBJ_PACKAGE, 0);
    const char *model = pkg ? hwloc_obj_get_info_by_name(pkg, "CPUModel") : NULL;
    t->cpu_model = dup_or_null(model);
    unsigned nnuma = count_type(hw, HWLOC_OBJ_NUMANODE);
    t->nodes = calloc(nnuma ? nnuma : 1, sizeof *t->nodes);
    sl_status st = (t->nodes && (!model || t->cpu_model)) ? SL_OK : SL_ERR_NOMEM;
    for (unsigned i = 0; st == SL_OK && i < nnuma; i++) {
        hwloc_obj_t numa = hwloc_get_obj_by_type(hw, HWLOC_OBJ_NUMANODE, i);
        t->nnodes++;
        st = fill_node(hw, numa, &t->nodes[i]);
        t->memory += t->nodes[i].memory;
    }
    if (st == SL_OK && nnuma == 0) {
        /* hwloc always reports one NUMA node; keep the snapshot's invariant anyway */
        sli_topology *fb = sli_topology_fallback(NULL);
        if (!fb)
            st = SL_ERR_NOMEM;
        else {
            t->nodes[0] = fb->nodes[0];
            fb->nodes[0].pus = NULL;
            t->nnodes = 1;
            sli_topology_free(fb);
        }
    }
    if (st == SL_OK) st = fill_osdevs(hw, t);
    if (st != SL_OK) {
        sli_topology_free(t);
        return st;
    }
    *out = t;
    return SL_OK;
}

static void keep_io(hwloc_topology_t hw, unsigned flags)
{
    if (!(flags & SLI_TOPO_IO)) return;
    hwloc_topology_set_io_types_filter(hw, HWLOC_TYPE_FILTER_KEEP_IMPORTANT);
    hwloc_topology_set_components(hw, HWLOC_TOPOLOGY_COMPONENTS_FLAG_BLACKLIST, "pci");
}

sl_status sli_topology_discover(unsigned flags, sli_topology **out)
{
    *out = NULL;
    char why[256];
    hwloc_topology_t hw;
    if (hwloc_topology_init(&hw) != 0) {
        snprintf(why, sizeof why, "hwloc_topology_init failed: %s", strerror(errno));
    } else {
        keep_io(hw, flags);
        if (hwloc_topology_load(hw) == 0) {
            sli_topo_source src = SLI_TOPO_HWLOC;
            if (!hwloc_topology_is_thissystem(hw)) {
                hwloc_obj_t root = hwloc_get_root_obj(hw);
                src = hwloc_obj_get_info_by_name(root, "SyntheticDescription") ? SLI_TOPO_SYNTHETIC
                                                                               : SLI_TOPO_XML;
            }
            return snapshot(hw, src, out);
        }
        snprintf(why, sizeof why, "hwloc could not load the topology: %s", strerror(errno));
        hwloc_topology_destroy(hw);
    }
    *out = sli_topology_fallback(why);
    return *out ? SL_OK : SL_ERR_NOMEM;
}

sl_status sli_topology_synthetic(const char *desc, sli_topology **out, char *err, size_t errcap)
{
    *out = NULL;
    if (!desc || !*desc) {
        set_err(err, errcap, "empty synthetic topology description");
        return SL_ERR_INVALID_ARG;
    }
    hwloc_topology_t hw;
    if (hwloc_topology_init(&hw) != 0) {
        set_err(err, errcap, "hwloc_topology_init failed: %s", strerror(errno));
        return SL_ERR_NOMEM;
    }
    if (hwloc_topology_set_synthetic(hw, desc) != 0) {
        set_err(err, errcap, "invalid synthetic topology '%s'", desc);
        hwloc_topology_destroy(hw);
        return SL_ERR_INVALID_ARG;
    }
    if (hwloc_topology_load(hw) != 0) {
        set_err(err, errcap, "hwloc could not load synthetic topology '%s': %s", desc, strerror(errno));
        hwloc_topology_destroy(hw);
        return SL_ERR_INVALID_ARG;
    }
    sl_status st = snapshot(hw, SLI_TOPO_SYNTHETIC, out);
    if (st != SL_OK) set_err(err, errcap, "out of memory");
    return st;
}

sl_status sli_topology_xml(const char *path, unsigned flags, sli_topology **out, char *err, size_t errcap)
{
    *out = NULL;
    if (!path) {
        set_err(err, errcap, "no topology XML file given");
        return SL_ERR_INVALID_ARG;
    }
    FILE *f = fopen(path, "r");
    if (!f) {
        set_err(err, errcap, "cannot open topology file '%s': %s", path, strerror(errno));
        return SL_ERR_IO;
    }
    fclose(f);
    hwloc_topology_t hw;
    if (hwloc_topology_init(&hw) != 0) {
        set_err(err, errcap, "hwloc_topology_init failed: %s", strerror(errno));
        return SL_ERR_NOMEM;
    }
    keep_io(hw, flags);
    if (hwloc_topology_set_xml(hw, path) != 0 || hwloc_topology_load(hw) != 0) {
        set_err(err, errcap, "hwloc rejected topology file '%s'", path);
        hwloc_topology_destroy(hw);
        return SL_ERR_IO;
    }
    sl_status st = snapshot(hw, SLI_TOPO_XML, out);
    if (st != SL_OK) set_err(err, errcap, "out of memory");
    return st;
}
