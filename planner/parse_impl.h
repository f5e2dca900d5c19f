/*
 * parse_impl.h — what the two halves of the plan-file parser share beyond
 * parse.h: parse.c parses expressions and expression lists, parse_program.c
 * the statements of a plan file (let bindings, chains, steps), whose step
 * arguments are list items parsed by parse.c.
 */
#ifndef SLI_PARSE_IMPL_H
#define SLI_PARSE_IMPL_H

#include "parse.h"

/**
 * Parses one list item at the current token: `expr [as name]`, or with
 * SLI_LIST_ORDER a sort key `expr [asc|desc] [nulls first|last]` (an
 * SLI_EX_ORDER node). @return the tree, or NULL after an error.
 */
sli_expr *sli_parse_item(sli_parser *p, sli_list_mode mode);

#endif
