/*
 * test_util.h — scratch directories for the tests that write their input
 * files: one mkdtemp directory per test program, removed with its contents
 * at the end (no shell involved).
 */
#ifndef SLI_TEST_UTIL_H
#define SLI_TEST_UTIL_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

/** Creates /tmp/sluice_<tag>_XXXXXX into dir. @return 0, or -1 on failure. */
static inline int tu_make_dir(char *dir, size_t cap, const char *tag)
{
    snprintf(dir, cap, "/tmp/sluice_%s_XXXXXX", tag); /* XXXXXX: mkdtemp's template */
    return mkdtemp(dir) ? 0 : -1;
}

static inline int tu_remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

/** Removes dir and everything under it. @return 0, or -1 on failure. */
static inline int tu_remove_dir(const char *dir)
{
    return nftw(dir, tu_remove_entry, 16, FTW_DEPTH | FTW_PHYS) == 0 ? 0 : -1;
}

#endif
