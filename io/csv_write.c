/*
 * csv_write.c — writing a table as RFC 4180 CSV (see csv.h).
 *
 * The output reads back through sli_csv_read to the same values: nulls are
 * empty fields, empty strings are "" and every value is formatted by
 * sli_format_value (float64 as shortest round-trip text).
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "io/csv.h"
#include "runtime/format.h"

/* @return true when a field's text must be written in quotes. */
static bool needs_quotes(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (c == ',' || c == '"' || c == '\n' || c == '\r') return true;
    }
    return false;
}

/* Writes one field, quoting it when needed (or when force_quotes is set). */
static void put_field(FILE *out, const char *p, size_t n, bool force_quotes)
{
    if (!force_quotes && !needs_quotes(p, n)) {
        fwrite(p, 1, n, out);
        return;
    }
    putc('"', out);
    const char *q;
    while ((q = memchr(p, '"', n)) != NULL) { /* double every quote */
        size_t k = (size_t)(q - p) + 1;
        fwrite(p, 1, k, out);
        putc('"', out);
        p += k;
        n -= k;
    }
    fwrite(p, 1, n, out);
    putc('"', out);
}

static void put_value(FILE *out, const sli_column *c, size_t row)
{
    if (c->type.id == SL_TYPE_UTF8) {
        sli_strview s = sli_column_str(c, row);
        put_field(out, s.ptr, s.len, s.len == 0);
        return;
    }
    char buf[64];
    size_t n = sli_format_value(c, row, buf, sizeof buf);
    if (n >= sizeof buf) n = sizeof buf - 1; /* cannot happen: fixed-width values are short */
    put_field(out, buf, n, false);
}

sl_status sli_csv_write(sl_context *ctx, const sli_table *t, FILE *out)
{
    if (!t || !out)
        return sli_error(ctx, SL_ERR_INVALID_ARG, "writing CSV: table and stream must not be NULL");
    size_t ncols = t->schema.ncols;
    errno = 0; /* so that a failure below names its own cause */
    for (size_t i = 0; i < ncols; i++) {
        if (i) putc(',', out);
        put_field(out, t->schema.names[i], strlen(t->schema.names[i]), false);
    }
    putc('\n', out);
    for (size_t p = 0; p < t->nparts && !ferror(out); p++) {
        const sli_partition *part = &t->parts[p];
        for (size_t row = 0; row < part->rows; row++) {
            for (size_t i = 0; i < ncols; i++) {
                const sli_column *c = part->cols[i];
                if (i) putc(',', out);
                if (sli_valid(c->validity, row)) put_value(out, c, row);
            }
            putc('\n', out);
        }
    }
    int flushed = fflush(out);
    if (flushed != 0 || ferror(out)) {
        const char *why = errno ? strerror(errno) : "stream error";
        return sli_error(ctx, SL_ERR_IO, "cannot write CSV for '%s': %s", t->name, why);
    }
    return SL_OK;
}
