/*
 * join_type.h — the kinds of hash join the planner and the runtime share.
 *
 * The left input is the probe side, the right input the build side.
 *   INNER  pairs of matching rows: left columns then right columns
 *   LEFT   INNER plus every unmatched left row with NULL right columns
 *   SEMI   each left row that has at least one match, once (left columns only)
 *   ANTI   each left row that has no match (left columns only); a row with a
 *          NULL key matches nothing and is kept (NOT EXISTS, Spark's left_anti)
 */
#ifndef SLI_JOIN_TYPE_H
#define SLI_JOIN_TYPE_H

#include <stdbool.h>
#include <stddef.h>
#include <strings.h>

typedef enum sli_join_type {
    SLI_JOIN_INNER = 0,
    SLI_JOIN_LEFT,
    SLI_JOIN_SEMI,
    SLI_JOIN_ANTI,
} sli_join_type;

/** @return the join type's name as EXPLAIN prints it ("inner", "left", "semi", "anti"). */
static inline const char *sli_join_type_name(sli_join_type t)
{
    switch (t) {
    case SLI_JOIN_INNER: return "inner";
    case SLI_JOIN_LEFT: return "left";
    case SLI_JOIN_SEMI: return "semi";
    case SLI_JOIN_ANTI: return "anti";
    }
    return "?";
}

/** @return true when the join's output has the right input's columns too. */
static inline int sli_join_keeps_right(sli_join_type t)
{
    return t == SLI_JOIN_INNER || t == SLI_JOIN_LEFT;
}

/**
 * Parses a join type as Spark's how= spells it: "inner", "left" / "left_outer"
 * / "leftouter", "semi" / "left_semi" / "leftsemi", "anti" / "left_anti" /
 * "leftanti" (any case). @return false for anything else.
 */
static inline bool sli_join_type_parse(const char *s, sli_join_type *out)
{
    static const struct {
        const char *name;
        sli_join_type t;
    } names[] = {
        {"inner", SLI_JOIN_INNER},    {"left", SLI_JOIN_LEFT}, {"left_outer", SLI_JOIN_LEFT},
        {"leftouter", SLI_JOIN_LEFT}, {"semi", SLI_JOIN_SEMI}, {"left_semi", SLI_JOIN_SEMI},
        {"leftsemi", SLI_JOIN_SEMI},  {"anti", SLI_JOIN_ANTI}, {"left_anti", SLI_JOIN_ANTI},
        {"leftanti", SLI_JOIN_ANTI},
    };
    for (size_t i = 0; s && i < sizeof names / sizeof names[0]; i++) {
        if (strcasecmp(s, names[i].name) == 0) {
            *out = names[i].t;
            return true;
        }
    }
    return false;
}

#endif
