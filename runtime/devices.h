/*
 * devices.h — the device registry: the devices a pipeline can run on.
 *
 * The CPU is always the first entry (name, cores, NUMA nodes, memory, the
 * kernel ISA level this CPU runs); every OpenCL device the ICD loader finds
 * follows, in platform and device order. Having no OpenCL platform, or an
 * OpenCL call failing, is not an error: the registry then lists the CPU and
 * keeps the reason in `opencl_note`.
 */
#ifndef SLI_DEVICES_H
#define SLI_DEVICES_H

#include <stddef.h>
#include <stdint.h>

#include "kernels/isa.h"
#include "sluice/sluice.h"
#include "topology.h"

typedef enum sli_device_kind {
    SLI_DEVICE_CPU = 0,    /**< the host CPU, running the SIMD kernels */
    SLI_DEVICE_OPENCL = 1, /**< an OpenCL device */
} sli_device_kind;

/** One device. Strings are owned by the registry and never NULL. */
typedef struct sli_device {
    sli_device_kind kind;
    char *name;             /**< CPU model or OpenCL device name */
    char *vendor;           /**< "" when unknown */
    char *type;             /**< "cpu", "gpu", "accelerator" or "other" */
    char *version;          /**< OpenCL version string; the ISA name for the CPU */
    char *platform;         /**< OpenCL platform name; "" for the CPU */
    uint64_t global_memory; /**< bytes: device memory, or the machine's memory for the CPU */
    unsigned compute_units; /**< OpenCL compute units; PUs for the CPU */
    unsigned cores;         /**< CPU only: cores */
    unsigned numa_nodes;    /**< CPU only: NUMA nodes */
    sl_isa isa;             /**< CPU only: best kernel ISA level it runs (sli_isa_detect) */
} sli_device;

typedef struct sli_devices {
    size_t n;          /**< at least 1 */
    sli_device *devs;  /**< devs[0] is the CPU */
    char *opencl_note; /**< why no OpenCL device is listed, or NULL; owned */
} sli_devices;

/**
 * Builds the registry: the CPU from the topology snapshot, then the OpenCL
 * devices of every platform.
 * @param topo the machine (borrowed; read only during the call).
 * @param out receives the registry (owned by the caller) on SL_OK.
 * @return SL_OK, or SL_ERR_NOMEM. OpenCL failures are kept in opencl_note.
 * Thread safety: any thread; each call builds its own registry.
 */
sl_status sli_devices_discover(const sli_topology *topo, sli_devices **out);

/** @return "cpu" or "opencl". */
const char *sli_device_kind_name(sli_device_kind k);

/** Frees a registry. NULL is ignored. */
void sli_devices_free(sli_devices *d);

#endif
