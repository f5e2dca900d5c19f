/*
 * expr.h — expression trees shared by plan files, the C API and (later) SQL.
 *
 * The parser builds unbound trees: column references by name, literals,
 * operators, calls. The binder (bind.c) resolves names against an input
 * schema, checks and assigns types, and inserts casts, turning a tree into a
 * bound tree that the executor evaluates vector at a time. Every node keeps
 * the line and column it came from so that errors can point at it.
 */
#ifndef SLI_EXPR_H
#define SLI_EXPR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sluice/sluice.h"

typedef enum sli_expr_kind {
    SLI_EX_COLUMN,  /**< name; after binding, index into the input columns */
    SLI_EX_LITERAL, /**< lit */
    SLI_EX_STAR,    /**< the '*' of count(*) */
    SLI_EX_UNARY,   /**< op SLI_OP_NEG or SLI_OP_NOT on args[0] */
    SLI_EX_BINARY,  /**< op on args[0], args[1] */
    SLI_EX_BETWEEN, /**< args[0] [not] between args[1] and args[2] */
    SLI_EX_IN,      /**< args[0] [not] in (args[1] .. args[nargs-1]) */
    SLI_EX_IS_NULL, /**< args[0] is [not] null */
    SLI_EX_CAST,    /**< cast(args[0] as cast_type) */
    SLI_EX_CALL,    /**< name(args...): aggregates, year/month/day, SLI_LIKE, SLI_SUBSTRING */
    SLI_EX_ALIAS,   /**< args[0] as name */
    SLI_EX_ORDER,   /**< sort key: args[0] asc|desc [nulls first|last] */
    /** case when args[0] then args[1] [when args[2] then args[3] ...] [else args[nargs-1]] end:
     *  conditions at even positions, their values after them; an odd nargs means the last
     *  argument is the else value (the binder always adds one: NULL when none was written). */
    SLI_EX_CASE,
    /** interval 'lit.i' unit: only as an operand of date + or - (see bind.c) */
    SLI_EX_INTERVAL,
} sli_expr_kind;

/** Unit of an SLI_EX_INTERVAL. */
typedef enum sli_interval_unit { SLI_IV_DAY = 0, SLI_IV_MONTH, SLI_IV_YEAR } sli_interval_unit;

typedef enum sli_op {
    SLI_OP_NONE = 0,
    SLI_OP_NEG,
    SLI_OP_NOT,
    SLI_OP_ADD,
    SLI_OP_SUB,
    SLI_OP_MUL,
    SLI_OP_DIV,
    SLI_OP_MOD,
    SLI_OP_EQ,
    SLI_OP_NE,
    SLI_OP_LT,
    SLI_OP_LE,
    SLI_OP_GT,
    SLI_OP_GE,
    SLI_OP_AND,
    SLI_OP_OR,
} sli_op;

/** Name of the call node of `x [not] like 'pattern'`: args x and the pattern
 *  (a utf8 literal), `negated` for the not form; a bool predicate. */
#define SLI_LIKE "like"
/** Name of the call node of substring(x, start [, length]) (also written
 *  substring(x from start [for length]) and substr(...)): utf8. */
#define SLI_SUBSTRING "substring"

/** A literal value. Strings are owned by the node (NUL-terminated). */
typedef struct sli_value {
    sl_type type; /**< SL_TYPE_NULL for the NULL literal */
    bool is_null;
    int64_t i; /**< bool, ints, date32 days, decimal scaled */
    double f;  /**< float64 */
    char *s;   /**< utf8 */
    size_t slen;
} sli_value;

typedef struct sli_expr {
    sli_expr_kind kind;
    sli_op op;
    char *name;        /**< COLUMN: column name; CALL: function (lower case); ALIAS: alias */
    sli_value lit;     /**< LITERAL */
    sl_type cast_type; /**< CAST target */
    struct sli_expr **args;
    size_t nargs;
    bool negated;           /**< BETWEEN, IN, IS_NULL: the NOT form */
    bool desc;              /**< ORDER: descending */
    int nulls_first;        /**< ORDER: 1 first, 0 last, -1 default (last asc, first desc) */
    sli_interval_unit unit; /**< INTERVAL: the unit of lit.i */
    int line, col;          /**< 1-based source position of the node's first token */

    /* Filled in by the binder. */
    sl_type type; /**< result type */
    int index;    /**< COLUMN: input column index */
} sli_expr;

/** @return a zeroed node of `kind` at line:col, or NULL. */
sli_expr *sli_expr_new(sli_expr_kind kind, int line, int col);

/**
 * @return a new `l op r` node at line:col taking l and r (both freed on
 * failure), or NULL on NOMEM. Its type is left for the binder.
 */
sli_expr *sli_expr_binary(sli_op op, sli_expr *l, sli_expr *r, int line, int col);

/** Appends a child (taking ownership, also on failure). @return false on NOMEM. */
bool sli_expr_push(sli_expr *e, sli_expr *child);

/** @return a deep copy, or NULL on NOMEM. */
sli_expr *sli_expr_clone(const sli_expr *e);

/** Frees a tree. NULL is ignored. */
void sli_expr_free(sli_expr *e);

/** Frees an array of trees and the array. */
void sli_expr_free_list(sli_expr **list, size_t n);

/**
 * Writes a tree as text in plan-file syntax ("(l_discount * 100)").
 * Bound column references print their name when `names` is given.
 * @return characters that the full text needs (like snprintf).
 */
size_t sli_expr_format(const sli_expr *e, const char *const *names, char *buf, size_t cap);

/**
 * @return the date part a scalar function name stands for: 0 year, 1 month,
 * 2 day (the values of kernels/date.h's sl_date_part), or -1 when `name` is
 * not year, month or day. Thread-safe.
 */
int sli_date_part_of(const char *name);

/** @return the operator's text ("+", "<=", "and"). */
const char *sli_op_str(sli_op op);

#endif
