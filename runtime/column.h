/*
 * column.h — in-memory columns in the Arrow layout, and builders that grow them.
 *
 * A column holds `length` values of one sl_type:
 *  - fixed width types (bool as one byte per value, int8..int64, float64,
 *    date32 as int32 days, decimal as scaled int64) in `data`;
 *  - plain utf8 as int32 `offsets` (length + 1 entries) into `bytes`;
 *  - dictionary-encoded utf8 as int32 codes in `data` into a shared `dict`.
 * Nulls are an Arrow validity bitmap (bit set = valid, LSB first); `validity`
 * is NULL when the column has no nulls. All buffers come from sli_buf_alloc
 * (64-byte aligned and padded). Columns are immutable once built.
 */
#ifndef SLI_COLUMN_H
#define SLI_COLUMN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sluice/sluice.h"

/** A borrowed string: pointer and length, not NUL-terminated. */
typedef struct sli_strview {
    const char *ptr;
    uint32_t len;
} sli_strview;

/** The distinct values of a dictionary-encoded column; shared by refcount
 *  (atomic: sli_dict_ref, sli_dict_unref). */
typedef struct sli_dict {
    size_t refcount;
    uint64_t id;      /**< unique in the process: caches keyed by a dictionary compare it too */
    size_t count;     /**< number of distinct values */
    int32_t *offsets; /**< count + 1 offsets into bytes */
    char *bytes;
    sli_strview *views; /**< count views into bytes, for kernels */
} sli_dict;

typedef struct sli_column {
    sl_type type;
    size_t length;
    size_t null_count;
    uint8_t *validity; /**< NULL when null_count == 0 */
    void *data;        /**< values, utf8 offsets, or dictionary codes */
    char *bytes;       /**< plain utf8 only */
    size_t bytes_len;
    sli_dict *dict; /**< dictionary-encoded utf8 only (one reference held) */
} sli_column;

/** @return bytes per value of a fixed-width type; 4 for utf8 (offsets/codes). */
size_t sli_type_width(sl_type t);

/** @return true when bit i of a validity bitmap is set (NULL bitmap: valid). */
static inline bool sli_valid(const uint8_t *validity, size_t i)
{
    return validity == NULL || ((validity[i >> 3] >> (i & 7)) & 1);
}

/** @return the i-th string of a utf8 column (plain or dictionary). */
static inline sli_strview sli_column_str(const sli_column *c, size_t i)
{
    if (c->dict) return c->dict->views[((const int32_t *)c->data)[i]];
    const int32_t *off = (const int32_t *)c->data;
    sli_strview v = {c->bytes + off[i], (uint32_t)(off[i + 1] - off[i])};
    return v;
}

/** Frees a column and drops its dictionary reference. NULL is ignored. */
void sli_column_free(sli_column *c);

/** @return a new empty dictionary with one reference and a fresh id, or NULL. */
sli_dict *sli_dict_new(void);

/** Adds a reference to a dictionary (a shared one may be read through a
 *  const pointer; the count is atomic). Thread-safe. @return d. */
sli_dict *sli_dict_ref(const sli_dict *d);
/** Drops a reference; frees at zero. NULL is ignored. Thread-safe. */
void sli_dict_unref(sli_dict *d);

/**
 * Dictionary-encodes a plain utf8 column in place when it has at most
 * max_distinct distinct values. @return SL_OK (also when left plain) or
 * SL_ERR_NOMEM (the column is unchanged).
 */
sl_status sli_column_dict_encode(sli_column *c, size_t max_distinct);

/**
 * As sli_column_dict_encode, but leaves the column plain as soon as more
 * than half of its first 1024 values are distinct (names, addresses,
 * comments: values that hardly repeat), without reading the rest.
 * @return SL_OK (also when left plain) or SL_ERR_NOMEM (the column is
 *         unchanged).
 */
sl_status sli_column_dict_encode_repeating(sli_column *c, size_t max_distinct);

/**
 * Builds a column by appending values. Zero-initialise, call
 * sli_colbuilder_init, append, then sli_colbuilder_finish (or _discard).
 * Appends return SL_ERR_NOMEM on allocation failure; the builder stays valid
 * for discard. A utf8 builder may hold dictionary codes (col.dict set, see
 * sli_append_vec) until a string from elsewhere arrives: it then becomes
 * plain (sli_colbuilder_to_plain).
 */
typedef struct sli_colbuilder {
    sli_column col;
    size_t cap;       /**< value capacity */
    size_t bytes_cap; /**< utf8 byte capacity */
    size_t vcap;      /**< validity capacity in bytes (0 until a null arrives) */
} sli_colbuilder;

void sli_colbuilder_init(sli_colbuilder *b, sl_type type);
/** Makes room for n more values. */
sl_status sli_colbuilder_reserve(sli_colbuilder *b, size_t n);
sl_status sli_colbuilder_append_null(sli_colbuilder *b);
/** Gives the builder a validity bitmap (all valid so far) if it has none. */
sl_status sli_colbuilder_ensure_validity(sli_colbuilder *b);
/** Appends a fixed-width value given as int64 (bool, ints, date32, decimal). */
sl_status sli_colbuilder_append_i64(sli_colbuilder *b, int64_t v);
sl_status sli_colbuilder_append_f64(sli_colbuilder *b, double v);
sl_status sli_colbuilder_append_str(sli_colbuilder *b, const char *s, size_t len);
/**
 * Decodes the codes of a utf8 builder that holds a dictionary's codes into
 * plain strings and drops the dictionary; a plain builder is left as it is.
 * @return SL_OK, SL_ERR_NOMEM or SL_ERR_OVERFLOW (strings past 2 GiB); the
 * builder is unchanged on failure.
 */
sl_status sli_colbuilder_to_plain(sli_colbuilder *b);
/** @return the built column (owned by the caller), or NULL on NOMEM. The
 *  builder is reset either way. */
sli_column *sli_colbuilder_finish(sli_colbuilder *b);
void sli_colbuilder_discard(sli_colbuilder *b);

#endif
