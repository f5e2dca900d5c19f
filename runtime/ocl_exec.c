/*
 * ocl_exec.c — the device plan and the running of device groups (see
 * ocl_exec.h). A group runs its build kernels first, each filling a device
 * table (key -> build row), then the aggregate kernel, which probes them;
 * the aggregate's groups come back to the host and are loaded into an
 * ordinary aggregate table (runtime/agg_load.c), which finishes them as
 * the CPU path does.
 */
#include "ocl_exec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agg_table.h"
#include "buffer.h"
#include "context.h"
#include "executor.h"
#include "kernels/date.h"
#include "ocl.h"
#include "ocl_data.h"
#include "ocl_prelude.h"
#include "sbuf.h"
#include "types.h"

/* Groups reading less than this stay on the CPU under auto. */
#define AUTO_MIN_BYTES ((uint64_t)64 << 20)
/* A direct aggregate array at most this large (bytes); a local one at most this. */
#define DIRECT_AGG_BYTES ((uint64_t)256 << 20)
#define LOCAL_AGG_BYTES ((uint64_t)16 << 10)
/* A direct build array of at most this many slots, and at most this many per build row. */
#define DIRECT_BUILD_SLOTS ((uint64_t)1 << 26)
#define DIRECT_BUILD_SPREAD 16

/* ---- the plan ------------------------------------------------------------ */

static size_t collect(const sli_physical *ph, size_t i, size_t *idx, size_t n)
{
    const sli_pipeline *p = &ph->pipes[i];
    for (size_t k = 0; k < p->nops; k++)
        if (p->ops[k].kind == SLI_POP_PROBE) n = collect(ph, p->ops[k].build, idx, n);
    idx[n++] = i;
    return n;
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

/* The pipelines of root's group, sorted (a build runs before its probe). */
size_t sli_devplan_group(const sli_physical *ph, size_t root, size_t *idx)
{
    size_t n = collect(ph, root, idx, 0);
    qsort(idx, n, sizeof *idx, cmp_size);
    return n;
}

static int64_t year_of(int64_t days)
{
    int32_t d = (int32_t)days, y = 0;
    sli_date_select()->k->part[SL_DATE_YEAR](&d, &y, NULL, 1);
    return y;
}

/* Fills a key space's parameters (kp: per part lo, hi, mult) from the
 * ranges of its parts; sets the domain (0 when a part has no values).
 * @return SL_OK, SL_ERR_UNSUPPORTED when the domain passes 2^62, or the
 * range measurement's error. */
static sl_status key_space(sl_context *ctx, const sli_ocl_keys *k, int64_t *kp, uint64_t *domain)
{
    unsigned __int128 dom = 1, most = (unsigned __int128)1 << 62;
    for (size_t i = 0; i < k->nparts; i++) {
        const sli_ocl_part *pt = &k->parts[i];
        int64_t lo, hi;
        sl_status s = sli_ocl_range(ctx, pt->table, pt->col, &lo, &hi);
        if (s) return s;
        if (pt->how == SLI_OR_YEAR && lo <= hi) lo = year_of(lo), hi = year_of(hi);
        if (pt->how == SLI_OR_MONTH) lo = 1, hi = 12;
        if (pt->how == SLI_OR_DAY) lo = 1, hi = 31;
        unsigned __int128 range = hi >= lo ? (unsigned __int128)((__int128)hi - lo + 1) : 0;
        if (kp) {
            kp[3 * i] = lo;
            kp[3 * i + 1] = hi;
            kp[3 * i + 2] = (int64_t)dom;
        }
        dom *= range;
        if (dom > most) return SL_ERR_UNSUPPORTED;
    }
    *domain = (uint64_t)dom;
    return SL_OK;
}

/* Whether the packed keys of a group's pipelines fit 64 bits on this data;
 * else sets *why. @return SL_OK or a measurement's error. */
static sl_status keys_fit(sl_context *ctx, const sli_ocl_gen *gen, const size_t *idx, size_t n, char **why)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t domain;
        sl_status s = key_space(ctx, &gen->pipes[idx[i]].keys, NULL, &domain);
        if (s == SL_ERR_UNSUPPORTED) {
            *why = sli_dupf("host: the %s keys of pipeline %zu span more than 2^62 values on this data",
                        gen->pipes[idx[i]].nfields ? "group" : "join", idx[i] + 1);
            return SL_OK;
        }
        if (s) return s;
    }
    return SL_OK;
}

/* Bytes the scans of a group read. */
static uint64_t group_bytes(const sli_physical *ph, const size_t *idx, size_t n)
{
    uint64_t b = 0;
    for (size_t i = 0; i < n; i++) b += sli_pipeline_scan_bytes(&ph->pipes[idx[i]]);
    return b;
}

static bool is_root(const sli_pipeline *p)
{
    return p->scan && (p->sink == SLI_SINK_AGG || p->sink == SLI_SINK_RESULT);
}

static double env_gbs(const char *name, double dflt)
{
    const char *v = getenv(name);
    double x = v ? strtod(v, NULL) : 0;
    return x > 0 ? x : dflt;
}

/* auto: the cost model's choice for one group, and its reason. */
static bool auto_choice(sl_context *ctx, sli_devplan *d, const sli_physical *ph, const size_t *idx, size_t n,
                        char **why)
{
    uint64_t read = 0, move = 0;
    for (size_t i = 0; i < n; i++) {
        const sli_ocl_pipe *p = &d->gen->pipes[idx[i]];
        for (size_t k = 0; k < p->ninputs; k++) {
            uint64_t b = sli_ocl_input_bytes(p->inputs[k].table, p->inputs[k].col);
            read += b;
            if (!sli_ocl_input_resident(ctx, ctx->ocl, p->inputs[k].table, p->inputs[k].col)) move += b;
        }
    }
    size_t threads = sl_context_threads(ctx);
    double host_gbs = threads * 5.0 > 80.0 ? 80.0 : threads * 5.0;
    double t_dev = move / (env_gbs("SL_OPENCL_TRANSFER_GBS", 12) * 1e6) +
                   read / (env_gbs("SL_OPENCL_GBS", 500) * 1e6) + 0.1 * (double)n;
    double t_cpu = group_bytes(ph, idx, n) / (host_gbs * 1e6);
    bool dev = sli_ocl_info_of(ctx->ocl)->is_gpu && t_dev < t_cpu;
    *why = sli_dupf("auto: device ~%.2f ms (moves %.1f MB, reads %.1f MB) vs cpu ~%.2f ms%s", t_dev, move / 1e6,
                read / 1e6, t_cpu, sli_ocl_info_of(ctx->ocl)->is_gpu ? "" : "; the OpenCL device is not a GPU");
    return dev;
}

void sli_devplan_free(sli_devplan *d)
{
    if (!d) return;
    sli_ocl_gen_free(d->gen);
    if (d->why)
        for (size_t i = 0; i < d->npipes; i++) free(d->why[i]);
    free(d->why);
    free(d->on_device);
    free(d);
}

static void set_why(sli_devplan *d, size_t i, char *why)
{
    free(d->why[i]);
    d->why[i] = why;
}

/* The pipeline whose probe uses the hash table pipeline b builds. */
static size_t prober_of(const sli_physical *ph, size_t b)
{
    for (size_t i = 0; i < ph->npipes; i++)
        for (size_t k = 0; k < ph->pipes[i].nops; k++)
            if (ph->pipes[i].ops[k].kind == SLI_POP_PROBE && ph->pipes[i].ops[k].build == b) return i;
    return b;
}

/* Default reasons, before any device is considered. */
static void host_reasons(sli_devplan *d, const sli_physical *ph, const char *why_roots)
{
    for (size_t i = 0; i < ph->npipes; i++) {
        const sli_pipeline *p = &ph->pipes[i];
        set_why(d, i,
                !p->scan                       ? sli_dupf("host: reads an earlier pipeline's rows")
                : p->sink == SLI_SINK_BUILD    ? sli_dupf("host: builds the hash table pipeline %zu probes on the CPU",
                                                      prober_of(ph, i) + 1)
                : p->sink == SLI_SINK_SORT     ? sli_dupf("host: sorting runs on the CPU")
                                               : sli_dupf("%s", why_roots));
    }
}

/* Marks root's group for the device. */
static void place_group(sli_devplan *d, const size_t *idx, size_t n, size_t root, char *why)
{
    for (size_t i = 0; i < n; i++) {
        d->on_device[idx[i]] = true;
        if (idx[i] != root) set_why(d, idx[i], sli_dupf("builds the hash table pipeline %zu probes on the device", root + 1));
    }
    set_why(d, root, why);
}

/* --strict: every scan pipeline that stays on the CPU, with its reason. */
static sl_status strict_check(sl_context *ctx, const sli_devplan *d, const sli_physical *ph)
{
    sli_sbuf b = {0};
    for (size_t i = 0; i < ph->npipes; i++)
        if (ph->pipes[i].scan && !d->on_device[i])
            sli_sbuf_printf(&b, "%spipeline %zu: %s", b.len ? "; " : "", i + 1, d->why[i]);
    if (!b.len) return SL_OK;
    sl_status s = b.failed ? sli_nomem(ctx, "device plan")
                           : sli_error(ctx, SL_ERR_DEVICE, "cannot run on the OpenCL device (--strict): %s", b.buf);
    sli_sbuf_free(&b);
    return s;
}

/* Opens the device and generates the kernels; places the groups. */
static sl_status consider_device(sl_context *ctx, sli_devplan *d, const sli_physical *ph, size_t *idx)
{
    sli_ocl *o = NULL;
    sl_status s = sli_ocl_get(ctx, &o);
    if (s == SL_ERR_NOMEM) return s;
    if (s) {
        char msg[300];
        snprintf(msg, sizeof msg, "host: no OpenCL device (%s)", sl_context_last_error(ctx));
        host_reasons(d, ph, msg);
        if (d->mode == SL_DEVICE_OPENCL && !d->strict) sli_warn(ctx, "%s; running on the CPU", msg + 6);
        return d->strict ? s : SL_OK;
    }
    const sli_ocl_info *info = sli_ocl_info_of(o);
    snprintf(d->device, sizeof d->device, "%s", info->name);
    if (!info->int64_atomics || !info->fp64) {
        host_reasons(d, ph, "host: the OpenCL device lacks 64-bit atomics or doubles");
        return SL_OK;
    }
    /* auto never offloads to a device that is not a GPU: decided before any
     * kernel is generated or key range measured, which would cost every query */
    if (d->mode == SL_DEVICE_AUTO && !info->is_gpu) {
        host_reasons(d, ph, "host: auto: the OpenCL device is not a GPU");
        return SL_OK;
    }
    if ((s = sli_ocl_generate(ctx, ph, &d->gen))) return s;
    for (size_t r = 0; r < ph->npipes; r++) {
        const sli_ocl_pipe *gp = &d->gen->pipes[r];
        if (!is_root(&ph->pipes[r])) {
            if (ph->pipes[r].scan && !gp->ok) set_why(d, r, sli_dupf("host: %s", gp->reason));
            continue;
        }
        if (!gp->ok) {
            set_why(d, r, sli_dupf("host: %s", gp->reason));
            continue;
        }
        size_t n = sli_devplan_group(ph, r, idx);
        char *why = NULL;
        /* auto: the cost model first, so a group it keeps on the host never
         * has its key ranges measured */
        bool dev = d->mode == SL_DEVICE_OPENCL ? (why = sli_dupf("--device opencl"), true)
                                               : auto_choice(ctx, d, ph, idx, n, &why);
        if (!dev) {
            set_why(d, r, why ? sli_dupf("host: %s", why) : NULL), free(why);
            continue;
        }
        char *unfit = NULL;
        if ((s = keys_fit(ctx, d->gen, idx, n, &unfit))) {
            free(why);
            return s;
        }
        if (unfit) {
            free(why);
            set_why(d, r, unfit);
            continue;
        }
        place_group(d, idx, n, r, why);
    }
    return SL_OK;
}

sl_status sli_devplan_make(sl_context *ctx, const sli_physical *ph, sli_devplan **out)
{
    *out = NULL;
    sli_devplan *d = calloc(1, sizeof *d);
    size_t *idx = malloc((ph->npipes ? ph->npipes : 1) * sizeof *idx);
    if (d) {
        d->npipes = ph->npipes;
        d->on_device = calloc(ph->npipes ? ph->npipes : 1, sizeof *d->on_device);
        d->why = calloc(ph->npipes ? ph->npipes : 1, sizeof *d->why);
    }
    if (!d || !idx || !d->on_device || !d->why) {
        free(idx);
        sli_devplan_free(d);
        return sli_nomem(ctx, "device plan");
    }
    d->mode = sli_context_device(ctx);
    d->strict = ctx->device_strict && d->mode == SL_DEVICE_OPENCL;
    sl_status s = SL_OK;
    if (d->mode == SL_DEVICE_CPU) {
        host_reasons(d, ph, "host: --device cpu");
    } else {
        uint64_t most = 0;
        for (size_t r = 0; r < ph->npipes; r++)
            if (is_root(&ph->pipes[r])) {
                uint64_t b = group_bytes(ph, idx, sli_devplan_group(ph, r, idx));
                most = b > most ? b : most;
            }
        if (d->mode == SL_DEVICE_AUTO && most < AUTO_MIN_BYTES) {
            char msg[128];
            snprintf(msg, sizeof msg, "host: auto: reads %.1f MB at most, too little to pay for a device",
                     most / 1e6);
            host_reasons(d, ph, msg);
        } else {
            host_reasons(d, ph, "host");
            s = consider_device(ctx, d, ph, idx);
        }
    }
    for (size_t i = 0; !s && i < ph->npipes; i++)
        if (!d->why[i]) s = sli_nomem(ctx, "device plan");
    if (!s && d->strict) s = strict_check(ctx, d, ph);
    free(idx);
    if (s) {
        sli_devplan_free(d);
        return s;
    }
    *out = d;
    return SL_OK;
}

void sli_devplan_describe(const sli_devplan *d, bool kernels, sli_sbuf *out)
{
    sli_sbuf_printf(out, "Devices:\n");
    for (size_t i = 0; i < d->npipes; i++)
        sli_sbuf_printf(out, "  pipeline %zu: %s%s%s%s\n", i + 1, d->on_device[i] ? "opencl (" : "",
                        d->on_device[i] ? d->device : "", d->on_device[i] ? "): " : "cpu, ", d->why[i]);
    if (!kernels) return;
    for (size_t i = 0; i < d->npipes; i++)
        if (d->on_device[i])
            sli_sbuf_printf(out, "\nKernel of pipeline %zu (after kernels/opencl/prelude.cl):\n%s", i + 1,
                            d->gen->pipes[i].source);
}

/* ---- running a group ----------------------------------------------------- */

/* What a finished build kernel leaves for its probe. */
typedef struct built {
    cl_mem hk, hr, nx; /* keys (hash mode), first row of each key, next row of the same key */
    int64_t *kp; /* its key space's parameters: per part lo, hi, mult; mode; cap; local */
} built;

typedef struct grun {
    sl_context *ctx;
    sli_ocl *o;
    const sli_devplan *d;
    const sli_physical *ph;
    built *b;         /* per pipeline */
    cl_mem *scratch;  /* buffers of the kernel being run */
    size_t nscratch, scratch_cap;
    const char *fell; /* why the group goes back to the CPU */
    bool one_match;   /* the root takes one build row per key (a result sink) */
} grun;

static sl_status cl_check(grun *g, cl_int e, const char *what)
{
    return e == CL_SUCCESS ? SL_OK : sli_ocl_fail(g->ctx, e, what);
}

static sl_status scratch(grun *g, size_t bytes, const void *host, bool zero, cl_mem *out)
{
    if (g->nscratch == g->scratch_cap) {
        size_t cap = g->scratch_cap ? 2 * g->scratch_cap : 16;
        cl_mem *m = realloc(g->scratch, cap * sizeof *m);
        if (!m) return sli_nomem(g->ctx, "device buffers");
        g->scratch = m;
        g->scratch_cap = cap;
    }
    sl_status s = sli_ocl_alloc(g->ctx, g->o, bytes ? bytes : 8, host, zero, out);
    if (!s) g->scratch[g->nscratch++] = *out;
    return s;
}

/* A device table of `count` elements of `w` bytes, every byte 0xff (empty
 * slots), kept until the group ends. */
static sl_status ones(grun *g, size_t count, size_t w, cl_mem *out)
{
    size_t bytes = (count ? count : 1) * w;
    sl_status s = sli_ocl_alloc(g->ctx, g->o, bytes, NULL, false, out);
    if (s) return s;
    cl_uint pattern = 0xffffffffu;
    return cl_check(g,
                    clEnqueueFillBuffer(sli_ocl_queue(g->o), *out, &pattern, sizeof pattern, 0, bytes, 0, NULL, NULL),
                    "clEnqueueFillBuffer");
}

/* key_space for a run: a domain past 2^62 sends the group to the CPU. */
static sl_status key_ranges(grun *g, const sli_ocl_keys *k, int64_t *kp, uint64_t *domain)
{
    sl_status s = key_space(g->ctx, k, kp, domain);
    if (s == SL_ERR_UNSUPPORTED) g->fell = "its keys span more than 2^62 values";
    return s;
}

static uint64_t pow2_at_least(uint64_t x)
{
    uint64_t c = 64;
    while (c < x) c <<= 1;
    return c;
}

static sl_status set_arg(grun *g, cl_kernel k, cl_uint *a, size_t size, const void *v)
{
    return cl_check(g, clSetKernelArg(k, (*a)++, size, v), "clSetKernelArg");
}

/* Uploads the kernel's inputs and masks and sets them as arguments. */
static sl_status input_args(grun *g, const sli_ocl_pipe *p, cl_kernel k, cl_uint *a)
{
    sl_status s = SL_OK;
    for (size_t i = 0; i < p->ninputs && !s; i++) {
        cl_mem m;
        uint64_t bytes;
        bool up;
        s = sli_ocl_input_buffer(g->ctx, g->o, p->inputs[i].table, p->inputs[i].col, &m, &bytes, &up);
        if (!s) s = set_arg(g, k, a, sizeof m, &m);
    }
    for (size_t i = 0; i < p->nmasks && !s; i++) {
        const sli_ocl_input *in = &p->inputs[p->masks[i].input];
        const sli_dict *dict = NULL;
        const uint32_t *codes = NULL;
        uint8_t *mask = NULL;
        cl_mem m;
        s = sli_ocl_strings(g->ctx, in->table, in->col, &dict, &codes);
        if (!s) s = sli_ocl_mask(g->ctx, dict, p->masks[i].pred, &mask);
        if (!s) s = scratch(g, dict->count ? dict->count : 1, mask, false, &m);
        free(mask);
        if (!s) s = set_arg(g, k, a, sizeof m, &m);
    }
    for (size_t j = 0; j < p->nprobes && !s; j++) {
        const built *b = &g->b[p->probe_build[j]];
        s = set_arg(g, k, a, sizeof b->hk, &b->hk);
        if (!s) s = set_arg(g, k, a, sizeof b->hr, &b->hr);
        if (!s) s = set_arg(g, k, a, sizeof b->nx, &b->nx);
    }
    return s;
}

/* The work-groups (at most 16 per compute unit) and their size (at most
 * 256) that run kernel k over `rows` rows. */
static void grid(grun *g, cl_kernel k, uint64_t rows, size_t *groups, size_t *wg)
{
    const sli_ocl_info *info = sli_ocl_info_of(g->o);
    size_t w = 0;
    cl_int e = clGetKernelWorkGroupInfo(k, sli_ocl_device(g->o), CL_KERNEL_WORK_GROUP_SIZE, sizeof w, &w, NULL);
    if (e != CL_SUCCESS || w == 0) w = 1;
    if (w > 256) w = 256;
    uint64_t n = (rows + w - 1) / w;
    uint64_t most = (uint64_t)(info->compute_units ? info->compute_units : 1) * 16;
    if (n > most) n = most;
    *groups = n ? (size_t)n : 1;
    *wg = w;
}

static sl_status launch_grid(grun *g, cl_kernel k, size_t groups, size_t wg, size_t local_bytes)
{
    if (local_bytes > sli_ocl_info_of(g->o)->local_memory) {
        g->fell = "the device's local memory is too small for the kernel";
        return SL_ERR_UNSUPPORTED;
    }
    size_t global = groups * wg;
    return cl_check(g, clEnqueueNDRangeKernel(sli_ocl_queue(g->o), k, 1, NULL, &global, &wg, 0, NULL, NULL),
                    "clEnqueueNDRangeKernel");
}

/* Runs kernel k over `rows` rows (work-items stride over them). */
static sl_status launch(grun *g, cl_kernel k, uint64_t rows, size_t local_bytes)
{
    size_t groups, wg;
    grid(g, k, rows, &groups, &wg);
    return launch_grid(g, k, groups, wg, local_bytes);
}

static sl_status read_back(grun *g, cl_mem m, size_t bytes, void *host)
{
    return cl_check(g, clEnqueueReadBuffer(sli_ocl_queue(g->o), m, CL_TRUE, 0, bytes, host, 0, NULL, NULL),
                    "clEnqueueReadBuffer");
}

/* Reads the flags; sets g->fell for the first one raised. */
static sl_status check_flags(grun *g, cl_mem f)
{
    cl_int flags[4] = {0};
    sl_status s = read_back(g, f, sizeof flags, flags);
    if (s) return s;
    static const char *const why[] = {"an arithmetic overflow or a zero divisor", "a device hash table filled up",
                                      "an inner join's build side repeats a key",
                                      "a group key fell outside its measured range"};
    for (int i = 0; i < 4 && !g->fell; i++)
        if (flags[i] && (i != 2 || g->one_match)) g->fell = why[i]; /* F[2]: see ocl_gen.c's build sink */
    return SL_OK;
}

/* The parameters of a kernel: its sink's key space (kp, its slots) and each
 * probe's copy of its build's. */
static sl_status params(grun *g, const sli_ocl_pipe *p, const int64_t *sink_kp, cl_mem *out)
{
    int64_t *P = calloc(p->nparams ? p->nparams : 1, sizeof *P);
    if (!P) return sli_nomem(g->ctx, "kernel parameters");
    if (sink_kp) memcpy(P + p->keys.param, sink_kp, SLI_OCL_KP_COUNT(&p->keys) * sizeof *P);
    for (size_t j = 0; j < p->nprobes; j++)
        memcpy(P + p->probe_keys[j].param, g->b[p->probe_build[j]].kp,
               SLI_OCL_KP_COUNT(&p->probe_keys[j]) * sizeof *P);
    sl_status s = scratch(g, (p->nparams ? p->nparams : 1) * sizeof *P, P, false, out);
    free(P);
    return s;
}

/* Kernel `name` of pipeline p's program (the prelude, then its sl_pipe). */
static sl_status kernel_named(grun *g, const sli_ocl_pipe *p, const char *name, cl_kernel *k)
{
    size_t n1 = strlen(sli_ocl_prelude_src), n2 = strlen(p->source);
    char *src = malloc(n1 + n2 + 2);
    if (!src) return sli_nomem(g->ctx, "kernel source");
    memcpy(src, sli_ocl_prelude_src, n1);
    src[n1] = '\n';
    memcpy(src + n1 + 1, p->source, n2 + 1);
    sl_status s = sli_ocl_kernel(g->ctx, g->o, src, name, k, NULL);
    free(src);
    return s;
}

static sl_status kernel_of(grun *g, const sli_ocl_pipe *p, cl_kernel *k)
{
    return kernel_named(g, p, "sl_pipe", k);
}

/* Runs a build pipeline's kernel; its table stays in g->b[pi]. */
static sl_status run_build(grun *g, size_t pi)
{
    const sli_ocl_pipe *p = &g->d->gen->pipes[pi];
    built *b = &g->b[pi];
    b->kp = calloc(SLI_OCL_KP_COUNT(&p->keys), sizeof *b->kp);
    if (!b->kp) return sli_nomem(g->ctx, "a device hash table");
    uint64_t domain;
    sl_status s = key_ranges(g, &p->keys, b->kp, &domain);
    if (s) return s;
    size_t rows = p->table->rows;
    bool direct = domain <= DIRECT_BUILD_SLOTS && domain <= (uint64_t)rows * DIRECT_BUILD_SPREAD + 4096;
    uint64_t cap = direct ? domain : pow2_at_least(2 * (uint64_t)rows);
    b->kp[SLI_OCL_KP_MODE(&p->keys) - p->keys.param] = direct ? 0 : 1;
    b->kp[SLI_OCL_KP_CAP(&p->keys) - p->keys.param] = (int64_t)cap;
    cl_kernel k = NULL;
    cl_mem P, F;
    cl_uint a = 0;
    cl_ulong n = rows;
    s = kernel_of(g, p, &k);
    if (!s) s = direct ? sli_ocl_alloc(g->ctx, g->o, 8, NULL, true, &b->hk) : ones(g, cap, 8, &b->hk);
    if (!s) s = ones(g, cap, 4, &b->hr);
    if (!s) s = sli_ocl_alloc(g->ctx, g->o, (rows ? rows : 1) * 4, NULL, false, &b->nx);
    if (!s) s = params(g, p, b->kp, &P);
    if (!s) s = scratch(g, 16, NULL, true, &F);
    if (!s) s = set_arg(g, k, &a, sizeof n, &n);
    if (!s) s = set_arg(g, k, &a, sizeof P, &P);
    if (!s) s = set_arg(g, k, &a, sizeof F, &F);
    if (!s) s = input_args(g, p, k, &a);
    if (!s) s = set_arg(g, k, &a, sizeof b->hk, &b->hk);
    if (!s) s = set_arg(g, k, &a, sizeof b->hr, &b->hr);
    if (!s) s = set_arg(g, k, &a, sizeof b->nx, &b->nx);
    if (!s) s = launch(g, k, rows, 0);
    if (!s) s = check_flags(g, F);
    if (k) clReleaseKernel(k);
    return s;
}

/* Writes a decoded key value as row r of a key vector of type t. */
static void put_key(sl_type t, int64_t val, void *data, size_t r)
{
    switch (t.id == SL_TYPE_UTF8 ? SL_P_I32 : sli_ptype(t)) {
    case SL_P_I8: ((int8_t *)data)[r] = (int8_t)val; break;
    case SL_P_I16: ((int16_t *)data)[r] = (int16_t)val; break;
    case SL_P_I32: ((int32_t *)data)[r] = (int32_t)val; break; /* also dictionary codes */
    default: ((int64_t *)data)[r] = val; break;
    }
}

typedef struct found {
    uint64_t key;
    const int64_t *fields;
} found;

static int cmp_found(const void *a, const void *b)
{
    uint64_t x = ((const found *)a)->key, y = ((const found *)b)->key;
    return x < y ? -1 : x > y;
}

/* Loads the n groups a finished aggregate kernel left (packed keys and
 * fields, in key order so the output does not depend on the device's
 * timing) into an aggregate table, and finishes it. */
static sl_status load_groups(grun *g, const sli_ocl_pipe *p, const sli_plan *node, const int64_t *kp, found *gr,
                             size_t n, sli_table **out)
{
    size_t nk = node->ngroups;
    sli_agg_table t;
    memset(&t, 0, sizeof t);
    sl_type *kt = malloc((nk ? nk : 1) * sizeof *kt);
    sli_vec *kv = calloc(nk ? nk : 1, sizeof *kv);
    void **kd = calloc(nk ? nk : 1, sizeof *kd);
    const int64_t **fields = malloc(SLI_VEC_SIZE * sizeof *fields);
    sl_status s = kt && kv && kd && fields ? SL_OK : SL_ERR_NOMEM;
    for (size_t k = 0; !s && k < nk; k++) {
        kt[k] = node->groups[k]->type;
        kv[k].type = kt[k];
        kv[k].data = kd[k] = malloc(SLI_VEC_SIZE * 8);
        if (!kd[k]) s = SL_ERR_NOMEM;
        if (!s && kt[k].id == SL_TYPE_UTF8) {
            const uint32_t *codes = NULL;
            s = sli_ocl_strings(g->ctx, p->keys.parts[k].table, p->keys.parts[k].col, &kv[k].dict, &codes);
        }
    }
    if (!s) s = sli_agg_table_init(&t, kt, nk, node->aggs, node->naggs);
    qsort(gr, n, sizeof *gr, cmp_found);
    for (size_t at = 0; !s && at < n; at += SLI_VEC_SIZE) {
        size_t m = n - at < SLI_VEC_SIZE ? n - at : SLI_VEC_SIZE;
        for (size_t i = 0; i < m; i++) {
            for (size_t k = 0; k < nk; k++) {
                int64_t lo = kp[3 * k], hi = kp[3 * k + 1], mult = kp[3 * k + 2];
                uint64_t range = (uint64_t)(hi - lo) + 1;
                put_key(kt[k], lo + (int64_t)((gr[at + i].key / (uint64_t)mult) % range), kd[k], i);
            }
            fields[i] = gr[at + i].fields;
        }
        s = sli_agg_table_load(&t, kv, m, fields, p->agg_field);
    }
    if (!s) s = sli_agg_table_finish(&t, g->ctx, node->names, out);
    sli_agg_table_free(&t);
    for (size_t k = 0; kd && k < nk; k++) free(kd[k]);
    free(kd);
    free(kv);
    free(kt);
    free(fields);
    return s == SL_ERR_NOMEM ? sli_nomem(g->ctx, "device aggregate") : s;
}

/* Sets every field of acc[cap][nf] to its initial value on the device. */
static sl_status init_acc(grun *g, const sli_ocl_pipe *p, cl_mem acc, uint64_t cap)
{
    size_t nf = p->nfields;
    int64_t init[64];
    bool zero = true;
    if (nf > 64) {
        g->fell = "its aggregates need more than 64 fields per group";
        return SL_ERR_UNSUPPORTED;
    }
    for (size_t f = 0; f < nf; f++) {
        init[f] = p->init[f] == SLI_OI_MAX ? INT64_MAX : p->init[f] == SLI_OI_MIN ? INT64_MIN : 0;
        zero &= init[f] == 0;
    }
    if (zero) {
        cl_ulong z = 0;
        return cl_check(g,
                        clEnqueueFillBuffer(sli_ocl_queue(g->o), acc, &z, sizeof z, 0, (cap ? cap : 1) * nf * 8, 0,
                                            NULL, NULL),
                        "clEnqueueFillBuffer");
    }
    cl_kernel k = NULL;
    cl_mem I;
    cl_uint a = 0;
    cl_ulong total = cap * nf, nfl = nf;
    sl_status s = kernel_named(g, p, "sl_acc_init", &k);
    if (!s) s = scratch(g, nf * 8, init, false, &I);
    if (!s) s = set_arg(g, k, &a, sizeof acc, &acc);
    if (!s) s = set_arg(g, k, &a, sizeof total, &total);
    if (!s) s = set_arg(g, k, &a, sizeof nfl, &nfl);
    if (!s) s = set_arg(g, k, &a, sizeof I, &I);
    if (!s) s = launch(g, k, total, 0);
    if (k) clReleaseKernel(k);
    return s;
}

/* Moves the groups with rows to the front of a device buffer and reads
 * them back: *gr (malloc'd, pointing into *fields) and *n. */
static sl_status compact(grun *g, const sli_ocl_pipe *p, cl_mem acc, cl_mem gk, bool hashed, uint64_t cap,
                         found **gr, int64_t **fields, size_t *n)
{
    size_t nf = p->nfields;
    cl_kernel k = NULL;
    cl_mem C, O, K;
    cl_uint a = 0, count = 0;
    cl_ulong capl = cap, nfl = nf;
    cl_int h = hashed;
    sl_status s = kernel_named(g, p, "sl_acc_compact", &k);
    if (!s) s = scratch(g, 4, NULL, true, &C);
    if (!s) s = scratch(g, (cap ? cap : 1) * nf * 8, NULL, false, &O);
    if (!s) s = scratch(g, (cap ? cap : 1) * 8, NULL, false, &K);
    if (!s) s = set_arg(g, k, &a, sizeof acc, &acc);
    if (!s) s = set_arg(g, k, &a, sizeof capl, &capl);
    if (!s) s = set_arg(g, k, &a, sizeof nfl, &nfl);
    if (!s) s = set_arg(g, k, &a, sizeof gk, &gk);
    if (!s) s = set_arg(g, k, &a, sizeof h, &h);
    if (!s) s = set_arg(g, k, &a, sizeof C, &C);
    if (!s) s = set_arg(g, k, &a, sizeof O, &O);
    if (!s) s = set_arg(g, k, &a, sizeof K, &K);
    if (!s) s = launch(g, k, cap, 0);
    if (k) clReleaseKernel(k);
    if (!s) s = read_back(g, C, sizeof count, &count);
    int64_t *f = s ? NULL : malloc(((size_t)count ? count : 1) * nf * 8);
    uint64_t *keys = s ? NULL : malloc(((size_t)count ? count : 1) * 8);
    found *r = s ? NULL : malloc(((size_t)count ? count : 1) * sizeof *r);
    if (!s && (!f || !keys || !r)) s = sli_nomem(g->ctx, "device aggregate");
    if (!s && count) s = read_back(g, O, (size_t)count * nf * 8, f);
    if (!s && count) s = read_back(g, K, (size_t)count * 8, keys);
    for (size_t i = 0; !s && i < count; i++) r[i] = (found){keys[i], f + i * nf};
    free(keys);
    if (s) {
        free(f);
        free(r);
        return s;
    }
    *gr = r;
    *fields = f;
    *n = count;
    return SL_OK;
}

/* Runs the group's aggregate kernel and builds its output table. */
static sl_status run_agg(grun *g, size_t pi, sli_table **out)
{
    const sli_ocl_pipe *p = &g->d->gen->pipes[pi];
    const sli_plan *node = g->ph->pipes[pi].sink_node;
    const sli_ocl_info *info = sli_ocl_info_of(g->o);
    size_t nkp = SLI_OCL_KP_COUNT(&p->keys);
    int64_t *kp = calloc(nkp, sizeof *kp);
    if (!kp) return sli_nomem(g->ctx, "device aggregate");
    uint64_t domain;
    sl_status s = key_ranges(g, &p->keys, kp, &domain);
    size_t nf = p->nfields;
    uint64_t rows = p->table->rows;
    bool direct = !s && domain * nf * 8 <= DIRECT_AGG_BYTES;
    uint64_t cap = direct ? domain : pow2_at_least(2 * (rows < domain ? rows : domain));
    bool local = direct && cap * nf * 8 <= LOCAL_AGG_BYTES && cap * nf * 8 <= info->local_memory / 2;
    kp[nkp - 3] = direct ? 0 : 1;
    kp[nkp - 2] = (int64_t)cap;
    kp[nkp - 1] = local;
    cl_kernel k = NULL;
    cl_mem P, F, A, K;
    cl_uint a = 0;
    cl_ulong n = rows;
    if (!s) s = kernel_of(g, p, &k);
    if (!s) s = params(g, p, kp, &P);
    if (!s) s = scratch(g, 16, NULL, true, &F);
    if (!s) s = scratch(g, (cap ? cap : 1) * nf * 8, NULL, false, &A);
    if (!s) s = init_acc(g, p, A, cap);
    if (!s) s = direct ? scratch(g, 8, NULL, true, &K) : scratch(g, cap * 8, NULL, false, &K);
    if (!s && !direct) {
        cl_uint pattern = 0xffffffffu;
        s = cl_check(g, clEnqueueFillBuffer(sli_ocl_queue(g->o), K, &pattern, sizeof pattern, 0, cap * 8, 0, NULL, NULL),
                     "clEnqueueFillBuffer");
    }
    if (!s) s = set_arg(g, k, &a, sizeof n, &n);
    if (!s) s = set_arg(g, k, &a, sizeof P, &P);
    if (!s) s = set_arg(g, k, &a, sizeof F, &F);
    if (!s) s = input_args(g, p, k, &a);
    if (!s) s = set_arg(g, k, &a, sizeof A, &A);
    if (!s) s = set_arg(g, k, &a, sizeof K, &K);
    size_t lbytes = local ? cap * nf * 8 : 8;
    if (!s) s = set_arg(g, k, &a, lbytes, NULL);
    if (!s) s = launch(g, k, rows, lbytes);
    if (k) clReleaseKernel(k);
    if (!s) s = check_flags(g, F);
    found *gr = NULL;
    int64_t *fields = NULL;
    size_t ng = 0;
    if (!s && !g->fell) s = compact(g, p, A, K, !direct, cap, &gr, &fields, &ng);
    if (!s && !g->fell) s = load_groups(g, p, node, kp, gr, ng, out);
    free(gr);
    free(fields);
    free(kp);
    return s;
}

/* The columns of a result read back from the device: one partition. */
static sl_status result_table(grun *g, const sli_ocl_pipe *p, const sli_plan *node, cl_mem *outs, uint64_t rows,
                              sli_table **out)
{
    sli_table *t = sli_table_create("result");
    sli_column **cols = calloc(p->nout ? p->nout : 1, sizeof *cols);
    sl_status s = t && cols ? SL_OK : sli_nomem(g->ctx, "device result");
    for (size_t c = 0; !s && c < p->nout; c++) {
        sl_type ty = p->out_type[c];
        size_t w = sli_type_width(ty);
        s = sli_table_add_field(t, node->names[c], ty);
        if (!s) cols[c] = calloc(1, sizeof *cols[c]);
        if (!s && cols[c]) cols[c]->data = sli_buf_alloc_uninit((rows ? rows : 1) * w);
        if (!s && (!cols[c] || !cols[c]->data)) s = sli_nomem(g->ctx, "device result");
        if (s) break;
        cols[c]->type = ty;
        cols[c]->length = rows;
        if (rows) s = read_back(g, outs[c], rows * w, cols[c]->data);
        if (!s && ty.id == SL_TYPE_UTF8) {
            const sli_dict *d = NULL;
            const uint32_t *codes = NULL;
            s = sli_ocl_strings(g->ctx, p->out_table[c], p->out_col[c], &d, &codes);
            if (!s) cols[c]->dict = sli_dict_ref((sli_dict *)d);
        }
    }
    if (!s) {
        s = sli_table_add_partition(t, cols); /* takes cols */
        cols = NULL;
        if (s) s = sli_nomem(g->ctx, "device result");
    }
    if (cols)
        for (size_t c = 0; c < p->nout; c++) sli_column_free(cols[c]);
    free(cols);
    if (s) {
        sli_table_free(t);
        return s;
    }
    *out = t;
    return SL_OK;
}

/* Runs a result pipeline's kernel twice (count, then write; ocl_gen.h) and
 * reads its rows back, in source order. */
static sl_status run_result(grun *g, size_t pi, sli_table **out)
{
    const sli_ocl_pipe *p = &g->d->gen->pipes[pi];
    const sli_plan *node = g->ph->pipes[pi].sink_node;
    cl_kernel k = NULL;
    cl_mem P, F, C, O;
    cl_ulong n = p->table->rows;
    size_t groups = 1, wg = 1, nout = p->nout;
    cl_mem *outs = calloc(nout ? nout : 1, sizeof *outs);
    uint32_t *counts = NULL;
    uint64_t *offsets = NULL, total = 0;
    sl_status s = outs ? kernel_of(g, p, &k) : sli_nomem(g->ctx, "device result");
    if (!s) {
        grid(g, k, n, &groups, &wg);
        counts = calloc(groups, sizeof *counts);
        offsets = calloc(groups, sizeof *offsets);
        if (!counts || !offsets) s = sli_nomem(g->ctx, "device result");
    }
    if (!s) s = params(g, p, NULL, &P);
    if (!s) s = scratch(g, 16, NULL, true, &F);
    if (!s) s = scratch(g, groups * sizeof *counts, NULL, true, &C);
    if (!s) s = scratch(g, groups * sizeof *offsets, NULL, true, &O);
    for (cl_int pass = 0; pass < 2 && !s; pass++) {
        cl_uint a = 0;
        for (size_t c = 0; c < nout && !s; c++)
            s = scratch(g, pass ? (total ? total : 1) * sli_type_width(p->out_type[c]) : 8, NULL, false, &outs[c]);
        if (!s) s = set_arg(g, k, &a, sizeof n, &n);
        if (!s) s = set_arg(g, k, &a, sizeof P, &P);
        if (!s) s = set_arg(g, k, &a, sizeof F, &F);
        if (!s) s = input_args(g, p, k, &a);
        if (!s) s = set_arg(g, k, &a, sizeof C, &C);
        if (!s) s = set_arg(g, k, &a, sizeof O, &O);
        if (!s) s = set_arg(g, k, &a, sizeof pass, &pass);
        for (size_t c = 0; c < nout && !s; c++) s = set_arg(g, k, &a, sizeof outs[c], &outs[c]);
        if (!s) s = launch_grid(g, k, groups, wg, 0);
        if (!s && pass == 0) s = read_back(g, C, groups * sizeof *counts, counts);
        for (size_t i = 0; !s && pass == 0 && i < groups; i++) {
            offsets[i] = total;
            total += counts[i];
        }
        if (!s && pass == 0)
            s = cl_check(g,
                         clEnqueueWriteBuffer(sli_ocl_queue(g->o), O, CL_TRUE, 0, groups * sizeof *offsets, offsets,
                                              0, NULL, NULL),
                         "clEnqueueWriteBuffer");
    }
    if (k) clReleaseKernel(k);
    if (!s) s = check_flags(g, F);
    if (!s && !g->fell) s = result_table(g, p, node, outs, total, out);
    free(outs);
    free(counts);
    free(offsets);
    return s;
}

static void release_scratch(grun *g)
{
    for (size_t i = 0; i < g->nscratch; i++) sli_ocl_release(g->o, g->scratch[i]);
    g->nscratch = 0;
}

/* Counts what a group that ran on the device read: the context's bytes
 * scanned, stats, and with profiling each pipeline's device, rows and the
 * group's wall time (its kernels ran as one). */
static void account(sl_context *ctx, const sli_devplan *d, const sli_physical *ph, const size_t *idx, size_t n,
                    size_t root, const sli_table *out, uint64_t t0, sli_exec_stats *stats, sli_profile *prof)
{
    for (size_t k = 0; k < n; k++) {
        const sli_pipeline *p = &ph->pipes[idx[k]];
        ctx->bytes_scanned += sli_pipeline_scan_bytes(p);
        if (stats) stats->rows_in += p->scan->table->rows;
        if (!prof) continue;
        sli_pipe_prof *pp = &prof->pipes[idx[k]];
        snprintf(pp->device, sizeof pp->device, "%s", d->device);
        pp->ran = true;
        pp->rows_read = p->scan->table->rows;
        pp->wall_ns = sli_prof_now() - t0;
        pp->sink_rows = idx[k] == root ? out->rows : 0;
    }
}

sl_status sli_ocl_run_group(sl_context *ctx, const sli_devplan *d, const sli_physical *ph, size_t root,
                            sli_table **agg, bool *fallback, sli_exec_stats *stats, sli_profile *prof)
{
    uint64_t t0 = prof ? sli_prof_now() : 0;
    *agg = NULL;
    *fallback = false;
    size_t *idx = malloc(ph->npipes * sizeof *idx);
    grun g = {.ctx = ctx, .o = ctx->ocl, .d = d, .ph = ph, .one_match = ph->pipes[root].sink == SLI_SINK_RESULT};
    g.b = calloc(ph->npipes, sizeof *g.b);
    sl_status s = idx && g.b ? SL_OK : sli_nomem(ctx, "device group");
    size_t n = s ? 0 : sli_devplan_group(ph, root, idx);
    for (size_t i = 0; !s && !g.fell && i < n; i++) {
        s = idx[i] != root                             ? run_build(&g, idx[i])
            : ph->pipes[root].sink == SLI_SINK_RESULT ? run_result(&g, root, agg)
                                                      : run_agg(&g, root, agg);
        release_scratch(&g);
        if (!s) s = cl_check(&g, clFinish(sli_ocl_queue(g.o)), "clFinish");
    }
    if (s == SL_ERR_UNSUPPORTED && g.fell) s = SL_OK;
    if (s == SL_ERR_DEVICE_MEMORY && !d->strict) {
        g.fell = "the device ran out of memory";
        s = SL_OK;
    }
    if (!s && g.fell) {
        *fallback = true;
        sli_table_free(*agg);
        *agg = NULL;
        sli_warn(ctx, "pipeline %zu ran on the CPU: %s", root + 1, g.fell);
    }
    if (!s && !g.fell) account(ctx, d, ph, idx, n, root, *agg, t0, stats, prof);
    for (size_t i = 0; g.b && i < ph->npipes; i++) {
        if (g.b[i].hk) sli_ocl_release(g.o, g.b[i].hk);
        if (g.b[i].hr) sli_ocl_release(g.o, g.b[i].hr);
        if (g.b[i].nx) sli_ocl_release(g.o, g.b[i].nx);
        free(g.b[i].kp);
    }
    release_scratch(&g);
    if (g.o) sli_ocl_unpin_all(g.o);
    free(g.b);
    free(g.scratch);
    free(idx);
    return s;
}
