/*
 * gen.c — `sluice gen tpch|ssb`: generates TPC-H or Star Schema Benchmark
 * data into a directory, one file per table (io/gen.h does the work).
 *
 * Exit codes: 0 success; 1 generation failed (out of memory, a format this
 * build cannot write); 2 bad usage (unknown benchmark, format or table, a
 * scale factor that is not a number >= 0.01); 3 the output directory or a
 * file in it cannot be written. Progress goes to stderr only when stderr is
 * a terminal.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "io/gen.h"
#include "runtime/context.h"
#include "sluice/sluice.h"

static const char *const GEN_HELP =
    "Usage: sluice gen tpch|ssb --sf X --out DIR [options]\n"
    "\n"
    "Generates the tables of a benchmark at scale factor X into DIR (created if\n"
    "missing), one file per table named <table>.<format>. Each file is written\n"
    "under a temporary name and renamed, so it is complete or absent.\n"
    "\n"
    "Benchmarks:\n"
    "  tpch   TPC-H (spec v3): region, nation, supplier, customer, part, partsupp,\n"
    "         orders, lineitem. SF 1 is about 1 GB of text: lineitem ~6,000,000 rows,\n"
    "         orders 1,500,000, partsupp 800,000, part 200,000, customer 150,000,\n"
    "         supplier 10,000. Money is decimal(15,2), dates are date, keys int64.\n"
    "  ssb    Star Schema Benchmark: date, customer, supplier, part, lineorder.\n"
    "         lineorder ~SF x 6,000,000 rows; money in whole cents (int64); order\n"
    "         and commit dates are yyyymmdd keys into date.d_datekey.\n"
    "\n"
    "Options:\n"
    "      --sf X           scale factor: a number >= 0.01 (e.g. 0.01, 0.1, 1, 10)\n"
    "  -o, --out DIR        output directory\n"
    "  -f, --format FMT     parquet (default), csv (with a header row) or tbl\n"
    "                       (dbgen's layout: '|' after every field, no header)\n"
    "      --seed N         random seed (default 1); the data depend only on the\n"
    "                       scale factor and the seed, not on the thread count\n"
    "      --threads N      worker threads (default: SL_THREADS, else one per core)\n"
    "      --tables A,B     generate only these tables\n"
    "      --chunk-rows N   rows per unit of parallel work, 1 to 1048576 (default\n"
    "                       65536); the data do not depend on it\n"
    "\n"
    "Notes:\n"
    "  Parquet and CSV files keep the column names and types for 'sluice run --data';\n"
    "  .tbl files have neither (their columns read as c0, c1, ...), as dbgen's.\n"
    "  Parquet builds each whole table in memory first; csv and tbl are written\n"
    "  as they are generated, so they need little memory at any scale factor.\n"
    "  Progress is shown on standard error when it is a terminal.\n"
    "\n"
    "Examples:\n"
    "  sluice gen tpch --sf 1 --out tpch1 --format tbl\n"
    "  sluice gen tpch --sf 0.1 --out tpch --format csv --tables orders,lineitem\n"
    "  sluice gen ssb --sf 1 --out ssb1\n"
    "  sluice gen tpch --sf 0.01 --out t --format csv && \\\n"
    "    sluice run -e 'table(\"lineitem\").groupBy(l_returnflag).agg(count(*) as n)' --data t\n"
    "\n"
    "Exit status: 0 ok, 1 generation failed, 2 usage error, 3 cannot write DIR.\n";

const char *sli_cli_gen_help(void)
{
    return GEN_HELP;
}

static int usage(const char *fmt, const char *arg)
{
    fprintf(stderr, "sluice gen: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nTry 'sluice help gen'.\n");
    return SLI_EXIT_USAGE;
}

/* ---- progress ------------------------------------------------------------- */

enum { GEN_MAX_TABLES = 16 };

typedef struct gen_cli {
    const char *dir;
    sli_gen_bench bench;
    sli_gen_format fmt;
    const char *ext;
    bool tty;
    int last_pct;
    const char *last_what;
    size_t nfiles;
    sli_gen_file *files[GEN_MAX_TABLES]; /* open while their table's pieces arrive */
    size_t rows[GEN_MAX_TABLES];
} gen_cli;

static const char *table_name(sli_gen_bench b, long k)
{
    const char *const *names;
    sli_gen_table_names(b, &names);
    return names[k];
}

static void progress(void *arg, const char *what, size_t done, size_t total)
{
    gen_cli *c = arg;
    if (!c->tty || total == 0) return;
    int pct = (int)(done * 100 / total);
    if (pct == c->last_pct && what == c->last_what) return;
    c->last_pct = pct;
    c->last_what = what;
    char bar[31];
    int fill = pct * 30 / 100;
    for (int i = 0; i < 30; i++) bar[i] = i < fill ? '#' : '.';
    bar[30] = 0;
    fprintf(stderr, "\r  generating %-10s [%s] %3d%%", what, bar, pct);
    fflush(stderr);
}

static sl_status sink(sl_context *ctx, const sli_team *team, sli_table *piece, bool first, bool last,
                      void *arg)
{
    gen_cli *c = arg;
    long k = sli_gen_table_index(c->bench, piece->name);
    if (k < 0 || k >= GEN_MAX_TABLES) {
        sli_table_free(piece);
        return sli_error(ctx, SL_ERR_INTERNAL, "gen: unexpected table '%s'", piece->name);
    }
    if (first) {
        size_t n = strlen(c->dir) + strlen(piece->name) + 16;
        char *path = malloc(n);
        if (!path) {
            sli_table_free(piece);
            return sli_nomem(ctx, "gen");
        }
        snprintf(path, n, "%s/%s.%s", c->dir, piece->name, c->ext);
        sl_status s = sli_gen_file_open(ctx, path, c->fmt, &c->files[k]);
        free(path);
        c->rows[k] = 0;
        if (s) {
            sli_table_free(piece);
            return s;
        }
    }
    c->rows[k] += piece->rows;
    sl_status s = sli_gen_file_append(ctx, c->files[k], team, piece);
    if (!s && last) {
        if (c->tty && c->fmt == SLI_GEN_PARQUET) {
            fprintf(stderr, "\r  writing    %-10s %-40s", table_name(c->bench, k), "");
            fflush(stderr);
        }
        s = sli_gen_file_close(ctx, c->files[k], true);
        c->files[k] = NULL;
        if (c->tty && !s)
            fprintf(stderr, "\r  wrote %s/%s.%s (%zu rows)%-30s\n", c->dir, table_name(c->bench, k), c->ext,
                    c->rows[k], "");
        c->last_what = NULL;
        c->nfiles += !s;
    }
    return s;
}

/* ---- arguments ------------------------------------------------------------- */

/* Creates dir and its missing parents. @return 0 or -1 (errno set). */
static int make_dirs(const char *dir)
{
    char *p = strdup(dir);
    if (!p) return -1;
    for (char *q = p + 1; *q; q++) {
        if (*q != '/') continue;
        *q = 0;
        if (mkdir(p, 0777) != 0 && errno != EEXIST) {
            free(p);
            return -1;
        }
        *q = '/';
    }
    int r = mkdir(p, 0777);
    free(p);
    if (r != 0 && errno != EEXIST) return -1;
    struct stat st;
    if (stat(dir, &st) != 0) return -1;
    if (!S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        return -1;
    }
    return 0;
}

static bool parse_uint(const char *s, unsigned long long max, unsigned long long *out)
{
    if (!s || !*s || *s == '-' || *s == '+') return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v > max) return false;
    *out = v;
    return true;
}

/* Marks the tables of a comma list in want. @return 0, or SLI_EXIT_USAGE after a message. */
static int parse_tables(sli_gen_bench b, const char *list, bool *want)
{
    const char *const *names;
    size_t n = sli_gen_table_names(b, &names);
    for (size_t i = 0; i < n; i++) want[i] = false;
    char *copy = strdup(list);
    if (!copy) return usage("%s", "out of memory");
    int rc = 0;
    char *save = NULL;
    size_t count = 0;
    for (char *tok = strtok_r(copy, ",", &save); tok && !rc; tok = strtok_r(NULL, ",", &save)) {
        while (*tok == ' ') tok++;
        long k = sli_gen_table_index(b, tok);
        if (k < 0) {
            char sugg[256] = "";
            sli_suggest(tok, names, n, sugg, sizeof sugg);
            fprintf(stderr, "sluice gen: unknown table '%s' for %s; %s\nTry 'sluice help gen'.\n", tok,
                    b == SLI_GEN_TPCH ? "tpch" : "ssb", sugg);
            rc = SLI_EXIT_USAGE;
        } else {
            want[k] = true;
            count++;
        }
    }
    free(copy);
    if (!rc && count == 0) return usage("%s", "--tables needs at least one table name");
    return rc;
}

int sli_cli_gen(int argc, char **argv)
{
    const char *bench = NULL, *sf_s = NULL, *out = NULL, *fmt_s = "parquet", *tables = NULL;
    unsigned long long seed = 1, threads = 0, chunk = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(GEN_HELP, stdout);
            return SLI_EXIT_OK;
        }
        if (a[0] != '-') {
            if (bench) return usage("unexpected argument '%s'", a);
            bench = a;
            continue;
        }
        bool takes = strcmp(a, "--sf") == 0 || strcmp(a, "-o") == 0 || strcmp(a, "--out") == 0 ||
                     strcmp(a, "-f") == 0 || strcmp(a, "--format") == 0 || strcmp(a, "--seed") == 0 ||
                     strcmp(a, "--threads") == 0 || strcmp(a, "--tables") == 0 ||
                     strcmp(a, "--chunk-rows") == 0;
        if (!takes) return usage("unknown option '%s'", a);
        if (!v) return usage("option '%s' needs a value", a);
        i++;
        if (strcmp(a, "--sf") == 0)
            sf_s = v;
        else if (strcmp(a, "-o") == 0 || strcmp(a, "--out") == 0)
            out = v;
        else if (strcmp(a, "-f") == 0 || strcmp(a, "--format") == 0)
            fmt_s = v;
        else if (strcmp(a, "--tables") == 0)
            tables = v;
        else if (strcmp(a, "--seed") == 0) {
            if (!parse_uint(v, ULLONG_MAX, &seed))
                return usage("--seed must be a non-negative integer, not '%s'", v);
        } else if (strcmp(a, "--threads") == 0) {
            if (!parse_uint(v, SLI_MAX_WORKERS, &threads) || threads == 0)
                return usage("--threads must be an integer from 1 to 1024, not '%s'", v);
        } else {
            if (!parse_uint(v, SLI_GEN_MAX_CHUNK_ROWS, &chunk) || chunk == 0)
                return usage("--chunk-rows must be an integer from 1 to 1048576, not '%s'", v);
        }
    }
    if (!bench) return usage("%s", "gen needs a benchmark: tpch or ssb");
    gen_cli c;
    memset(&c, 0, sizeof c);
    c.last_pct = -1;
    if (strcmp(bench, "tpch") == 0)
        c.bench = SLI_GEN_TPCH;
    else if (strcmp(bench, "ssb") == 0)
        c.bench = SLI_GEN_SSB;
    else
        return usage("unknown benchmark '%s'; expected tpch or ssb", bench);
    if (!sf_s) return usage("%s", "gen needs a scale factor: --sf X (e.g. --sf 1)");
    char *end;
    errno = 0;
    double sf = strtod(sf_s, &end);
    if (errno || *end || end == sf_s || !isfinite(sf) || sf <= 0)
        return usage("--sf must be a number greater than 0, not '%s'", sf_s);
    if (sf < SLI_GEN_MIN_SF - 1e-12)
        return usage("--sf %s is too small: the smallest scale factor is 0.01", sf_s);
    if (sf * 1500000.0 > 2147483647.0)
        return usage("--sf %s is too large: the largest scale factor is 1431", sf_s);
    if (!out) return usage("%s", "gen needs an output directory: --out DIR");
    if (strcmp(fmt_s, "parquet") == 0) {
        c.fmt = SLI_GEN_PARQUET;
        c.ext = "parquet";
    } else if (strcmp(fmt_s, "csv") == 0) {
        c.fmt = SLI_GEN_CSV;
        c.ext = "csv";
    } else if (strcmp(fmt_s, "tbl") == 0) {
        c.fmt = SLI_GEN_TBL;
        c.ext = "tbl";
    } else {
        return usage("unknown format '%s'; expected parquet, csv or tbl", fmt_s);
    }
    bool want[GEN_MAX_TABLES];
    bool *wantp = NULL;
    if (tables) {
        int rc = parse_tables(c.bench, tables, want);
        if (rc) return rc;
        wantp = want;
    }
    if (make_dirs(out) != 0 || access(out, W_OK | X_OK) != 0) {
        fprintf(stderr, "sluice gen: cannot create or write output directory '%s': %s\n", out,
                strerror(errno));
        return SLI_EXIT_IO;
    }
    c.dir = out;
    c.tty = isatty(STDERR_FILENO) == 1;

    sl_context *ctx = NULL;
    if (sl_context_create(&ctx) != SL_OK) {
        fprintf(stderr, "sluice gen: out of memory\n");
        return SLI_EXIT_QUERY;
    }
    sli_gen_options o;
    memset(&o, 0, sizeof o);
    o.bench = c.bench;
    o.sf = sf;
    o.seed = seed;
    o.threads = (size_t)threads;
    o.chunk_rows = (size_t)chunk;
    /* Text is written as it is generated, a few chunks per worker at a time;
     * Parquet needs whole tables. */
    size_t nw = threads ? (size_t)threads : sli_workers_default(sli_context_topology(ctx));
    o.piece_chunks = c.fmt == SLI_GEN_PARQUET ? 0 : 2 * nw;
    o.progress = progress;
    o.progress_arg = &c;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    sl_status s = sli_gen_run(ctx, &o, wantp, sink, &c);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    for (size_t k = 0; k < GEN_MAX_TABLES; k++)
        sli_gen_file_close(ctx, c.files[k], false); /* after a failure */
    int rc = SLI_EXIT_OK;
    if (s) {
        if (c.tty) fputc('\n', stderr);
        const char *msg = sl_context_last_error(ctx);
        fprintf(stderr, "sluice gen: %s\n", msg && msg[0] ? msg : sl_status_str(s));
        rc = s == SL_ERR_IO ? SLI_EXIT_IO : s == SL_ERR_INVALID_ARG ? SLI_EXIT_USAGE : SLI_EXIT_QUERY;
    } else if (c.tty) {
        double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
        fprintf(stderr, "  %zu file(s) in %s, %.1f s\n", c.nfiles, out, secs);
    }
    sl_context_destroy(ctx);
    return rc;
}
