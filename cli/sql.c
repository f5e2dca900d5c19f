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

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli.h"
#include "options.h"
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
    "SQL: [WITH name AS (SELECT ...) [, ...]] SELECT [DISTINCT] expressions [AS name] | * | t.*\n"
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
    sli_cli_opts c; /* data, --threads and output (options.h) */
    const char *query;
    int explain;
} sql_opts;

/* Plans and runs one query. @return an exit code. */
static int run_query(sl_context *ctx, const char *text, const char *src_name, const sql_opts *o, FILE *out)
{
    sl_frame *f = sl_frame_from_sql(ctx, text, src_name);
    if (!f) return sli_cli_fail(&o->c, ctx, sl_context_last_status(ctx));
    int rc = SLI_EXIT_OK;
    if (o->explain) {
        char *ex = NULL;
        sl_status s = sl_frame_explain(f, &ex);
        if (s)
            rc = sli_cli_fail(&o->c, ctx, s);
        else
            fputs(ex, out);
        free(ex);
    } else {
        sl_result *r = NULL;
        sl_status s = sl_frame_collect(f, &r);
        rc = s ? sli_cli_fail(&o->c, ctx, s) : sli_cli_write_result(&o->c, r, out);
        sl_result_destroy(r);
    }
    sl_frame_destroy(f);
    return rc;
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
            o->c.format = SL_FORMAT_TABLE;
        else if (!strcmp(arg, "csv"))
            o->c.format = SL_FORMAT_CSV;
        else if (!strcmp(arg, "json"))
            o->c.format = SL_FORMAT_JSON;
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

/* The arguments of sql beyond the shared options (sli_cli_arg_fn). */
static int sql_arg(void *cmd, const sli_cli_opts *c, int argc, char **argv, int *i)
{
    sql_opts *o = cmd;
    const char *a = argv[*i];
    if (!strcmp(a, "--explain"))
        o->explain = 1;
    else if (a[0] == '-' && a[1] != 0)
        return SLI_CLI_UNKNOWN;
    else if (!o->query)
        o->query = a;
    else
        return sli_cli_usage(c, "unexpected argument '%s' (put the whole query in one quoted argument)", a);
    return SLI_EXIT_OK;
}

int sli_cli_sql(int argc, char **argv)
{
    sql_opts o = {0};
    o.c.help = SQL_HELP;
    o.c.try_line = "Try 'sluice sql --help'.";
    o.c.stdout_error = "cannot write the result";
    sl_context *ctx = NULL;
    int rc = sli_cli_parse(&o.c, argc, argv, &ctx, sql_arg, &o);
    if (!ctx) return rc;
    if (rc == SLI_EXIT_OK) rc = sli_cli_register(&o.c, ctx);
    sli_cli_opts_free(&o.c);
    if (rc == SLI_EXIT_OK) {
        if (o.query) {
            rc = run_query(ctx, o.query, "sql", &o, stdout);
        } else if (isatty(fileno(stdin))) {
            rc = shell(ctx, &o);
        } else {
            char *text = sli_cli_read_all("-");
            if (!text) {
                fprintf(stderr, "sluice: cannot read the query from standard input\n");
                rc = SLI_EXIT_IO;
            } else if (blank(text)) {
                rc = sli_cli_usage(&o.c, "%s", "no query: give one as an argument or on standard input");
            } else {
                rc = run_query(ctx, text, "<stdin>", &o, stdout);
            }
            free(text);
        }
    }
    sl_context_destroy(ctx);
    return rc;
}
