/*
 * thrift_write.h — an encoder for the Thrift compact protocol, the wire
 * format of Parquet's metadata (page headers and the file footer), writing
 * into a growable byte buffer.
 *
 * The encoder is driven field by field in the order a struct declares them:
 *
 *     sli_tw_i32(&w, 1, type);               // field 1 of the current struct
 *     sli_tw_struct_begin(&w, 5);            // field 5 is a nested struct
 *     sli_tw_i32(&w, 1, n);
 *     sli_tw_struct_end(&w);                 // its stop byte
 *     sli_tw_list_begin(&w, 3, SLI_TC_BINARY, 1);  // field 3: list<binary>
 *     sli_tw_elem_binary(&w, "x", 1);
 *     sli_tw_struct_end(&w);                 // ends the outermost struct
 *
 * Field ids must increase within a struct (the compact protocol's short
 * field-header form relies on the delta; larger steps use the long form).
 * A list of structs is written with sli_tw_list_begin followed, per element,
 * by sli_tw_elem_struct_begin ... sli_tw_struct_end.
 *
 * An allocation failure marks the buffer (sli_wbuf.nomem) and turns later
 * writes into no-ops, so callers check once at the end.
 * Thread safety: an encoder and its buffer belong to one thread at a time.
 */
#ifndef SLI_THRIFT_WRITE_H
#define SLI_THRIFT_WRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "io/parquet_format.h"

/** A growable byte buffer (malloc'd; zero-initialise to start empty). */
typedef struct sli_wbuf {
    uint8_t *data;
    size_t len;
    size_t cap;
    bool nomem; /**< an allocation failed; later appends did nothing */
} sli_wbuf;

/** Makes room for extra more bytes. @return false (and sets nomem) on failure. */
bool sli_wbuf_reserve(sli_wbuf *b, size_t extra);

/** Appends n bytes. */
void sli_wbuf_put(sli_wbuf *b, const void *p, size_t n);

/** Appends one byte. */
static inline void sli_wbuf_byte(sli_wbuf *b, uint8_t v)
{
    if (b->len < b->cap || sli_wbuf_reserve(b, 1)) b->data[b->len++] = v;
}

/** Appends v as an unsigned LEB128 varint. */
void sli_wbuf_varint(sli_wbuf *b, uint64_t v);

/** Frees the bytes and resets the buffer to empty. */
void sli_wbuf_free(sli_wbuf *b);

/** Deepest struct nesting the encoder tracks (Parquet needs 5). */
#define SLI_TW_MAX_DEPTH 16

/** A compact-protocol encoder writing into a buffer it does not own. */
typedef struct sli_thrift_writer {
    sli_wbuf *out;
    int16_t last_id;                 /**< last field id written in the current struct */
    int16_t stack[SLI_TW_MAX_DEPTH]; /**< last_id of each enclosing struct */
    size_t depth;
} sli_thrift_writer;

/** Starts an encoder at the top level of a struct, appending to out. */
void sli_tw_init(sli_thrift_writer *w, sli_wbuf *out);

/** Writes field id as an i32 / i64 (zigzag varint), a bool, or binary. */
void sli_tw_i32(sli_thrift_writer *w, int16_t id, int32_t v);
void sli_tw_i64(sli_thrift_writer *w, int16_t id, int64_t v);
/** A byte-typed field (Thrift `byte`), e.g. IntType.bitWidth. */
void sli_tw_byte(sli_thrift_writer *w, int16_t id, int8_t v);
void sli_tw_bool(sli_thrift_writer *w, int16_t id, bool v);
void sli_tw_binary(sli_thrift_writer *w, int16_t id, const void *p, size_t n);
/** A NUL-terminated string as a binary field. */
void sli_tw_string(sli_thrift_writer *w, int16_t id, const char *s);

/** Opens field id as a nested struct; close it with sli_tw_struct_end. */
void sli_tw_struct_begin(sli_thrift_writer *w, int16_t id);

/** Writes the stop byte of the current struct and returns to its parent. */
void sli_tw_struct_end(sli_thrift_writer *w);

/** Opens field id as a list of n elements of compact type elem. */
void sli_tw_list_begin(sli_thrift_writer *w, int16_t id, sli_thrift_ctype elem, size_t n);

/** List elements: an i32 (also enums), a binary, or a struct (closed by
 *  sli_tw_struct_end). */
void sli_tw_elem_i32(sli_thrift_writer *w, int32_t v);
void sli_tw_elem_binary(sli_thrift_writer *w, const void *p, size_t n);
void sli_tw_elem_struct_begin(sli_thrift_writer *w);

#endif
