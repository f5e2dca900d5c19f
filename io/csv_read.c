/*
 * csv_read.c — the CSV reader: file loading, a one-pass tokenizer, type
 * inference and column building (see csv.h).
 *
 * The file is read whole into one writable buffer that the tokenizer owns.
 * Fields are (pointer, length) views into that buffer; a quoted field with ""
 * escapes is unescaped in place, which is safe because every byte is
 * tokenized exactly once. No memory is allocated per field or per row.
 *
 * Without a schema the first sample_max data rows are tokenized and kept as
 * views, every column's type is inferred from them, and they are then
 * appended to the column builders before the rest of the file streams in.
 * Rows go to one builder per column; every part_rows rows the builders are
 * finished into a partition, whose utf8 columns are dictionary-encoded when
 * they have few distinct values.
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "io/csv.h"
#include "runtime/types.h"

#ifndef MAP_POPULATE
#define MAP_POPULATE 0 /* Linux only: pre-faults the mapping */
#endif

#define DEFAULT_SAMPLE_ROWS 10000
#define SHOW_VALUE_MAX      80                  /* longest value quoted in an error message */
#define FIELD_MAX           ((size_t)INT32_MAX) /* utf8 offsets are int32 */

static size_t partition_rows_override; /* tests only; 0 means SLI_PARTITION_ROWS */

void sli_csv_set_partition_rows(size_t n)
{
    partition_rows_override = n;
}

/* ---- the tokenizer -------------------------------------------------------- */

/** One field of a row: a view into the file buffer. */
typedef struct field {
    const char *p;
    uint32_t len;
    uint32_t quoted; /* written in quotes: "" is then an empty string, not a null */
} field;

enum {
    LEX_EOF = 0,
    LEX_ROW = 1,
    LEX_UNTERMINATED = -1,
    LEX_AFTER_QUOTE = -2,
    LEX_NOMEM = -3,
    LEX_TOO_LONG = -4
};

typedef struct lexer {
    char *cur;       /* next byte to tokenize */
    char *end;       /* end of the data (trailing newlines already cut off) */
    size_t line;     /* 1-based physical line of cur */
    size_t row_line; /* physical line where the last row started */
    char delim;
    field *f; /* fields of the last row */
    size_t nf, fcap;
} lexer;

static size_t count_newlines(const char *p, const char *end)
{
    size_t n = 0;
    while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
        n++;
        p++;
    }
    return n;
}

/*
 * Tokenizes one row into lx->f. A row ends at an unquoted '\n' (a '\r' before
 * it is dropped) or at the end of the data. @return LEX_ROW, LEX_EOF or a
 * negative LEX_ error; on error lx->row_line still tells where the row began.
 */
static int lex_row(lexer *lx)
{
    char *p = lx->cur, *end = lx->end, *eol = NULL;
    const char delim = lx->delim;
    if (p >= end) return LEX_EOF;
    lx->row_line = lx->line;
    lx->nf = 0;
    for (;;) {
        if (lx->nf == lx->fcap) {
            size_t cap = lx->fcap ? lx->fcap * 2 : 64;
            field *nfld = realloc(lx->f, cap * sizeof *nfld);
            if (!nfld) return LEX_NOMEM;
            lx->f = nfld;
            lx->fcap = cap;
        }
        field *f = &lx->f[lx->nf++];
        char *start;
        size_t n;
        if (p < end && *p == '"') {
            /* Quoted: copy segments between escapes down over the escapes. */
            start = ++p;
            char *w = start;
            for (;;) {
                char *q = memchr(p, '"', (size_t)(end - p));
                if (!q) return LEX_UNTERMINATED;
                lx->line += count_newlines(p, q);
                if (w != p) memmove(w, p, (size_t)(q - p));
                w += q - p;
                if (q + 1 < end && q[1] == '"') {
                    *w++ = '"';
                    p = q + 2;
                    continue;
                }
                p = q + 1;
                break;
            }
            n = (size_t)(w - start);
            while (p < end && (*p == ' ' || *p == '\t') && *p != delim) p++;
            if (p < end && *p == '\r' && (p + 1 == end || p[1] == '\n')) p++;
            if (p < end && *p != delim && *p != '\n') return LEX_AFTER_QUOTE;
            f->quoted = 1;
        } else {
            /* Unquoted: runs to the next delimiter on this physical line. */
            if (!eol || eol < p) {
                eol = memchr(p, '\n', (size_t)(end - p));
                if (!eol) eol = end;
            }
            start = p;
            char *d = memchr(p, delim, (size_t)(eol - p));
            p = d ? d : eol;
            n = (size_t)(p - start);
            if (n && start[n - 1] == '\r' && p == eol) n--;
            f->quoted = 0;
        }
        if (n > FIELD_MAX) return LEX_TOO_LONG;
        f->p = start;
        f->len = (uint32_t)n;
        if (p == end) break;
        if (*p == delim) {
            p++;
            continue;
        }
        p++; /* the '\n' ending the row */
        lx->line++;
        break;
    }
    lx->cur = p;
    return LEX_ROW;
}

/* ---- value parsing --------------------------------------------------------- */

static bool word_eq(const char *p, size_t n, const char *w)
{
    return strlen(w) == n && strncasecmp(p, w, n) == 0;
}

/** @return 1 for true, 0 for false, -1 when p is neither (true/false/1/0). */
static int parse_bool(const char *p, size_t n)
{
    if (word_eq(p, n, "true") || (n == 1 && p[0] == '1')) return 1;
    if (word_eq(p, n, "false") || (n == 1 && p[0] == '0')) return 0;
    return -1;
}

/* sli_float_parse lets strtod skip leading blanks; a CSV value with blanks
 * around it is text, so they are refused here. */
static bool parse_f64(const char *p, size_t n, double *out)
{
    return n > 0 && !isspace((unsigned char)p[0]) && sli_float_parse(p, n, out);
}

/*
 * Recognizes a plain decimal number: optional sign, digits, optional '.' and
 * digits, at least one digit, nothing else (no exponent, no blanks).
 * @return true with the count of integer digits (leading zeros excluded) and
 *         of fraction digits.
 */
static bool plain_number(const char *p, size_t n, int *int_digits, int *frac_digits)
{
    size_t i = 0;
    if (i < n && (p[i] == '-' || p[i] == '+')) i++;
    while (i < n && p[i] == '0') i++;
    size_t a = i;
    while (i < n && p[i] >= '0' && p[i] <= '9') i++;
    size_t idig = i - a;
    bool any = i > 0 && p[i - 1] >= '0' && p[i - 1] <= '9';
    size_t fdig = 0;
    if (i < n && p[i] == '.') {
        i++;
        size_t b = i;
        while (i < n && p[i] >= '0' && p[i] <= '9') i++;
        fdig = i - b;
    }
    if (i != n || (!any && fdig == 0) || idig > 99 || fdig > 99) return false;
    *int_digits = (int)idig;
    *frac_digits = (int)fdig;
    return true;
}

/*
 * The parsers below take a fast path for the common shapes (plain digits,
 * YYYY-MM-DD) and hand everything else to the general parsers in types.c,
 * which give the same answer on the fast shapes.
 */

static inline unsigned digit(char c)
{
    return (unsigned)(unsigned char)c - '0';
}

static bool parse_int(const char *p, size_t n, int64_t *out)
{
    bool neg = n > 0 && p[0] == '-';
    size_t i = neg;
    if (n - i == 0 || n - i > 18) return sli_int_parse(p, n, out); /* 18 digits cannot overflow */
    int64_t v = 0;
    for (; i < n; i++) {
        unsigned d = digit(p[i]);
        if (d > 9) return sli_int_parse(p, n, out);
        v = v * 10 + d;
    }
    *out = neg ? -v : v;
    return true;
}

static int month_days(int y, int m)
{
    static const int len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    return m == 2 && leap ? 29 : len[m - 1];
}

static bool parse_date(const char *p, size_t n, int32_t *out)
{
    if (n == 10 && p[4] == '-' && p[7] == '-') {
        static const unsigned char at[8] = {0, 1, 2, 3, 5, 6, 8, 9};
        unsigned d[8];
        bool ok = true;
        for (int k = 0; k < 8; k++) ok &= (d[k] = digit(p[at[k]])) <= 9;
        if (ok) {
            int y = (int)(d[0] * 1000 + d[1] * 100 + d[2] * 10 + d[3]);
            int m = (int)(d[4] * 10 + d[5]), dd = (int)(d[6] * 10 + d[7]);
            if (m < 1 || m > 12 || dd < 1 || dd > month_days(y, m)) return false;
            *out = sli_date_from_civil(y, m, dd);
            return true;
        }
    }
    return sli_date_parse(p, n, out);
}

/* A decimal at the column's scale: more fraction digits than the scale, or
 * more integer digits than precision - scale, is an error, not a rounding. */
static bool parse_decimal(const char *p, size_t n, sl_type t, int64_t *out)
{
    bool neg = n > 0 && p[0] == '-';
    size_t i = neg, nd = 0, fd = 0;
    int64_t v = 0;
    for (; i < n && digit(p[i]) <= 9 && nd < 18; i++, nd++) v = v * 10 + digit(p[i]);
    if (i < n && p[i] == '.')
        for (i++; i < n && digit(p[i]) <= 9 && nd + fd < 18; i++, fd++) v = v * 10 + digit(p[i]);
    if (i == n && nd + fd > 0 && fd <= t.scale && nd + t.scale <= 18) {
        v *= sli_pow10[t.scale - fd];
    } else { /* signs, long digit strings, errors */
        const char *dot = memchr(p, '.', n);
        if (dot && (size_t)(p + n - (dot + 1)) > t.scale) return false;
        if (!sli_decimal_parse(p, n, t.scale, &v)) return false;
        if (v < 0) v = -v, neg = true; /* v > -10^18: the negation fits */
    }
    if (v >= sli_pow10[t.precision]) return false;
    *out = neg ? -v : v;
    return true;
}

static bool int_fits(sl_type t, int64_t v)
{
    switch (t.id) {
    case SL_TYPE_INT8: return v >= INT8_MIN && v <= INT8_MAX;
    case SL_TYPE_INT16: return v >= INT16_MIN && v <= INT16_MAX;
    case SL_TYPE_INT32: return v >= INT32_MIN && v <= INT32_MAX;
    default: return true;
    }
}

/* ---- type inference -------------------------------------------------------- */

enum { CAND_BOOL = 1, CAND_INT = 2, CAND_DEC = 4, CAND_FLOAT = 8, CAND_DATE = 16, CAND_ALL = 31 };

/** What the sampled values of one column still allow. */
typedef struct infer_state {
    unsigned cand;      /* CAND_ bits of the types every value so far parses as */
    size_t nonnull;     /* values seen that are not null */
    int max_scale;      /* most fraction digits of a plain number */
    int max_int_digits; /* most integer digits of a plain number */
} infer_state;

static void infer_value(infer_state *s, const char *p, size_t n)
{
    unsigned c = s->cand;
    s->nonnull++;
    if ((c & CAND_BOOL) && !(word_eq(p, n, "true") || word_eq(p, n, "false"))) c &= ~(unsigned)CAND_BOOL;
    int64_t iv;
    if ((c & CAND_INT) && !sli_int_parse(p, n, &iv)) c &= ~(unsigned)CAND_INT;
    if (c & CAND_DEC) {
        int id, fd;
        if (!plain_number(p, n, &id, &fd) || fd > 6) {
            c &= ~(unsigned)CAND_DEC;
        } else {
            if (fd > s->max_scale) s->max_scale = fd;
            if (id > s->max_int_digits) s->max_int_digits = id;
        }
    }
    double dv;
    if ((c & CAND_FLOAT) && !parse_f64(p, n, &dv)) c &= ~(unsigned)CAND_FLOAT;
    int32_t days;
    if ((c & CAND_DATE) && !sli_date_parse(p, n, &days)) c &= ~(unsigned)CAND_DATE;
    s->cand = c;
}

/** @return the narrowest type that every sampled value of a column fits. */
static sl_type infer_type(const infer_state *s)
{
    if (s->nonnull == 0) return sli_type(SL_TYPE_UTF8);
    if (s->cand & CAND_BOOL) return sli_type(SL_TYPE_BOOL);
    if (s->cand & CAND_INT) return sli_type(SL_TYPE_INT64);
    if ((s->cand & CAND_DEC) && s->max_int_digits + s->max_scale <= 18) return sli_decimal(18, s->max_scale);
    if (s->cand & CAND_FLOAT) return sli_type(SL_TYPE_FLOAT64);
    if (s->cand & CAND_DATE) return sli_type(SL_TYPE_DATE32);
    return sli_type(SL_TYPE_UTF8);
}

/* ---- the reader ------------------------------------------------------------ */

/** Everything one read builds; reader_free releases whatever is set. */
typedef struct reader {
    sl_context *ctx;
    const char *path;
    char delim;
    bool header;
    bool inferred;     /* types come from the sample, not a schema */
    size_t sample_max; /* data rows sampled for inference */
    char *data;        /* the whole file */
    size_t data_len;
    const char *data_start; /* first byte of the first data row */
    lexer lx;
    bool pending;      /* lx holds a data row not consumed yet */
    size_t rows_lexed; /* data rows tokenized so far */
    size_t ncols;
    char **names; /* ncols owned names once known */
    sl_type *types;
    size_t nnames; /* entries of names that are set */
    size_t names_cap;
    infer_state *infer;
    field *sample; /* nsample rows of ncols fields */
    size_t *sample_lines;
    size_t nsample, sample_cap;
    sli_table *table;
    sli_colbuilder *builders; /* ncols, one per column */
    size_t part_rows;         /* rows per partition */
    size_t rows_in_part;      /* rows in the builders now */
    size_t rows_appended;
    size_t nutf8;
    size_t *utf8_cols; /* the utf8 columns, for the 2 GiB per partition check */
} reader;

static void reader_free(reader *r)
{
    free(r->data);
    free(r->lx.f);
    for (size_t i = 0; i < r->nnames; i++) free(r->names[i]);
    free(r->names);
    free(r->types);
    free(r->infer);
    free(r->sample);
    free(r->sample_lines);
    if (r->builders)
        for (size_t i = 0; i < r->ncols; i++) sli_colbuilder_discard(&r->builders[i]);
    free(r->builders);
    free(r->utf8_cols);
    sli_table_free(r->table);
}

static sl_status load_file(reader *r)
{
    FILE *f = fopen(r->path, "rb");
    if (!f) return sli_error(r->ctx, SL_ERR_IO, "cannot open '%s': %s", r->path, strerror(errno));
    struct stat st;
    int e = fstat(fileno(f), &st) != 0 ? errno : S_ISDIR(st.st_mode) ? EISDIR : 0;
    if (e) {
        fclose(f);
        return sli_error(r->ctx, SL_ERR_IO, "cannot open '%s': %s", r->path, strerror(e));
    }
    /* Read into memory rather than mmap: a file truncated by another process
     * while mapped would kill the host program with SIGBUS. */
    size_t cap = S_ISREG(st.st_mode) && st.st_size > 0 ? (size_t)st.st_size + 1 : 65536;
    char *buf = malloc(cap);
    if (!buf) {
        fclose(f);
        return sli_nomem(r->ctx, "reading a CSV file");
    }
    size_t len = 0, got;
    while ((got = fread(buf + len, 1, cap - len, f)) > 0) {
        len += got;
        if (len == cap) { /* not a regular file, or it grew: read on */
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                fclose(f);
                return sli_nomem(r->ctx, "reading a CSV file");
            }
            buf = nb;
            cap *= 2;
        }
    }
    if (ferror(f)) {
        e = errno;
        free(buf);
        fclose(f);
        return sli_error(r->ctx, SL_ERR_IO, "cannot read '%s': %s", r->path, strerror(e));
    }
    fclose(f);
    r->data = buf;
    r->data_len = len;
    return SL_OK;
}

static sl_status add_name(reader *r, const char *p, size_t n, sl_type t)
{
    if (r->nnames == r->names_cap) {
        size_t cap = r->names_cap ? r->names_cap * 2 : 8;
        char **nn = realloc(r->names, cap * sizeof *nn);
        if (!nn) return sli_nomem(r->ctx, "reading CSV column names");
        r->names = nn;
        sl_type *nt = realloc(r->types, cap * sizeof *nt);
        if (!nt) return sli_nomem(r->ctx, "reading CSV column names");
        r->types = nt;
        r->names_cap = cap;
    }
    char *s = strndup(p, n);
    if (!s) return sli_nomem(r->ctx, "reading CSV column names");
    r->names[r->nnames] = s;
    r->types[r->nnames] = t;
    r->nnames++;
    return SL_OK;
}

static void trim(const char **p, size_t *n)
{
    while (*n && isspace((unsigned char)**p)) (*p)++, (*n)--;
    while (*n && isspace((unsigned char)(*p)[*n - 1])) (*n)--;
}

/* Parses "name type, name type, ..."; commas inside decimal(p,s) do not split. */
static sl_status parse_schema(reader *r, const char *schema)
{
    const char *p = schema;
    for (;;) {
        const char *item = p;
        int depth = 0;
        while (*p && !(*p == ',' && depth == 0)) {
            if (*p == '(') depth++;
            if (*p == ')' && depth > 0) depth--;
            p++;
        }
        size_t n = (size_t)(p - item);
        trim(&item, &n);
        if (n == 0)
            return sli_error(r->ctx, SL_ERR_INVALID_ARG,
                             "invalid schema for '%s': empty column definition in '%s'", r->path, schema);
        size_t nl = 0;
        while (nl < n && !isspace((unsigned char)item[nl])) nl++;
        const char *ty = item + nl;
        size_t tn = n - nl;
        trim(&ty, &tn);
        if (tn == 0)
            return sli_error(r->ctx, SL_ERR_INVALID_ARG, "invalid schema for '%s': column '%.*s' has no type",
                             r->path, (int)nl, item);
        sl_type t;
        if (!sli_type_parse(ty, tn, &t))
            return sli_error(r->ctx, SL_ERR_INVALID_ARG,
                             "invalid schema for '%s': column '%.*s' has unknown type '%.*s'", r->path,
                             (int)nl, item, (int)tn, ty);
        for (size_t i = 0; i < r->nnames; i++)
            if (strlen(r->names[i]) == nl && memcmp(r->names[i], item, nl) == 0)
                return sli_error(r->ctx, SL_ERR_INVALID_ARG,
                                 "invalid schema for '%s': column '%.*s' appears twice", r->path, (int)nl,
                                 item);
        sl_status s = add_name(r, item, nl, t);
        if (s) return s;
        if (!*p) break;
        p++;
    }
    r->ncols = r->nnames;
    return SL_OK;
}

static sl_status lex_error(reader *r, int k)
{
    switch (k) {
    case LEX_UNTERMINATED:
        return sli_error(r->ctx, SL_ERR_CSV, "%s:%zu: unterminated quoted field", r->path, r->lx.row_line);
    case LEX_AFTER_QUOTE:
        return sli_error(r->ctx, SL_ERR_CSV,
                         "%s:%zu: unexpected character after a closing quote (a quote inside a quoted field "
                         "is written as \"\")",
                         r->path, r->lx.row_line);
    case LEX_TOO_LONG:
        return sli_error(r->ctx, SL_ERR_CSV, "%s:%zu: field longer than 2 GiB", r->path, r->lx.row_line);
    default: return sli_nomem(r->ctx, "tokenizing a CSV file");
    }
}

/* @return the next data row in r->lx (the pending one first). */
static int next_row(reader *r)
{
    if (r->pending) {
        r->pending = false;
        return LEX_ROW;
    }
    int k = lex_row(&r->lx);
    if (k == LEX_ROW) r->rows_lexed++;
    return k;
}

/* Checks the field count of the row in r->lx; drops a trailing empty field of
 * a '|' file written with a delimiter after the last column (TPC-H .tbl). */
static sl_status check_fields(reader *r)
{
    lexer *lx = &r->lx;
    if (lx->nf == r->ncols) return SL_OK;
    if (r->delim == '|' && lx->nf == r->ncols + 1 && lx->f[r->ncols].len == 0 && !lx->f[r->ncols].quoted) {
        lx->nf--;
        return SL_OK;
    }
    return sli_error(r->ctx, SL_ERR_CSV, "%s:%zu: expected %zu fields, found %zu", r->path, lx->row_line,
                     r->ncols, lx->nf);
}

static sl_status bad_value(reader *r, size_t col, const field *f, size_t line)
{
    char tn[32];
    sl_type_name(r->types[col], tn, sizeof tn);
    int shown = f->len > SHOW_VALUE_MAX ? SHOW_VALUE_MAX : (int)f->len;
    const char *more = f->len > SHOW_VALUE_MAX ? "..." : "";
    if (r->inferred)
        return sli_error(r->ctx, SL_ERR_CSV,
                         "%s:%zu: column '%s': '%.*s%s' is not a valid %s (type inferred from the first %zu "
                         "rows; give a schema to override)",
                         r->path, line, r->names[col], shown, f->p, more, tn, r->sample_max);
    return sli_error(r->ctx, SL_ERR_CSV, "%s:%zu: column '%s': '%.*s%s' is not a valid %s", r->path, line,
                     r->names[col], shown, f->p, more, tn);
}

static sl_status append_field(reader *r, size_t col, const field *f, size_t line)
{
    sli_colbuilder *b = &r->builders[col];
    sl_type t = r->types[col];
    const char *p = f->p;
    size_t n = f->len;
    sl_status s;
    if (n == 0) {
        s = t.id == SL_TYPE_UTF8 && f->quoted ? sli_colbuilder_append_str(b, p, 0)
                                              : sli_colbuilder_append_null(b);
    } else {
        switch (t.id) {
        case SL_TYPE_UTF8: s = sli_colbuilder_append_str(b, p, n); break;
        case SL_TYPE_BOOL: {
            int v = parse_bool(p, n);
            if (v < 0) return bad_value(r, col, f, line);
            s = sli_colbuilder_append_i64(b, v);
            break;
        }
        case SL_TYPE_INT8:
        case SL_TYPE_INT16:
        case SL_TYPE_INT32:
        case SL_TYPE_INT64: {
            int64_t v;
            if (!parse_int(p, n, &v) || !int_fits(t, v)) return bad_value(r, col, f, line);
            s = sli_colbuilder_append_i64(b, v);
            break;
        }
        case SL_TYPE_FLOAT64: {
            double v;
            if (!parse_f64(p, n, &v)) return bad_value(r, col, f, line);
            s = sli_colbuilder_append_f64(b, v);
            break;
        }
        case SL_TYPE_DATE32: {
            int32_t v;
            if (!parse_date(p, n, &v)) return bad_value(r, col, f, line);
            s = sli_colbuilder_append_i64(b, v);
            break;
        }
        case SL_TYPE_DECIMAL: {
            int64_t v;
            if (!parse_decimal(p, n, t, &v)) return bad_value(r, col, f, line);
            s = sli_colbuilder_append_i64(b, v);
            break;
        }
        default:
            return sli_error(r->ctx, SL_ERR_UNSUPPORTED, "%s: column '%s': cannot read type %d from CSV",
                             r->path, r->names[col], (int)t.id);
        }
    }
    if (s == SL_OK) return SL_OK;
    if (s == SL_ERR_NOMEM) return sli_nomem(r->ctx, "building CSV columns");
    return sli_error(r->ctx, s, "%s:%zu: column '%s': cannot append value", r->path, line, r->names[col]);
}

/* Reserves builder room for the rows the rest of the file likely holds. */
static sl_status reserve_partition(reader *r)
{
    size_t seen = (size_t)(r->lx.cur - r->data_start);
    if (r->rows_lexed == 0 || seen == 0) return SL_OK;
    double total = (double)r->rows_lexed * (double)(r->lx.end - r->data_start) / (double)seen;
    double left = total - (double)r->rows_appended;
    size_t want = left < 1 ? 1 : left > (double)r->part_rows ? r->part_rows : (size_t)left + 1;
    for (size_t i = 0; i < r->ncols; i++)
        if (sli_colbuilder_reserve(&r->builders[i], want) != SL_OK)
            return sli_nomem(r->ctx, "building CSV columns");
    return SL_OK;
}

/* Finishes the builders into a partition of the table and starts new ones. */
static sl_status flush_partition(reader *r)
{
    size_t rows = r->rows_in_part;
    sli_column **cols = calloc(r->ncols, sizeof *cols);
    if (!cols) return sli_nomem(r->ctx, "building a CSV partition");
    bool ok = true;
    for (size_t i = 0; i < r->ncols; i++) {
        cols[i] = sli_colbuilder_finish(&r->builders[i]);
        sli_colbuilder_init(&r->builders[i], r->types[i]);
        if (!cols[i]) {
            ok = false;
            break;
        }
    }
    size_t max_distinct = rows / 2 < 16 ? 16 : rows / 2;
    if (max_distinct > 65536) max_distinct = 65536;
    for (size_t k = 0; ok && k < r->nutf8; k++)
        if (sli_column_dict_encode(cols[r->utf8_cols[k]], max_distinct) != SL_OK) ok = false;
    if (!ok) {
        for (size_t i = 0; i < r->ncols; i++) sli_column_free(cols[i]);
        free(cols);
        return sli_nomem(r->ctx, "building a CSV partition");
    }
    sl_status s = sli_table_add_partition(r->table, cols); /* owns cols from here */
    if (s == SL_ERR_NOMEM) return sli_nomem(r->ctx, "building a CSV partition");
    if (s) return sli_error(r->ctx, s, "%s: columns of a partition differ in length", r->path);
    r->rows_in_part = 0;
    return SL_OK;
}

static sl_status append_row(reader *r, const field *f, size_t line)
{
    sl_status s;
    if (r->rows_in_part == r->part_rows) {
        if ((s = flush_partition(r)) != SL_OK || (s = reserve_partition(r)) != SL_OK) return s;
    }
    /* utf8 offsets are int32: start a new partition before a column's bytes
     * would pass 2 GiB. */
    for (size_t k = 0; k < r->nutf8 && r->rows_in_part > 0; k++) {
        size_t c = r->utf8_cols[k];
        if (r->builders[c].col.bytes_len + f[c].len > FIELD_MAX) {
            if ((s = flush_partition(r)) != SL_OK) return s;
            break;
        }
    }
    for (size_t i = 0; i < r->ncols; i++)
        if ((s = append_field(r, i, &f[i], line)) != SL_OK) return s;
    r->rows_in_part++;
    r->rows_appended++;
    return SL_OK;
}

/* Reads the header (or the first data row), setting ncols and the names. */
static sl_status read_first_row(reader *r)
{
    lexer *lx = &r->lx;
    char *row_start = lx->cur;
    int k = lex_row(lx);
    if (k < 0) return lex_error(r, k);
    size_t nf = lx->nf;
    bool trailing = r->delim == '|' && nf > 1 && lx->f[nf - 1].len == 0 && !lx->f[nf - 1].quoted;
    if (r->ncols) { /* from the schema */
        if (nf != r->ncols && !(trailing && nf == r->ncols + 1))
            return sli_error(r->ctx, SL_ERR_CSV, "%s:%zu: the schema has %zu columns but the file has %zu",
                             r->path, lx->row_line, r->ncols, trailing ? nf - 1 : nf);
    } else {
        r->ncols = trailing ? nf - 1 : nf;
        for (size_t i = 0; i < r->ncols; i++) {
            char gen[32];
            const char *p = gen;
            size_t n = 0;
            if (r->header) {
                p = lx->f[i].p;
                n = lx->f[i].len;
                trim(&p, &n);
            }
            if (n == 0) {
                n = (size_t)snprintf(gen, sizeof gen, "c%zu", i);
                p = gen;
            }
            for (size_t j = 0; j < r->nnames; j++)
                if (strlen(r->names[j]) == n && memcmp(r->names[j], p, n) == 0)
                    return sli_error(r->ctx, SL_ERR_CSV, "%s:%zu: duplicate column name '%.*s' in the header",
                                     r->path, lx->row_line, (int)n, p);
            sl_status s = add_name(r, p, n, sli_type(SL_TYPE_UTF8));
            if (s) return s;
        }
    }
    if (r->header) {
        r->data_start = lx->cur;
    } else {
        r->data_start = row_start;
        r->pending = true;
        r->rows_lexed = 1;
    }
    return SL_OK;
}

/* Tokenizes the sample rows, keeping them, and infers the column types. */
static sl_status sample_and_infer(reader *r)
{
    r->infer = calloc(r->ncols, sizeof *r->infer);
    if (!r->infer) return sli_nomem(r->ctx, "inferring CSV types");
    for (size_t i = 0; i < r->ncols; i++) r->infer[i].cand = CAND_ALL;
    while (r->nsample < r->sample_max) {
        int k = next_row(r);
        if (k == LEX_EOF) break;
        if (k < 0) return lex_error(r, k);
        sl_status s = check_fields(r);
        if (s) return s;
        if (r->nsample == r->sample_cap) {
            size_t cap = r->sample_cap ? r->sample_cap * 2 : 256;
            if (cap > r->sample_max) cap = r->sample_max;
            field *nf = realloc(r->sample, cap * r->ncols * sizeof *nf);
            if (!nf) return sli_nomem(r->ctx, "sampling a CSV file");
            r->sample = nf;
            size_t *nl = realloc(r->sample_lines, cap * sizeof *nl);
            if (!nl) return sli_nomem(r->ctx, "sampling a CSV file");
            r->sample_lines = nl;
            r->sample_cap = cap;
        }
        field *row = r->sample + r->nsample * r->ncols;
        memcpy(row, r->lx.f, r->ncols * sizeof *row);
        r->sample_lines[r->nsample++] = r->lx.row_line;
        for (size_t i = 0; i < r->ncols; i++)
            if (row[i].len) infer_value(&r->infer[i], row[i].p, row[i].len);
    }
    for (size_t i = 0; i < r->ncols; i++) r->types[i] = infer_type(&r->infer[i]);
    return SL_OK;
}

static sl_status build_table(reader *r, const char *table_name)
{
    r->table = sli_table_create(table_name);
    r->builders = calloc(r->ncols, sizeof *r->builders);
    r->utf8_cols = malloc(r->ncols * sizeof *r->utf8_cols);
    if (!r->table || !r->builders || !r->utf8_cols) return sli_nomem(r->ctx, "creating a CSV table");
    for (size_t i = 0; i < r->ncols; i++) {
        if (sli_table_add_field(r->table, r->names[i], r->types[i]) != SL_OK)
            return sli_nomem(r->ctx, "creating a CSV table");
        sli_colbuilder_init(&r->builders[i], r->types[i]);
        if (r->types[i].id == SL_TYPE_UTF8) r->utf8_cols[r->nutf8++] = i;
    }
    r->part_rows = partition_rows_override ? partition_rows_override : SLI_PARTITION_ROWS;
    sl_status s = reserve_partition(r);
    for (size_t k = 0; !s && k < r->nsample; k++)
        s = append_row(r, r->sample + k * r->ncols, r->sample_lines[k]);
    if (s) return s;
    free(r->sample);
    free(r->sample_lines);
    r->sample = NULL;
    r->sample_lines = NULL;
    for (;;) {
        int k = next_row(r);
        if (k == LEX_EOF) break;
        if (k < 0) return lex_error(r, k);
        if ((s = check_fields(r)) != SL_OK) return s;
        if ((s = append_row(r, r->lx.f, r->lx.row_line)) != SL_OK) return s;
    }
    return r->rows_in_part > 0 ? flush_partition(r) : SL_OK;
}

sl_status sli_csv_read(sl_context *ctx, const char *table_name, const char *path, const sl_csv_options *opts,
                       sli_table **out)
{
    if (out) *out = NULL;
    if (!table_name || !path || !out)
        return sli_error(ctx, SL_ERR_INVALID_ARG,
                         "reading CSV: table name, path and output must not be NULL");
    reader r;
    memset(&r, 0, sizeof r);
    r.ctx = ctx;
    r.path = path;
    r.delim = opts && opts->delimiter ? opts->delimiter : ',';
    if (r.delim == '"' || r.delim == '\n' || r.delim == '\r')
        return sli_error(ctx, SL_ERR_INVALID_ARG,
                         "reading '%s': the delimiter cannot be a quote or a line end", path);
    r.header = !(opts && opts->no_header);
    r.inferred = !(opts && opts->schema);
    r.sample_max = !r.inferred ? 0 : opts && opts->sample_rows ? opts->sample_rows : DEFAULT_SAMPLE_ROWS;

    sl_status s = r.inferred ? SL_OK : parse_schema(&r, opts->schema);
    if (!s) s = load_file(&r);
    if (!s) {
        char *p = r.data, *end = r.data + r.data_len;
        if (end - p >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) p += 3; /* UTF-8 byte order mark */
        while (end > p && (end[-1] == '\n' || end[-1] == '\r')) end--; /* trailing blank lines */
        r.lx.cur = p;
        r.lx.end = end;
        r.lx.line = 1;
        r.lx.delim = r.delim;
        if (p == end) s = sli_error(ctx, SL_ERR_CSV, "%s: empty file", path);
    }
    if (!s) s = read_first_row(&r);
    if (!s && r.inferred) s = sample_and_infer(&r);
    if (!s) s = build_table(&r, table_name);
    if (!s) {
        *out = r.table;
        r.table = NULL;
    }
    reader_free(&r);
    return s;
}
