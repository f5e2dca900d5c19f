/*
 * devices.c — the device registry (see devices.h): the CPU from the topology
 * snapshot, OpenCL devices through the ICD loader.
 *
 * OpenCL errors never fail discovery; the first one is kept as a note. The
 * ICD loader reports "no platform" as CL_PLATFORM_NOT_FOUND_KHR (-1001).
 */
#include "devices.h"

#include <CL/cl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sbuf.h"

#define PLATFORM_NOT_FOUND_KHR (-1001) /* cl_khr_icd's code, not in CL/cl.h */
#define MAX_PLATFORMS          64
#define MAX_DEVICES            64  /* per platform */
#define MAX_LISTED             256 /* OpenCL devices in all */

const char *sli_device_kind_name(sli_device_kind k)
{
    return k == SLI_DEVICE_CPU ? "cpu" : "opencl";
}

static void free_device(sli_device *d)
{
    free(d->name);
    free(d->vendor);
    free(d->type);
    free(d->version);
    free(d->platform);
}

void sli_devices_free(sli_devices *d)
{
    if (!d) return;
    for (size_t i = 0; i < d->n; i++) free_device(&d->devs[i]);
    free(d->devs);
    free(d->opencl_note);
    free(d);
}

/* @return true when every string of d was allocated. */
static bool complete(const sli_device *d)
{
    return d->name && d->vendor && d->type && d->version && d->platform;
}

static sl_status add_cpu(const sli_topology *t, sli_devices *r)
{
    sli_device *d = &r->devs[r->n++];
    d->kind = SLI_DEVICE_CPU;
    d->isa = sli_isa_detect();
    d->name = strdup(t->cpu_model ? t->cpu_model : "cpu");
    d->vendor = strdup("");
    d->type = strdup("cpu");
    d->version = strdup(sli_isa_name(d->isa));
    d->platform = strdup("");
    d->global_memory = t->memory;
    d->compute_units = t->npus;
    d->cores = t->ncores;
    d->numa_nodes = (unsigned)t->nnodes;
    return complete(d) ? SL_OK : SL_ERR_NOMEM;
}

/* @return a malloc'd string info of a platform or device, "" when the query fails, NULL when out of memory.
 */
static char *cl_string(cl_platform_id p, cl_device_id dev, cl_uint what)
{
    size_t len = 0;
    cl_int e = dev ? clGetDeviceInfo(dev, what, 0, NULL, &len) : clGetPlatformInfo(p, what, 0, NULL, &len);
    if (e != CL_SUCCESS || len == 0) return strdup("");
    char *s = calloc(len + 1, 1);
    if (!s) return NULL;
    e = dev ? clGetDeviceInfo(dev, what, len, s, NULL) : clGetPlatformInfo(p, what, len, s, NULL);
    if (e != CL_SUCCESS) s[0] = '\0';
    return s;
}

static const char *cl_type_name(cl_device_type t)
{
    if (t & CL_DEVICE_TYPE_GPU) return "gpu";
    if (t & CL_DEVICE_TYPE_ACCELERATOR) return "accelerator";
    if (t & CL_DEVICE_TYPE_CPU) return "cpu";
    return "other";
}

static sl_status add_opencl_device(cl_platform_id p, cl_device_id dev, const char *platform, sli_devices *r)
{
    sli_device *d = &r->devs[r->n++];
    d->kind = SLI_DEVICE_OPENCL;
    cl_device_type type = 0;
    cl_ulong mem = 0;
    cl_uint units = 0;
    if (clGetDeviceInfo(dev, CL_DEVICE_TYPE, sizeof type, &type, NULL) != CL_SUCCESS) type = 0;
    if (clGetDeviceInfo(dev, CL_DEVICE_GLOBAL_MEM_SIZE, sizeof mem, &mem, NULL) != CL_SUCCESS) mem = 0;
    if (clGetDeviceInfo(dev, CL_DEVICE_MAX_COMPUTE_UNITS, sizeof units, &units, NULL) != CL_SUCCESS)
        units = 0;
    d->name = cl_string(p, dev, CL_DEVICE_NAME);
    d->vendor = cl_string(p, dev, CL_DEVICE_VENDOR);
    d->version = cl_string(p, dev, CL_DEVICE_VERSION);
    d->type = strdup(cl_type_name(type));
    d->platform = strdup(platform);
    d->global_memory = mem;
    d->compute_units = units;
    d->isa = SL_ISA_NONE;
    return complete(d) ? SL_OK : SL_ERR_NOMEM;
}

/* Appends the OpenCL devices; sets r->opencl_note when none could be listed. */
static sl_status add_opencl(sli_devices *r, size_t cap)
{
    cl_platform_id plats[MAX_PLATFORMS];
    cl_uint np = 0;
    cl_int e = clGetPlatformIDs(MAX_PLATFORMS, plats, &np);
    if (e == PLATFORM_NOT_FOUND_KHR || (e == CL_SUCCESS && np == 0)) {
        r->opencl_note = sli_dupf("no OpenCL platform is installed (the ICD loader found none)");
        return r->opencl_note ? SL_OK : SL_ERR_NOMEM;
    }
    if (e != CL_SUCCESS) {
        r->opencl_note = sli_dupf("clGetPlatformIDs failed with OpenCL error %d", (int)e);
        return r->opencl_note ? SL_OK : SL_ERR_NOMEM;
    }
    if (np > MAX_PLATFORMS) np = MAX_PLATFORMS;
    cl_int first_err = CL_SUCCESS;
    for (cl_uint i = 0; i < np; i++) {
        cl_device_id devs[MAX_DEVICES];
        cl_uint nd = 0;
        e = clGetDeviceIDs(plats[i], CL_DEVICE_TYPE_ALL, MAX_DEVICES, devs, &nd);
        if (e != CL_SUCCESS) {
            if (first_err == CL_SUCCESS && e != CL_DEVICE_NOT_FOUND) first_err = e;
            continue;
        }
        if (nd > MAX_DEVICES) nd = MAX_DEVICES;
        char *pname = cl_string(plats[i], NULL, CL_PLATFORM_NAME);
        if (!pname) return SL_ERR_NOMEM;
        for (cl_uint j = 0; j < nd && r->n < cap; j++) {
            sl_status st = add_opencl_device(plats[i], devs[j], pname, r);
            if (st != SL_OK) {
                free(pname);
                return st;
            }
        }
        free(pname);
    }
    if (r->n == 1) {
        r->opencl_note =
            first_err != CL_SUCCESS
                ? sli_dupf("clGetDeviceIDs failed with OpenCL error %d", (int)first_err)
                : sli_dupf("%u OpenCL platform%s, but no device", (unsigned)np, np == 1 ? "" : "s");
        if (!r->opencl_note) return SL_ERR_NOMEM;
    }
    return SL_OK;
}

sl_status sli_devices_discover(const sli_topology *topo, sli_devices **out)
{
    *out = NULL;
    if (!topo) return SL_ERR_INVALID_ARG;
    sli_devices *r = calloc(1, sizeof *r);
    size_t cap = 1 + MAX_LISTED;
    if (r) r->devs = calloc(cap, sizeof *r->devs);
    sl_status st = r && r->devs ? add_cpu(topo, r) : SL_ERR_NOMEM;
    if (st == SL_OK) st = add_opencl(r, cap);
    if (st != SL_OK) {
        sli_devices_free(r);
        return st;
    }
    *out = r;
    return SL_OK;
}
