/*
 * gen_write.c — writing generated tables (see gen.h): dbgen's
 * '|'-terminated .tbl text and CSV byte-identical to sli_csv_write, both
 * formatted in parallel (one partition per worker at a time, written in
 * partition order); and files written piece by piece under a temporary name,
 * then renamed into place.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gen.h"
#include "io/parquet.h"
#include "runtime/buffer.h"
#include "runtime/format.h"
#include "runtime/types.h"

/* Dates formatted once for the range generated data use. */
#define DATE_LO 7000  /* 1989-03-02 */
#define DATE_HI 11700 /* 2002-01-13 */

typedef struct tbl_job {
    const sli_table *t;
    bool csv;
    size_t first, count; /* the partitions of this wave */
    char **buf;          /* per partition of the wave */
    size_t *len;
    atomic_size_t next;
    const char *dates; /* (DATE_HI - DATE_LO) * 10 bytes */
} tbl_job;

static char *put_u64(char *p, uint64_t v)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n) *p++ = tmp[--n];
    return p;
}

static char *put_i64(char *p, int64_t v)
{
    if (v < 0) {
        *p++ = '-';
        return put_u64(p, (uint64_t)0 - (uint64_t)v);
    }
    return put_u64(p, (uint64_t)v);
}

static char *put_decimal(char *p, int64_t v, int scale)
{
    if (scale == 0) return put_i64(p, v);
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    if (v < 0) *p++ = '-';
    uint64_t f = (uint64_t)sli_pow10[scale];
    p = put_u64(p, u / f);
    *p++ = '.';
    uint64_t frac = u % f;
    for (int k = scale - 1; k >= 0; k--) {
        p[k] = (char)('0' + frac % 10);
        frac /= 10;
    }
    return p + scale;
}

/* @return an upper bound of the text of a partition (CSV: every quote
 * doubled and every string quoted). */
static size_t part_bound(const sli_partition *part, size_t ncols)
{
    size_t b = 1;
    for (size_t i = 0; i < ncols; i++) {
        const sli_column *c = part->cols[i];
        if (c->type.id == SL_TYPE_UTF8) {
            if (c->dict) {
                size_t mx = 0;
                for (size_t k = 0; k < c->dict->count; k++)
                    if (c->dict->views[k].len > mx) mx = c->dict->views[k].len;
                b += part->rows * (2 * mx + 3);
            } else {
                b += 2 * c->bytes_len + 3 * part->rows;
            }
        } else {
            b += part->rows * 48; /* a float64's text is under 32 bytes */
        }
    }
    return b;
}

/* Writes a CSV field as sli_csv_write does: quoted when it holds ',', '"',
 * CR or LF, or when force is set (an empty string), quotes doubled. */
static char *put_csv_field(char *p, const char *s, size_t n, bool force)
{
    bool quote = force;
    for (size_t i = 0; i < n && !quote; i++)
        quote = s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r';
    if (!quote) {
        memcpy(p, s, n);
        return p + n;
    }
    *p++ = '"';
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"') *p++ = '"';
        *p++ = s[i];
    }
    *p++ = '"';
    return p;
}

/* Formats one partition as .tbl or CSV text. @return SL_OK or SL_ERR_NOMEM. */
static sl_status format_part(const tbl_job *j, const sli_partition *part, char **out, size_t *out_len)
{
    size_t ncols = j->t->schema.ncols;
    /* from the buffer cache: the text of one partition is large, and a block
     * reused from the previous wave needs no fresh (zeroed) pages */
    char *buf = sli_buf_alloc_uninit(part_bound(part, ncols));
    if (!buf) return SL_ERR_NOMEM;
    char *p = buf;
    const bool csv = j->csv;
    for (size_t row = 0; row < part->rows; row++) {
        for (size_t i = 0; i < ncols; i++) {
            const sli_column *c = part->cols[i];
            if (csv && i) *p++ = ',';
            if (!sli_valid(c->validity, row)) {
                if (!csv) *p++ = '|';
                continue;
            }
            switch (c->type.id) {
            case SL_TYPE_UTF8: {
                sli_strview s = sli_column_str(c, row);
                if (csv) {
                    p = put_csv_field(p, s.ptr, s.len, s.len == 0);
                } else {
                    memcpy(p, s.ptr, s.len);
                    p += s.len;
                }
                break;
            }
            case SL_TYPE_INT64: p = put_i64(p, ((const int64_t *)c->data)[row]); break;
            case SL_TYPE_INT32: p = put_i64(p, ((const int32_t *)c->data)[row]); break;
            case SL_TYPE_INT16: p = put_i64(p, ((const int16_t *)c->data)[row]); break;
            case SL_TYPE_INT8: p = put_i64(p, ((const int8_t *)c->data)[row]); break;
            case SL_TYPE_DECIMAL: p = put_decimal(p, ((const int64_t *)c->data)[row], c->type.scale); break;
            case SL_TYPE_DATE32: {
                int32_t d = ((const int32_t *)c->data)[row];
                if (d >= DATE_LO && d < DATE_HI) {
                    memcpy(p, j->dates + (size_t)(d - DATE_LO) * 10, 10);
                    p += 10;
                } else {
                    p += sli_date_format(d, p, 32);
                }
                break;
            }
            case SL_TYPE_BOOL:
                if (((const int8_t *)c->data)[row]) {
                    memcpy(p, "true", 4);
                    p += 4;
                } else {
                    memcpy(p, "false", 5);
                    p += 5;
                }
                break;
            default: p += sli_format_value(c, row, p, 40); break;
            }
            if (!csv) *p++ = '|';
        }
        *p++ = '\n';
    }
    *out = buf;
    *out_len = (size_t)(p - buf);
    return SL_OK;
}

static sl_status tbl_worker(size_t w, void *arg)
{
    (void)w;
    tbl_job *j = arg;
    for (;;) {
        size_t k = atomic_fetch_add_explicit(&j->next, 1, memory_order_relaxed);
        if (k >= j->count) return SL_OK;
        sl_status s = format_part(j, &j->t->parts[j->first + k], &j->buf[k], &j->len[k]);
        if (s) return s;
    }
}

sl_status sli_gen_write_text(sl_context *ctx, const sli_team *team, const sli_table *t, sli_gen_format fmt,
                             bool header, FILE *out)
{
    if (!t || !out || fmt == SLI_GEN_PARQUET)
        return sli_error(ctx, SL_ERR_INVALID_ARG, "writing text: needs a table, a stream and csv or tbl");
    size_t wave = team ? team->nworkers * 2 : 1;
    tbl_job j;
    memset(&j, 0, sizeof j);
    j.t = t;
    j.csv = fmt == SLI_GEN_CSV;
    j.buf = calloc(wave, sizeof *j.buf);
    j.len = calloc(wave, sizeof *j.len);
    char *dates = malloc((size_t)(DATE_HI - DATE_LO) * 10 + 16);
    if (!j.buf || !j.len || !dates) {
        free(j.buf);
        free(j.len);
        free(dates);
        return sli_nomem(ctx, "writing text");
    }
    for (int32_t d = DATE_LO; d < DATE_HI; d++) {
        char tmp[32];
        sli_date_format(d, tmp, sizeof tmp);
        memcpy(dates + (size_t)(d - DATE_LO) * 10, tmp, 10);
    }
    j.dates = dates;
    sl_status s = SL_OK;
    errno = 0;
    if (j.csv && header) {
        for (size_t i = 0; i < t->schema.ncols; i++) {
            const char *name = t->schema.names[i];
            size_t n = strlen(name);
            char *tmp = malloc(2 * n + 3);
            if (!tmp) {
                s = SL_ERR_NOMEM;
                break;
            }
            if (i) putc(',', out);
            fwrite(tmp, 1, (size_t)(put_csv_field(tmp, name, n, false) - tmp), out);
            free(tmp);
        }
        putc('\n', out);
    }
    for (size_t first = 0; first < t->nparts && !s; first += wave) {
        j.first = first;
        j.count = t->nparts - first < wave ? t->nparts - first : wave;
        atomic_init(&j.next, 0);
        s = team && j.count > 1 ? sli_team_run(team, tbl_worker, &j) : tbl_worker(0, &j);
        for (size_t k = 0; k < j.count; k++) {
            if (!s && j.buf[k] && fwrite(j.buf[k], 1, j.len[k], out) != j.len[k]) s = SL_ERR_IO;
            sli_buf_free(j.buf[k]);
            j.buf[k] = NULL;
        }
    }
    free(j.buf);
    free(j.len);
    free(dates);
    if (s == SL_ERR_NOMEM) return sli_nomem(ctx, "writing text");
    if (!s && fflush(out) != 0) s = SL_ERR_IO;
    if (s || ferror(out))
        return sli_error(ctx, SL_ERR_IO, "cannot write '%s': %s", t->name,
                         errno ? strerror(errno) : "stream error");
    return SL_OK;
}

/* ---- files written piece by piece ------------------------------------------------ */

struct sli_gen_file {
    char *path;
    char *tmp; /* text formats: path.part */
    sli_gen_format fmt;
    FILE *f;
    bool header_done;
    sli_table *whole; /* Parquet: the pieces gathered */
};

sl_status sli_gen_file_open(sl_context *ctx, const char *path, sli_gen_format fmt, sli_gen_file **out)
{
    *out = NULL;
    sli_gen_file *f = calloc(1, sizeof *f);
    size_t n = strlen(path);
    if (f) {
        f->path = strdup(path);
        f->tmp = malloc(n + 8);
    }
    if (!f || !f->path || !f->tmp) {
        if (f) {
            free(f->path);
            free(f->tmp);
        }
        free(f);
        return sli_nomem(ctx, "gen");
    }
    snprintf(f->tmp, n + 8, "%s.part", path);
    f->fmt = fmt;
    if (fmt != SLI_GEN_PARQUET) {
        f->f = fopen(f->tmp, "wb");
        if (!f->f) {
            sl_status s = sli_error(ctx, SL_ERR_IO, "cannot create '%s': %s", f->tmp, strerror(errno));
            free(f->path);
            free(f->tmp);
            free(f);
            return s;
        }
        setvbuf(f->f, NULL, _IOFBF, (size_t)1 << 20);
    }
    *out = f;
    return SL_OK;
}

sl_status sli_gen_file_append(sl_context *ctx, sli_gen_file *f, const sli_team *team, sli_table *piece)
{
    sl_status s = SL_OK;
    if (f->fmt != SLI_GEN_PARQUET) {
        s = sli_gen_write_text(ctx, team, piece, f->fmt, !f->header_done, f->f);
        f->header_done = true;
        sli_table_free(piece);
        return s;
    }
    if (!f->whole) {
        f->whole = piece;
        return SL_OK;
    }
    /* Move the piece's partitions (their columns) to the gathered table. */
    for (size_t p = 0; p < piece->nparts && !s; p++) {
        s = sli_table_add_partition(f->whole, piece->parts[p].cols);
        piece->parts[p].cols = NULL;
        piece->parts[p].rows = 0;
    }
    for (size_t p = 0; p < piece->nparts; p++) {
        if (!piece->parts[p].cols) continue; /* moved */
        for (size_t i = 0; i < piece->schema.ncols; i++) sli_column_free(piece->parts[p].cols[i]);
        free(piece->parts[p].cols);
        piece->parts[p].cols = NULL;
    }
    piece->nparts = 0;
    sli_table_free(piece);
    return s ? sli_nomem(ctx, "gen") : SL_OK;
}

sl_status sli_gen_file_close(sl_context *ctx, sli_gen_file *f, bool commit)
{
    if (!f) return SL_OK;
    sl_status s = SL_OK;
    if (f->fmt == SLI_GEN_PARQUET) {
        if (commit && f->whole) s = sli_parquet_write(ctx, f->whole, f->path, NULL);
        sli_table_free(f->whole);
    } else {
        if (fclose(f->f) != 0 && commit)
            s = sli_error(ctx, SL_ERR_IO, "cannot write '%s': %s", f->tmp, strerror(errno));
        if (commit && !s && rename(f->tmp, f->path) != 0)
            s = sli_error(ctx, SL_ERR_IO, "cannot rename '%s' to '%s': %s", f->tmp, f->path, strerror(errno));
        if (!commit || s) unlink(f->tmp);
    }
    free(f->path);
    free(f->tmp);
    free(f);
    return s;
}
