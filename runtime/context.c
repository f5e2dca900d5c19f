/*
 * context.c — context lifetime, table catalog and error recording.
 */
#include "context.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memory.h"
#include "ocl.h"
#include "ocl_data.h"
#include "topology.h"
#include "workers.h"

sl_status sl_context_create(sl_context **out)
{
    if (!out) return SL_ERR_INVALID_ARG;
    *out = calloc(1, sizeof **out);
    if (*out) (*out)->device_mode = -1;
    return *out ? SL_OK : SL_ERR_NOMEM;
}

sl_status sl_context_set_device(sl_context *ctx, sl_device_mode mode, bool strict)
{
    if (!ctx || (mode != SL_DEVICE_AUTO && mode != SL_DEVICE_CPU && mode != SL_DEVICE_OPENCL))
        return SL_ERR_INVALID_ARG;
    ctx->device_mode = (int)mode;
    ctx->device_strict = strict;
    return SL_OK;
}

sl_device_mode sli_context_device(const sl_context *ctx)
{
    if (ctx && ctx->device_mode >= 0) return (sl_device_mode)ctx->device_mode;
    const char *e = getenv("SL_DEVICE");
    if (e && !strcmp(e, "cpu")) return SL_DEVICE_CPU;
    if (e && !strcmp(e, "opencl")) return SL_DEVICE_OPENCL;
    return SL_DEVICE_AUTO;
}

const char *sl_context_last_warnings(const sl_context *ctx)
{
    return ctx && ctx->warnings ? ctx->warnings : "";
}

void sli_warn(sl_context *ctx, const char *fmt, ...)
{
    if (!ctx) return;
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    size_t old = ctx->warnings ? strlen(ctx->warnings) : 0, add = strlen(line);
    char *w = realloc(ctx->warnings, old + add + 2);
    if (!w) return; /* a warning lost to a failed allocation changes no result */
    memcpy(w + old, line, add);
    w[old + add] = '\n';
    w[old + add + 1] = 0;
    ctx->warnings = w;
}

void sl_context_destroy(sl_context *ctx)
{
    if (!ctx) return;
    for (size_t i = 0; i < ctx->ntables; i++) sli_table_free(ctx->tables[i]);
    free(ctx->tables);
    sli_topology_free(ctx->topo);
    sli_ocl_data_free(ctx);
    sli_ocl_free(ctx->ocl);
    free(ctx->warnings);
    free(ctx);
}

const char *sl_context_last_error(const sl_context *ctx)
{
    return ctx ? ctx->last_error : "";
}

sl_status sl_context_last_status(const sl_context *ctx)
{
    return ctx ? ctx->last_status : SL_OK;
}

sl_status sli_error(sl_context *ctx, sl_status s, const char *fmt, ...)
{
    if (!ctx) return s;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ctx->last_error, sizeof ctx->last_error, fmt, ap);
    va_end(ap);
    ctx->last_status = s;
    return s;
}

sl_status sl_context_set_memory_limit(sl_context *ctx, uint64_t bytes)
{
    if (!ctx) return SL_ERR_INVALID_ARG;
    ctx->memory_limit = bytes;
    return SL_OK;
}

uint64_t sl_context_memory_limit(const sl_context *ctx)
{
    return ctx ? ctx->memory_limit : 0;
}

sl_status sl_context_set_threads(sl_context *ctx, size_t threads)
{
    if (!ctx || threads > SLI_MAX_WORKERS) return SL_ERR_INVALID_ARG;
    ctx->threads = threads;
    return SL_OK;
}

sli_topology *sli_context_topology(sl_context *ctx)
{
    if (!ctx->topo && sli_topology_discover(0, &ctx->topo)) ctx->topo = NULL;
    return ctx->topo;
}

size_t sl_context_threads(sl_context *ctx)
{
    if (!ctx) return 1;
    return ctx->threads ? ctx->threads : sli_workers_default(sli_context_topology(ctx));
}

sl_status sl_context_set_numa(sl_context *ctx, bool on)
{
    if (!ctx) return SL_ERR_INVALID_ARG;
    ctx->numa_off = !on;
    return SL_OK;
}

sl_status sli_nomem(sl_context *ctx, const char *where)
{
    const sli_mem_budget *b = sli_mem_current();
    uint64_t refused = b ? atomic_load(&b->refused) : 0;
    if (refused) {
        char lim[32], held[32], ask[32];
        sli_mem_format_size(b->limit, lim, sizeof lim);
        sli_mem_format_size(atomic_load(&b->held), held, sizeof held);
        sli_mem_format_size(refused, ask, sizeof ask);
        return sli_error(ctx, SL_ERR_MEMORY_LIMIT,
                         "memory limit of %s exceeded in %s: the query held %s and asked for %s more", lim,
                         where, held, ask);
    }
    return sli_error(ctx, SL_ERR_NOMEM, "out of memory in %s", where);
}

void sli_error_clear(sl_context *ctx)
{
    if (!ctx) return;
    ctx->last_error[0] = 0;
    ctx->last_status = SL_OK;
}

sli_table *sli_context_find_table(const sl_context *ctx, const char *name)
{
    for (size_t i = 0; i < ctx->ntables; i++)
        if (strcmp(ctx->tables[i]->name, name) == 0) return ctx->tables[i];
    return NULL;
}

sl_status sli_context_add_table(sl_context *ctx, sli_table *t)
{
    if (sli_context_find_table(ctx, t->name)) {
        sl_status s = sli_error(ctx, SL_ERR_DUPLICATE, "table '%s' is already registered", t->name);
        sli_table_free(t);
        return s;
    }
    if (ctx->ntables == ctx->tables_cap) {
        size_t cap = ctx->tables_cap ? ctx->tables_cap * 2 : 8;
        sli_table **nt = realloc(ctx->tables, cap * sizeof *nt);
        if (!nt) {
            sli_table_free(t);
            return sli_nomem(ctx, "table registration");
        }
        ctx->tables = nt;
        ctx->tables_cap = cap;
    }
    ctx->tables[ctx->ntables++] = t;
    return SL_OK;
}

size_t sl_context_table_count(const sl_context *ctx)
{
    return ctx ? ctx->ntables : 0;
}

const char *sl_context_table_name(const sl_context *ctx, size_t i)
{
    return ctx && i < ctx->ntables ? ctx->tables[i]->name : NULL;
}

static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64) return 99;
    size_t row[65];
    for (size_t j = 0; j <= lb; j++) row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            size_t best = diag + cost;
            if (row[j] + 1 < best) best = row[j] + 1;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

void sli_suggest(const char *name, const char *const *names, size_t n, char *buf, size_t cap)
{
    if (cap == 0) return;
    buf[0] = 0;
    if (n == 0) {
        snprintf(buf, cap, "(none available)");
        return;
    }
    size_t best = 99;
    for (size_t i = 0; i < n; i++) {
        size_t d = edit_distance(name, names[i]);
        if (d < best) best = d;
    }
    size_t limit = strlen(name) / 3 + 1;
    int close = best <= limit;
    size_t used = (size_t)snprintf(buf, cap, close ? "did you mean: " : "available: ");
    int first = 1;
    for (size_t i = 0; i < n && used < cap; i++) {
        if (close && edit_distance(name, names[i]) != best) continue;
        used += (size_t)snprintf(buf + used, cap - used, "%s%s", first ? "" : ", ", names[i]);
        first = 0;
    }
    if (close && used < cap) snprintf(buf + used, cap - used, "?");
}
