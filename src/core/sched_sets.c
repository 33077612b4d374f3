/*
 * sched_sets.c - the planner's tables (sched_int.h): suppression values
 * in a hash set with the same matching as sched_suppressed(), and a map
 * from a pair of ids to a count.  Pure.
 */
#include "sched_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "scheduler.h"
#include "util.h"

#include "banned.h"

/* ---- ASCII case-insensitive helpers (locale-independent on purpose: the
 * suppression hash and the comparisons must agree byte for byte) ---- */

static unsigned char lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c - 'A' + 'a') : c;
}

static bool ieq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if (lower((unsigned char)*a) != lower((unsigned char)*b))
            return false;
    return *a == *b;
}

/* Whether `domain` is `d` or a subdomain of it (d non-empty). */
static bool domain_covers(const char *domain, const char *d)
{
    size_t dl = strlen(domain), l = strlen(d);

    if (l == 0 || l > dl)
        return false;
    if (l == dl)
        return ieq(domain, d);
    return domain[dl - l - 1] == '.' && ieq(domain + dl - l, d);
}

/* The domain of an address: after its last '@'; NULL without one. */
static const char *email_domain(const char *email)
{
    const char *at = strrchr(email, '@');

    return at ? at + 1 : NULL;
}

bool sched_suppressed(const char *email, const char *const *values,
                      size_t n)
{
    const char *domain;

    if (!email || !*email || !values)
        return false;
    domain = email_domain(email);
    for (size_t i = 0; i < n; i++) {
        const char *v = values[i];

        if (!v || !*v)
            continue;
        if (v[0] == '@') {
            if (domain && domain_covers(domain, v + 1))
                return true;
        } else if (ieq(v, email)) {
            return true;
        }
    }
    return false;
}

/* ---- a set of suppression values, so a plan with many suppressions and
 * many candidates does not compare every pair.  Same semantics as
 * sched_suppressed(): an address matches itself; "@d" matches "@" followed
 * by the email's domain or by what follows any '.' in it. ---- */


/* FNV-1a over the lower-cased bytes, optionally behind an '@'. */
static uint64_t supp_hash(bool at, const char *s)
{
    uint64_t h = 14695981039346656037ULL;

    if (at) {
        h ^= (unsigned char)'@';
        h *= 1099511628211ULL;
    }
    for (; *s; s++) {
        h ^= lower((unsigned char)*s);
        h *= 1099511628211ULL;
    }
    return h;
}

static bool supp_key_eq(const char *value, bool at, const char *s)
{
    if (at)
        return value[0] == '@' && ieq(value + 1, s);
    return ieq(value, s);
}

void sched_supp_init(struct supp_set *set, const char *const *values,
                     size_t n)
{
    size_t cap = 16;

    while (cap < 2 * n)
        cap *= 2;
    set->slot = xcalloc(cap, sizeof(*set->slot));
    set->hash = xcalloc(cap, sizeof(*set->hash));
    set->mask = cap - 1;
    for (size_t i = 0; i < n; i++) {
        const char *v = values ? values[i] : NULL;
        uint64_t h;
        size_t j;

        /* "" and "@" match nothing in sched_suppressed() either. */
        if (!v || !*v || (v[0] == '@' && !v[1]))
            continue;
        h = supp_hash(false, v);
        for (j = h & set->mask; set->slot[j]; j = (j + 1) & set->mask)
            if (set->hash[j] == h && ieq(set->slot[j], v))
                break;
        set->slot[j] = v;
        set->hash[j] = h;
    }
}

void sched_supp_release(struct supp_set *set)
{
    free(set->slot);
    free(set->hash);
    set->slot = NULL;
    set->hash = NULL;
}

static bool supp_has(const struct supp_set *set, bool at, const char *s)
{
    uint64_t h = supp_hash(at, s);

    for (size_t j = h & set->mask; set->slot[j]; j = (j + 1) & set->mask)
        if (set->hash[j] == h && supp_key_eq(set->slot[j], at, s))
            return true;
    return false;
}

bool sched_supp_match(const struct supp_set *set, const char *email)
{
    const char *domain;

    if (!email || !*email)
        return false;
    if (supp_has(set, false, email))
        return true;
    domain = email_domain(email);
    if (!domain)
        return false;
    for (const char *p = domain;; p++) {
        /* p is the domain itself or just after one of its dots */
        if (*p && supp_has(set, true, p))
            return true;
        p = strchr(p, '.');
        if (!p)
            return false;
    }
}

/* ---- a hash map from a pair of ids to a count ---- */



static uint64_t pair_hash(long long a, long long b)
{
    /* splitmix64's finaliser over a simple combination */
    uint64_t x = (uint64_t)a * 0x9E3779B97F4A7C15ULL ^ (uint64_t)b;

    x ^= x >> 30;
    x *= 0xBF58476D1CE4E5B9ULL;
    x ^= x >> 27;
    x *= 0x94D049BB133111EBULL;
    x ^= x >> 31;
    return x;
}

void sched_pair_init(struct pair_map *m, size_t expect)
{
    size_t cap = 64;

    while (cap < 2 * expect)
        cap *= 2;
    m->e = xcalloc(cap, sizeof(*m->e));
    m->mask = cap - 1;
    m->len = 0;
}

void sched_pair_release(struct pair_map *m)
{
    free(m->e);
    m->e = NULL;
}

static struct pair_entry *pair_slot(struct pair_entry *e, size_t mask,
                                    long long a, long long b)
{
    size_t j = pair_hash(a, b) & mask;

    while (e[j].used && !(e[j].a == a && e[j].b == b))
        j = (j + 1) & mask;
    return &e[j];
}

int sched_pair_get(const struct pair_map *m, long long a, long long b)
{
    struct pair_entry *p = pair_slot(m->e, m->mask, a, b);

    return p->used ? p->val : 0;
}

void sched_pair_set(struct pair_map *m, long long a, long long b, int val)
{
    sched_pair_add(m, a, b, val - sched_pair_get(m, a, b));
}

bool sched_pair_has(const struct pair_map *m, long long a, long long b)
{
    return pair_slot(m->e, m->mask, a, b)->used;
}

void sched_pair_add(struct pair_map *m, long long a, long long b, int delta)
{
    struct pair_entry *p;

    if (2 * (m->len + 1) > m->mask + 1) {
        size_t cap = 2 * (m->mask + 1);
        struct pair_entry *ne = xcalloc(cap, sizeof(*ne));

        for (size_t i = 0; i <= m->mask; i++)
            if (m->e[i].used)
                *pair_slot(ne, cap - 1, m->e[i].a, m->e[i].b) = m->e[i];
        free(m->e);
        m->e = ne;
        m->mask = cap - 1;
    }
    p = pair_slot(m->e, m->mask, a, b);
    if (!p->used) {
        p->used = true;
        p->a = a;
        p->b = b;
        p->val = 0;
        m->len++;
    }
    p->val += delta;
}

