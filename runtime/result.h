/*
 * result.h — the layout behind the public sl_result handle.
 */
#ifndef SLI_RESULT_H
#define SLI_RESULT_H

#include "sluice/sluice.h"
#include "table.h"

struct sl_result {
    sli_table *t; /**< at most one partition */
};

/** @return a result owning t, or NULL (t is then still the caller's). */
sl_result *sli_result_new(sli_table *t);

#endif
