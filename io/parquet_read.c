/*
 * parquet_read.c — the Parquet reader: opens a file, maps its flat schema to
 * sluice types, and decodes column chunks into Arrow-layout columns, one
 * partition per row group, in parallel on the worker team (see parquet.h).
 *
 * The file is mapped read-only. Its footer is decoded once at open
 * (parquet_meta.c); every offset and size in it is checked against the
 * mapping before use. A column chunk is decoded page by page:
 *
 *   page header -> (decompress) -> definition levels -> values -> scatter
 *
 * Values are first decoded into a scratch array of their physical type
 * (int32, int64, float, double, one byte per bool, or string views), then
 * converted to the column's sluice representation and scattered to their
 * rows, which leaves nulls zero and clears their validity bits. A utf8 chunk
 * whose data pages are all dictionary-encoded becomes a dictionary column
 * (the chunk's dictionary and int32 codes); otherwise it is built plain.
 *
 * Parallelism: the tasks are (row group, column) pairs, taken in order from
 * an atomic counter by the team's workers; each column's buffers are
 * allocated and first written by the worker that decodes it. When tasks
 * fail, the error of the lowest failing task is reported, so the message
 * does not depend on timing.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/decompress.h"
#include "io/parquet.h"
#include "io/parquet_decode.h"
#include "io/parquet_format.h"
#include "io/parquet_meta.h"
#include "runtime/buffer.h"
#include "runtime/types.h"
#include "runtime/workers.h"

/* How a column's physical values become sluice values. */
typedef enum conv {
    CV_BOOL,      /**< BOOLEAN -> bool */
    CV_I32,       /**< INT32 -> int8/16/32, date32, or int64/decimal (sign extended) */
    CV_U32,       /**< INT32 holding UINT_8/16/32 -> int16/32/64 (zero extended) */
    CV_I64,       /**< INT64 -> int64 or decimal */
    CV_F32,       /**< FLOAT -> float64 */
    CV_F64,       /**< DOUBLE -> float64 */
    CV_DEC_BYTES, /**< BYTE_ARRAY / FIXED_LEN_BYTE_ARRAY decimal -> scaled int64 */
    CV_STR,       /**< BYTE_ARRAY -> utf8 */
} conv;

typedef struct pq_col {
    char *name;
    sl_type type;
    int32_t phys;        /**< sli_pq_type */
    int32_t type_length; /**< FIXED_LEN_BYTE_ARRAY width */
    int max_def;         /**< 1 for an optional column, else 0 */
    conv conv;
} pq_col;

struct sli_parquet_file {
    char *path;
    const uint8_t *map; /**< the whole file, read-only */
    size_t size;
    size_t data_end; /**< where the footer starts: column data lies before it */
    sli_pq_file_meta meta;
    sli_schema schema; /**< names and types, aliases of cols[i].name */
    pq_col *cols;
    size_t ncols;
};

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
    return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* Big-endian two's complement of len bytes to int64. @return false when it
 * does not fit. */
static bool be_to_i64(const uint8_t *p, size_t len, int64_t *out)
{
    if (len == 0) {
        *out = 0;
        return true;
    }
    uint8_t sign = (p[0] & 0x80) ? 0xff : 0x00;
    while (len > 8) { /* leading bytes may only repeat the sign */
        if (p[0] != sign) return false;
        p++, len--;
    }
    if (((p[0] & 0x80) ? 0xff : 0x00) != sign) return false;
    uint64_t v = sign ? UINT64_MAX : 0;
    for (size_t i = 0; i < len; i++) v = (v << 8) | p[i];
    *out = (int64_t)v;
    return true;
}

/* ------------------------------------------------------------------------ */
/* Opening: footer and schema                                                */
/* ------------------------------------------------------------------------ */

static const char *logical_name(int kind)
{
    switch (kind) {
    case SLI_PQ_LT_MAP: return "MAP";
    case SLI_PQ_LT_LIST: return "LIST";
    case SLI_PQ_LT_TIME: return "TIME";
    case SLI_PQ_LT_TIMESTAMP: return "TIMESTAMP";
    case SLI_PQ_LT_UUID: return "UUID";
    case SLI_PQ_LT_FLOAT16: return "FLOAT16";
    case 9: return "INTERVAL";
    case 16: return "VARIANT";
    case 17: return "GEOMETRY";
    case 18: return "GEOGRAPHY";
    }
    return "this logical type";
}

static const char *converted_name(int ct)
{
    switch (ct) {
    case SLI_PQ_CT_TIME_MILLIS: return "TIME_MILLIS";
    case SLI_PQ_CT_TIME_MICROS: return "TIME_MICROS";
    case SLI_PQ_CT_TIMESTAMP_MILLIS: return "TIMESTAMP_MILLIS";
    case SLI_PQ_CT_TIMESTAMP_MICROS: return "TIMESTAMP_MICROS";
    case SLI_PQ_CT_UINT_64: return "UINT_64 (unsigned 64-bit)";
    case SLI_PQ_CT_INTERVAL: return "INTERVAL";
    case SLI_PQ_CT_MAP: return "MAP";
    case SLI_PQ_CT_LIST: return "LIST";
    }
    return "this converted type";
}

static sl_status decimal_type(sl_context *ctx, const sli_parquet_file *f, pq_col *c, int32_t precision,
                              int32_t scale)
{
    if (precision > 18)
        return sli_error(ctx, SL_ERR_UNSUPPORTED,
                         "%s: column %s: unsupported type: decimal(%d,%d) has over 18 digits", f->path,
                         c->name, (int)precision, (int)scale);
    if (precision < 1 || scale < 0 || scale > precision)
        return sli_error(ctx, SL_ERR_PARQUET, "%s: column %s: invalid decimal(%d,%d)", f->path, c->name,
                         (int)precision, (int)scale);
    c->type = sli_decimal(precision, scale);
    return SL_OK;
}

/* Chooses the sluice type and conversion of a leaf from its annotations. */
static sl_status map_type(sl_context *ctx, const sli_parquet_file *f, const sli_pq_schema_elem *e, pq_col *c)
{
    int lt = e->has_logical ? e->logical.kind : SLI_PQ_LT_NONE;
    int ct = e->has_converted ? e->converted : -1;
    /* Prefer the LogicalType; fall back to the ConvertedType. */
    bool is_dec = lt == SLI_PQ_LT_DECIMAL || (lt == SLI_PQ_LT_NONE && ct == SLI_PQ_CT_DECIMAL);
    int32_t prec = lt == SLI_PQ_LT_DECIMAL ? e->logical.precision : e->precision;
    int32_t scale = lt == SLI_PQ_LT_DECIMAL ? e->logical.scale : e->scale;
    const char *bad = NULL;
    switch (e->type) {
    case SLI_PQ_BOOLEAN:
        c->type = sli_type(SL_TYPE_BOOL);
        c->conv = CV_BOOL;
        return SL_OK;
    case SLI_PQ_INT32: {
        c->conv = CV_I32;
        if (is_dec) return decimal_type(ctx, f, c, prec, scale);
        int bits = 32;
        bool sgn = true;
        if (lt == SLI_PQ_LT_INTEGER) {
            bits = e->logical.bit_width;
            sgn = e->logical.is_signed;
        } else if (lt == SLI_PQ_LT_DATE || (lt == SLI_PQ_LT_NONE && ct == SLI_PQ_CT_DATE)) {
            c->type = sli_type(SL_TYPE_DATE32);
            return SL_OK;
        } else if (lt == SLI_PQ_LT_NONE) {
            switch (ct) {
            case SLI_PQ_CT_INT_8: bits = 8; break;
            case SLI_PQ_CT_INT_16: bits = 16; break;
            case SLI_PQ_CT_UINT_8: bits = 8, sgn = false; break;
            case SLI_PQ_CT_UINT_16: bits = 16, sgn = false; break;
            case SLI_PQ_CT_UINT_32: bits = 32, sgn = false; break;
            case -1:
            case SLI_PQ_CT_INT_32: break;
            default: bad = converted_name(ct); break;
            }
        } else if (lt != SLI_PQ_LT_UNKNOWN) {
            bad = logical_name(lt);
        }
        if (bad) break;
        if (bits != 8 && bits != 16 && bits != 32) {
            bad = "an integer width other than 8, 16 or 32 bits on INT32";
            break;
        }
        if (!sgn) c->conv = CV_U32;
        if (bits == 8)
            c->type = sli_type(sgn ? SL_TYPE_INT8 : SL_TYPE_INT16);
        else if (bits == 16)
            c->type = sli_type(sgn ? SL_TYPE_INT16 : SL_TYPE_INT32);
        else
            c->type = sli_type(sgn ? SL_TYPE_INT32 : SL_TYPE_INT64);
        return SL_OK;
    }
    case SLI_PQ_INT64:
        c->conv = CV_I64;
        if (is_dec) return decimal_type(ctx, f, c, prec, scale);
        if (lt == SLI_PQ_LT_INTEGER) {
            if (!e->logical.is_signed)
                bad = "unsigned 64-bit integers";
            else if (e->logical.bit_width != 64)
                bad = "an integer width other than 64 bits on INT64";
        } else if (lt == SLI_PQ_LT_NONE) {
            if (ct == SLI_PQ_CT_UINT_64)
                bad = "unsigned 64-bit integers";
            else if (ct != -1 && ct != SLI_PQ_CT_INT_64)
                bad = converted_name(ct);
        } else if (lt != SLI_PQ_LT_UNKNOWN) {
            bad = logical_name(lt);
        }
        if (bad) break;
        c->type = sli_type(SL_TYPE_INT64);
        return SL_OK;
    case SLI_PQ_INT96: bad = "INT96 timestamps"; break;
    case SLI_PQ_FLOAT:
    case SLI_PQ_DOUBLE:
        if (lt != SLI_PQ_LT_NONE && lt != SLI_PQ_LT_UNKNOWN) {
            bad = logical_name(lt);
            break;
        }
        c->type = sli_type(SL_TYPE_FLOAT64);
        c->conv = e->type == SLI_PQ_FLOAT ? CV_F32 : CV_F64;
        return SL_OK;
    case SLI_PQ_BYTE_ARRAY:
        if (is_dec) {
            c->conv = CV_DEC_BYTES;
            return decimal_type(ctx, f, c, prec, scale);
        }
        if (lt == SLI_PQ_LT_NONE || lt == SLI_PQ_LT_STRING || lt == SLI_PQ_LT_ENUM || lt == SLI_PQ_LT_JSON ||
            lt == SLI_PQ_LT_BSON || lt == SLI_PQ_LT_UNKNOWN) {
            c->type = sli_type(SL_TYPE_UTF8);
            c->conv = CV_STR;
            return SL_OK;
        }
        bad = logical_name(lt);
        break;
    case SLI_PQ_FIXED_LEN_BYTE_ARRAY:
        if (e->type_length < 1)
            return sli_error(ctx, SL_ERR_PARQUET, "%s: column %s: FIXED_LEN_BYTE_ARRAY of length %d", f->path,
                             c->name, (int)e->type_length);
        if (is_dec) {
            c->conv = CV_DEC_BYTES;
            return decimal_type(ctx, f, c, prec, scale);
        }
        bad = lt ? logical_name(lt) : "FIXED_LEN_BYTE_ARRAY without a DECIMAL annotation";
        break;
    default:
        return sli_error(ctx, SL_ERR_PARQUET, "%s: column %s: unknown physical type %d", f->path, c->name,
                         (int)e->type);
    }
    return sli_error(ctx, SL_ERR_UNSUPPORTED, "%s: column %s: unsupported type: %s", f->path, c->name, bad);
}

/* "LIST ", "MAP " or "" for a group's annotation. */
static const char *nested_kind(const sli_pq_schema_elem *e)
{
    int lt = e->has_logical ? e->logical.kind : 0;
    int ct = e->has_converted ? e->converted : -1;
    if (lt == SLI_PQ_LT_LIST || ct == SLI_PQ_CT_LIST) return "LIST ";
    if (lt == SLI_PQ_LT_MAP || ct == SLI_PQ_CT_MAP || ct == SLI_PQ_CT_MAP_KEY_VALUE) return "MAP ";
    return "";
}

static char *bytes_dup(sli_pq_bytes b)
{
    char *s = malloc((size_t)b.len + 1);
    if (!s) return NULL;
    if (b.len) memcpy(s, b.ptr, b.len);
    s[b.len] = 0;
    return s;
}

/* Maps the flat schema; refuses nested and repeated columns. */
static sl_status map_schema(sl_context *ctx, sli_parquet_file *f)
{
    const sli_pq_file_meta *m = &f->meta;
    if (m->nschema < 1) return sli_error(ctx, SL_ERR_PARQUET, "%s: the schema is empty", f->path);
    size_t n = m->nschema - 1;
    f->cols = calloc(n ? n : 1, sizeof *f->cols);
    f->schema.names = calloc(n ? n : 1, sizeof *f->schema.names);
    f->schema.types = calloc(n ? n : 1, sizeof *f->schema.types);
    if (!f->cols || !f->schema.names || !f->schema.types) return sli_nomem(ctx, "opening a Parquet file");
    for (size_t i = 0; i < n; i++) {
        const sli_pq_schema_elem *e = &m->schema[i + 1];
        pq_col *c = &f->cols[i];
        c->name = bytes_dup(e->name);
        if (!c->name) return sli_nomem(ctx, "opening a Parquet file");
        f->ncols = i + 1;
        f->schema.names[i] = c->name;
        f->schema.ncols = i + 1;
        if (e->num_children > 0 || !e->has_type)
            return sli_error(
                ctx, SL_ERR_UNSUPPORTED,
                "%s: column %s is nested (a %sgroup of %d fields); sluice reads flat columns only", f->path,
                c->name, nested_kind(e), (int)e->num_children);
        if (e->has_repetition && e->repetition == SLI_PQ_REPEATED)
            return sli_error(ctx, SL_ERR_UNSUPPORTED,
                             "%s: column %s is repeated (a list); sluice reads flat columns only", f->path,
                             c->name);
        c->phys = e->type;
        c->type_length = e->type_length;
        c->max_def = e->has_repetition && e->repetition == SLI_PQ_OPTIONAL ? 1 : 0;
        sl_status s = map_type(ctx, f, e, c);
        if (s) return s;
        f->schema.types[i] = c->type;
    }
    if (m->schema[0].num_children != (int32_t)n)
        return sli_error(ctx, SL_ERR_PARQUET, "%s: the schema root says %d columns but %zu follow", f->path,
                         (int)m->schema[0].num_children, n);
    /* Row groups: one chunk per column, metadata inline, sizes consistent. */
    int64_t total = 0;
    for (uint32_t r = 0; r < m->nrow_groups; r++) {
        const sli_pq_row_group *rg = &m->row_groups[r];
        if (rg->ncolumns != n)
            return sli_error(ctx, SL_ERR_PARQUET, "%s: row group %u has %u columns but the schema has %zu",
                             f->path, r, rg->ncolumns, n);
        if (rg->num_rows < 0 || rg->num_rows > ((int64_t)1 << 40))
            return sli_error(ctx, SL_ERR_PARQUET, "%s: row group %u has %lld rows", f->path, r,
                             (long long)rg->num_rows);
        total += rg->num_rows;
        for (size_t c = 0; c < n; c++) {
            const sli_pq_chunk *ch = &rg->columns[c];
            if (ch->has_file_path)
                return sli_error(ctx, SL_ERR_UNSUPPORTED,
                                 "%s: row group %u, column %s: data in another file is not supported",
                                 f->path, r, f->cols[c].name);
            if (!ch->has_meta)
                return sli_error(ctx, SL_ERR_PARQUET, "%s: row group %u, column %s: no column metadata",
                                 f->path, r, f->cols[c].name);
            if (ch->type != f->cols[c].phys)
                return sli_error(ctx, SL_ERR_PARQUET,
                                 "%s: row group %u, column %s: chunk type %d differs from the schema's %d",
                                 f->path, r, f->cols[c].name, (int)ch->type, (int)f->cols[c].phys);
            if (ch->num_values != rg->num_rows)
                return sli_error(ctx, SL_ERR_PARQUET,
                                 "%s: row group %u, column %s: %lld values but the row group has %lld rows",
                                 f->path, r, f->cols[c].name, (long long)ch->num_values,
                                 (long long)rg->num_rows);
        }
    }
    if (total != m->num_rows)
        return sli_error(ctx, SL_ERR_PARQUET, "%s: the row groups hold %lld rows but the file says %lld",
                         f->path, (long long)total, (long long)m->num_rows);
    return SL_OK;
}

sl_status sli_parquet_open(sl_context *ctx, const char *path, sli_parquet_file **out)
{
    *out = NULL;
    if (!path) return sli_error(ctx, SL_ERR_INVALID_ARG, "sli_parquet_open: a path is required");
    sli_parquet_file *f = calloc(1, sizeof *f);
    if (!f || !(f->path = strdup(path))) {
        free(f);
        return sli_nomem(ctx, "opening a Parquet file");
    }
    sl_status s = SL_OK;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        s = sli_error(ctx, SL_ERR_IO, "cannot open '%s': %s", path, strerror(errno));
        goto fail;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        s = sli_error(ctx, SL_ERR_IO, "cannot read '%s': not a regular file", path);
        close(fd);
        goto fail;
    }
    f->size = (size_t)st.st_size;
    if (f->size < 12) {
        close(fd);
        s = sli_error(ctx, SL_ERR_PARQUET, "%s: not a Parquet file (%zu bytes is too short)", path, f->size);
        goto fail;
    }
    void *map = mmap(NULL, f->size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED) {
        s = sli_error(ctx, SL_ERR_IO, "cannot map '%s': %s", path, strerror(errno));
        goto fail;
    }
    f->map = map;
    if (memcmp(f->map, SLI_PARQUET_MAGIC, 4) != 0) {
        s = sli_error(ctx, SL_ERR_PARQUET, "%s: not a Parquet file (it does not start with PAR1)", path);
        goto fail;
    }
    const uint8_t *tail = f->map + f->size - 4;
    if (memcmp(tail, "PARE", 4) == 0) {
        s = sli_error(ctx, SL_ERR_UNSUPPORTED, "%s: encrypted Parquet files are not supported", path);
        goto fail;
    }
    if (memcmp(tail, SLI_PARQUET_MAGIC, 4) != 0) {
        s = sli_error(ctx, SL_ERR_PARQUET, "%s: truncated or not a Parquet file (it does not end with PAR1)",
                      path);
        goto fail;
    }
    uint32_t flen = le32(f->map + f->size - 8);
    if (flen > f->size - 12) {
        s = sli_error(ctx, SL_ERR_PARQUET, "%s: footer length %u is more than the %zu bytes before it", path,
                      flen, f->size - 12);
        goto fail;
    }
    f->data_end = f->size - 8 - flen;
    const char *why = NULL;
    if (!sli_pq_meta_decode(f->map + f->data_end, flen, &f->meta, &why)) {
        s = strcmp(why, "out of memory") == 0
                ? sli_nomem(ctx, "reading a Parquet footer")
                : sli_error(ctx, SL_ERR_PARQUET, "%s: corrupt footer (%u bytes): %s", path, flen, why);
        goto fail;
    }
    s = map_schema(ctx, f);
    if (s) goto fail;
    *out = f;
    return SL_OK;
fail:
    sli_parquet_close(f);
    return s;
}

void sli_parquet_close(sli_parquet_file *f)
{
    if (!f) return;
    for (size_t i = 0; i < f->ncols; i++) free(f->cols[i].name);
    free(f->cols);
    free(f->schema.names);
    free(f->schema.types);
    sli_pq_meta_free(&f->meta);
    if (f->map) munmap((void *)(uintptr_t)f->map, f->size);
    free(f->path);
    free(f);
}

const sli_schema *sli_parquet_schema(const sli_parquet_file *f)
{
    return &f->schema;
}

uint64_t sli_parquet_rows(const sli_parquet_file *f)
{
    return (uint64_t)f->meta.num_rows;
}

size_t sli_parquet_row_groups(const sli_parquet_file *f)
{
    return f->meta.nrow_groups;
}

uint64_t sli_parquet_row_group_rows(const sli_parquet_file *f, size_t rg)
{
    return rg < f->meta.nrow_groups ? (uint64_t)f->meta.row_groups[rg].num_rows : 0;
}

/* ------------------------------------------------------------------------ */
/* Statistics                                                                */
/* ------------------------------------------------------------------------ */

/* The min and max byte strings of a chunk: min_value/max_value, or the
 * legacy min/max where the column's sort order is signed (the only order
 * the legacy fields were written in correctly). */
static bool stat_bytes(const sli_parquet_file *f, size_t rg, size_t col, sli_pq_bytes *mn, sli_pq_bytes *mx)
{
    if (rg >= f->meta.nrow_groups || col >= f->ncols) return false;
    const sli_pq_chunk *ch = &f->meta.row_groups[rg].columns[col];
    if (!ch->has_stats) return false;
    const sli_pq_stats *st = &ch->stats;
    if (st->has_min && st->has_max) {
        *mn = st->min;
        *mx = st->max;
        return true;
    }
    conv cv = f->cols[col].conv;
    bool signed_order = cv == CV_BOOL || cv == CV_I32 || cv == CV_I64 || cv == CV_F32 || cv == CV_F64;
    if (signed_order && st->has_legacy_min && st->has_legacy_max) {
        *mn = st->legacy_min;
        *mx = st->legacy_max;
        return true;
    }
    return false;
}

static bool stat_i64(const pq_col *c, sli_pq_bytes b, int64_t *v)
{
    switch (c->conv) {
    case CV_BOOL:
        if (b.len < 1) return false;
        *v = b.ptr[0] & 1;
        return true;
    case CV_I32:
        if (b.len != 4) return false;
        *v = (int32_t)le32(b.ptr);
        return true;
    case CV_U32:
        if (b.len != 4) return false;
        *v = (int64_t)le32(b.ptr);
        return true;
    case CV_I64:
        if (b.len != 8) return false;
        *v = (int64_t)le64(b.ptr);
        return true;
    case CV_DEC_BYTES: return b.len > 0 && be_to_i64(b.ptr, b.len, v);
    default: return false;
    }
}

bool sli_parquet_stats_i64(const sli_parquet_file *f, size_t rg, size_t col, int64_t *min, int64_t *max)
{
    sli_pq_bytes mn, mx;
    if (!stat_bytes(f, rg, col, &mn, &mx)) return false;
    int64_t a, b;
    if (!stat_i64(&f->cols[col], mn, &a) || !stat_i64(&f->cols[col], mx, &b)) return false;
    *min = a;
    *max = b;
    return true;
}

bool sli_parquet_dict_coded(const sli_parquet_file *f, size_t col)
{
    if (col >= f->ncols || f->cols[col].type.id != SL_TYPE_UTF8 || f->meta.nrow_groups == 0) return false;
    for (size_t rg = 0; rg < f->meta.nrow_groups; rg++)
        if (!f->meta.row_groups[rg].columns[col].has_dictionary_page_offset) return false;
    return true;
}

static bool stat_f64(const pq_col *c, sli_pq_bytes b, double *v)
{
    if (c->conv == CV_F32 && b.len == 4) {
        uint32_t u = le32(b.ptr);
        float x;
        memcpy(&x, &u, sizeof x);
        *v = x;
        return true;
    }
    if (c->conv == CV_F64 && b.len == 8) {
        uint64_t u = le64(b.ptr);
        memcpy(v, &u, sizeof *v);
        return true;
    }
    return false;
}

bool sli_parquet_stats_f64(const sli_parquet_file *f, size_t rg, size_t col, double *min, double *max)
{
    sli_pq_bytes mn, mx;
    if (!stat_bytes(f, rg, col, &mn, &mx)) return false;
    double a, b;
    if (!stat_f64(&f->cols[col], mn, &a) || !stat_f64(&f->cols[col], mx, &b)) return false;
    if (a != a || b != b) return false; /* NaN bounds say nothing */
    /* A zero bound may have been written with either sign: widen it. */
    if (a == 0) a = -0.0;
    if (b == 0) b = 0.0;
    *min = a;
    *max = b;
    return true;
}

/* ------------------------------------------------------------------------ */
/* Decoding one column chunk                                                 */
/* ------------------------------------------------------------------------ */

typedef struct chunk_dec {
    const sli_parquet_file *f;
    const pq_col *pc;
    const sli_pq_chunk *cm;
    size_t rg;
    sl_context *ctx; /**< where errors go */
    size_t rows;     /**< rows of the row group */
    size_t es;       /**< bytes per physical scratch value */

    sli_column *out;
    bool dict_out;    /**< utf8 kept dictionary-encoded */
    size_t row;       /**< rows written so far */
    size_t bytes_cap; /**< plain utf8: capacity of out->bytes */

    bool has_dict;
    size_t dict_n;
    void *dict_vals;   /**< dict_n physical values */
    uint8_t *dict_buf; /**< owned decompressed dictionary page (string views point into it) */

    uint8_t *page; /**< decompressed page scratch */
    size_t page_cap;
    uint32_t *levels; /**< definition levels of a page */
    size_t levels_cap;
    uint32_t *idx; /**< dictionary indexes of a page */
    size_t idx_cap;
    uint8_t *vals; /**< physical values of a page */
    size_t vals_cap;
    uint8_t *aux; /**< BYTE_STREAM_SPLIT of FIXED_LEN_BYTE_ARRAY */
    size_t aux_cap;
    int64_t *i64; /**< DELTA_BINARY_PACKED values */
    size_t i64_cap;
    char *owned;       /**< DELTA_BYTE_ARRAY values of the current page */
    bool vals_are_idx; /**< the page's values are dictionary codes in idx (dict_out) */
} chunk_dec;

static sl_status cerr(chunk_dec *d, sl_status s, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static sl_status cerr(chunk_dec *d, sl_status s, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return sli_error(d->ctx, s, "%s: row group %zu, column %s: %s", d->f->path, d->rg, d->pc->name, msg);
}

static sl_status cnomem(chunk_dec *d)
{
    char where[512];
    snprintf(where, sizeof where, "%s: row group %zu, column %s", d->f->path, d->rg, d->pc->name);
    return sli_nomem(d->ctx, where);
}

/* Grows a malloc'd scratch array to hold n (>= 1) elements of size es.
 * @return the array (moved or not), or NULL with the old one kept. */
static void *grow_to(void *p, size_t *cap, size_t n, size_t es)
{
    if (n <= *cap) return p;
    size_t c = *cap ? *cap : 256;
    while (c < n) c *= 2;
    if (c > SIZE_MAX / es) return NULL;
    void *q = realloc(p, c * es);
    if (!q) return NULL;
    *cap = c;
    return q;
}

/* Grows a scratch array of d, or returns the out-of-memory error. */
#define GROW_OR_FAIL(ptr, cap, n, es)                                                                        \
    do {                                                                                                     \
        size_t n_ = (n);                                                                                     \
        void *np_ = grow_to((ptr), &(cap), n_ ? n_ : 1, (es));                                               \
        if (!np_) return cnomem(d);                                                                          \
        (ptr) = np_;                                                                                         \
    } while (0)

static const char *enc_name(int e)
{
    switch (e) {
    case SLI_PQ_PLAIN: return "PLAIN";
    case SLI_PQ_PLAIN_DICTIONARY: return "PLAIN_DICTIONARY";
    case SLI_PQ_RLE: return "RLE";
    case SLI_PQ_BIT_PACKED: return "BIT_PACKED";
    case SLI_PQ_DELTA_BINARY_PACKED: return "DELTA_BINARY_PACKED";
    case SLI_PQ_DELTA_LENGTH_BYTE_ARRAY: return "DELTA_LENGTH_BYTE_ARRAY";
    case SLI_PQ_DELTA_BYTE_ARRAY: return "DELTA_BYTE_ARRAY";
    case SLI_PQ_RLE_DICTIONARY: return "RLE_DICTIONARY";
    case SLI_PQ_BYTE_STREAM_SPLIT: return "BYTE_STREAM_SPLIT";
    }
    return "unknown";
}

static size_t phys_size(const pq_col *c)
{
    switch (c->phys) {
    case SLI_PQ_BOOLEAN: return 1;
    case SLI_PQ_INT32:
    case SLI_PQ_FLOAT: return 4;
    case SLI_PQ_INT64:
    case SLI_PQ_DOUBLE: return 8;
    default: return sizeof(sli_strview);
    }
}

/* Decodes n PLAIN values of the column's physical type into dst. */
static sl_status decode_plain(chunk_dec *d, const uint8_t *p, size_t len, size_t n, void *dst)
{
    char err[SLI_PQ_ERRLEN];
    switch (d->pc->phys) {
    case SLI_PQ_BOOLEAN:
        if (!sli_pq_bool_unpack(p, len, dst, n, NULL, err)) return cerr(d, SL_ERR_PARQUET, "%s", err);
        return SL_OK;
    case SLI_PQ_INT32:
    case SLI_PQ_FLOAT:
    case SLI_PQ_INT64:
    case SLI_PQ_DOUBLE: {
        size_t w = d->es;
        if (n > len / w)
            return cerr(d, SL_ERR_PARQUET, "%zu PLAIN values need %zu bytes but the page holds %zu", n, n * w,
                        len);
        memcpy(dst, p, n * w); /* little-endian on disk and in memory */
        return SL_OK;
    }
    case SLI_PQ_BYTE_ARRAY:
        if (!sli_pq_plain_bytes(p, len, dst, n, NULL, err)) return cerr(d, SL_ERR_PARQUET, "%s", err);
        return SL_OK;
    case SLI_PQ_FIXED_LEN_BYTE_ARRAY: {
        size_t w = (size_t)d->pc->type_length;
        if (n > len / w)
            return cerr(d, SL_ERR_PARQUET, "%zu values of %zu bytes need more than the %zu bytes of the page",
                        n, w, len);
        sli_strview *v = dst;
        for (size_t i = 0; i < n; i++) {
            v[i].ptr = (const char *)p + i * w;
            v[i].len = (uint32_t)w;
        }
        return SL_OK;
    }
    }
    return cerr(d, SL_ERR_PARQUET, "unknown physical type %d", (int)d->pc->phys);
}

/* Gets a page's data decompressed: *out points to size bytes. */
static sl_status page_data(chunk_dec *d, const uint8_t *body, size_t clen, size_t ulen, bool compressed,
                           const uint8_t **out, uint8_t **own)
{
    if (!compressed || d->cm->codec == SLI_PQ_UNCOMPRESSED || (clen == 0 && ulen == 0)) {
        if (clen != ulen)
            return cerr(d, SL_ERR_PARQUET, "uncompressed page of %zu bytes says it holds %zu", clen, ulen);
        *out = body;
        return SL_OK;
    }
    if (!sli_decompress_size_ok(d->cm->codec, body, clen, ulen))
        return cerr(d, SL_ERR_PARQUET, "%s page of %zu bytes does not hold the %zu bytes its header says",
                    sli_pq_codec_name(d->cm->codec), clen, ulen);
    uint8_t *buf;
    if (own) {
        buf = malloc(ulen ? ulen : 1);
        if (!buf) return cnomem(d);
        *own = buf;
    } else {
        GROW_OR_FAIL(d->page, d->page_cap, ulen, 1);
        buf = d->page;
    }
    char err[SLI_PQ_ERRLEN];
    sl_status s = sli_decompress(d->cm->codec, body, clen, buf, ulen, err, sizeof err);
    if (s == SL_ERR_NOMEM) return cnomem(d);
    if (s) return cerr(d, s, "%s", err);
    *out = buf;
    return SL_OK;
}

static sl_status read_dict_page(chunk_dec *d, const sli_pq_page_header *h, const uint8_t *body)
{
    if (d->has_dict) return cerr(d, SL_ERR_PARQUET, "a second dictionary page");
    if (!h->has_dict) return cerr(d, SL_ERR_PARQUET, "a dictionary page without its header");
    if (h->dict_encoding != SLI_PQ_PLAIN && h->dict_encoding != SLI_PQ_PLAIN_DICTIONARY)
        return cerr(d, SL_ERR_UNSUPPORTED, "dictionary page encoding %s is not supported",
                    enc_name(h->dict_encoding));
    if (h->dict_num_values < 0)
        return cerr(d, SL_ERR_PARQUET, "dictionary of %d values", (int)h->dict_num_values);
    const uint8_t *data;
    size_t ulen = (size_t)h->uncompressed_size;
    sl_status s = page_data(d, body, (size_t)h->compressed_size, ulen, true, &data, &d->dict_buf);
    if (s) return s;
    size_t n = (size_t)h->dict_num_values;
    /* Each PLAIN value takes at least one byte (a bool an eighth). */
    size_t min_bits = d->pc->phys == SLI_PQ_BOOLEAN ? 1 : 8;
    if (n > ulen * 8 / min_bits)
        return cerr(d, SL_ERR_PARQUET, "dictionary page says %zu values but holds only %zu bytes", n, ulen);
    d->dict_vals = malloc((n ? n : 1) * d->es);
    if (!d->dict_vals) return cnomem(d);
    s = decode_plain(d, data, ulen, n, d->dict_vals);
    if (s) return s;
    d->dict_n = n;
    d->has_dict = true;
    return SL_OK;
}

/* Decodes the page's nn non-null values (encoding enc) into d->vals, or into
 * d->idx when the column is kept dictionary-encoded. */
static sl_status decode_values(chunk_dec *d, int enc, const uint8_t *p, size_t len, size_t nn)
{
    char err[SLI_PQ_ERRLEN];
    int phys = d->pc->phys;
    d->vals_are_idx = false;
    GROW_OR_FAIL(d->vals, d->vals_cap, nn, d->es);
    switch (enc) {
    case SLI_PQ_PLAIN: return decode_plain(d, p, len, nn, d->vals);
    case SLI_PQ_PLAIN_DICTIONARY:
    case SLI_PQ_RLE_DICTIONARY: {
        if (!d->has_dict) return cerr(d, SL_ERR_PARQUET, "a dictionary-encoded page but no dictionary page");
        GROW_OR_FAIL(d->idx, d->idx_cap, nn, sizeof *d->idx);
        if (nn > 0) {
            if (len < 1) return cerr(d, SL_ERR_PARQUET, "dictionary-encoded page without its bit width");
            if (p[0] > 32) return cerr(d, SL_ERR_PARQUET, "dictionary index bit width %u is over 32", p[0]);
            if (!sli_pq_rle_decode(p + 1, len - 1, p[0], d->idx, nn, NULL, err))
                return cerr(d, SL_ERR_PARQUET, "dictionary indexes: %s", err);
        }
        for (size_t i = 0; i < nn; i++)
            if (d->idx[i] >= d->dict_n)
                return cerr(d, SL_ERR_PARQUET,
                            "dictionary index %u out of range (the dictionary has %zu entries)", d->idx[i],
                            d->dict_n);
        if (d->dict_out) {
            d->vals_are_idx = true;
            return SL_OK;
        }
        const uint32_t *ix = d->idx;
        switch (d->es) { /* a gather per value width, so the copies are plain loads */
        case 1:
            for (size_t i = 0; i < nn; i++) d->vals[i] = ((const uint8_t *)d->dict_vals)[ix[i]];
            break;
        case 4:
            for (size_t i = 0; i < nn; i++)
                ((uint32_t *)(void *)d->vals)[i] = ((const uint32_t *)d->dict_vals)[ix[i]];
            break;
        case 8:
            for (size_t i = 0; i < nn; i++)
                ((uint64_t *)(void *)d->vals)[i] = ((const uint64_t *)d->dict_vals)[ix[i]];
            break;
        default:
            for (size_t i = 0; i < nn; i++)
                ((sli_strview *)(void *)d->vals)[i] = ((const sli_strview *)d->dict_vals)[ix[i]];
            break;
        }
        return SL_OK;
    }
    case SLI_PQ_RLE: {
        if (phys != SLI_PQ_BOOLEAN) break;
        if (len < 4) return cerr(d, SL_ERR_PARQUET, "RLE booleans without their length");
        uint32_t l = le32(p);
        if (l > len - 4)
            return cerr(d, SL_ERR_PARQUET, "RLE booleans say %u bytes but only %zu remain", l, len - 4);
        GROW_OR_FAIL(d->idx, d->idx_cap, nn, sizeof *d->idx);
        if (!sli_pq_rle_decode(p + 4, l, 1, d->idx, nn, NULL, err)) return cerr(d, SL_ERR_PARQUET, "%s", err);
        for (size_t i = 0; i < nn; i++) d->vals[i] = (uint8_t)d->idx[i];
        return SL_OK;
    }
    case SLI_PQ_DELTA_BINARY_PACKED: {
        if (phys != SLI_PQ_INT32 && phys != SLI_PQ_INT64) break;
        GROW_OR_FAIL(d->i64, d->i64_cap, nn, sizeof *d->i64);
        if (!sli_pq_delta_decode(p, len, phys == SLI_PQ_INT32, d->i64, nn, NULL, err))
            return cerr(d, SL_ERR_PARQUET, "%s", err);
        if (phys == SLI_PQ_INT32) {
            int32_t *v = (int32_t *)d->vals;
            for (size_t i = 0; i < nn; i++) v[i] = (int32_t)d->i64[i];
        } else {
            memcpy(d->vals, d->i64, nn * sizeof *d->i64);
        }
        return SL_OK;
    }
    case SLI_PQ_DELTA_LENGTH_BYTE_ARRAY:
        if (phys != SLI_PQ_BYTE_ARRAY) break;
        if (!sli_pq_delta_length_decode(p, len, (sli_strview *)d->vals, nn, err))
            return cerr(d, SL_ERR_PARQUET, "%s", err);
        return SL_OK;
    case SLI_PQ_DELTA_BYTE_ARRAY: {
        if (phys != SLI_PQ_BYTE_ARRAY && phys != SLI_PQ_FIXED_LEN_BYTE_ARRAY) break;
        free(d->owned);
        d->owned = NULL;
        if (!sli_pq_delta_bytes_decode(p, len, (sli_strview *)d->vals, nn, &d->owned, err))
            return cerr(d, strstr(err, "out of memory") ? SL_ERR_NOMEM : SL_ERR_PARQUET, "%s", err);
        if (phys == SLI_PQ_FIXED_LEN_BYTE_ARRAY) {
            const sli_strview *v = (const sli_strview *)d->vals;
            for (size_t i = 0; i < nn; i++)
                if (v[i].len != (uint32_t)d->pc->type_length)
                    return cerr(d, SL_ERR_PARQUET, "value %zu has %u bytes, not %d", i, v[i].len,
                                (int)d->pc->type_length);
        }
        return SL_OK;
    }
    case SLI_PQ_BYTE_STREAM_SPLIT: {
        if (phys == SLI_PQ_BOOLEAN || phys == SLI_PQ_BYTE_ARRAY) break;
        if (phys != SLI_PQ_FIXED_LEN_BYTE_ARRAY) {
            if (!sli_pq_bss_decode(p, len, d->es, nn, d->vals, err))
                return cerr(d, SL_ERR_PARQUET, "%s", err);
            return SL_OK;
        }
        size_t w = (size_t)d->pc->type_length;
        if (nn > len / w)
            return cerr(d, SL_ERR_PARQUET, "BYTE_STREAM_SPLIT: %zu values of %zu bytes exceed the page", nn,
                        w);
        GROW_OR_FAIL(d->aux, d->aux_cap, nn * w, 1);
        if (!sli_pq_bss_decode(p, len, w, nn, d->aux, err)) return cerr(d, SL_ERR_PARQUET, "%s", err);
        sli_strview *v = (sli_strview *)d->vals;
        for (size_t i = 0; i < nn; i++) {
            v[i].ptr = (const char *)d->aux + i * w;
            v[i].len = (uint32_t)w;
        }
        return SL_OK;
    }
    default: break;
    }
    return cerr(d, SL_ERR_UNSUPPORTED, "encoding %s is not supported for this column", enc_name(enc));
}

/* Spreads values over a page's n rows: the k-th valid row takes value k. */
#define SCATTER(OUT_T, IN_T, EXPR)                                                                           \
    do {                                                                                                     \
        OUT_T *o_ = (OUT_T *)d->out->data + row0;                                                            \
        const IN_T *v_ = (const IN_T *)(const void *)d->vals;                                                \
        if (!lv) {                                                                                           \
            for (size_t i_ = 0; i_ < n; i_++) {                                                              \
                IN_T x = v_[i_];                                                                             \
                o_[i_] = (OUT_T)(EXPR);                                                                      \
            }                                                                                                \
        } else {                                                                                             \
            size_t k_ = 0;                                                                                   \
            for (size_t i_ = 0; i_ < n; i_++) {                                                              \
                if (!lv[i_]) continue;                                                                       \
                IN_T x = v_[k_++];                                                                           \
                o_[i_] = (OUT_T)(EXPR);                                                                      \
            }                                                                                                \
        }                                                                                                    \
    } while (0)

/* Stores a page's values at rows [row, row + n): lv (NULL: all valid) marks
 * the rows with a value; nn values are in d->vals (or d->idx). */
static sl_status store(chunk_dec *d, size_t n, const uint32_t *lv, size_t nn)
{
    size_t row0 = d->row;
    sli_column *c = d->out;
    if (lv) {
        for (size_t i = 0; i < n; i++) {
            size_t r = row0 + i;
            if (lv[i])
                c->validity[r >> 3] |= (uint8_t)(1u << (r & 7));
            else
                c->null_count++;
        }
    } else if (c->validity) {
        for (size_t i = 0; i < n; i++) {
            size_t r = row0 + i;
            c->validity[r >> 3] |= (uint8_t)(1u << (r & 7));
        }
    }
    sl_type_id out = c->type.id;
    switch (d->pc->conv) {
    case CV_BOOL: SCATTER(uint8_t, uint8_t, x != 0); break;
    case CV_I32:
        if (out == SL_TYPE_INT8)
            SCATTER(int8_t, int32_t, x);
        else if (out == SL_TYPE_INT16)
            SCATTER(int16_t, int32_t, x);
        else if (out == SL_TYPE_INT32 || out == SL_TYPE_DATE32)
            SCATTER(int32_t, int32_t, x);
        else
            SCATTER(int64_t, int32_t, x);
        break;
    case CV_U32:
        if (out == SL_TYPE_INT16)
            SCATTER(int16_t, int32_t, (uint16_t)(uint32_t)x);
        else if (out == SL_TYPE_INT32)
            SCATTER(int32_t, int32_t, (int32_t)(uint32_t)x);
        else
            SCATTER(int64_t, int32_t, (int64_t)(uint32_t)x);
        break;
    case CV_I64: SCATTER(int64_t, int64_t, x); break;
    case CV_F32: SCATTER(double, float, x); break;
    case CV_F64: SCATTER(double, double, x); break;
    case CV_DEC_BYTES: {
        int64_t *o = (int64_t *)c->data + row0;
        const sli_strview *v = (const sli_strview *)(const void *)d->vals;
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
            if (lv && !lv[i]) continue;
            if (!be_to_i64((const uint8_t *)v[k].ptr, v[k].len, &o[i]))
                return cerr(d, SL_ERR_PARQUET, "decimal value of %u bytes at row %zu does not fit 18 digits",
                            v[k].len, row0 + i);
            k++;
        }
        break;
    }
    case CV_STR:
        if (d->dict_out) {
            int32_t *o = (int32_t *)c->data + row0;
            size_t k = 0;
            for (size_t i = 0; i < n; i++) {
                if (lv && !lv[i]) continue;
                o[i] = (int32_t)d->idx[k++];
            }
        } else {
            const sli_strview *v = (const sli_strview *)(const void *)d->vals;
            size_t add = 0;
            for (size_t k = 0; k < nn; k++) add += v[k].len;
            if (add > (size_t)INT32_MAX - c->bytes_len)
                return cerr(d, SL_ERR_UNSUPPORTED, "over 2 GiB of strings in one row group");
            size_t need = c->bytes_len + add;
            if (need > d->bytes_cap) {
                size_t cap = d->bytes_cap * 2 > need ? d->bytes_cap * 2 : need;
                char *nb = sli_buf_realloc(c->bytes, d->bytes_cap, cap);
                if (!nb) return cnomem(d);
                c->bytes = nb;
                d->bytes_cap = cap;
            }
            int32_t *off = (int32_t *)c->data;
            size_t pos = c->bytes_len, k = 0;
            for (size_t i = 0; i < n; i++) {
                if (!lv || lv[i]) {
                    if (v[k].len) memcpy(c->bytes + pos, v[k].ptr, v[k].len);
                    pos += v[k].len;
                    k++;
                }
                off[row0 + i + 1] = (int32_t)pos;
            }
            c->bytes_len = pos;
        }
        break;
    }
    d->row += n;
    return SL_OK;
}

/* Counts the valid rows of a page from its levels, checking them. */
static sl_status count_valid(chunk_dec *d, const uint32_t *lv, size_t n, size_t *nn)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (lv[i] > (uint32_t)d->pc->max_def)
            return cerr(d, SL_ERR_PARQUET, "definition level %u over the maximum %d", lv[i], d->pc->max_def);
        k += lv[i];
    }
    *nn = k;
    return SL_OK;
}

static sl_status read_data_page(chunk_dec *d, const sli_pq_page_header *h, const uint8_t *body)
{
    char err[SLI_PQ_ERRLEN];
    bool v2 = h->type == SLI_PQ_DATA_PAGE_V2;
    if (v2 ? !h->has_v2 : !h->has_v1) return cerr(d, SL_ERR_PARQUET, "a data page without its header");
    if (h->num_values < 0 || (size_t)h->num_values > d->rows - d->row)
        return cerr(d, SL_ERR_PARQUET, "page of %d values after %zu of the row group's %zu rows",
                    (int)h->num_values, d->row, d->rows);
    size_t n = (size_t)h->num_values;
    size_t clen = (size_t)h->compressed_size, ulen = (size_t)h->uncompressed_size;
    const uint8_t *data;
    size_t dlen;
    const uint8_t *lvp = NULL;
    size_t lvlen = 0;
    sl_status s;
    if (v2) {
        if (h->def_length < 0 || h->rep_length < 0 || (size_t)h->def_length + (size_t)h->rep_length > clen ||
            (size_t)h->def_length + (size_t)h->rep_length > ulen)
            return cerr(d, SL_ERR_PARQUET, "level lengths %d + %d exceed the page's %zu bytes",
                        (int)h->rep_length, (int)h->def_length, clen);
        size_t skip = (size_t)h->rep_length + (size_t)h->def_length;
        lvp = body + h->rep_length;
        lvlen = (size_t)h->def_length;
        s = page_data(d, body + skip, clen - skip, ulen - skip, h->is_compressed, &data, NULL);
        if (s) return s;
        dlen = ulen - skip;
        if (h->num_nulls < 0 || h->num_nulls > h->num_values)
            return cerr(d, SL_ERR_PARQUET, "page says %d nulls among %d values", (int)h->num_nulls,
                        (int)h->num_values);
    } else {
        s = page_data(d, body, clen, ulen, true, &data, NULL);
        if (s) return s;
        dlen = ulen;
        if (d->pc->max_def > 0) {
            if (h->def_encoding != SLI_PQ_RLE)
                return cerr(d, SL_ERR_UNSUPPORTED, "definition level encoding %s is not supported",
                            enc_name(h->def_encoding));
            if (dlen < 4) return cerr(d, SL_ERR_PARQUET, "page too short for its definition levels");
            uint32_t l = le32(data);
            if (l > dlen - 4)
                return cerr(d, SL_ERR_PARQUET, "definition levels say %u bytes but only %zu remain", l,
                            dlen - 4);
            lvp = data + 4;
            lvlen = l;
            data += 4 + l;
            dlen -= 4 + (size_t)l;
        }
    }
    const uint32_t *lv = NULL;
    size_t nn = n;
    if (d->pc->max_def > 0) {
        GROW_OR_FAIL(d->levels, d->levels_cap, n, sizeof *d->levels);
        if (!sli_pq_rle_decode(lvp, lvlen, 1, d->levels, n, NULL, err))
            return cerr(d, SL_ERR_PARQUET, "definition levels: %s", err);
        s = count_valid(d, d->levels, n, &nn);
        if (s) return s;
        if (nn < n) lv = d->levels;
        if (v2 && n - nn != (size_t)h->num_nulls)
            return cerr(d, SL_ERR_PARQUET, "page says %d nulls but its levels hold %zu", (int)h->num_nulls,
                        n - nn);
    } else if (v2 && h->num_nulls != 0) {
        return cerr(d, SL_ERR_PARQUET, "a required column's page says %d nulls", (int)h->num_nulls);
    }
    if (d->dict_out && h->encoding != SLI_PQ_PLAIN_DICTIONARY && h->encoding != SLI_PQ_RLE_DICTIONARY)
        return cerr(d, SL_ERR_INTERNAL, "a plain page in a chunk scanned as all-dictionary");
    s = decode_values(d, h->encoding, data, dlen, nn);
    if (s) return s;
    return store(d, n, lv, nn);
}

/* A position in a column chunk's pages. */
typedef struct page_iter {
    const uint8_t *p, *end;
    size_t values; /**< values of the data pages seen */
} page_iter;

/* Reads the next page header. @return SL_OK with *body set, or an error. */
static sl_status next_page(chunk_dec *d, page_iter *it, sli_pq_page_header *h, const uint8_t **body)
{
    size_t at = (size_t)(it->p - d->f->map);
    if (it->p >= it->end)
        return cerr(d, SL_ERR_PARQUET, "the column chunk ends after %zu of %zu values", it->values, d->rows);
    size_t used;
    const char *why;
    if (!sli_pq_page_header_decode(it->p, (size_t)(it->end - it->p), h, &used, &why))
        return cerr(d, SL_ERR_PARQUET, "corrupt page header at offset %zu: %s", at, why);
    it->p += used;
    size_t left = (size_t)(it->end - it->p);
    if ((size_t)h->compressed_size > left)
        return cerr(d, SL_ERR_PARQUET, "page header at offset %zu says %d bytes but only %zu remain", at,
                    (int)h->compressed_size, left);
    *body = it->p;
    it->p += h->compressed_size;
    if (h->type == SLI_PQ_DATA_PAGE || h->type == SLI_PQ_DATA_PAGE_V2) {
        if ((h->type == SLI_PQ_DATA_PAGE && !h->has_v1) || (h->type == SLI_PQ_DATA_PAGE_V2 && !h->has_v2))
            return cerr(d, SL_ERR_PARQUET, "data page at offset %zu without its header", at);
        if (h->num_values < 0 || (size_t)h->num_values > d->rows - it->values)
            return cerr(d, SL_ERR_PARQUET, "page at offset %zu holds %d values after %zu of %zu", at,
                        (int)h->num_values, it->values, d->rows);
        it->values += (size_t)h->num_values;
    }
    return SL_OK;
}

static void chunk_free_scratch(chunk_dec *d)
{
    free(d->dict_vals);
    free(d->dict_buf);
    free(d->page);
    free(d->levels);
    free(d->idx);
    free(d->vals);
    free(d->aux);
    free(d->i64);
    free(d->owned);
}

/* Builds the chunk's sluice dictionary from its dictionary page. */
static sl_status make_dict(chunk_dec *d)
{
    const sli_strview *v = d->dict_vals;
    size_t total = 0;
    for (size_t i = 0; i < d->dict_n; i++) total += v[i].len;
    if (total > INT32_MAX) return cerr(d, SL_ERR_UNSUPPORTED, "a dictionary over 2 GiB");
    sli_dict *dict = sli_dict_new();
    if (!dict) return cnomem(d);
    dict->offsets = sli_buf_alloc((d->dict_n + 1) * sizeof(int32_t));
    dict->bytes = sli_buf_alloc(total);
    dict->views = calloc(d->dict_n ? d->dict_n : 1, sizeof *dict->views);
    if (!dict->offsets || !dict->bytes || !dict->views) {
        sli_dict_unref(dict);
        return cnomem(d);
    }
    size_t pos = 0;
    for (size_t i = 0; i < d->dict_n; i++) {
        dict->offsets[i] = (int32_t)pos;
        if (v[i].len) memcpy(dict->bytes + pos, v[i].ptr, v[i].len);
        dict->views[i].ptr = dict->bytes + pos;
        dict->views[i].len = v[i].len;
        pos += v[i].len;
    }
    dict->offsets[d->dict_n] = (int32_t)pos;
    dict->count = d->dict_n;
    d->out->dict = dict;
    return SL_OK;
}

static sl_status decode_chunk_in(chunk_dec *d)
{
    const sli_pq_chunk *cm = d->cm;
    if (!sli_pq_codec_supported(cm->codec))
        return cerr(d, SL_ERR_UNSUPPORTED, "compression codec %s (%d) is not supported",
                    sli_pq_codec_name(cm->codec), (int)cm->codec);
    if (d->rows == 0) { /* nothing to read (writers leave such chunks' offsets at 0) */
        sli_column *c = calloc(1, sizeof *c);
        if (!c) return cnomem(d);
        d->out = c;
        c->type = d->pc->type;
        c->data = sli_buf_alloc(sizeof(int64_t));
        if (!c->data) return cnomem(d);
        if (d->pc->conv == CV_STR && !(c->bytes = sli_buf_alloc(0))) return cnomem(d);
        return SL_OK;
    }
    int64_t start = cm->data_page_offset;
    if (cm->has_dictionary_page_offset && cm->dictionary_page_offset > 0 &&
        cm->dictionary_page_offset < start)
        start = cm->dictionary_page_offset;
    int64_t len = cm->total_compressed_size;
    if (start < 4 || len < 0 || (uint64_t)start > d->f->data_end ||
        (uint64_t)len > d->f->data_end - (uint64_t)start)
        return cerr(d, SL_ERR_PARQUET,
                    "column chunk of %lld bytes at offset %lld lies outside the file's %zu data bytes",
                    (long long)len, (long long)start, d->f->data_end);
    page_iter it0 = {d->f->map + start, d->f->map + start + len, 0};

    /* Strings: scan the page headers to see whether every data page uses the dictionary. */
    sl_status s;
    if (d->pc->conv == CV_STR) {
        page_iter it = it0;
        bool dict_page = false, all_dict = true;
        while (it.values < d->rows) {
            sli_pq_page_header h;
            const uint8_t *body;
            if ((s = next_page(d, &it, &h, &body)) != SL_OK) return s;
            if (h.type == SLI_PQ_DICTIONARY_PAGE) dict_page = true;
            if ((h.type == SLI_PQ_DATA_PAGE || h.type == SLI_PQ_DATA_PAGE_V2) &&
                h.encoding != SLI_PQ_PLAIN_DICTIONARY && h.encoding != SLI_PQ_RLE_DICTIONARY)
                all_dict = false;
        }
        d->dict_out = dict_page && all_dict;
    }

    sli_column *c = calloc(1, sizeof *c);
    if (!c) return cnomem(d);
    d->out = c;
    c->type = d->pc->type;
    c->length = d->rows;
    size_t w = d->pc->conv == CV_STR ? sizeof(int32_t) : sli_type_width(c->type);
    size_t nvals = d->pc->conv == CV_STR && !d->dict_out ? d->rows + 1 : d->rows;
    c->data = sli_buf_alloc(nvals * w);
    if (!c->data) return cnomem(d);
    if (d->pc->max_def > 0) {
        c->validity = sli_buf_alloc((d->rows + 7) / 8);
        if (!c->validity) return cnomem(d);
    }
    if (d->pc->conv == CV_STR && !d->dict_out) {
        d->bytes_cap = 4096;
        c->bytes = sli_buf_alloc(d->bytes_cap);
        if (!c->bytes) return cnomem(d);
    }

    page_iter it = it0;
    while (d->row < d->rows) {
        sli_pq_page_header h;
        const uint8_t *body;
        if ((s = next_page(d, &it, &h, &body)) != SL_OK) return s;
        switch (h.type) {
        case SLI_PQ_DICTIONARY_PAGE: s = read_dict_page(d, &h, body); break;
        case SLI_PQ_DATA_PAGE:
        case SLI_PQ_DATA_PAGE_V2: s = read_data_page(d, &h, body); break;
        default: break; /* index pages and unknown kinds are skipped */
        }
        if (s) return s;
    }
    if (d->dict_out && (s = make_dict(d)) != SL_OK) return s;
    if (c->validity && c->null_count == 0) {
        sli_buf_free(c->validity);
        c->validity = NULL;
    }
    return SL_OK;
}

/* Decodes column col of row group rg into *out. Errors go to ctx. */
static sl_status decode_chunk(const sli_parquet_file *f, size_t rg, size_t col, sl_context *ctx,
                              sli_column **out)
{
    chunk_dec d;
    memset(&d, 0, sizeof d);
    d.f = f;
    d.pc = &f->cols[col];
    d.cm = &f->meta.row_groups[rg].columns[col];
    d.rg = rg;
    d.ctx = ctx;
    d.rows = (size_t)f->meta.row_groups[rg].num_rows;
    d.es = phys_size(d.pc);
    sl_status s = decode_chunk_in(&d);
    chunk_free_scratch(&d);
    if (s) {
        sli_column_free(d.out);
        *out = NULL;
        return s;
    }
    *out = d.out;
    return SL_OK;
}

/* ------------------------------------------------------------------------ */
/* Reading a table                                                           */
/* ------------------------------------------------------------------------ */

typedef struct read_job {
    const sli_parquet_file *f;
    const size_t *rgs; /**< kept row groups */
    size_t nrg;
    const size_t *cols;
    size_t ncols;
    sli_column **res; /**< nrg * ncols, task order */
    _Atomic size_t next;
    _Atomic bool stop;
    sl_context *wctx;   /**< per worker: its error slot */
    size_t *fail_task;  /**< per worker: its failed task, or SIZE_MAX */
    sl_status *fail_st; /**< per worker: that task's status */
} read_job;

static sl_status read_worker(size_t w, void *arg)
{
    read_job *j = arg;
    size_t ntasks = j->nrg * j->ncols;
    while (!atomic_load(&j->stop)) {
        size_t t = atomic_fetch_add(&j->next, 1);
        if (t >= ntasks) break;
        size_t rg = j->rgs[t / j->ncols], col = j->cols[t % j->ncols];
        sl_status s = decode_chunk(j->f, rg, col, &j->wctx[w], &j->res[t]);
        if (s) {
            j->fail_task[w] = t;
            j->fail_st[w] = s;
            atomic_store(&j->stop, true);
            return s;
        }
    }
    return SL_OK;
}

sl_status sli_parquet_read(sl_context *ctx, sli_parquet_file *f, const char *table_name, const size_t *cols,
                           size_t ncols, const bool *keep, sli_table **out)
{
    *out = NULL;
    if (!f || !table_name)
        return sli_error(ctx, SL_ERR_INVALID_ARG, "sli_parquet_read: a file and a name are required");
    size_t *all = NULL, *rgs = NULL;
    if (!cols) {
        ncols = f->ncols;
        all = malloc((ncols ? ncols : 1) * sizeof *all);
        if (!all) return sli_nomem(ctx, "reading a Parquet file");
        for (size_t i = 0; i < ncols; i++) all[i] = i;
        cols = all;
    }
    for (size_t i = 0; i < ncols; i++)
        if (cols[i] >= f->ncols) {
            free(all);
            return sli_error(ctx, SL_ERR_INVALID_ARG, "%s: column index %zu out of range (%zu columns)",
                             f->path, cols[i], f->ncols);
        }
    sl_status s = SL_OK;
    sli_table *t = sli_table_create(table_name);
    size_t nrg = 0, nrg_all = f->meta.nrow_groups;
    rgs = malloc((nrg_all ? nrg_all : 1) * sizeof *rgs);
    if (!t || !rgs) {
        s = sli_nomem(ctx, "reading a Parquet file");
        goto done;
    }
    for (size_t i = 0; i < ncols && !s; i++)
        if (sli_table_add_field(t, f->cols[cols[i]].name, f->cols[cols[i]].type) != SL_OK)
            s = sli_nomem(ctx, "reading a Parquet file");
    if (s) goto done;
    for (size_t r = 0; r < nrg_all; r++)
        if (!keep || keep[r]) rgs[nrg++] = r;

    if (ncols == 0) { /* no column to decode: partitions that only count rows */
        sli_partition *parts = calloc(nrg ? nrg : 1, sizeof *parts);
        if (!parts) {
            s = sli_nomem(ctx, "reading a Parquet file");
            goto done;
        }
        t->parts = parts;
        t->nparts = nrg;
        for (size_t r = 0; r < nrg; r++) {
            parts[r].rows = (size_t)f->meta.row_groups[rgs[r]].num_rows;
            t->rows += parts[r].rows;
        }
        goto done;
    }

    size_t ntasks = nrg * ncols;
    size_t nw = sl_context_threads(ctx);
    if (nw > ntasks) nw = ntasks;
    if (nw < 1) nw = 1;
    read_job j = {.f = f, .rgs = rgs, .nrg = nrg, .cols = cols, .ncols = ncols};
    atomic_init(&j.next, 0);
    atomic_init(&j.stop, false);
    j.res = calloc(ntasks ? ntasks : 1, sizeof *j.res);
    j.wctx = calloc(nw, sizeof *j.wctx);
    j.fail_task = malloc(nw * sizeof *j.fail_task);
    j.fail_st = calloc(nw, sizeof *j.fail_st);
    if (!j.res || !j.wctx || !j.fail_task || !j.fail_st) {
        s = sli_nomem(ctx, "reading a Parquet file");
    } else {
        for (size_t w = 0; w < nw; w++) j.fail_task[w] = SIZE_MAX;
        if (nw > 1) {
            sli_team team;
            s = sli_team_init(&team, nw, sli_context_topology(ctx),
                              ctx && ctx->numa_off ? SLI_NUMA_OFF : SLI_NUMA_ON, true);
            if (s) {
                s = s == SL_ERR_NOMEM ? sli_nomem(ctx, "reading a Parquet file")
                                      : sli_error(ctx, s, "reading a Parquet file: bad team");
            } else {
                sli_team_run(&team, read_worker, &j); /* failures are in j.fail_* */
                sli_team_free(&team);
            }
        } else {
            read_worker(0, &j);
        }
        if (!s) {
            size_t bw = SIZE_MAX;
            for (size_t w = 0; w < nw; w++)
                if (j.fail_task[w] != SIZE_MAX && (bw == SIZE_MAX || j.fail_task[w] < j.fail_task[bw]))
                    bw = w;
            if (bw != SIZE_MAX) s = sli_error(ctx, j.fail_st[bw], "%s", j.wctx[bw].last_error);
        }
        for (size_t r = 0; r < nrg && !s; r++) {
            sli_column **pc = malloc(ncols * sizeof *pc);
            if (!pc) {
                s = sli_nomem(ctx, "reading a Parquet file");
                break;
            }
            memcpy(pc, j.res + r * ncols, ncols * sizeof *pc);
            memset(j.res + r * ncols, 0, ncols * sizeof *pc); /* the partition owns them now */
            sl_status as = sli_table_add_partition(t, pc);
            if (as == SL_ERR_NOMEM)
                s = sli_nomem(ctx, "reading a Parquet file");
            else if (as)
                s = sli_error(ctx, as, "%s: row group %zu: columns differ in length", f->path, rgs[r]);
        }
    }
    for (size_t i = 0; j.res && i < ntasks; i++) sli_column_free(j.res[i]);
    free(j.res);
    free(j.wctx);
    free(j.fail_task);
    free(j.fail_st);
done:
    free(all);
    free(rgs);
    if (s) {
        sli_table_free(t);
        return s;
    }
    *out = t;
    return SL_OK;
}
