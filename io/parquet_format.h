/*
 * parquet_format.h — the numbers the Parquet format fixes: physical types,
 * logical (converted) types, repetition, encodings, codecs, page types, and
 * the Thrift compact protocol's field type codes that its metadata uses.
 *
 * Shared by the Parquet reader and writer; the struct field ids of the
 * metadata each side needs are named next to the code that reads or writes
 * them.
 */
#ifndef SLI_PARQUET_FORMAT_H
#define SLI_PARQUET_FORMAT_H

/** Every Parquet file starts and ends with these four bytes. */
#define SLI_PARQUET_MAGIC "PAR1"

/** Physical types (parquet.thrift `Type`). */
typedef enum sli_pq_type {
    SLI_PQ_BOOLEAN = 0,
    SLI_PQ_INT32 = 1,
    SLI_PQ_INT64 = 2,
    SLI_PQ_INT96 = 3,
    SLI_PQ_FLOAT = 4,
    SLI_PQ_DOUBLE = 5,
    SLI_PQ_BYTE_ARRAY = 6,
    SLI_PQ_FIXED_LEN_BYTE_ARRAY = 7,
} sli_pq_type;

/** Legacy logical annotations (parquet.thrift `ConvertedType`). */
typedef enum sli_pq_converted {
    SLI_PQ_CT_UTF8 = 0,
    SLI_PQ_CT_MAP = 1,
    SLI_PQ_CT_MAP_KEY_VALUE = 2,
    SLI_PQ_CT_LIST = 3,
    SLI_PQ_CT_ENUM = 4,
    SLI_PQ_CT_DECIMAL = 5,
    SLI_PQ_CT_DATE = 6,
    SLI_PQ_CT_TIME_MILLIS = 7,
    SLI_PQ_CT_TIME_MICROS = 8,
    SLI_PQ_CT_TIMESTAMP_MILLIS = 9,
    SLI_PQ_CT_TIMESTAMP_MICROS = 10,
    SLI_PQ_CT_UINT_8 = 11,
    SLI_PQ_CT_UINT_16 = 12,
    SLI_PQ_CT_UINT_32 = 13,
    SLI_PQ_CT_UINT_64 = 14,
    SLI_PQ_CT_INT_8 = 15,
    SLI_PQ_CT_INT_16 = 16,
    SLI_PQ_CT_INT_32 = 17,
    SLI_PQ_CT_INT_64 = 18,
    SLI_PQ_CT_JSON = 19,
    SLI_PQ_CT_BSON = 20,
    SLI_PQ_CT_INTERVAL = 21,
} sli_pq_converted;

/** Field repetition (parquet.thrift `FieldRepetitionType`). */
typedef enum sli_pq_repetition {
    SLI_PQ_REQUIRED = 0,
    SLI_PQ_OPTIONAL = 1,
    SLI_PQ_REPEATED = 2,
} sli_pq_repetition;

/** Value encodings (parquet.thrift `Encoding`). */
typedef enum sli_pq_encoding {
    SLI_PQ_PLAIN = 0,
    SLI_PQ_PLAIN_DICTIONARY = 2,
    SLI_PQ_RLE = 3,
    SLI_PQ_BIT_PACKED = 4,
    SLI_PQ_DELTA_BINARY_PACKED = 5,
    SLI_PQ_DELTA_LENGTH_BYTE_ARRAY = 6,
    SLI_PQ_DELTA_BYTE_ARRAY = 7,
    SLI_PQ_RLE_DICTIONARY = 8,
    SLI_PQ_BYTE_STREAM_SPLIT = 9,
} sli_pq_encoding;

/** Page compression (parquet.thrift `CompressionCodec`). */
typedef enum sli_pq_codec {
    SLI_PQ_UNCOMPRESSED = 0,
    SLI_PQ_SNAPPY = 1,
    SLI_PQ_GZIP = 2,
    SLI_PQ_LZO = 3,
    SLI_PQ_BROTLI = 4,
    SLI_PQ_LZ4 = 5,
    SLI_PQ_ZSTD = 6,
    SLI_PQ_LZ4_RAW = 7,
} sli_pq_codec;

/** Page kinds (parquet.thrift `PageType`). */
typedef enum sli_pq_page_type {
    SLI_PQ_DATA_PAGE = 0,
    SLI_PQ_INDEX_PAGE = 1,
    SLI_PQ_DICTIONARY_PAGE = 2,
    SLI_PQ_DATA_PAGE_V2 = 3,
} sli_pq_page_type;

/** Thrift compact protocol type codes (low nibble of a field header). */
typedef enum sli_thrift_ctype {
    SLI_TC_STOP = 0,
    SLI_TC_TRUE = 1,
    SLI_TC_FALSE = 2,
    SLI_TC_BYTE = 3,
    SLI_TC_I16 = 4,
    SLI_TC_I32 = 5,
    SLI_TC_I64 = 6,
    SLI_TC_DOUBLE = 7,
    SLI_TC_BINARY = 8,
    SLI_TC_LIST = 9,
    SLI_TC_SET = 10,
    SLI_TC_MAP = 11,
    SLI_TC_STRUCT = 12,
} sli_thrift_ctype;

#endif
