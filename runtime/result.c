/*
 * result.c — sl_result: the materialized rows of an action, with typed
 * accessors and printing as an aligned table, CSV or JSON.
 */
#include <stdlib.h>
#include <string.h>

#include "context.h"
#include "format.h"
#include "io/csv.h"
#include "result.h"
#include "types.h"

sl_result *sli_result_new(sli_table *t)
{
    sl_result *r = calloc(1, sizeof *r);
    size_t *start = malloc((t->nparts + 1) * sizeof *start);
    if (!r || !start) {
        free(r);
        free(start);
        return NULL;
    }
    start[0] = 0;
    for (size_t q = 0; q < t->nparts; q++) start[q + 1] = start[q] + t->parts[q].rows;
    r->t = t;
    r->start = start;
    return r;
}

void sl_result_destroy(sl_result *r)
{
    if (!r) return;
    sli_table_free(r->t);
    free(r->start);
    free(r);
}

/* The column c of the partition holding *row (row < r->t->rows), with *row
 * made relative to that partition. */
static const sli_column *col(const sl_result *r, size_t c, size_t *row)
{
    size_t lo = 0, hi = r->t->nparts - 1; /* the last q with start[q] <= row */
    while (lo < hi) {
        size_t mid = lo + (hi - lo + 1) / 2;
        if (r->start[mid] <= *row)
            lo = mid;
        else
            hi = mid - 1;
    }
    *row -= r->start[lo];
    return r->t->parts[lo].cols[c];
}

size_t sl_result_row_count(const sl_result *r)
{
    return r ? r->t->rows : 0;
}
size_t sl_result_column_count(const sl_result *r)
{
    return r ? r->t->schema.ncols : 0;
}

const char *sl_result_column_name(const sl_result *r, size_t c)
{
    return r && c < r->t->schema.ncols ? r->t->schema.names[c] : NULL;
}

sl_type sl_result_column_type(const sl_result *r, size_t c)
{
    return r && c < r->t->schema.ncols ? r->t->schema.types[c] : sli_type(SL_TYPE_NULL);
}

static bool in_range(const sl_result *r, size_t c, size_t row)
{
    return r && c < r->t->schema.ncols && row < r->t->rows;
}

int sl_result_is_null(const sl_result *r, size_t c, size_t row)
{
    if (!in_range(r, c, row)) return 1;
    const sli_column *k = col(r, c, &row);
    return !sli_valid(k->validity, row);
}

int64_t sl_result_get_int64(const sl_result *r, size_t c, size_t row)
{
    if (!in_range(r, c, row)) return 0;
    const sli_column *k = col(r, c, &row);
    switch (k->type.id) {
    case SL_TYPE_BOOL:
    case SL_TYPE_INT8: return ((const int8_t *)k->data)[row];
    case SL_TYPE_INT16: return ((const int16_t *)k->data)[row];
    case SL_TYPE_INT32:
    case SL_TYPE_DATE32: return ((const int32_t *)k->data)[row];
    case SL_TYPE_INT64:
    case SL_TYPE_DECIMAL: return ((const int64_t *)k->data)[row];
    case SL_TYPE_FLOAT64: return (int64_t)((const double *)k->data)[row];
    default: return 0;
    }
}

double sl_result_get_double(const sl_result *r, size_t c, size_t row)
{
    if (!in_range(r, c, row)) return 0;
    size_t at = row;
    const sli_column *k = col(r, c, &at);
    if (k->type.id == SL_TYPE_FLOAT64) return ((const double *)k->data)[at];
    if (k->type.id == SL_TYPE_DECIMAL)
        return (double)((const int64_t *)k->data)[at] / (double)sli_pow10[k->type.scale];
    return (double)sl_result_get_int64(r, c, row);
}

const char *sl_result_get_string(const sl_result *r, size_t c, size_t row, size_t *len)
{
    if (len) *len = 0;
    if (!in_range(r, c, row)) return NULL;
    const sli_column *k = col(r, c, &row);
    if (k->type.id != SL_TYPE_UTF8) return NULL;
    sli_strview v = sli_column_str(k, row);
    if (len) *len = v.len;
    return v.ptr;
}

size_t sl_result_format_value(const sl_result *r, size_t c, size_t row, char *buf, size_t cap)
{
    if (!in_range(r, c, row)) return 0;
    if (sl_result_is_null(r, c, row)) {
        int n = snprintf(buf, cap, "NULL");
        return n < 0 ? 0 : (size_t)n;
    }
    const sli_column *k = col(r, c, &row);
    return sli_format_value(k, row, buf, cap);
}

/* ---- printing ----------------------------------------------------------- */

static bool right_aligned(sl_type t)
{
    return sli_is_numeric(t);
}

static size_t utf8_width(const char *s, size_t n)
{
    size_t w = 0;
    for (size_t i = 0; i < n; i++) w += ((unsigned char)s[i] & 0xc0) != 0x80;
    return w;
}

/* Formats a value into a malloc'd string when it does not fit buf. */
static const char *cell(const sl_result *r, size_t c, size_t row, char *buf, size_t cap, char **heap,
                        size_t *len)
{
    *heap = NULL;
    size_t n = sl_result_format_value(r, c, row, buf, cap);
    if (n < cap) {
        *len = n;
        return buf;
    }
    *heap = malloc(n + 1);
    if (!*heap) {
        *len = 0;
        return "";
    }
    sl_result_format_value(r, c, row, *heap, n + 1);
    *len = n;
    return *heap;
}

static void rule(FILE *out, const size_t *w, size_t nc)
{
    fputc('+', out);
    for (size_t c = 0; c < nc; c++) {
        for (size_t i = 0; i < w[c] + 2; i++) fputc('-', out);
        fputc('+', out);
    }
    fputc('\n', out);
}

static void pad(FILE *out, size_t n)
{
    for (size_t i = 0; i < n; i++) fputc(' ', out);
}

static sl_status print_table(const sl_result *r, FILE *out)
{
    size_t nc = r->t->schema.ncols, rows = r->t->rows;
    size_t *w = calloc(nc ? nc : 1, sizeof *w);
    if (!w) return SL_ERR_NOMEM;
    char buf[256], tn[32];
    for (size_t c = 0; c < nc; c++) {
        w[c] = utf8_width(r->t->schema.names[c], strlen(r->t->schema.names[c]));
        size_t tw = strlen(sl_type_name(r->t->schema.types[c], tn, sizeof tn));
        if (tw > w[c]) w[c] = tw;
        for (size_t row = 0; row < rows; row++) {
            char *heap;
            size_t len;
            const char *s = cell(r, c, row, buf, sizeof buf, &heap, &len);
            size_t vw = utf8_width(s, len);
            if (vw > w[c]) w[c] = vw;
            free(heap);
        }
    }
    rule(out, w, nc);
    for (int line = 0; line < 2; line++) {
        fputc('|', out);
        for (size_t c = 0; c < nc; c++) {
            const char *h =
                line == 0 ? r->t->schema.names[c] : sl_type_name(r->t->schema.types[c], tn, sizeof tn);
            fprintf(out, " %s", h);
            pad(out, w[c] - utf8_width(h, strlen(h)) + 1);
            fputc('|', out);
        }
        fputc('\n', out);
    }
    rule(out, w, nc);
    for (size_t row = 0; row < rows; row++) {
        fputc('|', out);
        for (size_t c = 0; c < nc; c++) {
            char *heap;
            size_t len;
            const char *s = cell(r, c, row, buf, sizeof buf, &heap, &len);
            size_t vw = utf8_width(s, len);
            fputc(' ', out);
            if (right_aligned(r->t->schema.types[c])) pad(out, w[c] - vw);
            fwrite(s, 1, len, out);
            if (!right_aligned(r->t->schema.types[c])) pad(out, w[c] - vw);
            fputs(" |", out);
            free(heap);
        }
        fputc('\n', out);
    }
    if (rows) rule(out, w, nc);
    fprintf(out, "(%zu row%s)\n", rows, rows == 1 ? "" : "s");
    free(w);
    return SL_OK;
}

static void json_string(FILE *out, const char *s, size_t n)
{
    fputc('"', out);
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '"' || ch == '\\')
            fprintf(out, "\\%c", ch);
        else if (ch == '\n')
            fputs("\\n", out);
        else if (ch == '\r')
            fputs("\\r", out);
        else if (ch == '\t')
            fputs("\\t", out);
        else if (ch < 0x20)
            fprintf(out, "\\u%04x", ch);
        else
            fputc(ch, out);
    }
    fputc('"', out);
}

static sl_status print_json(const sl_result *r, FILE *out)
{
    size_t nc = r->t->schema.ncols, rows = r->t->rows;
    char buf[256];
    fputc('[', out);
    for (size_t row = 0; row < rows; row++) {
        fputs(row ? ",\n {" : "\n {", out);
        for (size_t c = 0; c < nc; c++) {
            if (c) fputs(", ", out);
            json_string(out, r->t->schema.names[c], strlen(r->t->schema.names[c]));
            fputs(": ", out);
            sl_type t = r->t->schema.types[c];
            if (sl_result_is_null(r, c, row)) {
                fputs("null", out);
                continue;
            }
            char *heap;
            size_t len;
            const char *s = cell(r, c, row, buf, sizeof buf, &heap, &len);
            bool finite_number =
                sli_is_numeric(t) && strcmp(s, "inf") && strcmp(s, "-inf") && strcmp(s, "nan");
            if (finite_number || t.id == SL_TYPE_BOOL)
                fwrite(s, 1, len, out);
            else
                json_string(out, s, len);
            free(heap);
        }
        fputc('}', out);
    }
    fputs(rows ? "\n]\n" : "]\n", out);
    return SL_OK;
}

sl_status sl_result_print(const sl_result *r, sl_format fmt, FILE *out)
{
    if (!r || !out) return SL_ERR_INVALID_ARG;
    sl_status s;
    switch (fmt) {
    case SL_FORMAT_CSV: s = sli_csv_write(NULL, r->t, out); break;
    case SL_FORMAT_JSON: s = print_json(r, out); break;
    default: s = print_table(r, out); break;
    }
    if (s) return s;
    return ferror(out) ? SL_ERR_IO : SL_OK;
}
