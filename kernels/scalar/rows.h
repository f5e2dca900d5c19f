/*
 * rows.h — the row loop scalar kernels share: BODY(row) for each row of a
 * selection, with separate loops for the dense case (sel == NULL: rows
 * 0..n-1, which compilers vectorize) and the selected case. Expects `sel`
 * and `n` in scope.
 */
#ifndef SLI_KERNELS_SCALAR_ROWS_H
#define SLI_KERNELS_SCALAR_ROWS_H

#include <stddef.h>

#define FOR_ROWS(BODY)                                                                                       \
    do {                                                                                                     \
        if (sel == NULL) {                                                                                   \
            for (size_t i = 0; i < n; i++) BODY(i);                                                          \
        } else {                                                                                             \
            for (size_t i = 0; i < n; i++) BODY(sel[i]);                                                     \
        }                                                                                                    \
    } while (0)

#endif
