/*
 * register.c — the public entry points that load files into a context:
 * sl_context_register_csv (one CSV file) and sl_context_register_dir (every
 * .csv, .tbl and .parquet file of a directory). sl_context_register_parquet
 * lives with the Parquet reader (parquet_read.c). See sluice.h.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "io/csv.h"
#include "io/parquet.h"

sl_status sl_context_register_csv(sl_context *ctx, const char *name, const char *path,
                                  const sl_csv_options *opts)
{
    if (!ctx) return SL_ERR_INVALID_ARG;
    if (!name || !*name || !path)
        return sli_error(ctx, SL_ERR_INVALID_ARG,
                         "sl_context_register_csv: a table name and a path are required");
    /* Refuse a taken name before reading what may be a large file. */
    if (sli_context_find_table(ctx, name))
        return sli_error(ctx, SL_ERR_DUPLICATE, "table '%s' is already registered", name);
    sli_table *t = NULL;
    sl_status s = sli_csv_read(ctx, name, path, opts, &t);
    if (s) return s;
    return sli_context_add_table(ctx, t);
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The kinds of file a directory may hold. */
enum { KIND_CSV = 0, KIND_TBL = 1, KIND_PARQUET = 2 };

/* @return the length of the table name of a .csv/.tbl/.parquet file name
 * (with its kind in *kind), or 0 for any other name. */
static size_t stem_len(const char *file, int *kind)
{
    size_t n = strlen(file);
    if (n > 8 && strcmp(file + n - 8, ".parquet") == 0) {
        *kind = KIND_PARQUET;
        return n - 8;
    }
    if (n <= 4) return 0;
    if (strcmp(file + n - 4, ".csv") == 0) {
        *kind = KIND_CSV;
        return n - 4;
    }
    if (strcmp(file + n - 4, ".tbl") == 0) {
        *kind = KIND_TBL;
        return n - 4;
    }
    return 0;
}

static void free_list(char **list, size_t n)
{
    for (size_t i = 0; i < n; i++) free(list[i]);
    free(list);
}

sl_status sl_context_register_dir(sl_context *ctx, const char *dir)
{
    if (!ctx) return SL_ERR_INVALID_ARG;
    if (!dir) return sli_error(ctx, SL_ERR_INVALID_ARG, "sl_context_register_dir: a directory is required");
    DIR *d = opendir(dir);
    if (!d) return sli_error(ctx, SL_ERR_IO, "cannot open directory '%s': %s", dir, strerror(errno));

    /* Collect the full paths of the regular .csv/.tbl/.parquet files. */
    size_t dlen = strlen(dir);
    const char *sep = dlen && dir[dlen - 1] == '/' ? "" : "/";
    char **paths = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        int kind;
        if (stem_len(e->d_name, &kind) == 0) continue;
        size_t plen = dlen + strlen(sep) + strlen(e->d_name) + 1;
        char *path = malloc(plen);
        if (!path) goto nomem;
        snprintf(path, plen, "%s%s%s", dir, sep, e->d_name);
        struct stat st;
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
            free(path);
            continue;
        }
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            char **np = realloc(paths, ncap * sizeof *np);
            if (!np) {
                free(path);
                goto nomem;
            }
            paths = np;
            cap = ncap;
        }
        paths[n++] = path;
    }
    closedir(d);
    if (n == 0) {
        free(paths);
        /* The text predates .parquet support; tests/test_csv.c checks it word for word. */
        return sli_error(ctx, SL_ERR_IO, "no .csv or .tbl files in '%s'", dir);
    }
    /* All paths share the directory prefix, so sorting them sorts by file name. */
    qsort(paths, n, sizeof *paths, cmp_names);

    sl_status s = SL_OK;
    for (size_t i = 0; i < n && s == SL_OK; i++) {
        const char *file = paths[i] + dlen + strlen(sep);
        int kind = KIND_CSV;
        size_t slen = stem_len(file, &kind);
        char *name = strndup(file, slen);
        if (!name) {
            s = sli_nomem(ctx, "registering a directory");
            break;
        }
        if (kind == KIND_PARQUET) {
            s = sl_context_register_parquet(ctx, name, paths[i]);
        } else {
            sl_csv_options o;
            memset(&o, 0, sizeof o);
            if (kind == KIND_TBL) {
                o.delimiter = '|';
                o.no_header = 1;
            }
            s = sl_context_register_csv(ctx, name, paths[i], &o);
        }
        free(name);
    }
    free_list(paths, n);
    return s;

nomem:
    closedir(d);
    free_list(paths, n);
    return sli_nomem(ctx, "registering a directory");
}
