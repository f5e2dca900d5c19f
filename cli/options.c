/*
 * options.c — the options, data registration, result writing and error
 * reporting shared by `sluice run`/`explain`/`tables` and `sluice sql`
 * (see options.h).
 */
#include "options.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "runtime/context.h"
#include "runtime/memory.h"
#include "runtime/workers.h"

bool sli_cli_ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n > m && strcmp(s + n - m, suffix) == 0;
}

void sli_cli_print_warnings(sl_context *ctx)
{
    const char *w = sl_context_last_warnings(ctx);
    while (*w) {
        const char *nl = strchr(w, '\n');
        int n = nl ? (int)(nl - w) : (int)strlen(w);
        fprintf(stderr, "sluice: warning: %.*s\n", n, w);
        w += n + (nl != NULL);
    }
}

int sli_cli_usage(const sli_cli_opts *o, const char *fmt, const char *arg)
{
    fprintf(stderr, "sluice: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n%s\n", o->try_line);
    return SLI_EXIT_USAGE;
}

int sli_cli_exit_for(const sli_cli_opts *o, sl_status s)
{
    switch (s) {
    case SL_OK: return SLI_EXIT_OK;
    case SL_ERR_IO:
    case SL_ERR_CSV:
    case SL_ERR_PARQUET: return SLI_EXIT_IO;
    case SL_ERR_INVALID_ARG: return o->invalid_arg_is_usage ? SLI_EXIT_USAGE : SLI_EXIT_QUERY;
    default: return SLI_EXIT_QUERY;
    }
}

int sli_cli_fail(const sli_cli_opts *o, sl_context *ctx, sl_status s)
{
    fprintf(stderr, "sluice: %s\n",
            sl_context_last_error(ctx)[0] ? sl_context_last_error(ctx) : sl_status_str(s));
    return sli_cli_exit_for(o, s);
}

void sli_cli_opts_free(sli_cli_opts *o)
{
    free(o->tables);
    free(o->dirs);
    o->tables = o->dirs = NULL;
    o->ntables = o->ndirs = 0;
}

/* @return the format named by val, or -1. */
static int parse_format(const char *val)
{
    if (!strcmp(val, "table")) return SL_FORMAT_TABLE;
    if (!strcmp(val, "csv")) return SL_FORMAT_CSV;
    if (!strcmp(val, "json")) return SL_FORMAT_JSON;
    return -1;
}

/* @return the Parquet codec named by val, or -1. */
static int parse_codec(const char *val)
{
    if (!strcmp(val, "snappy")) return SL_PARQUET_SNAPPY;
    if (!strcmp(val, "zstd")) return SL_PARQUET_ZSTD;
    if (!strcmp(val, "gzip")) return SL_PARQUET_GZIP;
    if (!strcmp(val, "none")) return SL_PARQUET_NONE;
    return -1;
}

/* @return true when a is one of the names of option `opt` (short may be NULL). */
static bool is(const char *a, const char *short_name, const char *long_name)
{
    return (short_name && !strcmp(a, short_name)) || !strcmp(a, long_name);
}

/* Takes argv[*i] when it is a shared option that o->accept takes.
 * @return SLI_CLI_UNKNOWN (nothing done), SLI_EXIT_OK or SLI_EXIT_USAGE. */
static int parse_shared(sli_cli_opts *o, sl_context *ctx, int argc, char **argv, int *i)
{
    const char *a = argv[*i];
    bool csv = o->accept & SLI_OPT_CSV, mem = o->accept & SLI_OPT_MEMORY, pq = o->accept & SLI_OPT_PARQUET;
    if (csv && !strcmp(a, "--no-header")) {
        o->no_header = 1;
        return SLI_EXIT_OK;
    }
    if (mem && !strcmp(a, "--strict")) {
        o->strict = true;
        return SLI_EXIT_OK;
    }
    bool takes = is(a, "-t", "--table") || is(a, "-d", "--data") || is(a, "-f", "--format") ||
                 is(a, "-o", "--output") || !strcmp(a, "--threads") ||
                 (csv && (!strcmp(a, "--delimiter") || !strcmp(a, "--schema"))) ||
                 (mem && (!strcmp(a, "--numa") || !strcmp(a, "--memory-limit") || !strcmp(a, "--device"))) ||
                 (pq && (!strcmp(a, "--compression") || !strcmp(a, "--row-group-rows")));
    if (!takes) return SLI_CLI_UNKNOWN;
    if (*i + 1 >= argc) return sli_cli_usage(o, "option %s needs a value", a);
    const char *val = argv[++*i];
    if (is(a, "-t", "--table")) {
        o->tables[o->ntables++] = val;
    } else if (is(a, "-d", "--data")) {
        o->dirs[o->ndirs++] = val;
    } else if (is(a, "-f", "--format")) {
        int f = parse_format(val);
        o->format_set = 1;
        if (f < 0) return sli_cli_usage(o, "unknown format '%s'; formats: table, csv, json", val);
        o->format = (sl_format)f;
    } else if (is(a, "-o", "--output")) {
        o->output = val;
    } else if (!strcmp(a, "--threads")) {
        char *end = NULL;
        long n = strtol(val, &end, 10);
        if (!end || *end || n < 1 || n > SLI_MAX_WORKERS)
            return sli_cli_usage(o, "--threads takes a number of workers from 1 to 1024, not '%s'", val);
        sl_context_set_threads(ctx, (size_t)n);
    } else if (!strcmp(a, "--delimiter")) {
        if (strlen(val) != 1) return sli_cli_usage(o, "--delimiter takes one character, not '%s'", val);
        o->delimiter = val[0];
    } else if (!strcmp(a, "--schema")) {
        o->schema = val;
    } else if (!strcmp(a, "--numa")) {
        if (strcmp(val, "on") && strcmp(val, "off"))
            return sli_cli_usage(o, "--numa takes on or off, not '%s'", val);
        sl_context_set_numa(ctx, !strcmp(val, "on"));
    } else if (!strcmp(a, "--memory-limit")) {
        uint64_t bytes = 0;
        if (!sli_mem_parse_size(val, &bytes))
            return sli_cli_usage(o, "--memory-limit takes a size such as 512M or 2G, not '%s'", val);
        sl_context_set_memory_limit(ctx, bytes);
    } else if (!strcmp(a, "--device")) {
        o->device = !strcmp(val, "cpu") ? SL_DEVICE_CPU : !strcmp(val, "opencl") ? SL_DEVICE_OPENCL
                    : !strcmp(val, "auto")                                      ? SL_DEVICE_AUTO
                                                                                : -1;
        if (o->device < 0) return sli_cli_usage(o, "--device takes cpu, opencl or auto, not '%s'", val);
    } else if (!strcmp(a, "--compression")) {
        int c = parse_codec(val);
        if (c < 0)
            return sli_cli_usage(o, "unknown compression '%s'; choose snappy, zstd, gzip or none", val);
        o->parquet.codec = (sl_parquet_codec)c;
    } else { /* --row-group-rows */
        char *end = NULL;
        long long n = strtoll(val, &end, 10);
        if (!end || *end || n < 1 || n > (1LL << 31))
            return sli_cli_usage(o, "--row-group-rows takes a number of rows from 1 to 2^31, not '%s'", val);
        o->parquet.row_group_rows = (size_t)n;
    }
    return SLI_EXIT_OK;
}

int sli_cli_parse(sli_cli_opts *o, int argc, char **argv, sl_context **ctx, sli_cli_arg_fn own, void *cmd)
{
    if (sl_context_create(ctx)) {
        *ctx = NULL;
        fprintf(stderr, "sluice: out of memory\n");
        return SLI_EXIT_QUERY;
    }
    o->tables = calloc((size_t)argc + 1, sizeof *o->tables);
    o->dirs = calloc((size_t)argc + 1, sizeof *o->dirs);
    int rc = o->tables && o->dirs ? SLI_EXIT_OK : SLI_EXIT_QUERY;
    bool help = false;
    o->device = -1;
    for (int i = 1; i < argc && rc == SLI_EXIT_OK && !help; i++) {
        const char *a = argv[i];
        help = !strcmp(a, "-h") || !strcmp(a, "--help");
        if (help) fputs(o->help, stdout);
        if (!help) rc = parse_shared(o, *ctx, argc, argv, &i);
        if (rc == SLI_CLI_UNKNOWN) rc = own(cmd, o, argc, argv, &i);
        if (rc == SLI_CLI_UNKNOWN) rc = sli_cli_usage(o, "unknown option '%s'", a);
    }
    if (rc == SLI_EXIT_OK && !help && o->strict && o->device != SL_DEVICE_OPENCL &&
        !(o->device < 0 && sli_context_device(*ctx) == SL_DEVICE_OPENCL))
        rc = sli_cli_usage(o, "--strict needs --device opencl (or SL_DEVICE=opencl)%s", "");
    if (rc == SLI_EXIT_OK && !help && (o->device >= 0 || o->strict))
        sl_context_set_device(*ctx, o->device >= 0 ? (sl_device_mode)o->device : SL_DEVICE_OPENCL, o->strict);
    if (rc != SLI_EXIT_OK || help) {
        sli_cli_opts_free(o);
        sl_context_destroy(*ctx);
        *ctx = NULL;
    }
    return rc;
}

/* Registers one NAME=PATH spec. @return an exit code. */
static int register_table(const sli_cli_opts *o, sl_context *ctx, const char *spec)
{
    const char *eq = strchr(spec, '=');
    if (!eq || eq == spec || !eq[1]) return sli_cli_usage(o, "--table takes NAME=PATH, not '%s'", spec);
    size_t n = (size_t)(eq - spec);
    char *name = malloc(n + 1);
    if (!name) return SLI_EXIT_QUERY;
    memcpy(name, spec, n);
    name[n] = 0;
    const char *path = eq + 1;
    sl_status s;
    if (sli_cli_ends_with(path, ".parquet")) {
        s = sl_context_register_parquet(ctx, name, path);
    } else {
        sl_csv_options co = {0};
        int tbl = sli_cli_ends_with(path, ".tbl");
        co.delimiter = o->delimiter ? o->delimiter : tbl ? '|' : ',';
        co.no_header = o->no_header || tbl;
        co.schema = o->schema;
        s = sl_context_register_csv(ctx, name, path, &co);
    }
    free(name);
    return s ? sli_cli_fail(o, ctx, s) : SLI_EXIT_OK;
}

int sli_cli_register(const sli_cli_opts *o, sl_context *ctx)
{
    int rc = SLI_EXIT_OK;
    for (size_t i = 0; i < o->ndirs && rc == SLI_EXIT_OK; i++) {
        sl_status s = sl_context_register_dir(ctx, o->dirs[i]);
        if (s) rc = sli_cli_fail(o, ctx, s);
    }
    for (size_t i = 0; i < o->ntables && rc == SLI_EXIT_OK; i++) rc = register_table(o, ctx, o->tables[i]);
    return rc;
}

int sli_cli_write_result(const sli_cli_opts *o, sl_result *r, FILE *out)
{
    if (!o->output) {
        sl_status s = sl_result_print(r, o->format, out);
        if (s || fflush(out) != 0) {
            fprintf(stderr, "sluice: %s\n", o->stdout_error);
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

char *sli_cli_read_all(const char *path)
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
