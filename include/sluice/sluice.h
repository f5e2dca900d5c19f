/*
 * sluice.h — the public C API of sluice, an analytics execution engine.
 *
 * A program creates a context, registers tables in it (from CSV files or
 * directories), builds lazy frames over those tables with Spark-like
 * transformations (select, where, join, groupBy/agg, orderBy, limit) and runs
 * them with an action (collect, count, show, write). Transformations only
 * build plan nodes; actions optimize the plan, cut it into pipelines and run
 * them.
 *
 * Conventions
 *  - Every call that can fail returns sl_status (SL_OK is 0) or, when it
 *    returns a handle, NULL. After a failure sl_context_last_error() tells
 *    what went wrong and where.
 *  - Handles are opaque. A handle returned by sl_xxx_create / a transformation
 *    / an action is owned by the caller and released with sl_xxx_destroy.
 *  - The library never prints, aborts or exits on bad input.
 *  - Thread safety: one context and everything made from it may be used by
 *    one thread at a time. Distinct contexts are independent.
 *
 * Expressions are written as text in the same grammar as plan files (and, in
 * later releases, SQL), e.g. "l_extendedprice * (1 - l_discount) as revenue".
 */
#ifndef SLUICE_H
#define SLUICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Symbols of the public API; everything else in libsluice stays hidden. */
#if defined(__GNUC__) || defined(__clang__)
#define SL_API __attribute__((visibility("default")))
#else
#define SL_API
#endif

#define SLUICE_VERSION_MAJOR 0
#define SLUICE_VERSION_MINOR 1
#define SLUICE_VERSION_PATCH 0

/** Status codes. Numbers are fixed forever; a retired code is never reused. */
typedef enum sl_status {
    SL_OK = 0,
    SL_ERR_NOMEM = 1,          /**< an allocation failed */
    SL_ERR_INVALID_ARG = 2,    /**< a caller passed an invalid argument */
    SL_ERR_IO = 3,             /**< a file could not be opened, read or written */
    SL_ERR_SYNTAX = 4,         /**< a plan file or expression does not parse */
    SL_ERR_UNKNOWN_TABLE = 5,  /**< a table name is not registered */
    SL_ERR_UNKNOWN_COLUMN = 6, /**< a column name is not in scope */
    SL_ERR_TYPE = 7,           /**< an expression's operand types do not fit */
    SL_ERR_CSV = 8,            /**< a CSV file is malformed */
    SL_ERR_UNSUPPORTED = 9,    /**< a valid request this version cannot do */
    SL_ERR_OVERFLOW = 10,      /**< an arithmetic result does not fit its type */
    SL_ERR_DIV_ZERO = 11,      /**< integer or decimal division by zero */
    SL_ERR_INTERNAL = 12,      /**< a broken invariant inside sluice (a bug) */
    SL_ERR_AMBIGUOUS = 13,     /**< a column name matches more than one column */
    SL_ERR_DUPLICATE = 14,     /**< a name is defined twice */
    SL_ERR_MEMORY_LIMIT = 15,  /**< a query needed more memory than its limit allows */
    SL_ERR_PARQUET = 16,       /**< a Parquet file is malformed or truncated */
    SL_ERR_DEVICE = 17,        /**< an OpenCL device failed, or a query cannot run on the device it was forced to */
    SL_ERR_DEVICE_MEMORY = 18, /**< the device has too little memory for a pipeline (forced device, strict) */
} sl_status;

/** @return a static, human-readable name for a status code; never NULL. */
SL_API const char *sl_status_str(sl_status s);

/** Logical column types. Numbers are fixed. */
typedef enum sl_type_id {
    SL_TYPE_NULL = 0, /**< type of the NULL literal before it is cast */
    SL_TYPE_BOOL = 1,
    SL_TYPE_INT8 = 2,
    SL_TYPE_INT16 = 3,
    SL_TYPE_INT32 = 4,
    SL_TYPE_INT64 = 5,
    SL_TYPE_FLOAT64 = 6,
    SL_TYPE_DATE32 = 7,  /**< days since 1970-01-01, int32 */
    SL_TYPE_DECIMAL = 8, /**< precision <= 18, scaled int64 */
    SL_TYPE_UTF8 = 9,    /**< Arrow utf8; may be dictionary-encoded in memory */
} sl_type_id;

/** A column type: the id plus precision and scale for decimals. */
typedef struct sl_type {
    sl_type_id id;
    uint8_t precision; /**< decimals only: 1..18 */
    uint8_t scale;     /**< decimals only: 0..precision */
} sl_type;

/**
 * Writes a type's name ("int64", "decimal(15,2)", ...) into buf.
 * @return buf.
 */
SL_API char *sl_type_name(sl_type t, char *buf, size_t cap);

typedef struct sl_context sl_context;
typedef struct sl_frame sl_frame;
typedef struct sl_result sl_result;

/* ------------------------------------------------------------------------ */
/* Context                                                                   */
/* ------------------------------------------------------------------------ */

/**
 * Creates a context: a catalog of tables, settings and the last error.
 * @param out receives the context; the caller owns it.
 * @return SL_OK or SL_ERR_NOMEM.
 */
SL_API sl_status sl_context_create(sl_context **out);

/** Destroys a context and every table registered in it. NULL is ignored.
 *  Frames and results made from it must be destroyed first. */
SL_API void sl_context_destroy(sl_context *ctx);

/**
 * @return the message of the last failed call on this context ("" if none).
 * The string is owned by the context and valid until the next call on it.
 */
SL_API const char *sl_context_last_error(const sl_context *ctx);

/** @return the status of the last failed call on this context (SL_OK if none). */
SL_API sl_status sl_context_last_status(const sl_context *ctx);

/**
 * Limits the memory each query run on this context may hold at once: its
 * column buffers, hash tables, aggregate states and intermediate results
 * (what the tables registered before the query already hold does not count).
 * A query that needs more fails with SL_ERR_MEMORY_LIMIT and a message naming
 * the operator; everything it allocated is freed and the context stays usable.
 * @param bytes the limit; 0 removes it (the default).
 * @return SL_OK, or SL_ERR_INVALID_ARG for a NULL context.
 * Thread safety: not while a query runs on the context.
 */
SL_API sl_status sl_context_set_memory_limit(sl_context *ctx, uint64_t bytes);

/** @return the memory limit of the context's queries in bytes (0: none). */
SL_API uint64_t sl_context_memory_limit(const sl_context *ctx);

/**
 * Sets how many worker threads run each query's pipelines: 1 runs them on
 * the calling thread alone; 0 (the default) means the SL_THREADS environment
 * variable when it holds a number, else one worker per core. Results are the
 * same rows whatever the count, in the same order wherever the query orders.
 * @return SL_OK, or SL_ERR_INVALID_ARG for a NULL context or more than 1024.
 * Thread safety: not while a query runs on the context.
 */
SL_API sl_status sl_context_set_threads(sl_context *ctx, size_t threads);

/** @return the number of worker threads the context's queries use (>= 1),
 *  resolving the default. Thread safety: as sl_context_set_threads. */
SL_API size_t sl_context_threads(sl_context *ctx);

/** Where pipelines run (sl_context_set_device). */
typedef enum sl_device_mode {
    SL_DEVICE_AUTO = 0,   /**< per pipeline, from the cost model (the default) */
    SL_DEVICE_CPU = 1,    /**< every pipeline on the CPU */
    SL_DEVICE_OPENCL = 2, /**< every pipeline the OpenCL generator supports on the OpenCL device */
} sl_device_mode;

/**
 * Chooses where the context's pipelines run. AUTO asks the cost model per
 * pipeline (bytes to move to the device unless resident, the device's and
 * the host's bandwidth, expected rows); OPENCL runs every pipeline the
 * OpenCL code generator supports on the device and the rest on the CPU,
 * each with its reason in EXPLAIN. With `strict`, a forced OPENCL query
 * fails with SL_ERR_DEVICE listing every unsupported part instead, and a
 * device out of memory fails with SL_ERR_DEVICE_MEMORY instead of falling
 * back to the CPU with a warning. The SL_DEVICE environment variable
 * (cpu, opencl, auto) is read when this was never called.
 * @return SL_OK, or SL_ERR_INVALID_ARG for a NULL context or an unknown mode.
 * Thread safety: not while a query runs on the context.
 */
SL_API sl_status sl_context_set_device(sl_context *ctx, sl_device_mode mode, bool strict);

/**
 * @return warnings the last query left (a pipeline moved back to the CPU,
 * and why), one per line; "" when none. Valid until the next query.
 */
SL_API const char *sl_context_last_warnings(const sl_context *ctx);

/**
 * Turns NUMA placement on (the default) or off: with it on, workers are
 * spread over the machine's NUMA nodes and take morsels of partitions on
 * their own node first; off, the machine is treated as one node.
 * @return SL_OK, or SL_ERR_INVALID_ARG for a NULL context.
 */
SL_API sl_status sl_context_set_numa(sl_context *ctx, bool on);

/**
 * Caps the process-wide cache of freed large buffers (1 MiB and more) that
 * sluice keeps so later queries reuse their memory instead of taking fresh
 * pages from the system; cached blocks beyond the cap are returned at once.
 * The default is 1/8 of physical memory, at most 4 GiB; 0 disables the cache.
 * @return the cap before.
 * Thread safety: any thread, at any time.
 */
SL_API size_t sl_set_buffer_cache_limit(size_t bytes);

/** @return the bytes the large-buffer cache holds now (not in use by any query). */
SL_API size_t sl_buffer_cache_bytes(void);

/** Options for reading CSV files. Zero-initialise, then set what you need. */
typedef struct sl_csv_options {
    char delimiter;     /**< field separator; 0 means ',' */
    int no_header;      /**< nonzero: the first row is data; columns are c0, c1, ... */
    const char *schema; /**< optional "name type, name type, ..." (types as in
                             casts: int64, decimal(15,2), date, utf8, ...);
                             NULL: names from the header, types inferred */
    size_t sample_rows; /**< rows sampled to infer types; 0 means 10000 */
} sl_csv_options;

/**
 * Reads a CSV file into memory and registers it as table `name`.
 * Empty fields are NULL. Low-cardinality string columns are dictionary-encoded.
 * @param opts may be NULL for defaults (comma, header row, inferred types).
 * @return SL_OK; SL_ERR_IO if the file cannot be read; SL_ERR_CSV with
 *         file:line for a malformed row; SL_ERR_DUPLICATE if the name exists.
 */
SL_API sl_status sl_context_register_csv(sl_context *ctx, const char *name, const char *path,
                                         const sl_csv_options *opts);

/**
 * Registers every *.csv, *.tbl and *.parquet file in a directory as a table
 * named after the file without its extension (.tbl files use '|' and have no
 * header row).
 * @return SL_OK or the first error met; tables read before it stay registered.
 */
SL_API sl_status sl_context_register_dir(sl_context *ctx, const char *dir);

/**
 * Reads a Parquet file into memory and registers it as table `name`
 * (every column; dictionary-encoded strings stay dictionary-encoded).
 * @return SL_OK; SL_ERR_IO if the file cannot be read; SL_ERR_PARQUET for a
 *         malformed file (the message names the file, row group and column);
 *         SL_ERR_UNSUPPORTED for a column type or encoding sluice does not
 *         read; SL_ERR_DUPLICATE if the name exists.
 */
SL_API sl_status sl_context_register_parquet(sl_context *ctx, const char *name, const char *path);

/** @return the number of registered tables. */
SL_API size_t sl_context_table_count(const sl_context *ctx);

/** @return the name of table i (0-based, registration order), owned by ctx. */
SL_API const char *sl_context_table_name(const sl_context *ctx, size_t i);

/* ------------------------------------------------------------------------ */
/* Frames: lazy transformations                                              */
/* ------------------------------------------------------------------------ */

/*
 * Every transformation takes the frames it reads without consuming them and
 * returns a new frame that the caller owns (or NULL with the context's last
 * error set). Names are checked when the frame is built, as Spark does, so an
 * unknown column fails here, not at the action.
 */

/** @return a frame that scans registered table `name`, or NULL. */
SL_API sl_frame *sl_frame_table(sl_context *ctx, const char *name);

/** Projection: exprs is a comma list, e.g. "id, result * 2 as double". */
SL_API sl_frame *sl_frame_select(const sl_frame *f, const char *exprs);

/** Filter: pred is a boolean expression, e.g. "result > 70 and id < 10". */
SL_API sl_frame *sl_frame_where(const sl_frame *f, const char *pred);

/** Inner equi-join: on is a conjunction of equalities between the two sides,
 *  e.g. "l_orderkey = o_orderkey and l_suppkey = o_suppkey". */
SL_API sl_frame *sl_frame_join(const sl_frame *left, const sl_frame *right, const char *on);

/**
 * Equi-join of type `how` (as Spark's how=): "inner" (NULL means inner),
 * "left" / "left_outer" (unmatched left rows with NULL right columns),
 * "semi" / "left_semi" (left rows with a match, left columns only), "anti" /
 * "left_anti" (left rows without a match, including rows with a NULL key;
 * left columns only). Outer, semi and anti joins accept only equalities in `on`.
 * @return a new frame (caller destroys it), or NULL with the error on the context.
 * Thread safety: like every frame function, not on one context from several threads.
 */
SL_API sl_frame *sl_frame_join_how(const sl_frame *left, const sl_frame *right, const char *on,
                                   const char *how);

/** Grouping keys, e.g. "l_returnflag, l_linestatus"; must be followed by agg. */
SL_API sl_frame *sl_frame_group_by(const sl_frame *f, const char *keys);

/** Aggregates, e.g. "count(*) as n, sum(x) as s"; after group_by or alone
 *  (one global group). */
SL_API sl_frame *sl_frame_agg(const sl_frame *f, const char *aggs);

/** Sort keys, e.g. "revenue desc, o_orderdate". */
SL_API sl_frame *sl_frame_order_by(const sl_frame *f, const char *keys);

/** Keeps the first n rows (n >= 0). */
SL_API sl_frame *sl_frame_limit(const sl_frame *f, int64_t n);

/**
 * Parses a plan file's text (let bindings and one chain) into a frame.
 * @param source_name used in error messages ("file:line:column"); may be NULL.
 */
SL_API sl_frame *sl_frame_from_plan(sl_context *ctx, const char *text, const char *source_name);

/**
 * @return the file a plan's final `write("path")` step names (the frame
 * owns the string), or NULL when the plan has no such step. The plan itself
 * does not write: the caller runs the frame with sl_frame_write_parquet
 * (path ending in .parquet) or sl_frame_write_csv, as `sluice run` does.
 */
SL_API const char *sl_frame_output_path(const sl_frame *f);

/**
 * Parses one SQL query (SELECT ..., optionally ended by ';') into a frame:
 * the same logical plan the equivalent DataFrame chain builds, so the same
 * optimizer and executor run it.
 * @param source_name used in error messages ("file:line:column"); may be NULL.
 * @return a new frame (sl_frame_destroy), or NULL with the error recorded on
 *         ctx (SL_ERR_SYNTAX with line:column and a caret; SL_ERR_UNSUPPORTED
 *         naming a feature sluice does not run; binding errors as for plans).
 */
SL_API sl_frame *sl_frame_from_sql(sl_context *ctx, const char *sql, const char *source_name);

/** Releases a frame. Frames derived from it stay valid. NULL is ignored. */
SL_API void sl_frame_destroy(sl_frame *f);

/** @return the number of output columns of a frame. */
SL_API size_t sl_frame_column_count(const sl_frame *f);

/** @return the name of output column i, owned by the frame. */
SL_API const char *sl_frame_column_name(const sl_frame *f, size_t i);

/** @return the type of output column i. */
SL_API sl_type sl_frame_column_type(const sl_frame *f, size_t i);

/* ------------------------------------------------------------------------ */
/* Actions                                                                   */
/* ------------------------------------------------------------------------ */

/** Runs the frame's plan and materializes its rows.
 *  @param out receives a result the caller owns (sl_result_destroy). */
SL_API sl_status sl_frame_collect(const sl_frame *f, sl_result **out);

/** Runs the plan and counts its rows. */
SL_API sl_status sl_frame_count(const sl_frame *f, int64_t *out);

/**
 * Describes how the frame would run: the logical plan, the optimized plan,
 * the pipelines with their kernels, and "Devices:" — where each pipeline
 * runs (CPU or the OpenCL device, see sl_context_set_device) and why. With
 * an OpenCL mode it may open the device to decide; it runs no query.
 * @param out receives a NUL-terminated string the caller frees with free().
 */
SL_API sl_status sl_frame_explain(const sl_frame *f, char **out);

/**
 * sl_frame_explain, followed by the OpenCL C source generated for each
 * pipeline that runs on the OpenCL device (none under --device cpu).
 * @return as sl_frame_explain; *out is owned by the caller (free()).
 */
SL_API sl_status sl_frame_explain_kernels(const sl_frame *f, char **out);

/**
 * EXPLAIN ANALYZE: runs the frame's plan with profiling on, discards its
 * rows, and describes the physical plan annotated with what was measured.
 *
 * Text (text_out): a header "== Physical plan: N pipeline(s), analyzed:
 * T thread(s), R row(s), W ms ==", then sl_frame_explain's pipeline lines
 * with the measurements appended:
 *   Pipeline 1 (...): ran on 3 workers, 4 morsels, 1.234 ms      (wall time)
 *     source  scan orders [...] 1 partition(s)  (rows read 1000 → 1000, 0.050 ms)
 *     filter  ...  (rows 1000 → 310, 0.120 ms)
 *     sink    hash-join build on ...  (rows 310 → 310, 0.200 ms, memory 24 KiB)
 * "rows in → out"; times are CPU time summed over the workers, each
 * operator's own (the operators after it excluded); a sink's time adds
 * the wall time of combining the workers' sinks and finishing (sorting,
 * merging; also "finish_ms" in the JSON); its memory
 * is the bytes its output holds once the pipeline ends (hash table,
 * aggregate groups, sorted rows, result). A Parquet scan adds "row groups
 * read N, skipped M, file read T ms". A serial pipeline counts each source
 * partition as one morsel.
 *
 * JSON (json_out), one object:
 *   {"threads": 3, "wall_ms": 2.5, "rows": 10,
 *    "pipelines": [
 *     {"id": 1, "workers": 3, "morsels": 4, "vectors": 5, "wall_ms": 1.2,
 *      "source": {"kind": "scan", "table": "orders", "format": "memory"|"parquet"|...,
 *                 (or "kind": "pipeline", "pipeline": 1)
 *                 "rows_read": 1000, "rows_out": 1000, "row_groups_read": 0,
 *                 "row_groups_skipped": 0, "bloom_filters": 0, "time_ms": 0.05, "load_ms": 0.0},
 *      "operators": [
 *        {"kind": "filter"|"project"|"probe"|"limit", "sink": false, "detail": "<the text line>",
 *         "rows_in": 1000, "rows_out": 310, "time_ms": 0.12, "memory_bytes": 0},
 *        ...,
 *        {"kind": "build"|"aggregate"|"sort"|"top-k"|"result", "sink": true, "detail": "...",
 *         "rows_in": 310, "rows_out": 310, "time_ms": 0.2, "finish_ms": 0.1, "memory_bytes": 24576}]}]}
 * Pipelines are in the order they ran (ids as in the text); the sink is the
 * last entry of operators. Times are milliseconds (3 decimals).
 *
 * @param text_out receives the text, or NULL: not made.
 * @param json_out receives the JSON, or NULL: not made.
 * Both are NUL-terminated strings the caller frees with free(); both are
 * set to NULL on failure.
 * Thread safety: as sl_frame_collect (a context is used by one thread at a
 * time; the query itself runs on the context's worker threads).
 * @return SL_OK, an execution error, or SL_ERR_NOMEM (recorded on the context).
 */
SL_API sl_status sl_frame_explain_analyze(const sl_frame *f, char **text_out, char **json_out);

/**
 * sl_frame_collect with profiling on: the rows, and the profile of
 * sl_frame_explain_analyze (for `sluice run --profile`).
 * @param out receives a result the caller owns (sl_result_destroy); must not be NULL.
 * @param text_out, json_out as in sl_frame_explain_analyze (either may be NULL).
 * Everything is set to NULL on failure.
 * Thread safety: as sl_frame_collect.
 * @return SL_OK, an execution error, SL_ERR_INVALID_ARG (out NULL) or SL_ERR_NOMEM.
 */
SL_API sl_status sl_frame_collect_profiled(const sl_frame *f, sl_result **out, char **text_out,
                                           char **json_out);

/**
 * Runs the plan and prints its first n rows as an aligned table to out (like
 * Spark's show()). n < 0 prints every row.
 * @return SL_OK, an execution error, or SL_ERR_IO when writing fails.
 */
SL_API sl_status sl_frame_show(const sl_frame *f, int64_t n, FILE *out);

/** Runs the plan and writes it as CSV with a header row to path. The file is
 *  written under a temporary name and renamed, so it is complete or absent. */
SL_API sl_status sl_frame_write_csv(const sl_frame *f, const char *path);

/** Page compression for Parquet files sluice writes. */
typedef enum sl_parquet_codec {
    SL_PARQUET_SNAPPY = 0, /**< the default: fast, moderate ratio */
    SL_PARQUET_ZSTD = 1,   /**< smaller files, slower to write */
    SL_PARQUET_GZIP = 2,
    SL_PARQUET_NONE = 3,
} sl_parquet_codec;

/** Options for writing Parquet; zero-initialised means the defaults. */
typedef struct sl_parquet_options {
    sl_parquet_codec codec;
    size_t row_group_rows; /**< rows per row group; 0 means 1,048,576 */
    int zstd_level;        /**< 0 means 3 */
} sl_parquet_options;

/** Runs the plan and writes it as a Parquet file to path (opts NULL: the
 *  defaults). The file is written under a temporary name and renamed, so it
 *  is complete or absent. */
SL_API sl_status sl_frame_write_parquet(const sl_frame *f, const char *path, const sl_parquet_options *opts);

/* ------------------------------------------------------------------------ */
/* Results                                                                   */
/* ------------------------------------------------------------------------ */

/** Output formats for sl_result_print. */
typedef enum sl_format {
    SL_FORMAT_TABLE = 0, /**< aligned box table for people */
    SL_FORMAT_CSV = 1,   /**< RFC 4180 CSV with a header row */
    SL_FORMAT_JSON = 2,  /**< one JSON array of objects */
} sl_format;

SL_API size_t sl_result_row_count(const sl_result *r);
SL_API size_t sl_result_column_count(const sl_result *r);
/** @return column i's name, owned by the result. */
SL_API const char *sl_result_column_name(const sl_result *r, size_t col);
SL_API sl_type sl_result_column_type(const sl_result *r, size_t col);
/** @return nonzero when the value is NULL. */
SL_API int sl_result_is_null(const sl_result *r, size_t col, size_t row);
/** @return an integer, bool, date (days) or decimal (scaled) value as int64. */
SL_API int64_t sl_result_get_int64(const sl_result *r, size_t col, size_t row);
/** @return a float64 value; integers and decimals are converted. */
SL_API double sl_result_get_double(const sl_result *r, size_t col, size_t row);
/** @return a string value (not NUL-terminated) and its length in *len;
 *  owned by the result. */
SL_API const char *sl_result_get_string(const sl_result *r, size_t col, size_t row, size_t *len);
/** Formats one value as text (dates as YYYY-MM-DD, decimals exactly).
 *  @return the number of characters written, excluding the NUL. */
SL_API size_t sl_result_format_value(const sl_result *r, size_t col, size_t row, char *buf, size_t cap);
/** Writes the result to a stream in a format. @return SL_OK or SL_ERR_IO. */
SL_API sl_status sl_result_print(const sl_result *r, sl_format fmt, FILE *out);
/** Releases a result. NULL is ignored. */
SL_API void sl_result_destroy(sl_result *r);

#ifdef __cplusplus
}
#endif
#endif /* SLUICE_H */
