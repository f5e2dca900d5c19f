/*
 * context.h — the context: catalog of tables, settings, last error.
 *
 * Every library entry point that fails records a message here through
 * sli_error() and returns the status. Messages carry what failed and where
 * (file:line:column, operator, column name) and never end in a newline.
 */
#ifndef SLI_CONTEXT_H
#define SLI_CONTEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sluice/sluice.h"
#include "table.h"

#define SLI_ERROR_CAP 4096

struct sl_context {
    sl_status last_status;
    char last_error[SLI_ERROR_CAP];
    sli_table **tables;
    size_t ntables;
    size_t tables_cap;
    uint64_t memory_limit;     /**< bytes per query; 0: none */
    size_t threads;            /**< workers per query; 0: the default (workers.h) */
    bool numa_off;             /**< --numa off */
    struct sli_topology *topo; /**< discovered on first use; owned */
    int device_mode;           /**< sl_device_mode; -1: not set (SL_DEVICE decides) */
    bool device_strict;        /**< fail instead of falling back to the CPU */
    struct sli_ocl *ocl;       /**< the OpenCL device, opened on first use; owned */
    struct sli_ocl_cols *ocl_cols; /**< per table column: device dictionary, range (ocl_data.c) */
    char *warnings;            /**< the last query's warnings (sl_context_last_warnings); owned */
    uint64_t bytes_scanned;    /**< the last query: bytes of the table columns its scans read */
};

/** @return bytes of table columns the context's last query scanned. */
static inline uint64_t sli_context_bytes_scanned(const sl_context *ctx)
{
    return ctx ? ctx->bytes_scanned : 0;
}

/** @return the context's device mode: set, else SL_DEVICE, else SL_DEVICE_AUTO. */
sl_device_mode sli_context_device(const sl_context *ctx);

/** Appends a line to the running query's warnings. */
void sli_warn(sl_context *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/** @return the machine's topology, discovered on the first call and kept by
 *  the context (NULL only when out of memory). */
struct sli_topology *sli_context_topology(sl_context *ctx);

/**
 * Records an error on ctx (printf-style message) and returns s, so callers
 * write `return sli_error(ctx, SL_ERR_IO, "cannot open %s", path);`.
 * ctx may be NULL (the message is dropped).
 */
sl_status sli_error(sl_context *ctx, sl_status s, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/**
 * Records an allocation failure in `where` (an operator or step). When the
 * query memory budget attached to this thread (memory.h) refused a request,
 * the error says so, with the limit and what was asked for.
 * @return SL_ERR_MEMORY_LIMIT in that case, else SL_ERR_NOMEM.
 */
sl_status sli_nomem(sl_context *ctx, const char *where);

/** Clears the last error. */
void sli_error_clear(sl_context *ctx);

/** @return the registered table named `name`, or NULL. */
sli_table *sli_context_find_table(const sl_context *ctx, const char *name);

/** Registers a table; takes ownership of t (freed on failure).
 *  @return SL_OK, SL_ERR_DUPLICATE or SL_ERR_NOMEM (error recorded). */
sl_status sli_context_add_table(sl_context *ctx, sli_table *t);

/**
 * Appends to buf a list of the candidates closest to `name` among `names`
 * (by edit distance), as "did you mean: a, b?" or the full list when short.
 */
void sli_suggest(const char *name, const char *const *names, size_t n, char *buf, size_t cap);

#endif
