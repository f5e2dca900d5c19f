/*
 * cli.h — pieces of the `sluice` command shared between its files.
 */
#ifndef SLI_CLI_H
#define SLI_CLI_H

enum { SLI_EXIT_OK = 0, SLI_EXIT_QUERY = 1, SLI_EXIT_USAGE = 2, SLI_EXIT_IO = 3 };

typedef enum sli_cmd { SLI_CMD_RUN, SLI_CMD_EXPLAIN, SLI_CMD_TABLES } sli_cmd;

/** @return the help text of a command (NULL: the main help), or NULL if unknown. */
const char *sli_cli_help(const char *cmd);

/** @return the help text of `sluice gen` (cli/gen.c). */
const char *sli_cli_gen_help(void);

/** Runs `sluice gen` with argv[0] being "gen". @return an exit code. */
int sli_cli_gen(int argc, char **argv);

/** @return the help text of `sluice sql` (cli/sql.c). */
const char *sli_cli_sql_help(void);

/** Runs `sluice sql` with argv[0] being "sql". @return an exit code. */
int sli_cli_sql(int argc, char **argv);

/** Runs `run`, `explain` or `tables` with argv[0] being the command name. */
int sli_cli_run(int argc, char **argv, sli_cmd cmd);

/** Runs `sluice bench` (cli/bench.c) with argv[0] being "bench". @return an exit code. */
int sli_cli_bench(int argc, char **argv);

#endif
