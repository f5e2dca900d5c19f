/*
 * gen_build.h — what gen_tpch.c and gen_ssb.c share: the run state, column
 * allocation for a chunk, fixed dictionaries, and the parallel chunk driver
 * (gen_build.c).
 *
 * A chunk function fills the partitions of one chunk of rows for one or more
 * tables (orders and lineitem together). Each partition's columns are
 * allocated at their final size with sli_gen_part_alloc (utf8 columns get
 * room for the longest value of their spec): by the driver for a table of a
 * fixed number of rows per driving row, else by the chunk function itself.
 * The chunk function writes values straight into the buffers. Dictionary-encoded columns are written as
 * codes; the driver attaches the shared dictionary afterwards on the calling thread, because a dictionary's
 * reference count is not atomic.
 *
 * Thread safety: chunk functions and sli_gen_part_alloc run on many workers
 * at once, each on its own partitions, reading the run state only;
 * sli_gen_drive runs on the calling thread and starts the team.
 */
#ifndef SLI_GEN_BUILD_H
#define SLI_GEN_BUILD_H

#include <stdint.h>
#include <string.h>

#include "gen.h"
#include "gen_random.h"
#include "gen_text.h"
#include "runtime/column.h"

/** The fixed dictionaries, built once per run. */
typedef enum sli_gen_dict_id {
    SLI_D_NONE = 0,
    SLI_D_MFGR,      /**< Manufacturer#1..5 */
    SLI_D_BRAND,     /**< Brand#11..55: code (m-1)*5 + (n-1) */
    SLI_D_TYPE,      /**< 150 types: code s1*25 + s2*5 + s3 */
    SLI_D_CONTAINER, /**< 40 containers: code s1*8 + s2 */
    SLI_D_SEGMENT,
    SLI_D_PRIORITY,
    SLI_D_ORDERSTATUS, /**< F, O, P */
    SLI_D_RETURNFLAG,  /**< A, N, R */
    SLI_D_LINESTATUS,  /**< F, O */
    SLI_D_INSTRUCT,
    SLI_D_MODE,
    SLI_D_NATION,
    SLI_D_REGION,
    SLI_D_SSB_MFGR,     /**< MFGR#1..5 */
    SLI_D_SSB_CATEGORY, /**< MFGR#11..55: code (m-1)*5 + (c-1) */
    SLI_D_SSB_BRAND,    /**< MFGR#111..5540: code ((m-1)*5 + (c-1))*40 + (b-1) */
    SLI_D_COLOR,        /**< the 92 colours */
    SLI_D_CITY,         /**< nation prefix + digit: code nation*10 + digit */
    SLI_D_SHIPPRI,      /**< "0" */
    SLI_D_DAYOFWEEK,    /**< Sunday..Saturday */
    SLI_D_MONTH,        /**< January..December */
    SLI_D_SEASON,       /**< Christmas, Summer, Winter, Spring, Fall */
    SLI_D_COUNT
} sli_gen_dict_id;

/** One column of a generated table. */
typedef struct sli_gen_colspec {
    const char *name;
    sl_type type;
    sli_gen_dict_id dict; /**< utf8 only: dictionary-encoded with this dictionary */
    uint32_t maxlen;      /**< plain utf8 only: the longest value in bytes */
} sli_gen_colspec;

/** Column types for the spec tables (money and quantities in TPC-H are
 *  decimal(15,2) in cents). */
/* clang-format off */
#define SLI_GEN_I32  {SL_TYPE_INT32, 0, 0}
#define SLI_GEN_I64  {SL_TYPE_INT64, 0, 0}
#define SLI_GEN_DATE {SL_TYPE_DATE32, 0, 0}
#define SLI_GEN_DEC  {SL_TYPE_DECIMAL, 15, 2}
#define SLI_GEN_BOOL {SL_TYPE_BOOL, 0, 0}
#define SLI_GEN_STR  {SL_TYPE_UTF8, 0, 0}
/* clang-format on */

/** One table: its name and columns. */
typedef struct sli_gen_tablespec {
    const char *name;
    const sli_gen_colspec *cols;
    size_t ncols;
} sli_gen_tablespec;

/** A table spec of a name and a static array of column specs. */
/* clang-format off */
#define SLI_GEN_TABLE(name, cols) {name, cols, sizeof cols / sizeof *cols}
/* clang-format on */

/** Column i of a partition being filled, as an array of T. */
#define SLI_GEN_COL(p, i, T) ((T *)(p)->cols[i]->data)

/** The state of one run, shared read-only by the workers. */
typedef struct sli_gen_run_state {
    const sli_gen_options *o;
    double sf;
    uint64_t seed;
    const char *pool;             /**< the text pool (gen_text.h) */
    sli_dict *dicts[SLI_D_COUNT]; /**< one reference each, owned by the run */
    const sli_team *team;
    size_t chunk_rows;
} sli_gen_run_state;

/** A chunk's output for one table: its rows and columns (NULL until allocated). */
typedef struct sli_gen_part {
    size_t rows;
    sli_column **cols;
} sli_gen_part;

/**
 * Fills the partitions of chunk `chunk` (driving rows [first, first + n)),
 * one per table of the job. @return SL_OK or SL_ERR_NOMEM (what it
 * allocated stays in parts, for the driver to free).
 */
typedef sl_status (*sli_gen_chunk_fn)(const sli_gen_run_state *g, size_t chunk, uint64_t first, size_t n,
                                      sli_gen_part *parts);

/**
 * Allocates the columns of a partition of `rows` rows for a table spec:
 * fixed-width data of rows values, utf8 offsets (offsets[0] = 0) and
 * rows * maxlen bytes, or int32 codes for dictionary columns.
 * @return SL_OK or SL_ERR_NOMEM (what was allocated stays in p).
 */
sl_status sli_gen_part_alloc(sli_gen_part *p, const sli_gen_tablespec *spec, size_t rows);

/** A group of tables generated together by one chunk function. */
typedef struct sli_gen_group {
    const char *what;               /**< the step's name, for progress */
    uint64_t rows;                  /**< rows of the driving table */
    const sli_gen_tablespec *specs; /**< the tables, ntables of them */
    size_t ntables;
    const long *index; /**< per table: its index in sli_gen_table_names */
    sli_gen_chunk_fn fn;
    /** Rows of the (one) table per driving row: the driver allocates the
     *  partition of a chunk of n rows at n * per_row rows before calling fn.
     *  0: fn allocates its partitions itself (orders and lineitem, whose
     *  line counts are drawn). */
    size_t per_row;
} sli_gen_group;

/**
 * Runs each group's chunk function, group after group, over its rows in
 * chunks of g->chunk_rows on the team, a wave of o->piece_chunks chunks
 * (all of them when 0) at a time, and after each wave hands every wanted
 * table's partitions of the wave, in chunk order, to the sink as a piece.
 * @return SL_OK, SL_ERR_NOMEM (recorded on ctx), or what the sink returned.
 */
sl_status sli_gen_drive(sl_context *ctx, const sli_gen_run_state *g, const sli_gen_group *groups,
                        size_t ngroups, const bool *want, sli_gen_sink sink, void *arg);

/** Appends a string to row `row` of a plain utf8 column being filled in order. */
static inline void sli_gen_put(sli_column *c, size_t row, const char *p, uint32_t n)
{
    int32_t *off = (int32_t *)c->data;
    memcpy(c->bytes + off[row], p, n);
    off[row + 1] = off[row] + (int32_t)n;
    c->bytes_len = (size_t)off[row + 1];
}

/** Appends text of length in [lo, hi] from the text pool (gen_text.h). */
static inline void sli_gen_put_text(const sli_gen_run_state *g, sli_rng *r, sli_column *c, size_t row, int lo,
                                    int hi)
{
    uint32_t n;
    const char *t = sli_gen_text(g->pool, r, lo, hi, &n);
    sli_gen_put(c, row, t, n);
}

/** Appends a random v-string of lo to hi characters (an address). */
static inline void sli_gen_put_vstring(sli_rng *r, sli_column *c, size_t row, int lo, int hi)
{
    char buf[64];
    uint32_t n = sli_gen_vstring(r, lo, hi, buf);
    sli_gen_put(c, row, buf, n);
}

/**
 * Fills what TPC-H and SSB customers and suppliers share: column 1, the
 * name "Prefix#%09d" of key, and column 2, an address of 10 to addr_max
 * characters; then draws the nation. @return the nation key, 0 to 24.
 */
int sli_gen_party(sli_gen_part *p, size_t row, const char *prefix, int64_t key, int addr_max, sli_rng *r);

/** Appends the phone number of a party of nation (gen_text.h). */
void sli_gen_put_phone(sli_column *c, size_t row, sli_rng *r, int nation);

/** Appends k (at most 5) distinct colours drawn in turn, separated by
 *  single spaces: P_NAME (k = 5) and SSB's p_name (k = 2). */
void sli_gen_put_colors(sli_column *c, size_t row, sli_rng *r, int k);

/** Writes "Prefix#%09d" into buf. @return its length. */
uint32_t sli_gen_keyname(char *buf, const char *prefix, int64_t key);

/** @return max(1, round(sf * base)). */
uint64_t sli_gen_scaled(double sf, double base);

/** TPC-H P_RETAILPRICE in cents (clause 4.2.3). */
static inline int64_t sli_gen_retail_cents(int64_t partkey)
{
    return 90000 + (partkey / 10) % 20001 + 100 * (partkey % 1000);
}

/** @return the TPC-H sparse order key of the i-th order (0-based): 8 of every 32. */
static inline int64_t sli_gen_orderkey(uint64_t i)
{
    return (int64_t)((i >> 3) * 32 + (i & 7) + 1);
}

/** TPC-H dates as days since 1970-01-01. */
#define SLI_GEN_STARTDATE   8035  /* 1992-01-01 */
#define SLI_GEN_ENDDATE     10591 /* 1998-12-31 */
#define SLI_GEN_CURRENTDATE 9298  /* 1995-06-17 */

/** The TPC-H tables' generator (gen_tpch.c). */
sl_status sli_gen_tpch(sl_context *ctx, sli_gen_run_state *g, const bool *want, sli_gen_sink sink, void *arg);
/** The SSB tables' generator (gen_ssb.c). */
sl_status sli_gen_ssb(sl_context *ctx, sli_gen_run_state *g, const bool *want, sli_gen_sink sink, void *arg);

#endif
