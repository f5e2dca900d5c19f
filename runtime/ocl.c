/*
 * ocl.c — the OpenCL device of a context (ocl.h): choosing and opening the
 * device, its facts and budget, the names of OpenCL error codes, and the
 * program caches: built programs in memory by the hash of their source and
 * build options, and their binaries on disk by that hash, the device name
 * and the driver version. The device memory (cached columns, scratch
 * buffers) is ocl_cache.c's.
 *
 * The disk cache is only a shortcut: a file that cannot be read, loaded or
 * written changes nothing but the time a build takes, so those failures are
 * not errors. The memory cache trusts the 64-bit hash (FNV-1a) to tell
 * sources apart.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "context.h"
#include "ocl_impl.h"

#define PLATFORM_NOT_FOUND_KHR (-1001) /* cl_khr_icd's code, not in CL/cl.h */
#define MAX_PLATFORMS          64
#define MAX_DEVICES            64  /* per platform, as runtime/devices.c lists them */
#define MAX_LISTED             256 /* OpenCL devices in all, as runtime/devices.c */
#define BUILD_OPTIONS          "-cl-std=CL1.2"
#define LOG_SHOWN              2048 /* bytes of a build log an error message carries */
#define NAME_IN_PATH           48   /* bytes of the device name and driver in a cache file name */

/* ---- error codes ---------------------------------------------------------------- */

typedef struct cl_error_name {
    cl_int code;
    const char *name;
} cl_error_name;

#define ERROR_NAME(c)                                                                                        \
    {                                                                                                        \
        c, #c                                                                                                \
    }
static const cl_error_name ERROR_NAMES[] = {
    ERROR_NAME(CL_SUCCESS),
    ERROR_NAME(CL_DEVICE_NOT_FOUND),
    ERROR_NAME(CL_DEVICE_NOT_AVAILABLE),
    ERROR_NAME(CL_COMPILER_NOT_AVAILABLE),
    ERROR_NAME(CL_MEM_OBJECT_ALLOCATION_FAILURE),
    ERROR_NAME(CL_OUT_OF_RESOURCES),
    ERROR_NAME(CL_OUT_OF_HOST_MEMORY),
    ERROR_NAME(CL_PROFILING_INFO_NOT_AVAILABLE),
    ERROR_NAME(CL_MEM_COPY_OVERLAP),
    ERROR_NAME(CL_IMAGE_FORMAT_MISMATCH),
    ERROR_NAME(CL_IMAGE_FORMAT_NOT_SUPPORTED),
    ERROR_NAME(CL_BUILD_PROGRAM_FAILURE),
    ERROR_NAME(CL_MAP_FAILURE),
    ERROR_NAME(CL_MISALIGNED_SUB_BUFFER_OFFSET),
    ERROR_NAME(CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST),
    ERROR_NAME(CL_COMPILE_PROGRAM_FAILURE),
    ERROR_NAME(CL_LINKER_NOT_AVAILABLE),
    ERROR_NAME(CL_LINK_PROGRAM_FAILURE),
    ERROR_NAME(CL_DEVICE_PARTITION_FAILED),
    ERROR_NAME(CL_KERNEL_ARG_INFO_NOT_AVAILABLE),
    ERROR_NAME(CL_INVALID_VALUE),
    ERROR_NAME(CL_INVALID_DEVICE_TYPE),
    ERROR_NAME(CL_INVALID_PLATFORM),
    ERROR_NAME(CL_INVALID_DEVICE),
    ERROR_NAME(CL_INVALID_CONTEXT),
    ERROR_NAME(CL_INVALID_QUEUE_PROPERTIES),
    ERROR_NAME(CL_INVALID_COMMAND_QUEUE),
    ERROR_NAME(CL_INVALID_HOST_PTR),
    ERROR_NAME(CL_INVALID_MEM_OBJECT),
    ERROR_NAME(CL_INVALID_IMAGE_FORMAT_DESCRIPTOR),
    ERROR_NAME(CL_INVALID_IMAGE_SIZE),
    ERROR_NAME(CL_INVALID_SAMPLER),
    ERROR_NAME(CL_INVALID_BINARY),
    ERROR_NAME(CL_INVALID_BUILD_OPTIONS),
    ERROR_NAME(CL_INVALID_PROGRAM),
    ERROR_NAME(CL_INVALID_PROGRAM_EXECUTABLE),
    ERROR_NAME(CL_INVALID_KERNEL_NAME),
    ERROR_NAME(CL_INVALID_KERNEL_DEFINITION),
    ERROR_NAME(CL_INVALID_KERNEL),
    ERROR_NAME(CL_INVALID_ARG_INDEX),
    ERROR_NAME(CL_INVALID_ARG_VALUE),
    ERROR_NAME(CL_INVALID_ARG_SIZE),
    ERROR_NAME(CL_INVALID_KERNEL_ARGS),
    ERROR_NAME(CL_INVALID_WORK_DIMENSION),
    ERROR_NAME(CL_INVALID_WORK_GROUP_SIZE),
    ERROR_NAME(CL_INVALID_WORK_ITEM_SIZE),
    ERROR_NAME(CL_INVALID_GLOBAL_OFFSET),
    ERROR_NAME(CL_INVALID_EVENT_WAIT_LIST),
    ERROR_NAME(CL_INVALID_EVENT),
    ERROR_NAME(CL_INVALID_OPERATION),
    ERROR_NAME(CL_INVALID_GL_OBJECT),
    ERROR_NAME(CL_INVALID_BUFFER_SIZE),
    ERROR_NAME(CL_INVALID_MIP_LEVEL),
    ERROR_NAME(CL_INVALID_GLOBAL_WORK_SIZE),
    ERROR_NAME(CL_INVALID_PROPERTY),
    ERROR_NAME(CL_INVALID_IMAGE_DESCRIPTOR),
    ERROR_NAME(CL_INVALID_COMPILER_OPTIONS),
    ERROR_NAME(CL_INVALID_LINKER_OPTIONS),
    ERROR_NAME(CL_INVALID_DEVICE_PARTITION_COUNT),
    {PLATFORM_NOT_FOUND_KHR, "CL_PLATFORM_NOT_FOUND_KHR"},
};

const char *sli_ocl_error_name(cl_int err)
{
    for (size_t i = 0; i < sizeof ERROR_NAMES / sizeof ERROR_NAMES[0]; i++)
        if (ERROR_NAMES[i].code == err) return ERROR_NAMES[i].name;
    return "?";
}

sl_status sli_ocl_fail(sl_context *ctx, cl_int err, const char *what)
{
    bool memory = err == CL_MEM_OBJECT_ALLOCATION_FAILURE || err == CL_OUT_OF_RESOURCES;
    return sli_error(ctx, memory ? SL_ERR_DEVICE_MEMORY : SL_ERR_DEVICE, "%s: OpenCL error %d (%s)", what,
                     (int)err, sli_ocl_error_name(err));
}

/* ---- choosing the device -------------------------------------------------------- */

typedef struct listed_device {
    cl_platform_id platform;
    cl_device_id device;
    cl_device_type type;
} listed_device;

/* Lists the OpenCL devices in platform and device order, the registry's order
 * (runtime/devices.c). @return SL_OK with *n >= 1, or SL_ERR_DEVICE. */
static sl_status list_devices(sl_context *ctx, listed_device *out, size_t cap, size_t *n)
{
    cl_platform_id plats[MAX_PLATFORMS];
    cl_uint np = 0;
    cl_int e = clGetPlatformIDs(MAX_PLATFORMS, plats, &np);
    if (e == PLATFORM_NOT_FOUND_KHR || (e == CL_SUCCESS && np == 0))
        return sli_error(ctx, SL_ERR_DEVICE, "no OpenCL platform is installed (the ICD loader found none)");
    if (e != CL_SUCCESS) return sli_ocl_fail(ctx, e, "clGetPlatformIDs");
    if (np > MAX_PLATFORMS) np = MAX_PLATFORMS;
    *n = 0;
    for (cl_uint i = 0; i < np; i++) {
        cl_device_id devs[MAX_DEVICES];
        cl_uint nd = 0;
        if (clGetDeviceIDs(plats[i], CL_DEVICE_TYPE_ALL, MAX_DEVICES, devs, &nd) != CL_SUCCESS) continue;
        if (nd > MAX_DEVICES) nd = MAX_DEVICES;
        for (cl_uint j = 0; j < nd && *n < cap; j++) {
            listed_device *d = &out[(*n)++];
            d->platform = plats[i];
            d->device = devs[j];
            if (clGetDeviceInfo(devs[j], CL_DEVICE_TYPE, sizeof d->type, &d->type, NULL) != CL_SUCCESS)
                d->type = 0;
        }
    }
    if (*n == 0)
        return sli_error(ctx, SL_ERR_DEVICE, "%u OpenCL platform%s installed, but no OpenCL device",
                         (unsigned)np, np == 1 ? " is" : "s are");
    return SL_OK;
}

/* Picks SL_OPENCL_DEVICE's device, else the first GPU, else the first
 * accelerator, else the first device. */
static sl_status choose_device(sl_context *ctx, const listed_device *d, size_t n, size_t *pick)
{
    const char *env = getenv("SL_OPENCL_DEVICE");
    if (env && *env) {
        char *end = NULL;
        errno = 0;
        unsigned long long v = strtoull(env, &end, 10);
        if (*end || errno || env[0] < '0' || env[0] > '9')
            return sli_error(ctx, SL_ERR_DEVICE, "SL_OPENCL_DEVICE='%s' is not an OpenCL device number", env);
        if (v >= n)
            return sli_error(ctx, SL_ERR_DEVICE,
                             "SL_OPENCL_DEVICE=%llu is out of range: there %s %zu OpenCL device%s", v,
                             n == 1 ? "is" : "are", n, n == 1 ? "" : "s");
        *pick = (size_t)v;
        return SL_OK;
    }
    static const cl_device_type preferred[] = {CL_DEVICE_TYPE_GPU, CL_DEVICE_TYPE_ACCELERATOR};
    for (size_t p = 0; p < sizeof preferred / sizeof preferred[0]; p++)
        for (size_t i = 0; i < n; i++)
            if (d[i].type & preferred[p]) {
                *pick = i;
                return SL_OK;
            }
    *pick = 0;
    return SL_OK;
}

/* ---- the device's facts --------------------------------------------------------- */

/* @return a string property of the device (malloc'd; "" when the query
 * fails), or NULL when out of memory. */
static char *device_string(cl_device_id d, cl_device_info what)
{
    size_t len = 0;
    if (clGetDeviceInfo(d, what, 0, NULL, &len) != CL_SUCCESS) len = 0;
    char *s = calloc(len + 1, 1);
    if (s && len && clGetDeviceInfo(d, what, len, s, NULL) != CL_SUCCESS) s[0] = 0;
    return s;
}

/* Copies a string property into buf, truncated. @return false when out of memory. */
static bool copy_device_string(cl_device_id d, cl_device_info what, char *buf, size_t cap)
{
    char *s = device_string(d, what);
    if (!s) return false;
    snprintf(buf, cap, "%s", s);
    free(s);
    return true;
}

/* Reads a fixed-size property into v; zero when the query fails. */
static void device_value(cl_device_id d, cl_device_info what, void *v, size_t size)
{
    if (clGetDeviceInfo(d, what, size, v, NULL) != CL_SUCCESS) memset(v, 0, size);
}

/* @return whether the space-separated list `exts` names `ext` exactly. */
static bool has_extension(const char *exts, const char *ext)
{
    size_t n = strlen(ext);
    for (const char *p = strstr(exts, ext); p; p = strstr(p + 1, ext))
        if ((p == exts || p[-1] == ' ') && (p[n] == 0 || p[n] == ' ')) return true;
    return false;
}

/* Parses a byte count: digits with an optional K, M, G or T suffix (powers
 * of 1024, either case). @return false when s is not one or overflows. */
static bool parse_bytes(const char *s, uint64_t *out)
{
    if (*s < '0' || *s > '9') return false;
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno) return false;
    unsigned shift = 0;
    switch (*end) {
    case 0: break;
    case 'k':
    case 'K': shift = 10; break;
    case 'm':
    case 'M': shift = 20; break;
    case 'g':
    case 'G': shift = 30; break;
    case 't':
    case 'T': shift = 40; break;
    default: return false;
    }
    if (shift && end[1]) return false;
    if (shift && v > (UINT64_MAX >> shift)) return false;
    *out = (uint64_t)v << shift;
    return true;
}

/* Sets the budget: SL_OPENCL_MEMORY, else the global memory less an eighth. */
static sl_status set_budget(sl_context *ctx, sli_ocl_info *in)
{
    const char *env = getenv("SL_OPENCL_MEMORY");
    if (!env || !*env) {
        in->budget = in->global_memory - in->global_memory / 8;
        return SL_OK;
    }
    if (!parse_bytes(env, &in->budget))
        return sli_error(ctx, SL_ERR_DEVICE,
                         "SL_OPENCL_MEMORY='%s' is not a byte count (such as 1048576, 64K, 10M, 2G)", env);
    return SL_OK;
}

static sl_status fill_info(sl_context *ctx, sli_ocl *o)
{
    sli_ocl_info *in = &o->info;
    cl_device_id d = o->device;
    char *exts = device_string(d, CL_DEVICE_EXTENSIONS);
    if (!exts || !copy_device_string(d, CL_DEVICE_NAME, in->name, sizeof in->name) ||
        !copy_device_string(d, CL_DEVICE_VENDOR, in->vendor, sizeof in->vendor) ||
        !copy_device_string(d, CL_DRIVER_VERSION, in->driver, sizeof in->driver)) {
        free(exts);
        return sli_nomem(ctx, "opening the OpenCL device");
    }
    cl_device_type type;
    cl_device_fp_config fp64;
    cl_ulong global, max_alloc, local;
    cl_uint units;
    device_value(d, CL_DEVICE_TYPE, &type, sizeof type);
    device_value(d, CL_DEVICE_DOUBLE_FP_CONFIG, &fp64, sizeof fp64);
    device_value(d, CL_DEVICE_GLOBAL_MEM_SIZE, &global, sizeof global);
    device_value(d, CL_DEVICE_MAX_MEM_ALLOC_SIZE, &max_alloc, sizeof max_alloc);
    device_value(d, CL_DEVICE_LOCAL_MEM_SIZE, &local, sizeof local);
    device_value(d, CL_DEVICE_MAX_COMPUTE_UNITS, &units, sizeof units);
    device_value(d, CL_DEVICE_MAX_WORK_GROUP_SIZE, &in->max_work_group, sizeof in->max_work_group);
    in->is_gpu = (type & (CL_DEVICE_TYPE_GPU | CL_DEVICE_TYPE_ACCELERATOR)) != 0;
    in->int64_atomics = has_extension(exts, "cl_khr_int64_base_atomics");
    in->fp64 = fp64 != 0 || has_extension(exts, "cl_khr_fp64");
    in->global_memory = global;
    in->max_alloc = max_alloc;
    in->local_memory = (size_t)local;
    in->compute_units = units;
    free(exts);
    return set_budget(ctx, in);
}

/* ---- the disk cache's directory ------------------------------------------------- */

/* mkdir -p. @return true when path is a directory afterwards. */
static bool make_dirs(char *path)
{
    struct stat st;
    for (char *p = path + 1;; p++) {
        if (*p != '/' && *p != 0) continue;
        char c = *p;
        *p = 0;
        bool ok = mkdir(path, 0755) == 0 || (stat(path, &st) == 0 && S_ISDIR(st.st_mode));
        *p = c;
        if (!ok) return false;
        if (c == 0) return true;
    }
}

/* @return base + suffix (malloc'd) when that directory exists or could be
 * made; NULL when base is unset or empty, it cannot be made, or out of memory. */
static char *try_cache_dir(const char *base, const char *suffix)
{
    if (!base || !*base) return NULL;
    size_t n = strlen(base) + strlen(suffix) + 1;
    char *p = malloc(n);
    if (!p) return NULL;
    snprintf(p, n, "%s%s", base, suffix);
    if (make_dirs(p)) return p;
    free(p);
    return NULL;
}

/* @return the disk cache's directory (ocl.h), made now, or NULL: no disk cache. */
static char *open_cache_dir(void)
{
    const char *env = getenv("SL_OPENCL_CACHE");
    if (env && strcmp(env, "off") == 0) return NULL;
    char *dir = try_cache_dir(env, "");
    if (!dir) dir = try_cache_dir(getenv("XDG_CACHE_HOME"), "/sluice/opencl");
    if (!dir) dir = try_cache_dir(getenv("HOME"), "/.cache/sluice/opencl");
    return dir;
}

/* ---- opening and closing -------------------------------------------------------- */

static sl_status open_device(sl_context *ctx, sli_ocl *o)
{
    listed_device *list = calloc(MAX_LISTED, sizeof *list);
    if (!list) return sli_nomem(ctx, "opening the OpenCL device");
    size_t n = 0, pick = 0;
    sl_status st = list_devices(ctx, list, MAX_LISTED, &n);
    if (st == SL_OK) st = choose_device(ctx, list, n, &pick);
    if (st == SL_OK) {
        o->platform = list[pick].platform;
        o->device = list[pick].device;
    }
    free(list);
    if (st == SL_OK) st = fill_info(ctx, o);
    if (st != SL_OK) return st;

    cl_context_properties props[] = {CL_CONTEXT_PLATFORM, (cl_context_properties)o->platform, 0};
    cl_int e = CL_SUCCESS;
    char what[192];
    o->context = clCreateContext(props, 1, &o->device, NULL, NULL, &e);
    if (!o->context) {
        snprintf(what, sizeof what, "clCreateContext on %s", o->info.name);
        return sli_ocl_fail(ctx, e, what);
    }
    o->queue = clCreateCommandQueue(o->context, o->device, 0, &e);
    if (!o->queue) {
        snprintf(what, sizeof what, "clCreateCommandQueue on %s", o->info.name);
        return sli_ocl_fail(ctx, e, what);
    }
    o->cache_dir = open_cache_dir();
    return SL_OK;
}

sl_status sli_ocl_get(sl_context *ctx, sli_ocl **out)
{
    if (!ctx || !out) return SL_ERR_INVALID_ARG;
    *out = ctx->ocl;
    if (ctx->ocl) return SL_OK;
    sli_ocl *o = calloc(1, sizeof *o);
    if (!o) return sli_nomem(ctx, "opening the OpenCL device");
    sl_status st = open_device(ctx, o);
    if (st != SL_OK) {
        sli_ocl_free(o);
        return st;
    }
    ctx->ocl = *out = o;
    return SL_OK;
}

void sli_ocl_free(sli_ocl *o)
{
    if (!o) return;
    if (o->queue) clFinish(o->queue); /* nothing may still use a buffer or program released below */
    sli_ocl_memory_free(o);
    for (size_t i = 0; i < o->nprograms; i++) clReleaseProgram(o->programs[i].program);
    free(o->programs);
    if (o->queue) clReleaseCommandQueue(o->queue);
    if (o->context) clReleaseContext(o->context);
    free(o->cache_dir);
    free(o);
}

const sli_ocl_info *sli_ocl_info_of(const sli_ocl *o)
{
    return &o->info;
}

cl_context sli_ocl_context(const sli_ocl *o)
{
    return o->context;
}

cl_command_queue sli_ocl_queue(const sli_ocl *o)
{
    return o->queue;
}

cl_device_id sli_ocl_device(const sli_ocl *o)
{
    return o->device;
}

/* ---- the memory cache of programs ----------------------------------------------- */

static uint64_t fnv1a(uint64_t h, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 0x100000001b3ULL; /* the 64-bit FNV prime */
    }
    return h;
}

/* @return the hash of the build options and the source (the options' NUL included, as a separator). */
static uint64_t program_hash(const char *source)
{
    uint64_t h = fnv1a(0xcbf29ce484222325ULL, BUILD_OPTIONS, sizeof BUILD_OPTIONS);
    return fnv1a(h, source, strlen(source));
}

static cl_program find_program(const sli_ocl *o, uint64_t hash)
{
    for (size_t i = 0; i < o->nprograms; i++)
        if (o->programs[i].hash == hash) return o->programs[i].program;
    return NULL;
}

/* Adds p to the memory cache, which takes it over (it is released when out of memory). */
static sl_status keep_program(sl_context *ctx, sli_ocl *o, uint64_t hash, cl_program p)
{
    if (o->nprograms == o->programs_cap) {
        size_t cap = o->programs_cap ? 2 * o->programs_cap : 16;
        sli_ocl_program *grown = realloc(o->programs, cap * sizeof *grown);
        if (!grown) {
            clReleaseProgram(p);
            return sli_nomem(ctx, "the OpenCL program cache");
        }
        o->programs = grown;
        o->programs_cap = cap;
    }
    o->programs[o->nprograms++] = (sli_ocl_program){hash, p};
    return SL_OK;
}

/* ---- the disk cache of program binaries ----------------------------------------- */

/* Copies s into buf keeping [A-Za-z0-9.-], every other byte as '_', truncated. */
static void sanitize(const char *s, char *buf, size_t cap)
{
    size_t n = 0;
    for (; s[n] && n + 1 < cap; n++) {
        char c = s[n];
        bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '-';
        buf[n] = keep ? c : '_';
    }
    buf[n] = 0;
}

/* Writes DIR/HASH_DEVICE_DRIVER.bin into buf. @return false when it does not fit. */
static bool binary_path(const sli_ocl *o, uint64_t hash, char *buf, size_t cap)
{
    char dev[NAME_IN_PATH], drv[NAME_IN_PATH];
    sanitize(o->info.name, dev, sizeof dev);
    sanitize(o->info.driver, drv, sizeof drv);
    int n = snprintf(buf, cap, "%s/%016" PRIx64 "_%s_%s.bin", o->cache_dir, hash, dev, drv);
    return n > 0 && (size_t)n < cap;
}

/* @return the whole file (malloc'd, *len bytes), or NULL when it is missing,
 * empty, unreadable, or memory is short. */
static unsigned char *read_whole(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    unsigned char *data = NULL;
    long size = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
    if (size > 0 && fseek(f, 0, SEEK_SET) == 0) data = malloc((size_t)size);
    if (data && fread(data, 1, (size_t)size, f) != (size_t)size) {
        free(data);
        data = NULL;
    }
    fclose(f);
    *len = data ? (size_t)size : 0;
    return data;
}

/* @return the program in the binary at path, built, or NULL when there is
 * none or it does not load (a corrupt file, another driver's binary). */
static cl_program load_binary(const sli_ocl *o, const char *path)
{
    size_t len = 0;
    unsigned char *bin = read_whole(path, &len);
    if (!bin) return NULL;
    const unsigned char *bins[1] = {bin};
    cl_int status = CL_SUCCESS, e = CL_SUCCESS;
    cl_program p = clCreateProgramWithBinary(o->context, 1, &o->device, &len, bins, &status, &e);
    free(bin);
    if (!p) return NULL;
    if (e != CL_SUCCESS || status != CL_SUCCESS ||
        clBuildProgram(p, 1, &o->device, BUILD_OPTIONS, NULL, NULL) != CL_SUCCESS) {
        clReleaseProgram(p);
        return NULL;
    }
    return p;
}

/* Writes data to a new temporary file beside path and renames it over path,
 * so no reader ever sees half a file. Failures leave nothing behind. */
static void write_atomically(const char *path, const void *data, size_t len)
{
    char tmp[PATH_MAX];
    int n = snprintf(tmp, sizeof tmp, "%s.XXXXXX", path); /* XXXXXX: mkstemp's template */
    if (n < 0 || (size_t)n >= sizeof tmp) return;
    int fd = mkstemp(tmp);
    if (fd < 0) return;
    FILE *f = fdopen(fd, "wb");
    if (!f) {
        close(fd);
        remove(tmp);
        return;
    }
    bool ok = fwrite(data, 1, len, f) == len;
    ok = fclose(f) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) remove(tmp);
}

/* Saves the binary of a built program at path (nothing when the driver gives none). */
static void save_binary(cl_program p, const char *path)
{
    size_t len = 0;
    if (clGetProgramInfo(p, CL_PROGRAM_BINARY_SIZES, sizeof len, &len, NULL) != CL_SUCCESS || len == 0)
        return;
    unsigned char *bin = malloc(len);
    if (!bin) return;
    unsigned char *bins[1] = {bin};
    if (clGetProgramInfo(p, CL_PROGRAM_BINARIES, sizeof bins, bins, NULL) == CL_SUCCESS)
        write_atomically(path, bin, len);
    free(bin);
}

/* ---- building ------------------------------------------------------------------- */

/* Records a failed build: the kernel, the error and the start of the build log. */
static sl_status build_failed(sl_context *ctx, const sli_ocl *o, cl_program p, cl_int err, const char *name)
{
    size_t len = 0;
    if (clGetProgramBuildInfo(p, o->device, CL_PROGRAM_BUILD_LOG, 0, NULL, &len) != CL_SUCCESS) len = 0;
    char *log = calloc(len + 1, 1);
    if (log && len && clGetProgramBuildInfo(p, o->device, CL_PROGRAM_BUILD_LOG, len, log, NULL) != CL_SUCCESS)
        log[0] = 0;
    size_t end = log ? strnlen(log, LOG_SHOWN) : 0;
    while (end > 0 && (log[end - 1] == '\n' || log[end - 1] == ' ' || log[end - 1] == '\r')) end--;
    const char *shown = end ? log : "(empty)";
    sl_status st = sli_error(
        ctx, SL_ERR_DEVICE, "OpenCL build of kernel %s failed on %s: OpenCL error %d (%s); build log: %.*s",
        name, o->info.name, (int)err, sli_ocl_error_name(err), (int)(end ? end : strlen(shown)), shown);
    free(log);
    return st;
}

static sl_status build_source(sl_context *ctx, sli_ocl *o, const char *source, const char *name,
                              cl_program *out)
{
    cl_int e = CL_SUCCESS;
    cl_program p = clCreateProgramWithSource(o->context, 1, &source, NULL, &e);
    if (!p) return sli_ocl_fail(ctx, e, "clCreateProgramWithSource");
    e = clBuildProgram(p, 1, &o->device, BUILD_OPTIONS, NULL, NULL);
    if (e != CL_SUCCESS) {
        sl_status st = build_failed(ctx, o, p, e, name);
        clReleaseProgram(p);
        return st;
    }
    o->compiled++;
    *out = p;
    return SL_OK;
}

/* Finds the program of `source` on disk or builds it (saving its binary),
 * then keeps it in memory. *from_disk: no compiler ran. */
static sl_status obtain_program(sl_context *ctx, sli_ocl *o, const char *source, const char *name,
                                uint64_t hash, cl_program *out, bool *from_disk)
{
    char path[PATH_MAX];
    bool disk = o->cache_dir && binary_path(o, hash, path, sizeof path);
    cl_program p = disk ? load_binary(o, path) : NULL;
    *from_disk = p != NULL;
    if (p) {
        o->from_disk++;
    } else {
        sl_status st = build_source(ctx, o, source, name, &p);
        if (st != SL_OK) return st;
        if (disk) save_binary(p, path);
    }
    *out = p;
    return keep_program(ctx, o, hash, p);
}

sl_status sli_ocl_kernel(sl_context *ctx, sli_ocl *o, const char *source, const char *name, cl_kernel *out,
                         bool *cached)
{
    *out = NULL;
    if (cached) *cached = false;
    uint64_t hash = program_hash(source);
    cl_program p = find_program(o, hash);
    bool no_compiler = p != NULL;
    if (!p) {
        sl_status st = obtain_program(ctx, o, source, name, hash, &p, &no_compiler);
        if (st != SL_OK) return st;
    }
    cl_int e = CL_SUCCESS;
    cl_kernel k = clCreateKernel(p, name, &e);
    if (!k) {
        char what[160];
        snprintf(what, sizeof what, "clCreateKernel(%s)", name);
        return sli_ocl_fail(ctx, e, what);
    }
    if (cached) *cached = no_compiler;
    *out = k;
    return SL_OK;
}

void sli_ocl_program_stats(const sli_ocl *o, size_t *compiled, size_t *from_disk)
{
    if (compiled) *compiled = o->compiled;
    if (from_disk) *from_disk = o->from_disk;
}
