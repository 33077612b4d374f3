/* pacing.c - the gap between sends (see pacing.h).  Pure. */
#include "pacing.h"

#include "banned.h"

uint64_t pacing_rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);

    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

void pacing_init(struct pacing *p, uint64_t seed, int64_t *window)
{
    p->rng = seed;
    p->gap_ms = -1;
    p->last_send_ms = 0;
    p->window = window;
    p->nwin = 0;
}

int64_t pacing_wait(const struct pacing_rules *ru, struct pacing *p,
                    int64_t now_ms)
{
    size_t cap = ru->per_minute > 0 ? (size_t)ru->per_minute : 0;
    int64_t wait = 0;

    if (p->gap_ms < 0) {
        p->gap_ms = (int64_t)ru->min_gap_s * 1000;
        if (ru->jitter_s > 0)
            p->gap_ms += (int64_t)(pacing_rng_next(&p->rng) %
                                   ((uint64_t)ru->jitter_s * 1000 + 1));
    }
    if (p->last_send_ms && p->last_send_ms + p->gap_ms > now_ms)
        wait = p->last_send_ms + p->gap_ms - now_ms;
    if (cap && p->nwin >= cap) {
        int64_t oldest = p->window[p->nwin % cap];

        if (oldest + 60000 > now_ms + wait)
            wait = oldest + 60000 - now_ms;
    }
    return wait;
}

void pacing_mark(const struct pacing_rules *ru, struct pacing *p,
                 int64_t now_ms)
{
    size_t cap = ru->per_minute > 0 ? (size_t)ru->per_minute : 0;

    p->last_send_ms = now_ms;
    p->gap_ms = -1;
    if (cap)
        p->window[p->nwin % cap] = now_ms;
    p->nwin++;
}

int64_t pacing_spread_next(int64_t last, int64_t now, int64_t closes,
                           int remaining)
{
    int64_t gap;

    if (remaining <= 0)
        return INT64_MAX;
    gap = closes > now ? (closes - now) / remaining : 0;
    return last > 0 ? last + gap : now;
}
