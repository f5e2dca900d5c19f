/*
 * gen_text.c — TPC-H vocabularies and the pseudo-text grammar (see gen_text.h).
 *
 * The word lists are the ones the TPC-H specification defines (clauses
 * 4.2.2.13, 4.2.3). The grammar is clause 4.2.2.14:
 *   sentence  : NP VP T | NP VP PP T | NP VP NP T | NP PP VP NP T | NP PP VP PP T
 *   NP        : noun | adj noun | adj, adj noun | adv adj noun
 *   VP        : verb | aux verb | verb adv | aux verb adv
 *   PP        : prep the NP
 * Words and productions are drawn with the weights below, chosen here so
 * that the common business words ("packages", "requests", "accounts",
 * "deposits", "special", "pending", ...) come up often, as in the
 * specification's data.
 */
#include "gen_text.h"

#include <stdlib.h>
#include <string.h>

#include "runtime/buffer.h"

#define LIST(name, ...)                                                                                      \
    static const char *const name##_w[] = {__VA_ARGS__};                                                     \
    const sli_wordlist name = {name##_w, sizeof name##_w / sizeof *name##_w}

LIST(sli_gen_colors, "almond", "antique", "aquamarine", "azure", "beige", "bisque", "black", "blanched",
     "blue", "blush", "brown", "burlywood", "burnished", "chartreuse", "chiffon", "chocolate", "coral",
     "cornflower", "cornsilk", "cream", "cyan", "dark", "deep", "dim", "dodger", "drab", "firebrick",
     "floral", "forest", "frosted", "gainsboro", "ghost", "goldenrod", "green", "grey", "honeydew", "hot",
     "indian", "ivory", "khaki", "lace", "lavender", "lawn", "lemon", "light", "lime", "linen", "magenta",
     "maroon", "medium", "metallic", "midnight", "mint", "misty", "moccasin", "navajo", "navy", "olive",
     "orange", "orchid", "pale", "papaya", "peach", "peru", "pink", "plum", "powder", "puff", "purple", "red",
     "rose", "rosy", "royal", "saddle", "salmon", "sandy", "seashell", "sienna", "sky", "slate", "smoke",
     "snow", "spring", "steel", "tan", "thistle", "tomato", "turquoise", "violet", "wheat", "white",
     "yellow");
LIST(sli_gen_type_s1, "STANDARD", "SMALL", "MEDIUM", "LARGE", "ECONOMY", "PROMO");
LIST(sli_gen_type_s2, "ANODIZED", "BURNISHED", "PLATED", "POLISHED", "BRUSHED");
LIST(sli_gen_type_s3, "TIN", "NICKEL", "BRASS", "STEEL", "COPPER");
LIST(sli_gen_cont_s1, "SM", "LG", "MED", "JUMBO", "WRAP");
LIST(sli_gen_cont_s2, "CASE", "BOX", "BAG", "JAR", "PKG", "PACK", "CAN", "DRUM");
LIST(sli_gen_segments, "AUTOMOBILE", "BUILDING", "FURNITURE", "MACHINERY", "HOUSEHOLD");
LIST(sli_gen_priorities, "1-URGENT", "2-HIGH", "3-MEDIUM", "4-NOT SPECIFIED", "5-LOW");
LIST(sli_gen_instructions, "DELIVER IN PERSON", "COLLECT COD", "NONE", "TAKE BACK RETURN");
LIST(sli_gen_modes, "REG AIR", "AIR", "RAIL", "SHIP", "TRUCK", "MAIL", "FOB");
LIST(sli_gen_nations, "ALGERIA", "ARGENTINA", "BRAZIL", "CANADA", "EGYPT", "ETHIOPIA", "FRANCE", "GERMANY",
     "INDIA", "INDONESIA", "IRAN", "IRAQ", "JAPAN", "JORDAN", "KENYA", "MOROCCO", "MOZAMBIQUE", "PERU",
     "CHINA", "ROMANIA", "SAUDI ARABIA", "VIETNAM", "RUSSIA", "UNITED KINGDOM", "UNITED STATES");
LIST(sli_gen_regions, "AFRICA", "AMERICA", "ASIA", "EUROPE", "MIDDLE EAST");

const int sli_gen_nation_region[25] = {0, 1, 1, 1, 4, 0, 3, 3, 2, 2, 4, 4, 2,
                                       4, 0, 0, 0, 1, 2, 3, 4, 2, 3, 3, 1};

/* ---- the grammar's vocabulary, with weights ------------------------------- */

typedef struct wword {
    const char *w;
    unsigned weight;
} wword;

static const wword NOUNS[] = {
    {"packages", 40},     {"requests", 40},     {"accounts", 40},      {"deposits", 40},
    {"foxes", 20},        {"ideas", 20},        {"theodolites", 20},   {"pinto beans", 20},
    {"instructions", 20}, {"dependencies", 10}, {"excuses", 10},       {"platelets", 10},
    {"asymptotes", 10},   {"courts", 5},        {"dolphins", 5},       {"multipliers", 1},
    {"sauternes", 1},     {"warthogs", 1},      {"frets", 1},          {"dinos", 1},
    {"attainments", 1},   {"somas", 1},         {"Tiresias", 1},       {"patterns", 1},
    {"forges", 1},        {"braids", 1},        {"hockey players", 1}, {"frays", 1},
    {"warhorses", 1},     {"dugouts", 1},       {"notornis", 1},       {"epitaphs", 1},
    {"pearls", 1},        {"tithes", 1},        {"waters", 1},         {"orbits", 1},
    {"gifts", 1},         {"sheaves", 1},       {"depths", 1},         {"sentiments", 1},
    {"decoys", 1},        {"realms", 1},        {"pains", 1},          {"grouches", 1},
    {"escapades", 1},
};
static const wword VERBS[] = {
    {"sleep", 20},  {"wake", 20},  {"are", 20},    {"cajole", 20}, {"haggle", 20},   {"nag", 10},
    {"use", 10},    {"boost", 10}, {"affix", 5},   {"detect", 5},  {"integrate", 5}, {"maintain", 1},
    {"nod", 1},     {"was", 1},    {"lose", 1},    {"sublate", 1}, {"solve", 1},     {"thrash", 1},
    {"promise", 1}, {"engage", 1}, {"hinder", 1},  {"print", 1},   {"x-ray", 1},     {"breach", 1},
    {"eat", 1},     {"grow", 1},   {"impress", 1}, {"mold", 1},    {"poach", 1},     {"serve", 1},
    {"run", 1},     {"dazzle", 1}, {"snooze", 1},  {"doze", 1},    {"unwind", 1},    {"kindle", 1},
    {"play", 1},    {"hang", 1},   {"believe", 1}, {"doubt", 1},
};
static const wword ADJECTIVES[] = {
    {"special", 20}, {"pending", 20},  {"unusual", 20}, {"express", 20}, {"furious", 1}, {"sly", 1},
    {"careful", 1},  {"blithe", 1},    {"quick", 1},    {"fluffy", 1},   {"slow", 1},    {"quiet", 1},
    {"ruthless", 1}, {"thin", 1},      {"close", 1},    {"dogged", 1},   {"daring", 1},  {"brave", 1},
    {"stealthy", 1}, {"permanent", 1}, {"enticing", 1}, {"idle", 1},     {"busy", 1},    {"regular", 50},
    {"final", 40},   {"ironic", 40},   {"even", 30},    {"bold", 20},    {"silent", 10},
};
static const wword ADVERBS[] = {
    {"sometimes", 1},  {"always", 1},     {"never", 1},      {"furiously", 50},  {"slyly", 50},
    {"carefully", 50}, {"blithely", 40},  {"quickly", 30},   {"fluffily", 20},   {"slowly", 1},
    {"quietly", 1},    {"ruthlessly", 1}, {"thinly", 1},     {"closely", 1},     {"doggedly", 1},
    {"daringly", 1},   {"bravely", 1},    {"stealthily", 1}, {"permanently", 1}, {"enticingly", 1},
    {"idly", 1},       {"busily", 1},     {"regularly", 1},  {"finally", 1},     {"ironically", 1},
    {"evenly", 1},     {"boldly", 1},     {"silently", 1},
};
static const wword PREPOSITIONS[] = {
    {"about", 50},
    {"above", 50},
    {"according to", 50},
    {"across", 50},
    {"after", 50},
    {"against", 40},
    {"along", 40},
    {"alongside of", 30},
    {"among", 30},
    {"around", 20},
    {"at", 10},
    {"atop", 1},
    {"before", 1},
    {"behind", 1},
    {"beneath", 1},
    {"beside", 1},
    {"besides", 1},
    {"between", 1},
    {"beyond", 1},
    {"by", 1},
    {"despite", 1},
    {"during", 1},
    {"except", 1},
    {"for", 1},
    {"from", 1},
    {"in place of", 1},
    {"inside", 1},
    {"instead of", 1},
    {"into", 1},
    {"near", 1},
    {"of", 1},
    {"on", 1},
    {"outside", 1},
    {"over", 1},
    {"past", 1},
    {"since", 1},
    {"through", 1},
    {"throughout", 1},
    {"to", 1},
    {"toward", 1},
    {"under", 1},
    {"until", 1},
    {"up", 1},
    {"upon", 1},
    {"without", 1},
    {"with", 1},
    {"within", 1},
};
static const wword AUXILIARIES[] = {
    {"do", 1},
    {"may", 1},
    {"might", 1},
    {"shall", 1},
    {"will", 1},
    {"would", 1},
    {"can", 1},
    {"could", 1},
    {"should", 1},
    {"ought to", 1},
    {"must", 1},
    {"will have to", 1},
    {"shall have to", 1},
    {"could have to", 1},
    {"should have to", 1},
    {"must have to", 1},
    {"need to", 1},
    {"try to", 1},
};
static const wword TERMINATORS[] = {{".", 50}, {";", 1}, {":", 1}, {"?", 1}, {"!", 1}, {"--", 1}};

/* A weighted list with its cumulative weights, for drawing. */
typedef struct wlist {
    const wword *w;
    size_t n;
    unsigned total;
} wlist;

static wlist mklist(const wword *w, size_t n)
{
    wlist l = {w, n, 0};
    for (size_t i = 0; i < n; i++) l.total += w[i].weight;
    return l;
}

static const char *pick(const wlist *l, sli_rng *r)
{
    unsigned x = (unsigned)sli_rng_range(r, 0, (int64_t)l->total - 1);
    for (size_t i = 0; i < l->n; i++) {
        if (x < l->w[i].weight) return l->w[i].w;
        x -= l->w[i].weight;
    }
    return l->w[l->n - 1].w;
}

typedef struct writer {
    char *p;
    size_t len, cap;
} writer;

static void put(writer *w, const char *s)
{
    size_t n = strlen(s);
    if (n > w->cap - w->len) n = w->cap - w->len;
    memcpy(w->p + w->len, s, n);
    w->len += n;
}

typedef struct grammar {
    wlist noun, verb, adj, adv, prep, aux, term;
} grammar;

static void noun_phrase(const grammar *g, sli_rng *r, writer *w)
{
    switch (sli_rng_range(r, 0, 9)) {
    case 0:
    case 1:
    case 2: break; /* noun */
    case 3:
    case 4:
    case 5:
    case 6: /* adjective noun */
        put(w, pick(&g->adj, r));
        put(w, " ");
        break;
    case 7:
    case 8: /* adjective, adjective noun */
        put(w, pick(&g->adj, r));
        put(w, ", ");
        put(w, pick(&g->adj, r));
        put(w, " ");
        break;
    default: /* adverb adjective noun */
        put(w, pick(&g->adv, r));
        put(w, " ");
        put(w, pick(&g->adj, r));
        put(w, " ");
        break;
    }
    put(w, pick(&g->noun, r));
}

static void verb_phrase(const grammar *g, sli_rng *r, writer *w)
{
    int k = (int)sli_rng_range(r, 0, 3);
    if (k & 1) {
        put(w, pick(&g->aux, r));
        put(w, " ");
    }
    put(w, pick(&g->verb, r));
    if (k & 2) {
        put(w, " ");
        put(w, pick(&g->adv, r));
    }
}

static void prep_phrase(const grammar *g, sli_rng *r, writer *w)
{
    put(w, pick(&g->prep, r));
    put(w, " the ");
    noun_phrase(g, r, w);
}

static void sentence(const grammar *g, sli_rng *r, writer *w)
{
    int k = (int)sli_rng_range(r, 0, 10);
    noun_phrase(g, r, w);
    put(w, " ");
    if (k <= 2) { /* NP VP T */
        verb_phrase(g, r, w);
    } else if (k <= 5) { /* NP VP PP T */
        verb_phrase(g, r, w);
        put(w, " ");
        prep_phrase(g, r, w);
    } else if (k <= 8) { /* NP VP NP T */
        verb_phrase(g, r, w);
        put(w, " ");
        noun_phrase(g, r, w);
    } else if (k == 9) { /* NP PP VP NP T */
        prep_phrase(g, r, w);
        put(w, " ");
        verb_phrase(g, r, w);
        put(w, " ");
        noun_phrase(g, r, w);
    } else { /* NP PP VP PP T */
        prep_phrase(g, r, w);
        put(w, " ");
        verb_phrase(g, r, w);
        put(w, " ");
        prep_phrase(g, r, w);
    }
    put(w, pick(&g->term, r));
    put(w, " ");
}

#define MK(a) mklist(a, sizeof a / sizeof *a)

char *sli_gen_text_pool(uint64_t seed)
{
    /* A large buffer gets huge pages: comments read the pool at random
     * offsets, and 4 KiB pages would make most of those reads TLB misses. */
    writer w = {sli_buf_alloc_uninit(SLI_GEN_POOL_BYTES), 0, SLI_GEN_POOL_BYTES};
    if (!w.p) return NULL;
    grammar g = {MK(NOUNS),        MK(VERBS),       MK(ADJECTIVES), MK(ADVERBS),
                 MK(PREPOSITIONS), MK(AUXILIARIES), MK(TERMINATORS)};
    sli_rng r = sli_rng_at(seed, 0x7E47u, 0);
    while (w.len < w.cap) sentence(&g, &r, &w);
    return w.p;
}

static const char VCHARS[65] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ,.";

uint32_t sli_gen_vstring(sli_rng *r, int lo, int hi, char *buf)
{
    uint32_t n = (uint32_t)sli_rng_range(r, lo, hi);
    uint64_t bits = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (i % 10 == 0) bits = sli_rng_next(r); /* ten 6-bit symbols per draw */
        buf[i] = VCHARS[bits & 63];
        bits >>= 6;
    }
    return n;
}

uint32_t sli_gen_phone(sli_rng *r, int nation, char *buf)
{
    int a = (int)sli_rng_range(r, 100, 999), b = (int)sli_rng_range(r, 100, 999);
    int c = (int)sli_rng_range(r, 1000, 9999);
    int cc = nation + 10;
    char *p = buf;
    *p++ = (char)('0' + cc / 10);
    *p++ = (char)('0' + cc % 10);
    *p++ = '-';
    *p++ = (char)('0' + a / 100);
    *p++ = (char)('0' + a / 10 % 10);
    *p++ = (char)('0' + a % 10);
    *p++ = '-';
    *p++ = (char)('0' + b / 100);
    *p++ = (char)('0' + b / 10 % 10);
    *p++ = (char)('0' + b % 10);
    *p++ = '-';
    *p++ = (char)('0' + c / 1000);
    *p++ = (char)('0' + c / 100 % 10);
    *p++ = (char)('0' + c / 10 % 10);
    *p++ = (char)('0' + c % 10);
    *p = 0;
    return 15;
}
