/*
 * profile.c — EXPLAIN ANALYZE counters and their formatting (profile.h).
 */
#include "profile.h"

#include <stdlib.h>
#include <string.h>

int sli_profile_init(sli_profile *pf, const size_t *nops, size_t npipes)
{
    memset(pf, 0, sizeof *pf);
    pf->pipes = calloc(npipes ? npipes : 1, sizeof *pf->pipes);
    if (!pf->pipes) return -1;
    pf->npipes = npipes;
    for (size_t i = 0; i < npipes; i++) {
        pf->pipes[i].nops = nops[i];
        pf->pipes[i].ops = calloc(nops[i] + 1, sizeof *pf->pipes[i].ops);
        if (!pf->pipes[i].ops) {
            sli_profile_free(pf);
            return -1;
        }
    }
    return 0;
}

void sli_profile_free(sli_profile *pf)
{
    for (size_t i = 0; pf->pipes && i < pf->npipes; i++) free(pf->pipes[i].ops);
    free(pf->pipes);
    memset(pf, 0, sizeof *pf);
}

void sli_pipe_prof_add(sli_pipe_prof *pp, const sli_op_prof *w)
{
    for (size_t k = 0; k <= pp->nops; k++) {
        pp->ops[k].rows_in += w[k].rows_in;
        pp->ops[k].ns += w[k].ns;
    }
}

uint64_t sli_pipe_prof_rows_out(const sli_pipe_prof *pp, size_t k)
{
    return k < pp->nops ? pp->ops[k + 1].rows_in : pp->sink_rows;
}

uint64_t sli_pipe_prof_source_out(const sli_pipe_prof *pp)
{
    return pp->ops[0].rows_in;
}

uint64_t sli_pipe_prof_self_ns(const sli_pipe_prof *pp, size_t k)
{
    if (k == pp->nops) return pp->ops[k].ns + pp->finish_ns;
    /* every call into k + 1 happens inside a timed call of k */
    return pp->ops[k].ns > pp->ops[k + 1].ns ? pp->ops[k].ns - pp->ops[k + 1].ns : 0;
}

void sli_prof_put_ms(sli_sbuf *out, uint64_t ns)
{
    sli_sbuf_printf(out, "%.3f ms", (double)ns / 1e6);
}

void sli_prof_put_json_str(sli_sbuf *out, const char *s, size_t n)
{
    sli_sbuf_append(out, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '"' || ch == '\\') {
            char e[2] = {'\\', (char)ch};
            sli_sbuf_append(out, e, 2);
        } else if (ch == '\n') {
            sli_sbuf_append(out, "\\n", 2);
        } else if (ch == '\t') {
            sli_sbuf_append(out, "\\t", 2);
        } else if (ch < 0x20) {
            sli_sbuf_printf(out, "\\u%04x", ch);
        } else {
            sli_sbuf_append(out, (const char *)&s[i], 1);
        }
    }
    sli_sbuf_append(out, "\"", 1);
}
