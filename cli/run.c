/*
 * run.c — `sluice run`, `sluice explain` and `sluice tables`: register the
 * data, read the plan, then run it, explain it or list the tables.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "runtime/memory.h"
#include "runtime/workers.h"
#include "sluice/sluice.h"

typedef struct opts {
    const char *plan_path;
    const char *plan_text;
    const char *output;
    sl_format format;
    int format_set; /* --format given; else an output file's extension chooses */
    int timing;
    char delimiter;
    int no_header;
    const char *schema;
    sl_parquet_options parquet; /* for an output path ending in .parquet */
} opts;

/* @return true when path ends with suffix. */
static int ends_with(const char *path, const char *suffix)
{
    size_t n = strlen(path), m = strlen(suffix);
    return n > m && strcmp(path + n - m, suffix) == 0;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int usage(const char *fmt, const char *arg)
{
    fprintf(stderr, "sluice: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nTry 'sluice help run'.\n");
    return SLI_EXIT_USAGE;
}

static int exit_for(sl_status s)
{
    switch (s) {
    case SL_OK: return SLI_EXIT_OK;
    case SL_ERR_IO:
    case SL_ERR_CSV:
    case SL_ERR_PARQUET: return SLI_EXIT_IO;
    case SL_ERR_INVALID_ARG: return SLI_EXIT_USAGE;
    default: return SLI_EXIT_QUERY;
    }
}

static int fail(sl_context *ctx, sl_status s)
{
    fprintf(stderr, "sluice: %s\n",
            sl_context_last_error(ctx)[0] ? sl_context_last_error(ctx) : sl_status_str(s));
    return exit_for(s);
}

/* Reads a whole file (or stdin for "-"). @return malloc'd text or NULL. */
static char *read_all(const char *path)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    while (buf) {
        size_t got = fread(buf + len, 1, cap - len - 1, f);
        len += got;
        if (len + 1 < cap) break;
        char *nb = realloc(buf, cap * 2);
        if (!nb) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = nb;
        cap *= 2;
    }
    int err = ferror(f);
    if (f != stdin) fclose(f);
    if (!buf || err) {
        free(buf);
        if (err) errno = EIO;
        return NULL;
    }
    buf[len] = 0;
    return buf;
}

static int register_table(sl_context *ctx, const char *spec, const opts *o)
{
    const char *eq = strchr(spec, '=');
    if (!eq || eq == spec || !eq[1]) return usage("--table takes NAME=PATH, not '%s'", spec);
    char name[256];
    size_t n = (size_t)(eq - spec);
    if (n >= sizeof name) return usage("table name too long: '%s'", spec);
    memcpy(name, spec, n);
    name[n] = 0;
    const char *path = eq + 1;
    if (ends_with(path, ".parquet")) {
        sl_status s = sl_context_register_parquet(ctx, name, path);
        return s ? fail(ctx, s) : SLI_EXIT_OK;
    }
    sl_csv_options co = {0};
    int tbl = ends_with(path, ".tbl");
    co.delimiter = o->delimiter ? o->delimiter : tbl ? '|' : ',';
    co.no_header = o->no_header || tbl;
    co.schema = o->schema;
    sl_status s = sl_context_register_csv(ctx, name, path, &co);
    return s ? fail(ctx, s) : SLI_EXIT_OK;
}

static int list_tables(sl_context *ctx)
{
    for (size_t i = 0; i < sl_context_table_count(ctx); i++) {
        const char *name = sl_context_table_name(ctx, i);
        sl_frame *f = sl_frame_table(ctx, name);
        int64_t rows = 0;
        if (!f || sl_frame_count(f, &rows)) {
            sl_frame_destroy(f);
            return fail(ctx, sl_context_last_status(ctx));
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

/* Writes the result to o->output through a temporary file, or to stdout. */
static int write_result(sl_result *r, const opts *o)
{
    if (!o->output) {
        sl_status s = sl_result_print(r, o->format, stdout);
        if (s || fflush(stdout) != 0) {
            fprintf(stderr, "sluice: cannot write the result to standard output\n");
            return SLI_EXIT_IO;
        }
        return SLI_EXIT_OK;
    }
    size_t n = strlen(o->output) + 8;
    char *tmp = malloc(n);
    if (!tmp) return SLI_EXIT_IO;
    snprintf(tmp, n, "%s.part", o->output);
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        fprintf(stderr, "sluice: cannot write '%s': %s\n", o->output, strerror(errno));
        free(tmp);
        return SLI_EXIT_IO;
    }
    sl_status s = sl_result_print(r, o->format, f);
    int closed = fclose(f);
    if (s || closed != 0 || rename(tmp, o->output) != 0) {
        fprintf(stderr, "sluice: cannot write '%s': %s\n", o->output, strerror(errno));
        remove(tmp);
        free(tmp);
        return SLI_EXIT_IO;
    }
    free(tmp);
    return SLI_EXIT_OK;
}

int sli_cli_run(int argc, char **argv, sli_cmd cmd)
{
    opts o = {0};
    sl_context *ctx = NULL;
    if (sl_context_create(&ctx)) {
        fprintf(stderr, "sluice: out of memory\n");
        return SLI_EXIT_QUERY;
    }
    /* Data options are applied in order after parsing, so --delimiter and
     * --schema may come after --table. */
    const char **tables = calloc((size_t)argc, sizeof *tables);
    const char **dirs = calloc((size_t)argc, sizeof *dirs);
    size_t ntables = 0, ndirs = 0;
    int rc = tables && dirs ? SLI_EXIT_OK : SLI_EXIT_QUERY;
    for (int i = 1; i < argc && rc == SLI_EXIT_OK; i++) {
        const char *a = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
#define TAKES_VALUE()                                                                                        \
    do {                                                                                                     \
        if (!val) {                                                                                          \
            rc = usage("option %s needs a value", a);                                                        \
            break;                                                                                           \
        }                                                                                                    \
        i++;                                                                                                 \
    } while (0)
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(sli_cli_help(cmd == SLI_CMD_RUN       ? "run"
                               : cmd == SLI_CMD_EXPLAIN ? "explain"
                                                        : "tables"),
                  stdout);
            free(tables);
            free(dirs);
            sl_context_destroy(ctx);
            return SLI_EXIT_OK;
        } else if (!strcmp(a, "-t") || !strcmp(a, "--table")) {
            TAKES_VALUE();
            if (rc == SLI_EXIT_OK) tables[ntables++] = val;
        } else if (!strcmp(a, "-d") || !strcmp(a, "--data")) {
            TAKES_VALUE();
            if (rc == SLI_EXIT_OK) dirs[ndirs++] = val;
        } else if (!strcmp(a, "-f") || !strcmp(a, "--format")) {
            TAKES_VALUE();
            if (rc) break;
            o.format_set = 1;
            if (!strcmp(val, "table"))
                o.format = SL_FORMAT_TABLE;
            else if (!strcmp(val, "csv"))
                o.format = SL_FORMAT_CSV;
            else if (!strcmp(val, "json"))
                o.format = SL_FORMAT_JSON;
            else
                rc = usage("unknown format '%s'; formats: table, csv, json", val);
        } else if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
            TAKES_VALUE();
            o.output = val;
        } else if (!strcmp(a, "--compression")) {
            TAKES_VALUE();
            if (rc) break;
            if (!strcmp(val, "snappy"))
                o.parquet.codec = SL_PARQUET_SNAPPY;
            else if (!strcmp(val, "zstd"))
                o.parquet.codec = SL_PARQUET_ZSTD;
            else if (!strcmp(val, "gzip"))
                o.parquet.codec = SL_PARQUET_GZIP;
            else if (!strcmp(val, "none"))
                o.parquet.codec = SL_PARQUET_NONE;
            else
                rc = usage("unknown compression '%s'; choose snappy, zstd, gzip or none", val);
        } else if (!strcmp(a, "--row-group-rows")) {
            TAKES_VALUE();
            if (rc) break;
            char *end = NULL;
            long long n = strtoll(val, &end, 10);
            if (!end || *end || n < 1 || n > (1LL << 31))
                rc = usage("--row-group-rows takes a number of rows from 1 to 2^31, not '%s'", val);
            else
                o.parquet.row_group_rows = (size_t)n;
        } else if (!strcmp(a, "-e") || !strcmp(a, "--eval")) {
            TAKES_VALUE();
            o.plan_text = val;
        } else if (!strcmp(a, "--delimiter")) {
            TAKES_VALUE();
            if (rc) break;
            if (strlen(val) != 1)
                rc = usage("--delimiter takes one character, not '%s'", val);
            else
                o.delimiter = val[0];
        } else if (!strcmp(a, "--schema")) {
            TAKES_VALUE();
            o.schema = val;
        } else if (!strcmp(a, "--no-header")) {
            o.no_header = 1;
        } else if (!strcmp(a, "--timing")) {
            o.timing = 1;
        } else if (!strcmp(a, "--threads")) {
            TAKES_VALUE();
            if (rc) break;
            char *end = NULL;
            long n = strtol(val, &end, 10);
            if (!end || *end || n < 1 || n > SLI_MAX_WORKERS)
                rc = usage("--threads takes a number of workers from 1 to 1024, not '%s'", val);
            else
                sl_context_set_threads(ctx, (size_t)n);
        } else if (!strcmp(a, "--numa")) {
            TAKES_VALUE();
            if (rc) break;
            if (strcmp(val, "on") && strcmp(val, "off"))
                rc = usage("--numa takes on or off, not '%s'", val);
            else
                sl_context_set_numa(ctx, !strcmp(val, "on"));
        } else if (!strcmp(a, "--memory-limit")) {
            TAKES_VALUE();
            if (rc) break;
            uint64_t bytes = 0;
            if (!sli_mem_parse_size(val, &bytes))
                rc = usage("--memory-limit takes a size such as 512M or 2G, not '%s'", val);
            else
                sl_context_set_memory_limit(ctx, bytes);
        } else if (a[0] == '-' && a[1] != 0) {
            rc = usage("unknown option '%s'", a);
        } else if (!o.plan_path && cmd != SLI_CMD_TABLES) {
            o.plan_path = a;
        } else {
            rc = usage("unexpected argument '%s'", a);
        }
#undef TAKES_VALUE
    }
    if (rc == SLI_EXIT_OK && cmd != SLI_CMD_TABLES && !o.plan_path && !o.plan_text)
        rc = usage("%s needs a plan file (or -e TEXT)", cmd == SLI_CMD_RUN ? "run" : "explain");
    if (rc == SLI_EXIT_OK && o.plan_path && o.plan_text)
        rc = usage("give a plan file or -e TEXT, not both%s", "");

    double t0 = now_ms();
    for (size_t i = 0; i < ndirs && rc == SLI_EXIT_OK; i++) {
        sl_status s = sl_context_register_dir(ctx, dirs[i]);
        if (s) rc = fail(ctx, s);
    }
    for (size_t i = 0; i < ntables && rc == SLI_EXIT_OK; i++) rc = register_table(ctx, tables[i], &o);
    free(tables);
    free(dirs);
    double t_load = now_ms();
    if (rc != SLI_EXIT_OK || cmd == SLI_CMD_TABLES) {
        if (rc == SLI_EXIT_OK) rc = list_tables(ctx);
        sl_context_destroy(ctx);
        return rc;
    }

    char *text = NULL;
    const char *src_name = "<eval>";
    if (o.plan_path) {
        text = read_all(o.plan_path);
        if (!text) {
            fprintf(stderr, "sluice: cannot read plan file '%s': %s\n", o.plan_path, strerror(errno));
            sl_context_destroy(ctx);
            return SLI_EXIT_IO;
        }
        src_name = strcmp(o.plan_path, "-") == 0 ? "<stdin>" : o.plan_path;
    }
    /* A file ending in .sql holds SQL; everything else is a plan file. */
    sl_frame *f = o.plan_path && ends_with(o.plan_path, ".sql")
                      ? sl_frame_from_sql(ctx, text, src_name)
                      : sl_frame_from_plan(ctx, text ? text : o.plan_text, src_name);
    free(text);
    if (!f) {
        rc = fail(ctx, sl_context_last_status(ctx));
        sl_context_destroy(ctx);
        return rc;
    }
    double t_plan = now_ms();
    /* A plan's write("file") step is the same as -o file; -o wins. */
    if (!o.output) o.output = sl_frame_output_path(f);
    if (o.output && !o.format_set)
        o.format = ends_with(o.output, ".json") ? SL_FORMAT_JSON
                   : ends_with(o.output, ".txt") ? SL_FORMAT_TABLE
                                                 : SL_FORMAT_CSV;
    if (cmd == SLI_CMD_EXPLAIN) {
        char *ex = NULL;
        sl_status s = sl_frame_explain(f, &ex);
        if (s)
            rc = fail(ctx, s);
        else
            fputs(ex, stdout);
        free(ex);
    } else if (o.output && ends_with(o.output, ".parquet")) {
        /* A Parquet output is written by the library straight from the
         * plan's result table, under a temporary name renamed into place. */
        sl_status s = sl_frame_write_parquet(f, o.output, &o.parquet);
        double t_run = now_ms();
        if (s) rc = fail(ctx, s);
        else if (o.timing)
            fprintf(stderr, "wrote %s; load %.1f ms, plan %.1f ms, run %.1f ms\n", o.output, t_load - t0,
                    t_plan - t_load, t_run - t_plan);
    } else {
        sl_result *r = NULL;
        sl_status s = sl_frame_collect(f, &r);
        double t_run = now_ms();
        if (s) {
            rc = fail(ctx, s);
        } else {
            rc = write_result(r, &o);
            if (o.timing)
                fprintf(stderr, "%zu row(s); load %.1f ms, plan %.1f ms, run %.1f ms\n",
                        sl_result_row_count(r), t_load - t0, t_plan - t_load, t_run - t_plan);
        }
        sl_result_destroy(r);
    }
    sl_frame_destroy(f);
    sl_context_destroy(ctx);
    return rc;
}
