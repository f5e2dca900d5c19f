/*
 * parquet_meta.h — Parquet metadata as C structs, decoded from the Thrift
 * compact protocol: the footer (FileMetaData with its SchemaElements,
 * RowGroups, ColumnChunks, ColumnMetaData and Statistics) and page headers
 * (PageHeader with DataPageHeader, DataPageHeaderV2, DictionaryPageHeader).
 *
 * Only the fields the reader uses are kept; every other field, known or not,
 * is skipped whatever its type. Byte strings (names, statistics values)
 * point into the buffer that was decoded, which must outlive the structs.
 * Field numbers follow parquet-format's parquet.thrift.
 *
 * Thread safety: decoding is reentrant; decoded structs are read-only.
 */
#ifndef SLI_PARQUET_META_H
#define SLI_PARQUET_META_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** A byte string inside the decoded buffer. */
typedef struct sli_pq_bytes {
    const uint8_t *ptr;
    uint32_t len;
} sli_pq_bytes;

/** Statistics (field ids: 1 max, 2 min, 3 null_count, 5 max_value, 6 min_value). */
typedef struct sli_pq_stats {
    bool has_min, has_max;               /**< min_value / max_value */
    bool has_legacy_min, has_legacy_max; /**< deprecated min / max */
    bool has_null_count;
    sli_pq_bytes min, max, legacy_min, legacy_max;
    int64_t null_count;
} sli_pq_stats;

/** Which member of the LogicalType union is set (its field id), 0 none. */
enum {
    SLI_PQ_LT_NONE = 0,
    SLI_PQ_LT_STRING = 1,
    SLI_PQ_LT_MAP = 2,
    SLI_PQ_LT_LIST = 3,
    SLI_PQ_LT_ENUM = 4,
    SLI_PQ_LT_DECIMAL = 5,
    SLI_PQ_LT_DATE = 6,
    SLI_PQ_LT_TIME = 7,
    SLI_PQ_LT_TIMESTAMP = 8,
    SLI_PQ_LT_INTEGER = 10,
    SLI_PQ_LT_UNKNOWN = 11,
    SLI_PQ_LT_JSON = 12,
    SLI_PQ_LT_BSON = 13,
    SLI_PQ_LT_UUID = 14,
    SLI_PQ_LT_FLOAT16 = 15,
};

/** LogicalType (the newer annotation); the fields of its set member. */
typedef struct sli_pq_logical {
    int kind;      /**< SLI_PQ_LT_*, or another union field id */
    int bit_width; /**< INTEGER */
    bool is_signed;
    int32_t precision, scale; /**< DECIMAL */
} sli_pq_logical;

/** SchemaElement. */
typedef struct sli_pq_schema_elem {
    sli_pq_bytes name;
    bool has_type, has_repetition, has_converted, has_logical;
    int32_t type; /**< sli_pq_type */
    int32_t type_length;
    int32_t repetition;   /**< sli_pq_repetition */
    int32_t num_children; /**< 0 for a leaf */
    int32_t converted;    /**< sli_pq_converted */
    int32_t scale, precision;
    sli_pq_logical logical;
} sli_pq_schema_elem;

/** ColumnMetaData (and the ColumnChunk around it). */
typedef struct sli_pq_chunk {
    bool has_meta;
    bool has_file_path; /**< data in another file: not supported */
    int32_t type;       /**< sli_pq_type */
    int32_t codec;      /**< sli_pq_codec */
    int64_t num_values;
    int64_t total_uncompressed_size, total_compressed_size;
    int64_t data_page_offset;
    bool has_dictionary_page_offset;
    int64_t dictionary_page_offset;
    bool has_stats;
    sli_pq_stats stats;
} sli_pq_chunk;

/** RowGroup. */
typedef struct sli_pq_row_group {
    uint32_t ncolumns;
    sli_pq_chunk *columns;
    int64_t num_rows;
    int64_t total_byte_size;
} sli_pq_row_group;

/** FileMetaData. */
typedef struct sli_pq_file_meta {
    int32_t version;
    uint32_t nschema;
    sli_pq_schema_elem *schema;
    int64_t num_rows;
    uint32_t nrow_groups;
    sli_pq_row_group *row_groups;
    bool has_created_by;
    sli_pq_bytes created_by;
} sli_pq_file_meta;

/** PageHeader with the header of its kind. */
typedef struct sli_pq_page_header {
    int32_t type; /**< sli_pq_page_type */
    int32_t uncompressed_size, compressed_size;
    bool has_v1, has_v2, has_dict;
    /* DataPageHeader (v1) and DataPageHeaderV2 */
    int32_t num_values;
    int32_t encoding;
    int32_t def_encoding, rep_encoding; /**< v1 */
    int32_t num_nulls, num_rows;        /**< v2 */
    int32_t def_length, rep_length;     /**< v2: level bytes, never compressed */
    bool is_compressed;                 /**< v2 (default true) */
    /* DictionaryPageHeader */
    int32_t dict_num_values;
    int32_t dict_encoding;
} sli_pq_page_header;

/**
 * Decodes a FileMetaData from len bytes at buf into *out (zeroed first).
 * @return true on success; false with a reason (static text) in *why. On
 *         failure what was allocated is freed.
 */
bool sli_pq_meta_decode(const uint8_t *buf, size_t len, sli_pq_file_meta *out, const char **why);

/** Frees what sli_pq_meta_decode allocated. */
void sli_pq_meta_free(sli_pq_file_meta *m);

/**
 * Decodes a PageHeader from the start of len bytes at buf.
 * @param used receives the header's length in bytes.
 * @return true on success; false with a reason in *why.
 */
bool sli_pq_page_header_decode(const uint8_t *buf, size_t len, sli_pq_page_header *out, size_t *used,
                               const char **why);

#endif
