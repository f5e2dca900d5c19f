/*
 * main.c — the `sluice` command: argument parsing, help and dispatch.
 *
 * Exit codes: 0 success; 1 the query failed (syntax, unknown name, type,
 * run-time error); 2 bad command-line usage; 3 input or output failed
 * (missing or malformed file).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "devices.h"
#include "sluice/sluice.h"

static const char *const MAIN_HELP =
    "sluice - a vectorized analytics engine; runs plan files over CSV and Parquet data\n"
    "\n"
    "Usage:\n"
    "  sluice run PLAN [options]       run a plan file (or a .sql file) and print its result\n"
    "  sluice sql \"SELECT ...\" [options]  run one SQL query; with no query, an interactive shell\n"
    "  sluice explain PLAN [options]   show the logical, optimized and physical plans\n"
    "  sluice tables [options]         list the registered tables and their columns\n"
    "  sluice bench QUERY... [options] time queries over data loaded into memory\n"
    "  sluice devices [--format json]  list the CPU and OpenCL devices and the NUMA topology\n"
    "  sluice gen tpch|ssb --sf X --out DIR   generate TPC-H or Star Schema Benchmark data\n"
    "  sluice version                  print the version\n"
    "  sluice help [COMMAND]           show help for a command\n"
    "\n"
    "A plan file is a chain of DataFrame transformations, e.g.\n"
    "  table(\"exams\").select(id, result).where(result > 70).orderBy(result)\n"
    "\n"
    "Examples:\n"
    "  sluice run examples/exams.plan --data examples/data\n"
    "  sluice run q.plan --table lineitem=lineitem.tbl --format csv -o out.csv\n"
    "  sluice gen tpch --sf 1 --out tpch1 && sluice tables --data tpch1\n"
    "  sluice explain examples/join.plan --data examples/data\n"
    "\n"
    "Run 'sluice help run' for the options and the plan-file language.\n";

static const char *const RUN_HELP =
    "Usage: sluice run PLAN [PLAN...] [options]\n"
    "       sluice run -e 'TEXT' [options]\n"
    "\n"
    "Runs the plan file PLAN ('-' reads standard input) and prints its rows. Several\n"
    "plan files run one after another over tables loaded once, each result (and,\n"
    "with --timing, each plan's times) after a line '== PLAN =='.\n"
    "\n"
    "Data:\n"
    "  -t, --table NAME=PATH  register a CSV or Parquet file as table NAME (repeatable);\n"
    "                         files ending in .tbl are read as '|'-separated without a\n"
    "                         header row, files ending in .parquet as Parquet\n"
    "  -d, --data DIR         register every .csv, .tbl and .parquet file in DIR, named\n"
    "                         by file name\n"
    "      --delimiter C      field separator for --table files (default ',')\n"
    "      --no-header        --table files have no header row (columns c0, c1, ...)\n"
    "      --schema 'S'       column names and types for --table files,\n"
    "                         e.g. 'id int64, price decimal(15,2), day date, name utf8'\n"
    "Output:\n"
    "  -f, --format FMT       table (default), csv or json\n"
    "  -o, --output FILE      write the result to FILE (written whole or not at all):\n"
    "                         .parquet as Parquet, .json as JSON, .txt as a table,\n"
    "                         anything else as CSV unless --format says otherwise;\n"
    "                         a plan's final write(\"FILE\") step does the same\n"
    "      --compression C    Parquet page compression: snappy (default), zstd, gzip, none\n"
    "      --row-group-rows N rows per Parquet row group (default 1048576); smaller groups\n"
    "                         let filters on sorted columns skip more of the file\n"
    "      --timing           print load, plan and run times to standard error\n"
    "      --profile          after the rows, print the plan measured per operator (rows in\n"
    "                         and out, time, memory) and per pipeline (workers, morsels,\n"
    "                         time, Parquet row groups read and skipped) to standard error\n"
    "      --profile-json FILE  write the same measurements as JSON to FILE\n"
    "      --repeat N         run the query N times and print the last result; with\n"
    "                         --timing, each run's time and the bytes its scans read\n"
    "                         (the first run also uploads columns and builds kernels)\n"
    "  -e, --eval TEXT        run TEXT as the plan instead of reading a file\n"
    "Resources:\n"
    "      --threads N        worker threads per query (default: SL_THREADS, else one per core)\n"
    "      --numa on|off      spread workers and their morsels over NUMA nodes (default on)\n"
    "      --memory-limit SIZE  fail the query with a clear error, naming the operator,\n"
    "                         once it holds more than SIZE (e.g. 512M, 2G; K/M/G/T are\n"
    "                         powers of 1024); the tables loaded before it do not count\n"
    "      --device D         where pipelines run: cpu, opencl or auto (default: SL_DEVICE,\n"
    "                         else auto). auto asks a cost model per pipeline (bytes to\n"
    "                         move unless resident, device and host bandwidth); opencl runs\n"
    "                         every pipeline the OpenCL generator supports on the device\n"
    "                         (SL_OPENCL_DEVICE=N picks one) and the others on the CPU;\n"
    "                         'sluice explain' says where each runs and why\n"
    "      --strict           with --device opencl: fail, listing every part the device\n"
    "                         cannot run, instead of running it on the CPU; fail when the\n"
    "                         device runs out of memory instead of falling back\n"
    "\n"
    "Plan files:\n"
    "  let o = table(\"orders\").where(o_orderdate < date '1995-03-15');\n"
    "  table(\"lineitem\").join(o, l_orderkey = o_orderkey)\n"
    "    .groupBy(o_shippriority)\n"
    "    .agg(count(*) as n, sum(l_extendedprice * (1 - l_discount)) as revenue)\n"
    "    .orderBy(revenue desc).limit(10)\n"
    "\n"
    "  Steps: select(e [as name], ...), where(cond) / filter(cond),\n"
    "         join(other, a = b [and ...] [, 'inner'|'left'|'semi'|'anti']),\n"
    "         groupBy(e, ...) followed by agg(aggregate [as name], ...),\n"
    "         orderBy(e [asc|desc] [nulls first|last], ...), limit(n),\n"
    "         write(\"out.parquet\") as the last step writes the result to a file\n"
    "  Expressions: + - * / %, = <> < <= > >=, and or not, x between a and b,\n"
    "         x [not] in (a, b), x is [not] null, cast(x as decimal(15,2)),\n"
    "         case when c then v [else w] end, extract(year from d), d + interval '3' month,\n"
    "         s [not] like 'a%_b', substring(s from 2 for 3) / substring(s, 2, 3),\n"
    "         literals 42, 1.25, 1e-3, 'text', date '1998-12-01', true, false, null\n"
    "  Aggregates: count(*), count(x), sum(x), min(x), max(x), avg(x)\n"
    "  Comments start with # or --.\n"
    "\n"
    "Exit status: 0 ok, 1 query error, 2 usage error, 3 file error.\n";

static const char *const EXPLAIN_HELP =
    "Usage: sluice explain PLAN [options]\n"
    "\n"
    "Prints how PLAN would run without running it: the logical plan as written, the\n"
    "plan after optimization (constant folding, OR factoring, filter pushdown, semi\n"
    "joins below inner joins, build side choice, column pruning, filter ordering), and\n"
    "the pipelines it is cut into, with each operator's kernels and where each runs.\n"
    "\n"
    "  --analyze              run the plan (discarding its rows) and show each operator's\n"
    "                         rows in and out, time and memory, and each pipeline's\n"
    "                         workers, morsels and time (EXPLAIN ANALYZE)\n"
    "  --profile-json FILE    with --analyze: also write the measurements as JSON\n"
    "  --show-kernels         also print the OpenCL C source generated for each pipeline\n"
    "                         that runs on the device (with --device opencl or auto)\n"
    "\n"
    "Takes the data options of 'sluice run' (see 'sluice help run').\n";

static const char *const BENCH_HELP =
    "Usage: sluice bench QUERY [QUERY...] [options]\n"
    "\n"
    "Times queries the way the benchmark harness compares sluice with its peers: the\n"
    "data is registered and every Parquet table is loaded whole into memory once\n"
    "(its time reported apart as load_ms); then each QUERY (a plan file, or SQL in a\n"
    "file ending in .sql; '-' reads standard input) is parsed once, run W times\n"
    "untimed and N times timed. The results are dropped; the last run's row count\n"
    "and the bytes its scans read are kept. The first error stops the command with\n"
    "nothing printed on standard output.\n"
    "\n"
    "      --runs N           timed runs per query, 1 to 1000 (default 5)\n"
    "      --warmup W         untimed runs before them, 0 to 100 (default 1)\n"
    "  -f, --format FMT       text (default): per query one line 'QUERY: median M ms,\n"
    "                         min m ms over N runs, R rows'; json: one object\n"
    "                         {\"load_ms\", \"threads\", \"device\", \"queries\": [{\"query\",\n"
    "                         \"runs_ms\", \"median_ms\", \"min_ms\", \"rows\", \"bytes_scanned\"}]}\n"
    "\n"
    "Takes the data options of 'sluice run' (--data, --table, --delimiter, --no-header,\n"
    "--schema) and its resource options (--threads, --numa, --memory-limit, --device,\n"
    "--strict); see 'sluice help run'.\n"
    "\n"
    "Example:\n"
    "  sluice bench bench/queries/tpch/q1.sql bench/queries/tpch/q6.sql --data tpch1 \\\n"
    "      --threads 8 --runs 10 --format json\n"
    "\n"
    "Exit status: 0 ok, 1 query error, 2 usage error, 3 file error.\n";

static const char *const DEVICES_HELP =
    "Usage: sluice devices [--format text|json] [--bandwidth]\n"
    "\n"
    "Lists the devices sluice can run on: the CPU first (cores, threads, NUMA nodes,\n"
    "memory, the SIMD kernels it runs), then every OpenCL device the ICD loader finds\n"
    "(or why none was found). Then the machine's topology as hwloc sees it: packages,\n"
    "NUMA nodes with their PUs and memory, caches, and I/O devices with their node.\n"
    "hwloc's HWLOC_SYNTHETIC and HWLOC_XMLFILE variables describe another machine.\n"
    "\n"
    "  -f, --format FMT       text (default) or json\n"
    "      --bandwidth        also measure the read bandwidth of the OpenCL device a\n"
    "                         query would use (best of 5 sums of min(1 GiB, budget/4));\n"
    "                         exit status 1 when it cannot be measured\n";

static const char *const TABLES_HELP =
    "Usage: sluice tables [--data DIR] [--table NAME=PATH]...\n"
    "\n"
    "Lists the tables the data options register, with row counts and column types.\n";

const char *sli_cli_help(const char *cmd)
{
    if (!cmd) return MAIN_HELP;
    if (strcmp(cmd, "run") == 0) return RUN_HELP;
    if (strcmp(cmd, "explain") == 0) return EXPLAIN_HELP;
    if (strcmp(cmd, "tables") == 0) return TABLES_HELP;
    if (strcmp(cmd, "bench") == 0) return BENCH_HELP;
    if (strcmp(cmd, "devices") == 0) return DEVICES_HELP;
    if (strcmp(cmd, "gen") == 0) return sli_cli_gen_help();
    if (strcmp(cmd, "sql") == 0) return sli_cli_sql_help();
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(MAIN_HELP, stderr);
        return SLI_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0) {
        fputs(MAIN_HELP, stdout);
        return 0;
    }
    if (strcmp(cmd, "help") == 0) {
        const char *h = sli_cli_help(argc > 2 ? argv[2] : NULL);
        if (!h) {
            fprintf(stderr,
                    "sluice: no help for '%s'; commands: run, sql, explain, tables, bench, devices, gen, "
                    "version\n",
                    argv[2]);
            return SLI_EXIT_USAGE;
        }
        fputs(h, stdout);
        return 0;
    }
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        printf("sluice %d.%d.%d\n", SLUICE_VERSION_MAJOR, SLUICE_VERSION_MINOR, SLUICE_VERSION_PATCH);
        return 0;
    }
    if (strcmp(cmd, "run") == 0) return sli_cli_run(argc - 1, argv + 1, SLI_CMD_RUN);
    if (strcmp(cmd, "explain") == 0) return sli_cli_run(argc - 1, argv + 1, SLI_CMD_EXPLAIN);
    if (strcmp(cmd, "tables") == 0) return sli_cli_run(argc - 1, argv + 1, SLI_CMD_TABLES);
    if (strcmp(cmd, "bench") == 0) return sli_cli_bench(argc - 1, argv + 1);
    if (strcmp(cmd, "devices") == 0) return sli_cli_devices(argc - 1, argv + 1);
    if (strcmp(cmd, "gen") == 0) return sli_cli_gen(argc - 1, argv + 1);
    if (strcmp(cmd, "sql") == 0) return sli_cli_sql(argc - 1, argv + 1);
    fprintf(stderr,
            "sluice: unknown command '%s'; commands: run, sql, explain, tables, bench, devices, gen, "
            "version, help\n",
            cmd);
    return SLI_EXIT_USAGE;
}
