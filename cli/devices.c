/*
 * devices.c — `sluice devices`: lists the devices sluice can run on (the CPU
 * first, then OpenCL devices) and the machine's topology (packages, NUMA
 * nodes with their PUs and memory, caches, I/O devices and their nodes), as
 * text for people or as one JSON object for scripts.
 *
 * hwloc's HWLOC_SYNTHETIC and HWLOC_XMLFILE environment variables change the
 * topology shown, which is how the tests describe machines they do not run on.
 *
 * --bandwidth opens the OpenCL device a query would use (runtime/ocl.h) and
 * measures its read bandwidth (runtime/ocl_bandwidth.h).
 */
#include "devices.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "runtime/devices.h"
#include "runtime/ocl.h"
#include "runtime/ocl_bandwidth.h"
#include "runtime/topology.h"

/* ---- --bandwidth ---------------------------------------------------------------- */

/** The outcome of --bandwidth. */
typedef struct bandwidth {
    bool asked;
    bool measured;
    double gbs;       /**< 10^9 bytes per second, when measured */
    char device[128]; /**< the device's name, "" when none opened */
    char error[1024]; /**< why it was not measured */
} bandwidth;

/* Opens the OpenCL device queries would use and measures its read bandwidth. */
static void measure_bandwidth(bandwidth *bw)
{
    sl_context *ctx = NULL;
    sli_ocl *o = NULL;
    if (sl_context_create(&ctx) != SL_OK) {
        snprintf(bw->error, sizeof bw->error, "%s", sl_status_str(SL_ERR_NOMEM));
        return;
    }
    sl_status st = sli_ocl_get(ctx, &o);
    if (st == SL_OK) {
        snprintf(bw->device, sizeof bw->device, "%s", sli_ocl_info_of(o)->name);
        st = sli_ocl_bandwidth(ctx, o, 0, &bw->gbs);
    }
    bw->measured = st == SL_OK;
    if (st != SL_OK) snprintf(bw->error, sizeof bw->error, "%s", sl_context_last_error(ctx));
    sl_context_destroy(ctx);
}

/* ---- text --------------------------------------------------------------------- */

/* Writes a byte count as "9.09 GiB", "512 KiB"... into buf. */
static const char *human_bytes(uint64_t b, char *buf, size_t cap)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    double v = (double)b;
    size_t u = 0;
    while (v >= 1024.0 && u + 1 < sizeof units / sizeof units[0]) v /= 1024.0, u++;
    if (u == 0 || v == (double)(uint64_t)v)
        snprintf(buf, cap, "%" PRIu64 " %s", (uint64_t)v, units[u]);
    else
        snprintf(buf, cap, "%.2f %s", v, units[u]);
    return buf;
}

/* Prints a sorted PU list as ranges: "0-3,8,10-11". */
static void print_ranges(FILE *f, const unsigned *v, unsigned n)
{
    for (unsigned i = 0; i < n;) {
        unsigned j = i;
        while (j + 1 < n && v[j + 1] == v[j] + 1) j++;
        fprintf(f, "%s%u", i ? "," : "", v[i]);
        if (j > i) fprintf(f, "-%u", v[j]);
        i = j + 1;
    }
}

static const char *plural(uint64_t n)
{
    return n == 1 ? "" : "s";
}

static void print_text(FILE *f, const sli_devices *reg, const sli_topology *t, const bandwidth *bw)
{
    char b1[32];
    fprintf(f, "Devices:\n");
    for (size_t i = 0; i < reg->n; i++) {
        const sli_device *d = &reg->devs[i];
        fprintf(f, "  %zu  %-6s  %s\n", i, sli_device_kind_name(d->kind), d->name);
        if (d->kind == SLI_DEVICE_CPU) {
            fprintf(f, "       %u core%s, %u thread%s, %u NUMA node%s, %s memory, kernels %s\n", d->cores,
                    plural(d->cores), d->compute_units, plural(d->compute_units), d->numa_nodes,
                    plural(d->numa_nodes), human_bytes(d->global_memory, b1, sizeof b1),
                    sli_isa_name(d->isa));
        } else {
            fprintf(f, "       %s, %u compute unit%s, %s memory, %s%s%s\n", d->type, d->compute_units,
                    plural(d->compute_units), human_bytes(d->global_memory, b1, sizeof b1), d->version,
                    d->platform[0] ? ", platform " : "", d->platform);
        }
    }
    if (reg->opencl_note) fprintf(f, "  OpenCL: %s\n", reg->opencl_note);
    if (bw->asked && bw->measured) fprintf(f, "OpenCL read bandwidth (%s): %.1f GB/s\n", bw->device, bw->gbs);
    if (bw->asked && !bw->measured) fprintf(f, "OpenCL read bandwidth: not measured: %s\n", bw->error);

    fprintf(f, "\nTopology (%s): %u package%s, %zu NUMA node%s, %u core%s, %u PU%s, %s memory\n",
            sli_topo_source_name(t->source), t->npackages, plural(t->npackages), t->nnodes, plural(t->nnodes),
            t->ncores, plural(t->ncores), t->npus, plural(t->npus), human_bytes(t->memory, b1, sizeof b1));
    if (t->hwloc_error) fprintf(f, "  hwloc: %s\n", t->hwloc_error);
    static const char *const cache_names[] = {"", "L1d", "L2", "L3"};
    bool any_cache = false;
    for (int l = 1; l <= SLI_TOPO_CACHE_LEVELS; l++) {
        if (!t->cache_size[l]) continue;
        fprintf(f, "%s %s %s x%u", any_cache ? "," : "  caches:", cache_names[l],
                human_bytes(t->cache_size[l], b1, sizeof b1), t->cache_count[l]);
        any_cache = true;
    }
    if (any_cache) fputc('\n', f);
    for (size_t i = 0; i < t->nnodes; i++) {
        const sli_topo_node *n = &t->nodes[i];
        fprintf(f, "  node %zu (os %u): package %u, %u core%s, %u PU%s [", i, n->os_index, n->package,
                n->ncores, plural(n->ncores), n->npus, plural(n->npus));
        print_ranges(f, n->pus, n->npus);
        fprintf(f, "], %s\n", human_bytes(n->memory, b1, sizeof b1));
    }
    if (t->nosdevs) fprintf(f, "I/O devices:\n");
    for (size_t i = 0; i < t->nosdevs; i++) {
        const sli_topo_osdev *d = &t->osdevs[i];
        fprintf(f, "  %-12s %-8s", d->name, sli_osdev_type_name(d->type));
        if (d->subtype) fprintf(f, " %s", d->subtype);
        if (d->pci_busid[0]) fprintf(f, " pci %s", d->pci_busid);
        if (d->numa >= 0)
            fprintf(f, " node %d", d->numa);
        else
            fprintf(f, " node ?");
        fputc('\n', f);
    }
}

/* ---- JSON --------------------------------------------------------------------- */

static void json_str(FILE *f, const char *s)
{
    if (!s) {
        fputs("null", f);
        return;
    }
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p == '\n')
            fputs("\\n", f);
        else if (*p == '\t')
            fputs("\\t", f);
        else if (*p < 0x20)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

static void print_json(FILE *f, const sli_devices *reg, const sli_topology *t, const bandwidth *bw)
{
    fputs("{\n  \"devices\": [", f);
    for (size_t i = 0; i < reg->n; i++) {
        const sli_device *d = &reg->devs[i];
        fprintf(f, "%s\n    {\"index\": %zu, \"kind\": \"%s\", \"name\": ", i ? "," : "", i,
                sli_device_kind_name(d->kind));
        json_str(f, d->name);
        fputs(", \"vendor\": ", f);
        json_str(f, d->vendor);
        fputs(", \"type\": ", f);
        json_str(f, d->type);
        fputs(", \"version\": ", f);
        json_str(f, d->version);
        fputs(", \"platform\": ", f);
        json_str(f, d->platform);
        fprintf(f, ", \"global_memory\": %" PRIu64 ", \"compute_units\": %u", d->global_memory,
                d->compute_units);
        if (d->kind == SLI_DEVICE_CPU)
            fprintf(f, ", \"cores\": %u, \"numa_nodes\": %u, \"isa\": \"%s\"", d->cores, d->numa_nodes,
                    sli_isa_name(d->isa));
        fputc('}', f);
    }
    fputs("\n  ],\n  \"opencl_note\": ", f);
    json_str(f, reg->opencl_note);
    if (bw->asked) {
        if (bw->measured)
            fprintf(f, ",\n  \"opencl_bandwidth_gbs\": %.3f", bw->gbs);
        else
            fputs(",\n  \"opencl_bandwidth_gbs\": null", f);
        fputs(", \"opencl_bandwidth_device\": ", f);
        json_str(f, bw->device[0] ? bw->device : NULL);
        fputs(", \"opencl_bandwidth_error\": ", f);
        json_str(f, bw->measured ? NULL : bw->error);
    }
    fprintf(f, ",\n  \"topology\": {\n    \"source\": \"%s\", \"hwloc_error\": ",
            sli_topo_source_name(t->source));
    json_str(f, t->hwloc_error);
    fprintf(f,
            ",\n    \"packages\": %u, \"numa_nodes\": %zu, \"cores\": %u, \"pus\": %u, \"memory\": %" PRIu64
            ",\n    \"cpu_model\": ",
            t->npackages, t->nnodes, t->ncores, t->npus, t->memory);
    json_str(f, t->cpu_model);
    fputs(",\n    \"caches\": {", f);
    static const char *const cache_names[] = {"", "l1d", "l2", "l3"};
    for (int l = 1; l <= SLI_TOPO_CACHE_LEVELS; l++)
        fprintf(f, "%s\"%s\": {\"size\": %" PRIu64 ", \"count\": %u}", l > 1 ? ", " : "", cache_names[l],
                t->cache_size[l], t->cache_count[l]);
    fputs("},\n    \"nodes\": [", f);
    for (size_t i = 0; i < t->nnodes; i++) {
        const sli_topo_node *n = &t->nodes[i];
        fprintf(f,
                "%s\n      {\"index\": %zu, \"os_index\": %u, \"package\": %u, \"cores\": %u, \"memory\": "
                "%" PRIu64 ", \"pus\": [",
                i ? "," : "", i, n->os_index, n->package, n->ncores, n->memory);
        for (unsigned k = 0; k < n->npus; k++) fprintf(f, "%s%u", k ? ", " : "", n->pus[k]);
        fputs("]}", f);
    }
    fputs("\n    ],\n    \"io_devices\": [", f);
    for (size_t i = 0; i < t->nosdevs; i++) {
        const sli_topo_osdev *d = &t->osdevs[i];
        fprintf(f, "%s\n      {\"name\": ", i ? "," : "");
        json_str(f, d->name);
        fprintf(f, ", \"type\": \"%s\", \"subtype\": ", sli_osdev_type_name(d->type));
        json_str(f, d->subtype);
        fputs(", \"pci\": ", f);
        json_str(f, d->pci_busid[0] ? d->pci_busid : NULL);
        fprintf(f, ", \"numa_node\": %d}", d->numa);
    }
    fputs(t->nosdevs ? "\n    ]\n  }\n}\n" : "]\n  }\n}\n", f);
}

/* ---- the command -------------------------------------------------------------- */

static int usage(const char *msg, const char *arg)
{
    fprintf(stderr, "sluice devices: ");
    fprintf(stderr, msg, arg);
    fprintf(stderr, "\nTry 'sluice help devices'.\n");
    return SLI_EXIT_USAGE;
}

int sli_cli_devices(int argc, char **argv)
{
    bool json = false;
    bandwidth bw = {0};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = NULL;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(sli_cli_help("devices"), stdout);
            return SLI_EXIT_OK;
        }
        if (strcmp(a, "--bandwidth") == 0) {
            bw.asked = true;
            continue;
        }
        if (strncmp(a, "--format=", 9) == 0)
            val = a + 9;
        else if (strcmp(a, "-f") == 0 || strcmp(a, "--format") == 0) {
            if (i + 1 >= argc) return usage("option %s needs a value", a);
            val = argv[++i];
        } else
            return usage("unknown option '%s'", a);
        if (strcmp(val, "json") == 0)
            json = true;
        else if (strcmp(val, "text") == 0)
            json = false;
        else
            return usage("unknown format '%s'; formats: text, json", val);
    }

    sli_topology *topo = NULL;
    sli_devices *reg = NULL;
    if (sli_topology_discover(SLI_TOPO_IO, &topo) != SL_OK || sli_devices_discover(topo, &reg) != SL_OK) {
        fprintf(stderr, "sluice devices: %s\n", sl_status_str(SL_ERR_NOMEM));
        sli_topology_free(topo);
        return SLI_EXIT_QUERY;
    }
    if (bw.asked) measure_bandwidth(&bw);
    if (json)
        print_json(stdout, reg, topo, &bw);
    else
        print_text(stdout, reg, topo, &bw);
    sli_devices_free(reg);
    sli_topology_free(topo);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "sluice devices: cannot write the output\n");
        return SLI_EXIT_IO;
    }
    return bw.asked && !bw.measured ? SLI_EXIT_QUERY : SLI_EXIT_OK;
}
