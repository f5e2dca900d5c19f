/*
 * sql.c — `sluice sql`: run one SQL query given on the command line, every
 * query read from a pipe, or an interactive shell when standard input is a
 * terminal (prompt, statements over several lines ended by ';', dot
 * commands, an in-memory history; no line-editing library).
 *
 * The query goes through sl_frame_from_sql, so it builds the same plan its
 * DataFrame twin would, and runs like `sluice run q.sql` does.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli.h"
#include "sluice/sluice.h"

static const char *const SQL_HELP =
    "Usage: sluice sql \"SELECT ...\" [options]     run one query and print its rows\n"
    "       sluice sql [options] < queries.sql     run the query read from standard input\n"
    "       sluice sql [options]                   an interactive shell (on a terminal)\n"
    "\n"
    "Data:\n"
    "  -d, --data DIR         register every .csv, .tbl and .parquet file in DIR as a table\n"
    "                         named after the file\n"
    "  -t, --table NAME=PATH  register one CSV, .tbl or Parquet file as table NAME (repeatable)\n"
    "Output:\n"
    "  -f, --format FMT       table (default), csv or json\n"
    "  -o, --output FILE      write the result to FILE instead of standard output\n"
    "      --explain          print the logical, optimized and physical plans instead of rows\n"
    "      --threads N        worker threads (default: SL_THREADS, else one per core)\n"
    "\n"
    "Examples:\n"
    "  sluice sql \"SELECT id, result FROM exams WHERE result > 70 ORDER BY result\" \\\n"
    "      --data examples/data\n"
    "  sluice sql \"SELECT o_orderpriority, count(*) AS n FROM orders\n"
    "              WHERE o_orderdate >= DATE '1993-07-01'\n"
    "                AND o_orderdate < DATE '1993-07-01' + INTERVAL '3' MONTH\n"
    "              GROUP BY o_orderpriority ORDER BY o_orderpriority\" --data examples/data\n"
    "  sluice sql --data examples/data --format csv < examples/join.sql\n"
    "  sluice sql --table e=examples/data/exams.csv \"SELECT subject, avg(result) FROM e GROUP BY subject\"\n"
    "\n"
    "SQL: SELECT [DISTINCT] expressions [AS name] | * | t.*\n"
    "     FROM table [alias] | (SELECT ...) alias, joined by commas (with equalities in WHERE),\n"
    "          [INNER] JOIN ... ON a = b [AND ...], LEFT [OUTER] JOIN ... ON a = b\n"
    "     WHERE conditions: and or not, = <> < <= > >=, BETWEEN, IN (list), IS [NOT] NULL,\n"
    "          [NOT] EXISTS (SELECT ... correlated by equalities), x [NOT] IN (SELECT col ...)\n"
    "     GROUP BY expressions or output names; HAVING; ORDER BY ... [ASC|DESC] [NULLS FIRST|LAST];\n"
    "     LIMIT n. Expressions: + - * / %, CASE, CAST(x AS DECIMAL(15,2)), EXTRACT(YEAR FROM d),\n"
    "     DATE '1998-12-01', d + INTERVAL '3' MONTH; aggregates count(*), count, sum, min, max, avg.\n"
    "\n"
    "Shell commands: .tables  .schema NAME  .format table|csv|json  .history  .help  .quit\n"
    "Statements end with ';' and may span lines.\n"
    "\n"
    "Exit status: 0 ok, 1 query error, 2 usage error, 3 file error.\n";

const char *sli_cli_sql_help(void)
{
    return SQL_HELP;
}

typedef struct sql_opts {
    const char *query;
    const char *output;
    sl_format format;
    int explain;
} sql_opts;

static int usage(const char *fmt, const char *arg)
{
    fprintf(stderr, "sluice: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nTry 'sluice sql --help'.\n");
    return SLI_EXIT_USAGE;
}

static int exit_for(sl_status s)
{
    switch (s) {
    case SL_OK: return SLI_EXIT_OK;
    case SL_ERR_IO:
    case SL_ERR_CSV:
    case SL_ERR_PARQUET: return SLI_EXIT_IO;
    default: return SLI_EXIT_QUERY;
    }
}

static int report(sl_context *ctx, sl_status s)
{
    fprintf(stderr, "sluice: %s\n",
            sl_context_last_error(ctx)[0] ? sl_context_last_error(ctx) : sl_status_str(s));
    return exit_for(s);
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n > m && strcmp(s + n - m, suffix) == 0;
}

static int register_table(sl_context *ctx, const char *spec)
{
    const char *eq = strchr(spec, '=');
    if (!eq || eq == spec || !eq[1]) return usage("--table takes NAME=PATH, not '%s'", spec);
    size_t n = (size_t)(eq - spec);
    char *name = malloc(n + 1);
    if (!name) return SLI_EXIT_QUERY;
    memcpy(name, spec, n);
    name[n] = 0;
    const char *path = eq + 1;
    sl_status s;
    if (ends_with(path, ".parquet")) {
        s = sl_context_register_parquet(ctx, name, path);
    } else {
        sl_csv_options co = {0};
        if (ends_with(path, ".tbl")) {
            co.delimiter = '|';
            co.no_header = 1;
        }
        s = sl_context_register_csv(ctx, name, path, &co);
    }
    free(name);
    return s ? report(ctx, s) : SLI_EXIT_OK;
}

/* Prints the result to out, or to o->output through a temporary file. */
static int write_result(sl_result *r, const sql_opts *o, FILE *out)
{
    if (!o->output) {
        if (sl_result_print(r, o->format, out) || fflush(out) != 0) {
            fprintf(stderr, "sluice: cannot write the result\n");
            return SLI_EXIT_IO;
        }
        return SLI_EXIT_OK;
    }
    size_t n = strlen(o->output) + 8;
    char *tmp = malloc(n);
    if (!tmp) return SLI_EXIT_IO;
    snprintf(tmp, n, "%s.part", o->output);
    FILE *f = fopen(tmp, "wb");
    int rc = SLI_EXIT_OK;
    if (!f) {
        rc = SLI_EXIT_IO;
    } else {
        sl_status s = sl_result_print(r, o->format, f);
        if ((fclose(f) != 0) | (s != SL_OK) || rename(tmp, o->output) != 0) {
            remove(tmp);
            rc = SLI_EXIT_IO;
        }
    }
    if (rc) fprintf(stderr, "sluice: cannot write '%s': %s\n", o->output, strerror(errno));
    free(tmp);
    return rc;
}

/* Plans and runs one query. @return an exit code. */
static int run_query(sl_context *ctx, const char *text, const char *src_name, const sql_opts *o, FILE *out)
{
    sl_frame *f = sl_frame_from_sql(ctx, text, src_name);
    if (!f) return report(ctx, sl_context_last_status(ctx));
    int rc = SLI_EXIT_OK;
    if (o->explain) {
        char *ex = NULL;
        sl_status s = sl_frame_explain(f, &ex);
        if (s)
            rc = report(ctx, s);
        else
            fputs(ex, out);
        free(ex);
    } else {
        sl_result *r = NULL;
        sl_status s = sl_frame_collect(f, &r);
        rc = s ? report(ctx, s) : write_result(r, o, out);
        sl_result_destroy(r);
    }
    sl_frame_destroy(f);
    return rc;
}

/* Reads all of a stream. @return malloc'd text, or NULL. */
static char *read_stream(FILE *in)
{
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    while (buf) {
        size_t got = fread(buf + len, 1, cap - len - 1, in);
        len += got;
        if (got == 0) break;
        if (len + 1 == cap) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                return NULL;
            }
            buf = nb;
            cap *= 2;
        }
    }
    if (!buf || ferror(in)) {
        free(buf);
        return NULL;
    }
    buf[len] = 0;
    return buf;
}

/* ---- the shell ----------------------------------------------------------- */

/* @return the index of the first ';' outside strings, quoted names and
 * comments in s, or -1. */
static long statement_end(const char *s)
{
    for (size_t i = 0; s[i]; i++) {
        char c = s[i];
        if (c == '\'' || c == '"') {
            for (i++;; i++) {
                if (!s[i]) return -1;
                if (s[i] != c) continue;
                if (s[i + 1] != c) break;
                i++; /* a doubled quote stands for one */
            }
        } else if ((c == '-' && s[i + 1] == '-') || c == '#') {
            while (s[i + 1] && s[i + 1] != '\n') i++;
        } else if (c == ';') {
            return (long)i;
        }
    }
    return -1;
}

static bool blank(const char *s)
{
    for (; *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r') return false;
    return true;
}

static void print_tables(sl_context *ctx)
{
    size_t n = sl_context_table_count(ctx);
    if (n == 0) printf("no tables; start the shell with --data DIR or --table NAME=PATH\n");
    for (size_t i = 0; i < n; i++) printf("%s\n", sl_context_table_name(ctx, i));
}

static void print_schema(sl_context *ctx, const char *name)
{
    sl_frame *f = sl_frame_table(ctx, name);
    if (!f) {
        fprintf(stderr, "sluice: %s\n", sl_context_last_error(ctx));
        return;
    }
    printf("%s\n", name);
    for (size_t c = 0; c < sl_frame_column_count(f); c++) {
        char tn[32];
        printf("  %-24s %s\n", sl_frame_column_name(f, c),
               sl_type_name(sl_frame_column_type(f, c), tn, sizeof tn));
    }
    sl_frame_destroy(f);
}

typedef struct history {
    char **items;
    size_t n;
} history;

static void history_add(history *h, const char *s)
{
    char **ni = realloc(h->items, (h->n + 1) * sizeof *ni);
    if (!ni) return;
    h->items = ni;
    if ((h->items[h->n] = strdup(s))) h->n++;
}

/* Runs a dot command. @return false for .quit. */
static bool dot_command(sl_context *ctx, char *line, sql_opts *o, const history *h)
{
    char *cmd = strtok(line, " \t\r\n");
    char *arg = strtok(NULL, " \t\r\n");
    if (!strcmp(cmd, ".quit") || !strcmp(cmd, ".exit")) return false;
    if (!strcmp(cmd, ".tables")) {
        print_tables(ctx);
    } else if (!strcmp(cmd, ".schema")) {
        if (arg)
            print_schema(ctx, arg);
        else
            for (size_t i = 0; i < sl_context_table_count(ctx); i++)
                print_schema(ctx, sl_context_table_name(ctx, i));
    } else if (!strcmp(cmd, ".format") && arg) {
        if (!strcmp(arg, "table"))
            o->format = SL_FORMAT_TABLE;
        else if (!strcmp(arg, "csv"))
            o->format = SL_FORMAT_CSV;
        else if (!strcmp(arg, "json"))
            o->format = SL_FORMAT_JSON;
        else
            fprintf(stderr, "sluice: unknown format '%s'; formats: table, csv, json\n", arg);
    } else if (!strcmp(cmd, ".history")) {
        for (size_t i = 0; i < h->n; i++) printf("%4zu  %s\n", i + 1, h->items[i]);
    } else if (!strcmp(cmd, ".help")) {
        printf(".tables         list the tables\n"
               ".schema [NAME]  show the columns of a table (all tables without NAME)\n"
               ".format FMT     print results as table, csv or json\n"
               ".history        show the statements run so far\n"
               ".quit           leave the shell (also .exit or end of input)\n"
               "Anything else is SQL, run when a line ends the statement with ';'.\n");
    } else {
        fprintf(stderr, "sluice: unknown command '%s'; try .help\n", cmd);
    }
    return true;
}

static int shell(sl_context *ctx, sql_opts *o)
{
    printf("sluice %d.%d.%d SQL shell: end statements with ';', .help for commands, .quit to leave\n",
           SLUICE_VERSION_MAJOR, SLUICE_VERSION_MINOR, SLUICE_VERSION_PATCH);
    history h = {0};
    char *buf = NULL, *line = NULL;
    size_t len = 0, lcap = 0;
    bool go = true;
    while (go) {
        fputs(len ? "   ...> " : "sluice> ", stdout);
        fflush(stdout);
        ssize_t got = getline(&line, &lcap, stdin);
        if (got < 0) break;
        if (len == 0 && line[0] == '.') {
            go = dot_command(ctx, line, o, &h);
            continue;
        }
        char *nb = realloc(buf, len + (size_t)got + 1);
        if (!nb) break;
        buf = nb;
        memcpy(buf + len, line, (size_t)got + 1);
        len += (size_t)got;
        long end;
        while (buf && (end = statement_end(buf)) >= 0) {
            buf[end] = 0;
            if (!blank(buf)) {
                const char *stmt = buf;
                while (*stmt == ' ' || *stmt == '\t' || *stmt == '\n' || *stmt == '\r') stmt++;
                history_add(&h, stmt);
                run_query(ctx, buf, "sql", o, stdout);
            }
            size_t rest = len - (size_t)end - 1;
            memmove(buf, buf + end + 1, rest + 1);
            len = rest;
            if (blank(buf)) {
                len = 0;
                buf[0] = 0;
            }
        }
    }
    if (go) putchar('\n');
    free(line);
    free(buf);
    for (size_t i = 0; i < h.n; i++) free(h.items[i]);
    free(h.items);
    return SLI_EXIT_OK;
}

int sli_cli_sql(int argc, char **argv)
{
    sql_opts o = {0};
    sl_context *ctx = NULL;
    if (sl_context_create(&ctx)) {
        fprintf(stderr, "sluice: out of memory\n");
        return SLI_EXIT_QUERY;
    }
    const char **tables = calloc((size_t)argc + 1, sizeof *tables);
    const char **dirs = calloc((size_t)argc + 1, sizeof *dirs);
    size_t ntables = 0, ndirs = 0;
    int rc = tables && dirs ? SLI_EXIT_OK : SLI_EXIT_QUERY;
    for (int i = 1; i < argc && rc == SLI_EXIT_OK; i++) {
        const char *a = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        bool takes = !strcmp(a, "-t") || !strcmp(a, "--table") || !strcmp(a, "-d") || !strcmp(a, "--data") ||
                     !strcmp(a, "-f") || !strcmp(a, "--format") || !strcmp(a, "-o") ||
                     !strcmp(a, "--output") || !strcmp(a, "--threads");
        if (takes && !val) {
            rc = usage("option %s needs a value", a);
            break;
        }
        if (takes) i++;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(SQL_HELP, stdout);
            free(tables);
            free(dirs);
            sl_context_destroy(ctx);
            return SLI_EXIT_OK;
        } else if (!strcmp(a, "-t") || !strcmp(a, "--table")) {
            tables[ntables++] = val;
        } else if (!strcmp(a, "-d") || !strcmp(a, "--data")) {
            dirs[ndirs++] = val;
        } else if (!strcmp(a, "-f") || !strcmp(a, "--format")) {
            if (!strcmp(val, "table"))
                o.format = SL_FORMAT_TABLE;
            else if (!strcmp(val, "csv"))
                o.format = SL_FORMAT_CSV;
            else if (!strcmp(val, "json"))
                o.format = SL_FORMAT_JSON;
            else
                rc = usage("unknown format '%s'; formats: table, csv, json", val);
        } else if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
            o.output = val;
        } else if (!strcmp(a, "--threads")) {
            char *end = NULL;
            long n = strtol(val, &end, 10);
            if (!end || *end || n < 1 || n > 1024)
                rc = usage("--threads takes a number of workers from 1 to 1024, not '%s'", val);
            else
                sl_context_set_threads(ctx, (size_t)n);
        } else if (!strcmp(a, "--explain")) {
            o.explain = 1;
        } else if (a[0] == '-' && a[1] != 0) {
            rc = usage("unknown option '%s'", a);
        } else if (!o.query) {
            o.query = a;
        } else {
            rc = usage("unexpected argument '%s' (put the whole query in one quoted argument)", a);
        }
    }
    for (size_t i = 0; i < ndirs && rc == SLI_EXIT_OK; i++) {
        sl_status s = sl_context_register_dir(ctx, dirs[i]);
        if (s) rc = report(ctx, s);
    }
    for (size_t i = 0; i < ntables && rc == SLI_EXIT_OK; i++) rc = register_table(ctx, tables[i]);
    free(tables);
    free(dirs);
    if (rc == SLI_EXIT_OK) {
        if (o.query) {
            rc = run_query(ctx, o.query, "sql", &o, stdout);
        } else if (isatty(fileno(stdin))) {
            rc = shell(ctx, &o);
        } else {
            char *text = read_stream(stdin);
            if (!text) {
                fprintf(stderr, "sluice: cannot read the query from standard input\n");
                rc = SLI_EXIT_IO;
            } else if (blank(text)) {
                rc = usage("%s", "no query: give one as an argument or on standard input");
            } else {
                rc = run_query(ctx, text, "<stdin>", &o, stdout);
            }
            free(text);
        }
    }
    sl_context_destroy(ctx);
    return rc;
}
