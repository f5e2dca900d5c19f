/*
 * thrift_read.h — a bounds-checked reader of the Thrift compact protocol,
 * the encoding of Parquet's footer (FileMetaData) and page headers.
 *
 * The reader walks a byte buffer it does not own. Every read checks the
 * bytes that remain; the first failure latches `failed` and records a short
 * reason in `why`, and every later read fails at once, so a decoder may make
 * several reads and test the flag once. Nested structs, lists, sets and maps
 * count against a depth limit (SLI_THRIFT_MAX_DEPTH), so a hostile buffer
 * cannot recurse without bound; sli_thrift_skip skips a value of any type.
 *
 * Thread safety: a reader is used by one thread; distinct readers are
 * independent.
 */
#ifndef SLI_THRIFT_READ_H
#define SLI_THRIFT_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Deepest nesting of structs and containers the reader accepts. */
#define SLI_THRIFT_MAX_DEPTH 64

typedef struct sli_thrift {
    const uint8_t *p;   /**< next byte */
    const uint8_t *end; /**< one past the last byte */
    int depth;          /**< structs/containers entered */
    bool failed;        /**< latched on the first error */
    const char *why;    /**< static text naming the first error */
} sli_thrift;

/** Starts reading len bytes at buf (not copied; must outlive the reader). */
void sli_thrift_init(sli_thrift *t, const void *buf, size_t len);

/** @return the bytes that remain to be read. */
static inline size_t sli_thrift_left(const sli_thrift *t)
{
    return (size_t)(t->end - t->p);
}

/** Reads an unsigned LEB128 varint of at most 10 bytes. @return false on error. */
bool sli_thrift_varint(sli_thrift *t, uint64_t *v);

/** Reads a zigzag varint as i16/i32/i64 (range-checked). @return false on error. */
bool sli_thrift_i16(sli_thrift *t, int16_t *v);
bool sli_thrift_i32(sli_thrift *t, int32_t *v);
bool sli_thrift_i64(sli_thrift *t, int64_t *v);

/** Reads one byte (Thrift `byte`/i8). @return false on error. */
bool sli_thrift_byte(sli_thrift *t, int8_t *v);

/** Reads a little-endian IEEE double. @return false on error. */
bool sli_thrift_double(sli_thrift *t, double *v);

/**
 * Reads a binary/string: *p points into the buffer, *len its length
 * (checked against the bytes left). @return false on error.
 */
bool sli_thrift_binary(sli_thrift *t, const uint8_t **p, uint32_t *len);

/**
 * Enters a struct (counts depth). Pair with sli_thrift_struct_end after the
 * STOP field. @return false when too deep.
 */
bool sli_thrift_struct_begin(sli_thrift *t);
void sli_thrift_struct_end(sli_thrift *t);

/**
 * Reads a field header inside a struct. *last_id is the previous field id
 * (0 at the start of a struct) and is updated. On STOP *type is
 * SLI_TC_STOP. For a bool field *type is SLI_TC_TRUE or SLI_TC_FALSE and
 * the value is the type itself (no payload follows).
 * @return false on error (an invalid type code included).
 */
bool sli_thrift_field(sli_thrift *t, int16_t *last_id, int16_t *id, uint8_t *type);

/**
 * Reads a list or set header: element type and count. The count is checked
 * against the bytes left (every element takes at least one byte), so it is
 * a safe allocation size. @return false on error.
 */
bool sli_thrift_list(sli_thrift *t, uint8_t *elem_type, uint32_t *n);

/**
 * Reads a bool value that stands alone (a list element): one byte, 1 true,
 * 0 or 2 false. @return false on error.
 */
bool sli_thrift_bool_elem(sli_thrift *t, bool *v);

/**
 * Skips one value of the given compact type code (for a struct field of
 * type TRUE/FALSE nothing is read). @return false on error or too deep.
 */
bool sli_thrift_skip(sli_thrift *t, uint8_t type);

/**
 * Reads a field value that should be an integer (i8/i16/i32/i64 codes all
 * accepted), into an int64. @return false on error or another type.
 */
bool sli_thrift_int_field(sli_thrift *t, uint8_t type, int64_t *v);

/** Records an error (latching) and @return false. why must be static text. */
bool sli_thrift_fail(sli_thrift *t, const char *why);

#endif
