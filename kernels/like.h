/*
 * like.h — string pattern kernels: SQL LIKE (and NOT LIKE) over utf8
 * vectors, and SUBSTRING.
 *
 * A LIKE pattern is compiled once (sli_like_compile) into a shape the kernels
 * dispatch on: a pattern without wildcards is an equality test, 'abc%' a
 * prefix test, '%abc' a suffix test, '%abc%' a substring search (memmem),
 * '%' (or '%%...') matches everything; anything else runs a small matcher
 * that backtracks only to the last '%' seen (iterative two-pointer: no
 * recursion, O(len(s) * len(p)) at worst). `%` matches any run of bytes, `_`
 * exactly one byte: patterns work on bytes, so `_` matches one byte of a
 * multi-byte UTF-8 character (ASCII data, as in TPC-H, is not affected). No
 * escape character.
 *
 * SUBSTRING(s, start [, len]) counts bytes from 1 like SQL: the result is the
 * bytes of s at positions [start, start + len) intersected with [1, len(s)];
 * a negative len gives the empty string. Results are views into the input
 * strings (nothing is copied or allocated).
 *
 * Conventions as filter.h: `sel` lists n ascending row positions (NULL: rows
 * 0..n-1), values are read at row positions and nulls are not looked at
 * (callers drop null rows first). Pure functions; thread-safe.
 *
 * The family's variant table and sli_like_select() live in kernels/like.c.
 */
#ifndef SLI_KERNELS_LIKE_H
#define SLI_KERNELS_LIKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "isa.h"
#include "runtime/column.h"

/** The shape of a compiled pattern. */
typedef enum sl_like_shape {
    SL_LIKE_ANY = 0,  /**< only '%': every string matches */
    SL_LIKE_EQUAL,    /**< no wildcard: s == needle */
    SL_LIKE_PREFIX,   /**< needle%: s starts with needle */
    SL_LIKE_SUFFIX,   /**< %needle: s ends with needle */
    SL_LIKE_CONTAINS, /**< %needle%: needle occurs in s */
    SL_LIKE_GENERAL,  /**< anything else: the backtracking matcher over the whole pattern */
} sl_like_shape;

/** A compiled pattern. Borrows the pattern text, which must outlive it. */
typedef struct sl_like_pattern {
    sl_like_shape shape;
    const char *needle; /**< the literal part (GENERAL: the whole pattern) */
    size_t nlen;
} sl_like_pattern;

/** Compiles pattern p[0..n) (borrowed). Thread-safe; never fails. */
void sli_like_compile(const char *p, size_t n, sl_like_pattern *out);

/** @return whether s[0..n) matches the pattern (the reference of every shape). */
bool sli_like_match(const char *s, size_t n, const char *p, size_t m);

/**
 * Rows whose string matches the pattern (negate: does not match), written to
 * out (which must not alias sel). @return their count.
 */
typedef size_t sl_like_select_fn(const sl_like_pattern *pat, bool negate, const sli_strview *restrict v,
                                 const uint32_t *restrict sel, size_t n, uint32_t *restrict out);

/**
 * out[row] = substring of v[row] from start[row] (1-based) for len[row]
 * bytes (len == NULL: to the end). Only selected rows are written.
 */
typedef void sl_substr_fn(const sli_strview *restrict v, const int64_t *restrict start,
                          const int64_t *restrict len, sli_strview *restrict out,
                          const uint32_t *restrict sel, size_t n);

typedef struct sl_like_kernels {
    sl_like_select_fn *select;
    sl_substr_fn *substr;
} sl_like_kernels;

typedef struct sl_like_variant {
    const char *name;
    sl_isa isa;
    const sl_like_kernels *k;
} sl_like_variant;

extern const sl_like_variant sl_like_variants[];
extern const size_t sl_like_variant_count;

/**
 * @return the variant this CPU runs best (or the one SL_FORCE_ISA names);
 * the first call decides and the answer is cached. Thread-safe.
 */
const sl_like_variant *sli_like_select(void);

#endif
