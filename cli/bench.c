/*
 * bench.c — `sluice bench`: the timing side of the benchmark harness. It
 * registers the data, loads every Parquet table fully into memory (the
 * peers it is compared with, DuckDB and Polars, run on data in memory too),
 * then per query file parses the query once, runs it W times untimed and N
 * times timed, and prints each query's run times, median and minimum, as
 * text or as one JSON object. Nothing is printed on standard output unless
 * every query ran: the first error stops the command, as in `sluice run`.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "options.h"
#include "runtime/context.h"
#include "runtime/table.h"
#include "sluice/sluice.h"

/* What one query measured. */
typedef struct bench_query {
    const char *path;
    char *text;   /* the file's text, read before the data is loaded */
    double *runs; /* the timed runs, in ms, nruns of them */
    double median, min;
    size_t rows;    /* rows of the last run's result */
    uint64_t bytes; /* bytes the last run's scans read */
} bench_query;

typedef struct bench_opts {
    sli_cli_opts c; /* data and resources (options.h) */
    bench_query *q; /* every query file, nq of them */
    size_t nq;
    long runs, warmup; /* --runs N, --warmup W */
    bool json;         /* --format json */
} bench_opts;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Takes the value of --runs or --warmup, a number from lo to hi, into *out;
 * bad is the usage error (with the value for %s).
 * @return SLI_EXIT_OK or SLI_EXIT_USAGE. */
static int take_count(const sli_cli_opts *c, int argc, char **argv, int *i, long lo, long hi, const char *bad,
                      long *out)
{
    if (*i + 1 >= argc) return sli_cli_usage(c, "option %s needs a value", argv[*i]);
    const char *val = argv[++*i];
    char *end = NULL;
    errno = 0;
    long n = strtol(val, &end, 10);
    if (end == val || *end || errno || n < lo || n > hi) return sli_cli_usage(c, bad, val);
    *out = n;
    return SLI_EXIT_OK;
}

/* The arguments of bench beyond the shared options (sli_cli_arg_fn). */
static int bench_arg(void *cmd, const sli_cli_opts *c, int argc, char **argv, int *i)
{
    bench_opts *o = cmd;
    const char *a = argv[*i];
    if (!strcmp(a, "--runs"))
        return take_count(c, argc, argv, i, 1, 1000, "--runs takes a number of runs from 1 to 1000, not '%s'",
                          &o->runs);
    if (!strcmp(a, "--warmup"))
        return take_count(c, argc, argv, i, 0, 100,
                          "--warmup takes a number of warm-up runs from 0 to 100, not '%s'", &o->warmup);
    if (a[0] == '-' && a[1] != 0) return SLI_CLI_UNKNOWN;
    o->q[o->nq++].path = a;
    return SLI_EXIT_OK;
}

/* Takes -f/--format out of argv (the shared parser knows table, csv and
 * json, bench knows text and json) into o->json, copying the other
 * arguments to kept (argc of them at most, *nkept set).
 * @return SLI_EXIT_OK or a usage error. */
static int take_format(bench_opts *o, int argc, char **argv, char **kept, int *nkept)
{
    int n = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (i > 0 && (!strcmp(a, "-f") || !strcmp(a, "--format"))) {
            if (i + 1 >= argc) return sli_cli_usage(&o->c, "option %s needs a value", a);
            const char *val = argv[++i];
            if (strcmp(val, "json") && strcmp(val, "text"))
                return sli_cli_usage(&o->c, "--format takes json or text, not '%s'", val);
            o->json = !strcmp(val, "json");
        } else {
            kept[n++] = argv[i];
        }
    }
    *nkept = n;
    return SLI_EXIT_OK;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Sets q->median and q->min from q->runs (n >= 1). @return false when out of memory. */
static bool summarize(bench_query *q, size_t n)
{
    double *s = malloc(n * sizeof *s);
    if (!s) return false;
    memcpy(s, q->runs, n * sizeof *s);
    qsort(s, n, sizeof *s, cmp_double);
    q->min = s[0];
    q->median = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    free(s);
    return true;
}

/* Parses one query and runs it o->warmup + o->runs times, filling q.
 * @return an exit code (the error printed). */
static int bench_one(bench_opts *o, sl_context *ctx, bench_query *q)
{
    const char *src_name = strcmp(q->path, "-") == 0 ? "<stdin>" : q->path;
    /* A file ending in .sql holds SQL; everything else is a plan file. */
    sl_frame *f = sli_cli_ends_with(q->path, ".sql") ? sl_frame_from_sql(ctx, q->text, src_name)
                                                     : sl_frame_from_plan(ctx, q->text, src_name);
    if (!f) return sli_cli_fail(&o->c, ctx, sl_context_last_status(ctx));
    q->runs = malloc((size_t)o->runs * sizeof *q->runs);
    if (!q->runs) {
        sl_frame_destroy(f);
        fprintf(stderr, "sluice: out of memory\n");
        return SLI_EXIT_QUERY;
    }
    sl_status s = SL_OK;
    long total = o->warmup + o->runs;
    for (long k = 0; k < total && !s; k++) {
        sl_result *r = NULL;
        double t0 = now_ms();
        s = sl_frame_collect(f, &r);
        double ms = now_ms() - t0;
        if (!s && k >= o->warmup) q->runs[k - o->warmup] = ms;
        if (!s && k == total - 1) {
            q->rows = sl_result_row_count(r);
            q->bytes = sli_context_bytes_scanned(ctx);
        }
        sl_result_destroy(r);
    }
    int rc = SLI_EXIT_OK;
    if (s) {
        rc = sli_cli_fail(&o->c, ctx, s);
    } else {
        sli_cli_print_warnings(ctx);
        if (!summarize(q, (size_t)o->runs)) {
            fprintf(stderr, "sluice: out of memory\n");
            rc = SLI_EXIT_QUERY;
        }
    }
    sl_frame_destroy(f);
    return rc;
}

/* Writes s as a JSON string. */
static void json_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(out, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(out, "\\u%04x", *p);
        else
            fputc(*p, out);
    }
    fputc('"', out);
}

static const char *device_name(sl_device_mode m)
{
    return m == SL_DEVICE_CPU ? "cpu" : m == SL_DEVICE_OPENCL ? "opencl" : "auto";
}

/* Prints the report. @return SLI_EXIT_OK or SLI_EXIT_IO. */
static int report(const bench_opts *o, sl_context *ctx, double load_ms, FILE *out)
{
    if (o->json) {
        fprintf(out, "{\"load_ms\": %.3f, \"threads\": %zu, \"device\": \"%s\", \"queries\": [", load_ms,
                sl_context_threads(ctx), device_name(sli_context_device(ctx)));
        for (size_t i = 0; i < o->nq; i++) {
            const bench_query *q = &o->q[i];
            fprintf(out, "%s\n  {\"query\": ", i ? "," : "");
            json_string(out, q->path);
            fputs(", \"runs_ms\": [", out);
            for (long k = 0; k < o->runs; k++) fprintf(out, "%s%.3f", k ? ", " : "", q->runs[k]);
            fprintf(out, "], \"median_ms\": %.3f, \"min_ms\": %.3f, \"rows\": %zu, \"bytes_scanned\": %llu}",
                    q->median, q->min, q->rows, (unsigned long long)q->bytes);
        }
        fputs("\n]}\n", out);
    } else {
        for (size_t i = 0; i < o->nq; i++) {
            const bench_query *q = &o->q[i];
            fprintf(out, "%s: median %.3f ms, min %.3f ms over %ld runs, %zu rows\n", q->path, q->median,
                    q->min, o->runs, q->rows);
        }
    }
    if (ferror(out) || fflush(out) != 0) {
        fprintf(stderr, "sluice: %s\n", o->c.stdout_error);
        return SLI_EXIT_IO;
    }
    return SLI_EXIT_OK;
}

/* Reads every query file before the data is loaded, so a missing one fails
 * at once. @return an exit code. */
static int read_queries(bench_opts *o)
{
    for (size_t i = 0; i < o->nq; i++) {
        o->q[i].text = sli_cli_read_all(o->q[i].path);
        if (!o->q[i].text) {
            fprintf(stderr, "sluice: cannot read query file '%s': %s\n", o->q[i].path, strerror(errno));
            return SLI_EXIT_IO;
        }
    }
    return SLI_EXIT_OK;
}

/* Registers the data and loads the external tables into memory.
 * @return an exit code (the error printed). */
static int load_data(bench_opts *o, sl_context *ctx)
{
    int rc = sli_cli_register(&o->c, ctx);
    if (rc != SLI_EXIT_OK) return rc;
    sl_status s = sli_table_load_all(ctx, NULL);
    return s ? sli_cli_fail(&o->c, ctx, s) : SLI_EXIT_OK;
}

int sli_cli_bench(int argc, char **argv)
{
    bench_opts o = {0};
    o.c.help = sli_cli_help("bench");
    o.c.try_line = "Try 'sluice help bench'.";
    o.c.stdout_error = "cannot write the report to standard output";
    o.c.accept = SLI_OPT_CSV | SLI_OPT_MEMORY;
    o.c.invalid_arg_is_usage = true;
    o.runs = 5;
    o.warmup = 1;
    o.q = calloc((size_t)argc + 1, sizeof *o.q);
    char **args = calloc((size_t)argc + 1, sizeof *args);
    if (!o.q || !args) {
        free(o.q);
        free(args);
        fprintf(stderr, "sluice: out of memory\n");
        return SLI_EXIT_QUERY;
    }
    int nargs = 0;
    int rc = take_format(&o, argc, argv, args, &nargs);
    sl_context *ctx = NULL;
    if (rc == SLI_EXIT_OK) rc = sli_cli_parse(&o.c, nargs, args, &ctx, bench_arg, &o);
    free(args);
    if (!ctx) {
        free(o.q);
        return rc;
    }
    if (rc == SLI_EXIT_OK && !o.nq) rc = sli_cli_usage(&o.c, "bench needs a query file%s", "");
    if (rc == SLI_EXIT_OK && o.c.output)
        rc = sli_cli_usage(&o.c, "bench prints its report on standard output; it takes no -o (%s)",
                           o.c.output);
    if (rc == SLI_EXIT_OK) rc = read_queries(&o);

    double t0 = now_ms();
    if (rc == SLI_EXIT_OK) rc = load_data(&o, ctx);
    double load_ms = now_ms() - t0;
    sli_cli_opts_free(&o.c);
    for (size_t i = 0; i < o.nq && rc == SLI_EXIT_OK; i++) rc = bench_one(&o, ctx, &o.q[i]);
    if (rc == SLI_EXIT_OK) rc = report(&o, ctx, load_ms, stdout);

    for (size_t i = 0; i < o.nq; i++) {
        free(o.q[i].text);
        free(o.q[i].runs);
    }
    free(o.q);
    sl_context_destroy(ctx);
    return rc;
}
