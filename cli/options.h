/*
 * options.h — what the commands that run queries (`sluice run`, `explain`,
 * `tables` in cli/run.c and `sluice sql` in cli/sql.c) share: the data,
 * resource and output options and their parsing, registering the data,
 * writing a result through a temporary file, reading a whole file, and
 * turning a status into an error message and an exit code (cli/options.c).
 *
 * A command keeps its own options and help text: sli_cli_parse walks the
 * command line, takes the shared options (those groups the command names in
 * `accept`, so each command keeps exactly the options it documents) and
 * hands every other argument to the command's own parser.
 */
#ifndef SLI_CLI_OPTIONS_H
#define SLI_CLI_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "sluice/sluice.h"

/** Groups of shared options. Every command takes -t/--table, -d/--data,
 *  -f/--format, -o/--output and --threads; these add more. */
enum {
    SLI_OPT_CSV = 1u << 0,     /**< --delimiter, --schema, --no-header */
    SLI_OPT_MEMORY = 1u << 1,  /**< --numa, --memory-limit */
    SLI_OPT_PARQUET = 1u << 2, /**< --compression, --row-group-rows */
};

/** A command parser's answer for an option it does not know. */
#define SLI_CLI_UNKNOWN (-1)

/** The shared options of one command line, and how the command reports. */
typedef struct sli_cli_opts {
    /* set by the command before parsing */
    const char *help;          /**< printed for -h and --help */
    const char *try_line;      /**< printed after a usage error, e.g. "Try 'sluice help run'." */
    const char *stdout_error;  /**< the message when standard output fails */
    unsigned accept;           /**< SLI_OPT_* groups the command takes */
    bool invalid_arg_is_usage; /**< SL_ERR_INVALID_ARG exits with SLI_EXIT_USAGE, not SLI_EXIT_QUERY */
    /* data, applied by sli_cli_register after parsing, so that --delimiter
     * and --schema may come after --table */
    const char **tables; /**< NAME=PATH specs, ntables of them (owned) */
    size_t ntables;
    const char **dirs; /**< directories, ndirs of them (owned) */
    size_t ndirs;
    char delimiter; /**< 0: ',' or '|' for .tbl */
    int no_header;
    const char *schema;
    /* output */
    const char *output; /**< -o FILE, or NULL for standard output */
    sl_format format;
    int format_set;             /**< --format given */
    sl_parquet_options parquet; /**< for a Parquet output */
    /* device (SLI_OPT_MEMORY commands): applied to the context after parsing */
    int device; /**< sl_device_mode from --device, or -1 (SL_DEVICE decides) */
    bool strict; /**< --strict */
} sli_cli_opts;

/**
 * A command's parser of its own arguments: takes argv[*i] (and moves *i
 * past a value it takes). cmd is what the command handed sli_cli_parse.
 * @return SLI_EXIT_OK; an exit code after printing a usage error; or
 *         SLI_CLI_UNKNOWN for an option it does not know.
 */
typedef int (*sli_cli_arg_fn)(void *cmd, const sli_cli_opts *o, int argc, char **argv, int *i);

/**
 * Creates the context a command runs in and parses its command line
 * (argv[0] being the command): -h/--help prints o->help; the shared
 * options o->accept takes are recorded in o (--threads, --numa and
 * --memory-limit go to the context at once); every other argument goes to
 * own; an option nobody knows is a usage error. Parsing stops at the first
 * error.
 * @param ctx receives the context, or NULL when the command is done: help
 *        shown, a usage error printed, or out of memory (then o is freed).
 * @return an exit code: SLI_EXIT_OK to go on (free o with sli_cli_opts_free).
 */
int sli_cli_parse(sli_cli_opts *o, int argc, char **argv, sl_context **ctx, sli_cli_arg_fn own, void *cmd);

/** Frees the data options sli_cli_parse recorded (idempotent). */
void sli_cli_opts_free(sli_cli_opts *o);

/** Prints "sluice: " fmt (with arg) and o->try_line to stderr. @return SLI_EXIT_USAGE. */
int sli_cli_usage(const sli_cli_opts *o, const char *fmt, const char *arg);

/** @return the exit code for a status (see sli_cli_opts.invalid_arg_is_usage). */
int sli_cli_exit_for(const sli_cli_opts *o, sl_status s);

/** Prints ctx's last error (else the status's name) to stderr. @return its exit code. */
int sli_cli_fail(const sli_cli_opts *o, sl_context *ctx, sl_status s);

/**
 * Registers the --data directories, then the --table files (.parquet as
 * Parquet, .tbl as '|'-separated without header, the rest as CSV with the
 * CSV options). Stops at the first failure, which it prints.
 * @return an exit code.
 */
int sli_cli_register(const sli_cli_opts *o, sl_context *ctx);

/**
 * Prints a result in o->format to out, or to o->output through the
 * temporary file "OUTPUT.part" renamed into place, so the file is complete
 * or absent. Prints what failed. @return SLI_EXIT_OK or SLI_EXIT_IO.
 */
int sli_cli_write_result(const sli_cli_opts *o, sl_result *r, FILE *out);

/** Reads a whole file, or standard input for "-". @return malloc'd text, or NULL with errno set. */
char *sli_cli_read_all(const char *path);

/** @return true when s ends with suffix (and is longer than it). */
bool sli_cli_ends_with(const char *s, const char *suffix);

/** Prints the last query's warnings (an OpenCL fallback, say) to stderr,
 *  each line as "sluice: warning: ...". */
void sli_cli_print_warnings(sl_context *ctx);

#endif
