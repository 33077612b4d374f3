/*
 * sched_int.h - the planner's private tables (sched_sets.c), for
 * scheduler.c: a set of suppression values matched as sched_suppressed()
 * does, and a map from a pair of ids to a count.  Pure.
 */
#ifndef MAILROTA_SCHED_INT_H
#define MAILROTA_SCHED_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Suppression values, hashed. */
struct supp_set {
    const char **slot; /* NULL: empty */
    uint64_t *hash;
    size_t mask;
};

/* A map from a pair of ids to a count. */
struct pair_entry {
    long long a, b;
    int val;
    bool used;
};

struct pair_map {
    struct pair_entry *e;
    size_t mask;
    size_t len;
};

void sched_supp_init(struct supp_set *set, const char *const *values,
                     size_t n);
void sched_supp_release(struct supp_set *set);
bool sched_supp_match(const struct supp_set *set, const char *email);
void sched_pair_init(struct pair_map *m, size_t expect);
void sched_pair_release(struct pair_map *m);
int sched_pair_get(const struct pair_map *m, long long a, long long b);
bool sched_pair_has(const struct pair_map *m, long long a, long long b);
void sched_pair_set(struct pair_map *m, long long a, long long b, int val);
void sched_pair_add(struct pair_map *m, long long a, long long b, int delta);

#endif
