/*
 * run.c — `sluice run`, `sluice explain` and `sluice tables`: register the
 * data, read the plan, then run it, explain it or list the tables.
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
#include "sluice/sluice.h"

typedef struct opts {
    sli_cli_opts c; /* data, resources and output (options.h) */
    sli_cmd cmd;
    const char *plan_path;  /* the first plan file */
    const char **paths;     /* every plan file (run and explain take several), npaths */
    size_t npaths;
    const char *plan_text;
    int timing;
    long repeat;              /* --repeat N: run the query N times (timings per run with --timing) */
    int profile;              /* --profile: the measured plan on stderr after the rows */
    int analyze;              /* explain --analyze: run it and show the measured plan */
    int show_kernels;         /* explain --show-kernels: the generated OpenCL C too */
    const char *profile_json; /* --profile-json FILE */
} opts;

/* Writes a profile's JSON to path through a temporary file.
 * @return SLI_EXIT_OK or SLI_EXIT_IO (with a message). */
static int write_json(const char *path, const char *json)
{
    size_t n = strlen(path) + 8;
    char *tmp = malloc(n);
    FILE *f = tmp ? (snprintf(tmp, n, "%s.part", path), fopen(tmp, "wb")) : NULL;
    bool ok = f && fputs(json, f) >= 0;
    if (f && fclose(f) != 0) ok = false;
    if (ok && rename(tmp, path) != 0) ok = false;
    if (!ok) {
        fprintf(stderr, "sluice: cannot write '%s': %s\n", path, strerror(errno));
        if (f) remove(tmp);
    }
    free(tmp);
    return ok ? SLI_EXIT_OK : SLI_EXIT_IO;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* One --repeat run's line for --timing. */
static void print_run_timing(sl_context *ctx, long k, long n, double ms)
{
    fprintf(stderr, "run %ld of %ld: %.3f ms, %llu bytes scanned\n", k, n, ms,
            (unsigned long long)sli_context_bytes_scanned(ctx));
}

static int list_tables(const sli_cli_opts *o, sl_context *ctx)
{
    for (size_t i = 0; i < sl_context_table_count(ctx); i++) {
        const char *name = sl_context_table_name(ctx, i);
        sl_frame *f = sl_frame_table(ctx, name);
        int64_t rows = 0;
        if (!f || sl_frame_count(f, &rows)) {
            sl_frame_destroy(f);
            return sli_cli_fail(o, ctx, sl_context_last_status(ctx));
        }
        printf("%s (%lld rows)\n", name, (long long)rows);
        for (size_t c = 0; c < sl_frame_column_count(f); c++) {
            char tn[32];
            printf("  %-24s %s\n", sl_frame_column_name(f, c),
                   sl_type_name(sl_frame_column_type(f, c), tn, sizeof tn));
        }
        sl_frame_destroy(f);
    }
    return SLI_EXIT_OK;
}

/* The arguments of run, explain and tables beyond the shared options
 * (sli_cli_arg_fn). */
static int run_arg(void *cmd, const sli_cli_opts *c, int argc, char **argv, int *i)
{
    opts *o = cmd;
    const char *a = argv[*i];
    if (!strcmp(a, "-e") || !strcmp(a, "--eval")) {
        if (*i + 1 >= argc) return sli_cli_usage(c, "option %s needs a value", a);
        o->plan_text = argv[++*i];
    } else if (!strcmp(a, "--timing")) {
        o->timing = 1;
    } else if (!strcmp(a, "--repeat") && o->cmd == SLI_CMD_RUN) {
        char *end = NULL;
        if (*i + 1 >= argc) return sli_cli_usage(c, "option %s needs a value", a);
        o->repeat = strtol(argv[++*i], &end, 10);
        if (!end || *end || o->repeat < 1 || o->repeat > 1000)
            return sli_cli_usage(c, "--repeat takes a number of runs from 1 to 1000, not '%s'", argv[*i]);
    } else if (!strcmp(a, "--profile") && o->cmd == SLI_CMD_RUN) {
        o->profile = 1;
    } else if (!strcmp(a, "--analyze") && o->cmd == SLI_CMD_EXPLAIN) {
        o->analyze = 1;
    } else if (!strcmp(a, "--show-kernels") && o->cmd == SLI_CMD_EXPLAIN) {
        o->show_kernels = 1;
    } else if (!strcmp(a, "--profile-json") && o->cmd != SLI_CMD_TABLES) {
        if (*i + 1 >= argc) return sli_cli_usage(c, "option %s needs a value", a);
        o->profile_json = argv[++*i];
    } else if (a[0] == '-' && a[1] != 0) {
        return SLI_CLI_UNKNOWN;
    } else if (o->cmd != SLI_CMD_TABLES) {
        if (!o->plan_path) o->plan_path = a;
        o->paths[o->npaths++] = a;
    } else {
        return sli_cli_usage(c, "unexpected argument '%s'", a);
    }
    return SLI_EXIT_OK;
}

/* Runs or explains one plan (path, or o->plan_text when path is NULL) on a
 * context whose tables are registered. @return an exit code. */
static int one_plan(opts *o, sl_context *ctx, const char *path, double load_ms)
{
    double t_load = now_ms();
    char *text = NULL;
    const char *src_name = "<eval>";
    int rc = SLI_EXIT_OK;
    if (path) {
        text = sli_cli_read_all(path);
        if (!text) {
            fprintf(stderr, "sluice: cannot read plan file '%s': %s\n", path, strerror(errno));
            return SLI_EXIT_IO;
        }
        src_name = strcmp(path, "-") == 0 ? "<stdin>" : path;
    }
    /* A file ending in .sql holds SQL; everything else is a plan file. */
    sl_frame *f = path && sli_cli_ends_with(path, ".sql") ? sl_frame_from_sql(ctx, text, src_name)
                                                         : sl_frame_from_plan(ctx, text ? text : o->plan_text, src_name);
    free(text);
    if (!f) return sli_cli_fail(&o->c, ctx, sl_context_last_status(ctx));
    if (o->npaths > 1) { /* which plan the rows (and the timings) that follow belong to */
        printf("== %s ==\n", path);
        fflush(stdout);
        if (o->timing) fprintf(stderr, "== %s ==\n", path);
    }
    double t_plan = now_ms();
    /* A plan's write("file") step is the same as -o file; -o wins. */
    sli_cli_opts c = o->c;
    if (!c.output) c.output = sl_frame_output_path(f);
    if (c.output && !c.format_set)
        c.format = sli_cli_ends_with(c.output, ".json")  ? SL_FORMAT_JSON
                   : sli_cli_ends_with(c.output, ".txt") ? SL_FORMAT_TABLE
                                                         : SL_FORMAT_CSV;
    bool profiling = o->profile || o->profile_json;
    if (o->cmd == SLI_CMD_EXPLAIN) {
        char *ex = NULL, *js = NULL;
        sl_status s = o->analyze        ? sl_frame_explain_analyze(f, &ex, o->profile_json ? &js : NULL)
                      : o->show_kernels ? sl_frame_explain_kernels(f, &ex)
                                        : sl_frame_explain(f, &ex);
        if (s) {
            rc = sli_cli_fail(&c, ctx, s);
        } else {
            fputs(ex, stdout);
            if (*ex && ex[strlen(ex) - 1] != '\n') fputc('\n', stdout);
            if (js) rc = write_json(o->profile_json, js);
        }
        free(ex);
        free(js);
    } else if (c.output && sli_cli_ends_with(c.output, ".parquet") && profiling) {
        rc = sli_cli_usage(&c, "--profile and --profile-json do not work with a Parquet output (%s)", c.output);
    } else if (c.output && sli_cli_ends_with(c.output, ".parquet")) {
        /* A Parquet output is written by the library straight from the
         * plan's result table, under a temporary name renamed into place. */
        sl_status s = sl_frame_write_parquet(f, c.output, &c.parquet);
        double t_run = now_ms();
        if (s)
            rc = sli_cli_fail(&c, ctx, s);
        else if (o->timing)
            fprintf(stderr, "wrote %s; load %.1f ms, plan %.1f ms, run %.1f ms\n", c.output, load_ms,
                    t_plan - t_load, t_run - t_plan);
    } else {
        sl_result *r = NULL;
        char *pt = NULL, *pj = NULL;
        sl_status s = SL_OK;
        /* --repeat: the earlier runs' results are dropped; their times are
         * what a user asks for (the first run uploads and compiles). */
        for (long k = 1; k < o->repeat && !s; k++) {
            double t1 = now_ms();
            s = sl_frame_collect(f, &r);
            if (!s && o->timing) print_run_timing(ctx, k, o->repeat, now_ms() - t1);
            sl_result_destroy(r);
            r = NULL;
        }
        double t_last = now_ms();
        if (!s)
            s = profiling ? sl_frame_collect_profiled(f, &r, o->profile ? &pt : NULL, o->profile_json ? &pj : NULL)
                          : sl_frame_collect(f, &r);
        double t_run = now_ms();
        if (!s && o->timing && o->repeat > 1) print_run_timing(ctx, o->repeat, o->repeat, t_run - t_last);
        sli_cli_print_warnings(ctx);
        if (s) {
            rc = sli_cli_fail(&c, ctx, s);
        } else {
            rc = sli_cli_write_result(&c, r, stdout);
            if (o->timing)
                fprintf(stderr, "%zu row(s); load %.1f ms, plan %.1f ms, run %.1f ms\n", sl_result_row_count(r),
                        load_ms, t_plan - t_load, t_run - t_plan);
            if (pt) {
                fputs(pt, stderr);
                if (*pt && pt[strlen(pt) - 1] != '\n') fputc('\n', stderr);
            }
            if (pj && rc == SLI_EXIT_OK) rc = write_json(o->profile_json, pj);
        }
        free(pt);
        free(pj);
        sl_result_destroy(r);
    }
    sl_frame_destroy(f);
    return rc;
}

int sli_cli_run(int argc, char **argv, sli_cmd cmd)
{
    opts o = {0};
    o.cmd = cmd;
    o.c.help = sli_cli_help(cmd == SLI_CMD_RUN ? "run" : cmd == SLI_CMD_EXPLAIN ? "explain" : "tables");
    o.c.try_line = "Try 'sluice help run'.";
    o.c.stdout_error = "cannot write the result to standard output";
    o.c.accept = SLI_OPT_CSV | SLI_OPT_MEMORY | SLI_OPT_PARQUET;
    o.c.invalid_arg_is_usage = true;
    o.paths = calloc((size_t)argc + 1, sizeof *o.paths);
    if (!o.paths) {
        fprintf(stderr, "sluice: out of memory\n");
        return SLI_EXIT_QUERY;
    }
    sl_context *ctx = NULL;
    int rc = sli_cli_parse(&o.c, argc, argv, &ctx, run_arg, &o);
    if (!ctx) {
        free(o.paths);
        return rc;
    }
    if (rc == SLI_EXIT_OK && cmd != SLI_CMD_TABLES && !o.plan_path && !o.plan_text)
        rc = sli_cli_usage(&o.c, "%s needs a plan file (or -e TEXT)", cmd == SLI_CMD_RUN ? "run" : "explain");
    if (rc == SLI_EXIT_OK && o.plan_path && o.plan_text)
        rc = sli_cli_usage(&o.c, "give a plan file or -e TEXT, not both%s", "");
    if (rc == SLI_EXIT_OK && cmd == SLI_CMD_EXPLAIN && o.profile_json && !o.analyze)
        rc = sli_cli_usage(&o.c, "--profile-json needs --analyze with explain%s", "");
    if (rc == SLI_EXIT_OK && o.npaths > 1 && (o.c.output || o.profile_json))
        rc = sli_cli_usage(&o.c, "-o and --profile-json take one plan file, not several%s", "");

    double t0 = now_ms();
    if (rc == SLI_EXIT_OK) rc = sli_cli_register(&o.c, ctx);
    sli_cli_opts_free(&o.c);
    double load_ms = now_ms() - t0;
    if (rc == SLI_EXIT_OK && cmd == SLI_CMD_TABLES) rc = list_tables(&o.c, ctx);
    if (rc == SLI_EXIT_OK && cmd != SLI_CMD_TABLES) {
        /* Several plan files run one after another over the same tables;
         * the first failure stops. */
        if (!o.npaths) rc = one_plan(&o, ctx, NULL, load_ms);
        for (size_t i = 0; i < o.npaths && rc == SLI_EXIT_OK; i++) rc = one_plan(&o, ctx, o.paths[i], load_ms);
    }
    sl_context_destroy(ctx);
    free(o.paths);
    return rc;
}
